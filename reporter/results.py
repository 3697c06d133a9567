"""The typed, immutable results that every stage after the battery reads.

Results are labelled by variable name, as linearmodels' are. `results.json` is their
serialisation (`to_json`); templates and findings read only these objects.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from types import MappingProxyType
from typing import Any

SCHEMA_VERSION = 1


def _frozen(mapping: Mapping | None = None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Coefficient:
    """One estimate; `inference` maps a method (cluster, wild_bootstrap, driscoll_kraay,
    anderson_rubin) to its p, ci_low, ci_high and options, for the coefficients the battery
    tests several ways."""

    estimate: float
    std_error: float
    stat: float
    p_value: float
    ci_low: float
    ci_high: float
    inference: Mapping[str, Mapping[str, Any]] = field(default_factory=_frozen)


@dataclass(frozen=True)
class ModelResult:
    """One estimated model. `cov_type` names the covariance convention, e.g.
    `cluster_entity_stata` for Stata's `vce(cluster id)` small-sample scaling."""

    id: str
    label: Mapping[str, str]
    estimator: str
    dependent: str
    regressors: tuple[str, ...]
    nobs: int
    n_entities: int
    n_periods: int
    n_clusters: int
    df_resid: int
    df_inference: int
    r2: float
    r2_within: float | None
    entity_effects: bool
    time_effects: bool
    cov_type: str
    coefficients: Mapping[str, Coefficient]
    diagnostics: Mapping[str, Any] = field(default_factory=_frozen)

    def coef(self, name: str) -> Coefficient:
        return self.coefficients[name]


@dataclass(frozen=True)
class Descriptive:
    n: int
    mean: float
    sd: float
    min: float
    max: float


@dataclass(frozen=True)
class Correlations:
    """Pearson r and two-sided p for every pair of `variables`."""

    variables: tuple[str, ...]
    r: Mapping[str, Mapping[str, float]]
    p: Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class TestResult:
    stat: float
    df: float
    p_value: float
    extra: Mapping[str, Any] = field(default_factory=_frozen)


@dataclass(frozen=True)
class PrepStep:
    """One preparation step, recorded so the methods appendix can state what was done."""

    step: str
    column: str
    count: int
    params: Mapping[str, Any] = field(default_factory=_frozen)


@dataclass(frozen=True)
class EntityStatus:
    """One entity's level of the dependent variable in the reporting year."""

    entity: str
    names: Mapping[str, str]
    value: float
    rank: int
    change: float | None
    share: float | None = None
    share_change: float | None = None


@dataclass(frozen=True)
class Status:
    """The region over time and the entities in the reporting year."""

    years: tuple[int, ...]
    dependent_mean: tuple[float, ...]
    dependent_min: tuple[float, ...]
    dependent_max: tuple[float, ...]
    core_mean: tuple[float, ...]
    report_year: int
    entities: tuple[EntityStatus, ...]
    share_column: str | None = None
    share_total: tuple[float, ...] = ()
    share_growth: tuple[float | None, ...] = ()
    hhi: tuple[float, ...] = ()
    # with a whole-region row (data.total): the total it reports, its name, and the part of
    # it the listed entities account for, by year; share_total is then the reported total
    share_total_row: str | None = None
    share_coverage: tuple[float | None, ...] = ()
    # entities with a value of the dependent each year, and the first-to-last comparison
    # over the entities present in both years (an unbalanced panel's means are not
    # comparable across years): first_year, last_year, first, last, n, n_first, n_last
    n_by_year: tuple[int, ...] = ()
    trend: Mapping[str, Any] = field(default_factory=_frozen)
    # the same from the previous period to the reporting year (empty without a previous one)
    recent: Mapping[str, Any] = field(default_factory=_frozen)
    # the column described: the dependent, or the level it is the log of (Config.level_of)
    variable: str = ""
    # every entity's name, zh and en, ranked or not: a note may name one that has no value
    # in the reporting year (the leave-one-out extremes, an entity that left)
    names: Mapping[str, Mapping[str, str]] = field(default_factory=_frozen)

    @property
    def ranks_a_total(self) -> bool:
        """Whether the section ranks the column whose regional total the entities hold
        shares of (`status.share`): a ranking by size, in which the largest is no model
        and the smallest not lagging."""
        return self.share_column is not None and self.share_column == self.variable

    def names_in(self, lang: str) -> dict[str, str]:
        """Every entity's name in `lang`, by code."""
        return {**{e: n[lang] for e, n in self.names.items()},
                **{e.entity: e.names[lang] for e in self.entities}}


@dataclass(frozen=True)
class DataSummary:
    nobs: int
    n_entities: int
    n_periods: int
    balanced: bool
    sha256: str
    first_year: int
    last_year: int
    encoding: str | None
    file: str
    # how cells were read: missing markers by kind, thousands separators, percent signs,
    # the whole-region row set aside (`total`), entities excluded, footnotes under the table
    reading: Mapping[str, Any] = field(default_factory=_frozen)
    # model.singletons, and the rows the main fixed-effects model dropped as singletons
    singletons: str = "drop"
    singletons_dropped: int = 0
    # prepare.missing, and the rows the main two-way model left out for a missing value
    missing: str = "drop"
    missing_dropped: Mapping[str, Any] | None = None
    # the panel's period in years (prepare.time_step): a lag is one period back
    time_step: int = 1


@dataclass(frozen=True)
class Finding:
    """A graded statement, still without language: a key, a grade and its numbers."""

    key: str
    grade: str
    model: str
    variable: str
    params: Mapping[str, Any] = field(default_factory=_frozen)


@dataclass(frozen=True)
class EntropyStage:
    """Entropy weighting of some columns over some rows: `over` names the (sub-)index, `rows`
    is "all" (pooled) or a year; entropy e, redundancy d = 1 - e and weight d / sum(d)."""

    over: str
    rows: str
    entropy: Mapping[str, float]
    redundancy: Mapping[str, float]
    weight: Mapping[str, float]


@dataclass(frozen=True)
class IndexResult:
    """One built index: its inputs, entropy stages, group weights (rows -> group -> weight)
    and components (name -> entity -> year -> value), so the appendix can show how it was made."""

    name: str
    method: str
    inputs: tuple[str, ...]
    directions: Mapping[str, str] = field(default_factory=_frozen)
    stages: tuple[EntropyStage, ...] = ()
    group_weights: Mapping[str, Mapping[str, float]] = field(default_factory=_frozen)
    components: Mapping[str, Mapping[str, Mapping[int, float]]] = field(default_factory=_frozen)
    params: Mapping[str, Any] = field(default_factory=_frozen)


@dataclass(frozen=True)
class Results:
    study: Mapping[str, Any]
    data: DataSummary
    preparation: tuple[PrepStep, ...]
    descriptives: Mapping[str, Descriptive]
    correlations: Correlations
    vif: Mapping[str, float]
    tests: Mapping[str, TestResult]
    models: tuple[ModelResult, ...]
    status: Status
    selection: Mapping[str, str] = field(default_factory=_frozen)
    sensitivity: Mapping[str, Any] = field(default_factory=_frozen)
    findings: tuple[Finding, ...] = ()
    recommendations: tuple[Mapping[str, Any], ...] = ()
    indices: Mapping[str, IndexResult] = field(default_factory=_frozen)

    def model(self, model_id: str) -> ModelResult:
        for model in self.models:
            if model.id == model_id:
                return model
        raise KeyError(model_id)


# --- serialisation --------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """Dataclasses, mappings and tuples to JSON values; NaN and inf to null."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _plain(value.item())
    return value


def to_dict(results: Results,
            sentences: Mapping[str, Sequence[Mapping[str, str] | None]] | None = None,
            ) -> dict[str, Any]:
    """The contract's results.json layout (schema_version 1, `results.schema.json`);
    `sentences` (render.brief.sentences) adds each finding's and recommendation's `text`
    in both languages."""
    body = _plain(results)
    correlations = body.pop("correlations")
    body["correlations"] = {"r": correlations["r"], "p": correlations["p"]}
    tests = {}
    for name, test in body["tests"].items():
        extra = test.pop("extra")
        tests[name] = {**test, **extra}
    body["tests"] = tests
    for model in body["models"]:
        model["coefficients"] = dict(model["coefficients"])
        # per coefficient, beside the contract's six keys: models[].inference[VAR][method]
        model["inference"] = {name: block for name, coef in model["coefficients"].items()
                              if (block := coef.pop("inference"))}
    for part in ("findings", "recommendations"):
        if sentences is not None:
            for entry, text in zip(body[part], sentences[part], strict=True):
                entry["text"] = _plain(text)
    return {"schema_version": SCHEMA_VERSION, **body}


def to_json(results: Results,
            sentences: Mapping[str, Sequence[Mapping[str, str] | None]] | None = None) -> str:
    """Deterministic JSON: same results, same bytes."""
    return json.dumps(to_dict(results, sentences), ensure_ascii=False, indent=2,
                      allow_nan=False) + "\n"
