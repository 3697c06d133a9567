"""The study as frozen, typed objects: `Config`, its section configs, and the label
helpers (units, entity nouns, derived labels) every later stage reads it through."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, get_args

from reporter import literals
from reporter.config.indices import IndexConfig

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


# entity nouns for units that are not places with policies of their own (people, firms,
# industries): the brief does not tell the lagging ones to learn from the leader
NOT_JURISDICTIONS = frozenset({
    "worker", "workers", "person", "persons", "people", "individual", "individuals",
    "household", "households", "respondent", "respondents", "firm", "firms", "company",
    "companies", "enterprise", "enterprises", "plant", "plants", "industry", "industries",
    "sector", "sectors", "劳动者", "工人", "职工", "个人", "居民", "家庭", "住户", "受访者",
    "企业", "公司", "工厂", "行业", "产业"})


# the Chinese noun after a count ({n} 个{nouns}) where officials use another than in the
# singular (每个省份, 省份固定效应, but 29 个省（区、市）)
COUNTED_ZH = {"省份": "省（区、市）", "省": "省（区、市）"}


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
    states (全地区 / regional over some of them: 美国新英格兰地区), else by the region's
    suffix (全省 / provincial …), else 全部… / overall."""
    region = region.strip()
    if noun.strip() in _PROVINCES:
        return (("全地区", "regional") if region.endswith(("地区", "区域"))
                else ("全国", "national"))
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
    # whether the entities are places with policies of their own (regions, cities, states,
    # countries), which may learn from one another; None: guessed from the noun
    jurisdictions: bool | None = None
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
    source: Label | None = None  # where the panel comes from (a yearbook, an agency), in words


@dataclass(frozen=True)
class VariableConfig:
    label: Label | None = None
    unit: Label | None = None
    source: Label | None = None
    better: literals.Better = "neither"  # which way is good: ranks, laggards, verbs read it
    lever: bool = False  # policy can move it: only then may advice say raise or expand it
    levels: Mapping[str, Label] = field(default_factory=lambda: MappingProxyType({}))
    themes: tuple[str, ...] = ()  # what it is about for policy (literals.THEMES)
    # the column it is the natural log of, when the data give both (R's plm::Crime): the
    # status section then shows that level, as it does for a log made by prepare.log
    log_of: str | None = None
    # "the": English running text reads "the crime rate", not "crime rate" (a singular
    # noun); "none" (the default): mass nouns and plurals ("employment", "exports")
    article: str = "none"


def _no_names() -> Mapping[str, Any]:
    return MappingProxyType({})


Extrapolate = Literal["none", "nearest", "linear"]
EXTRAPOLATIONS: tuple[str, ...] = get_args(Extrapolate)
PREPARE_KINDS = ("ratio", "log", "growth", "lag")


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
        for name, var in self.variables.items():
            if var.log_of and var.log_of not in made and var.log_of not in out:
                out[var.log_of] = f"variables.{name}.log_of"
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
        # counted, a country's provinces are named as officials name them: 29 个省（区、市）
        counted = COUNTED_ZH.get(zh, zh)
        return {"zh": {"noun": zh, "nouns": counted, "Noun": zh, "Nouns": counted,
                       "whole": whole_zh},
                "en": {"noun": singular, "nouns": plural,
                       "Noun": singular[:1].upper() + singular[1:],
                       "Nouns": plural[:1].upper() + plural[1:], "whole": whole_en}}

    def jurisdictions(self) -> bool:
        """Whether the entities are places with policies of their own (`study.
        jurisdictions`; by default, unless their noun names people, firms or industries):
        only then may a recommendation tell the lagging ones to learn from the leader."""
        if self.study.jurisdictions is not None:
            return self.study.jurisdictions
        nouns = self.nouns()
        singular = nouns["en"]["noun"].lower()
        return not ({singular, nouns["en"]["nouns"].lower(), nouns["zh"]["noun"]}
                    & NOT_JURISDICTIONS)

    def wording(self) -> dict[str, dict[str, str]]:
        """The placeholders every catalogue message may use, by language: the entity
        nouns ({noun}, {nouns}, {Noun}, {Nouns}, {whole}) and the study's {topic}."""
        return {lang: {**nouns, "topic": self.topic(lang)}
                for lang, nouns in self.nouns().items()}

    def with_the(self) -> frozenset[str]:
        """The English labels that running text gives "the" (`variables.<name>.article`):
        each such variable's label, without its "(log)" too, and the labels of the logs
        made from it or declared of it."""
        out: set[str] = set()
        names = {*self.variables, *self.prepare.derived(), *self.model.variables}
        for name in names:
            specs = (self.variables.get(name), self.variables.get(self.level_of(name)))
            if any(spec is not None and spec.article == "the" for spec in specs):
                label = self.label(name, "en")
                out |= {label, LOG_MARK.sub("", label)}
        return frozenset(out)

    def is_log(self, variable: str) -> bool:
        """Whether the variable is a natural log: made by `prepare.log`, or labelled or
        measured as one ("(log)", "对数", "ln"), so effects can be read in per cent."""
        var = self.variables.get(variable)
        if variable in self.prepare.log or (var is not None and var.log_of):
            return True
        labels = (var.label, var.unit) if var is not None else ()
        texts = [variable, *(label.get(lang) for label in labels if label is not None
                             for lang in ("zh", "en"))]
        return any(_LOG.search(text) for text in texts)

    def level_of(self, variable: str) -> str:
        """The column a reader compares across entities and years: for a log made by
        `prepare.log` or declared one (`variables.<name>.log_of`), its source (in levels,
        with its unit); else the variable itself."""
        var = self.variables.get(variable)
        return self.prepare.log.get(variable) or (var.log_of if var is not None else None) \
            or variable

    def label(self, variable: str, lang: str) -> str:
        """The display label of a variable, or its column name when it has none (without
        a unit in brackets at its end, which `unit` gives: `企业数（家）` is 企业数, 家)."""
        var = self.variables.get(variable)
        if var is not None and var.label is not None:
            text = var.label.get(lang)
            # a label copied from its header keeps the unit the tables add again
            # ("出口额（亿元）" with the unit 亿元 is 出口额)
            name, unit = header_unit(text)
            return name if unit is not None and unit == self.unit(variable, lang) else text
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

