"""Robustness of the two-way FE baseline: winsorising, the lagged core, subsamples, and
Driscoll-Kraay standard errors (cross-sectional dependence among neighbouring regions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg

from reporter.battery.panel import (
    STATA_CLUSTER,
    PanelDesign,
    PanelFit,
    absorbed,
    coefficient_table,
    estimate,
    spread,
    to_result,
)
from reporter.config import ModelConfig
from reporter.errors import EstimationError
from reporter.prepare import lag, lag_name, winsorize
from reporter.results import ModelResult


@dataclass(frozen=True)
class DriscollKraay:
    """plm `vcovSCC(type="HC0")`: Newey-West on the period sums of the scores with Bartlett
    weights 1 - l/(L+1), L = floor(T^(1/4)); no small-sample factor; t with T-1 df, as
    Stata's `xtscc`."""

    name: str = "driscoll_kraay"

    @staticmethod
    def maxlag(n_periods: int) -> int:
        return int(np.floor(n_periods ** 0.25))

    def cov(self, fit: PanelFit) -> np.ndarray:
        design = fit.design
        scores = fit.xt * fit.resid[:, None]
        sums = np.zeros((design.n_periods, scores.shape[1]))
        np.add.at(sums, design.time, scores)
        meat = sums.T @ sums
        lags = self.maxlag(design.n_periods)
        for lag_ in range(1, lags + 1):
            gamma = sums[lag_:].T @ sums[:-lag_]
            meat += (1 - lag_ / (lags + 1)) * (gamma + gamma.T)
        return fit.xtx_inv @ meat @ fit.xtx_inv


DRISCOLL_KRAAY = DriscollKraay()


def _twoway(frame: pd.DataFrame, design: PanelDesign, dependent: str, regressors: list[str],
            model_id: str, **diagnostics) -> ModelResult:
    fit = estimate(frame, design, dependent, regressors, model_id=model_id,
                   entity_effects=True, time_effects=True)
    return to_result(fit, model_id=model_id, dependent=dependent, regressors=regressors,
                     estimator="twoway_fe", diagnostics=diagnostics)


def winsorized_sample(frame: pd.DataFrame, columns: list[str],
                      cuts: tuple[float, float]) -> tuple[pd.DataFrame, dict[str, int]]:
    """`frame` with `columns` winsorised at `cuts`, and the count clipped per column."""
    clipped = frame.copy()
    counts = {}
    for column in columns:
        values, low, high = winsorize(frame[column].to_numpy(dtype=float), *cuts)
        clipped[column] = values
        counts[column] = low + high
    return clipped, counts


def lagged_sample(frame: pd.DataFrame, entity: str, time: str, core: str) -> pd.DataFrame:
    """The rows that have the core's value one year earlier, with it as `<core>_lag1`."""
    name = lag_name(core)
    lagged = frame.assign(**{name: lag(frame, entity, time, core)})
    return lagged.dropna(subset=[name]).reset_index(drop=True)


def without_year(frame: pd.DataFrame, time: str, year: int) -> pd.DataFrame:
    return frame[frame[time] != year].reset_index(drop=True)


def winsorized(frame: pd.DataFrame, design: PanelDesign, model: ModelConfig,
               prepared_cuts: tuple[float, float] | None) -> ModelResult:
    """`baseline_controls` after winsorising every model variable at 1/99, or at 5/95 when
    the preparation already cut at 1/99."""
    cuts = (0.05, 0.95) if prepared_cuts == (0.01, 0.99) else (0.01, 0.99)
    clipped, counts = winsorized_sample(frame, [model.dependent, model.core, *model.controls],
                                        cuts)
    return _twoway(clipped, design, model.dependent, [model.core, *model.controls],
                   "robustness_winsorized", cuts=list(cuts), clipped=counts)


def lagged_core(frame: pd.DataFrame, entity: str, time: str, model: ModelConfig) -> ModelResult:
    """`baseline_controls` with the core replaced by its value one year earlier."""
    name = lag_name(model.core)
    sample = lagged_sample(frame, entity, time, model.core)
    if sample[entity].nunique() < 2 or sample[time].nunique() < 3:
        raise EstimationError("estimate.panel_too_short", model="robustness_lagged_core",
                              nobs=len(sample))
    design = PanelDesign.from_frame(sample, entity, time)
    return _twoway(sample, design, model.dependent, [name, *model.controls],
                   "robustness_lagged_core", dropped=len(frame) - len(sample))


def drop_years(frame: pd.DataFrame, entity: str, time: str,
               model: ModelConfig) -> list[ModelResult]:
    """`baseline_controls` without the first year, and without the last year."""
    years = sorted(frame[time].unique())
    out = []
    for model_id, year in (("robustness_drop_first_year", years[0]),
                           ("robustness_drop_last_year", years[-1])):
        sample = without_year(frame, time, year)
        design = PanelDesign.from_frame(sample, entity, time)
        out.append(_twoway(sample, design, model.dependent, [model.core, *model.controls],
                           model_id, dropped_year=int(year)))
    return out


def leave_one_out(frame: pd.DataFrame, entity: str, time: str, model: ModelConfig,
                  alpha: float) -> dict:
    """The core coefficient re-estimated without each entity in turn, as a range. Balanced
    panels take the closed form of `_balanced_runs` (one demeaning for all N samples);
    others, and any sample whose design is near-singular, are refitted from scratch."""
    runs = _balanced_runs(frame, entity, time, model)
    rows = []
    for dropped in sorted(frame[entity].unique()):
        row = runs.get(dropped) if runs is not None else None
        rows.append(row if row is not None else _refit_without(frame, entity, time, model,
                                                               dropped))
    estimates = np.array([r["estimate"] for r in rows])
    low, high = rows[int(estimates.argmin())], rows[int(estimates.argmax())]
    return {"min": low["estimate"], "min_without": low["entity"], "max": high["estimate"],
            "max_without": high["entity"],
            "share_significant": float(np.mean([r["p_value"] < alpha for r in rows])),
            "same_sign": bool(np.all(estimates > 0) or np.all(estimates < 0)),
            "runs": rows}


def _run(model: ModelConfig, dropped, beta: float, se: float, df: int) -> dict:
    coef = coefficient_table([model.core], np.array([beta]), np.array([se]), df)[model.core]
    return {"entity": dropped, "estimate": coef.estimate, "std_error": coef.std_error,
            "p_value": coef.p_value}


def _refit_without(frame: pd.DataFrame, entity: str, time: str, model: ModelConfig,
                   dropped) -> dict:
    sample = frame[frame[entity] != dropped].reset_index(drop=True)
    design = PanelDesign.from_frame(sample, entity, time)
    fit = estimate(sample, design, model.dependent, [model.core, *model.controls],
                   model_id="leave_one_out", entity_effects=True, time_effects=True)
    return _run(model, dropped, float(fit.beta[0]), float(np.sqrt(fit.cov[0, 0])), fit.df)


# Samples the closed form leaves to a refit: a regressor keeping under this share of its
# within variation (S - A_i·N/(N-1) then loses digits to cancellation), or a scaled X'X
# worse conditioned than this. The refit is exact, and names a singular design.
_LOO_KEPT = 1e-6
_LOO_COND = 1e6


def _balanced_runs(frame: pd.DataFrame, entity: str, time: str,
                   model: ModelConfig) -> dict | None:
    """{entity: run} for a balanced panel (every entity in every period once), None else.

    With Z the two-way demeaned [y, X] of the whole panel (entity-by-period arrays), the
    two-way demeaned sample without entity i is Z_j + Z_i/(N-1) for j ≠ i, since the period
    and grand means move by exactly that. As Σ_j Z_j = 0, its cross-products are
    S - A_i·N/(N-1) (S = Σ_j Z_j'Z_j, A_i = Z_i'Z_i), and its cluster scores are
    (X_j + X_i/(N-1))'(e_j + e_i/(N-1)). The coefficient, its Stata cluster SE and p are
    then those of the refit, found in O(N·T·k) a sample instead of a demeaning and a QR;
    tests/test_speed_paths.py checks them against refits, tests/test_battery_reference.py
    against R."""
    names = sorted(frame[entity].unique())
    design = PanelDesign.from_frame(frame, entity, time)
    n, t = design.n_entities, design.n_periods
    columns = [model.dependent, model.core, *model.controls]
    data = frame[columns].to_numpy(dtype=float)
    k = len(columns) - 1
    nobs, clusters, k_model = (n - 1) * t, n - 1, k + 1 + (t - 1)
    if n < 4 or len(frame) != n * t or nobs - k - (n - 1) - (t - 1) <= 0 \
            or not np.isfinite(data).all():
        return None  # unbalanced, incomplete or too small: the refit (which names problems)
    cells = np.zeros((n, t), dtype=np.int64)
    np.add.at(cells, (design.entity, design.time), 1)
    if not (cells == 1).all():
        return None
    z = np.empty((n, t, len(columns)))
    z[design.entity, design.time] = data
    z -= z.mean(axis=1, keepdims=True)
    z -= z.mean(axis=0, keepdims=True)  # = x - x̄_i. - x̄_.t + x̄ for a balanced panel
    # controls the effects absorb have no coefficient (as in estimate): left out here too
    gone = absorbed(spread(data[:, 1:]), z.reshape(n * t, -1)[:, 1:])
    if gone.any():
        if gone[0]:
            return None  # the core itself: the refit names it
        z = z[..., np.concatenate([[True], ~gone])]
        k_model -= int(gone.sum())
    cross = np.einsum("ntm,ntp->nmp", z, z)
    total = cross.sum(axis=0)
    factor = STATA_CLUSTER.factor(nobs, clusters, k_model)
    # entity codes follow sorted names (PanelDesign.from_frame)
    runs = {}
    for i, name in enumerate(names):
        m = total - cross[i] * (n / (n - 1))
        xtx, xty = m[1:, 1:], m[1:, 0]
        kept = np.diag(xtx) / np.diag(total)[1:]  # each regressor's variation left
        if not (kept > _LOO_KEPT).all():
            continue  # (nearly) constant without entity i: the refit names it
        scale = np.sqrt(np.diag(xtx))
        if np.linalg.cond(xtx / np.outer(scale, scale)) > _LOO_COND:
            continue  # (nearly) collinear: refitted, which raises the named error if it is
        xtx_inv = linalg.inv(xtx)
        beta = xtx_inv @ xty
        shift = z[i] / (n - 1)  # what moves every other entity's demeaned row
        resid = (z[..., 0] + shift[:, 0]) - (z[..., 1:] + shift[:, 1:]) @ beta
        scores = np.einsum("ntk,nt->nk", z[..., 1:] + shift[:, 1:], resid)
        scores = np.delete(scores, i, axis=0)
        row = xtx_inv[0] @ scores.T
        se = float(np.sqrt(factor * (row @ row)))
        runs[name] = _run(model, name, float(beta[0]), se, STATA_CLUSTER.df(clusters))
    return runs


def driscoll_kraay(frame: pd.DataFrame, design: PanelDesign, model: ModelConfig) -> ModelResult:
    """`baseline_controls` with Driscoll-Kraay standard errors."""
    regressors = [model.core, *model.controls]
    fit = estimate(frame, design, model.dependent, regressors,
                   model_id="robustness_driscoll_kraay", entity_effects=True, time_effects=True)
    return to_result(fit, model_id="robustness_driscoll_kraay", dependent=model.dependent,
                     regressors=regressors, estimator="twoway_fe",
                     cov=DRISCOLL_KRAAY.cov(fit), cov_type=DRISCOLL_KRAAY.name,
                     df=design.n_periods - 1,
                     diagnostics={"maxlag": DRISCOLL_KRAAY.maxlag(design.n_periods),
                                  "kernel": "bartlett"})

