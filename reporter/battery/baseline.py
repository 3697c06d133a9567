"""The two-way fixed-effects baseline, with and without controls (seed study 1, table 11)."""

from __future__ import annotations

import pandas as pd

from reporter.battery.panel import PanelDesign, fit_panel_ols
from reporter.config import ModelConfig
from reporter.results import ModelResult


def baseline(frame: pd.DataFrame, design: PanelDesign, model: ModelConfig) -> list[ModelResult]:
    """`baseline`: core only; `baseline_controls`: core + controls (when there are controls)."""
    specs = [("baseline", [model.core])]
    if model.controls:
        specs.append(("baseline_controls", [model.core, *model.controls]))
    return [fit_panel_ols(frame, design, model.dependent, regressors, model_id=model_id,
                          entity_effects=True, time_effects=True, estimator="twoway_fe")
            for model_id, regressors in specs]
