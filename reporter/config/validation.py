"""Checks across keys, after each value has passed its own: index references, the order
columns are built in, and one role per model variable."""

from __future__ import annotations

from collections.abc import Mapping

from reporter.config.checks import TomlContext
from reporter.config.indices import EntropyIndex, IndexConfig, RcaIndex, TradeEntropyIndex
from reporter.config.types import ModelConfig, PrepareConfig
from reporter.errors import InputError


def check_index(index: IndexConfig, ctx: TomlContext) -> None:
    """Directions and groups refer to listed indicators; reference totals come in pairs."""
    dotted = f"indices.{index.name}"
    if isinstance(index, EntropyIndex):
        for name in index.negative:
            if name not in index.columns:
                raise ctx.fail("config.not_listed", f"{dotted}.negative", name=name,
                               listed=f"{dotted}.columns")
        if index.groups:
            grouped = [c for cols in index.groups.values() for c in cols]
            stray = [c for c in grouped if c not in index.columns or grouped.count(c) > 1]
            unplaced = [c for c in index.columns if c not in grouped]
            if stray or unplaced:
                raise ctx.fail("config.bad_groups", f"{dotted}.groups",
                               name=(stray + unplaced)[0])
    if isinstance(index, RcaIndex | TradeEntropyIndex) and (
            (index.reference_exports is None) != (index.reference_total is None)):
        missing = "reference_total" if index.reference_total is None else "reference_exports"
        raise InputError("config.missing_key", file=ctx.path, key=f"{dotted}.{missing}")


def check_build_order(prepare: PrepareConfig, indices: Mapping[str, IndexConfig],
                      ctx: TomlContext) -> None:
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


def check_model_roles(model: ModelConfig, ctx: TomlContext) -> None:
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
