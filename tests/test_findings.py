"""Findings: grades follow the editor-owned rules, wording follows the grade, and the
numbers in the PDF's key messages are the numbers in results.json."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from studies import bundled_run

from reporter import pipeline
from reporter.config import load_config
from reporter.errors import InputError
from reporter.findings import evaluate, findings, load_rules
from reporter.render import fmt
from reporter.render.brief import _in_percent, _sentence
from reporter.render.html import DEFAULT_TEMPLATES
from reporter.render.i18n import Translator, load_catalogue

ROOT = Path(__file__).resolve().parent.parent
CITY = ROOT / "data" / "zhejiang_hightech.toml"
PROVINCE = ROOT / "data" / "provinces_resilience.toml"


@pytest.fixture(scope="module")
def city():
    config = load_config(CITY)
    return config, pipeline.analyse(config, pipeline.Timer())


def _regrade(results, config, rule_dirs):
    graded, recommended = findings(results.models, results.status, config, tests=results.tests,
                                   sensitivity=results.sensitivity, vif=results.vif,
                                   rule_dirs=rule_dirs)
    return replace(results, findings=graded, recommendations=recommended)


def _editor_rules(tmp_path: Path, strong: str, suggestive: str) -> list[Path]:
    (tmp_path / "rules.toml").write_text(
        f'[grade.core_effect]\nstrong = "{strong}"\nsuggestive = "{suggestive}"\n',
        encoding="utf-8")
    return [tmp_path, DEFAULT_TEMPLATES]


@pytest.mark.parametrize(("strong", "suggestive", "grade"), [
    ("true", "true", "strong"),
    ("false", "true", "suggestive"),
    ("false", "false", "none"),
])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_each_grade_gets_its_wording(tmp_path, city, strong, suggestive, grade, lang):
    config, results = city
    regraded = _regrade(results, config, _editor_rules(tmp_path, strong, suggestive))
    core = next(f for f in regraded.findings if f.key == "core_effect")
    assert core.grade == grade
    catalogue = load_catalogue([DEFAULT_TEMPLATES], lang)
    sentence = _sentence(core, regraded, config, Translator(catalogue, lang))
    causal = core.params["endogeneity_holds"] or grade == "none"  # else an association
    template = catalogue[f"finding.core_effect.{grade}.{core.params['direction']}"
                         f"{'' if causal else '_association'}"]
    opening = template.split("{")[0]
    assert sentence.startswith(opening)
    assert fmt.num(core.params["estimate"]) in sentence
    for other in {"strong", "suggestive", "none"} - {grade}:
        other_opening = catalogue[f"finding.core_effect.{other}.positive"].split("{")[0]
        assert not sentence.startswith(other_opening)


def test_editor_rules_override_only_what_they_name(tmp_path):
    rules = load_rules(_editor_rules(tmp_path, "false", "true"))
    assert rules.grades["core_effect"] == {"strong": "false", "suggestive": "true"}
    assert rules.grades["moderation"]["strong"] == "p_conservative < alpha"  # the default
    assert rules.max_key_messages == 5


def test_a_broken_rule_is_exit_2_naming_file_and_key(tmp_path, city):
    config, results = city
    dirs = _editor_rules(tmp_path, "p <", "true")
    with pytest.raises(InputError) as err:
        _regrade(results, config, dirs)
    assert err.value.exit_code == 2
    assert "grade.core_effect.strong" in err.value.message("en")
    assert "rules.toml" in err.value.message("zh")


def test_rules_cannot_reach_python():
    with pytest.raises(InputError):
        evaluate("''.__class__.__mro__[1].__subclasses__()", {}, file="x", key="k")


def test_default_grades_on_the_bundled_studies(city):
    _, results = city
    core = next(f for f in results.findings if f.key == "core_effect")
    # 12 clusters: the warning is attached whatever the grade.
    assert "few_clusters" in core.params["warnings"]
    assert core.params["robust_share"] == pytest.approx(
        core.params["n_agreeing"] / core.params["n_specs"])
    province_config = load_config(PROVINCE)
    province = pipeline.analyse(province_config, pipeline.Timer())
    keys = [f.key for f in province.findings]
    assert keys[:2] == ["core_effect", "robustness"]
    assert {"moderation", "heterogeneity"} <= set(keys)
    hetero = next(f for f in province.findings if f.key == "heterogeneity")
    assert hetero.grade == "strong" and hetero.params["strongest"] == "East"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.parametrize("study", [CITY, PROVINCE], ids=["city", "province"])
def test_key_message_numbers_match_results_json(tmp_path_factory, study):
    """Every number printed in the key messages is a number of results.json, rounded."""
    summary = bundled_run(study.stem, tmp_path_factory)
    results = json.loads((summary.output / "results.json").read_text(encoding="utf-8"))
    allowed = set()

    def values(node):  # every number in the params, nested ones included
        if isinstance(node, dict):
            for item in node.values():
                yield from values(item)
        elif isinstance(node, list):
            for item in node:
                yield from values(item)
        else:
            yield node

    # the findings' numbers, and the glance's: this year's total, its growth and the mean
    status = results["status"]
    glance = [*status.get("share_total", []), *status.get("dependent_mean", [])]
    allowed |= {fmt.percent(abs(g)).rstrip("%") for g in status.get("share_growth", [])
                if g is not None}
    config = load_config(study)  # the digits of a unit ("100 million yuan") are words
    for lang in ("zh", "en"):
        allowed |= set(re.findall(r"\d+", config.unit(status.get("share_column") or "", lang)
                                  or ""))
    for finding in [*results["findings"], {"params": glance}]:
        for value in values(finding["params"]):
            if isinstance(value, bool):
                continue
            if isinstance(value, float):
                allowed |= {fmt.num(value), fmt.num(value, 1), fmt.coef(value, 3),
                            fmt.coef(value, 2), fmt.p_clause(value).split()[-1]}
            elif isinstance(value, int):
                allowed.add(str(value))
    for lang in ("zh", "en"):
        text = subprocess.run(["pdftotext", "-f", "2", "-l", "2", "-layout",
                               str(summary.output / f"brief_{lang}.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        text = text.split("目录" if lang == "zh" else "Contents")[0]  # not the TOC's pages
        numbers = re.findall(r"[−-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"
                             r"|[−-]?\d+\.\d+(?:×10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)?"
                             r"|\b\d{2,4}\b(?!%)", text)
        assert numbers, text
        for number in numbers:
            number = number.replace("-", "−")
            assert number in allowed or number.lstrip("−") in allowed, (lang, number)


def test_year_over_year_section_when_last_years_results_exist(tmp_path):
    text = CITY.read_text(encoding="utf-8").replace(
        'path = "zhejiang_cities.csv"', f'path = "{(ROOT / "data" / "zhejiang_cities.csv")}"')
    last_year = tmp_path / "study_2022.toml"
    last_year.write_text(text.replace("year = 2023", "year = 2022"), encoding="utf-8")
    this_year = tmp_path / "study_2023.toml"
    this_year.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    first = pipeline.run(this_year, out, langs=("en",), formats=("json",))
    alone = json.loads((first.output / "results.json").read_text())
    assert "year_over_year" not in [f["key"] for f in alone["findings"]]
    pipeline.run(last_year, out, langs=("en",), formats=("json",))
    again = pipeline.run(this_year, out, langs=("en",), formats=("html",))
    results = json.loads((again.output / "results.json").read_text())
    change = next(f for f in results["findings"] if f["key"] == "year_over_year")
    previous = json.loads((out / "zhejiang-hightech" / "2022" / "results.json").read_text())
    before = next(f for f in previous["findings"] if f["key"] == "core_effect")
    assert change["params"]["previous_year"] == 2022
    assert change["params"]["previous_estimate"] == before["params"]["estimate"]
    html = (again.output / "brief_en.html").read_text(encoding="utf-8")
    assert "Compared with the 2022 brief" in html


def test_english_titles_opening_with_a_label_are_capitalised():
    """Labels are lower case (they sit mid-sentence); a title or sentence they open starts
    with a capital in English, and nothing else changes."""
    t = Translator({"title": "{variable} by region in {year}", "mid": "Trends in {variable}",
                    "num": "{n} regions"}, "en")
    assert t("title", variable="high-tech exports", year=2023) == \
        "High-tech exports by region in 2023"
    assert t("mid", variable="high-tech exports") == "Trends in high-tech exports"
    assert t("num", n=3) == "3 regions"
    zh = Translator({"title": "{variable}分地区排名"}, "zh")
    assert zh("title", variable="tc") == "tc 分地区排名"  # not capitalised (spaced: i18n.spaced)


def test_laggards_follow_which_way_is_better():
    """`variables.<name>.better`: lagging entities are the low ones when higher is better,
    the high ones when lower is (a crime or pollution rate), and none when neither."""
    from reporter.findings import laggards
    from reporter.results import EntityStatus, Status

    entities = tuple(EntityStatus(entity=name, names={"zh": name, "en": name}, value=value,
                                  rank=rank, change=None)
                     for rank, (name, value) in enumerate(
                         [("a", 9.0), ("b", 7.0), ("c", 5.0), ("d", 3.0), ("e", 1.0)], 1))
    status = Status(years=(2023,), dependent_mean=(5.0,), dependent_min=(1.0,),
                    dependent_max=(9.0,), core_mean=(0.0,), report_year=2023,
                    entities=entities)
    assert laggards(status, 0.25, "higher") == ["e"]
    assert laggards(status, 0.25, "lower") == ["a"]
    assert laggards(status, 0.25, "neither") == []


def test_category_levels_are_labelled_in_both_languages():
    from reporter import pipeline
    from reporter.config import load_config

    config = load_config(ROOT / "data" / "provinces_resilience.toml")
    results = pipeline.analyse(config, pipeline.Timer())
    labels = [m.label for m in results.models if m.id.startswith("heterogeneity_")
              and m.id != "heterogeneity_interaction"]
    assert any("东部" in label["zh"] for label in labels)
    assert all("East" not in label["zh"] for label in labels)
    ranking = next(f for f in results.findings if f.key == "ranking").params
    assert ranking["better"] == "higher" and ranking["best"] == ranking["leader"]
    from reporter.render.html import DEFAULT_TEMPLATES
    from reporter.render.i18n import Translator, load_catalogue
    from reporter.render.tables import build_tables

    table = build_tables(results, config, Translator(load_catalogue([DEFAULT_TEMPLATES], "zh"),
                                                     "zh"))["heterogeneity"]
    names = [row.cells[0].text for row in table.rows]
    assert "经济高质量发展新动能 × 东部" in names and not any("region_en" in n for n in names)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_robustness_counts_sign_and_significance_apart(city, lang):
    """Sign kept and significance counted separately and relative to the baseline's own
    significance; a leave-one-out range across zero names who flips it."""
    import dataclasses

    from reporter.render.brief import _sentence
    from reporter.render.html import DEFAULT_TEMPLATES
    from reporter.render.i18n import Translator, load_catalogue

    config, results = city
    t = Translator(load_catalogue([DEFAULT_TEMPLATES], lang), lang)
    found = next(f for f in results.findings if f.key == "robustness")
    text = _sentence(found, results, config, t)
    p = found.params
    assert p["n_same_sign"] >= p["n_agreeing"] and p["n_significant"] >= p["n_agreeing"]
    assert str(p["n_same_sign"]) in text and str(p["n_agreeing"]) in text
    weak = dataclasses.replace(found, params={**p, "baseline_significant": False,
                                              "n_same_sign": 6, "n_significant": 0,
                                              "loo_min": -0.05, "loo_max": 0.2,
                                              "loo_flip": results.status.entities[0].entity,
                                              "p": 0.3})
    text = _sentence(weak, results, config, t)
    assert ("not significant" in text) if lang == "en" else ("并不显著" in text)
    assert results.status.entities[0].names[lang] in text
    # significant by its clustered p but not by the most conservative one: said so, as the
    # key message before it printed the clustered p
    mixed = dataclasses.replace(weak, params={**weak.params, "p": 0.03, "p_conservative": 0.063})
    text = _sentence(mixed, results, config, t)
    assert ("not by its most conservative p-value (p = 0.063)" in text if lang == "en"
            else "按最保守的 p 值（p = 0.063）并不显著" in text), text


def test_a_hausman_statistic_outside_its_domain_gets_no_p_value():
    """V_FE - V_RE not positive definite (the province study: smallest eigenvalue < 0): the
    statistic is kept, no p-value is given, and the table says why (Stata warns; R's
    phtest prints a p-value regardless)."""
    import math

    import numpy as np

    from reporter.render.html import DEFAULT_TEMPLATES
    from reporter.render.i18n import Translator, load_catalogue
    from reporter.render.tables import tests_table

    config = load_config(ROOT / "data" / "provinces_resilience.toml")
    results = pipeline.analyse(config, pipeline.Timer())
    test = results.tests["hausman"]
    assert test.extra["applicable"] is False and math.isnan(test.p_value)
    assert test.extra["reason"] == "not_positive_definite" and test.extra["min_eigenvalue"] < 0
    assert np.isfinite(test.stat)
    table = tests_table(results, config, Translator(load_catalogue([DEFAULT_TEMPLATES], "en"),
                                                    "en"))
    row = next(r for r in table.rows if r.cells[0].text.startswith("Hausman")
               and "not applicable" in r.cells[4].text)
    assert row.cells[3].text == "—"


def test_a_failed_endogeneity_check_caps_the_grade_and_the_wording(city):
    """Zhejiang: the lagged core and the 2SLS do not agree with the baseline, so even with
    every other condition of `strong` met the grade stays below it, and the finding is
    worded as an association in both languages; with the checks holding it is an effect."""
    from reporter.findings import _grade, core_facts

    config, results = city
    by_id = {m.id: m for m in results.models}
    facts = core_facts(by_id, "ec", 0.05, 2.0)
    assert facts["endogeneity_checks"] == ["robustness_lagged_core", "iv_2sls"]
    assert facts["endogeneity_failed"] == ["robustness_lagged_core", "iv_2sls"]
    assert facts["endogeneity_holds"] is False
    rules = load_rules([DEFAULT_TEMPLATES])
    everything_else = {**facts, "alpha": 0.05, "p_conservative": 1e-6, "robust_share": 1.0,
                       "baseline_all_significant": True, "weak_instrument": False}
    assert _grade(rules, "core_effect", everything_else) == "suggestive"
    assert _grade(rules, "core_effect", {**everything_else, "endogeneity_holds": True}) == \
        "strong"
    core = next(f for f in results.findings if f.key == "core_effect")
    for lang, word, effect in (("en", "association", "effect of scale economies on"),
                               ("zh", "正相关", "提升")):
        text = _sentence(core, results, config, Translator(
            load_catalogue([DEFAULT_TEMPLATES], lang), lang))
        assert word in text and effect not in text, (lang, text)
        assert "0.038" in text and "0.090" in text  # the checks that fail, with their numbers


def test_agreement_counts_only_specifications_with_the_baselines_effects(city):
    """xtgls (no entity effects) is shown but not counted; the count names who disagrees."""
    from reporter.findings import core_facts
    from reporter.models import ALTERNATIVES

    config, results = city
    by_id = {m.id: m for m in results.models}
    facts = core_facts(by_id, "ec", 0.05, 2.0)
    twoway = [i for i in ALTERNATIVES if i in by_id and by_id[i].entity_effects
              and by_id[i].time_effects]
    assert facts["n_specs"] == len(twoway) == 6
    assert facts["other_effects"] == ["fgls"]  # fgls_general is not identified here
    assert set(facts["disagree"]) == {"robustness_lagged_core", "iv_2sls"}
    robustness = next(f for f in results.findings if f.key == "robustness")
    text = _sentence(robustness, results, config, Translator(
        load_catalogue([DEFAULT_TEMPLATES], "en"), "en"))
    assert "6 alternative specifications with region and year effects" in text
    assert "Not counted" in text and "FGLS" in text


def test_a_moderation_that_fades_over_part_of_the_range_leads(tmp_path):
    """Provinces: new drivers' effect is not distinguishable from zero below the median of
    export complexity; that moderation comes first and says so in both languages."""
    config = load_config(PROVINCE)
    results = pipeline.analyse(config, pipeline.Timer())
    moderations = [f for f in results.findings if f.key == "moderation"]
    assert moderations[0].variable == "ecpc" and moderations[0].params["fades_at"] == [
        10, 25, 50]
    assert not moderations[1].params["fades_at"] and not moderations[1].params["flips_at"]
    for lang, words in (("en", "10th, 25th and 50th percentiles"), ("zh", "第 10、25、50 百分位")):
        text = _sentence(moderations[0], results, config, Translator(
            load_catalogue([DEFAULT_TEMPLATES], lang), lang))
        assert words in text, text


def test_a_channel_of_an_association_is_not_called_causal(city):
    """Zhejiang's core finding is an association, so the productivity channel is worded as
    part of the association, and the channel recommendations (which advise using it as a
    lever) are not chosen."""
    config, results = city
    mechanism = next(f for f in results.findings if f.key == "mechanism"
                     and f.variable == "tfp")
    assert mechanism.params["core_causal"] is False
    for lang, words in (("en", "part of the association"), ("zh", "相关关系部分经由")):
        text = _sentence(mechanism, results, config, Translator(
            load_catalogue([DEFAULT_TEMPLATES], lang), lang))
        assert words in text, text
    assert not any(r["id"].startswith("channel_") for r in results.recommendations)


def test_the_selection_tests_carry_the_few_clusters_caveat():
    """The FE/RE choice leads with the cluster-robust Hausman test: with 6 states as
    clusters it gets the caveat every cluster-robust test gets; with 595 workers none."""
    import reporter
    from reporter.render.i18n import Translator, load_catalogue
    from reporter.render.tables import tests_table

    for study, expected in (("new_england", True), ("wages", False)):
        analysis = reporter.analyse(ROOT / "tests" / "corpus" / study / "study.toml")
        for lang, words in (("en", "can reject too often"), ("zh", "可能过度拒绝")):
            t = Translator(load_catalogue(analysis.template_dirs, lang), lang,
                           analysis.config.wording()[lang])
            notes = " ".join(tests_table(analysis.results, analysis.config, t).notes)
            assert (words in notes) is expected, (study, lang, notes)


def test_an_index_core_is_read_per_standard_deviation():
    """Where one unit of the core says little (an index of 0–1) and no log reads it in per
    cent, the core finding says what one standard deviation of the core goes with: b·sd_x
    in the dependent's units and b·sd_x / sd_y of its SD; with the dependent in logs, in
    per cent, 100·(e^(b·sd_x) − 1); a core in logs is read per 10% instead."""
    from reporter.findings import per_sd
    from reporter.results import Descriptive

    config = load_config(PROVINCE)
    core, dependent = config.model.core, config.model.dependent
    stats = {core: Descriptive(n=90, mean=0.5, sd=0.2, min=0.0, max=1.0),
             dependent: Descriptive(n=90, mean=0.3, sd=0.125, min=0.0, max=1.0)}
    out = per_sd(0.5, config, stats)
    assert out["sd_kind"] == "sd_units"
    assert out["sd_size"] == pytest.approx(0.1, rel=1e-12)
    assert out["sd_share"] == pytest.approx(0.8, rel=1e-12)
    logged = replace(config, prepare=replace(config.prepare, log=(dependent,)))
    out = per_sd(0.5, logged, stats)
    assert out["sd_kind"] == "sd_percent"
    assert out["sd_size"] == pytest.approx(100 * (math.exp(0.1) - 1), rel=1e-12)
    assert per_sd(0.5, replace(config, prepare=replace(config.prepare, log=(core,))),
                  stats) == {}
    assert per_sd(0.5, config, {}) == {}
    for lang, expected in (("en", "One standard deviation more new growth drivers (0.200) "
                                  "goes with about 0.100 more export resilience, 0.80 of its "
                                  "standard deviation."),
                           ("zh", "每增加一个标准差（0.200），出口韧性约高 0.100，相当于其标准差的 "
                                  "0.80 倍。")):
        t = Translator(load_catalogue([DEFAULT_TEMPLATES], lang), lang)
        assert expected in _in_percent(per_sd(0.5, config, stats), config, t), lang


def test_a_large_exporter_is_not_called_lagging():
    """Behind on the index but with more than an equal share of the exports (the status
    column, whose `better` is higher): not among the lagging entities (issue 17: the
    third-largest exporter was)."""
    from reporter.findings import laggards
    from reporter.results import EntityStatus, Status

    rows = [("a", 9.0, 0.1), ("b", 7.0, 0.1), ("c", 5.0, 0.1), ("d", 3.0, 0.1),
            ("e", 2.0, 0.5), ("f", 1.0, 0.1)]
    entities = tuple(EntityStatus(entity=name, names={"zh": name, "en": name}, value=value,
                                  rank=rank, change=None, share=share)
                     for rank, (name, value, share) in enumerate(rows, 1))
    status = Status(years=(2023,), dependent_mean=(4.5,), dependent_min=(1.0,),
                    dependent_max=(9.0,), core_mean=(0.0,), report_year=2023,
                    entities=entities, share_column="exports")
    assert laggards(status, 0.4, "higher") == ["f", "e"]
    assert laggards(status, 0.4, "higher", "higher") == ["f"]
    assert laggards(status, 0.4, "higher", "neither") == ["f", "e"]  # deaths: no filter
    # ranking the exports themselves ranks by size: the smallest is not lagging
    by_size = replace(status, variable="exports")
    assert laggards(by_size, 0.4, "higher", "higher") == []
