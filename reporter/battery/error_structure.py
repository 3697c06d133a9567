"""The two tests that justify FGLS (`fgls`: panel heteroskedasticity and a common AR(1)),
on the sample of the two-way FE baseline with controls; results.json `tests`.

* `groupwise_heteroskedasticity`: the modified Wald test of Stata's `xttest3` (Baum 2001,
  following Greene 2000, p. 598) after `xtreg y x i.year, fe`, read from xttest3.ado 1.0.7.
  With e the two-way FE residuals (Stata's `predict, e`), T_i the rows of entity i,
  σ²_i = Σ_t e²_it / T_i, σ² = Σ (e - ē)² / n (`summarize e`: r(Var)·(N-1)/N),
  V_i = Σ_t (e²_it - σ²_i)² / (T_i (T_i - 1)), W = Σ_i (σ²_i - σ²)² / V_i ~ χ²(N_g) under
  H0: σ²_i = σ² for all i. An entity with one row, or whose squared residuals are all
  equal (V_i = 0: the two within residuals of a two-year entity under one-way effects),
  has no V_i: Stata adds nothing for it but still counts it in N_g; here it is left out of
  both and counted in `n_entities_skipped`.
* `serial_correlation`: Wooldridge's test of Stata's `xtserial` (Drukker 2003), read from
  xtserial.ado 1.1.0: `regress D.(y x) , nocons cluster(id)`, its residuals e, then
  `regress e L.e, nocons cluster(id)` and `test L.e = -.5` (under no serial correlation in
  the level errors, first-differenced errors have autocorrelation -1/2). The year effects
  of the two-way model are among the differenced regressors (xtserial with the year
  dummies in its varlist: their differences span one dummy per differenced period, which
  is what is used). Both regressions by statsmodels OLS; the F is its cluster-robust Wald
  test with Stata's small-sample factor G/(G-1)·(n-1)/(n-k), k = 1, on (1, G - 1) df, G
  the entities with a residual and its lag. D and L are one period on the panel's own
  step (5 years on five-yearly data); a gap gives no difference, as Stata's operators.

Checked against tests/reference/make_endogeneity.R (R by hand, and plm::pwfdtest).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import linalg

from reporter.battery.dist import chi2_sf
from reporter.battery.panel import PanelFit
from reporter.results import TestResult

NAN = float("nan")
_RANK_TOL = 1e-10  # as panel.check_rank


def groupwise_heteroskedasticity(fit: PanelFit) -> TestResult:
    """xttest3's modified Wald test on the residuals of a fixed-effects fit (its design's
    entities are the groups)."""
    e = fit.resid
    entity, n_entities = fit.design.entity, fit.design.n_entities
    t_i = np.bincount(entity, minlength=n_entities).astype(float)
    e2 = e * e
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma2_i = np.bincount(entity, weights=e2, minlength=n_entities) / t_i
        dev = np.bincount(entity, weights=(e2 - sigma2_i[entity]) ** 2, minlength=n_entities)
        v_i = dev / t_i / (t_i - 1)
    sigma2 = float(np.mean((e - e.mean()) ** 2))
    # V_i = 0 to rounding: squared residuals equal within the entity
    scale = np.maximum(sigma2_i, np.finfo(float).tiny) ** 2
    used = (t_i > 1) & np.isfinite(v_i) & (v_i > 1e-12 * scale)
    stat = float(np.sum((sigma2_i[used] - sigma2) ** 2 / v_i[used]))
    df = int(used.sum())
    return TestResult(stat=stat if df else NAN, df=df, p_value=chi2_sf(stat, df) if df else NAN,
                      extra={"sigma2": sigma2, "sigma2_min": float(np.min(sigma2_i[used]))
                             if df else NAN,
                             "sigma2_max": float(np.max(sigma2_i[used])) if df else NAN,
                             "n_entities_skipped": int(n_entities - df),
                             "nobs": fit.nobs})


def _independent(x: np.ndarray) -> np.ndarray:
    """The columns of `x` a pivoted QR of its scaled columns finds independent, in their
    order: what Stata keeps when it omits a regressor "because of collinearity" (a control
    without variation once differenced, or one whose difference is the same every year,
    as experience, which the period dummies then span). The residuals are unchanged."""
    if x.shape[1] == 0:
        return x
    norms = np.sqrt(np.einsum("ij,ij->j", x, x))
    _, r, pivots = linalg.qr(x / np.maximum(norms, np.finfo(float).tiny), mode="economic",
                             pivoting=True)
    diag = np.abs(np.diag(r))
    keep = pivots[diag > _RANK_TOL * diag[0]] if diag.size and diag[0] > 0 else pivots[:0]
    return x[:, np.sort(keep)]


def _previous(entities: np.ndarray, times: np.ndarray, step: int) -> np.ndarray:
    """Each row's position of the same entity `step` years earlier, -1 if there is none
    (matched on the year, as `prepare.lag`)."""
    own = pd.MultiIndex.from_arrays([entities, times])
    if own.has_duplicates:
        raise ValueError("entity and time do not identify rows uniquely")
    return own.get_indexer(pd.MultiIndex.from_arrays([entities, times - step]))


def serial_correlation(frame: pd.DataFrame, entity: str, time: str, dependent: str,
                       regressors: Sequence[str], step: int, *,
                       time_effects: bool = True) -> TestResult:
    """xtserial's F test of no first-order serial correlation in the level errors of the
    fixed-effects model of `dependent` on `regressors` (and year effects) on `frame`'s rows,
    a period being `step` years."""
    # imported for this job only (statsmodels brings scipy.stats)
    from statsmodels.regression.linear_model import OLS

    entities, times = frame[entity].to_numpy(), frame[time].to_numpy()
    values = frame[[dependent, *regressors]].to_numpy(dtype=float)
    before = _previous(entities, times, step)
    ok = before >= 0
    diffs = values[ok] - values[before[ok]]
    ok_rows = np.all(np.isfinite(diffs), axis=1)
    diffs, entities, times = diffs[ok_rows], entities[ok][ok_rows], times[ok][ok_rows]
    dy, dx = diffs[:, 0], diffs[:, 1:]
    if time_effects:  # one dummy per differenced period (D. of the year dummies)
        periods = np.unique(times)
        dx = np.hstack([dx, (times[:, None] == periods[None, :]).astype(float)])
    dx = _independent(dx)
    if len(dy) <= dx.shape[1]:
        return _not_estimable(len(dy))
    e = OLS(dy, dx).fit().resid
    lagged = _previous(entities, times, step)
    pair = lagged >= 0
    clusters = pd.factorize(entities[pair])[0]
    n_clusters = int(clusters.max()) + 1 if pair.any() else 0
    if n_clusters < 2 or pair.sum() < 3:
        return _not_estimable(int(pair.sum()))
    aux = OLS(e[pair], e[lagged[pair]][:, None]).fit(
        cov_type="cluster", cov_kwds={"groups": clusters}, use_t=True)
    test = aux.f_test((np.array([[1.0]]), np.array([-0.5])))
    stat = float(np.squeeze(test.fvalue))
    return TestResult(stat=stat, df=1, p_value=float(test.pvalue),
                      extra={"df1": 1, "df2": int(test.df_denom),
                             "coefficient": float(aux.params[0]), "h0_coefficient": -0.5,
                             "nobs": int(pair.sum()), "n_clusters": n_clusters,
                             "nobs_differenced": len(dy)})


def _not_estimable(nobs: int) -> TestResult:
    """Too few differenced rows or entities with two successive residuals."""
    return TestResult(stat=NAN, df=1, p_value=NAN,
                      extra={"df1": 1, "df2": None, "estimable": False, "nobs": nobs})


def fgls_tests(fit: PanelFit, frame: pd.DataFrame, entity: str, time: str, dependent: str,
               regressors: Sequence[str], step: int) -> dict[str, TestResult]:
    """`groupwise_heteroskedasticity` on `fit` (the two-way FE baseline with controls) and
    `serial_correlation` on `frame`, that model's sample."""
    return {"groupwise_heteroskedasticity": groupwise_heteroskedasticity(fit),
            "serial_correlation": serial_correlation(frame, entity, time, dependent,
                                                     regressors, step)}
