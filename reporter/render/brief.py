"""One brief in one language: key messages, charts, tables and the template context."""

from __future__ import annotations

import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2.utils import Namespace

from reporter import __version__
from reporter.config import LOG_MARK, Config
from reporter.findings import Rules, conservative, load_rules
from reporter.literals import LANGUAGES
from reporter.models import main_id
from reporter.render import fmt
from reporter.render.charts import (
    DPI,
    coefficient_chart,
    marginal_effects_chart,
    status_chart,
    status_charts_screen,
    use_dots,
)
from reporter.render.export import export_tables
from reporter.render.html import render_html
from reporter.render.i18n import Translator, listed, load_catalogue, spaced, with_the
from reporter.render.tables import (
    Table,
    build_tables,
    core_coefficient,
    previous_period,
    ranking_table,
    specifications,
    status_digits,
)
from reporter.results import Finding, ModelResult, Results

# the sections the contents list (those with an anchor and a numbered heading)
CONTENTS = ("status", "method", "results", "findings", "appendix")

# between two sentences of a paragraph (none after 。), and between clauses of a list
GAP = {"zh": "", "en": " "}
SEMICOLON = {"zh": "；", "en": "; "}


# what a brief is rendered for: the PDF's pages, or a browser's screen (the HTML brief):
# one template and one catalogue; the style sheet has a part for each, and the charts for a
# screen are drawn narrower and in panels that stack on a phone
MEDIA = ("print", "screen")
CSS_PX_PER_INCH = 96


@dataclass(frozen=True)
class ChartImage:
    """One image of a chart: its address, its alt text (what it shows, in the brief's
    language) and, on screens, its natural size in CSS pixels."""

    src: str
    alt: str
    width: int | None = None
    height: int | None = None

    def __str__(self) -> str:
        return self.src


@dataclass(frozen=True)
class Chart:
    """A chart as templates see it: its images (one in print; on screens the status chart
    is two, which stack on a phone). `{{ charts.x }}` alone is its first image's address,
    as templates written before screens use it."""

    images: tuple[ChartImage, ...]

    @property
    def src(self) -> str:
        return self.images[0].src

    def __str__(self) -> str:
        return self.src


@dataclass(frozen=True)
class RenderedBrief:
    lang: str
    html: str
    charts: dict[str, tuple[Path, ...]]
    # every table of the brief as exported (the ranking in full), for the table formats
    tables: dict[str, Table] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)  # version and dates of the run


def translator(config: Config, template_dirs: Sequence[Path], lang: str) -> Translator:
    """The study's translator in `lang`: the editors' catalogue over the default, with the
    study's entity nouns and the English labels that take "the"."""
    return Translator(load_catalogue(template_dirs, lang), lang, config.wording()[lang],
                      config.with_the())


def _sentence(finding: Finding, results: Results, config: Config, t: Translator) -> str:
    """One finding in one language, its wording chosen by key, grade and direction."""
    p = finding.params
    lang = t.lang
    names = results.status.names_in(lang)
    digits = status_digits(results.status)  # the status's levels, as its tables show them
    labels = {"dependent": config.label(config.model.dependent, lang),
              "core": config.label(config.model.core, lang)}
    separator = "、" if lang == "zh" else ", "
    gap = GAP[lang]

    def models_named(ids: Sequence[str], with_p: bool = False) -> str:
        """Models by their label (and the core's estimate and most conservative p)."""
        parts = []
        for model_id in ids:
            model = results.model(model_id)
            part = _ROBUSTNESS_PREFIX.sub("", model.label[lang])  # listed under robustness
            part = fmt.midsentence(part) if lang == "en" else part
            coef = core_coefficient(model, config.model.core)
            if with_p and coef is not None:
                comma = "，" if lang == "zh" else ", "
                part += (f" {fmt.coef(coef.estimate, 3)}{comma}"
                         f"{fmt.p_clause(conservative(coef)[0])}")
            parts.append(part)
        return separator.join(parts)

    if finding.key == "core_effect":
        # worded as an effect only when the checks aimed at reverse causality hold
        reading = "" if p.get("endogeneity_holds", True) or finding.grade == "none" \
            else "_association"
        if finding.grade == "none" and (p["ci_low"] > 0 or p["ci_high"] < 0):
            reading = "_conservative"  # its clustered interval excludes zero: say why not
        text = t(f"finding.core_effect.{finding.grade}.{p['direction']}{reading}", **labels,
                 estimate=fmt.coef(p["estimate"], 3), p_clause=fmt.p_clause(p["p"]),
                 ci_low=fmt.coef(p["ci_low"], 3), ci_high=fmt.coef(p["ci_high"], 3))
        # "read as an association, not an effect" follows an association that is graded;
        # without one (grade none: its interval excluded zero only on clustered errors)
        # there is nothing to read as either
        if reading == "_association" and p.get("endogeneity_failed"):
            text += gap + t("finding.endogeneity_failed", **labels,
                            checks=models_named(p["endogeneity_failed"], with_p=True))
        elif reading == "_association":
            text += gap + t("finding.endogeneity_untested", **labels)
        if finding.grade != "none":  # an estimate on logs, read in per cent
            text += _in_percent(p, config, t)
        if p.get("p_method") not in (None, "reported", "cluster"):
            # the bootstrap's merit with few clusters is said only when they are few
            plain = p["p_method"] == "wild_bootstrap" and "few_clusters" not in p["warnings"]
            text += gap + t(f"finding.conservative.{p['p_method']}{'_plain' if plain else ''}",
                            p_clause=fmt.p_clause(p["p_conservative"]))
        for warning in p["warnings"]:
            text += gap + t(f"finding.warning.{warning}", n_clusters=p["n_clusters"],
                            first_stage_f=fmt.num(p["first_stage_f_cluster"], 1),
                            max_vif=fmt.num(p.get("max_vif_within") or p["max_vif"], 1))
        return text
    if finding.key == "robustness":
        # sign and significance counted apart, relative to the baseline's own significance
        which = "significant" if p.get("baseline_significant", True) else "not_significant"
        if which == "not_significant" and p.get("p", 1.0) < config.report.significance:
            which = "not_significant_conservative"  # the reader saw p < 0.05 just before
        counted = p["n_agreeing"] if which == "significant" else p.get("n_significant",
                                                                      p["n_agreeing"])
        if counted == 0:
            which += "_none"  # "significant in none of them", not "in 0"
        text = t(f"finding.robustness_counts.{which}", **labels, n_specs=p["n_specs"],
                 p_clause=fmt.p_clause(p.get("p_conservative", 1.0)),
                 n_same_sign=p.get("n_same_sign", p["n_agreeing"]),
                 n_significant=p.get("n_significant", p["n_agreeing"]),
                 n_agreeing=p["n_agreeing"])
        if p.get("disagree"):
            text += gap + t("finding.robustness_disagree", models=models_named(p["disagree"]))
        if p.get("small_sample"):
            text += gap + t("finding.robustness_small_sample",
                            models=models_named(p["small_sample"]))
        if p.get("other_effects"):
            text += gap + t("finding.robustness_other_effects",
                            models=models_named(p["other_effects"]))
        if p["loo_min"] is not None:
            text += gap + t("finding.robustness_loo", low=fmt.coef(p["loo_min"], 3),
                            high=fmt.coef(p["loo_max"], 3))
            if p.get("loo_flip"):
                text += gap + t("finding.robustness_loo_flip", entity=names.get(
                    p["loo_flip"], p["loo_flip"]))
        return text
    if finding.key == "moderation" and "me_low" in p:
        item = config.label(finding.variable, lang)
        # graded like the core finding, on the most conservative p: shown beside the other
        p_clause = fmt.p_clause(p["p"])
        if p.get("p_method") not in (None, "reported", "cluster"):
            p_clause += SEMICOLON[lang] + t(
                f"finding.conservative_p.{p['p_method']}",
                p_clause=fmt.p_clause(p["p_conservative"]))
        text = t(f"finding.moderation.{finding.grade}.{p['direction']}", **labels, item=item,
                 estimate=fmt.coef(p["estimate"], 3), p_clause=p_clause)
        text += gap + t("finding.moderation_range", **labels, item=item,
                        low_at=p["me_low_at"], low=fmt.coef(p["me_low"], 3),
                        low_p=fmt.p_clause(p["me_low_p"]), high_at=p["me_high_at"],
                        high=fmt.coef(p["me_high"], 3), high_p=fmt.p_clause(p["me_high_p"]))
        if p.get("flips_at"):
            text += gap + t("finding.moderation_flips", **labels, item=item,
                            percentiles=fmt.percentiles(p["flips_at"], lang))
        elif p.get("fades_at"):
            text += gap + t("finding.moderation_fades", **labels, item=item,
                            percentiles=fmt.percentiles(p["fades_at"], lang))
        return text
    if finding.key in ("moderation", "mechanism"):
        # a channel of an association, not of an effect, when the core finding is one
        reading = "_association" if (finding.key == "mechanism" and finding.grade != "none"
                                     and p.get("core_causal") is False) else ""
        return t(f"finding.{finding.key}.{finding.grade}.{p['direction']}{reading}",
                 **labels, item=config.label(finding.variable, lang),
                 estimate=fmt.coef(p.get("estimate", p.get("indirect")), 3),
                 p_clause=fmt.p_clause(p["p"]))
    if finding.key == "heterogeneity":
        return t(f"finding.heterogeneity.{finding.grade}", **labels,
                 p_clause=fmt.p_clause(p["p"]),
                 strongest=config.level_label(config.model.heterogeneity or "",
                                              p["strongest"], lang),
                 weakest=config.level_label(config.model.heterogeneity or "", p["weakest"],
                                            lang),
                 strongest_estimate=fmt.num(p["strongest_estimate"]),
                 weakest_estimate=fmt.num(p["weakest_estimate"]))
    if finding.key == "year_over_year":
        text = t("finding.year_over_year.core", **labels, previous_year=p["previous_year"],
                 previous=fmt.num(p["previous_estimate"]), current=fmt.num(p["estimate"]),
                 previous_grade=t(f"finding.grade_name.{p['previous_grade']}"),
                 grade=t(f"finding.grade_name.{p['grade']}"))
        if p["riser"]:
            text += gap + t("finding.year_over_year.riser", entity=names[p["riser"]],
                            places=p["riser_places"])
        if p["faller"]:
            text += gap + t("finding.year_over_year.faller", entity=names[p["faller"]],
                            places=p["faller_places"])
        return text
    if finding.key in ("trend", "ranking"):  # the status facts: in levels
        labels = {**labels, "dependent": config.label(finding.variable, lang)}
    if finding.key == "trend":
        # "a gain" only where higher is better; a rising crime rate merely increases
        up = "up" if config.better(finding.variable) == "higher" else "up_plain"
        text = t(f"finding.trend.{up if p['change'] >= 0 else 'down'}", **labels,
                 first_year=p["first_year"], last_year=p["last_year"],
                 first=fmt.num(p["first"], digits), last=fmt.num(p["last"], digits),
                 change=fmt.num(p["change"], digits))
        matched, first_n, last_n = p.get("n_matched"), p.get("n_first"), p.get("n_last")
        if matched is not None and matched < max(first_n or 0, last_n or 0):
            text += gap + t("finding.trend_matched", n=matched, n_first=first_n,
                            n_last=last_n, first_year=p["first_year"],
                            last_year=p["last_year"])
        return text
    if finding.key == "ranking":
        return t("finding.ranking", **labels, year=p["year"], leader=names[p["leader"]],
                 leader_value=fmt.num(p["leader_value"], digits), laggard=names[p["laggard"]],
                 laggard_value=fmt.num(p["laggard_value"], digits),
                 gap=fmt.num(p["gap"], digits))
    if finding.key == "concentration":
        # a change that rounds to nothing is no change ("down 0.000")
        way = ("same" if fmt.num(abs(p["change"])) == fmt.num(0.0)
               else "up" if p["change"] > 0 else "down")
        text = t(f"finding.concentration.{way}",
                 previous=previous_period(results, t),
                 column=config.label(finding.variable, lang), year=p["year"],
                 hhi=fmt.num(p["hhi"]), change=fmt.num(abs(p["change"])),
                 top=names[p["top"]], top_share=fmt.percent(p["top_share"]))
        if p.get("n_matched"):
            text += gap + t("finding.concentration.matched", n=p["n_matched"])
        return text
    return t(f"finding.{finding.key}", **labels)


def _recommendations(results: Results, config: Config, t: Translator,
                     rules: Rules) -> list[str]:
    """The chosen recommendations' text in one language, those the catalogue has."""
    return [text for text in _recommendation_texts(results, config, t, rules)
            if text is not None]


def _recommendation_texts(results: Results, config: Config, t: Translator,
                          rules: Rules) -> list[str | None]:
    """Each chosen recommendation's text in `t`'s language, placeholders filled, the
    findings it rests on cited; None where the editor's catalogue has no entry for it."""
    lang = t.lang
    catalogue = {entry["id"]: entry for entry in rules.recommendations}
    names = results.status.names_in(lang)
    ranking = next((f.params for f in results.findings if f.key == "ranking"), {})
    separator = "、" if lang == "zh" else ", "
    groups = next((f.params for f in results.findings if f.key == "heterogeneity"), {})
    column = config.model.heterogeneity or ""
    # advice speaks of the things themselves: "probability of arrest", not "(log)"
    fill = {"core": LOG_MARK.sub("", config.label(config.model.core, lang)),
            "dependent": LOG_MARK.sub("", config.label(config.model.dependent, lang)),
            "region": config.study.region.get(lang), "topic": config.topic(lang),
            "leader": names.get(ranking.get("best") or "", ""),
            "laggards": listed([names[e] for e in ranking.get("laggards", ())], t),
            "strongest": config.level_label(column, groups.get("strongest", ""), lang),
            "weakest": config.level_label(column, groups.get("weakest", ""), lang),
            "limits": _limits(results, t),
            "noun": t.nouns["noun"], "nouns": t.nouns["nouns"],
            "each_period": (t("period.each_year") if results.data.time_step == 1
                            else t("period.each_period", step=results.data.time_step))}
    numbers = {(f.key, f.variable): i for i, f in enumerate(results.findings, start=1)}
    out: list[str | None] = []
    for chosen in results.recommendations:
        entry = catalogue.get(chosen["id"])
        item = config.label(chosen["item"], lang) if chosen.get("item") else ""
        if entry is None:
            out.append(None)
            continue
        values = {**fill, "item": item}
        template = (spaced(entry[lang], values) if lang == "zh"
                    else with_the(entry[lang], values, t.the))
        text = template.format(**values)
        cited = sorted(numbers[k, v] for k, v in chosen.get("findings", ())
                       if (k, v) in numbers)
        if cited:  # which findings it rests on, as the findings list numbers them
            text += t("findings.rests_on", numbers=separator.join(map(str, cited)))
        out.append(text)
    return out


_ROBUSTNESS_PREFIX = re.compile(r"^(Robustness: |稳健性：)")


def plain_labels(config: Config, lang: str) -> dict[str, str]:
    """The dependent and the core as plain words, for the framing sentence and advice: the
    levels they are logs of, without "(log)" ("crime rate", not "crime rate (log)")."""
    return {role: LOG_MARK.sub("", config.label(config.level_of(name), lang))
            for role, name in (("dependent", config.model.dependent),
                               ("core", config.model.core))}


def _in_percent(params: Mapping[str, Any], config: Config, t: Translator) -> str:
    """The core finding's estimate read in per cent (findings.in_percent), where the
    model is in logs, and per standard deviation of the core (findings.per_sd), where one
    unit of it says little; labels without their "(log)"."""
    names = plain_labels(config, t.lang)
    text = ""
    kind, size = params.get("percent_kind"), params.get("percent_size")
    if kind is not None and size is not None:
        way = "more" if size > 0 else "less"
        digits = 2 if kind != "log_core" else 3
        text += GAP[t.lang] + t(f"finding.in_percent.{kind}_{way}", **names,
                                size=fmt.coef(abs(size), digits))
    kind, size = params.get("sd_kind"), params.get("sd_size")
    if kind is not None and size is not None:
        way = "more" if size > 0 else "less"
        share = params.get("sd_share")
        text += GAP[t.lang] + t(f"finding.per_sd.{kind}_{way}", **names,
                                sd=fmt.coef(params["sd_core"], 3),
                                size=fmt.coef(abs(size), 3 if kind == "sd_units" else 2))
        if kind == "sd_units" and share is not None:
            text = text.rstrip("。.") + t.inline("finding.per_sd.share",
                                                 share=fmt.num(abs(share), 2))
    return text


def _amount(value: float, unit: str | None, lang: str) -> str:
    """A number with its unit in running text: 3143.2 亿元; 247,421.7 (100 million yuan)."""
    text = fmt.num(value, 0 if float(value).is_integer() else 1)
    if not unit:
        return text
    return f"{text} ({unit})" if lang == "en" and unit[:1].isdigit() else f"{text} {unit}"


def _glance(results: Results, config: Config, t: Translator,
            recommendations: Sequence[str]) -> list[str]:
    """The first page's plain summary: this year's facts first (the total and the mean of
    the dependent, and an apparent contradiction between them said and explained), then
    what the evidence says and how strongly, then the first thing to do, each pointing to
    its section."""
    lang, status = t.lang, results.status
    digits = status_digits(status)
    out: list[str] = []
    at = status.years.index(status.report_year)
    level = status.variable or config.model.dependent
    labels = {"dependent": config.label(level, lang),
              "core": config.label(config.model.core, lang)}
    share = status.share_column
    total_growth = status.share_growth[at] if share and at else None
    if share and total_growth is not None:
        unit = config.unit(share, lang)
        out.append(t(f"summary.glance.total_{'up' if total_growth >= 0 else 'down'}",
                     year=status.report_year, column=config.label(share, lang),
                     growth=fmt.percent(abs(total_growth)),
                     previous=previous_period(results, t),
                     total=_amount(status.share_total[at], unit, lang),
                     section=t("section.status")))
    mean_change = None
    recent = status.recent
    # when entities entered or left since the previous period, the means compared are over
    # the entities present in both (an entry is not a rise)
    matched = bool(recent) and recent.get("first") is not None and not (
        recent["n"] == recent["n_first"] == recent["n_last"])
    # the mean of a column the total line has just given says it again: said once
    if at and not (total_growth is not None and level == share):
        now, before = ((recent["last"], recent["first"]) if matched else
                       (status.dependent_mean[at], status.dependent_mean[at - 1]))
        mean_change = now - before
        out.append(t(f"summary.glance.mean_{'up' if mean_change >= 0 else 'down'}"
                     f"{'_matched' if matched else ''}",
                     **labels, year=status.report_year, now=fmt.num(now, digits),
                     before=fmt.num(before, digits), previous=previous_period(results, t),
                     n=recent.get("n"), section=t("section.status")))
    if (total_growth is not None and mean_change is not None and level != status.share_column
            and (total_growth < 0) != (mean_change < 0) and abs(mean_change) > 0):
        out.append(t("summary.glance.apart", **labels,
                     column=config.label(status.share_column or "", lang)))
    core = next((f for f in results.findings if f.key == "core_effect"), None)
    if core is not None:
        reading = ("effect" if core.params.get("endogeneity_holds") else "association")
        key = ("summary.glance.evidence_none" if core.grade == "none" else
               f"summary.glance.evidence_{reading}_{core.params['direction']}")
        # the evidence is the model's: its labels, logs named as such (finding 1 too)
        model = {"dependent": config.label(config.model.dependent, lang),
                 "core": labels["core"]}
        out.append(t(key, **model, grade=t(f"finding.grade_name.{core.grade}"),
                     section=t("section.results")))
    if recommendations:
        first = re.split(r"(?<=[。.])\s*", recommendations[0], maxsplit=1)[0].rstrip("。.")
        out.append(t("summary.glance.action", action=first, section=t("section.findings")))
    return out


def _limits(results: Results, t: Translator) -> str:
    """The limits of the core evidence that hold, listed in words ({limits})."""
    core = next((f.params for f in results.findings if f.key == "core_effect"), None)
    if core is None:
        return ""
    found = []
    if core.get("few_clusters"):
        found.append(t("findings.limits.few_clusters", n_clusters=core["n_clusters"]))
    if core.get("weak_instrument"):
        found.append(t("findings.limits.weak_instrument",
                       first_stage_f=fmt.num(core["first_stage_f_cluster"], 1)))
    if not core.get("endogeneity_holds", True):
        found.append(t("findings.limits.association"))
    if not core.get("robust_share", 1.0) >= 0.75:
        found.append(t("findings.limits.specifications", n_agreeing=core["n_agreeing"],
                       n_specs=core["n_specs"]))
    if not found:
        found.append(t("findings.limits.suggestive"))
    return SEMICOLON[t.lang].join(found)


def themes_named(config: Config, t: Translator) -> str:
    """The study's themes by their names in the brief's language, or ''."""
    separator = "、" if t.lang == "zh" else ", "
    return separator.join(t(f"theme.{name}") for name in config.study_themes())


def sentences(results: Results, config: Config,
              template_dirs: Sequence[Path]) -> dict[str, list[dict[str, str] | None]]:
    """Every finding's and recommendation's sentence in both languages, worded as the
    briefs word them (the editor's catalogues included), for results.json."""
    rules = load_rules(template_dirs)
    findings: list[dict[str, str]] = [{} for _ in results.findings]
    advice: list[dict[str, str] | None] = [{} for _ in results.recommendations]
    for lang in LANGUAGES:
        t = translator(config, template_dirs, lang)
        for worded, finding in zip(findings, results.findings, strict=True):
            worded[lang] = _sentence(finding, results, config, t)
        for i, text in enumerate(_recommendation_texts(results, config, t, rules)):
            before = advice[i]
            advice[i] = None if text is None or before is None else {**before, lang: text}
    return {"findings": [*findings], "recommendations": advice}


def _preparation(results: Results, config: Config, lang: str) -> dict[str, Any] | None:
    steps = [s for s in results.preparation if s.step == "winsorize"]
    if not steps:
        return None
    lower, upper = steps[0].params["lower"], steps[0].params["upper"]
    changed = [f"{config.label(s.column, lang)} {s.count}" for s in steps if s.count]
    return {"lower": f"{lower * 100:g}", "upper": f"{upper * 100:g}",
            "count": sum(s.count for s in steps),
            "columns": SEMICOLON[lang].join(changed) or "—"}


def _missing(results: Results, config: Config, lang: str) -> dict[str, Any] | None:
    """What the main two-way model left out for missing values, worded for the methods."""
    lost = results.data.missing_dropped
    if not lost:
        return None
    main = results.model(main_id(m.id for m in results.models) or "baseline")
    separator = "、" if lang == "zh" else ", "
    cells = separator.join(f"{config.label(v, lang)} {n}" for v, n in lost["by_variable"].items())
    return {"model": main.label[lang], "rows": fmt.integer(lost["rows"]),
            "total": fmt.integer(results.data.nobs),
            "variables": cells, "entities": lost["entities"]}


def render_brief(results: Results, config: Config, lang: str, template_dirs: Sequence[Path],
                 chart_dir: Path, meta: dict[str, Any],
                 charts: dict[str, tuple[Path, ...]] | None = None, medium: str = "print",
                 export: bool = True, undefined: type | None = None) -> RenderedBrief:
    """Build the context for `lang` and `medium` and render the brief's HTML; charts go to
    `chart_dir` and are referenced relative to its parent (the output folder). `charts`:
    the ones drawn before for the same results, catalogue and medium (the preview), not
    drawn again. `export`: write every table to `tables/` beside the charts as CSV and
    XLSX (False when another medium's render of the same brief did). `undefined`: see
    html.environment."""
    t = translator(config, template_dirs, lang)
    rules = load_rules(template_dirs)
    order = {key: i for i, key in enumerate(rules.key_messages)}
    key_findings = [f for f in results.findings if f.key in order][:rules.max_key_messages]
    labels = {"dependent": config.label(config.model.dependent, lang),
              "core": config.label(config.model.core, lang),
              # what the status section describes: the dependent in levels
              "level": config.label(results.status.variable or config.model.dependent, lang)}
    rows = _coefficient_rows(results, config, lang)  # the coefficient chart's, and its alt
    if charts is None:
        charts = _charts(results, config, t, chart_dir, medium, rows)
    tables = build_tables(results, config, t)
    full = dict(tables)  # the full ranking among them
    if export:
        export_tables(full, chart_dir.parent / "tables", lang)
    tables["ranking"] = ranking_table(results, config, t, full=False)
    sections = config.report.sections
    recommended = _recommendations(results, config, t, rules)
    context = {
        "t": t, "lang": lang, "labels": labels, "medium": medium,
        "sections": sections,
        "contents": [{"id": s, "title": t(f"section.{s}")} for s in sections if s in CONTENTS],
        "n": Namespace(table=0, figure=0),  # table and figure numbers, across sections
        "study": {"title": config.study.title.get(lang), "region": config.study.region.get(lang),
                  "year": config.study.year, "illustrative": config.study.illustrative,
                  "issuer": _optional(config.study.issuer, lang),
                  "document_number": config.study.document_number,
                  "topic": config.topic(lang),
                  "data_cutoff": _optional(config.study.data_cutoff, lang)},
        "data": results.data,
        "key_messages": [_sentence(f, results, config, t) for f in key_findings],
        "findings": [_sentence(f, results, config, t) for f in results.findings],
        "recommendations": recommended,
        "glance": _glance(results, config, t, recommended),
        # the coefficient chart's caption, naming a specification it cannot draw
        "coefficients_caption": _coefficients_caption(results, config, t),
        "recommendations_intro": (
            t("findings.recommendations_intro_themes", themes=themes_named(config, t))
            if config.study_themes() else t("findings.recommendations_intro")),
        # a topic of its own (study.topic) is named; the dependent's label is not said twice
        "framing": t("summary.framing_topic" if config.study.topic is not None
                     and config.topic(lang) != labels["dependent"] else "summary.framing",
                     **plain_labels(config, lang), n=results.data.n_entities,
                     first=results.status.years[0], last=results.status.years[-1]),
        "tables": tables,
        "charts": _chart_context(charts, _chart_alts(results, config, t, rows), chart_dir,
                                 medium),
        "preparation": _preparation(results, config, lang),
        "sample_note": _sample_note(results, t),
        "gap": GAP[lang],
        "missing": _missing(results, config, lang),
        # the model's controls, named (none: the equation has no γ′Z and the text no Z)
        "controls": [config.label(c, lang) for c in config.model.controls],
        "equation": t("method.equation" if config.model.controls else "method.equation_plain",
                      **labels),
        "meta": {**meta, "software": _software(meta), "inference": _inference(meta, t)},
    }
    html = render_html(template_dirs, context, undefined=undefined)
    return RenderedBrief(lang=lang, html=html, charts=charts, tables=full, meta=meta)


def _sample_note(results: Results, t: Translator) -> str:
    """What the sample is, where the gazetteer can tell: for a panel of mainland China's
    provinces that leaves some out, the sentence that names them (the reader of "29
    provinces" asks which two are missing); for one province's cities, how many of its
    prefecture-level cities it covers and which county-level cities it adds, whose figures
    their prefecture's may include; else ''."""
    from reporter.places import city_sample, provinces_left_out

    entities = [e.entity for e in results.status.entities]
    missing = provinces_left_out(entities)
    if missing:
        names = [p.short if t.lang == "zh" else p.english for p in missing]
        return t("method.left_out", count=len(missing), names=listed(names, t))
    cities = city_sample(entities)
    if cities is None or not cities.prefectures:
        return ""
    def name(p):  # in Chinese the full name, as an official writes it: 浙江省, 金华市
        return p.name if t.lang == "zh" else p.english

    counties = [t.inline("method.cities_county", county=name(c), prefecture=name(p))
                for c, p in cities.counties]
    added = (t.inline("method.cities_counties", list=SEMICOLON[t.lang].join(counties))
             if counties else "")
    key = "method.cities_all" if cities.prefectures == cities.of_prefectures else "method.cities"
    text = t(key, province=name(cities.province), of=cities.of_prefectures,
             prefectures=cities.prefectures, counties=added)
    if counties:
        clauses = [t.inline("method.cities_overlap_one", county=name(c), prefecture=name(p))
                   for c, p in cities.counties]
        text += GAP[t.lang] + t("method.cities_overlap",
                                clauses=SEMICOLON[t.lang].join(clauses))
    return text


def draw_charts(results: Results, config: Config, lang: str, template_dirs: Sequence[Path],
                chart_dir: Path, medium: str = "print") -> dict[str, tuple[Path, ...]]:
    """The brief's charts for `lang` and `medium`, drawn once for several renders."""
    t = translator(config, template_dirs, lang)
    return _charts(results, config, t, chart_dir, medium,
                   _coefficient_rows(results, config, lang))


def _chart_context(charts: dict[str, tuple[Path, ...]], alts: dict[str, tuple[str, ...]],
                   folder: Path, medium: str) -> dict[str, Chart]:
    """The charts as the template shows them: addresses relative to the output folder, alt
    texts, and on screens each image's natural size (so a page does not jump as it loads)."""
    out = {}
    for name, paths in charts.items():
        texts = alts.get(name, ())
        if len(texts) != len(paths):  # the print status chart: both panels in one image
            texts = (" ".join(texts),) * len(paths)
        images = []
        for path, alt in zip(paths, texts, strict=True):
            width = height = None
            if medium == "screen":
                from PIL import Image

                with Image.open(path) as image:
                    width, height = (round(side / DPI * CSS_PX_PER_INCH) for side in image.size)
            images.append(ChartImage(f"{folder.name}/{path.name}", alt, width, height))
        out[name] = Chart(tuple(images))
    return out


def _chart_alts(results: Results, config: Config, t: Translator,
                rows: list[tuple[str, float, float, float]]) -> dict[str, tuple[str, ...]]:
    """What each chart shows, in words, for readers who cannot see it (alt texts)."""
    lang, status = t.lang, results.status
    digits = status_digits(status)
    variable = config.label(status.variable or config.model.dependent, lang)
    core = config.label(config.model.core, lang)
    by_rank = sorted(status.entities, key=lambda e: e.rank)
    alts: dict[str, tuple[str, ...]] = {"status": (
        t("chart.status.trend_alt", variable=variable, first=status.years[0],
          last=status.years[-1], first_value=fmt.num(status.dependent_mean[0], digits),
          last_value=fmt.num(status.dependent_mean[-1], digits)),
        t("chart.status.rank_alt_dots" if use_dots([e.value for e in status.entities])
          else "chart.status.rank_alt", variable=variable, year=status.report_year,
          leader=by_rank[0].names[lang], leader_value=fmt.num(by_rank[0].value, digits),
          laggard=by_rank[-1].names[lang],
          laggard_value=fmt.num(by_rank[-1].value, digits)))}
    if rows:
        alts["coefficients"] = (t(
            "chart.coefficients.alt", core=core, count=len(rows),
            low=fmt.coef(min(r[1] for r in rows), 3), high=fmt.coef(max(r[1] for r in rows), 3),
            excluding=sum(1 for r in rows if r[2] > 0 or r[3] < 0)),)
    for model in results.models:
        if model.id.startswith("moderation_"):
            moderator = model.diagnostics["moderator"]
            effects = model.diagnostics["marginal_effects"]
            alts[f"marginal_{moderator}"] = (t(
                "chart.marginal.alt", core=core, moderator=config.label(moderator, lang),
                low_at=round(effects[0]["percentile"] * 100), low=fmt.coef(
                    effects[0]["estimate"], 3), high_at=round(effects[-1]["percentile"] * 100),
                high=fmt.coef(effects[-1]["estimate"], 3)),)
    return alts


def _coefficient_rows(results: Results, config: Config,
                      lang: str) -> list[tuple[str, float, float, float]]:
    """The core's estimate and 95% interval in each specification, as the chart draws them."""
    core = config.model.core
    rows = []
    for m in specifications(results, core):
        c = core_coefficient(m, core)
        if c is None or _undrawable(m):  # the caption says which is missing
            continue
        low, high = c.ci_low, c.ci_high
        if m.diagnostics.get("weak_instruments"):  # the AR set, as in the table
            low, high = m.diagnostics["ar_ci_low"], m.diagnostics["ar_ci_high"]
        rows.append((m.label[lang] + ("†" if m.diagnostics.get("weak_instruments") else ""),
                     c.estimate, low, high))
    return rows


def _undrawable(model: ModelResult) -> bool:
    """A weak-instrument specification whose Anderson–Rubin set, which stands in for its
    interval, is unbounded: the coefficient chart has no bar to draw for it."""
    return bool(model.diagnostics.get("weak_instruments")) and \
        model.diagnostics.get("ar_ci_kind") != "bounded"


def _coefficients_caption(results: Results, config: Config, t: Translator) -> str:
    """The coefficient chart's caption, naming the specifications it cannot draw."""
    core = config.model.core
    omitted = [fmt.midsentence(m.label[t.lang]) if t.lang == "en" else m.label[t.lang]
               for m in specifications(results, core)
               if core_coefficient(m, core) is not None and _undrawable(m)]
    label = config.label(core, t.lang)
    if not omitted:
        return t("chart.coefficients.caption", core=label)
    return t("chart.coefficients.caption_omitted", core=label, models=listed(omitted, t))


def _charts(results: Results, config: Config, t: Translator, folder: Path, medium: str,
            rows: list[tuple[str, float, float, float]]) -> dict[str, tuple[Path, ...]]:
    """Every chart of the brief in one language and medium, keyed by name: its image
    files (for screens narrower, the status chart's panels apart; names end `_screen`)."""
    lang, core = t.lang, config.model.core
    core_label = config.label(core, lang)
    screen = medium == "screen"
    tail = f"{lang}_screen" if screen else lang
    status: tuple[Path, ...]
    if screen:
        status = status_charts_screen(results.status, config, t, folder / f"trend_{tail}.png",
                                      folder / f"ranking_{tail}.png")
    else:
        status = (status_chart(results.status, config, t, folder / f"status_{tail}.png"),)
    charts: dict[str, tuple[Path, ...]] = {"status": status}
    if rows:
        charts["coefficients"] = (coefficient_chart(
            rows, core_label, t, folder / f"coefficients_{tail}.png", screen),)
    for model in results.models:
        if model.id.startswith("moderation_"):
            moderator = model.diagnostics["moderator"]
            charts[f"marginal_{moderator}"] = (marginal_effects_chart(
                model.diagnostics["marginal_effects"], core_label,
                config.label(moderator, lang), t, folder / f"marginal_{moderator}_{tail}.png",
                screen),)
    return charts


def _optional(label, lang: str) -> str | None:
    """A label's text in `lang`, or None when the config has no such key."""
    return None if label is None else label.get(lang)


def _inference(meta: dict[str, Any], t: Translator) -> str:
    """The standard-error convention in words (its code when the catalogue lacks it)."""
    code = str(meta.get("cov_type", ""))
    key = f"appendix.cov_types.{code}"
    return t(key) if t.has(key) else code


def _software(meta: dict[str, Any]) -> str:
    versions = meta.get("versions", {})
    parts = [f"reporter {__version__}", f"Python {platform.python_version()}"]
    parts += [f"{name} {version}" for name, version in versions.items()
              if name not in ("reporter", "python")]
    return ", ".join(parts)
