"""The few distribution functions the battery needs, from `scipy.special`.

`scipy.stats` costs 0.6 s to import (every distribution, scipy.spatial, …), a tenth of a
whole run; these are the same special functions scipy.stats calls underneath (1.17:
`t._sf = stdtr(df, -x)`, `chi2._sf = chdtrc`, `f._sf = fdtrc`, …), with its handling of the
support's edges and of invalid parameters. tests/test_speed_paths.py checks them against
scipy.stats bit for bit.
"""

from __future__ import annotations

import math

from scipy import special

NAN = float("nan")


def _valid(*dfs: float) -> bool:
    return all(df > 0 for df in dfs)


def t_sf(x: float, df: float) -> float:
    """P(T > x) for Student's t with `df` degrees of freedom."""
    if not _valid(df):
        return NAN
    if math.isinf(x):  # the support's ends
        return 0.0 if x > 0 else 1.0
    return float(special.stdtr(df, -x))


def t_ppf(q: float, df: float) -> float:
    """The `q` quantile of Student's t."""
    if not _valid(df) or not 0 <= q <= 1:
        return NAN
    if q in (0, 1):  # the support's ends (special.stdtrit(df, 0) is +inf)
        return math.inf if q else -math.inf
    return float(special.stdtrit(df, q))


def norm_sf(x: float) -> float:
    """P(Z > x) for the standard normal."""
    return float(special.ndtr(-x))


def norm_ppf(q: float) -> float:
    """The `q` quantile of the standard normal."""
    return float(special.ndtri(q)) if 0 <= q <= 1 else NAN


def chi2_sf(x: float, df: float) -> float:
    """P(X > x) for chi-squared with `df` degrees of freedom (1 below the support)."""
    if not _valid(df) or math.isnan(x):
        return NAN
    if x <= 0 or math.isinf(x):
        return 0.0 if x > 0 else 1.0
    return float(special.chdtrc(df, x))


def f_sf(x: float, dfn: float, dfd: float) -> float:
    """P(F > x) for F(dfn, dfd) (1 below the support)."""
    if not _valid(dfn, dfd) or math.isnan(x):
        return NAN
    if x <= 0 or math.isinf(x):
        return 0.0 if x > 0 else 1.0
    return float(special.fdtrc(dfn, dfd, x))


def f_ppf(q: float, dfn: float, dfd: float) -> float:
    """The `q` quantile of F(dfn, dfd)."""
    if not _valid(dfn, dfd) or not 0 <= q <= 1:
        return NAN
    if q in (0, 1):  # the support's ends
        return math.inf if q else 0.0
    return float(special.fdtri(dfn, dfd, q))
