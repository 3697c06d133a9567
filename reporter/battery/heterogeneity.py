"""Heterogeneity: split-sample estimates by a group fixed within entities (east/central/
west), and a pooled test that the core's effect is the same in every group."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from reporter import messages
from reporter.battery.panel import PanelDesign, estimate, to_result, wald
from reporter.config import ModelConfig
from reporter.results import ModelResult, TestResult


def heterogeneity(frame: pd.DataFrame, entity: str, time: str, design: PanelDesign,
                  model: ModelConfig, group: str,
                  names: Callable[[str, str], str] | None = None,
                  ) -> tuple[list[ModelResult], TestResult]:
    """`heterogeneity_<level>` for each level with at least two entities, and
    `heterogeneity_interaction`: core × 1[level] for all but the first level, with the
    Wald F test that those interactions are all zero (F(q, G-1))."""
    levels = sorted(frame[group].unique())
    regressors = [model.core, *model.controls]
    models, skipped = [], []
    for level in levels:
        sample = frame[frame[group] == level].reset_index(drop=True)
        if sample[entity].nunique() < 3:
            skipped.append(level)
            continue
        sub = PanelDesign.from_frame(sample, entity, time)
        model_id = f"heterogeneity_{level}"
        fit = estimate(sample, sub, model.dependent, regressors, model_id=model_id,
                       entity_effects=True, time_effects=True)
        label = {lang: messages.text("model.heterogeneity", lang,
                                     group=names(level, lang) if names else level)
                 for lang in messages.LANGUAGES}
        models.append(to_result(fit, model_id=model_id, dependent=model.dependent,
                                regressors=regressors, estimator="twoway_fe", label=label,
                                diagnostics={"group": group, "level": level}))
    terms = [f"{model.core}_x_{group}_{level}" for level in levels[1:]]
    data = frame.assign(**{name: frame[model.core] * (frame[group] == level)
                           for name, level in zip(terms, levels[1:], strict=True)})
    fit = estimate(data, design, model.dependent, [model.core, *terms, *model.controls],
                   model_id="heterogeneity_interaction", entity_effects=True,
                   time_effects=True)
    test = wald(fit, terms)
    models.append(to_result(fit, model_id="heterogeneity_interaction",
                            dependent=model.dependent,
                            regressors=[model.core, *terms, *model.controls],
                            estimator="twoway_fe",
                            diagnostics={"group": group, "base_level": levels[0],
                                         "skipped_levels": skipped}))
    return models, TestResult(stat=test.stat, df=test.df, p_value=test.p_value,
                              extra={**test.extra, "group": group, "levels": levels})
