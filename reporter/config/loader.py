"""Read the study TOML and build its `Config`: each section's keys checked against the
schema, section by section, then the checks across keys (validation)."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from reporter.bundled import DEFAULT_CONFIG
from reporter.config.checks import TomlContext, choice, reject_unknown, type_name
from reporter.config.indices import INDEX_KINDS, INDEX_METHODS, IndexConfig
from reporter.config.schema import INDEX_KEYS, SCHEMA, TABLES, VARIABLE_FIELDS, VARIABLE_KEYS
from reporter.config.types import (
    Config,
    DataConfig,
    InferenceConfig,
    ModelConfig,
    PrepareConfig,
    ReportConfig,
    StatusConfig,
    StudyConfig,
    VariableConfig,
)
from reporter.config.validation import check_build_order, check_index, check_model_roles
from reporter.errors import InputError


def _section(raw: Mapping[str, Any], name: str, ctx: TomlContext) -> dict[str, Any]:
    table = raw.get(name, {})
    if not isinstance(table, dict):
        raise ctx.fail("config.wrong_type", name, expected="table / 表", got=type_name(table))
    spec = SCHEMA[name]
    reject_unknown(table, tuple(spec), ctx, name)
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
    ctx = TomlContext(path, text)
    reject_unknown(raw, TABLES, ctx, "")
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

    variables = _variables(raw.get("variables", {}), ctx)
    check_model_roles(model, ctx)
    indices = _indices(raw.get("indices", {}), ctx)
    check_build_order(prepare, indices, ctx)
    return Config(path=path, study=study, data=data, model=model, prepare=prepare,
                  report=report, status=status, inference=inference,
                  variables=MappingProxyType(variables),
                  raw=MappingProxyType(raw), indices=indices, sha256=digest)


def _named_tables(raw: Any, section: str,
                  ctx: TomlContext) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(name, dotted key, table) of each `[<section>.<name>]`, each checked to be a table."""
    if not isinstance(raw, dict):
        raise ctx.fail("config.wrong_type", section, expected="table / 表", got=type_name(raw))
    for name, table in raw.items():
        dotted = f"{section}.{name}"
        if not isinstance(table, dict):
            raise ctx.fail("config.wrong_type", dotted, expected="table / 表",
                           got=type_name(table))
        yield name, dotted, table


def _variables(raw: Any, ctx: TomlContext) -> dict[str, VariableConfig]:
    """`[variables.<column>]` tables: labels, units, direction and themes of columns."""
    variables: dict[str, VariableConfig] = {}
    for name, dotted, table in _named_tables(raw, "variables", ctx):
        reject_unknown(table, tuple(VARIABLE_KEYS), ctx, dotted)
        variables[name] = VariableConfig(**{
            VARIABLE_FIELDS.get(key, key): check(table[key], ctx, f"{dotted}.{key}")
            for key, (check, _) in VARIABLE_KEYS.items() if key in table})
    return variables


def _indices(raw: Any, ctx: TomlContext) -> Mapping[str, IndexConfig]:
    """`[indices.<name>]` tables, each checked against the keys its method takes."""
    out: dict[str, IndexConfig] = {}
    for name, dotted, table in _named_tables(raw, "indices", ctx):
        if "method" not in table:
            raise InputError("config.missing_key", file=ctx.path, key=f"{dotted}.method")
        method = choice(INDEX_METHODS)(table["method"], ctx, f"{dotted}.method")
        spec = INDEX_KEYS[method]
        reject_unknown(table, ("method", *spec), ctx, dotted)
        values: dict[str, Any] = {}
        for key, (check, required) in spec.items():
            if key in table:
                values[key] = check(table[key], ctx, f"{dotted}.{key}")
            elif required:
                raise InputError("config.missing_key", file=ctx.path, key=f"{dotted}.{key}")
        index = INDEX_KINDS[method](name=name, **values)
        check_index(index, ctx)
        out[name] = index
    return MappingProxyType(out)
