"""Every estimate the brief reports, one module per analysis family.

Engines stay behind this boundary: the rest of the code sees only `reporter.results`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reporter.battery import bootstrap, robustness
from reporter.battery.baseline import baseline
from reporter.battery.descriptives import correlations, descriptives, vif, vif_within
from reporter.battery.error_structure import fgls_tests
from reporter.battery.fgls import fit_pggls, fit_xtgls
from reporter.battery.heterogeneity import heterogeneity
from reporter.battery.iv import iv
from reporter.battery.mechanisms import mechanism
from reporter.battery.moderation import moderation
from reporter.battery.panel import PanelDesign, estimate, listwise, singleton_policy
from reporter.battery.selection import selection
from reporter.battery.status import status
from reporter.config import Config
from reporter.errors import EstimationError
from reporter.literals import LANGUAGES
from reporter.load import Panel
from reporter.prepare import time_step
from reporter.results import Correlations, Descriptive, ModelResult, Status, TestResult


@dataclass(frozen=True)
class Battery:
    descriptives: dict[str, Descriptive]
    correlations: Correlations
    vif: dict[str, float]
    tests: dict[str, TestResult]
    models: tuple[ModelResult, ...]
    status: Status
    selection: dict[str, str] = field(default_factory=dict)
    sensitivity: dict[str, Any] = field(default_factory=dict)


def _with_missing(result: ModelResult, record: dict[str, Any] | None) -> ModelResult:
    """`result` with the record of the rows its sample left out for a missing value."""
    if not record:
        return result
    return replace(result, diagnostics={**result.diagnostics, "missing": record})


def general_fgls_unidentified(n: int, t: int) -> dict[str, Any] | None:
    """Why `fgls_general` is not identified here, or None. Its unrestricted T×T error
    covariance has T(T+1)/2 distinct variances and covariances, estimated from the entities'
    residual vectors; with fewer entities than that the estimate is singular or nearly so
    (within residuals sum to zero, so it is never of full rank), its inverse is noise and
    the reported standard errors are far too small (Beck and Katz 1995, for the mirror case
    of Parks' estimator). So the brief shows and counts it only with N ≥ T(T+1)/2."""
    if n < t * (t + 1) // 2:
        return {"reason": "estimate.fgls_not_identified", "model": "fgls_general",
                "n_entities": n, "n_periods": t, "parameters": t * (t + 1) // 2}
    return None


def run_battery(panel: Panel, config: Config) -> Battery:
    """Run every analysis family on the prepared panel, in the order the brief reports;
    fixed-effects fits drop or keep singletons as `model.singletons` says."""
    with singleton_policy(config.model.singletons):
        return _battery(panel, config)


def _battery(panel: Panel, config: Config) -> Battery:
    model = config.model
    frame, entity, time = panel.frame, panel.entity, panel.time
    alpha = config.report.significance
    variables = list(dict.fromkeys([model.dependent, model.core, *model.controls,
                                    *model.moderators]))
    design = PanelDesign.from_frame(frame, entity, time)
    regressors = [model.core, *model.controls]
    # each model is estimated on the rows its own variables are present in (listwise, as
    # Stata's e(sample)): `estimate` drops them for the least-squares fits; the families
    # below that share one sample of dependent, core and controls get it made here
    main, main_design, lost = listwise(frame, design, [model.dependent, *regressors])
    noted: list[ModelResult] = []  # models on `main`, which carry its record

    chosen = selection(main, main_design, model.dependent, regressors, alpha)
    noted += chosen.models
    models: list[ModelResult] = [*chosen.models, *baseline(frame, design, model)]
    tests: dict[str, TestResult] = dict(chosen.tests)
    models.extend(iv(frame, entity, time, model))
    winsorized = robustness.winsorized(main, main_design, model, config.prepare.winsorize)
    dk = robustness.driscoll_kraay(main, main_design, model)
    noted += [winsorized, dk]
    models += [winsorized, robustness.lagged_core(frame, entity, time, model),
               *robustness.drop_years(frame, entity, time, model), dk]
    not_estimated: dict[str, dict[str, Any]] = {}
    balanced = len(main) == main_design.n_entities * main_design.n_periods
    for model_id, fit in (("fgls", fit_xtgls), ("fgls_general", fit_pggls)):
        if model_id == "fgls_general" and not balanced:
            not_estimated[model_id] = {"reason": "estimate.fgls_unbalanced", "model": model_id}
            continue
        try:
            fitted = fit(main, main_design, model.dependent, regressors)
        except EstimationError as error:  # a robustness check, not the brief's premise
            not_estimated[model_id] = {"reason": error.key, **error.params}
            continue
        if model_id == "fgls_general" and (why := general_fgls_unidentified(
                main_design.n_entities, main_design.n_periods)):
            # estimated as plm does (the contract lists it), but neither shown nor counted
            fitted = replace(fitted, diagnostics={**fitted.diagnostics, "identified": False,
                                                  "not_identified": why})
        noted.append(fitted)
        models.append(fitted)
    # what justifies FGLS: groupwise heteroskedasticity and serial correlation in the
    # errors of the two-way FE baseline with controls, on its sample
    baseline_fit = estimate(main, main_design, model.dependent, regressors,
                            model_id="baseline_controls", entity_effects=True,
                            time_effects=True)
    tests.update(fgls_tests(baseline_fit, main, entity, time, model.dependent, regressors,
                            time_step(frame, entity, time)))
    for moderator in model.moderators:
        sample, sample_design, record = listwise(frame, design,
                                                 [model.dependent, *regressors, moderator])
        fitted = moderation(sample, sample_design, model, moderator,
                            {lang: config.label(moderator, lang) for lang in LANGUAGES})
        models.append(_with_missing(fitted, record))
    for mediator in model.mediators:
        sample, sample_design, record = listwise(frame, design,
                                                 [model.dependent, *regressors, mediator])
        pair, test = mechanism(sample, sample_design, model, mediator)
        models.extend(_with_missing(m, record) for m in pair)
        tests[f"sobel_{mediator}"] = test
    if model.heterogeneity is not None:
        group = model.heterogeneity
        split, test = heterogeneity(main, entity, time, main_design, model, group,
                                    lambda level, lang: config.level_label(group, level, lang))
        noted += split
        models.extend(split)
        tests["heterogeneity_equal_effects"] = test
    if lost:
        ids = {m.id for m in noted}
        models = [_with_missing(m, lost) if m.id in ids else m for m in models]
    inference = config.inference
    options = bootstrap.WildClusterBootstrap(reps=inference.reps, seed=inference.seed,
                                             weights=inference.weights)
    tested, record = bootstrap.attach(models, frame, entity, time, design, model.core,
                                      options if inference.bootstrap else None)
    sensitivity = {"leave_one_out": robustness.leave_one_out(main, entity, time, model, alpha),
                   "vif_within": vif_within(main, entity, time, regressors),
                   "not_estimated": not_estimated, "wild_bootstrap": record}
    return Battery(
        descriptives=descriptives(frame, variables),
        correlations=correlations(frame.dropna(subset=variables), variables),
        vif=vif(main, regressors),
        tests=tests,
        models=tested,
        status=status(panel, config.level_of(model.dependent), model.core, config.study.year,
                      config.status.share),
        selection={"chosen": chosen.chosen, "reason": chosen.reason},
        sensitivity=sensitivity,
    )
