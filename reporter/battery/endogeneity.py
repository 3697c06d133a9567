"""Is the core endogenous, are the instruments valid, and does LIML agree with 2SLS: the
tests the endogeneity section reports beside `iv_2sls`, computed by linearmodels on the
two-way within-transformed data of `iv_2sls`'s own sample (`fit_iv_2sls` calls `iv_tests`).

Notation: n rows, G entities (= clusters), T years, k = 1 + kc (the endogenous core and
the controls), q instruments; "~" = two-way demeaned on that sample; a = G + T - 1, the
rank of the entity and year dummies (the constant included) that the demeaning removes.

By Frisch-Waugh-Lovell, y~, d~, C~, Z~ are the dummy-variable (LSDV) variables with those
dummies partialled out, so every sum of squares, projection and score sum below is the
LSDV one. What the within data cannot tell linearmodels is that its n rows have lost a
degrees of freedom: it sees n observations and no constant. They enter as follows.

* `wu_hausman` (homoskedastic F): δ = e0'P_[W,d]e0 - ê'P_W ê with e0 the OLS residuals
  (d treated as exogenous), ê the 2SLS residuals and W = [Z~, C~]; F = (δ/1) / ((e0'e0 -
  δ)/df2). linearmodels counts df2 = n - kc - 2 (controls, d, its tested copy); the LSDV
  auxiliary regression also estimates the a dummies, so df2 = n - a - kc - 2 and
  F = F_lm · df2 / df2_lm. This is AER's `summary(ivreg, diagnostics = TRUE)` and Stata's
  `estat endogenous` after `ivregress 2sls y C i.year i.id (d = z)`.
* `durbin` (homoskedastic χ²(1)): δ / σ², with Durbin's large-sample σ² = e0'e0/n in
  linearmodels. The within residuals live in n - a dimensions (the demeaned errors' sum of
  squares has expectation σ²(n - a)), so σ² = e0'e0/(n - a) and χ² = χ²_lm · (n - a)/n:
  ivreg2's `dofminus`, which xtivreg2 sets to G for its entity effects; here the year
  effects are removed by the same demeaning, so they count too.
* `sargan` (homoskedastic, overidentified only): ê'P_W ê / σ² with σ² = ê'ê/(n - a) for
  the same reason (ivreg2: e'e/(N - dofminus)), i.e. (n - a)·R² of ê on W; linearmodels'
  n·R² times (n - a)/n.
* `hansen_j` (entity-clustered, overidentified only): two-step efficient GMM with the
  moment covariance S = Σ_g (W_g'ê_g)(W_g'ê_g)' from the 2SLS residuals (linearmodels
  IVGMM, weight_type="clustered", uncentred, no small-sample factor: ivreg2 `cluster(id)`,
  Stata `ivregress gmm, wmatrix(cluster id)` then `estat overid`); J = (W'e)'S⁻¹(W'e) at the
  GMM residuals e. It is a ratio of score sums: no n and no σ², so no degrees of freedom
  enter. S has rank at most G: with fewer entities than q + kc moments J is not defined.
* `endogeneity_cluster` (cluster-robust, regression-based, Wooldridge 1995; Stata's
  "robust regression F" of `estat endogenous` after `vce(cluster id)`): the two-way FE
  regression of y on d, C and the first-stage residual v with the contract's covariance
  (`panel.estimate`: k + 1 slopes, G/(G-1)·(n-1)/(n-k-1-T)), F = t² of v on (1, G - 1). The
  homoskedastic tests above assume what the clustered inference of every model does not.
* `liml`: k-class with κ the smallest root of |Y'M_C Y - κ·Y'M_W Y| = 0, Y = [y~, d~]
  (linearmodels IVLIML; κ = 1 and LIML = 2SLS when just identified). Its entity-clustered
  covariance is linearmodels' (and ivreg2's) sandwich, bread (X'(I - κM_W)X)⁻¹ and scores
  P_W X·u, times the contract's G/(G-1)·(n-1)/(n-k-T) as for 2SLS; t with G - 1 df.

Checked against tests/reference/make_endogeneity.R (R by hand and AER, not linearmodels).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from reporter.battery.dist import chi2_sf, f_sf, t_ppf, t_sf
from reporter.battery.panel import STATA_CLUSTER, PanelDesign, estimate, wald


def _chi2(stat: float, df: int) -> dict[str, Any]:
    return {"stat": stat, "df": df, "p_value": chi2_sf(stat, df)}


def _hansen_j(ivgmm: Any, y: np.ndarray, exog: np.ndarray | None, endog: np.ndarray,
              z: np.ndarray, design: PanelDesign) -> dict[str, Any]:
    """Hansen's J of the two-step GMM with entity-clustered weights, or why it is not
    defined: the clustered moment covariance has rank at most G, so it needs at least as
    many entities as moment conditions (checked here, not left to the library's version)."""
    n_e, df = design.n_entities, z.shape[1] - endog.shape[1]
    moments = z.shape[1] + (0 if exog is None else exog.shape[1])
    missing = {"stat": None, "df": df, "p_value": None, "estimable": False, "n_clusters": n_e}
    if n_e < moments:
        return missing
    try:
        j = ivgmm(y, exog, endog, z, weight_type="clustered", clusters=design.entity).fit(
            iter_limit=2, cov_type="unadjusted").j_stat
    except ValueError:  # linearmodels >= 7.1: the moment covariance is singular
        return missing
    stat = float(getattr(j, "stat", float("nan")))
    return {**_chi2(stat, df), "n_clusters": n_e} if math.isfinite(stat) else missing


def iv_tests(y: np.ndarray, d: np.ndarray, c: np.ndarray, z: np.ndarray, *,
             sample: pd.DataFrame, design: PanelDesign, dependent: str, endogenous: str,
             controls: list[str], first_stage_resid: np.ndarray,
             level: float = 0.95) -> dict[str, Any]:
    """The endogeneity and overidentification tests and LIML for the 2SLS of y~ on d~ and
    C~ instrumented by Z~ (two-way demeaned on `sample`, whose codes are `design`); the
    diagnostics keys of `iv_2sls`. See the module docstring for the conventions."""
    # imported for this job only: linearmodels brings statsmodels and scipy.stats
    from linearmodels.iv import IV2SLS, IVGMM, IVLIML

    nobs, q, kc = len(y), z.shape[1], c.shape[1]
    n_e, n_t = design.n_entities, design.n_periods
    lost = n_e + n_t - 1  # a: the dummies the two-way demeaning removed
    exog = c if kc else None
    endog = d[:, None]
    out: dict[str, Any] = {"within_df_absorbed": lost}

    tsls: Any = IV2SLS(y, exog, endog, z).fit(cov_type="unadjusted")  # IVResults
    wu = tsls.wu_hausman()
    df2 = int(wu.df_denom) - lost
    stat = float(wu.stat) * df2 / int(wu.df_denom)
    out["wu_hausman"] = {"stat": stat, "df1": int(wu.df), "df2": df2,
                         "p_value": f_sf(stat, int(wu.df), df2)}
    durbin = tsls.durbin()
    out["durbin"] = _chi2(float(durbin.stat) * (nobs - lost) / nobs, int(durbin.df))

    if q > 1:  # overidentified: q - 1 restrictions
        sargan = tsls.sargan
        out["sargan"] = _chi2(float(sargan.stat) * (nobs - lost) / nobs,
                              int(sargan.df))
        out["hansen_j"] = _hansen_j(IVGMM, y, exog, endog, z, design)

    liml: Any = IVLIML(y, exog, endog, z).fit(cov_type="clustered", clusters=design.entity,
                                         debiased=False)
    # linearmodels orders the parameters [exog, endog]: the core is the last; its HC0
    # cluster sandwich times the contract's factor with k = 1 + kc slopes and T for the
    # year dummies and the constant, as the 2SLS
    factor = STATA_CLUSTER.factor(nobs, n_e, 1 + kc + n_t)
    estimate_ = float(liml.params.iloc[kc])
    se = math.sqrt(float(liml.cov.iloc[kc, kc]) * factor)
    df_t = STATA_CLUSTER.df(n_e)
    crit = t_ppf(0.5 + level / 2, df_t)
    out["liml"] = {"estimate": estimate_, "std_error": se, "stat": estimate_ / se,
                   "p_value": 2 * t_sf(abs(estimate_ / se), df_t), "df": df_t,
                   "ci_low": estimate_ - crit * se, "ci_high": estimate_ + crit * se,
                   "ci_level": level, "kappa": float(liml.kappa)}

    # control function: the first-stage residual among the regressors, contract covariance
    v_name = f"{endogenous}__first_stage_residual"
    augmented = estimate(sample.assign(**{v_name: first_stage_resid}), design, dependent,
                         [endogenous, *controls, v_name], model_id="iv_2sls",
                         entity_effects=True, time_effects=True)
    test = wald(augmented, [v_name])
    out["endogeneity_cluster"] = {"stat": test.stat, "df1": 1, "df2": test.extra["df2"],
                                  "p_value": test.p_value,
                                  "coefficient": float(augmented.beta[-1])}
    return out
