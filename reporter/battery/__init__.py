"""Every estimate the brief reports, one module per analysis family.

Engines stay behind this boundary: the rest of the code sees only `reporter.results`.
"""

from __future__ import annotations

from dataclasses import dataclass

from reporter.battery.baseline import baseline
from reporter.battery.descriptives import correlations, descriptives, vif
from reporter.battery.panel import PanelDesign
from reporter.battery.status import status
from reporter.config import Config
from reporter.load import Panel
from reporter.results import Correlations, Descriptive, ModelResult, Status, TestResult


@dataclass(frozen=True)
class Battery:
    descriptives: dict[str, Descriptive]
    correlations: Correlations
    vif: dict[str, float]
    tests: dict[str, TestResult]
    models: tuple[ModelResult, ...]
    status: Status


def run_battery(panel: Panel, config: Config) -> Battery:
    """Run every analysis family on the prepared panel."""
    model = config.model
    frame = panel.frame
    variables = [model.dependent, model.core, *model.controls, *model.moderators]
    design = PanelDesign.from_frame(frame, panel.entity, panel.time)
    models = baseline(frame, design, model)
    return Battery(
        descriptives=descriptives(frame, variables),
        correlations=correlations(frame, variables),
        vif=vif(frame, [model.core, *model.controls]),
        tests={},
        models=tuple(models),
        status=status(panel, model.dependent, model.core, config.study.year),
    )
