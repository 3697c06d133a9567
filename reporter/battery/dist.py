"""The distribution functions the battery needs, as plain floats, from `scipy.stats`.

(These were once rebuilt from `scipy.special` to spare the 0.6 s import of scipy.stats;
since linearmodels and statsmodels, which every run imports for the endogeneity and
error-structure tests, import scipy.stats themselves, that saved nothing.)
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def t_sf(x: float, df: float) -> float:
    """P(T > x) for Student's t with `df` degrees of freedom."""
    return float(stats.t.sf(x, df))


def t_sf_each(x: np.ndarray, df: np.ndarray | float) -> np.ndarray:
    """P(T > x) for each element (one call for many: scipy.stats costs ~0.1 ms a call)."""
    return np.asarray(stats.t.sf(x, df), dtype=float)


def norm_sf_each(x: np.ndarray) -> np.ndarray:
    """P(Z > x) for each element."""
    return np.asarray(stats.norm.sf(x), dtype=float)


def t_ppf(q: float, df: float) -> float:
    """The `q` quantile of Student's t."""
    return float(stats.t.ppf(q, df))


def norm_sf(x: float) -> float:
    """P(Z > x) for the standard normal."""
    return float(stats.norm.sf(x))


def norm_ppf(q: float) -> float:
    """The `q` quantile of the standard normal."""
    return float(stats.norm.ppf(q))


def chi2_sf(x: float, df: float) -> float:
    """P(X > x) for chi-squared with `df` degrees of freedom (1 below the support)."""
    return float(stats.chi2.sf(x, df))


def f_sf(x: float, dfn: float, dfd: float) -> float:
    """P(F > x) for F(dfn, dfd) (1 below the support)."""
    return float(stats.f.sf(x, dfn, dfd))


def f_ppf(q: float, dfn: float, dfd: float) -> float:
    """The `q` quantile of F(dfn, dfd)."""
    return float(stats.f.ppf(q, dfn, dfd))
