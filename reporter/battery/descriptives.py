"""Descriptive statistics, Pearson correlations with two-sided p-values, and VIFs."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from reporter.battery.panel import PanelDesign, absorbed, spread
from reporter.results import Correlations, Descriptive


def descriptives(frame: pd.DataFrame, variables: list[str]) -> dict[str, Descriptive]:
    """n, mean, sd (n-1), min and max of each variable, as Stata's `summarize`."""
    out = {}
    for name in variables:
        col = frame[name].dropna().to_numpy(dtype=float)
        out[name] = Descriptive(n=int(col.size), mean=float(col.mean()),
                                sd=float(col.std(ddof=1)), min=float(col.min()),
                                max=float(col.max()))
    return out


def correlations(frame: pd.DataFrame, variables: list[str]) -> Correlations:
    """Pearson r with the two-sided p of t = r·sqrt((n-2)/(1-r²)) on n-2 df (R's cor.test)."""
    data = frame[variables].to_numpy(dtype=float)
    n = data.shape[0]
    r = np.corrcoef(data, rowvar=False)
    r = np.clip(r, -1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = r * np.sqrt((n - 2) / (1.0 - r ** 2))
    p = 2 * special.stdtr(n - 2, -np.abs(t))  # stats.t.sf(|t|, n-2), without scipy.stats
    np.fill_diagonal(r, 1.0)
    np.fill_diagonal(p, 0.0)
    table_r = {a: {b: float(r[i, j]) for j, b in enumerate(variables)}
               for i, a in enumerate(variables)}
    table_p = {a: {b: float(p[i, j]) for j, b in enumerate(variables)}
               for i, a in enumerate(variables)}
    return Correlations(variables=tuple(variables), r=table_r, p=table_p)


def vif(frame: pd.DataFrame, regressors: list[str]) -> dict[str, float]:
    """1/(1-R²_j) of each regressor on the others with an intercept (car::vif, Stata estat vif)."""
    if len(regressors) < 2:
        return {}
    data = frame[regressors].to_numpy(dtype=float)
    out = {}
    for j, name in enumerate(regressors):
        target = data[:, j]
        others = np.column_stack([np.ones(len(target)), np.delete(data, j, axis=1)])
        coef, *_ = np.linalg.lstsq(others, target, rcond=None)
        resid = target - others @ coef
        r2 = 1.0 - (resid @ resid) / ((target - target.mean()) @ (target - target.mean()))
        out[name] = float(1.0 / (1.0 - r2)) if r2 < 1.0 else float("inf")
    return out


def vif_within(frame: pd.DataFrame, entity: str, time: str,
               regressors: list[str]) -> dict[str, float]:
    """The VIF of each regressor once the entity and year effects are removed: the
    collinearity the two-way FE estimate faces. A pooled VIF in levels mostly measures how
    entities differ in size, which the effects absorb (six New England states: 48 pooled,
    1.6 within).
    Regressors the effects absorb have none."""
    design = PanelDesign.from_frame(frame, entity, time)
    raw = frame[regressors].to_numpy(dtype=float)
    within = design.demean(raw.copy(), entity_effects=True, time_effects=True)
    kept = [name for name, gone in zip(regressors, absorbed(spread(raw), within), strict=True)
            if not gone]
    columns = [regressors.index(name) for name in kept]
    return vif(pd.DataFrame(within[:, columns], columns=kept), kept)
