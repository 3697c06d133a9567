"""Choosing between pooled OLS, fixed and random effects: the models and the tests.

Random effects follow R's `plm(model="random", random.method="swar")` exactly, unbalanced
panels included (plm's moment equations, not linearmodels', which differ there). The
tests follow `plm::pFtest`, `plm::plmtest(type="bp")` and `plm::phtest` (classical, with
year dummies in both models, and the regression-based version with a cluster-robust
covariance), which agree with Stata's `xttest0` and `hausman fe re` on balanced panels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg

from reporter import messages
from reporter.battery.demean import demean_entity, group_means
from reporter.battery.dist import chi2_sf, f_sf
from reporter.battery.panel import (
    CONST,
    PanelDesign,
    PanelFit,
    cluster_meat,
    coefficient_table,
    estimate,
    to_result,
)
from reporter.errors import EstimationError
from reporter.results import ModelResult, TestResult


@dataclass(frozen=True)
class RandomEffectsFit:
    """Swamy-Arora random effects: estimates with classical covariance, the variance
    components and the quasi-demeaned data (for the regression-based Hausman test)."""

    names: tuple[str, ...]
    beta: np.ndarray
    cov: np.ndarray
    sigma2_idios: float
    sigma2_indiv: float
    theta: np.ndarray
    y_star: np.ndarray
    z_star: np.ndarray
    r2_overall: float
    nobs: int


def _year_dummies(frame: pd.DataFrame, design: PanelDesign) -> tuple[pd.DataFrame, list[str]]:
    """Dummies for every year but the first, as `factor(year)` in R or `i.year` in Stata."""
    names = [f"_year{j}" for j in range(1, design.n_periods)]
    dummies = np.zeros((len(frame), design.n_periods - 1))
    rows = np.flatnonzero(design.time > 0)
    dummies[rows, design.time[rows] - 1] = 1.0
    return frame.assign(**dict(zip(names, dummies.T, strict=True))), names


def random_effects(frame: pd.DataFrame, design: PanelDesign, dependent: str,
                   regressors: list[str], model_id: str = "re") -> RandomEffectsFit:
    """plm's Swamy-Arora estimator: σ²_ν from the within regression on O-N-K df, σ²_η from
    the Ti-weighted between regression with plm's trace correction, then GLS by
    quasi-demeaning with θ_i = 1 - sqrt(σ²_ν / (T_i σ²_η + σ²_ν))."""
    e, n_e = design.entity, design.n_entities
    y = frame[dependent].to_numpy(dtype=float)
    x = frame[regressors].to_numpy(dtype=float)
    nobs, k = x.shape
    z = np.hstack([np.ones((nobs, 1)), x])
    names = (CONST, *regressors)
    # σ²_ν from the within regression, on its own residual df: a time-invariant regressor
    # is absorbed there (plm's within model drops it) and estimated by the GLS below
    within = estimate(frame, design, dependent, regressors, model_id=model_id,
                      entity_effects=True, time_effects=False)
    sigma2_idios = within.ssr / within.df_classical

    t_i = np.bincount(e, minlength=n_e).astype(float)
    means = group_means(np.column_stack([y, z]), e, n_e)
    ym, zm = means[:, 0], means[:, 1:]
    if np.all(t_i == t_i[0]):
        # Balanced: plm drops between-aliased columns (e.g. year dummies, whose entity
        # means are all 1/T) and uses M = (N-K_b-1, T(N-K_b-1)).
        spread = np.ptp(zm[:, 1:], axis=0)
        keep = np.concatenate([[True], spread > 1e-12 * np.maximum(1, np.abs(zm[:, 1:]).max(0))])
        zb = zm[:, keep]
        coef, *_ = np.linalg.lstsq(zb, ym, rcond=None)
        quad = float(t_i[0] * ((ym - zb @ coef) ** 2).sum())
        # K counts the slopes the between regression identifies (lm's non-aliased ones):
        # not a column collinear with others there (a firm mean of a regressor), but a
        # time-invariant one the within model absorbs, which varies between entities
        m_nu = n_e - int(np.linalg.matrix_rank(zb))
        m_eta = t_i[0] * m_nu
    else:
        a = (zm * t_i[:, None]).T @ zm           # Z_B'Z_B  (Between rows repeated T_i times)
        b = (zm * (t_i ** 2)[:, None]).T @ zm    # Z_S'Z    (sums times rows)
        try:
            between = linalg.solve(a, (zm * t_i[:, None]).T @ ym)
            trace = float(np.trace(linalg.solve(a, b)))
        except linalg.LinAlgError:
            raise EstimationError("estimate.singular", model=model_id,
                                  variables="between design") from None
        quad = float(t_i @ (ym - zm @ between) ** 2)
        m_nu, m_eta = n_e - k - 1, nobs - trace
    if m_nu <= 0 or m_eta <= 0:  # the between regression has no residual df
        raise EstimationError("estimate.re_between_df", model=model_id, n_entities=n_e,
                              needed=k + 2)
    sigma2_indiv = max((quad - m_nu * sigma2_idios) / m_eta, 0.0)

    theta_i = 1.0 - np.sqrt(sigma2_idios / (t_i * sigma2_indiv + sigma2_idios))
    theta = theta_i[e]
    y_star = y - theta * ym[e]
    z_star = z - theta[:, None] * zm[e]
    zz_inv = linalg.inv(z_star.T @ z_star)
    beta = zz_inv @ (z_star.T @ y_star)
    resid = y_star - z_star @ beta
    cov = float(resid @ resid) / (nobs - k - 1) * zz_inv
    fitted = z @ beta
    r2_overall = float(np.corrcoef(y, fitted)[0, 1] ** 2)
    return RandomEffectsFit(names=names, beta=beta, cov=cov, sigma2_idios=sigma2_idios,
                            sigma2_indiv=sigma2_indiv, theta=theta_i, y_star=y_star,
                            z_star=z_star, r2_overall=r2_overall, nobs=nobs)


def re_result(fit: RandomEffectsFit, design: PanelDesign, dependent: str,
              regressors: list[str]) -> ModelResult:
    """The `re` model: classical covariance and normal inference, as plm and Stata report."""
    theta = fit.theta
    balanced = bool(np.allclose(theta, theta[0]))
    return ModelResult(
        id="re", label=messages.label("model.re"), estimator="random_effects_swar",
        dependent=dependent, regressors=tuple(regressors), nobs=fit.nobs,
        n_entities=design.n_entities, n_periods=design.n_periods,
        n_clusters=design.n_entities, df_resid=fit.nobs - len(fit.names), df_inference=0,
        r2=fit.r2_overall, r2_within=None, entity_effects=True, time_effects=False,
        cov_type="classical",
        coefficients=coefficient_table(fit.names, fit.beta, np.sqrt(np.diag(fit.cov)), None),
        diagnostics={"sigma2_idios": fit.sigma2_idios, "sigma2_indiv": fit.sigma2_indiv,
                     "theta": float(theta[0]) if balanced else {
                         "min": float(theta.min()), "median": float(np.median(theta)),
                         "max": float(theta.max())}})


def _within_classical(fit: PanelFit) -> np.ndarray:
    return fit.xtx_inv * fit.ssr / fit.df_classical


def hausman(fe: PanelFit, re: RandomEffectsFit, names: list[str]) -> TestResult:
    """(b_FE - b_RE)' (V_FE - V_RE)^-1 (b_FE - b_RE) with classical covariances, χ²(K)."""
    i_fe = fe.index(names)
    i_re = [re.names.index(n) for n in names]
    d = fe.beta[i_fe] - re.beta[i_re]
    v = _within_classical(fe)[np.ix_(i_fe, i_fe)] - re.cov[np.ix_(i_re, i_re)]
    stat = float(d @ linalg.solve(v, d))
    # outside the χ² domain (Stata: "V_b-V_B is not positive definite"): the statistic is
    # kept, but no p-value is given for it and the brief says why
    eigenvalues = np.linalg.eigvalsh((v + v.T) / 2)
    smallest = float(eigenvalues[0])
    reason = ("negative_statistic" if stat < 0 else
              "not_positive_definite" if smallest <= 1e-12 * abs(eigenvalues[-1]) else None)
    if reason is not None:
        return TestResult(stat=stat, df=len(names), p_value=float("nan"),
                          extra={"applicable": False, "reason": reason,
                                 "min_eigenvalue": smallest})
    return TestResult(stat=stat, df=len(names), p_value=float(chi2_sf(stat, len(names))))


def hausman_robust(frame: pd.DataFrame, design: PanelDesign, re: RandomEffectsFit,
                   regressors: list[str]) -> TestResult:
    """Regression-based Hausman (Wooldridge): pooled OLS of the quasi-demeaned y on an
    intercept, the quasi-demeaned regressors and the within-demeaned regressors, then a
    Wald test of the latter with the HC0 cluster covariance (plm `phtest(method="aux")`
    with `vcovHC(method="arellano", type="HC0")`); χ²(K). As in plm, the intercept is a
    plain 1 rather than the quasi-demeaned 1-θ_i, which differs on unbalanced panels."""
    x = frame[regressors].to_numpy(dtype=float)
    x_within = demean_entity(x, design.entity, design.n_entities)
    w = np.hstack([np.ones((len(x), 1)), re.z_star[:, 1:], x_within])
    ww_inv = linalg.inv(w.T @ w)
    coef = ww_inv @ (w.T @ re.y_star)
    resid = re.y_star - w @ coef
    cov = ww_inv @ cluster_meat(w * resid[:, None], design.entity, design.n_entities) @ ww_inv
    k = x.shape[1]
    idx = np.arange(w.shape[1] - k, w.shape[1])
    g = coef[idx]
    stat = float(g @ linalg.solve(cov[np.ix_(idx, idx)], g))
    return TestResult(stat=stat, df=k, p_value=float(chi2_sf(stat, k)),
                      extra={"cov_type": "cluster_entity_hc0"})


def f_entity(pooled: PanelFit, fe: PanelFit, n_entities: int) -> TestResult:
    """F test that all entity effects are zero (plm `pFtest`): pooled vs within SSR."""
    df1 = n_entities - 1
    df2 = fe.df_classical
    stat = ((pooled.ssr - fe.ssr) / df1) / (fe.ssr / df2)
    return TestResult(stat=stat, df=df1, p_value=float(f_sf(stat, df1, df2)),
                      extra={"df1": df1, "df2": df2})


def bp_lm(pooled: PanelFit, design: PanelDesign) -> TestResult:
    """Breusch-Pagan LM test of no entity effect (plm `plmtest(type="bp")`, Stata
    `xttest0` when balanced): n²/(2(ΣT_i² - n)) · (Σ_i(Σ_t e_it)² / Σe² - 1)², χ²(1)."""
    e = pooled.resid
    n = e.size
    t_i = np.bincount(design.entity, minlength=design.n_entities).astype(float)
    sums = np.bincount(design.entity, weights=e, minlength=design.n_entities)
    stat = n ** 2 / (2 * (float(t_i @ t_i) - n)) * (float(sums @ sums) / float(e @ e) - 1) ** 2
    return TestResult(stat=stat, df=1, p_value=float(chi2_sf(stat, 1)))


@dataclass(frozen=True)
class Selection:
    models: tuple[ModelResult, ...]
    tests: dict[str, TestResult]
    chosen: str
    reason: str


def choose(tests: dict[str, TestResult], alpha: float) -> tuple[str, str]:
    """The usual sequence: pooled unless entity effects matter (F or LM); then fixed
    effects if the robust Hausman test rejects random effects, else random effects."""
    effects = tests["f_entity"].p_value < alpha or tests["bp_lm"].p_value < alpha
    if not effects:
        return "pooled_ols", "no_entity_effects"
    if tests["hausman_robust"].p_value < alpha:
        return "fe_entity", "hausman_rejects_re"
    return "re", "hausman_keeps_re"


def selection(frame: pd.DataFrame, design: PanelDesign, dependent: str,
              regressors: list[str], alpha: float) -> Selection:
    """Pooled OLS, entity FE and RE with core + controls, and the tests between them."""
    pooled = estimate(frame, design, dependent, regressors, model_id="pooled_ols",
                      entity_effects=False, time_effects=False)
    fe = estimate(frame, design, dependent, regressors, model_id="fe_entity",
                  entity_effects=True, time_effects=False)
    re = random_effects(frame, design, dependent, regressors)
    with_years, years = _year_dummies(frame, design)
    try:
        # a regressor that entity and year effects absorb together (experience, which
        # rises by one a year for everyone) makes this design singular: no test, as plm
        fe_years = estimate(with_years, design, dependent, [*regressors, *years],
                            model_id="fe_entity", entity_effects=True, time_effects=False)
        re_years = random_effects(with_years, design, dependent, [*regressors, *years])
        hausman_years = hausman(fe_years, re_years, list(fe_years.names))
    except (linalg.LinAlgError, EstimationError):
        # As plm: the between design of an unbalanced panel with year dummies can be
        # exactly singular; the test is then not estimable.
        hausman_years = TestResult(stat=float("nan"), df=0, p_value=float("nan"),
                                   extra={"estimable": False})
    within = [n for n in regressors if n in fe.names]  # what the entity effects leave
    tests = {"hausman": hausman(fe, re, within),
             "hausman_twoways": hausman_years,
             "hausman_robust": hausman_robust(frame, design, re, within),
             "f_entity": f_entity(pooled, fe, design.n_entities),
             "bp_lm": bp_lm(pooled, design)}
    chosen, reason = choose(tests, alpha)
    models = (
        to_result(pooled, model_id="pooled_ols", dependent=dependent, regressors=regressors,
                  estimator="pooled_ols"),
        to_result(fe, model_id="fe_entity", dependent=dependent, regressors=regressors,
                  estimator="fe_entity"),
        re_result(re, design, dependent, regressors),
    )
    return Selection(models=models, tests=tests, chosen=chosen, reason=reason)
