"""From numbers to graded statements and recommendations, still without language.

The rules (templates/rules.toml) and the recommendation catalogue
(templates/recommendations.toml) are data that editors own: each rule and each condition
is a Jinja expression over the facts computed here, evaluated in Jinja's sandbox. This
stage yields keys, grades and parameters; the wording lives in the message catalogues.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from reporter.bundled import TEMPLATES
from reporter.config import Config
from reporter.errors import InputError
from reporter.literals import LANGUAGES, THEMES
from reporter.messages import Both
from reporter.models import ALTERNATIVES, ENDOGENEITY_CHECKS, main_id
from reporter.results import (
    Coefficient,
    Descriptive,
    Finding,
    ModelResult,
    Status,
    TestResult,
)

DEFAULT_RULE_DIRS = (TEMPLATES,)
GRADES = ("strong", "suggestive")
ROBUSTNESS_IDS = ALTERNATIVES  # the catalogue's alternative specifications


@dataclass(frozen=True)
class Rules:
    """The editor-owned rules and catalogue, merged over the template folders."""

    grades: Mapping[str, Mapping[str, str]]
    warnings: Mapping[str, str]
    key_messages: Sequence[str]
    max_key_messages: int
    laggard_quantile: float
    recommendations: Sequence[Mapping[str, Any]]
    sources: Mapping[str, Path]


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError("render.template", file=path, line="?", detail=str(exc)) from None


def load_rules(dirs: Sequence[Path] = DEFAULT_RULE_DIRS) -> Rules:
    """`rules.toml` keys and `recommendations.toml` entries (by id) from each folder;
    earlier folders (an editor's) override later ones (the defaults)."""
    grades: dict[str, dict[str, str]] = {}
    warnings: dict[str, str] = {}
    keys: dict[str, Any] = {}
    catalogue: dict[str, dict[str, Any]] = {}
    sources: dict[str, Path] = {}
    for folder in reversed([Path(d) for d in dirs]):
        rules_path = folder / "rules.toml"
        if rules_path.is_file():
            raw = _read(rules_path)
            for name, table in raw.get("grade", {}).items():
                grades.setdefault(name, {}).update(table)
            warnings.update(raw.get("warnings", {}))
            keys.update(raw.get("key_messages", {}))
            keys.update({f"laggards.{k}": v for k, v in raw.get("laggards", {}).items()})
            sources["rules"] = rules_path
        catalogue_path = folder / "recommendations.toml"
        if catalogue_path.is_file():
            entries = _read(catalogue_path).get("recommendation", [])
            if not isinstance(entries, list):
                raise _bad(catalogue_path, "recommendation", "must be [[recommendation]] tables",
                           "须为 [[recommendation]] 表")
            for number, entry in enumerate(entries, 1):
                _check_recommendation(entry, catalogue_path, number)
                catalogue[entry["id"]] = {**entry, "_file": catalogue_path}
            sources["recommendations"] = catalogue_path
    rules_file = sources.get("rules", Path("rules.toml"))
    for name, table in [*grades.items(), ("warnings", warnings)]:
        for key, expression in table.items():
            if not isinstance(expression, str):
                raise _bad(rules_file, f"{name}.{key}", "must be a text (a Jinja expression)",
                           "须为文本（Jinja 表达式）")
    order, most = keys.get("order", ()), keys.get("max", 5)
    quantile = keys.get("laggards.quantile", 0.25)
    if not isinstance(order, list) or not all(isinstance(k, str) for k in order):
        raise _bad(rules_file, "key_messages.order", "must be a list of finding names",
                   "须为结论名称的列表")
    if isinstance(most, bool) or not isinstance(most, int) or most < 1:
        raise _bad(rules_file, "key_messages.max", f"must be a whole number ≥ 1, not {most!r}",
                   f"须为不小于 1 的整数，而不是 {most!r}")
    if isinstance(quantile, bool) or not isinstance(quantile, int | float) \
            or not 0 < quantile < 1:
        raise _bad(rules_file, "laggards.quantile",
                   f"must be a number between 0 and 1, not {quantile!r}",
                   f"须为 0 与 1 之间的数，而不是 {quantile!r}")
    return Rules(grades=grades, warnings=warnings, key_messages=tuple(order),
                 max_key_messages=most, laggard_quantile=float(quantile),
                 recommendations=tuple(catalogue.values()), sources=sources)


# what a recommendation's zh and en may name (render.brief fills them, localised)
RECOMMENDATION_PLACEHOLDERS = ("core", "dependent", "region", "leader", "laggards", "item",
                               "strongest", "weakest", "limits", "topic", "noun", "nouns",
                               "each_period")
_ID = re.compile(r"[a-z0-9_]+")


def _bad(file: Path, key: str, en: str, zh: str) -> InputError:
    return InputError("findings.bad_entry", file=file, key=key, detail=Both(zh=zh, en=en))


def _check_recommendation(entry: Any, file: Path, number: int) -> None:
    """One [[recommendation]]: a snake_case id, zh and en texts with the same allowed
    placeholders, a `when` text and a known `for_each`; exit 2 naming what is wrong."""
    from reporter.render.i18n import check_message

    where = f"recommendation #{number}"
    if not isinstance(entry, dict):
        raise _bad(file, where, "must be a table", "须为表")
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID.fullmatch(ident):
        raise _bad(file, f"{where}.id", f"must be a snake_case name, not {ident!r}",
                   f"须为小写字母、数字与下划线组成的名称，而不是 {ident!r}")
    where = f"recommendation.{ident}"
    found = {}
    for lang in LANGUAGES:
        text = entry.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise _bad(file, f"{where}.{lang}", "is missing: give the text in both languages",
                       "缺失：请给出两种语言的文本")
        found[lang] = check_message(text, file, f"{where}.{lang}", RECOMMENDATION_PLACEHOLDERS)
    nouns = {"noun", "nouns"}  # Chinese has one form where English has two
    if found["zh"] - nouns != found["en"] - nouns:
        zh, en = sorted(found["zh"]), sorted(found["en"])
        raise _bad(file, where, f"zh uses {zh} and en {en}: use the same placeholders in both",
                   f"zh 使用 {zh}，en 使用 {en}：两种语言须使用相同的占位符")
    if not isinstance(entry.get("when", "true"), str):
        raise _bad(file, f"{where}.when", "must be a text (a Jinja expression)",
                   "须为文本（Jinja 表达式）")
    if entry.get("for_each", "moderation") not in ("moderation", "mechanism"):
        raise _bad(file, f"{where}.for_each", 'must be "moderation" or "mechanism"',
                   '须为 "moderation" 或 "mechanism"')
    themes = entry.get("themes", [])
    if not isinstance(themes, list) or not all(t in THEMES for t in themes):
        raise _bad(file, f"{where}.themes", f"must be a list of {', '.join(THEMES)}",
                   f"须为以下名称的列表：{', '.join(THEMES)}")
    basis = entry.get("basis", [])
    if not isinstance(basis, list) or not all(b in BASES for b in basis):
        raise _bad(file, f"{where}.basis", f"must be a list of {', '.join(BASES)}",
                   f"须为以下名称的列表：{', '.join(BASES)}")


# the findings a recommendation may rest on (`basis`; by default those its `when` reads)
BASES = ("core_effect", "moderation", "mechanism", "heterogeneity", "ranking", "trend",
         "concentration")
_FACT_OF = {"core_effect": "core", "moderation": "moderation", "mechanism": "mechanism",
            "heterogeneity": "heterogeneity", "ranking": "ranking", "trend": "trend",
            "concentration": "concentration"}


def basis_of(entry: Mapping[str, Any], holds: Callable[[str], bool] | None = None,
             ) -> list[str]:
    """The finding keys an entry rests on: its `basis`, else the for_each family and the
    facts its `when` reads (core -> core_effect, ranking, trend, …); with `holds`, only
    those of the alternatives (`a or b or c`, at the top level) that hold, so that an
    entry chosen for its heterogeneity clause does not cite a trend that is not worsening."""
    if "basis" in entry:
        return list(entry["basis"])
    when = str(entry.get("when", ""))
    clauses = _alternatives(when)
    if holds is not None and len(clauses) > 1:
        true = [c for c in clauses if holds(c)]
        when = " ".join(true) if true else when
    found = [entry["for_each"]] if entry.get("for_each") else []
    found += [key for key, fact in _FACT_OF.items()
              if re.search(rf"\b{fact}\b", when) and key not in found]
    return found


def _alternatives(expression: str) -> list[str]:
    """The top-level `or` alternatives of a rule expression (outside brackets and quotes)."""
    parts, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(expression):
        c = expression[i]
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and expression.startswith(" or ", i):
            parts.append(expression[start:i].strip())
            start = i = i + 4
            continue
        i += 1
    parts.append(expression[start:].strip())
    return [p for p in parts if p]


@cache
def _environment():
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment()


@lru_cache(maxsize=1024)
def _compiled(expression: str):
    """A rule compiled once a process (a batch evaluates the same rules for every study)."""
    return _environment().compile_expression(expression)


def evaluate(expression: str, facts: Mapping[str, Any], *, file: Path | str,
             key: str) -> bool:
    """A rule's truth on the facts; a rule that does not parse or run is exit 2, named."""
    from jinja2 import TemplateError

    try:
        return bool(_compiled(expression)(**facts))
    except TypeError as exc:
        if "NoneType" in str(exc):  # a fact the study lacks (no controls: no VIF): false
            return False
        raise InputError("findings.rule", file=file, key=key, expression=expression,
                         detail=str(exc)) from None
    except (TemplateError, ValueError, ArithmeticError, LookupError,
            RecursionError, MemoryError) as exc:
        raise InputError("findings.rule", file=file, key=key, expression=expression,
                         detail=str(exc)) from None


def _grade(rules: Rules, family: str, facts: Mapping[str, Any]) -> str:
    for grade in GRADES:
        expression = rules.grades.get(family, {}).get(grade)
        if expression and evaluate(expression, facts, file=rules.sources.get("rules", ""),
                                   key=f"grade.{family}.{grade}"):
            return grade
    return "none"


def _core(model: ModelResult, core: str):
    return model.coefficients.get(core) or model.coefficients.get(f"{core}_lag1")


def conservative(coef: Coefficient) -> tuple[float, str]:
    """The largest p among a coefficient's reported methods (its own test and its
    `inference` blocks: cluster, wild bootstrap, Driscoll-Kraay, Anderson-Rubin) and the
    method's name."""
    found = [*((b["p"], m) for m, b in coef.inference.items() if b.get("p") is not None),
             (coef.p_value, "reported")]
    return max(found, key=lambda pair: pair[0])  # the first of equals: a method's name


# the share of the baseline's rows below which a specification is not counted as agreeing
SAMPLE_SHARE_COUNTED = 0.5


def core_facts(models: Mapping[str, ModelResult], core: str, alpha: float,
               max_vif: float | None) -> dict[str, Any]:
    """What the core-effect rules may look at."""
    baseline = [models[i] for i in ("baseline", "baseline_controls") if i in models]
    main_model = models[main_id(models) or "baseline"]
    main = _core(main_model, core)
    sign = main.estimate > 0

    def agrees(c: Coefficient) -> bool:
        return (c.estimate > 0) == sign and conservative(c)[0] < alpha

    shown = [i for i in ROBUSTNESS_IDS if i in models and _core(models[i], core) is not None
             and models[i].diagnostics.get("identified", True)]
    # agreement is counted over the specifications with the baseline's region and year
    # effects; the others (xtgls, pggls) estimate another thing and are named apart
    counted = [i for i in shown if models[i].entity_effects and models[i].time_effects]
    # a specification on less than half of the baseline's rows (a lag on sparse years,
    # instruments with gaps) speaks of another sample: shown, named, not counted
    base_n = main_model.nobs
    small = [i for i in counted if models[i].nobs < SAMPLE_SHARE_COUNTED * base_n]
    counted = [i for i in counted if i not in small]
    robust = [_core(models[i], core) for i in counted]
    same_sign = [c for c in robust if (c.estimate > 0) == sign]
    significant = [c for c in robust if conservative(c)[0] < alpha]
    agreeing = [c for c in robust if agrees(c)]
    checks = [i for i in ENDOGENEITY_CHECKS if i in counted]
    failed = [i for i in checks if not agrees(_core(models[i], core))]
    iv = models.get("iv_2sls")
    diagnostics = iv.diagnostics if iv is not None else {}
    return {
        # against a significant baseline, the specifications that lose it or flip the sign;
        # against one that is not significant, only those of the other sign disagree
        "disagree": [i for i in counted if not agrees(_core(models[i], core))]
        if conservative(main)[0] < alpha else
        [i for i in counted if (_core(models[i], core).estimate > 0) != sign],
        "other_effects": [i for i in shown if i not in counted and i not in small],
        "small_sample": small, "base_nobs": base_n,
        "endogeneity_checks": checks, "endogeneity_failed": failed,
        "check_results": {i: {"estimate": _core(models[i], core).estimate,
                              "p": conservative(_core(models[i], core))[0]} for i in checks},
        # a causal reading ("effect") needs every check aimed at reverse causality to agree
        "endogeneity_holds": bool(checks) and not failed,
        "p": main.p_value, "estimate": main.estimate, "ci_low": main.ci_low,
        "ci_high": main.ci_high, "direction": "positive" if sign else "negative",
        "p_conservative": conservative(main)[0], "p_method": conservative(main)[1],
        "baseline_all_significant": all(conservative(_core(m, core))[0] < alpha
                                        for m in baseline),
        "sign_stable": len({_core(m, core).estimate > 0 for m in baseline}) == 1,
        "robust_share": len(agreeing) / len(robust) if robust else 0.0,
        "n_specs": len(robust), "n_agreeing": len(agreeing),
        "n_same_sign": len(same_sign), "n_significant": len(significant),
        "baseline_significant": conservative(main)[0] < alpha,
        "iv_p": _core(iv, core).p_value if iv is not None else None,
        "first_stage_f": diagnostics.get("first_stage_f"),
        "first_stage_f_cluster": diagnostics.get("first_stage_f_cluster"),
        "n_clusters": main_model.n_clusters, "max_vif": max_vif, "model": main_model.id,
    }


def _marginal_range(model: ModelResult, positive: bool, alpha: float) -> dict[str, Any]:
    """The core's marginal effect at the moderator's 10th and 90th percentiles, and the
    percentiles where it is not distinguishable from zero or has the opposite sign to the
    baseline effect (a moderation that removes the effect over part of the range)."""
    effects = model.diagnostics.get("marginal_effects", [])
    if not effects:
        return {}
    low, high = effects[0], effects[-1]
    fades = [round(e["percentile"] * 100) for e in effects if e["p_value"] >= alpha]
    flips = [round(e["percentile"] * 100) for e in effects
             if e["p_value"] < alpha and (e["estimate"] > 0) != positive]
    return {"me_low": low["estimate"], "me_low_p": low["p_value"],
            "me_low_at": round(low["percentile"] * 100), "me_high": high["estimate"],
            "me_high_p": high["p_value"], "me_high_at": round(high["percentile"] * 100),
            "fades_at": fades, "flips_at": flips}


def laggards(status: Status, quantile: float, better: str = "higher",
             share_better: str = "neither") -> list[str]:
    """Entities behind the others in the reporting year: below the `quantile` of the
    dependent's level when higher is better, above the 1 - `quantile` one when lower is;
    none when the variable has no good direction (`better = "neither"`). When more of the
    status column is good (`share_better = "higher"`: exports), an entity with more than
    an equal share of its total is not called lagging (a city behind on an index may be
    the third-largest exporter). When the ranked column is itself that total (gross state
    product, exports), a low value says an entity is small, not behind: nobody is listed.
    The furthest behind first, so that a shortened list names the worst."""
    if status.ranks_a_total:
        return []
    values = np.array([e.value for e in status.entities])
    if better == "higher":
        cut = float(np.quantile(values, quantile))
        behind = [e for e in sorted(status.entities, key=lambda e: e.value) if e.value < cut]
    elif better == "lower":
        cut = float(np.quantile(values, 1 - quantile))
        behind = [e for e in sorted(status.entities, key=lambda e: -e.value) if e.value > cut]
    else:
        return []
    equal = 1 / len(status.entities)
    return [e.entity for e in behind if not (share_better == "higher" and e.share is not None
                                             and e.share > equal)]


def findings(models: Sequence[ModelResult], status: Status, config: Config, *,
             tests: Mapping[str, TestResult] | None = None,
             sensitivity: Mapping[str, Any] | None = None,
             vif: Mapping[str, float] | None = None,
             rule_dirs: Sequence[Path] = DEFAULT_RULE_DIRS,
             descriptives: Mapping[str, Descriptive] | None = None,
             ) -> tuple[tuple[Finding, ...], tuple[dict[str, Any], ...]]:
    """Every graded finding in the order of the rules' key-message list, and the
    recommendations whose conditions hold."""
    rules = load_rules(rule_dirs)
    tests = tests or {}
    alpha = config.report.significance
    by_id = {m.id: m for m in models}
    core, dependent = config.model.core, config.model.dependent
    rules_file = rules.sources.get("rules", "")

    facts = core_facts(by_id, core, alpha, max(vif.values()) if vif else None)
    facts["alpha"] = alpha
    within = (sensitivity or {}).get("vif_within") or {}
    facts["max_vif_within"] = max(within.values()) if within else None
    for name, expression in rules.warnings.items():
        facts[name] = evaluate(expression, facts, file=rules_file, key=f"warnings.{name}")
    warnings = [name for name in rules.warnings if facts[name]]
    out: list[Finding] = [Finding(
        key="core_effect", grade=_grade(rules, "core_effect", facts), model=facts["model"],
        variable=core, params={**facts, "warnings": warnings,
                               **in_percent(facts["estimate"], config),
                               **per_sd(facts["estimate"], config, descriptives or {})})]

    loo = (sensitivity or {}).get("leave_one_out")
    flip = None  # the entity whose removal changes the sign, when the range crosses zero
    if loo and loo["min"] < 0 < loo["max"]:
        flip = loo["min_without"] if facts["estimate"] > 0 else loo["max_without"]
    out.append(Finding(key="robustness", grade="fact", model="", variable=core, params={
        "n_specs": facts["n_specs"], "n_agreeing": facts["n_agreeing"],
        "n_same_sign": facts["n_same_sign"], "n_significant": facts["n_significant"],
        "baseline_significant": facts["baseline_significant"],
        "p": facts["p"], "p_conservative": facts["p_conservative"],
        "disagree": facts["disagree"], "other_effects": facts["other_effects"],
        "small_sample": facts["small_sample"],
        "loo_min": loo["min"] if loo else None, "loo_max": loo["max"] if loo else None,
        "loo_flip": flip}))

    moderations: list[Finding] = []
    for model in models:
        if model.id.startswith("moderation_"):
            inter = model.coefficients[model.diagnostics["interaction"]]
            p_conservative, p_method = conservative(inter)
            local = {"alpha": alpha, "p": inter.p_value, "estimate": inter.estimate,
                     "p_conservative": p_conservative, "p_method": p_method,
                     "n_clusters": model.n_clusters}
            # "positive": the core's effect grows in size with the moderator (the product has
            # the sign of the baseline effect), "negative": it shrinks
            same = (inter.estimate > 0) == (facts["estimate"] > 0)
            moderations.append(Finding(
                key="moderation", grade=_grade(rules, "moderation", local), model=model.id,
                variable=model.diagnostics["moderator"],
                params={**local, "direction": "positive" if same else "negative",
                        **_marginal_range(model, facts["estimate"] > 0, alpha)}))
    # a moderation that removes or reverses the effect over part of the range comes first:
    # it is the one a reader must not miss (and the key messages take the first)
    out += sorted(moderations, key=lambda f: not (f.params.get("flips_at")
                                                  or f.params.get("fades_at")))
    for mediator in config.model.mediators:
        sobel = tests.get(f"sobel_{mediator}")
        a, b = by_id.get(f"mechanism_{mediator}_a"), by_id.get(f"mechanism_{mediator}_b")
        if sobel is None or a is None or b is None:
            continue
        local = {"alpha": alpha, "p": sobel.p_value, "indirect": sobel.extra["indirect"],
                 "a_p": a.coefficients[core].p_value, "b_p": b.coefficients[mediator].p_value,
                 # a channel of an effect only if the core finding is one (issue 17)
                 "core_causal": facts["endogeneity_holds"]}
        out.append(Finding(key="mechanism", grade=_grade(rules, "mechanism", local),
                           model=b.id, variable=mediator,
                           params={**local, "direction": _sign(sobel.extra["indirect"])}))
    test = tests.get("heterogeneity_equal_effects")
    if test is not None:
        groups = [m for m in models if m.id.startswith("heterogeneity_")
                  and m.id != "heterogeneity_interaction"]
        ranked = sorted(groups, key=lambda m: m.coefficients[core].estimate)
        local = {"alpha": alpha, "p": test.p_value, "n_groups": len(groups)}
        out.append(Finding(key="heterogeneity", grade=_grade(rules, "heterogeneity", local),
                           model="heterogeneity_interaction", variable=core, params={
                               **local, "strongest": ranked[-1].diagnostics["level"],
                               "strongest_estimate": ranked[-1].coefficients[core].estimate,
                               "weakest": ranked[0].diagnostics["level"],
                               "weakest_estimate": ranked[0].coefficients[core].estimate}))

    level = status.variable or dependent  # the status facts are about levels
    # over the entities present in the first and the last year (unbalanced panels)
    trend = dict(status.trend) or {"first": status.dependent_mean[0],
                                   "last": status.dependent_mean[-1]}
    if trend.get("first") is not None:
        first, last = trend["first"], trend["last"]
        out.append(Finding(key="trend", grade="fact", model="", variable=level, params={
            "first_year": status.years[0], "last_year": status.years[-1], "first": first,
            "last": last, "change": last - first, "n_matched": trend.get("n"),
            "n_first": trend.get("n_first"), "n_last": trend.get("n_last")}))
    leader, laggard = status.entities[0], status.entities[-1]  # highest and lowest
    better = config.better(dependent)
    lagging = laggards(status, rules.laggard_quantile, better,
                       config.better(status.share_column) if status.share_column else "neither")
    best = None if status.ranks_a_total else {"higher": leader.entity,
                                              "lower": laggard.entity}.get(better)
    out.append(Finding(key="ranking", grade="fact", model="", variable=level,
                       params={"year": status.report_year, "leader": leader.entity,
                               "leader_value": leader.value, "laggard": laggard.entity,
                               "laggard_value": laggard.value,
                               "gap": leader.value - laggard.value, "laggards": lagging,
                               "better": better, "best": best}))
    if status.share_column and status.hhi:
        at = status.years.index(status.report_year)
        top = max((e for e in status.entities if e.share is not None),
                  key=lambda e: e.share or 0.0)
        change = status.hhi[at] - status.hhi[at - 1] if at else 0.0
        recent, matched = status.recent, None
        if recent and recent.get("hhi_first") is not None and recent.get(
                "hhi_last") is not None and (recent["entered"] or recent["left"]):
            # entries and exits are no change in concentration: compared over the entities
            # present in both periods
            change, matched = recent["hhi_last"] - recent["hhi_first"], recent["n"]
        out.append(Finding(key="concentration", grade="fact", model="",
                           variable=status.share_column, params={
                               "year": status.report_year, "hhi": status.hhi[at],
                               "change": change, "n_matched": matched,
                               "top": top.entity, "top_share": top.share}))
    order = {key: i for i, key in enumerate(rules.key_messages)}
    out.sort(key=lambda f: order.get(f.key, len(order)))
    return tuple(out), recommendations(out, rules, config)


def _sign(value: float) -> str:
    return "positive" if value > 0 else "negative"


def in_percent(estimate: float, config: Config) -> dict[str, Any]:
    """The core's coefficient read in per cent where the model is in logs: an elasticity
    (both logs), the per-cent change of the dependent per unit of the core (dependent in
    logs, exact: 100·(e^b − 1)), or the change of the dependent per 10% more of the core
    (core in logs: b·ln 1.1); nothing when neither is a log (Config.is_log)."""
    log_y, log_x = config.is_log(config.model.dependent), config.is_log(config.model.core)
    if log_y and log_x:
        return {"percent_kind": "elasticity", "percent_size": estimate}
    if log_y:
        return {"percent_kind": "semi", "percent_size": 100 * math.expm1(estimate)}
    if log_x:
        return {"percent_kind": "log_core", "percent_size": estimate * math.log(1.1)}
    return {}


def per_sd(estimate: float, config: Config,
           descriptives: Mapping[str, Descriptive]) -> dict[str, Any]:
    """The core's coefficient per standard deviation of the core, where one unit of it
    says little (an index, a share) and no elasticity reads it: with the dependent in logs
    the per-cent change, 100·(e^(b·sd) − 1) ("sd_percent"); otherwise the change in the
    dependent's units and as a share of its standard deviation ("sd_units"). Nothing when
    the core is a log (read per 10%) or its SD is unknown or zero."""
    core, dependent = config.model.core, config.model.dependent
    x, y = descriptives.get(core), descriptives.get(dependent)
    if config.is_log(core) or x is None or not x.sd or not math.isfinite(x.sd):
        return {}
    size = estimate * x.sd
    if config.is_log(dependent):
        return {"sd_kind": "sd_percent", "sd_core": x.sd, "sd_size": 100 * math.expm1(size)}
    share = size / y.sd if y is not None and y.sd and math.isfinite(y.sd) else None
    return {"sd_kind": "sd_units", "sd_core": x.sd, "sd_size": size, "sd_share": share}


def _effect(direction: str | None, better: str) -> str:
    """A coefficient's sign read against the dependent's good direction: "favourable"
    (raising the core goes with a better dependent), "adverse", or "neutral" when the
    study does not say which way the dependent is good."""
    if better not in ("higher", "lower") or direction is None:
        return "neutral"
    return "favourable" if (direction == "positive") == (better == "higher") else "adverse"


def recommendation_facts(found: Sequence[Finding]) -> dict[str, Any]:
    """The facts a recommendation's `when` may use: the core finding as `core`, the
    moderators/mediators by name, `heterogeneity`, `ranking` and `trend`."""
    facts: dict[str, Any] = {"moderation": {}, "mechanism": {}, "heterogeneity": None}
    for f in found:
        entry = {"grade": f.grade, **f.params}
        if f.key in ("moderation", "mechanism"):
            facts[f.key][f.variable] = entry
        elif f.key == "core_effect":
            facts["core"] = entry
        else:
            facts[f.key] = entry
    return facts


def recommendations(found: Sequence[Finding], rules: Rules,
                    config: Config) -> tuple[dict[str, Any], ...]:
    """The catalogue entries whose `themes` meet the study's and whose `when` holds, in
    catalogue order; an entry with `for_each = "moderation"` (or "mechanism") is tried
    once per moderator (mediator), whose themes it must meet, which its condition sees as
    `item` and its text as {item}."""
    facts = recommendation_facts(found)
    facts["study"] = config.study.id
    facts["jurisdictions"] = config.jurisdictions()
    facts["themes"] = list(config.study_themes())
    # may advice say raise or expand it? (variables.<name>.lever) what is it about?
    # which way the dependent is good turns a sign into a gain or a loss
    better = config.better(config.model.dependent)
    if "core" in facts:
        core = config.model.core
        facts["core"] = {**facts["core"], "lever": config.lever(core),
                         "themes": list(config.themes(core)),
                         "effect": _effect(facts["core"].get("direction"), better)}
    if facts.get("trend"):
        change = facts["trend"].get("change", 0.0)
        facts["trend"] = {**facts["trend"], "worsening": (better == "higher" and change < 0)
                          or (better == "lower" and change > 0)}
    for family in ("moderation", "mechanism"):
        facts[family] = {name: {**item, "lever": config.lever(name),
                                "themes": list(config.themes(name))}
                         for name, item in facts[family].items()}
    chosen = []
    for entry in rules.recommendations:
        each = entry.get("for_each")
        items: list[tuple[str | None, Any]] = (list(facts[each].items()) if each
                                               else [(None, None)])
        for name, item in items:
            # an entry about given themes is for a study (or an item) about one of them
            about = item["themes"] if item is not None else facts["themes"]
            if entry.get("themes") and not set(entry["themes"]) & set(about):
                continue
            local = {**facts, "item": item, "item_name": name}
            if evaluate(entry.get("when", "true"), local, file=entry["_file"],
                        key=f"recommendation.{entry['id']}.when"):
                # the findings it rests on, as [key, variable] (the brief numbers them):
                # those of the alternatives of its condition that hold
                def holds(clause: str, local: dict = local, entry: Mapping = entry) -> bool:
                    return bool(evaluate(clause, local, file=entry["_file"],
                                         key=f"recommendation.{entry['id']}.when"))
                keys = basis_of(entry, holds)
                cited = [[f.key, f.variable] for f in found if f.key in keys
                         and (f.key not in ("moderation", "mechanism") or name is None
                              or f.variable == name)]
                chosen.append({"id": entry["id"], "item": name, "findings": cited})
    return tuple(chosen)


def year_over_year(previous: Mapping[str, Any] | None, found: Sequence[Finding],
                   status: Status) -> Finding | None:
    """What changed since last year's results.json of the same study: the core effect,
    and the entities whose rank moved most."""
    if not previous:
        return None
    core = next((f for f in found if f.key == "core_effect"), None)
    before = next((f for f in previous.get("findings", []) if f.get("key") == "core_effect"),
                  None)
    if core is None or before is None:
        return None
    old_ranks = {e["entity"]: e["rank"] for e in previous.get("status", {}).get("entities", [])}
    moves = sorted(((old_ranks[e.entity] - e.rank, e.entity) for e in status.entities
                    if e.entity in old_ranks), reverse=True)
    riser = moves[0] if moves and moves[0][0] > 0 else None
    faller = moves[-1] if moves and moves[-1][0] < 0 else None
    return Finding(key="year_over_year", grade="fact", model=core.model, variable=core.variable,
                   params={"previous_year": previous.get("study", {}).get("year"),
                           "previous_estimate": before["params"]["estimate"],
                           "estimate": core.params["estimate"],
                           "previous_grade": before["grade"], "grade": core.grade,
                           "riser": riser[1] if riser else None,
                           "riser_places": riser[0] if riser else 0,
                           "faller": faller[1] if faller else None,
                           "faller_places": -faller[0] if faller else 0})
