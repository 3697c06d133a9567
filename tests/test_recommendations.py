"""The editor-owned recommendation catalogue (templates/recommendations.toml) is well formed,
its conditions run on every shape of facts the findings stage produces, and it picks
sensible entries for strong, absent and negative core evidence."""

from __future__ import annotations

import re
import string
import tomllib
from typing import Any

import pytest

from reporter.config import load_config
from reporter.errors import InputError
from reporter.findings import evaluate, load_rules, recommendation_facts, recommendations
from reporter.render.html import DEFAULT_TEMPLATES
from reporter.results import Finding
from tests.studies import ROOT

ALLOWED = {"core", "dependent", "region", "leader", "laggards", "item", "strongest", "weakest",
           "limits", "topic", "noun", "nouns", "each_period"}
GRADED = ("strong", "suggestive")
SCALE_UP = {"clusters_and_scale", "firm_cultivation", "digital_real_integration",
            "innovation_capacity", "finance_for_growth", "openness_and_investment",
            "talent_pipeline", "infrastructure_links",
            "brands_and_marketing", "digital_infrastructure_and_finance",
            "strengthen_moderator", "channel_productivity", "channel_innovation",
            "channel_other"}
FORBIDDEN = re.compile(r"\bprov(e|es|ed|en|ing)\b|verif|confirm|证明|证实|验证", re.IGNORECASE)

RULES = load_rules()
CATALOGUE = RULES.recommendations
FILE = RULES.sources["recommendations"]


# --- constructed findings, shaped like reporter.findings.findings() output ----------------

def _core(grade: str, direction: str = "positive", *, few_clusters: bool = False,
          weak_instrument: bool = False, causal: bool = True) -> Finding:
    estimate = 0.12 if direction == "positive" else -0.12
    p = {"strong": 0.004, "suggestive": 0.07, "none": 0.42}[grade]
    warnings = [name for name, on in (("few_clusters", few_clusters),
                                      ("weak_instrument", weak_instrument)) if on]
    return Finding(key="core_effect", grade=grade, model="baseline_controls", variable="ec",
                   params={"p": p, "estimate": estimate, "ci_low": estimate - 0.05,
                           "ci_high": estimate + 0.05, "direction": direction,
                           "baseline_all_significant": grade == "strong",
                           "sign_stable": True, "robust_share": 0.8, "n_specs": 5,
                           "n_agreeing": 4, "iv_p": 0.01, "first_stage_f": 25.0,
                           "first_stage_f_cluster": 6.0 if weak_instrument else 22.0,
                           "n_clusters": 12 if few_clusters else 40, "max_vif": 3.2,
                           "model": "baseline_controls", "alpha": 0.05,
                           "few_clusters": few_clusters, "weak_instrument": weak_instrument,
                           "high_vif": False, "warnings": warnings,
                           "endogeneity_holds": causal,
                           "endogeneity_failed": [] if causal else ["iv_2sls"]})


def _moderation(name: str, grade: str, estimate: float) -> Finding:
    return Finding(key="moderation", grade=grade, model=f"moderation_{name}", variable=name,
                   params={"alpha": 0.05, "p": 0.01 if grade == "strong" else 0.3,
                           "estimate": estimate, "n_clusters": 29,
                           "direction": "positive" if estimate > 0 else "negative"})


def _mechanism(name: str, grade: str, indirect: float = 0.03) -> Finding:
    return Finding(key="mechanism", grade=grade, model=f"mechanism_{name}_b", variable=name,
                   params={"alpha": 0.05, "p": 0.02 if grade == "strong" else 0.4,
                           "indirect": indirect, "a_p": 0.01, "b_p": 0.03,
                           "direction": "positive" if indirect > 0 else "negative"})


def _heterogeneity(grade: str) -> Finding:
    return Finding(key="heterogeneity", grade=grade, model="heterogeneity_interaction",
                   variable="ec", params={"alpha": 0.05,
                                          "p": 0.01 if grade == "strong" else 0.5,
                                          "n_groups": 3, "strongest": "East",
                                          "strongest_estimate": 0.2, "weakest": "West",
                                          "weakest_estimate": 0.05})


def _context(change: float = 0.05, laggards: tuple[str, ...] = ("丽水市", "衢州市")
             ) -> list[Finding]:
    return [
        Finding(key="robustness", grade="fact", model="", variable="ec",
                params={"n_specs": 5, "n_agreeing": 4, "loo_min": 0.08, "loo_max": 0.15}),
        Finding(key="trend", grade="fact", model="", variable="compet",
                params={"first_year": 2013, "last_year": 2023, "first": 0.30,
                        "last": 0.30 + change, "change": change}),
        Finding(key="ranking", grade="fact", model="", variable="compet",
                params={"year": 2023, "leader": "杭州市", "leader_value": 0.7,
                        "laggard": "丽水市", "laggard_value": 0.1, "gap": 0.6,
                        "laggards": list(laggards)}),
    ]


CASES: dict[str, list[Finding]] = {
    "strong_positive": [
        _core("strong", few_clusters=True), *_context(),
        _moderation("ecpv", "strong", 0.4), _moderation("ecpc", "suggestive", -0.2),
        _mechanism("tfp", "strong"), _heterogeneity("strong")],
    "suggestive_positive_with_channels": [
        _core("suggestive"), *_context(),
        _mechanism("tfp", "suggestive"), _mechanism("innov", "strong"),
        _mechanism("other_channel", "strong"), _mechanism("weak_channel", "none")],
    "none": [
        _core("none", weak_instrument=True), *_context(change=-0.02),
        _moderation("ecpv", "none", 0.1), _mechanism("tfp", "none"),
        _heterogeneity("none")],
    "negative": [
        _core("strong", "negative"), *_context(change=-0.1),
        _moderation("ecpv", "strong", -0.3), _mechanism("tfp", "strong", -0.02),
        _heterogeneity("suggestive")],
    "bare": [_core("strong"), *_context(laggards=())],
}


def _facts(found: list[Finding], study: str) -> dict[str, Any]:
    facts = recommendation_facts(found)
    facts["study"] = study
    facts["themes"] = ["trade", "digital"]
    if "core" in facts:
        facts["core"] = {**facts["core"], "lever": True, "themes": ["scale_clusters"]}
    for family in ("moderation", "mechanism"):
        facts[family] = {name: {**item, "lever": True, "themes": list(THEMES.get(name, ()))}
                         for name, item in facts[family].items()}
    return facts


# what the constructed findings' variables are about (variables.<name>.theme)
THEMES = {"compet": ("trade", "markets", "upgrading"), "ec": ("scale_clusters", "firms"),
          "ecpv": ("trade",), "ecpc": ("upgrading", "supply_chain"), "tfp": ("productivity",),
          "innov": ("innovation",)}


def _with_levers(levers: tuple[str, ...], themes: dict[str, tuple[str, ...]] | None = None):
    """The default study's config with `levers` declared policy levers (and no others) and
    the variables about `themes` (THEMES by default), with moderators and mediators as the
    constructed findings have them."""
    import dataclasses
    from types import MappingProxyType

    from reporter.config import VariableConfig

    config = load_config(None)
    themes = THEMES if themes is None else themes
    variables = {name: dataclasses.replace(spec, lever=False, themes=())
                 for name, spec in config.variables.items()}
    for name in levers:
        variables[name] = dataclasses.replace(variables.get(name, VariableConfig()), lever=True)
    for name, about in themes.items():
        variables[name] = dataclasses.replace(variables.get(name, VariableConfig()),
                                              themes=about)
    model = dataclasses.replace(config.model, moderators=("ecpv", "ecpc"),
                                mediators=("tfp", "innov", "other_channel", "weak_channel"))
    return dataclasses.replace(config, variables=MappingProxyType(variables), model=model)


LEVERS = ("ec", "ecpv", "ecpc", "tfp", "innov", "other_channel")


def _chosen(found: list[Finding], levers: tuple[str, ...] = LEVERS,
            themes: dict[str, tuple[str, ...]] | None = None) -> list[dict[str, Any]]:
    return list(recommendations(found, RULES, _with_levers(levers, themes)))


def _ids(found: list[Finding]) -> set[str]:
    return {c["id"] for c in _chosen(found)}


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


# --- structure ------------------------------------------------------------------------------

def test_catalogue_loads_with_enough_entries():
    assert FILE.name == "recommendations.toml"
    assert 20 <= len(CATALOGUE) <= 40


def test_every_entry_is_complete_and_ids_are_unique():
    raw = tomllib.loads(FILE.read_text(encoding="utf-8"))["recommendation"]
    ids = [entry["id"] for entry in raw]
    assert len(ids) == len(set(ids))
    for entry in raw:
        for key in ("id", "when", "zh", "en"):
            assert isinstance(entry.get(key), str) and entry[key].strip(), (entry, key)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", entry["id"]), entry["id"]
        assert entry.get("for_each") in (None, "moderation", "mechanism"), entry["id"]
        assert set(entry) <= {"id", "when", "zh", "en", "for_each", "themes"}, entry["id"]


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e["id"])
def test_placeholders_are_allowed_and_match(entry):
    zh, en = _placeholders(entry["zh"]), _placeholders(entry["en"])
    assert zh <= ALLOWED and en <= ALLOWED, (zh, en)
    assert zh - {"noun", "nouns"} == en - {"noun", "nouns"}
    assert all(field for field in zh | en), "empty {} placeholder"
    if "item" in zh:
        assert entry.get("for_each"), "{item} is only filled in for_each entries"
    fill = {name: f"<{name}>" for name in ALLOWED}
    for lang in ("zh", "en"):
        text = entry[lang].format(**fill)
        assert "{" not in text and "}" not in text


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e["id"])
def test_wording_does_not_overclaim(entry):
    for lang in ("zh", "en"):
        assert not FORBIDDEN.search(entry[lang]), (entry["id"], lang)
        assert "p =" not in entry[lang] and "p值" not in entry[lang] and "p 值" not in entry[lang]


# --- conditions -----------------------------------------------------------------------------

@pytest.mark.parametrize("study", ["zhejiang-hightech", "provinces-resilience"])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e["id"])
def test_every_condition_evaluates(entry, case, study):
    facts = _facts(CASES[case], study)
    family = entry.get("for_each")
    items = list(facts[family].items()) if family else [(None, None)]
    for name, item in items:
        result = evaluate(entry["when"], {**facts, "item": item, "item_name": name},
                          file=FILE, key=entry["id"])
        assert isinstance(result, bool)


def test_conditions_survive_missing_trend_and_ranking():
    facts = _facts([_core("strong")], "zhejiang-hightech")
    assert "trend" not in facts and "ranking" not in facts
    for entry in CATALOGUE:
        family = entry.get("for_each")
        for name, item in (facts[family].items() if family else [(None, None)]):
            evaluate(entry["when"], {**facts, "item": item, "item_name": name},
                     file=FILE, key=entry["id"])


# --- selections -----------------------------------------------------------------------------

def test_strong_positive_selects_a_full_set():
    chosen = _chosen(CASES["strong_positive"])
    ids = [c["id"] for c in chosen]
    assert len(ids) >= 5
    for expected in ("clusters_and_scale", "firm_cultivation", "brands_and_marketing",
                     "leader_laggard_coordination", "regional_differentiation",
                     "phase_in_with_reviews"):
        assert expected in ids
    assert "cautious_when_ungraded" not in ids and "review_negative_core" not in ids
    pairs = {(c["id"], c["item"]) for c in chosen}
    assert ("strengthen_moderator", "ecpv") in pairs
    assert ("complexity_with_supply_chain_security", "ecpc") in pairs
    assert ("strengthen_moderator", "ecpc") not in pairs
    assert ("channel_productivity", "tfp") in pairs


def test_channels_follow_their_mediators():
    pairs = {(c["id"], c["item"]) for c in _chosen(CASES["suggestive_positive_with_channels"])}
    assert ("channel_productivity", "tfp") in pairs
    assert ("channel_innovation", "innov") in pairs
    assert ("channel_other", "other_channel") in pairs
    assert not any(item == "weak_channel" for _, item in pairs)
    assert ("phase_in_with_reviews", None) in pairs


def test_no_evidence_is_cautious_and_does_not_scale_up():
    ids = _ids(CASES["none"])
    assert "cautious_when_ungraded" in ids
    assert not ids & SCALE_UP
    assert "review_negative_core" not in ids


def test_negative_evidence_reviews_instead_of_scaling_up():
    ids = _ids(CASES["negative"])
    assert "review_negative_core" in ids and "diversify_products_and_markets" in ids
    assert not ids & SCALE_UP
    assert "cautious_when_ungraded" not in ids


def test_bare_case_without_laggards_or_groups():
    ids = _ids(CASES["bare"])
    assert "leader_laggard_coordination" not in ids
    assert "regional_differentiation" not in ids
    assert "clusters_and_scale" in ids
    assert "phase_in_with_reviews" not in ids


def test_advice_to_raise_a_variable_needs_a_declared_lever():
    """`variables.<name>.lever`: only a variable policy can move is one to build, raise or
    spend on; without levers the strong case keeps its evidence-level advice."""
    pairs = {(c["id"], c["item"]) for c in _chosen(CASES["strong_positive"], levers=())}
    ids = {i for i, _ in pairs}
    assert not ids & {"clusters_and_scale", "strengthen_moderator", "channel_productivity",
                      "complexity_with_supply_chain_security"}
    assert "phase_in_with_reviews" in ids
    ungraded = [_core("none"), *_context()]
    assert "monitor_when_ungraded" in {c["id"] for c in _chosen(ungraded, levers=())}
    assert "cautious_when_ungraded" not in {c["id"] for c in _chosen(ungraded, levers=())}
    assert "cautious_when_ungraded" in {c["id"] for c in _chosen(ungraded)}


def test_advice_to_expand_the_core_needs_the_endogeneity_checks():
    """An association (the lagged core or the 2SLS disagree) gets a pilot with an evaluation,
    never the advice to build the core up to raise the dependent (issue 17)."""
    causal = {c["id"] for c in _chosen([_core("suggestive"), *_context()])}
    associated = {c["id"] for c in _chosen([_core("suggestive", causal=False), *_context()])}
    assert "clusters_and_scale" in causal and "test_before_scaling" not in causal
    assert "clusters_and_scale" not in associated and "test_before_scaling" in associated


def test_each_recommendation_names_the_findings_it_rests_on():
    """Issue 17: a recommendation cites, by number, the findings its condition reads (or
    its `basis`), as the brief's findings list numbers them."""
    from reporter import api
    from reporter.findings import basis_of

    analysis = api.analyse(ROOT / "data" / "provinces_resilience.toml")
    numbers = {(f["key"], f["variable"]): i for i, f in enumerate(analysis.findings(), 1)}
    for chosen in analysis.recommendations():
        cited = sorted(numbers[tuple(k)] for k in chosen["findings"])
        assert cited, chosen["id"]
        assert f"(Findings: {', '.join(map(str, cited))}.)" in chosen["text"]["en"]
        assert f"第 {'、'.join(map(str, cited))} 条" in chosen["text"]["zh"]
    moderated = next(c for c in analysis.recommendations() if c["id"] == "strengthen_moderator")
    assert ["moderation", moderated["item"]] in moderated["findings"]
    assert basis_of({"when": "ranking.laggards|length > 0"}) == ["ranking"]
    assert basis_of({"when": "core.grade == 'x'", "basis": ["trend"]}) == ["trend"]
    # of `a or b or c`, only the alternatives that hold are cited
    when = {"when": "(trend.worsening) or (core.effect == 'adverse' or x) or ranking.gap > 1"}
    assert basis_of(when, lambda clause: clause.startswith("ranking")) == ["ranking"]
    assert basis_of(when, lambda clause: "core" in clause) == ["core_effect"]
    assert basis_of(when) == ["core_effect", "ranking", "trend"]


@pytest.mark.parametrize(("line", "named"), [
    ('basis = ["nonsense"]', ("basis", "core_effect")),
    ('themes = ["tourism"]', ("themes", "digital"))])  # outside the themes' vocabulary
def test_a_basis_or_theme_must_be_known(tmp_path, line, named):
    (tmp_path / "recommendations.toml").write_text(
        f'[[recommendation]]\nid = "x"\nzh = "甲"\nen = "a"\n{line}\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_rules([tmp_path, DEFAULT_TEMPLATES])
    assert all(word in info.value.bilingual() for word in named)


# --- themes (issue 15: what the study measures decides which advice can apply) ---------------

# words that tie advice to a subject: an entry using them must declare the themes it is for
SUBJECT_WORDS = re.compile(r"\bfirms?\b|\bparks?\b|industr|digital|5G|cluster|export|brand|R&D|"
                           r"企业|园区|产业|数字|集群|出口|品牌|研发", re.IGNORECASE)


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: e["id"])
def test_an_entry_without_themes_names_no_subject(entry):
    """An entry for any study names no industry, firm, park or market: a wage or crime
    study must not be told to build clusters (issues 15 and 21)."""
    if entry.get("themes"):
        return
    for lang in ("zh", "en"):
        fill = {name: "" for name in ALLOWED}
        assert not SUBJECT_WORDS.search(entry[lang].format(**fill)), (entry["id"], lang)


def test_themes_decide_which_advice_applies():
    """The same strong evidence: with the study's themes the topical entries; without
    any, only the entries that fit every study, and a coordination entry without parks."""
    topical = {c["id"] for c in _chosen(CASES["strong_positive"])}
    assert {"clusters_and_scale", "firm_cultivation", "brands_and_marketing",
            "leader_laggard_coordination"} <= topical
    assert "learn_from_leader" not in topical and "digital_real_integration" not in topical
    bare = {c["id"] for c in _chosen(CASES["strong_positive"], themes={})}
    assert bare == {"regional_differentiation", "learn_from_leader", "phase_in_with_reviews",
                    "strengthen_moderator", "channel_other"}
    for entry_id in bare:
        entry = next(e for e in CATALOGUE if e["id"] == entry_id)
        assert not entry.get("themes")


def test_a_digital_core_gets_digital_advice_and_not_cluster_advice():
    about = {"compet": ("trade",), "ec": ("digital",)}
    ids = {c["id"] for c in _chosen(CASES["strong_positive"], themes=about)}
    assert {"digital_real_integration", "digital_infrastructure_and_finance"} <= ids
    assert not ids & {"clusters_and_scale", "firm_cultivation", "brands_and_marketing"}


def test_for_each_entries_read_the_item_themes():
    """The supply-chain entry goes to a moderator about supply chains, the generic one to
    the others; a channel's entry follows its mediator's theme, not its column name."""
    about = {"ec": ("scale_clusters",), "ecpv": ("supply_chain",), "ecpc": (),
             "tfp": ("innovation",), "innov": ("productivity",)}
    found = [*CASES["strong_positive"], _mechanism("innov", "strong")]
    pairs = {(c["id"], c["item"]) for c in _chosen(found, themes=about)}
    assert ("complexity_with_supply_chain_security", "ecpv") in pairs
    assert ("strengthen_moderator", "ecpv") not in pairs
    assert ("channel_innovation", "tfp") in pairs and ("channel_productivity", "innov") in pairs


def test_limits_name_what_holds():
    """{limits} lists the limits of the core evidence that hold, not a generic list."""
    import dataclasses

    from reporter import api
    from reporter.render.brief import _limits
    from reporter.render.i18n import Translator, load_catalogue

    analysis = api.analyse(ROOT / "data" / "provinces_resilience.toml")
    t = Translator(load_catalogue(list(analysis.template_dirs), "en"), "en",
                   analysis.config.wording()["en"])
    results = analysis.results
    assert _limits(results, t) == "only 29 provinces"
    core = next(f for f in results.findings if f.key == "core_effect")
    weak = dataclasses.replace(core, params={**core.params, "weak_instrument": True,
                                             "few_clusters": False,
                                             "first_stage_f_cluster": 4.2})
    other = dataclasses.replace(results, findings=tuple(
        weak if f is core else f for f in results.findings))
    assert _limits(other, t) == "a weak instrument, cluster-robust first-stage F 4.2"


def _better(better: str):
    """The default study's config (levers and themes as THEMES) with the dependent good
    the given way."""
    import dataclasses
    from types import MappingProxyType

    config = _with_levers(LEVERS)
    variables = dict(config.variables)
    variables["compet"] = dataclasses.replace(variables["compet"], better=better)
    return dataclasses.replace(config, variables=MappingProxyType(variables))


def test_a_sign_is_read_against_which_way_the_dependent_is_good():
    """Corpus: more arrests with less crime is the aim, not a reason to review policy; a
    dependent with no good direction gets no advice to raise or review anything."""
    falling = [_core("strong", "negative"), *_context(change=0.1)]
    lower = {c["id"] for c in recommendations(falling, RULES, _better("lower"))}
    assert "raise_core_to_reduce" in lower
    assert not lower & {"review_negative_core", "review_adverse_core", "structure_when_negative"}
    assert "diversify_products_and_markets" in lower  # a rising crime rate is a worsening
    higher = {c["id"] for c in recommendations(falling, RULES, _better("higher"))}
    assert {"review_negative_core", "structure_when_negative"} <= higher
    assert "raise_core_to_reduce" not in higher
    rising = [_core("strong", "positive"), *_context(change=0.1)]
    adverse = {c["id"] for c in recommendations(rising, RULES, _better("lower"))}
    assert "review_adverse_core" in adverse and not adverse & SCALE_UP
    for found in (falling, rising):
        neutral = {c["id"] for c in recommendations(found, RULES, _better("neither"))}
        assert "neutral_relationship" in neutral
        assert not neutral & (SCALE_UP | {"review_negative_core", "review_adverse_core",
                                          "raise_core_to_reduce", "test_before_scaling"})


def test_long_lists_of_lagging_entities_are_cut():
    from reporter.render.i18n import Translator, listed, load_catalogue

    names = [f"e{i}" for i in range(12)]
    en = Translator(load_catalogue([DEFAULT_TEMPLATES], "en"), "en")
    zh = Translator(load_catalogue([DEFAULT_TEMPLATES], "zh"), "zh",
                    {"noun": "县", "nouns": "县", "Noun": "县", "Nouns": "县", "whole": "全省",
                     "topic": "t"})
    assert listed(names, en) == "e0, e1, e2, e3, e4 and others, 12 in all"
    assert listed(names, zh) == "e0、e1、e2、e3、e4等 12 个县"
    assert listed(names[:5], en) == "e0, e1, e2, e3, e4"
