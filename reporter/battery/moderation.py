"""Moderation: two-way FE with the core, the moderator and the product of the centred pair,
and the marginal effect of the core across the moderator's distribution."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from reporter import messages
from reporter.battery.demean import demean_entity
from reporter.battery.dist import t_ppf, t_sf
from reporter.battery.panel import PanelDesign, estimate, to_result
from reporter.config import ModelConfig
from reporter.errors import EstimationError
from reporter.results import ModelResult

PERCENTILES = (0.10, 0.25, 0.50, 0.75, 0.90)


def interaction_name(core: str, moderator: str) -> str:
    return f"{core}_x_{moderator}"


def with_interaction(frame: pd.DataFrame, core: str, moderator: str,
                     ) -> tuple[pd.DataFrame, str, float, float]:
    """`frame` with `<core>_x_<MOD>` = (core - mean)(MOD - mean), its name and the means."""
    name = interaction_name(core, moderator)
    core_mean, mod_mean = float(frame[core].mean()), float(frame[moderator].mean())
    data = frame.assign(**{name: (frame[core] - core_mean) * (frame[moderator] - mod_mean)})
    return data, name, core_mean, mod_mean


def moderation(frame: pd.DataFrame, design: PanelDesign, model: ModelConfig,
               moderator: str, names: Mapping[str, str] | None = None) -> ModelResult:
    """`moderation_<MOD>`: y on core, MOD, (core - mean)(MOD - mean) and the controls;
    marginal effects of the core at the moderator's percentiles (R `quantile` type 7).
    `names`: the moderator's label by language, for the model's name (else its column)."""
    model_id = f"moderation_{moderator}"
    values = frame[[moderator]].to_numpy(dtype=float)
    if np.allclose(demean_entity(values, design.entity, design.n_entities), 0.0):
        raise EstimationError("estimate.constant_within", model=model_id, variable=moderator)
    data, name, core_mean, mod_mean = with_interaction(frame, model.core, moderator)
    regressors = [model.core, moderator, name, *(c for c in model.controls if c != moderator)]
    fit = estimate(data, design, model.dependent, regressors, model_id=model_id,
                   entity_effects=True, time_effects=True)
    i_core, i_int = fit.index([model.core, name])
    t_crit = t_ppf(0.975, fit.df)
    effects = []
    for p in PERCENTILES:
        at = float(np.quantile(frame[moderator].to_numpy(dtype=float), p))
        d = at - mod_mean
        est = fit.beta[i_core] + d * fit.beta[i_int]
        se = float(np.sqrt(fit.cov[i_core, i_core] + d * d * fit.cov[i_int, i_int]
                           + 2 * d * fit.cov[i_core, i_int]))
        stat = est / se
        effects.append({"percentile": p, "moderator_value": at, "estimate": float(est),
                        "std_error": se, "stat": float(stat),
                        "p_value": float(2 * t_sf(abs(stat), fit.df)),
                        "ci_low": float(est - t_crit * se), "ci_high": float(est + t_crit * se)})
    label = {lang: messages.text("model.moderation", lang,
                                 moderator=(names or {}).get(lang, moderator))
             for lang in messages.LANGUAGES}
    return to_result(fit, model_id=model_id, dependent=model.dependent, regressors=regressors,
                     estimator="twoway_fe", label=label,
                     diagnostics={"moderator": moderator, "interaction": name,
                                  "centre": {model.core: core_mean, moderator: mod_mean},
                                  "marginal_effects": effects})
