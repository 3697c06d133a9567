"""The models a run can report, in one catalogue that every stage reads: which family
estimates it, whether the wild cluster bootstrap tests its core coefficient (a two-way FE
model with the contract's clustered errors), whether it is an alternative specification of
the core effect (a row of the robustness table, counted in the agreement of the core
finding), and which table of the brief shows it. Adding a model is its builder in its
family's module and one entry here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ModelSpec:
    id: str
    family: str
    bootstrapped: bool = False  # two-way FE, clustered: the wild bootstrap tests its core
    alternative: bool = False  # another specification of the core effect (robustness)
    table: str | None = None  # the brief's table that shows it
    endogeneity: bool = False  # aimed at reverse causality: a causal reading needs it to hold


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("pooled_ols", "selection", table="selection"),
    ModelSpec("fe_entity", "selection", table="selection"),
    ModelSpec("re", "selection", table="selection"),
    ModelSpec("baseline", "baseline", bootstrapped=True, table="baseline"),
    ModelSpec("baseline_controls", "baseline", bootstrapped=True, table="baseline"),
    ModelSpec("robustness_winsorized", "robustness", bootstrapped=True, alternative=True,
              table="robustness"),
    ModelSpec("robustness_lagged_core", "robustness", bootstrapped=True, alternative=True,
              table="robustness", endogeneity=True),
    ModelSpec("robustness_drop_first_year", "robustness", bootstrapped=True,
              alternative=True, table="robustness"),
    ModelSpec("robustness_drop_last_year", "robustness", bootstrapped=True, alternative=True,
              table="robustness"),
    ModelSpec("robustness_driscoll_kraay", "robustness", alternative=True,
              table="robustness"),
    ModelSpec("iv_2sls", "endogeneity", alternative=True, table="iv", endogeneity=True),
    ModelSpec("iv_first_stage", "endogeneity", table="iv"),
    ModelSpec("fgls", "robustness", alternative=True, table="robustness"),
    ModelSpec("fgls_general", "robustness", alternative=True, table="robustness"),
    # the pooled model with core × group interactions (the equal-effects test); the
    # subsamples, heterogeneity_<level>, are PREFIXED below
    ModelSpec("heterogeneity_interaction", "heterogeneity", table="heterogeneity"),
)
# families whose ids carry a variable or a level: moderation_<MOD>, mechanism_<M>_a/_b,
# heterogeneity_<level> and heterogeneity_interaction
PREFIXED = {"moderation_": ModelSpec("moderation_", "moderation", bootstrapped=True,
                                     table="moderation"),
            "mechanism_": ModelSpec("mechanism_", "mechanisms", table="mechanisms"),
            # a group's subsample has a handful of clusters: its core is bootstrapped
            "heterogeneity_": ModelSpec("heterogeneity_", "heterogeneity", bootstrapped=True,
                                        table="heterogeneity")}
BY_ID = {spec.id: spec for spec in MODELS}

# the alternatives, in the order the robustness table lists them under the main model
ALTERNATIVES: tuple[str, ...] = tuple(s.id for s in MODELS if s.alternative)
# the main two-way model, the one the findings grade: with controls, else core only
MAIN_MODELS: tuple[str, ...] = ("baseline_controls", "baseline")


def main_id(ids: Iterable[str]) -> str | None:
    """The main two-way model among `ids`: `baseline_controls`, or `baseline` in a study
    without controls (None when neither was estimated)."""
    present = set(ids)
    return next((i for i in MAIN_MODELS if i in present), None)


def robustness_rows(ids: Iterable[str]) -> tuple[str, ...]:
    """The robustness table's rows among `ids`: the main model (the reference), then the
    alternatives that were estimated."""
    present = list(ids)
    main = main_id(present)
    return (*((main,) if main else ()), *(i for i in ALTERNATIVES if i in present))
ENDOGENEITY_CHECKS: tuple[str, ...] = tuple(s.id for s in MODELS if s.endogeneity)


def spec(model_id: str) -> ModelSpec | None:
    """The catalogue entry of a model id (a prefixed family's for its ids), or None."""
    if model_id in BY_ID:
        return BY_ID[model_id]
    return next((s for prefix, s in PREFIXED.items() if model_id.startswith(prefix)), None)


def bootstrapped(model_id: str) -> bool:
    found = spec(model_id)
    return found is not None and found.bootstrapped
