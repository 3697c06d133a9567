"""Parse and validate the study TOML once, into a frozen, typed object.

Every later stage receives a `Config`. Errors name the file, the key and its line, and an
unknown key comes with the closest known one, because a typo should cost a second, not a
silent default.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reporter import literals
from reporter.errors import InputError

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PACKAGE_ROOT / "data" / "zhejiang_hightech.toml"


@dataclass(frozen=True)
class Label:
    """A text in both languages."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class StudyConfig:
    id: str
    title: Label
    region: Label
    year: int
    illustrative: bool = False


@dataclass(frozen=True)
class DataConfig:
    path: Path
    entity: str
    time: str
    sheet: str | None = None
    entity_names_en: str | None = None


@dataclass(frozen=True)
class VariableConfig:
    label: Label | None = None
    unit: Label | None = None
    source: Label | None = None


@dataclass(frozen=True)
class PrepareConfig:
    winsorize: tuple[float, float] | None = None


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

    @property
    def variables(self) -> tuple[str, ...]:
        """Every numeric column a model uses, in display order, without repeats."""
        ordered = (self.dependent, self.core, *self.controls, *self.moderators,
                   *self.mediators, *self.instruments)
        return tuple(dict.fromkeys(ordered))


@dataclass(frozen=True)
class ReportConfig:
    significance: float = 0.05
    parentheses: literals.Parentheses = "t"


@dataclass(frozen=True)
class Config:
    path: Path
    study: StudyConfig
    data: DataConfig
    model: ModelConfig
    prepare: PrepareConfig = PrepareConfig()
    report: ReportConfig = ReportConfig()
    variables: Mapping[str, VariableConfig] = field(default_factory=lambda: MappingProxyType({}))
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), repr=False)

    def label(self, variable: str, lang: str) -> str:
        """The display label of a variable, or its column name when it has none."""
        var = self.variables.get(variable)
        if var is not None and var.label is not None:
            return var.label.get(lang)
        return variable


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


def _choice(allowed: tuple[str, ...]) -> Check:
    def check(value: Any, ctx: _Ctx, key: str) -> str:
        if value not in allowed:
            raise ctx.fail("config.bad_choice", key, value=value, allowed=", ".join(allowed))
        return value

    return check


def _winsorize(value: Any, ctx: _Ctx, key: str) -> tuple[float, float] | None:
    if value is False:
        return None
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value))
    if not ok or not 0.0 <= value[0] < value[1] <= 1.0:
        raise ctx.fail("config.bad_winsorize", key, value=value)
    return (float(value[0]), float(value[1]))


def _study_id(value: Any, ctx: _Ctx, key: str) -> str:
    text = _string(value, ctx, key)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}", text):
        raise ctx.fail("config.bad_study_id", key, value=text)
    return text


# section -> key -> (check, required)
_SCHEMA: dict[str, dict[str, tuple[Check, bool]]] = {
    "study": {"id": (_study_id, True), "title": (_label, True), "region": (_label, True),
              "year": (_integer, True), "illustrative": (_boolean, False)},
    "data": {"path": (_string, True), "entity": (_string, True), "time": (_string, True),
             "sheet": (_string, False), "entity_names_en": (_string, False)},
    "prepare": {"winsorize": (_winsorize, False)},
    "model": {"dependent": (_string, True), "core": (_string, True), "controls": (_names, False),
              "moderators": (_names, False), "instruments": (_names, False),
              "cluster": (_choice(literals.CLUSTER_BY), False),
              "mediators": (_names, False), "heterogeneity": (_string, False)},
    "report": {"significance": (_number, False),
               "parentheses": (_choice(literals.PARENTHESES), False)},
}
_VARIABLE_KEYS: dict[str, tuple[Check, bool]] = {
    "label": (_label, False), "unit": (_label, False), "source": (_label, False)}
_SECTIONS = (*_SCHEMA, "variables")


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


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Read a TOML file with errors that name it: missing, not UTF-8, or bad syntax."""
    if not path.is_file():
        raise InputError("config.not_found", file=path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("config.not_utf8", file=path, offset=exc.start) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise InputError("config.syntax", file=path, detail=str(exc)) from None


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a study config; `None` means the bundled default study."""
    path = Path(path if path is not None else DEFAULT_CONFIG).resolve()
    raw, text = read_toml(path)
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
    model = ModelConfig(**_section(raw, "model", ctx))
    report = ReportConfig(**_section(raw, "report", ctx))
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
            key: check(table[key], ctx, f"{dotted}.{key}")
            for key, (check, _) in _VARIABLE_KEYS.items() if key in table})

    _check_model_roles(model, ctx)
    return Config(path=path, study=study, data=data, model=model, prepare=prepare,
                  report=report, variables=MappingProxyType(variables),
                  raw=MappingProxyType(raw))


def _check_model_roles(model: ModelConfig, ctx: _Ctx) -> None:
    """A variable plays one role: the dependent is not also a regressor, and so on."""
    roles = [("model.core", (model.core,)), ("model.controls", model.controls),
             ("model.moderators", model.moderators), ("model.mediators", model.mediators),
             ("model.instruments", model.instruments)]
    if model.heterogeneity is not None:
        roles.append(("model.heterogeneity", (model.heterogeneity,)))
    seen: dict[str, str] = {model.dependent: "model.dependent"}
    for key, names in roles:
        for name in names:
            if name in seen:
                raise ctx.fail("config.role_conflict", key, name=name, other=seen[name])
            seen[name] = key
