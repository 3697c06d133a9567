"""From numbers to graded statements, still without language (keys, grades, parameters).

The grade of the core effect follows the evidence: significance at the configured level in
every baseline specification with a stable sign is `strong`; significance at twice that
level in the main specification is `suggestive`; anything else is `none`. Wording for
each grade lives in the message catalogues, never here.
"""

from __future__ import annotations

from reporter.config import Config
from reporter.results import Finding, ModelResult, Status

FEW_CLUSTERS = 30


def grade_core(models: list[ModelResult], core: str, alpha: float) -> str:
    """`strong`, `suggestive` or `none` for the core coefficient across `models`
    (the last one is the main specification)."""
    main = models[-1].coef(core)
    signs = {m.coef(core).estimate > 0 for m in models}
    if len(signs) == 1 and all(m.coef(core).p_value < alpha for m in models):
        return "strong"
    if main.p_value < 2 * alpha:
        return "suggestive"
    return "none"


def findings(models: tuple[ModelResult, ...], status: Status,
             config: Config) -> tuple[Finding, ...]:
    """The key messages of the brief, in order."""
    core, alpha = config.model.core, config.report.significance
    baseline = [m for m in models if m.id in ("baseline", "baseline_controls")]
    main = baseline[-1]
    coef = main.coef(core)
    grade = grade_core(baseline, core, alpha)
    out = [Finding(key="core_effect", grade=grade, model=main.id, variable=core,
                   params={"direction": "positive" if coef.estimate > 0 else "negative",
                           "estimate": coef.estimate, "p_value": coef.p_value,
                           "ci_low": coef.ci_low, "ci_high": coef.ci_high,
                           "n_clusters": main.n_clusters,
                           "few_clusters": main.n_clusters < FEW_CLUSTERS})]
    first, last = status.dependent_mean[0], status.dependent_mean[-1]
    out.append(Finding(key="trend", grade="fact", model="", variable=config.model.dependent,
                       params={"first_year": status.years[0], "last_year": status.years[-1],
                               "first": first, "last": last, "change": last - first}))
    leader, laggard = status.entities[0], status.entities[-1]
    out.append(Finding(key="ranking", grade="fact", model="", variable=config.model.dependent,
                       params={"year": status.report_year, "leader": leader.entity,
                               "leader_value": leader.value, "laggard": laggard.entity,
                               "laggard_value": laggard.value,
                               "gap": leader.value - laggard.value}))
    return tuple(out)
