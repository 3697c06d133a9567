"""Declared transformations of the loaded panel, each recorded for the methods appendix."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from reporter.config import Config
from reporter.errors import InputError
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


def time_step(frame: pd.DataFrame, entity: str, time: str) -> int:
    """The panel's period in years: the most common gap between an entity's successive
    years (1 for annual data, 5 for five-yearly observations; the smaller of equally
    common ones), 1 when no entity has two years."""
    order = frame[[entity, time]].sort_values([entity, time], kind="mergesort")
    gaps = order.groupby(entity, sort=False)[time].diff().dropna()
    gaps = gaps[gaps > 0]
    return int(gaps.mode().min()) if len(gaps) else 1


def lag(frame: pd.DataFrame, entity: str, time: str, column: str, periods: int = 1,
        step: int | None = None) -> pd.Series:
    """`column` `periods` periods earlier for the same entity, a period being `step` years
    (by default the panel's own, `time_step`: the previous observation of five-yearly data
    is five years back), matched on the year, never on row order: a first year or a gap
    gives NaN."""
    if periods < 1:
        raise ValueError(f"periods must be at least 1, not {periods}")
    own = pd.MultiIndex.from_arrays([frame[entity], frame[time]])
    if own.has_duplicates:
        raise ValueError(f"({entity}, {time}) does not identify rows uniquely")
    step = time_step(frame, entity, time) if step is None else step
    values = pd.Series(frame[column].to_numpy(dtype=float), index=own)
    wanted = pd.MultiIndex.from_arrays([frame[entity], frame[time] - periods * step])
    return pd.Series(values.reindex(wanted).to_numpy(), index=frame.index,
                     name=lag_name(column, periods))


def _bounds(frame: pd.DataFrame, entity: str, time: str, column: str) -> pd.DataFrame:
    """For each row, the entity's nearest known (year, value) before and after it (inclusive),
    in entity-year order: the shared base of interpolation and extrapolation."""
    order = frame[[entity, time, column]].sort_values([entity, time], kind="mergesort")
    groups, years, values = order[entity], order[time].astype(float), order[column]
    known = years.where(values.notna())
    return pd.DataFrame({
        "year": years, "value": values,
        "y0": known.groupby(groups).ffill(), "v0": values.groupby(groups).ffill(),
        "y1": known.groupby(groups).bfill(), "v1": values.groupby(groups).bfill()})


def interpolate(frame: pd.DataFrame, entity: str, time: str, column: str) -> pd.Series:
    """Linear in the year between an entity's nearest known values before and after a gap;
    gaps before the first or after the last known year stay missing (no extrapolation)."""
    b = _bounds(frame, entity, time, column)
    line = b.v0 + (b.v1 - b.v0) * (b.year - b.y0) / (b.y1 - b.y0)
    return b.value.fillna(line).reindex(frame.index)


def extrapolate(frame: pd.DataFrame, entity: str, time: str, column: str,
                method: str) -> pd.Series:
    """Fill the gaps before an entity's first and after its last known year: with that value
    (`nearest`) or along the line through the two nearest known values (`linear`)."""
    b = _bounds(frame, entity, time, column)
    head, tail = b.y0.isna(), b.y1.isna()
    if method == "nearest":
        return b.value.fillna(b.v1.where(head)).fillna(b.v0.where(tail)).reindex(frame.index)
    rows = frame.loc[frame[column].notna(), [entity, time, column]].sort_values([entity, time])
    by = rows.groupby(entity)
    ends = {k: by.nth(n).set_index(entity) for k, n in
            (("a", 0), ("b", 1), ("y", -2), ("z", -1))}
    who = frame.loc[b.index, entity]

    def line(p: str, q: str, at: str) -> pd.Series:
        y_p, v_p = who.map(ends[p][time]), who.map(ends[p][column])
        y_q, v_q = who.map(ends[q][time]), who.map(ends[q][column])
        y_at, v_at = (y_p, v_p) if at == p else (y_q, v_q)
        return v_at + (v_q - v_p) / (y_q - y_p) * (b.year - y_at)

    filled = b.value.fillna(line("a", "b", "a").where(head)).fillna(line("y", "z", "z").where(tail))
    return filled.reindex(frame.index)


def _cells(frame: pd.DataFrame, mask: pd.Series, entity: str, time: str) -> list[list[Any]]:
    """The (entity, year) pairs where `mask` holds, in entity-year order."""
    rows = frame.loc[mask, [entity, time]].sort_values([entity, time])
    return [[e, int(t)] for e, t in rows.itertuples(index=False)]


def _first_cell(frame: pd.DataFrame, mask: pd.Series, entity: str,
                time: str) -> tuple[str, str, int]:
    """The first entity where `mask` holds, its years (comma-separated) and the count."""
    cells = _cells(frame, mask, entity, time)
    first = cells[0][0]
    return first, ", ".join(str(y) for e, y in cells if e == first), len(cells)


def _require_complete(frame: pd.DataFrame, panel: Panel, columns: list[str], key: str) -> None:
    for column in columns:
        missing = frame[column].isna()
        if missing.any():
            who, years, count = _first_cell(frame, missing, panel.entity, panel.time)
            cells = "; ".join(f"{e} {y}" for e, y in
                              _cells(frame, missing, panel.entity, panel.time)[:10])
            params = {"cells": cells} if key == "prepare.still_missing" else {}
            raise InputError(key, file=panel.path, column=column, count=count, entity=who,
                             years=years, **params)


def fail_where(frame: pd.DataFrame, panel: Panel, bad: pd.Series, key: str, column: str,
                 message: str) -> None:
    """Raise `message` naming the first entity and year (in entity-year order) where `bad` holds."""
    if not bad.any():
        return
    rows = frame.loc[bad].sort_values([panel.entity, panel.time])
    who, year = rows[panel.entity].iloc[0], int(rows[panel.time].iloc[0])
    value = f"{rows[column].iloc[0]:g}" if column in rows.columns else "—"
    raise InputError(message, file=panel.path, key=key, column=column, entity=who,
                     year=year, value=value, count=len(rows))


def winsorize_columns(frame: pd.DataFrame, columns: list[str], cuts: tuple[float, float],
                      originals: dict[str, pd.Series] | None = None) -> list[PrepStep]:
    """Winsorise `columns` of `frame` in place at Stata's pooled percentiles, one step each;
    the values they had go to `originals` (for the levels the brief describes)."""
    steps = []
    for column in columns:
        if originals is not None:
            originals[column] = frame[column].copy()
        clipped, n_low, n_high = winsorize(frame[column].to_numpy(dtype=float), *cuts)
        frame[column] = clipped
        steps.append(PrepStep(step="winsorize", column=column, count=n_low + n_high,
                              params={"lower": cuts[0], "upper": cuts[1],
                                      "clipped_low": n_low, "clipped_high": n_high}))
    return steps


def winsorized_variables(config: Config) -> list[str]:
    """The model variables `prepare.winsorize` applies to, as they enter the model."""
    model = config.model
    return list(dict.fromkeys([model.dependent, model.core, *model.controls, *model.moderators]))


def _fill_gaps(frame: pd.DataFrame, panel: Panel, config: Config) -> list[PrepStep]:
    """Interpolate and, if configured, extrapolate gaps in place; then no gap may remain."""
    spec, entity, time = config.prepare, panel.entity, panel.time
    numeric = [c for c in frame.columns if c != time and pd.api.types.is_float_dtype(frame[c])]
    gaps = [c for c in numeric if frame[c].isna().any()]
    if isinstance(spec.interpolate, tuple):
        gaps = [c for c in gaps if c in spec.interpolate]
    steps = []
    for column in gaps:
        for step, method in (("interpolate", "linear"), ("extrapolate", spec.extrapolate)):
            if (step == "interpolate" and not spec.interpolate) or method == "none":
                continue
            before = frame[column].isna()
            frame[column] = (interpolate(frame, entity, time, column) if step == "interpolate"
                             else extrapolate(frame, entity, time, column, method))
            filled = before & frame[column].notna()
            steps.append(PrepStep(step=step, column=column, count=int(filled.sum()),
                                  params={"method": method,
                                          "cells": _cells(frame, filled, entity, time)}))
    if spec.missing == "drop":  # the models leave incomplete rows out; an index cannot
        numeric = [c for c in numeric if c in _index_sources(config)]
    _require_complete(frame, panel, numeric, "prepare.still_missing")
    return steps


def _index_sources(config: Config) -> set[str]:
    """The columns the indices are built from, and the raw columns those are derived from."""
    derived = {name: sources for name, (_, sources) in config.prepare.derived().items()}
    todo = [c for index in config.indices.values() for c in index.inputs()]
    seen: set[str] = set()
    while todo:
        column = todo.pop()
        if column not in seen:
            seen.add(column)
            todo.extend(derived.get(column, ()))
    return seen


def _derive(frame: pd.DataFrame, panel: Panel, config: Config) -> list[PrepStep]:
    """Ratios, logs, growth rates and lags, in that order, each a new column."""
    entity, time = panel.entity, panel.time
    steps = []
    for name, (key, sources) in config.prepare.derived().items():
        kind = key.split(".")[1]
        source = sources[0]
        params: dict[str, Any] = {"source": source}
        if kind == "ratio":
            denominator = frame[sources[1]]
            fail_where(frame, panel, denominator == 0, key, sources[1],
                         "prepare.zero_denominator")
            values = frame[source] / denominator
            params = {"numerator": source, "denominator": sources[1]}
        elif kind == "log":
            fail_where(frame, panel, frame[source] <= 0, key, source, "prepare.log_nonpositive")
            values = np.log(frame[source])
        else:
            step = time_step(frame, entity, time)
            before = lag(frame, entity, time, source, step=step)
            if kind == "growth":
                # name the zero itself: a period t - 1 whose entity also has period t
                cells = pd.MultiIndex.from_arrays([frame[entity], frame[time]])
                has_next = pd.MultiIndex.from_arrays(
                    [frame[entity], frame[time] + step]).isin(cells)
                zero = (frame[source] == 0) & has_next
                fail_where(frame, panel, zero, key, source, "prepare.zero_denominator")
            values = frame[source] / before - 1 if kind == "growth" else before
            params |= {"periods": 1, "step": step, "missing": int(values.isna().sum())}
        frame[name] = values.to_numpy(dtype=float)
        steps.append(PrepStep(step=kind, column=name, count=int(frame[name].notna().sum()),
                              params=params))
    return steps


def prepare(panel: Panel, config: Config) -> tuple[Panel, tuple[PrepStep, ...]]:
    """Apply `[prepare]`: fill gaps, derive columns, winsorise the model variables that are
    not built by an index (those are winsorised once built); returns the panel and steps."""
    frame = panel.frame.copy()
    steps = [*_fill_gaps(frame, panel, config), *_derive(frame, panel, config)]
    cuts = config.prepare.winsorize
    originals: dict[str, pd.Series] = {}
    if cuts is not None:
        columns = [c for c in winsorized_variables(config) if c not in config.indices]
        steps += winsorize_columns(frame, columns, cuts, originals)
    return (replace(panel, frame=frame, unwinsorized=MappingProxyType(originals)),
            tuple(steps))


def check_model_complete(panel: Panel, config: Config) -> None:
    """Every model variable is complete once prepared and built, or the error names where,
    unless `prepare.missing = "drop"` leaves incomplete rows to each model (listwise)."""
    columns = [v for v in config.model.variables if v in panel.frame.columns]
    if config.prepare.missing != "drop":
        _require_complete(panel.frame, panel, columns, "prepare.model_missing")
    for column in columns:
        if panel.frame[column].isna().all():
            raise InputError("load.all_missing", file=panel.path, column=column)
    dependent = config.model.dependent
    values = panel.frame.get(dependent, pd.Series([0.0, 1.0]))
    if values.nunique(dropna=True) < 2:  # nothing to explain: every R² divides by zero
        raise InputError("prepare.constant_dependent", file=panel.path, column=dependent,
                         value=f"{values.dropna().iloc[0]:g}" if values.notna().any() else "—",
                         key="model.dependent")
    _check_share(panel, config)


def _check_share(panel: Panel, config: Config) -> None:
    """A `status.share` column is a level that entities hold shares of: no negative value,
    and a positive regional total in every year (else shares and the HHI are undefined)."""
    column = config.status.share
    if column is None or column not in panel.frame.columns:
        return
    frame = panel.levels()
    fail_where(frame, panel, frame[column] < 0, "status.share", column, "prepare.share_negative")
    totals = frame.groupby(panel.time)[column].sum(min_count=1)
    empty = totals[~(totals > 0)]
    if len(empty):
        raise InputError("prepare.share_zero_total", file=panel.path, key="status.share",
                         column=column, year=int(empty.index[0]), count=len(empty))
