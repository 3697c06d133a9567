"""Where a TOML key sits (`TomlContext`, for errors that name file, key and line) and the
value checkers the schema pairs with each key: each returns the typed value or raises."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reporter import literals
from reporter.config.indices import TRADE_COMPONENTS, FlowsConfig
from reporter.config.types import EXTRAPOLATIONS, SECTIONS, Label
from reporter.errors import InputError


class TomlContext:
    """Where we are in the file, for error messages: the file's path and its lines."""

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
        """The error `key` (a message key) at config key `dotted`, with its file and line."""
        return InputError(key, file=self.path, key=dotted, line=self.line_of(dotted), **params)


# a value checker: (the TOML value, where it is, its dotted key) -> the typed value
Check = Callable[[Any, TomlContext, str], Any]


def type_name(value: Any) -> str:
    return {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
            dict: "table"}.get(type(value), type(value).__name__)


def string(value: Any, ctx: TomlContext, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ctx.fail("config.wrong_type", key, expected="string / 字符串", got=type_name(value))
    return value.strip()


def integer(value: Any, ctx: TomlContext, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.fail("config.wrong_type", key, expected="integer / 整数", got=type_name(value))
    return value


def boolean(value: Any, ctx: TomlContext, key: str) -> bool:
    if not isinstance(value, bool):
        raise ctx.fail("config.wrong_type", key, expected="true/false", got=type_name(value))
    return value


def number(value: Any, ctx: TomlContext, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ctx.fail("config.wrong_type", key, expected="number / 数值", got=type_name(value))
    return float(value)


def names(value: Any, ctx: TomlContext, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ctx.fail("config.wrong_type", key, expected="array of strings / 字符串数组",
                       got=type_name(value))
    if len(set(value)) != len(value):
        raise ctx.fail("config.duplicate_name", key)
    return tuple(value)


def label(value: Any, ctx: TomlContext, key: str) -> Label:
    if isinstance(value, str) and value.strip():
        return Label(zh=value, en=value)
    if isinstance(value, dict):
        reject_unknown(value, {"zh", "en"}, ctx, key)
        zh, en = value.get("zh"), value.get("en")
        if isinstance(zh, str) and isinstance(en, str) and zh.strip() and en.strip():
            return Label(zh=zh, en=en)
    raise ctx.fail("config.wrong_type", key, expected='{ zh = "…", en = "…" }',
                   got=type_name(value))


def levels(value: Any, ctx: TomlContext, key: str) -> Mapping[str, Label]:
    """`levels = { East = { zh = "东部", en = "East" } }`: labels of a category's values."""
    if not isinstance(value, dict):
        raise ctx.fail("config.wrong_type", key, expected="table / 表", got=type_name(value))
    return MappingProxyType({str(k): label(v, ctx, f"{key}.{k}") for k, v in value.items()})


def header(value: Any, ctx: TomlContext, key: str) -> tuple[int, ...]:
    """`header = 3`, or `[2, 3]` for a name row above a unit row (1-based, as Excel shows)."""
    rows = [value] if not isinstance(value, list) else value
    ok = (1 <= len(rows) <= 2 and all(isinstance(r, int) and not isinstance(r, bool)
                                       and 1 <= r <= 1000 for r in rows)
          and (len(rows) == 1 or rows[1] == rows[0] + 1))
    if not ok:
        raise ctx.fail("config.bad_header", key, value=value)
    return tuple(rows)


def markers(value: Any, ctx: TomlContext, key: str) -> tuple[str, ...]:
    """Cells read as missing; an empty cell always is."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.fail("config.wrong_type", key, expected="array of strings / 字符串数组",
                       got=type_name(value))
    return tuple(value)


def choice(allowed: tuple[str, ...]) -> Check:
    def check(value: Any, ctx: TomlContext, key: str) -> str:
        if value not in allowed:
            raise ctx.fail("config.bad_choice", key, value=value, allowed=", ".join(allowed))
        return value

    return check


def themes(value: Any, ctx: TomlContext, key: str) -> tuple[str, ...]:
    """One theme or a list of them, each from literals.THEMES."""
    listed = (value,) if isinstance(value, str) else names(value, ctx, key)
    for name in listed:
        choice(literals.THEMES)(name, ctx, key)
    return tuple(listed)


def winsorize(value: Any, ctx: TomlContext, key: str) -> tuple[float, float] | None:
    if value is False:
        return None
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value))
    if not ok or not 0.0 <= value[0] < value[1] <= 1.0:
        raise ctx.fail("config.bad_winsorize", key, value=value)
    return (float(value[0]), float(value[1]))


def interpolate(value: Any, ctx: TomlContext, key: str) -> bool | tuple[str, ...]:
    return value if isinstance(value, bool) else names(value, ctx, key)


def extrapolate(value: Any, ctx: TomlContext, key: str) -> str:
    if value is False:
        return "none"
    return choice(EXTRAPOLATIONS[1:])(value, ctx, key)


def new_columns(arity: int) -> Check:
    """A table `new = "source"` (or `new = ["a", "b"]` when `arity` is 2) of derived columns."""

    def check(value: Any, ctx: TomlContext, key: str) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise ctx.fail("config.wrong_type", key, expected="table / 表", got=type_name(value))
        out: dict[str, Any] = {}
        for name, source in value.items():
            dotted = f"{key}.{name}"
            if arity == 1:
                out[name] = string(source, ctx, dotted)
                continue
            pair = names(source, ctx, dotted)
            if len(pair) != arity:
                raise ctx.fail("config.wrong_type", dotted, expected='["numerator", "denominator"]',
                               got=f"array of {len(pair)}")
            out[name] = pair
        return MappingProxyType(out)

    return check


# the bootstrap holds its draws in memory: 8 bytes x draws x clusters (and a few arrays of
# that size), so 99,999 draws of 1,000 clusters take about 0.8 GB per array
MAX_REPS = 99_999


def sections(value: Any, ctx: TomlContext, key: str) -> tuple[str, ...]:
    """Block names (each once, as `names` checks): the bundled ones or an editor's (which
    the render checks against the template)."""
    listed = names(value, ctx, key)
    for name in listed:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ctx.fail("config.bad_section", key, value=name,
                           allowed=", ".join(SECTIONS))
    return listed


def formats(value: Any, ctx: TomlContext, key: str) -> tuple[str, ...]:
    """Output formats, each once, from literals.OUTPUT_FORMATS."""
    listed = names(value, ctx, key)
    for name in listed:
        choice(literals.OUTPUT_FORMATS)(name, ctx, key)
    return listed


def reps(value: Any, ctx: TomlContext, key: str) -> int:
    """Bootstrap draws: at least 99, at most MAX_REPS (their memory grows with both)."""
    count = at_least(99)(value, ctx, key)
    if count > MAX_REPS:
        raise ctx.fail("config.too_many_reps", key, value=value, most=MAX_REPS)
    return int(count)


def at_least(low: float, strict: bool = False) -> Check:
    """A number (an integer when `low` is one) at or above `low`, or above it if `strict`."""

    def check(value: Any, ctx: TomlContext, key: str) -> float | int:
        got = integer(value, ctx, key) if isinstance(low, int) else number(value, ctx, key)
        if got < low or (strict and got == low):
            raise ctx.fail("config.out_of_range", key, value=value,
                           range=f"{'>' if strict else '≥'} {low}")
        return got

    return check


def groups(value: Any, ctx: TomlContext, key: str) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(value, dict) or not value:
        raise ctx.fail("config.wrong_type", key, expected="table / 表", got=type_name(value))
    return MappingProxyType({name: names(cols, ctx, f"{key}.{name}")
                             for name, cols in value.items()})


def components(value: Any, ctx: TomlContext, key: str) -> tuple[str, ...]:
    listed = names(value, ctx, key)
    for name in listed:
        choice(TRADE_COMPONENTS)(name, ctx, key)
    if len(listed) < 2:
        raise ctx.fail("config.out_of_range", key, value=len(listed), range="≥ 2")
    return listed


def flows(value: Any, ctx: TomlContext, key: str) -> FlowsConfig:
    if not isinstance(value, dict):
        raise ctx.fail("config.wrong_type", key, expected='{ path = "…", product = "…", '
                       'value = "…" }', got=type_name(value))
    reject_unknown(value, ("path", "product", "value", "region", "year"), ctx, key)
    for required in ("path", "product", "value"):
        if required not in value:
            raise InputError("config.missing_key", file=ctx.path, key=f"{key}.{required}")
    fields_: dict[str, Any] = {name: string(text, ctx, f"{key}.{name}")
                               for name, text in value.items()}
    fields_["path"] = (ctx.path.parent / fields_["path"]).resolve()
    return FlowsConfig(**fields_)


def study_id(value: Any, ctx: TomlContext, key: str) -> str:
    text = string(value, ctx, key)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}", text):
        raise ctx.fail("config.bad_study_id", key, value=text)
    return text


def folder(value: Any, ctx: TomlContext, key: str) -> Path:
    """A folder relative to the config file, which must exist."""
    found = (ctx.path.parent / string(value, ctx, key)).resolve()
    if not found.is_dir():
        raise ctx.fail("config.no_folder", key, folder=found)
    return found


def reject_unknown(table: Mapping[str, Any], known: set[str] | tuple[str, ...],
                   ctx: TomlContext, prefix: str) -> None:
    """An unknown key is an error naming the closest known one."""
    for key in table:
        if key not in known:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.5)
            dotted = f"{prefix}.{key}" if prefix else key
            raise ctx.fail("config.unknown_key", dotted,
                           suggestion=close[0] if close else "—",
                           known=", ".join(sorted(known)))

