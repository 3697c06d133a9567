"""The keys the study TOML may hold: section -> key -> (value checker, required), the keys
of `[variables.<column>]`, and those of `[indices.<name>]` by method."""

from __future__ import annotations

from reporter import literals
from reporter.config.checks import (
    Check,
    at_least,
    boolean,
    choice,
    components,
    extrapolate,
    flows,
    folder,
    formats,
    groups,
    header,
    integer,
    interpolate,
    label,
    levels,
    markers,
    names,
    new_columns,
    number,
    reps,
    sections,
    string,
    study_id,
    themes,
    winsorize,
)
from reporter.config.indices import HIERARCHIES, POOLINGS

Keys = dict[str, tuple[Check, bool]]  # key -> (check, required)

# section -> key -> (check, required)
SCHEMA: dict[str, Keys] = {
    "study": {"id": (study_id, True), "title": (label, True), "region": (label, True),
              "entities": (label, False), "issuer": (label, False), "topic": (label, False),
              "document_number": (string, False), "data_cutoff": (label, False),
              "year": (integer, True), "illustrative": (boolean, False),
              "jurisdictions": (boolean, False)},
    "data": {"path": (string, True), "entity": (string, True), "time": (string, True),
             "sheet": (string, False), "entity_names_en": (string, False),
             "header": (header, False), "layout": (choice(literals.LAYOUTS), False),
             "missing_markers": (markers, False), "total": (string, False),
             "exclude": (names, False), "source": (label, False)},
    "prepare": {"winsorize": (winsorize, False), "interpolate": (interpolate, False),
                "missing": (choice(literals.MISSING), False),
                "extrapolate": (extrapolate, False), "ratio": (new_columns(2), False),
                "log": (new_columns(1), False), "growth": (new_columns(1), False),
                "lag": (new_columns(1), False)},
    "model": {"dependent": (string, True), "core": (string, True), "controls": (names, False),
              "moderators": (names, False), "instruments": (names, False),
              "cluster": (choice(literals.CLUSTER_BY), False),
              "singletons": (choice(literals.SINGLETONS), False),
              "mediators": (names, False), "heterogeneity": (string, False)},
    "report": {"significance": (number, False),
               "parentheses": (choice(literals.PARENTHESES), False),
               "templates": (folder, False), "sections": (sections, False),
               "formats": (formats, False)},
    "status": {"share": (string, False), "focus": (names, False)},
    "inference": {"bootstrap": (boolean, False), "reps": (reps, False),
                  "seed": (at_least(0), False),
                  "weights": (choice(literals.BOOT_WEIGHTS), False)},
}
VARIABLE_KEYS: Keys = {
    "label": (label, False), "unit": (label, False), "source": (label, False),
    "better": (choice(literals.BETTER), False), "lever": (boolean, False),
    "levels": (levels, False), "theme": (themes, False), "log_of": (string, False),
    "article": (choice(("the", "none")), False)}
VARIABLE_FIELDS = {"theme": "themes"}  # config key -> VariableConfig field, where they differ
_POOLED: Keys = {"pooling": (choice(POOLINGS), False), "shift": (at_least(0.0), False)}
_TRADE: Keys = {
    "exports": (string, True), "imports": (string, True), "total_exports": (string, True),
    "reference_exports": (string, False), "reference_total": (string, False)}
# method -> key -> (check, required); `method` itself is required everywhere
INDEX_KEYS: dict[str, Keys] = {
    "entropy": {"columns": (names, True), "negative": (names, False),
                "groups": (groups, False), "hierarchy": (choice(HIERARCHIES), False),
                **_POOLED},
    "tc": {k: _TRADE[k] for k in ("exports", "imports")},
    "ms": {k: _TRADE[k] for k in ("exports", "reference_exports")},
    "rca": {k: _TRADE[k] for k in ("exports", "total_exports", "reference_exports",
                                   "reference_total")},
    "trade_entropy": {**_TRADE, "components": (components, False), **_POOLED},
    "deviation": {"column": (string, True), "base_year": (integer, True)},
    "expy": {"flows": (flows, True), "income": (string, True)},
    "reflections": {"flows": (flows, True), "max_iter": (at_least(1), False),
                    "tol": (at_least(0.0, strict=True), False)},
}
TABLES = (*SCHEMA, "variables", "indices")  # the top-level tables a study may have
