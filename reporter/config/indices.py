"""The `[indices.<name>]` tables as typed, frozen objects: one class per index kind, each
with only the keys its method takes, so a builder never reads a field meaningless to it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar, Literal, get_args

# Index methods and options (kept beside their checks; see `reporter/indices/`).
IndexMethod = Literal["entropy", "tc", "ms", "rca", "trade_entropy", "deviation", "expy",
                      "reflections"]
Pooling = Literal["pooled", "year"]
Hierarchy = Literal["sum", "entropy"]
INDEX_METHODS: tuple[str, ...] = get_args(IndexMethod)
POOLINGS: tuple[str, ...] = get_args(Pooling)
HIERARCHIES: tuple[str, ...] = get_args(Hierarchy)
TRADE_COMPONENTS = ("tc", "ms", "rca")


def _no_groups() -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({})


def _inputs(name: str, named: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each panel column -> the first config key of index `name` that names it."""
    out: dict[str, str] = {}
    for key, column in named:
        out.setdefault(column, f"indices.{name}.{key}")
    return out


def _optional(**keys: str | None) -> list[tuple[str, str]]:
    """The (key, column) pairs of the keys that are set."""
    return [(key, column) for key, column in keys.items() if column is not None]


@dataclass(frozen=True)
class FlowsConfig:
    """A long table of exports by region x product x year, for EXPY and the reflections."""

    path: Path
    product: str
    value: str
    region: str | None = None  # default: the panel's entity column name
    year: str | None = None  # default: the panel's time column name


@dataclass(frozen=True)
class EntropyIndex:
    """`method = "entropy"`: an entropy-weighted composite of indicator columns, optionally
    in groups (sub-indices) combined by `hierarchy`. The built column is called `name` and
    replaces a file column of that name (as for every index)."""

    method: ClassVar[Literal["entropy"]] = "entropy"
    name: str
    columns: tuple[str, ...]
    negative: tuple[str, ...] = ()
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=_no_groups)
    hierarchy: Hierarchy = "sum"
    pooling: Pooling = "pooled"
    shift: float = 1e-4

    def inputs(self) -> dict[str, str]:
        """Each panel column the index reads -> the config key that names it."""
        return _inputs(self.name, (("columns", c) for c in self.columns))


@dataclass(frozen=True)
class TcIndex:
    """`method = "tc"`: the trade competitiveness index (X - M) / (X + M)."""

    method: ClassVar[Literal["tc"]] = "tc"
    name: str
    exports: str
    imports: str

    def inputs(self) -> dict[str, str]:
        """Each panel column the index reads -> the config key that names it."""
        return _inputs(self.name, (("exports", self.exports), ("imports", self.imports)))


@dataclass(frozen=True)
class MsIndex:
    """`method = "ms"`: the market share, against a reference column or the panel's sum."""

    method: ClassVar[Literal["ms"]] = "ms"
    name: str
    exports: str
    reference_exports: str | None = None

    def inputs(self) -> dict[str, str]:
        """Each panel column the index reads -> the config key that names it."""
        return _inputs(self.name, [("exports", self.exports),
                                   *_optional(reference_exports=self.reference_exports)])


@dataclass(frozen=True)
class RcaIndex:
    """`method = "rca"`: revealed comparative advantage; the reference totals come in pairs
    (both columns, or both the panel's sums)."""

    method: ClassVar[Literal["rca"]] = "rca"
    name: str
    exports: str
    total_exports: str
    reference_exports: str | None = None
    reference_total: str | None = None

    def inputs(self) -> dict[str, str]:
        """Each panel column the index reads -> the config key that names it."""
        return _inputs(self.name, [("exports", self.exports),
                                   ("total_exports", self.total_exports),
                                   *_optional(reference_exports=self.reference_exports,
                                              reference_total=self.reference_total)])


@dataclass(frozen=True)
class TradeEntropyIndex:
    """`method = "trade_entropy"`: an entropy-weighted composite of TC, MS and/or RCA
    (`components`, at least two)."""

    method: ClassVar[Literal["trade_entropy"]] = "trade_entropy"
    name: str
    exports: str
    imports: str
    total_exports: str
    reference_exports: str | None = None
    reference_total: str | None = None
    components: tuple[str, ...] = TRADE_COMPONENTS
    pooling: Pooling = "pooled"
    shift: float = 1e-4

    def inputs(self) -> dict[str, str]:
        """Each panel column the index reads -> the config key that names it."""
        return _inputs(self.name, [("exports", self.exports), ("imports", self.imports),
                                   ("total_exports", self.total_exports),
                                   *_optional(reference_exports=self.reference_exports,
                                              reference_total=self.reference_total)])


@dataclass(frozen=True)
class DeviationIndex:
    """`method = "deviation"`: a column's relative deviation from its `base_year` value."""

    method: ClassVar[Literal["deviation"]] = "deviation"
    name: str
    column: str
    base_year: int

    def inputs(self) -> dict[str, str]:
        """Each panel column the index reads -> the config key that names it."""
        return _inputs(self.name, (("column", self.column),))


@dataclass(frozen=True)
class ExpyIndex:
    """`method = "expy"`: export sophistication from a flow table and an income column."""

    method: ClassVar[Literal["expy"]] = "expy"
    name: str
    flows: FlowsConfig
    income: str

    def inputs(self) -> dict[str, str]:
        """Each panel column the index reads -> the config key that names it."""
        return _inputs(self.name, (("income", self.income),))


@dataclass(frozen=True)
class ReflectionsIndex:
    """`method = "reflections"`: economic complexity by the method of reflections, from a
    flow table alone."""

    method: ClassVar[Literal["reflections"]] = "reflections"
    name: str
    flows: FlowsConfig
    max_iter: int = 1000
    tol: float = 1e-12

    def inputs(self) -> dict[str, str]:
        """Each panel column the index reads (none: the flow table is not the panel)."""
        return {}


TradeIndex = TcIndex | MsIndex | RcaIndex | TradeEntropyIndex
IndexConfig = (EntropyIndex | TcIndex | MsIndex | RcaIndex | TradeEntropyIndex
               | DeviationIndex | ExpyIndex | ReflectionsIndex)

# method -> its class, for the loader (the keys each takes are schema.INDEX_KEYS)
INDEX_KINDS: Mapping[str, type[IndexConfig]] = MappingProxyType({
    kind.method: kind for kind in (EntropyIndex, TcIndex, MsIndex, RcaIndex, TradeEntropyIndex,
                                   DeviationIndex, ExpyIndex, ReflectionsIndex)})
