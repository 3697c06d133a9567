"""Parse and validate the study TOML once, into a frozen, typed object.

Every later stage receives a `Config`. Errors name the file, the key and its line, and an
unknown key comes with the closest known one, because a typo should cost a second, not a
silent default. The objects are in `types` and `indices`, the value checkers in `checks`,
the tables of keys in `schema`, the checks across keys in `validation`, and the reading in
`loader`; this module re-exports what the rest of the package imports.
"""

from __future__ import annotations

from reporter.bundled import DEFAULT_CONFIG
from reporter.config.checks import MAX_REPS, Check, TomlContext
from reporter.config.indices import (
    HIERARCHIES,
    INDEX_KINDS,
    INDEX_METHODS,
    POOLINGS,
    TRADE_COMPONENTS,
    DeviationIndex,
    EntropyIndex,
    ExpyIndex,
    FlowsConfig,
    Hierarchy,
    IndexConfig,
    IndexMethod,
    MsIndex,
    Pooling,
    RcaIndex,
    ReflectionsIndex,
    TcIndex,
    TradeEntropyIndex,
    TradeIndex,
)
from reporter.config.loader import load_config, read_toml
from reporter.config.schema import INDEX_KEYS, SCHEMA, VARIABLE_KEYS
from reporter.config.types import (
    DERIVED_LABELS,
    ENTITY_NOUNS,
    EXTRAPOLATIONS,
    LOG_MARK,
    PREPARE_KINDS,
    SECTIONS,
    UNITS_EN,
    Config,
    DataConfig,
    Extrapolate,
    InferenceConfig,
    Label,
    ModelConfig,
    PrepareConfig,
    ReportConfig,
    StatusConfig,
    StudyConfig,
    VariableConfig,
    header_unit,
)
from reporter.config.validation import check_build_order, check_index, check_model_roles

__all__ = [
    "DEFAULT_CONFIG",
    "DERIVED_LABELS",
    "ENTITY_NOUNS",
    "EXTRAPOLATIONS",
    "HIERARCHIES",
    "INDEX_KEYS",
    "INDEX_KINDS",
    "INDEX_METHODS",
    "LOG_MARK",
    "MAX_REPS",
    "POOLINGS",
    "PREPARE_KINDS",
    "SCHEMA",
    "SECTIONS",
    "TRADE_COMPONENTS",
    "UNITS_EN",
    "VARIABLE_KEYS",
    "Check",
    "Config",
    "DataConfig",
    "DeviationIndex",
    "EntropyIndex",
    "ExpyIndex",
    "Extrapolate",
    "FlowsConfig",
    "Hierarchy",
    "IndexConfig",
    "IndexMethod",
    "InferenceConfig",
    "Label",
    "ModelConfig",
    "MsIndex",
    "Pooling",
    "PrepareConfig",
    "RcaIndex",
    "ReflectionsIndex",
    "ReportConfig",
    "StatusConfig",
    "StudyConfig",
    "TcIndex",
    "TomlContext",
    "TradeEntropyIndex",
    "TradeIndex",
    "VariableConfig",
    "check_build_order",
    "check_index",
    "check_model_roles",
    "header_unit",
    "load_config",
    "read_toml",
]
