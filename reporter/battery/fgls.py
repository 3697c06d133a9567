"""Feasible GLS for panels: Stata's `xtgls …, panels(hetero) corr(ar1)` and plm's `pggls`.

`fgls` follows Stata's own xtgls.ado (2.7.2) and _crcar1.ado step by step, `fgls_general`
follows `plm::pggls(model="within")` (plm 2.6.2) including bdsmatrix's generalised inverse.
Both report z statistics (`df_inference = 0` means normal p-values and intervals), as
xtgls and `summary(pggls)` do. Checked against tests/reference/make_fgls.R.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import linalg

from reporter import messages
from reporter.battery.demean import demean_entity
from reporter.battery.dist import chi2_sf
from reporter.battery.panel import (
    CONST,
    PanelDesign,
    absorbed,
    check_rank,
    coefficient_table,
    spread,
)
from reporter.errors import EstimationError
from reporter.results import ModelResult


@dataclass(frozen=True)
class XtglsConvention:
    """Stata `xtgls y x i.year, panels(hetero) corr(ar1)` defaults: rhotype(regress)
    ρ_i = Σe_t·e_{t-1}/Σe_{t-1}², common ρ = Σ T_i·ρ_i / Σ T_i, Prais–Winsten first rows
    scaled by √(1-ρ²), σ_i² = mean of the transformed residuals² (divisor T_i, no `nmk`),
    two-step (no `igls`), V = (X*'Ω⁻¹X*)⁻¹, z inference. Panels with one observation are
    dropped and periods must be consecutive within a panel (Stata: error 459 without
    `force`); consecutive is judged on the sample's own calendar of periods."""

    name: str = "xtgls_hetero_ar1"
    rhotype: str = "regress"


@dataclass(frozen=True)
class PgglsConvention:
    """`plm::pggls(model="within", effect="individual")`: within OLS residuals give
    Ω_T = mean over entities of u_i·u_i' (each cell over the entities observing both
    periods); entity i's block is Ω_T[obs_i, obs_i], inverted as bdsmatrix does; V = (X'Ω⁻X)⁻¹
    and z inference as `summary(pggls)`; r2 is plm's 1 - SSR/TSS(y). Needs N > T."""

    name: str = "pggls_within"
    pivot_tolerance: float = 1e-10


XTGLS = XtglsConvention()
PGGLS = PgglsConvention()


def _per_entity_sum(values: np.ndarray, entity: np.ndarray, n_entities: int) -> np.ndarray:
    """Σ of `values` within each entity (0 for entities without rows)."""
    return np.bincount(entity, weights=values, minlength=n_entities)


def fit_xtgls(
    frame: pd.DataFrame,
    design: PanelDesign,
    dependent: str,
    regressors: list[str],
    *,
    model_id: str = "fgls",
    rho: float | None = None,
    panels: Literal["hetero", "iid"] = "hetero",
) -> ModelResult:
    """Two-step FGLS with panel heteroskedasticity and a common AR(1), year dummies and a
    constant, as Stata `xtgls y x i.year, panels(hetero) corr(ar1)`.

    `rho` fixes ρ instead of estimating it and `panels="iid"` uses one variance (Stata's
    panels(iid)); both exist for closed-form checks, the contract uses the defaults.
    A gap inside a panel raises `estimate.fgls_gaps` (Stata refuses such data) and
    |ρ| ≥ 1, where Prais–Winsten is undefined, raises `estimate.fgls_rho`.
    """
    order = np.lexsort((design.time, design.entity))
    entity, time = design.entity[order], design.time[order]
    counts = np.bincount(entity, minlength=design.n_entities)
    keep = counts[entity] > 1  # corr(ar1) drops panels with a single observation
    entity, time, order = entity[keep], time[keep], order[keep]
    first = np.r_[True, entity[1:] != entity[:-1]]
    step = np.diff(time)[~first[1:]]
    if np.any(step != 1):  # gaps or repeated periods inside a panel: Stata refuses (459)
        raise EstimationError("estimate.fgls_gaps", model=model_id)

    periods = np.unique(time)
    dummies = (time[:, None] == periods[None, 1:]).astype(float)  # i.year, first year base
    y = frame[dependent].to_numpy(dtype=float)[order]
    x = frame[regressors].to_numpy(dtype=float)[order]
    z = np.hstack([x, dummies, np.ones((len(y), 1))])
    names = [*regressors, *(f"period[{t}]" for t in periods[1:]), CONST]
    nobs, k = z.shape
    if nobs <= k:
        raise EstimationError("estimate.too_few_rows", model=model_id, nobs=nobs, needed=k + 1)
    check_rank(z, names, model_id)

    residual = y - z @ np.linalg.lstsq(z, y, rcond=None)[0]
    lagged = np.where(first, 0.0, np.r_[0.0, residual[:-1]])
    numerator = _per_entity_sum(residual * lagged, entity, design.n_entities)
    denominator = _per_entity_sum(lagged**2, entity, design.n_entities)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho_i = numerator / denominator
    t_i = np.bincount(entity, minlength=design.n_entities).astype(float)
    used = (t_i > 1) & np.isfinite(rho_i)  # Stata skips a panel whose ρ_i is missing
    if rho is None:
        rho = float(np.sum(t_i[used] * rho_i[used]) / np.sum(t_i[used]))
    if not abs(rho) < 1:
        raise EstimationError("estimate.fgls_rho", model=model_id, rho=f"{rho:.4f}")

    both = np.column_stack([y, z])
    previous = np.vstack([both[:1], both[:-1]])
    star = np.where(first[:, None], np.sqrt(1 - rho**2) * both, both - rho * previous)
    y_star, z_star = star[:, 0], star[:, 1:]
    e_star = y_star - z_star @ np.linalg.lstsq(z_star, y_star, rcond=None)[0]
    if panels == "hetero":
        sigma2 = _per_entity_sum(e_star**2, entity, design.n_entities) / np.maximum(t_i, 1)
    else:
        sigma2 = np.full(design.n_entities, float(np.mean(e_star**2)))
    weight = 1.0 / sigma2[entity]
    cov = linalg.inv(z_star.T @ (weight[:, None] * z_star))
    beta = cov @ (z_star.T @ (weight * y_star))

    slopes = slice(0, k - 1)  # Stata's Wald chi2: every indepvar, not _cons
    wald = float(beta[slopes] @ linalg.solve(cov[slopes, slopes], beta[slopes]))
    reported = [*range(len(regressors)), k - 1]
    n_entities = int(np.count_nonzero(t_i))
    return ModelResult(
        id=model_id,
        label=messages.label(f"model.{model_id}"),
        estimator="fgls_xtgls",
        dependent=dependent,
        regressors=tuple(regressors),
        nobs=nobs,
        n_entities=n_entities,
        n_periods=len(periods),
        n_clusters=n_entities,
        df_resid=nobs - k,
        df_inference=0,
        r2=float("nan"),  # xtgls reports no R²; results.json writes null
        r2_within=None,
        entity_effects=False,
        time_effects=True,
        cov_type=XTGLS.name,
        coefficients=coefficient_table([names[j] for j in reported], beta[reported],
                                       np.sqrt(np.diag(cov))[reported], None),
        diagnostics={
            "rho": rho,
            "rhotype": XTGLS.rhotype,
            "rho_by_entity": tuple(float(r) if u else None for r, u in zip(rho_i, used,
                                                                              strict=True)),
            # ρ_i beyond ±1 (a panel's residuals trend): only the common ρ is used, which
            # must lie inside (-1, 1); these are counted so the brief can say so
            "rho_by_entity_outside_unit": int(np.sum(used & (np.abs(rho_i) >= 1))),
            "panel_variances": tuple(float(s) if t else None for s, t in zip(sigma2, t_i,
                                                                              strict=True)),
            "n_year_dummies": len(periods) - 1,
            "year_effects": tuple(map(float, beta[len(regressors):k - 1])),
            "dropped_singletons": int(np.sum(counts == 1)),
            "wald_chi2": wald,
            "wald_df": k - 1,
            "wald_p_value": float(chi2_sf(wald, k - 1)),
        },
    )


def plm_block_inverse(block: np.ndarray, eps: float) -> np.ndarray:
    """The inverse plm uses for one Ω block: bdsmatrix's LDL' in natural order with pivots
    |d| < eps dropped, then D⁺ inverting only positive pivots (matters when Ω is indefinite)."""
    a = block.copy()
    size = len(a)
    lower = np.eye(size)
    pivots = np.zeros(size)
    for j in range(size):
        pivot = a[j, j]
        if abs(pivot) < eps:
            continue
        pivots[j] = pivot
        column = a[j + 1:, j] / pivot
        lower[j + 1:, j] = column
        a[j + 1:, j + 1:] -= np.outer(column, column) * pivot
    inv_lower = linalg.solve_triangular(lower, np.eye(size), lower=True, unit_diagonal=True)
    d_plus = np.divide(1.0, pivots, out=np.zeros(size), where=pivots > 0)
    return inv_lower.T @ (d_plus[:, None] * inv_lower)


def fit_pggls(
    frame: pd.DataFrame,
    design: PanelDesign,
    dependent: str,
    regressors: list[str],
    *,
    model_id: str = "fgls_general",
) -> ModelResult:
    """General FGLS with an unrestricted T×T within-entity covariance, as
    `plm::pggls(y ~ x, model="within", effect="individual")`; needs more entities than periods."""
    n_entities, n_periods = design.n_entities, design.n_periods
    if n_entities <= n_periods:
        raise EstimationError("estimate.fgls_short_panel", model=model_id,
                              n_entities=n_entities, n_periods=n_periods)
    y_raw = frame[dependent].to_numpy(dtype=float)
    both = np.column_stack([y_raw, frame[regressors].to_numpy(dtype=float)])
    within = demean_entity(both, design.entity, n_entities)
    y, x = within[:, 0], within[:, 1:]
    # a time-invariant control has no within variation: left out, as the FE models do
    gone = absorbed(spread(both[:, 1:]), x)
    if gone.size and gone[0]:
        raise EstimationError("estimate.core_absorbed", model=model_id, variable=regressors[0])
    omitted = [n for n, g in zip(regressors, gone, strict=True) if g]
    regressors = [n for n, g in zip(regressors, gone, strict=True) if not g]
    x = x[:, ~gone]
    nobs, k = x.shape
    if nobs <= k:
        raise EstimationError("estimate.too_few_rows", model=model_id, nobs=nobs, needed=k + 1)
    check_rank(x, list(regressors), model_id)

    u = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    cell = (design.entity, design.time)
    grid_u = np.zeros((n_entities, n_periods))
    seen = np.zeros((n_entities, n_periods))
    grid_u[cell], seen[cell] = u, 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        omega = (grid_u.T @ grid_u) / (seen.T @ seen)
    eps = PGGLS.pivot_tolerance * float(np.max(np.diag(omega)))

    grid = np.zeros((n_entities, n_periods, k + 1))
    grid[cell] = np.column_stack([y, x])
    patterns, which = np.unique(seen.astype(bool), axis=0, return_inverse=True)
    moments = np.zeros((k + 1, k + 1))
    for p, pattern in enumerate(patterns):  # one block shape per pattern of observed periods
        inverse = plm_block_inverse(omega[np.ix_(pattern, pattern)], eps)
        data = grid[which.ravel() == p][:, pattern, :]
        moments += np.einsum("nsa,st,ntb->ab", data, inverse, data)
    cov = linalg.inv(moments[1:, 1:])
    beta = linalg.solve(moments[1:, 1:], moments[1:, 0])

    resid = y - x @ beta
    ssr = float(resid @ resid)
    tss = float(((y_raw - y_raw.mean()) ** 2).sum())
    min_eigenvalue = float(np.linalg.eigvalsh(np.nan_to_num(omega))[0])
    return ModelResult(
        id=model_id,
        label=messages.label(f"model.{model_id}"),
        estimator="fgls_pggls",
        dependent=dependent,
        regressors=tuple(regressors),
        nobs=nobs,
        n_entities=n_entities,
        n_periods=n_periods,
        n_clusters=n_entities,
        df_resid=nobs - k,
        df_inference=0,
        r2=1.0 - ssr / tss,
        r2_within=None,
        entity_effects=True,
        time_effects=False,
        cov_type=PGGLS.name,
        coefficients=coefficient_table(regressors, beta, np.sqrt(np.diag(cov)), None),
        diagnostics={
            "omega": tuple(tuple(float(v) if np.isfinite(v) else None for v in row)
                           for row in omega),
            "omega_min_eigenvalue": min_eigenvalue,
            "omega_indefinite": min_eigenvalue < -eps,
            "ssr": ssr,
            "balanced": bool(seen.all()),
            **({"absorbed": omitted} if omitted else {}),
        },
    )
