"""Parse and validate the study TOML once, into a frozen, typed object.

Every later stage receives a `Config`. Errors name the file, the key and its line, and an
unknown key comes with the closest known one, because a typo should cost a second, not a
silent default.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from reporter import literals
from reporter.bundled import DEFAULT_CONFIG
from reporter.errors import InputError

# the units statistical yearbooks put in headers, in English (issue 24): 亿元 and the like
UNITS_EN = {
    "元": "yuan", "万元": "10,000 yuan", "亿元": "100 million yuan", "美元": "US dollars",
    "万美元": "10,000 US dollars", "亿美元": "100 million US dollars", "人": "persons",
    "万人": "10,000 persons", "家": "enterprises", "个": "units", "项": "items",
    "件": "pieces", "吨": "tonnes", "万吨": "10,000 tonnes", "公里": "km",
    "平方公里": "km²", "千瓦时": "kWh", "亿千瓦时": "100 million kWh", "%": "%", "‰": "‰",
    "年": "years", "岁": "years of age", "元/人": "yuan per person",
    "万元/人": "10,000 yuan per person", "万元每人": "10,000 yuan per person",
}
_UNIT = re.compile(r"^(?P<name>.*?\S)\s*[（(](?P<unit>[^（）()]+)[）)]\s*$")


def header_unit(header: str) -> tuple[str, str | None]:
    """A yearbook header split into its name and the unit in brackets at its end
    (`R&D经费（亿元）` → R&D经费, 亿元); a header without one is its own name."""
    match = _UNIT.match(header)
    if not match:
        return header, None
    return match.group("name"), match.group("unit").strip()


@dataclass(frozen=True)
class Label:
    """A text in both languages."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


# entity column names -> what the brief calls the entities (zh, English singular)
ENTITY_NOUNS: tuple[tuple[frozenset[str], str, str], ...] = (
    (frozenset({"city", "cities", "城市", "地市", "市"}), "城市", "city"),
    (frozenset({"province", "provinces", "省份", "省", "地区省份"}), "省份", "province"),
    (frozenset({"country", "countries", "nation", "国家", "经济体", "economy"}), "国家",
     "country"),
    (frozenset({"state", "states", "州"}), "州", "state"),
    (frozenset({"county", "counties", "县", "区县", "县区"}), "县", "county"),
    (frozenset({"firm", "firms", "company", "companies", "enterprise", "企业", "公司"}), "企业",
     "firm"),
    (frozenset({"industry", "industries", "sector", "sectors", "行业", "产业"}), "行业",
     "industry"),
)


LOG_MARK = re.compile(  # "(log)" at the end of a label
    r"\s*(\((natural )?log\)|（对数）|\(对数\))\s*$", re.I)
_LOG = re.compile(r"对数|\blog\b|\bln\b|^ln_|^log_", re.I)
# the label of a derived column without one of its own, from its source(s)' labels
DERIVED_LABELS = {"log": {"zh": "{0}（对数）", "en": "{0} (log)"},
                  "growth": {"zh": "{0}增长率", "en": "growth of {0}"},
                  "lag": {"zh": "{0}（滞后一期）", "en": "{0} (t−1)"},
                  "ratio": {"zh": "{0}与{1}之比", "en": "{0} to {1}"}}


# {whole}: the area all entities make up, as an official names it: 全省 for a province's
# cities, 全国 for the provinces (省（区、市）), else by the region's own suffix
_WHOLE = (("自治区", "全区", "regional"), ("省", "全省", "provincial"),
          ("市", "全市", "municipal"), ("县", "全县", "county"), ("区", "全区", "regional"))
_PROVINCES = {"省", "省份", "省区市", "省（区、市）", "省(区、市)", "州"}  # a country's parts


def _whole(region: str, noun: str) -> tuple[str, str]:
    """{whole} in Chinese and English: 全国 / national over a country's provinces or
    states, else by the region's suffix (全省 / provincial …), else 全部… / overall."""
    if noun.strip() in _PROVINCES:
        return "全国", "national"
    region = region.strip()
    return next(((zh, en) for suffix, zh, en in _WHOLE if region.endswith(suffix)),
                (f"全部{noun.strip()}", "overall"))


def _plural(noun: str) -> str:
    """English plural of a simple noun: city -> cities, county -> counties, firm -> firms."""
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + ("es" if noun.endswith(("s", "x", "ch", "sh")) else "s")


@dataclass(frozen=True)
class StudyConfig:
    id: str
    title: Label
    region: Label
    year: int
    illustrative: bool = False
    entities: Label | None = None  # what the entities are ("城市" / "city"); see nouns()
    # what the brief is about, on its cover and in its opening sentence ("出口韧性" /
    # "export resilience"); by default the dependent's label
    topic: Label | None = None
    # on the cover of a brief an official signs: who issues it, its document number, and
    # the date the data run to (free text: "2024-03-31", "2024 年 3 月")
    issuer: Label | None = None
    document_number: str | None = None
    data_cutoff: Label | None = None


@dataclass(frozen=True)
class DataConfig:
    path: Path
    entity: str
    time: str
    sheet: str | None = None
    entity_names_en: str | None = None
    header: tuple[int, ...] = (1,)  # the header's row; two rows: a name row and a unit row
    layout: literals.Layout = "long"
    missing_markers: tuple[str, ...] | None = None  # None: the yearbook's (load.MISSING)
    total: str | None = None  # a whole-region row: out of models and ranks, the total
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class VariableConfig:
    label: Label | None = None
    unit: Label | None = None
    source: Label | None = None
    better: literals.Better = "neither"  # which way is good: ranks, laggards, verbs read it
    lever: bool = False  # policy can move it: only then may advice say raise or expand it
    levels: Mapping[str, Label] = field(default_factory=lambda: MappingProxyType({}))
    themes: tuple[str, ...] = ()  # what it is about for policy (literals.THEMES)


def _no_names() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class PrepareConfig:
    """`[prepare]`: gap filling, derived columns (`new = source`), then winsorising."""

    winsorize: tuple[float, float] | None = None
    missing: literals.Missing = "drop"  # "interpolate" implies interpolate = true
    interpolate: bool | tuple[str, ...] = False
    extrapolate: Extrapolate = "none"
    ratio: Mapping[str, tuple[str, str]] = field(default_factory=_no_names)
    log: Mapping[str, str] = field(default_factory=_no_names)
    growth: Mapping[str, str] = field(default_factory=_no_names)
    lag: Mapping[str, str] = field(default_factory=_no_names)

    def derived(self) -> dict[str, tuple[str, tuple[str, ...]]]:
        """Each derived column -> (its config key, its sources), in the order they are made."""
        out: dict[str, tuple[str, tuple[str, ...]]] = {}
        for kind in PREPARE_KINDS:
            for name, source in getattr(self, kind).items():
                sources = source if isinstance(source, tuple) else (source,)
                out[name] = (f"prepare.{kind}.{name}", sources)
        return out


# Index methods and options (kept beside their checks; see `reporter/indices/`).
IndexMethod = Literal["entropy", "tc", "ms", "rca", "trade_entropy", "deviation", "expy",
                      "reflections"]
Pooling = Literal["pooled", "year"]
Hierarchy = Literal["sum", "entropy"]
Extrapolate = Literal["none", "nearest", "linear"]
INDEX_METHODS: tuple[str, ...] = get_args(IndexMethod)
POOLINGS: tuple[str, ...] = get_args(Pooling)
HIERARCHIES: tuple[str, ...] = get_args(Hierarchy)
EXTRAPOLATIONS: tuple[str, ...] = get_args(Extrapolate)
PREPARE_KINDS = ("ratio", "log", "growth", "lag")
TRADE_COMPONENTS = ("tc", "ms", "rca")


@dataclass(frozen=True)
class FlowsConfig:
    """A long table of exports by region x product x year, for EXPY and the reflections."""

    path: Path
    product: str
    value: str
    region: str | None = None  # default: the panel's entity column name
    year: str | None = None  # default: the panel's time column name


@dataclass(frozen=True)
class IndexConfig:
    """One `[indices.<name>]` table: a method and the columns it is built from; the built
    column is called `name` and replaces a file column of that name."""

    name: str
    method: IndexMethod
    columns: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=_no_names)
    hierarchy: Hierarchy = "sum"
    pooling: Pooling = "pooled"
    shift: float = 1e-4
    exports: str | None = None
    imports: str | None = None
    total_exports: str | None = None
    reference_exports: str | None = None
    reference_total: str | None = None
    components: tuple[str, ...] = TRADE_COMPONENTS
    column: str | None = None
    base_year: int | None = None
    flows: FlowsConfig | None = None
    income: str | None = None
    max_iter: int = 1000
    tol: float = 1e-12

    def inputs(self) -> dict[str, str]:
        """Each panel column the index reads -> the config key that names it."""
        out = {c: f"indices.{self.name}.columns" for c in self.columns}
        for key in ("exports", "imports", "total_exports", "reference_exports",
                    "reference_total", "column", "income"):
            value = getattr(self, key)
            if value is not None:
                out.setdefault(value, f"indices.{self.name}.{key}")
        return out


@dataclass(frozen=True)
class ModelConfig:
    dependent: str
    core: str
    controls: tuple[str, ...] = ()
    moderators: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    cluster: literals.ClusterBy = "entity"
    mediators: tuple[str, ...] = ()
    heterogeneity: str | None = None
    singletons: literals.Singletons = "drop"  # as reghdfe and pyfixest; "keep" as xtreg

    @property
    def variables(self) -> tuple[str, ...]:
        """Every numeric column a model uses, in display order, without repeats."""
        ordered = (self.dependent, self.core, *self.controls, *self.moderators,
                   *self.mediators, *self.instruments)
        return tuple(dict.fromkeys(ordered))


# the blocks of the bundled brief (templates/brief.html.j2), in their default order
SECTIONS = ("cover", "foreword", "summary", "status", "method", "results", "findings",
            "recommendations", "appendix")


@dataclass(frozen=True)
class ReportConfig:
    significance: float = 0.05
    parentheses: literals.Parentheses = "t"
    templates: Path | None = None  # an editor's template folder, read before the defaults
    sections: tuple[str, ...] = SECTIONS  # the brief's blocks, in the order shown
    # what `reporter run` writes when --format is not given (results.json always)
    formats: tuple[str, ...] = ("pdf", "json")


@dataclass(frozen=True)
class InferenceConfig:
    """`[inference]`: the wild cluster restricted bootstrap beside the cluster-robust tests
    (B draws, a fixed seed; `auto` weights are Webb's six-point with 12 clusters or fewer)."""

    bootstrap: bool = True
    reps: int = 9999
    seed: int = 20261123
    weights: literals.BootWeights = "auto"


@dataclass(frozen=True)
class StatusConfig:
    """`[status]`: a level column (e.g. high-tech exports) whose regional total, growth,
    entity shares and concentration (HHI) the status section reports."""

    share: str | None = None
    focus: tuple[str, ...] = ()  # entities always shown when the ranking is shortened


@dataclass(frozen=True)
class Config:
    path: Path
    study: StudyConfig
    data: DataConfig
    model: ModelConfig
    prepare: PrepareConfig = PrepareConfig()
    report: ReportConfig = ReportConfig()
    status: StatusConfig = StatusConfig()
    inference: InferenceConfig = InferenceConfig()
    variables: Mapping[str, VariableConfig] = field(default_factory=lambda: MappingProxyType({}))
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    indices: Mapping[str, IndexConfig] = field(default_factory=_no_names)
    sha256: str = ""  # of the bytes parsed, not of the file as it may be by the run's end

    def derived(self) -> set[str]:
        """Columns that preparation or an index makes, so the loader need not find them."""
        return set(self.prepare.derived()) | set(self.indices)

    def raw_inputs(self) -> dict[str, str]:
        """Columns read only to build others (may have gaps) -> the config key naming them."""
        made = self.derived()
        out: dict[str, str] = {}
        for key, sources in self.prepare.derived().values():
            out.update({s: key for s in sources if s not in made and s not in out})
        for index in self.indices.values():
            out.update({c: k for c, k in index.inputs().items() if c not in made and c not in out})
        share = self.status.share
        if share is not None and share not in made and share not in out:
            out[share] = "status.share"
        return out

    def nouns(self) -> dict[str, dict[str, str]]:
        """What the brief calls the entities, by language: {noun}, {nouns}, {Noun} and
        {Nouns} for the catalogues. `study.entities` (English singular, or
        "singular/plural"), else a guess from the entity column's name, else regions."""
        spec = self.study.entities
        if spec is None:
            key = unicodedata.normalize("NFKC", self.data.entity).strip().lower()
            zh, en = next(((z, e) for names, z, e in ENTITY_NOUNS if key in names),
                          ("地区", "region"))
        else:
            zh, en = spec.zh, spec.en
        singular, _, plural = en.partition("/")
        singular = singular.strip()
        plural = plural.strip() or _plural(singular)
        whole_zh, whole_en = _whole(self.study.region.get("zh"), zh)
        return {"zh": {"noun": zh, "nouns": zh, "Noun": zh, "Nouns": zh, "whole": whole_zh},
                "en": {"noun": singular, "nouns": plural,
                       "Noun": singular[:1].upper() + singular[1:],
                       "Nouns": plural[:1].upper() + plural[1:], "whole": whole_en}}

    def wording(self) -> dict[str, dict[str, str]]:
        """The placeholders every catalogue message may use, by language: the entity
        nouns ({noun}, {nouns}, {Noun}, {Nouns}, {whole}) and the study's {topic}."""
        return {lang: {**nouns, "topic": self.topic(lang)}
                for lang, nouns in self.nouns().items()}

    def is_log(self, variable: str) -> bool:
        """Whether the variable is a natural log: made by `prepare.log`, or labelled or
        measured as one ("(log)", "对数", "ln"), so effects can be read in per cent."""
        if variable in self.prepare.log:
            return True
        var = self.variables.get(variable)
        labels = (var.label, var.unit) if var is not None else ()
        texts = [variable, *(label.get(lang) for label in labels if label is not None
                             for lang in ("zh", "en"))]
        return any(_LOG.search(text) for text in texts)

    def level_of(self, variable: str) -> str:
        """The column a reader compares across entities and years: for a log made by
        `prepare.log`, its source (in levels, with its unit); else the variable itself."""
        return self.prepare.log.get(variable, variable)

    def label(self, variable: str, lang: str) -> str:
        """The display label of a variable, or its column name when it has none (without
        a unit in brackets at its end, which `unit` gives: `企业数（家）` is 企业数, 家)."""
        var = self.variables.get(variable)
        if var is not None and var.label is not None:
            return var.label.get(lang)
        made = self.prepare.derived().get(variable)
        if made is not None:  # a derived column: worded from its source's label
            kind, sources = made[0].split(".")[1], [self.label(c, lang) for c in made[1]]
            return DERIVED_LABELS[kind][lang].format(*sources)
        return header_unit(variable)[0]

    def unit(self, variable: str, lang: str) -> str | None:
        """The variable's unit: configured, or read from its header's brackets, in English
        from the yearbook vocabulary (UNITS_EN) where it is there."""
        var = self.variables.get(variable)
        if var is not None and var.unit is not None:
            return var.unit.get(lang)
        unit = header_unit(variable)[1]
        if unit is None or lang == "zh":
            return unit
        return UNITS_EN.get(unicodedata.normalize("NFKC", unit), unit)

    def level_label(self, variable: str, value: object, lang: str) -> str:
        """The label of one value of a category column (`levels`), or the value itself."""
        var = self.variables.get(variable)
        found = var.levels.get(str(value)) if var is not None else None
        return found.get(lang) if found is not None else str(value)

    def better(self, variable: str) -> str:
        """Which way `variable` is good: its own `better`, else that of the column a log
        was made from (`prepare.log`), else neither."""
        for name in dict.fromkeys((variable, self.level_of(variable))):
            var = self.variables.get(name)
            if var is not None and var.better != "neither":
                return var.better
        return "neither"

    def lever(self, variable: str) -> bool:
        var = self.variables.get(variable)
        return var.lever if var is not None else False

    def themes(self, variable: str) -> tuple[str, ...]:
        var = self.variables.get(variable)
        return var.themes if var is not None else ()

    def study_themes(self) -> tuple[str, ...]:
        """The themes of what the study is about: its dependent, core, moderators,
        mediators and heterogeneity column (controls only hold other things equal)."""
        m = self.model
        about = (m.dependent, m.core, *m.moderators, *m.mediators,
                 *((m.heterogeneity,) if m.heterogeneity else ()))
        return tuple(dict.fromkeys(t for name in about for t in self.themes(name)))

    def topic(self, lang: str) -> str:
        """What the brief is about: `study.topic`, else the dependent's label."""
        if self.study.topic is not None:
            return self.study.topic.get(lang)
        # the thing itself on a cover: "Real GDP per capita", not "… (log)"
        return LOG_MARK.sub("", self.label(self.model.dependent, lang))


# --- validation -----------------------------------------------------------------------

Check = Callable[[Any, "_Ctx", str], Any]


class _Ctx:
    """Where we are in the file, for error messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line_of(self, dotted: str) -> int | str:
        """Best-effort line of a dotted key: a `[table]` header or a `key =` assignment;
        a key inside an inline table gets the line of the table's own key."""
        parts = dotted.split(".")
        section, last = ".".join(parts[:-1]), parts[-1]
        header = re.compile(rf"^\s*\[\s*{re.escape(dotted)}\s*\]")
        assign = re.compile(rf"^\s*[\"']?{re.escape(last)}[\"']?\s*=")
        in_section = not section
        for number, line in enumerate(self.lines, start=1):
            if header.match(line):
                return number
            stripped = line.split("#", 1)[0].strip()
            if stripped.startswith("["):
                in_section = stripped.strip("[] ") == section
                continue
            if in_section and assign.match(line):
                return number
        return self.line_of(section) if section else "?"

    def fail(self, key: str, dotted: str, **params: object) -> InputError:
        return InputError(key, file=self.path, key=dotted, line=self.line_of(dotted), **params)


def _type_name(value: Any) -> str:
    return {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
            dict: "table"}.get(type(value), type(value).__name__)


def _string(value: Any, ctx: _Ctx, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ctx.fail("config.wrong_type", key, expected="string / 字符串", got=_type_name(value))
    return value.strip()


def _integer(value: Any, ctx: _Ctx, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.fail("config.wrong_type", key, expected="integer / 整数", got=_type_name(value))
    return value


def _boolean(value: Any, ctx: _Ctx, key: str) -> bool:
    if not isinstance(value, bool):
        raise ctx.fail("config.wrong_type", key, expected="true/false", got=_type_name(value))
    return value


def _number(value: Any, ctx: _Ctx, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.fail("config.wrong_type", key, expected="number / 数值", got=_type_name(value))
    return float(value)


def _names(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ctx.fail("config.wrong_type", key, expected="array of strings / 字符串数组",
                       got=_type_name(value))
    if len(set(value)) != len(value):
        raise ctx.fail("config.duplicate_name", key)
    return tuple(value)


def _label(value: Any, ctx: _Ctx, key: str) -> Label:
    if isinstance(value, str) and value.strip():
        return Label(zh=value, en=value)
    if isinstance(value, dict):
        _reject_unknown(value, {"zh", "en"}, ctx, key)
        zh, en = value.get("zh"), value.get("en")
        if isinstance(zh, str) and isinstance(en, str) and zh.strip() and en.strip():
            return Label(zh=zh, en=en)
    raise ctx.fail("config.wrong_type", key, expected='{ zh = "…", en = "…" }',
                   got=_type_name(value))


def _levels(value: Any, ctx: _Ctx, key: str) -> Mapping[str, Label]:
    """`levels = { East = { zh = "东部", en = "East" } }`: labels of a category's values."""
    if not isinstance(value, dict):
        raise ctx.fail("config.wrong_type", key, expected="table / 表", got=_type_name(value))
    return MappingProxyType({str(k): _label(v, ctx, f"{key}.{k}") for k, v in value.items()})


def _header(value: Any, ctx: _Ctx, key: str) -> tuple[int, ...]:
    """`header = 3`, or `[2, 3]` for a name row above a unit row (1-based, as Excel shows)."""
    rows = [value] if not isinstance(value, list) else value
    ok = (1 <= len(rows) <= 2 and all(isinstance(r, int) and not isinstance(r, bool)
                                       and 1 <= r <= 1000 for r in rows)
          and (len(rows) == 1 or rows[1] == rows[0] + 1))
    if not ok:
        raise ctx.fail("config.bad_header", key, value=value)
    return tuple(rows)


def _markers(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    """Cells read as missing; an empty cell always is."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.fail("config.wrong_type", key, expected="array of strings / 字符串数组",
                       got=_type_name(value))
    return tuple(value)


def _choice(allowed: tuple[str, ...]) -> Check:
    def check(value: Any, ctx: _Ctx, key: str) -> str:
        if value not in allowed:
            raise ctx.fail("config.bad_choice", key, value=value, allowed=", ".join(allowed))
        return value

    return check


def _themes(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    """One theme or a list of them, each from literals.THEMES."""
    names = (value,) if isinstance(value, str) else _names(value, ctx, key)
    for name in names:
        _choice(literals.THEMES)(name, ctx, key)
    return tuple(names)


def _winsorize(value: Any, ctx: _Ctx, key: str) -> tuple[float, float] | None:
    if value is False:
        return None
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value))
    if not ok or not 0.0 <= value[0] < value[1] <= 1.0:
        raise ctx.fail("config.bad_winsorize", key, value=value)
    return (float(value[0]), float(value[1]))


def _interpolate(value: Any, ctx: _Ctx, key: str) -> bool | tuple[str, ...]:
    return value if isinstance(value, bool) else _names(value, ctx, key)


def _extrapolate(value: Any, ctx: _Ctx, key: str) -> str:
    if value is False:
        return "none"
    return _choice(EXTRAPOLATIONS[1:])(value, ctx, key)


def _new_columns(arity: int) -> Check:
    """A table `new = "source"` (or `new = ["a", "b"]` when `arity` is 2) of derived columns."""

    def check(value: Any, ctx: _Ctx, key: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise ctx.fail("config.wrong_type", key, expected="table / 表", got=_type_name(value))
        out: dict[str, Any] = {}
        for name, source in value.items():
            dotted = f"{key}.{name}"
            if arity == 1:
                out[name] = _string(source, ctx, dotted)
                continue
            pair = _names(source, ctx, dotted)
            if len(pair) != arity:
                raise ctx.fail("config.wrong_type", dotted, expected='["numerator", "denominator"]',
                               got=f"array of {len(pair)}")
            out[name] = pair
        return MappingProxyType(out)

    return check


# the bootstrap holds its draws in memory: 8 bytes x draws x clusters (and a few arrays of
# that size), so 99,999 draws of 1,000 clusters take about 0.8 GB per array
MAX_REPS = 99_999


def _sections(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    """Block names (each once, as `_names` checks): the bundled ones or an editor's (which
    the render checks against the template)."""
    names = _names(value, ctx, key)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ctx.fail("config.bad_section", key, value=name,
                           allowed=", ".join(SECTIONS))
    return names


def _formats(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    """Output formats, each once, from literals.OUTPUT_FORMATS."""
    names = _names(value, ctx, key)
    for name in names:
        _choice(literals.OUTPUT_FORMATS)(name, ctx, key)
    return names


def _reps(value: Any, ctx: _Ctx, key: str) -> int:
    """Bootstrap draws: at least 99, at most MAX_REPS (their memory grows with both)."""
    number = _at_least(99)(value, ctx, key)
    if number > MAX_REPS:
        raise ctx.fail("config.too_many_reps", key, value=value, most=MAX_REPS)
    return int(number)


def _at_least(low: float, strict: bool = False) -> Check:
    """A number (an integer when `low` is one) at or above `low`, or above it if `strict`."""

    def check(value: Any, ctx: _Ctx, key: str) -> float | int:
        number = _integer(value, ctx, key) if isinstance(low, int) else _number(value, ctx, key)
        if number < low or (strict and number == low):
            raise ctx.fail("config.out_of_range", key, value=value,
                           range=f"{'>' if strict else '≥'} {low}")
        return number

    return check


def _groups(value: Any, ctx: _Ctx, key: str) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, dict) or not value:
        raise ctx.fail("config.wrong_type", key, expected="table / 表", got=_type_name(value))
    return MappingProxyType({name: _names(cols, ctx, f"{key}.{name}")
                             for name, cols in value.items()})


def _components(value: Any, ctx: _Ctx, key: str) -> tuple[str, ...]:
    names = _names(value, ctx, key)
    for name in names:
        _choice(TRADE_COMPONENTS)(name, ctx, key)
    if len(names) < 2:
        raise ctx.fail("config.out_of_range", key, value=len(names), range="≥ 2")
    return names


def _flows(value: Any, ctx: _Ctx, key: str) -> FlowsConfig:
    if not isinstance(value, dict):
        raise ctx.fail("config.wrong_type", key, expected='{ path = "…", product = "…", '
                       'value = "…" }', got=_type_name(value))
    _reject_unknown(value, ("path", "product", "value", "region", "year"), ctx, key)
    for required in ("path", "product", "value"):
        if required not in value:
            raise InputError("config.missing_key", file=ctx.path, key=f"{key}.{required}")
    fields_ = {name: _string(text, ctx, f"{key}.{name}") for name, text in value.items()}
    fields_["path"] = (ctx.path.parent / fields_["path"]).resolve()
    return FlowsConfig(**fields_)


def _study_id(value: Any, ctx: _Ctx, key: str) -> str:
    text = _string(value, ctx, key)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}", text):
        raise ctx.fail("config.bad_study_id", key, value=text)
    return text


def _folder(value: Any, ctx: _Ctx, key: str) -> Path:
    """A folder relative to the config file, which must exist."""
    folder = (ctx.path.parent / _string(value, ctx, key)).resolve()
    if not folder.is_dir():
        raise ctx.fail("config.no_folder", key, folder=folder)
    return folder


# section -> key -> (check, required)
_SCHEMA: dict[str, dict[str, tuple[Check, bool]]] = {
    "study": {"id": (_study_id, True), "title": (_label, True), "region": (_label, True),
              "entities": (_label, False), "issuer": (_label, False), "topic": (_label, False),
              "document_number": (_string, False), "data_cutoff": (_label, False),
              "year": (_integer, True), "illustrative": (_boolean, False)},
    "data": {"path": (_string, True), "entity": (_string, True), "time": (_string, True),
             "sheet": (_string, False), "entity_names_en": (_string, False),
             "header": (_header, False), "layout": (_choice(literals.LAYOUTS), False),
             "missing_markers": (_markers, False), "total": (_string, False),
             "exclude": (_names, False)},
    "prepare": {"winsorize": (_winsorize, False), "interpolate": (_interpolate, False),
                "missing": (_choice(literals.MISSING), False),
                "extrapolate": (_extrapolate, False), "ratio": (_new_columns(2), False),
                "log": (_new_columns(1), False), "growth": (_new_columns(1), False),
                "lag": (_new_columns(1), False)},
    "model": {"dependent": (_string, True), "core": (_string, True), "controls": (_names, False),
              "moderators": (_names, False), "instruments": (_names, False),
              "cluster": (_choice(literals.CLUSTER_BY), False),
              "singletons": (_choice(literals.SINGLETONS), False),
              "mediators": (_names, False), "heterogeneity": (_string, False)},
    "report": {"significance": (_number, False),
               "parentheses": (_choice(literals.PARENTHESES), False),
               "templates": (_folder, False), "sections": (_sections, False),
               "formats": (_formats, False)},
    "status": {"share": (_string, False), "focus": (_names, False)},
    "inference": {"bootstrap": (_boolean, False), "reps": (_reps, False),
                  "seed": (_at_least(0), False),
                  "weights": (_choice(literals.BOOT_WEIGHTS), False)},
}
_VARIABLE_KEYS: dict[str, tuple[Check, bool]] = {
    "label": (_label, False), "unit": (_label, False), "source": (_label, False),
    "better": (_choice(literals.BETTER), False), "lever": (_boolean, False),
    "levels": (_levels, False), "theme": (_themes, False)}
_VARIABLE_FIELDS = {"theme": "themes"}  # config key -> VariableConfig field, where they differ
_POOLED: dict[str, tuple[Check, bool]] = {"pooling": (_choice(POOLINGS), False),
                                          "shift": (_at_least(0.0), False)}
_TRADE: dict[str, tuple[Check, bool]] = {
    "exports": (_string, True), "imports": (_string, True), "total_exports": (_string, True),
    "reference_exports": (_string, False), "reference_total": (_string, False)}
# method -> key -> (check, required); `method` itself is required everywhere
_INDEX_KEYS: dict[str, dict[str, tuple[Check, bool]]] = {
    "entropy": {"columns": (_names, True), "negative": (_names, False),
                "groups": (_groups, False), "hierarchy": (_choice(HIERARCHIES), False),
                **_POOLED},
    "tc": {k: _TRADE[k] for k in ("exports", "imports")},
    "ms": {k: _TRADE[k] for k in ("exports", "reference_exports")},
    "rca": {k: _TRADE[k] for k in ("exports", "total_exports", "reference_exports",
                                   "reference_total")},
    "trade_entropy": {**_TRADE, "components": (_components, False), **_POOLED},
    "deviation": {"column": (_string, True), "base_year": (_integer, True)},
    "expy": {"flows": (_flows, True), "income": (_string, True)},
    "reflections": {"flows": (_flows, True), "max_iter": (_at_least(1), False),
                    "tol": (_at_least(0.0, strict=True), False)},
}
_SECTIONS = (*_SCHEMA, "variables", "indices")


def _reject_unknown(table: Mapping[str, Any], known: set[str] | tuple[str, ...], ctx: _Ctx,
                    prefix: str) -> None:
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
            dotted = f"{prefix}.{key}" if prefix else key
            raise ctx.fail("config.unknown_key", dotted,
                           suggestion=close[0] if close else "—",
                           known=", ".join(sorted(known)))


def _section(raw: Mapping[str, Any], name: str, ctx: _Ctx) -> dict[str, Any]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise ctx.fail("config.wrong_type", name, expected="table / 表", got=_type_name(table))
    spec = _SCHEMA[name]
    _reject_unknown(table, tuple(spec), ctx, name)
    out: dict[str, Any] = {}
    for key, (check, required) in spec.items():
        dotted = f"{name}.{key}"
        if key in table:
            out[key] = check(table[key], ctx, dotted)
        elif required:
            raise InputError("config.missing_key", file=ctx.path, key=dotted)
    return out


def read_toml(path: Path) -> tuple[dict[str, Any], str, str]:
    """Read a TOML file with errors that name it: missing, not UTF-8, or bad syntax.
    Returns the table, the text and the SHA-256 of the very bytes parsed (for the
    manifest: the file may be edited while the run goes on)."""
    if not path.is_file():
        raise InputError("config.not_found", file=path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("config.not_utf8", file=path, offset=exc.start) from None
    try:
        return tomllib.loads(text), text, hashlib.sha256(data).hexdigest()
    except tomllib.TOMLDecodeError as exc:
        raise InputError("config.syntax", file=path, detail=str(exc)) from None


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a study config; `None` means the bundled default study."""
    path = Path(path if path is not None else DEFAULT_CONFIG).resolve()
    raw, text, digest = read_toml(path)
    ctx = _Ctx(path, text)
    _reject_unknown(raw, _SECTIONS, ctx, "")
    for required in ("study", "data", "model"):
        if required not in raw:
            raise InputError("config.missing_key", file=path, key=f"[{required}]")

    study = StudyConfig(**_section(raw, "study", ctx))
    data_values = _section(raw, "data", ctx)
    data_values["path"] = (path.parent / data_values["path"]).resolve()
    data = DataConfig(**data_values)
    prepare = PrepareConfig(**_section(raw, "prepare", ctx))
    if prepare.missing == "interpolate" and prepare.interpolate is False:
        prepare = replace(prepare, interpolate=True)
    model = ModelConfig(**_section(raw, "model", ctx))
    report = ReportConfig(**_section(raw, "report", ctx))
    status = StatusConfig(**_section(raw, "status", ctx))
    inference = InferenceConfig(**_section(raw, "inference", ctx))
    if not 0.0 < report.significance < 0.5:
        raise ctx.fail("config.bad_significance", "report.significance", value=report.significance)

    variables_raw = raw.get("variables", {})
    if not isinstance(variables_raw, dict):
        raise ctx.fail("config.wrong_type", "variables", expected="table / 表",
                       got=_type_name(variables_raw))
    variables: dict[str, VariableConfig] = {}
    for name, table in variables_raw.items():
        dotted = f"variables.{name}"
        if not isinstance(table, dict):
            raise ctx.fail("config.wrong_type", dotted, expected="table / 表",
                           got=_type_name(table))
        _reject_unknown(table, tuple(_VARIABLE_KEYS), ctx, dotted)
        variables[name] = VariableConfig(**{
            _VARIABLE_FIELDS.get(key, key): check(table[key], ctx, f"{dotted}.{key}")
            for key, (check, _) in _VARIABLE_KEYS.items() if key in table})

    _check_model_roles(model, ctx)
    indices = _indices(raw.get("indices", {}), ctx)
    _check_build_order(prepare, indices, ctx)
    return Config(path=path, study=study, data=data, model=model, prepare=prepare,
                  report=report, status=status, inference=inference,
                  variables=MappingProxyType(variables),
                  raw=MappingProxyType(raw), indices=indices, sha256=digest)


def _indices(raw: Any, ctx: _Ctx) -> Mapping[str, IndexConfig]:
    """`[indices.<name>]` tables, each checked against the keys its method takes."""
    if not isinstance(raw, dict):
        raise ctx.fail("config.wrong_type", "indices", expected="table / 表", got=_type_name(raw))
    out: dict[str, IndexConfig] = {}
    for name, table in raw.items():
        dotted = f"indices.{name}"
        if not isinstance(table, dict):
            raise ctx.fail("config.wrong_type", dotted, expected="table / 表",
                           got=_type_name(table))
        if "method" not in table:
            raise InputError("config.missing_key", file=ctx.path, key=f"{dotted}.method")
        method = _choice(INDEX_METHODS)(table["method"], ctx, f"{dotted}.method")
        spec = _INDEX_KEYS[method]
        _reject_unknown(table, ("method", *spec), ctx, dotted)
        values: dict[str, Any] = {}
        for key, (check, required) in spec.items():
            if key in table:
                values[key] = check(table[key], ctx, f"{dotted}.{key}")
            elif required:
                raise InputError("config.missing_key", file=ctx.path, key=f"{dotted}.{key}")
        index = IndexConfig(name=name, method=method, **values)
        _check_index(index, ctx)
        out[name] = index
    return MappingProxyType(out)


def _check_index(index: IndexConfig, ctx: _Ctx) -> None:
    """Directions and groups refer to listed indicators; reference totals come in pairs."""
    dotted = f"indices.{index.name}"
    for name in index.negative:
        if name not in index.columns:
            raise ctx.fail("config.not_listed", f"{dotted}.negative", name=name,
                           listed=f"{dotted}.columns")
    if index.groups:
        grouped = [c for cols in index.groups.values() for c in cols]
        stray = [c for c in grouped if c not in index.columns or grouped.count(c) > 1]
        unplaced = [c for c in index.columns if c not in grouped]
        if stray or unplaced:
            raise ctx.fail("config.bad_groups", f"{dotted}.groups", name=(stray + unplaced)[0])
    if index.method in ("rca", "trade_entropy") and (
            (index.reference_exports is None) != (index.reference_total is None)):
        missing = "reference_total" if index.reference_total is None else "reference_exports"
        raise InputError("config.missing_key", file=ctx.path, key=f"{dotted}.{missing}")


def _check_build_order(prepare: PrepareConfig, indices: Mapping[str, IndexConfig],
                       ctx: _Ctx) -> None:
    """Columns are made in order (ratios, logs, growth rates, lags, then the indices as
    listed): each may use only raw columns or columns made before it."""
    made: dict[str, str] = {}
    steps = [(key, name, sources) for name, (key, sources) in prepare.derived().items()]
    steps += [(f"indices.{i.name}", i.name, tuple(i.inputs())) for i in indices.values()]
    for key, name, _ in steps:
        if name in made:
            raise ctx.fail("config.duplicate_output", key, name=name, other=made[name])
        made[name] = key
    built: set[str] = set()
    for key, name, sources in steps:
        for source in sources:
            if source in made and source not in built:
                raise ctx.fail("config.used_before_built", key, name=source, other=made[source])
        built.add(name)


def _check_model_roles(model: ModelConfig, ctx: _Ctx) -> None:
    """A variable plays one role (the dependent is not also a regressor, and so on), except
    that a control may also be a moderator."""
    roles = [("model.core", (model.core,)), ("model.controls", model.controls),
             ("model.moderators", model.moderators), ("model.mediators", model.mediators),
             ("model.instruments", model.instruments)]
    if model.heterogeneity is not None:
        roles.append(("model.heterogeneity", (model.heterogeneity,)))
    seen: dict[str, str] = {model.dependent: "model.dependent"}
    # a control may also be a moderator (Stata's c.x##c.z with z among the controls): the
    # moderation model then has it once, as the interaction's main effect
    compatible = {frozenset({"model.controls", "model.moderators"})}
    for key, names in roles:
        for name in names:
            if name in seen and frozenset({seen[name], key}) not in compatible:
                raise ctx.fail("config.role_conflict", key, name=name, other=seen[name])
            seen.setdefault(name, key)
