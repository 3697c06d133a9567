"""Two-way fixed-effects 2SLS (`iv_2sls`) with one endogenous regressor, its first stage
(`iv_first_stage`) and weak-instrument diagnostics, with the contract's Stata inference.

Conventions (n rows of the lag-trimmed sample, G entities = clusters, T years in it,
k = 1 + controls, k1 = q instruments + controls; "~" = two-way demeaned on that sample):

* Rows whose lag (any instrument) is missing are dropped before demeaning; entity and
  year codes are rebuilt on what remains, which may be unbalanced.
* b = (X^'X^)^-1 X^'y~ with X = [d~, C~] and X^ = P_W X, W = [Z~, C~]. V = f·(X^'X^)^-1
  Σ_g X^_g'u_g u_g'X^_g (X^'X^)^-1, u = y~ - X b, f = G/(G-1)·(n-1)/(n-k-T); t with G-1 df:
  R's AER::ivreg with year and entity dummies, sandwich::vcovCL(type="HC0", cadjust=FALSE)·f.
* r2 = 1 - SSR/Σ(y - ȳ)², r2_within = 1 - SSR/Σ(y - ȳ_i)², SSR = u'u; either can be < 0.
* First stage, its tests and the Anderson-Rubin regressions (y - β0·d on W) use f with
  k1 for k: `first_stage_f_cluster` and `anderson_rubin` are Stata's `xtreg … i.year, fe
  vce(cluster id)` then `test z` (F = Wald/q on q, G-1 df).
* xtivreg2 (`fe small cluster(id)`, i.year among the regressors), read from the ivreg2 and
  ranktest sources, not run: its V uses (n-1)/(n-k-T+1) for (n-1)/(n-k-T), and its
  Kleibergen-Paap rk Wald F and AR F equal ours times (n-k1-T+1)/(n-k1-T) (it counts no
  constant after the within transform).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg

from reporter.battery.dist import chi2_sf, f_ppf, f_sf
from reporter.battery.endogeneity import iv_tests
from reporter.battery.panel import (
    SINGLETONS,
    STATA_CLUSTER,
    PanelDesign,
    PanelFit,
    absorbed,
    check_rank,
    cluster_meat,
    estimate,
    listwise,
    spread,
    to_result,
    wald,
)
from reporter.config import ModelConfig
from reporter.errors import EstimationError
from reporter.prepare import lag, lag_name
from reporter.results import ModelResult

IV_MODEL_ID = "iv_2sls"
FIRST_STAGE_ID = "iv_first_stage"
_LAG_NAME = re.compile(r"^(?P<column>.+)_lag(?P<periods>[1-9][0-9]*)$")
_POWER_TOL = 1e-10  # relative size below which an instrument counts as having no variation


# Stock and Yogo (2005), Table 5.2: critical values of the first-stage F for a 2SLS Wald
# test of nominal size 5 % whose actual size is at most 10 %, one endogenous regressor and
# 1-5 excluded instruments (as ivreg2 prints them)
STOCK_YOGO_10 = {1: 16.38, 2: 19.93, 3: 22.30, 4: 24.58, 5: 26.87}


def _with_lags(frame: pd.DataFrame, entity: str, time: str, names: Sequence[str]) -> pd.DataFrame:
    """Add every instrument named `<column>_lag<p>` that is not already a column."""
    built = {}
    for name in names:
        match = _LAG_NAME.match(name)
        if name not in frame.columns and match and match["column"] in frame.columns:
            built[name] = lag(frame, entity, time, match["column"], int(match["periods"]))
    return frame.assign(**built) if built else frame


@dataclass(frozen=True)
class ARConfidenceSet:
    """{β0 : AR(β0) <= F crit}: `kind` is bounded, union_of_rays ((-inf, low] ∪ [high, inf)),
    real_line, empty or other (several pieces: see `intervals`)."""

    kind: str
    low: float
    high: float
    intervals: tuple[tuple[float, float], ...]


def ar_confidence_set(pi_y: np.ndarray, pi_d: np.ndarray, v_yy: np.ndarray, v_yd: np.ndarray,
                      v_dd: np.ndarray, crit: float) -> ARConfidenceSet:
    """Invert the AR test exactly. With r(b) = π_y - bπ_d and V(b) = V_yy - b(V_yd + V_dy)
    + b²V_dd, r'V⁻¹r <= q·crit iff det(V(b) - rr'/(q·crit)) >= 0, a degree-2q polynomial
    whose roots (a quadratic eigenproblem, then Newton-polished) bound the set."""
    q = len(pi_y)
    cq = q * crit
    m0 = v_yy - np.outer(pi_y, pi_y) / cq
    m1 = -(v_yd + v_yd.T) + (np.outer(pi_y, pi_d) + np.outer(pi_d, pi_y)) / cq
    m2 = v_dd - np.outer(pi_d, pi_d) / cq
    n0, n2 = np.linalg.norm(m0), np.linalg.norm(m2)
    tau = np.sqrt(n0 / n2) if n0 > 0 and n2 > 0 else 1.0  # balances the pencil
    a0, a1, a2 = m0, tau * m1, tau**2 * m2
    scale = max(np.linalg.norm(a0), np.linalg.norm(a1), np.linalg.norm(a2))
    eye, zero = np.eye(q), np.zeros((q, q))
    mu = linalg.eigvals(np.block([[zero, eye], [-a0 / scale, -a1 / scale]]),
                        np.block([[eye, zero], [zero, a2 / scale]]))
    ok = np.isfinite(mu) & (np.abs(mu.imag) <= 1e-7 * np.maximum(1.0, np.abs(mu.real)))
    roots = np.unique([_polish(tau * m, m0, m1, m2) for m in mu.real[ok]])

    def inside(b: float) -> bool:
        r = pi_y - b * pi_d
        v = v_yy - b * (v_yd + v_yd.T) + b * b * v_dd
        return float(r @ np.linalg.solve(v, r)) <= cq

    probes = np.zeros(1)
    if roots.size:
        span = 1.0 + np.abs(roots).max()
        probes = np.concatenate([[roots[0] - span], (roots[:-1] + roots[1:]) / 2,
                                 [roots[-1] + span]])
    edges = np.concatenate([[-np.inf], roots, [np.inf]])
    pieces: list[tuple[float, float]] = []
    for j, probe in enumerate(probes):
        if inside(probe):
            if pieces and pieces[-1][1] == edges[j]:
                pieces[-1] = (pieces[-1][0], float(edges[j + 1]))
            else:
                pieces.append((float(edges[j]), float(edges[j + 1])))
    if not pieces:
        return ARConfidenceSet("empty", np.nan, np.nan, ())
    (low, high), last = pieces[0], pieces[-1]
    if len(pieces) == 1:
        kind = "real_line" if np.isinf(low) and np.isinf(high) else (
            "bounded" if np.isfinite(low) and np.isfinite(high) else "other")
        return ARConfidenceSet(kind, low, high, tuple(pieces))
    if len(pieces) == 2 and np.isinf(low) and np.isinf(last[1]):
        return ARConfidenceSet("union_of_rays", high, last[0], tuple(pieces))
    finite = [e for piece in pieces for e in piece if np.isfinite(e)]
    return ARConfidenceSet("other", min(finite), max(finite), tuple(pieces))


def _polish(b: float, m0: np.ndarray, m1: np.ndarray, m2: np.ndarray, steps: int = 4) -> float:
    """Newton on det M(b) (Jacobi: p'/p = tr(M⁻¹M')), so roots are exact to rounding."""
    for _ in range(steps):
        try:
            step = 1.0 / np.trace(np.linalg.solve(m0 + b * m1 + b * b * m2, m1 + 2 * b * m2))
        except np.linalg.LinAlgError:
            break
        b -= step
        if abs(step) <= 1e-15 * max(1.0, abs(b)):
            break
    return float(b)


def _residualise(values: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Residuals of the columns of `values` after least squares on `on` (may have 0 columns)."""
    if on.shape[1] == 0:
        return values
    return values - on @ np.linalg.lstsq(on, values, rcond=None)[0]


def fit_iv_2sls(
    frame: pd.DataFrame,
    entity: str,
    time: str,
    dependent: str,
    endogenous: str,
    controls: Sequence[str] = (),
    instruments: Sequence[str] = (),
    *,
    model_id: str = IV_MODEL_ID,
    first_stage_id: str = FIRST_STAGE_ID,
    level: float = 0.95,
) -> tuple[ModelResult, ModelResult]:
    """Two-way FE 2SLS of `dependent` on `endogenous` (instrumented) and `controls`, and its
    first stage. No instruments: the one-period lag `<endogenous>_lag1`; any missing
    `<column>_lag<p>` instrument is built with `lag`. The second stage's diagnostics also
    hold the endogeneity and overidentification tests and LIML
    (`endogeneity.iv_tests`, linearmodels on the same within-transformed sample)."""
    controls, instruments = list(controls), list(instruments) or [lag_name(endogenous)]
    built = _with_lags(frame, entity, time, instruments)
    # rows missing a model variable (listwise, recorded) or an instrument (a lag's first year)
    complete, _, missing = listwise(built, PanelDesign.from_frame(built, entity, time),
                                    [dependent, endogenous, *controls])
    sample = complete.loc[complete[instruments].notna().all(axis=1)]
    lost = complete.loc[~complete.index.isin(sample.index)]
    if SINGLETONS.get() == "drop":  # a singleton's one row is out of the baseline already
        lost = lost.loc[lost[entity].map(complete[entity].value_counts()) > 1]
    without_lags = len(lost)
    design = PanelDesign.from_frame(sample, entity, time)
    singletons = 0
    if SINGLETONS.get() == "drop":  # the 2SLS, its first stage and reduced form: one sample
        keep = design.without_singletons(time_effects=True)
        singletons = int(len(keep) - keep.sum())
        sample, design = sample.iloc[np.flatnonzero(keep)], design.subset(keep)
    nobs, q, kc = len(sample), len(instruments), len(controls)
    k, k1 = 1 + kc, q + kc
    n_e, n_t = design.n_entities, design.n_periods
    if min(n_e, n_t) < 2 or nobs - n_e - (n_t - 1) - max(k, k1) <= 0:
        raise EstimationError("estimate.panel_too_short", model=model_id, nobs=nobs)

    raw = sample[[dependent, endogenous, *controls, *instruments]].to_numpy(dtype=float)
    tilde = design.demean(raw, entity_effects=True, time_effects=True)
    # a control the effects absorb is left out, as `estimate` does
    gone = np.zeros(raw.shape[1], dtype=bool)
    gone[2:2 + kc] = absorbed(spread(raw[:, 2:2 + kc]), tilde[:, 2:2 + kc])
    dropped_controls = [c for c, g in zip(controls, gone[2:2 + kc], strict=True) if g]
    if dropped_controls:
        raw, tilde = raw[:, ~gone], tilde[:, ~gone]
        controls = [c for c in controls if c not in dropped_controls]
        kc, k, k1 = len(controls), 1 + len(controls), q + len(controls)
    y, d, c, z = tilde[:, 0], tilde[:, 1], tilde[:, 2:2 + kc], tilde[:, 2 + kc:]
    check_rank(tilde[:, 1:2 + kc], [endogenous, *controls], model_id)
    z_free = np.linalg.norm(_residualise(z, c), axis=0)
    dead = [n for n, v, s in zip(instruments, z_free, np.linalg.norm(raw[:, 2 + kc:], axis=0),
                                 strict=True) if v <= _POWER_TOL * max(s, 1e-300)]
    if dead:
        raise EstimationError("estimate.no_instrument_power", model=model_id,
                              instruments=", ".join(dead), endogenous=endogenous)
    check_rank(np.hstack([z, c]), [*instruments, *controls], model_id)

    # first stage and reduced form (the AR regression at β0 = 0) share one design
    regressors = [*instruments, *controls]
    first = estimate(sample, design, endogenous, regressors, model_id=first_stage_id,
                     entity_effects=True, time_effects=True)
    reduced = estimate(sample, design, dependent, regressors, model_id=model_id,
                       entity_effects=True, time_effects=True)
    d_on_c = _residualise(d[:, None], c)[:, 0]
    partial_r2 = 1.0 - first.ssr / float(d_on_c @ d_on_c)
    if partial_r2 <= _POWER_TOL:
        raise EstimationError("estimate.no_instrument_power", model=model_id,
                              instruments=", ".join(instruments), endogenous=endogenous)
    f_test, ar_test = wald(first, instruments), wald(reduced, instruments)
    df_g, df_first = first.df, first.df_classical
    f_classical = (float(d_on_c @ d_on_c) - first.ssr) / q / (first.ssr / df_first)
    rows_z = first.xt @ first.xtx_inv[:, :q]  # instrument rows of (W'W)⁻¹W', transposed
    meat = STATA_CLUSTER.factor(nobs, n_e, first.k_model) * cluster_meat(
        np.hstack([rows_z * first.resid[:, None], rows_z * reduced.resid[:, None]]),
        design.entity, n_e)
    pi_d, pi_y = first.beta[:q], reduced.beta[:q]
    ar_set = ar_confidence_set(pi_y, pi_d, meat[q:, q:], meat[q:, :q], meat[:q, :q],
                               f_ppf(level, q, df_g))

    # second stage: X^ = P_W [d~, C~] = [d~ - first-stage residual, C~]
    x_hat = np.column_stack([d - first.resid, c])
    bread = linalg.inv(x_hat.T @ x_hat)
    beta = bread @ (x_hat.T @ y)
    u = y - tilde[:, 1:2 + kc] @ beta
    ssr = float(u @ u)
    k_model = k + n_t
    cov = STATA_CLUSTER.factor(nobs, n_e, k_model) * (
        bread @ cluster_meat(x_hat * u[:, None], design.entity, n_e) @ bread)
    y_within = design.demean(raw[:, :1], entity_effects=True, time_effects=False)[:, 0]
    names = [endogenous, *controls]
    fit = PanelFit(names=tuple(names), beta=beta, cov=cov, xtx_inv=bread, xt=x_hat, resid=u,
                   design=design, nobs=nobs, k_model=k_model,
                   df_classical=nobs - n_e - (n_t - 1) - k, ssr=ssr,
                   r2=1.0 - ssr / float(((raw[:, 0] - raw[:, 0].mean()) ** 2).sum()),
                   r2_within=1.0 - ssr / float(y_within @ y_within),
                   entity_effects=True, time_effects=True)
    joint = wald(fit, names)
    more = iv_tests(y, d, c, z, sample=sample, design=design, dependent=dependent,
                    endogenous=endogenous, controls=controls, first_stage_resid=first.resid,
                    level=level)

    shared = {
        "endogenous": endogenous,
        "instruments": list(instruments),
        "n_dropped_for_lags": without_lags,
        "first_stage_f": f_classical,
        "first_stage_f_df1": q,
        "first_stage_f_df2": df_first,
        "first_stage_f_p_value": float(f_sf(f_classical, q, df_first)),
        "first_stage_f_cluster": f_test.stat,
        "first_stage_f_cluster_df1": q,
        "first_stage_f_cluster_df2": df_g,
        "first_stage_f_cluster_p_value": f_test.p_value,
        "partial_r2": partial_r2,
        "singletons_dropped": singletons,
        **({"missing": missing} if missing else {}),
        **({"absorbed": dropped_controls} if dropped_controls else {}),
        "stock_yogo_10": STOCK_YOGO_10.get(q),
        # too weak for the Wald interval: first-stage F below Stock and Yogo's 10 % maximal
        # size value, or the cluster-robust F below 10; the AR set is then the interval
        "weak_instruments": bool(f_test.stat < 10 or (q in STOCK_YOGO_10 and
                                                      f_classical < STOCK_YOGO_10[q])),
    }
    second = to_result(fit, model_id=model_id, dependent=dependent, regressors=names,
                       estimator="twoway_fe_2sls", diagnostics={
        **shared,
        "wald_chi2": {"stat": joint.extra["chi2"], "df": k,
                      "p_value": float(chi2_sf(joint.extra["chi2"], k))},
        "anderson_rubin": {"stat": ar_test.stat, "df1": q, "df2": df_g, "beta0": 0.0,
                           "p_value": ar_test.p_value},
        "ar_ci_level": level,
        "ar_ci_kind": ar_set.kind,
        "ar_ci_low": ar_set.low,
        "ar_ci_high": ar_set.high,
        "ar_ci_intervals": [list(piece) for piece in ar_set.intervals],
        **more,
    })
    first_result = to_result(first, model_id=first_stage_id, dependent=endogenous,
                             regressors=regressors, estimator="twoway_fe_first_stage",
                             diagnostics=shared)
    return second, first_result


def iv(frame: pd.DataFrame, entity: str, time: str, model: ModelConfig) -> list[ModelResult]:
    """`iv_2sls` and `iv_first_stage` for a study: core instrumented by the config's
    instruments, or by its one-period lag when there are none."""
    return list(fit_iv_2sls(frame, entity, time, model.dependent, model.core, model.controls,
                            model.instruments))
