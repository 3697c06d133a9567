"""The indices stage: build each `[indices.<name>]` column from raw indicators, in the order
declared, and keep its weights and components as results (DESIGN: prepare -> indices ->
battery). A built column replaces a file column of the same name.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any, assert_never

import numpy as np
import pandas as pd

from reporter.config import (
    Config,
    DeviationIndex,
    EntropyIndex,
    ExpyIndex,
    FlowsConfig,
    IndexConfig,
    MsIndex,
    RcaIndex,
    ReflectionsIndex,
    TcIndex,
    TradeEntropyIndex,
    TradeIndex,
)
from reporter.errors import InputError
from reporter.indices import trade
from reporter.indices.complexity import Flows, prody_expy, reflections
from reporter.indices.entropy import ConstantIndicator, composite
from reporter.load import Panel
from reporter.prepare import (
    check_model_complete,
    fail_where,
    winsorize_columns,
    winsorized_variables,
)
from reporter.results import IndexResult, PrepStep

Built = tuple[np.ndarray, IndexResult]


def by_entity(frame: pd.DataFrame, entity: str, time: str,
              values: Any) -> Mapping[str, Mapping[int, float]]:
    """Values aligned with the panel's rows as entity -> year -> value, for results.json."""
    table = pd.DataFrame({"e": frame[entity].to_numpy(), "t": frame[time].to_numpy(),
                          "v": np.asarray(values, dtype=float)})
    return MappingProxyType({e: MappingProxyType(dict(zip(g.t.astype(int), g.v.astype(float),
                                                          strict=True)))
                             for e, g in table.groupby("e", sort=False)})


def _weighted(frame: pd.DataFrame, panel: Panel, spec: EntropyIndex | TradeEntropyIndex,
              data: pd.DataFrame, **options: Any) -> Any:
    """`composite` over `data`, with a constant indicator reported as the user's error."""
    slices = frame[panel.time] if spec.pooling == "year" else None
    try:
        return composite(data, spec.name, shift=spec.shift, slices=slices, **options)
    except ConstantIndicator as exc:
        years = exc.rows if exc.rows != "all" else (
            f"{min(panel.periods)}–{max(panel.periods)}")
        raise InputError("indices.constant", file=panel.path, key=f"indices.{spec.name}",
                         column=exc.column, years=years) from None


def _entropy(frame: pd.DataFrame, panel: Panel, spec: EntropyIndex) -> Built:
    made = _weighted(frame, panel, spec, frame[list(spec.columns)], negative=spec.negative,
                     groups=spec.groups, hierarchy=spec.hierarchy)
    directions = {c: "-" if c in spec.negative else "+" for c in spec.columns}
    components = {g: by_entity(frame, panel.entity, panel.time, v)
                  for g, v in made.subindices.items()}
    params = {"pooling": spec.pooling, "shift": spec.shift, "normalisation": "min-max",
              "hierarchy": spec.hierarchy if spec.groups else None,
              "groups": {g: list(c) for g, c in spec.groups.items()}}
    return made.values, IndexResult(
        name=spec.name, method=spec.method, inputs=spec.columns,
        directions=MappingProxyType(directions), stages=made.stages,
        group_weights=made.group_weights, components=MappingProxyType(components),
        params=MappingProxyType(params))


def _reference_exports(spec: TradeIndex) -> str | None:
    """The reference exports column, if configured (TC has none: it needs no reference)."""
    return None if isinstance(spec, TcIndex) else spec.reference_exports


def _trade_components(frame: pd.DataFrame, panel: Panel, spec: TradeIndex) -> dict[str, Any]:
    """TC, MS and/or RCA as the method asks, each denominator checked row by row."""
    key, x = f"indices.{spec.name}", frame[spec.exports]

    def nonzero(values: pd.Series, column: str) -> pd.Series:
        fail_where(frame, panel, values == 0, key, column, "prepare.zero_denominator")
        return values

    def reference(column: str | None, source: str) -> tuple[pd.Series, str]:
        if column is not None:
            return frame[column], column
        return trade.yearly_total(frame, panel.time, source), f"sum of {source}"

    wanted = spec.components if isinstance(spec, TradeEntropyIndex) else (spec.method,)
    out: dict[str, Any] = {}
    if isinstance(spec, TcIndex | TradeEntropyIndex) and "tc" in wanted:
        m = frame[spec.imports]
        nonzero(x + m, f"{spec.exports} + {spec.imports}")
        out["tc"] = trade.tc(x, m)
    ref_x, ref_x_name = reference(_reference_exports(spec), spec.exports)
    if "ms" in wanted:
        out["ms"] = trade.market_share(x, nonzero(ref_x, ref_x_name))
    if isinstance(spec, RcaIndex | TradeEntropyIndex) and "rca" in wanted:
        total = nonzero(frame[spec.total_exports], spec.total_exports)
        ref_t, _ = reference(spec.reference_total, spec.total_exports)
        out["rca"] = trade.rca(x, total, nonzero(ref_x, ref_x_name), ref_t)
    return out


def _trade(frame: pd.DataFrame, panel: Panel, spec: TradeIndex) -> Built:
    parts = _trade_components(frame, panel, spec)
    inputs = tuple(spec.inputs())
    params: dict[str, Any] = {
        "reference": "columns" if _reference_exports(spec) else "panel sum"}
    if not isinstance(spec, TradeEntropyIndex):
        values = parts[spec.method].to_numpy(dtype=float)
        return values, IndexResult(name=spec.name, method=spec.method, inputs=inputs,
                                   params=MappingProxyType(params))
    made = _weighted(frame, panel, spec, pd.DataFrame(parts))
    params |= {"pooling": spec.pooling, "shift": spec.shift, "normalisation": "min-max"}
    components = {c: by_entity(frame, panel.entity, panel.time, v) for c, v in parts.items()}
    return made.values, IndexResult(
        name=spec.name, method=spec.method, inputs=inputs,
        directions=MappingProxyType(dict.fromkeys(parts, "+")), stages=made.stages,
        components=MappingProxyType(components), params=MappingProxyType(params))


def _deviation(frame: pd.DataFrame, panel: Panel, spec: DeviationIndex) -> Built:
    key, column, year = f"indices.{spec.name}", spec.column, spec.base_year
    base = trade.base_values(frame, panel.entity, panel.time, column, year)
    if base.isna().any():
        who = frame.loc[base.isna(), panel.entity].iloc[0]
        raise InputError("indices.no_base_year", file=panel.path, key=key, column=column,
                         entity=who, year=year)
    fail_where(frame, panel, (base == 0) & (frame[panel.time] == year), key, column,
               "prepare.zero_denominator")
    values = trade.deviation(frame[column], base).to_numpy(dtype=float)
    return values, IndexResult(name=spec.name, method=spec.method, inputs=(column,),
                               params=MappingProxyType({"base_year": year}))


def read_flows(spec: FlowsConfig, panel: Panel, key: str) -> Flows:
    """Read the flow table (Parquet or CSV) and encode it; bad cells are named by row."""
    path = spec.path
    if not path.is_file():
        raise InputError("indices.flows_not_found", file=path, key=key)
    names = {"region": spec.region or panel.entity, "product": spec.product,
             "year": spec.year or panel.time, "value": spec.value}
    parquet = path.suffix.lower() == ".parquet"
    try:
        header = _header(path, parquet)
        for column in names.values():
            if column not in header:
                close = difflib.get_close_matches(column, list(header), n=1)
                raise InputError("load.missing_column", file=path, column=column, key=key,
                                 suggestion=close[0] if close else "—",
                                 columns=", ".join(header))
        columns = list(dict.fromkeys(names.values()))
        table = (pd.read_parquet(path, columns=columns) if parquet
                 else pd.read_csv(path, usecols=columns, engine="pyarrow"))
    except InputError:
        raise
    except (ValueError, OSError, ImportError) as exc:
        detail = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise InputError("indices.flows_unreadable", file=path, detail=detail) from None
    year = pd.to_numeric(table[names["year"]], errors="coerce")
    value = pd.to_numeric(table[names["value"]], errors="coerce")
    for column, bad in ((names["year"], year.isna() | (year != year.round())),
                        (names["value"], value.isna() | (value < 0))):
        if bad.any():
            first = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError("indices.flows_bad_values", file=path, column=column,
                             count=int(bad.sum()), row=first + (1 if parquet else 2))
    keep = year.isin(panel.periods).to_numpy()  # other years do not enter the study
    return Flows.from_columns(year[keep].astype(np.int64), table[names["region"]][keep],
                              table[names["product"]][keep], value[keep])


def _header(path: Any, parquet: bool) -> list[str]:
    if parquet:
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return list(pd.read_csv(path, nrows=0).columns)


def _panel_cells(frame: pd.DataFrame, panel: Panel, flows: Flows) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Each panel row's (year, region) position in the flow table's grid (-1 if absent)."""
    return (pd.Index(flows.years).get_indexer(frame[panel.time]),
            pd.Index(flows.regions).get_indexer(frame[panel.entity].astype(str)))


def _at_rows(grid: np.ndarray, rows: tuple[np.ndarray, np.ndarray], frame: pd.DataFrame,
             panel: Panel, spec: ExpyIndex | ReflectionsIndex,
             message: str = "indices.no_flows") -> np.ndarray:
    """Pick the panel rows out of a years x regions grid; a row without a value is an error."""
    yi, ri = rows
    found = (yi >= 0) & (ri >= 0)
    values = np.where(found, grid[np.maximum(yi, 0), np.maximum(ri, 0)], np.nan)
    if np.isnan(values).any():
        at = int(np.flatnonzero(np.isnan(values))[0])
        raise InputError(message, file=spec.flows.path, key=f"indices.{spec.name}",
                         entity=frame[panel.entity].iloc[at],
                         year=int(frame[panel.time].iloc[at]))
    return values


def _expy(frame: pd.DataFrame, panel: Panel, spec: ExpyIndex) -> Built:
    key, source, income_column = f"indices.{spec.name}", spec.flows, spec.income
    flows = read_flows(source, panel, f"{key}.flows")
    income = (frame.assign(_e=frame[panel.entity].astype(str))
              .pivot(index=panel.time, columns="_e", values=income_column)
              .reindex(index=flows.years, columns=flows.regions).to_numpy(dtype=float))
    lacking = (flows.exports() > 0) & np.isnan(income)
    if lacking.any():
        t, r = (int(i[0]) for i in np.nonzero(lacking))
        raise InputError("indices.flows_no_income", file=source.path, key=f"{key}.income",
                         entity=flows.regions[r], year=int(flows.years[t]))
    expy, prody = prody_expy(flows, np.nan_to_num(income))
    values = _at_rows(expy, _panel_cells(frame, panel, flows), frame, panel, spec)
    ny, nr, n_products = flows.shape
    params = {"file": source.path.name, "rows": len(flows.value), "years": ny,
              "regions": nr, "products": n_products, "income": income_column,
              "prody_mean": float(prody[prody > 0].mean()) if (prody > 0).any() else None}
    return values, IndexResult(name=spec.name, method=spec.method,
                               inputs=(source.value, income_column),
                               params=MappingProxyType(params))


def _reflections(frame: pd.DataFrame, panel: Panel, spec: ReflectionsIndex) -> Built:
    source = spec.flows
    flows = read_flows(source, panel, f"indices.{spec.name}.flows")
    out = reflections(flows, spec.max_iter, spec.tol)
    rows = _panel_cells(frame, panel, flows)
    _at_rows(np.where(flows.exports() > 0, 0.0, np.nan), rows, frame, panel, spec)
    values = _at_rows(out.eci, rows, frame, panel, spec, "indices.zero_diversity")
    diversity = _at_rows(out.diversity, rows, frame, panel, spec, "indices.zero_diversity")
    ny, nr, n_products = flows.shape
    params = {"file": source.path.name, "rows": len(flows.value), "years": ny,
              "regions": nr, "products": n_products, "iterations": out.iterations,
              "converged": out.converged, "change": out.change, "tol": spec.tol,
              "max_iter": spec.max_iter, "standardised": "mean 0, sd 1 (n - 1) per year"}
    components = {"diversity": by_entity(frame, panel.entity, panel.time, diversity)}
    return values, IndexResult(name=spec.name, method=spec.method, inputs=(source.value,),
                               components=MappingProxyType(components),
                               params=MappingProxyType(params))


def build(frame: pd.DataFrame, panel: Panel, spec: IndexConfig) -> Built:
    """The index's values (aligned with the panel's rows) and result, by its kind."""
    match spec:
        case EntropyIndex():
            return _entropy(frame, panel, spec)
        case TcIndex() | MsIndex() | RcaIndex() | TradeEntropyIndex():
            return _trade(frame, panel, spec)
        case DeviationIndex():
            return _deviation(frame, panel, spec)
        case ExpyIndex():
            return _expy(frame, panel, spec)
        case ReflectionsIndex():
            return _reflections(frame, panel, spec)
    assert_never(spec)


def build_indices(panel: Panel, config: Config) -> tuple[Panel, Mapping[str, IndexResult],
                                                        tuple[PrepStep, ...]]:
    """Build every configured index into the panel; winsorise those the model uses (when
    `prepare.winsorize` is set) and check that every model variable is complete."""
    frame = panel.frame.copy()
    results: dict[str, IndexResult] = {}
    for name, spec in config.indices.items():
        values, results[name] = build(frame, panel, spec)
        frame[name] = values
    steps: list[PrepStep] = []
    cuts = config.prepare.winsorize
    originals = {k: v for k, v in panel.unwinsorized.items() if k not in config.indices}
    if cuts is not None:
        built = [c for c in winsorized_variables(config) if c in config.indices]
        steps = winsorize_columns(frame, built, cuts, originals)
    done = replace(panel, frame=frame, unwinsorized=MappingProxyType(originals))
    check_model_complete(done, config)
    return done, MappingProxyType(results), tuple(steps)
