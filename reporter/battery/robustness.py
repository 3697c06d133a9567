"""Robustness of the two-way FE baseline: winsorising, the lagged core, subsamples, and
Driscoll-Kraay standard errors (cross-sectional dependence among neighbouring regions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from reporter.battery.panel import PanelDesign, PanelFit, coefficient_table, estimate, to_result
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
    """The core coefficient re-estimated without each entity in turn, as a range."""
    rows = []
    for dropped in sorted(frame[entity].unique()):
        sample = frame[frame[entity] != dropped].reset_index(drop=True)
        design = PanelDesign.from_frame(sample, entity, time)
        fit = estimate(sample, design, model.dependent, [model.core, *model.controls],
                       model_id="leave_one_out", entity_effects=True, time_effects=True)
        coef = coefficient_table([model.core], fit.beta[:1], np.sqrt(fit.cov[:1, 0]),
                                 fit.df)[model.core]
        rows.append({"entity": dropped, "estimate": coef.estimate,
                     "std_error": coef.std_error, "p_value": coef.p_value})
    estimates = np.array([r["estimate"] for r in rows])
    low, high = rows[int(estimates.argmin())], rows[int(estimates.argmax())]
    return {"min": low["estimate"], "min_without": low["entity"], "max": high["estimate"],
            "max_without": high["entity"],
            "share_significant": float(np.mean([r["p_value"] < alpha for r in rows])),
            "same_sign": bool(np.all(estimates > 0) or np.all(estimates < 0)),
            "runs": rows}


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

