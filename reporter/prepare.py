"""Declared transformations of the loaded panel, each recorded for the methods appendix."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from reporter.config import Config
from reporter.load import Panel
from reporter.results import PrepStep


def stata_pctile(values: np.ndarray, p: float) -> float:
    """Stata's `_pctile` (default definition), which `winsor2` uses: with P = n·p, the mean
    of the P-th and (P+1)-th order statistics if P is a whole number, else the ⌈P⌉-th."""
    x = np.sort(values[~np.isnan(values)])
    n = x.size
    position = n * p
    whole = np.isclose(position, np.round(position), rtol=0, atol=1e-9)
    if whole:
        i = int(np.round(position))
        if i <= 0:
            return float(x[0])
        if i >= n:
            return float(x[-1])
        return float((x[i - 1] + x[i]) / 2)
    return float(x[min(int(np.ceil(position)), n) - 1])


def winsorize(values: np.ndarray, lower: float, upper: float) -> tuple[np.ndarray, int, int]:
    """Clip at Stata's pooled percentiles; returns the values and the counts clipped low/high."""
    lo, hi = stata_pctile(values, lower), stata_pctile(values, upper)
    n_low = int(np.sum(values < lo))
    n_high = int(np.sum(values > hi))
    return np.clip(values, lo, hi), n_low, n_high


def lag_name(column: str, periods: int = 1) -> str:
    """The name under which a lag is built and reported, e.g. `ec_lag1`."""
    return f"{column}_lag{periods}"


def lag(frame: pd.DataFrame, entity: str, time: str, column: str, periods: int = 1) -> pd.Series:
    """`column` in year t - `periods` of the same entity, matched on the year, never on
    row order: a first year or a gap year gives NaN."""
    if periods < 1:
        raise ValueError(f"periods must be at least 1, not {periods}")
    own = pd.MultiIndex.from_arrays([frame[entity], frame[time]])
    if own.has_duplicates:
        raise ValueError(f"({entity}, {time}) does not identify rows uniquely")
    values = pd.Series(frame[column].to_numpy(dtype=float), index=own)
    wanted = pd.MultiIndex.from_arrays([frame[entity], frame[time] - periods])
    return pd.Series(values.reindex(wanted).to_numpy(), index=frame.index,
                     name=lag_name(column, periods))


def prepare(panel: Panel, config: Config) -> tuple[Panel, tuple[PrepStep, ...]]:
    """Apply `[prepare]` to the model variables; returns the new panel and the steps taken."""
    steps: list[PrepStep] = []
    frame = panel.frame.copy()
    cuts = config.prepare.winsorize
    if cuts is not None:
        model = config.model
        for column in dict.fromkeys([model.dependent, model.core, *model.controls,
                                     *model.moderators]):
            clipped, n_low, n_high = winsorize(frame[column].to_numpy(dtype=float), *cuts)
            frame[column] = clipped
            steps.append(PrepStep(step="winsorize", column=column, count=n_low + n_high,
                                  params={"lower": cuts[0], "upper": cuts[1],
                                          "clipped_low": n_low, "clipped_high": n_high}))
    return replace(panel, frame=frame), tuple(steps)
