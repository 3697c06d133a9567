"""Mechanisms: the core's effect on each mediator, the mediator's effect on the outcome
alongside the core, and a Sobel test of the indirect effect a·b."""

from __future__ import annotations

import numpy as np
import pandas as pd

from reporter import messages
from reporter.battery.dist import norm_sf
from reporter.battery.panel import PanelDesign, estimate, to_result
from reporter.config import ModelConfig
from reporter.results import ModelResult, TestResult


def sobel(a: float, se_a: float, b: float, se_b: float) -> TestResult:
    """z = a·b / sqrt(b²·se_a² + a²·se_b²), two-sided normal p (Sobel 1982)."""
    se = float(np.sqrt(b * b * se_a * se_a + a * a * se_b * se_b))
    z = a * b / se
    return TestResult(stat=z, df=0, p_value=float(2 * norm_sf(abs(z))),
                      extra={"indirect": a * b, "std_error": se})


def mechanism(frame: pd.DataFrame, design: PanelDesign, model: ModelConfig,
              mediator: str) -> tuple[list[ModelResult], TestResult]:
    """`mechanism_<M>_a` (M on core + controls) and `mechanism_<M>_b` (y on core + M +
    controls), two-way FE with the contract's SEs, and the Sobel test."""
    names = {"core": model.core, "mediator": mediator, "dependent": model.dependent}
    out = []
    for part, dependent, regressors in (
            ("a", mediator, [model.core, *model.controls]),
            ("b", model.dependent, [model.core, mediator, *model.controls])):
        model_id = f"mechanism_{mediator}_{part}"
        fit = estimate(frame, design, dependent, regressors, model_id=model_id,
                       entity_effects=True, time_effects=True)
        label = {lang: messages.text(f"model.mechanism_{part}", lang, **names)
                 for lang in messages.LANGUAGES}
        out.append(to_result(fit, model_id=model_id, dependent=dependent,
                             regressors=regressors, estimator="twoway_fe", label=label,
                             diagnostics={"mediator": mediator}))
    a, b = out[0].coef(model.core), out[1].coef(mediator)
    return out, sobel(a.estimate, a.std_error, b.estimate, b.std_error)
