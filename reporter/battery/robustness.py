"""Robustness of the two-way FE baseline: winsorising, the lagged core, subsamples, and
Driscoll-Kraay standard errors (cross-sectional dependence among neighbouring regions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reporter.battery.dist import t_sf_each
from reporter.battery.panel import (
    STATA_CLUSTER,
    PanelDesign,
    PanelFit,
    absorbed,
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
    fits = []
    for dropped in sorted(frame[entity].unique()):
        fit = runs.get(dropped) if runs is not None else None
        fits.append(fit if fit is not None else _refit_without(frame, entity, time, model,
                                                               dropped))
    rows = _rows(fits)
    estimates = np.array([r["estimate"] for r in rows])
    low, high = rows[int(estimates.argmin())], rows[int(estimates.argmax())]
    return {"min": low["estimate"], "min_without": low["entity"], "max": high["estimate"],
            "max_without": high["entity"],
            "share_significant": float(np.mean([r["p_value"] < alpha for r in rows])),
            "same_sign": bool(np.all(estimates > 0) or np.all(estimates < 0)),
            "runs": rows}


# one sample without an entity: (the entity, the core's estimate, its SE, the t's df)
Run = tuple[Any, float, float, int]


def _rows(runs: list[Run]) -> list[dict]:
    """Each run with its two-sided t p-value, all computed at once (one call for N)."""
    beta, se, df = (np.array([r[i] for r in runs], dtype=float) for i in (1, 2, 3))
    p = t_sf_each(np.abs(beta / se), df) * 2
    return [{"entity": run[0], "estimate": run[1], "std_error": run[2],
             "p_value": float(p_value)} for run, p_value in zip(runs, p, strict=True)]


def _refit_without(frame: pd.DataFrame, entity: str, time: str, model: ModelConfig,
                   dropped) -> Run:
    sample = frame[frame[entity] != dropped].reset_index(drop=True)
    design = PanelDesign.from_frame(sample, entity, time)
    fit = estimate(sample, design, model.dependent, [model.core, *model.controls],
                   model_id="leave_one_out", entity_effects=True, time_effects=True)
    return dropped, float(fit.beta[0]), float(np.sqrt(fit.cov[0, 0])), fit.df


# Samples the closed form leaves to a refit: a regressor keeping under this share of its
# within variation (S - A_i·N/(N-1) then loses digits to cancellation), or a scaled X'X
# worse conditioned than this. The refit is exact, and names a singular design.
_LOO_KEPT = 1e-6
_LOO_COND = 1e6


def _balanced_runs(frame: pd.DataFrame, entity: str, time: str,
                   model: ModelConfig) -> dict[Any, Run] | None:
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
    # every sample's X'X and X'y at once; samples the closed form cannot take are refitted:
    # a regressor (nearly) constant without entity i, or a (nearly) collinear design (the
    # refit names it)
    m = total[None] - cross * (n / (n - 1))
    xtx, xty = m[:, 1:, 1:], m[:, 1:, 0]
    diag = np.diagonal(xtx, axis1=1, axis2=2)
    scaled = xtx / np.sqrt(diag[:, :, None] * diag[:, None, :])
    ok = np.all(diag / np.diag(total)[1:] > _LOO_KEPT, axis=1, keepdims=False).astype(bool)
    ok[ok] = np.linalg.cond(scaled[ok]) <= _LOO_COND
    good = np.flatnonzero(ok)
    xtx_inv = np.linalg.inv(xtx[good])
    beta = np.einsum("bkl,bl->bk", xtx_inv, xty[good])
    se = np.sqrt(factor * _cluster_sums(z, good, xtx_inv[:, 0], beta, n))
    df = STATA_CLUSTER.df(clusters)
    # entity codes follow sorted names (PanelDesign.from_frame)
    return {names[i]: (names[i], float(b[0]), float(s), df)
            for i, b, s in zip(good, beta, se, strict=True)}


def _cluster_sums(z: np.ndarray, drop: np.ndarray, w: np.ndarray, beta: np.ndarray,
                  n: int, block: int = 256) -> np.ndarray:
    """Σ_{j≠i} (w_i·score_j)² for each sample without entity i (i in `drop`), the core's
    row w_i of its (X'X)⁻¹ and its coefficients beta_i. Entity j's score in sample i is
    Σ_t (x_jt + s_t)(r_jt + c_t), with s = z_i/(N−1) the shift of every other row,
    r_jt = y_jt − x_jt·β_i and c_t = s^y_t − s_t·β_i; so w_i·score_j expands into per-entity
    moments (P_j = Σ_t x_jt y_jt, Q_j = Σ_t x_jt x_jt') and products with the entity-by-
    period arrays: matrix products over blocks of samples instead of a loop over them."""
    t, k = z.shape[1], z.shape[2] - 1
    y, x = z[..., 0], z[..., 1:]
    moments = np.einsum("ntk,nt->nk", x, y)  # P_j
    squares = np.einsum("ntk,ntl->nkl", x, x).reshape(len(z), k * k)  # Q_j
    flat = x.reshape(len(z), t * k)
    out = np.empty(len(drop))
    for start in range(0, len(drop), block):
        rows = slice(start, start + block)
        i, wi, bi = drop[rows], w[rows], beta[rows]
        shift = z[i] / (n - 1)  # (b, t, k+1)
        sigma = np.einsum("btk,bk->bt", shift[..., 1:], wi)
        c = shift[..., 0] - np.einsum("btk,bk->bt", shift[..., 1:], bi)
        v = (wi @ moments.T
             - np.einsum("bk,bl->bkl", wi, bi).reshape(len(i), k * k) @ squares.T
             + np.einsum("bt,bk->btk", c, wi).reshape(len(i), t * k) @ flat.T
             + sigma @ y.T
             - np.einsum("bt,bk->btk", sigma, bi).reshape(len(i), t * k) @ flat.T
             + np.einsum("bt,bt->b", sigma, c)[:, None])
        v[np.arange(len(i)), i] = 0.0  # entity i is not in its own sample
        out[rows] = np.einsum("bn,bn->b", v, v)
    return out


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

