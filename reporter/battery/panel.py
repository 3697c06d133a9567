"""Linear panel estimators (pooled, entity FE, two-way FE) with the contract's inference.

Written in numpy rather than through linearmodels because the contract fixes conventions
that differ from linearmodels' defaults (it counts the absorbed effects in its cluster
correction), and because one shared demeaning per sample is where the speed is. Every
number here is tested against R's plm + sandwich (tests/reference/).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg

from reporter import messages
from reporter.battery.demean import demean_entity, demean_twoway, is_grid
from reporter.battery.dist import f_sf, norm_ppf, norm_sf_each, t_ppf, t_sf_each
from reporter.errors import EstimationError
from reporter.results import Coefficient, ModelResult, TestResult

CONST = "const"
_RANK_TOL = 1e-10
# a regressor keeping at most this share of its variation once the effects are removed is
# absorbed by them (exactly zero but for rounding when it is time-invariant)
_ABSORBED_TOL = 1e-9


@dataclass(frozen=True)
class StataClusterConvention:
    """Stata's `vce(cluster id)` for `regress` / `xtreg, fe` (and `reghdfe … vce(cluster id)`):
    the HC0 cluster sandwich times G/(G-1)·(n-1)/(n-K), where K counts the slopes, the
    constant and the T-1 year dummies, but not the entity effects (nested in the clusters);
    p-values and intervals from t with G-1 degrees of freedom."""

    name: str = "cluster_entity_stata"

    def factor(self, nobs: int, n_clusters: int, k_model: int) -> float:
        return n_clusters / (n_clusters - 1) * (nobs - 1) / (nobs - k_model)

    def df(self, n_clusters: int) -> int:
        return n_clusters - 1


STATA_CLUSTER = StataClusterConvention()

# `model.singletons` of the study being estimated: "drop" (reghdfe, pyfixest) or "keep"
# (xtreg). Set for the whole battery by run_battery (`singleton_policy`), read by every
# fixed-effects fit, so each model drops the singletons of its own sample.
SINGLETONS: ContextVar[str] = ContextVar("singletons", default="keep")


@contextmanager
def singleton_policy(policy: str) -> Iterator[None]:
    token = SINGLETONS.set(policy)
    try:
        yield
    finally:
        SINGLETONS.reset(token)


@dataclass(frozen=True)
class PanelDesign:
    """Integer codes of a sample's entities and periods, built once and shared by models."""

    entity: np.ndarray
    time: np.ndarray
    n_entities: int
    n_periods: int

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, entity: str, time: str) -> PanelDesign:
        e_codes, e_levels = pd.factorize(frame[entity], sort=True)
        t_codes, t_levels = pd.factorize(frame[time], sort=True)
        return cls(
            entity=e_codes.astype(np.intp),
            time=t_codes.astype(np.intp),
            n_entities=len(e_levels),
            n_periods=len(t_levels),
        )

    def subset(self, keep: np.ndarray) -> PanelDesign:
        """The design of the rows where `keep` holds, codes renumbered."""
        e_levels, e_codes = np.unique(self.entity[keep], return_inverse=True)
        t_levels, t_codes = np.unique(self.time[keep], return_inverse=True)
        return PanelDesign(entity=e_codes.astype(np.intp), time=t_codes.astype(np.intp),
                           n_entities=len(e_levels), n_periods=len(t_levels))

    def without_singletons(self, time_effects: bool) -> np.ndarray:
        """Rows to keep once singletons are dropped, as reghdfe and pyfixest do: an entity
        (with time effects, also a period) with one row, again until none is left."""
        keep = np.ones(len(self.entity), dtype=bool)
        while True:
            lone = np.bincount(self.entity[keep], minlength=self.n_entities)[self.entity] == 1
            if time_effects:
                lone |= np.bincount(self.time[keep], minlength=self.n_periods)[self.time] == 1
            lone &= keep
            if not lone.any():
                return keep
            keep &= ~lone

    @cached_property
    def grid(self) -> bool:
        """Rows are the full entity × period grid, entity by entity (the fast layout)."""
        return is_grid(self.entity, self.time, self.n_entities, self.n_periods)

    def demean(self, values: np.ndarray, *, entity_effects: bool, time_effects: bool,
               inplace: bool = False) -> np.ndarray:
        """`values` without the requested effects; `inplace=True` overwrites `values` (a
        float array of the caller's own, best in Fortran order) instead of copying."""
        if entity_effects and time_effects:
            return demean_twoway(values, self.entity, self.time, self.n_entities,
                                 self.n_periods, inplace=inplace, grid=self.grid)
        if entity_effects:
            return demean_entity(values, self.entity, self.n_entities, inplace=inplace)
        if time_effects:
            return demean_entity(values, self.time, self.n_periods, inplace=inplace)
        return values

    def cluster_sums(self, x: np.ndarray, resid: np.ndarray) -> np.ndarray:
        """Σ over each entity's rows of x[:, j]·resid, column by column (G × k), without
        an n × k array of scores."""
        sums = np.empty((self.n_entities, x.shape[1]))
        if self.grid:
            shape = (self.n_entities, self.n_periods)
            e = resid.reshape(shape)
            for j in range(x.shape[1]):
                sums[:, j] = np.einsum("gt,gt->g", np.reshape(x[:, j], shape), e)
            return sums
        for j in range(x.shape[1]):
            sums[:, j] = np.bincount(self.entity, weights=x[:, j] * resid,
                                     minlength=self.n_entities)
        return sums


def spread(values: np.ndarray) -> np.ndarray:
    """Each column's variation about its mean (√n·sd), the yardstick of `absorbed`."""
    return np.sqrt(len(values)) * values.std(axis=0) if len(values) else \
        np.zeros(values.shape[1])


def absorbed(before: np.ndarray, transformed: np.ndarray) -> np.ndarray:
    """Which columns the effects absorb: what is left of each once they are removed
    (`transformed`) is at most _ABSORBED_TOL of its `spread` before (a time-invariant
    control under entity effects, a common shock under year effects)."""
    left = np.sqrt(np.einsum("ij,ij->j", transformed, transformed))
    return left <= _ABSORBED_TOL * np.maximum(before, np.finfo(float).tiny)


def listwise(frame: pd.DataFrame, design: PanelDesign, columns: Sequence[str],
             ) -> tuple[pd.DataFrame, PanelDesign, dict[str, Any] | None]:
    """The rows where every one of `columns` is present (Stata's e(sample), R's na.omit),
    their design, and what was left out (None when nothing was): the rows, the entities
    left with no row, and the missing cells of each variable."""
    columns = list(dict.fromkeys(columns))
    absent = frame[columns].isna().to_numpy()
    bad = absent.any(axis=1)
    if not bad.any():
        return frame, design, None
    keep = ~bad
    lost = design.n_entities - np.unique(design.entity[keep]).size
    record = {"rows": int(bad.sum()), "entities": int(lost),
              "by_variable": {c: int(n) for c, n in zip(columns, absent.sum(axis=0),
                                                        strict=True) if n}}
    return frame.iloc[np.flatnonzero(keep)], design.subset(keep), record


def check_rank(x: np.ndarray, names: list[str], model_id: str) -> None:
    """Raise a named EstimationError if the (transformed) design is not of full column rank."""
    if x.shape[1] == 0:
        return
    scale = np.sqrt(np.einsum("ij,ij->j", x, x))
    dead = [names[j] for j in np.flatnonzero(scale < 1e-12)]
    if not dead:
        # pivoted QR of the small R of x (R·D⁻¹ is the R of x·D⁻¹): the same pivots and
        # diagonal as a pivoted QR of the scaled n × k design, without copying it
        _, r, pivots = linalg.qr(_r_factor(x) / scale, mode="economic", pivoting=True)
        diag = np.abs(np.diag(r))
        dead = [names[j] for j in pivots[diag < _RANK_TOL * diag[0]]]
    if dead:
        raise EstimationError("estimate.singular", model=model_id, variables=", ".join(dead))


_CHUNK = 1 << 16


def _r_factor(x: np.ndarray) -> np.ndarray:
    """The triangular factor of x's QR (up to row signs), by blocks of rows (TSQR), so a
    tall design is never copied whole."""
    if x.shape[0] > _CHUNK:
        x = np.vstack([np.linalg.qr(x[i:i + _CHUNK], mode="r")
                       for i in range(0, x.shape[0], _CHUNK)])
    r: np.ndarray = np.linalg.qr(x, mode="r")  # type: ignore[assignment]  # mode="r": R only
    return r


def cluster_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Sums of the rows of `values` (n × m) within groups 0..n_groups−1 (none empty)."""
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(n_groups))
    return np.add.reduceat(values[order], starts, axis=0)


def cluster_meat(scores: np.ndarray, clusters: np.ndarray, n_clusters: int) -> np.ndarray:
    """Σ_g s_g s_g' where s_g sums the score rows of cluster g."""
    sums = cluster_sums(scores, clusters, n_clusters)
    return sums.T @ sums


@dataclass(frozen=True)
class PanelFit:
    """What one least-squares fit leaves behind for every inference on it: the estimates,
    the contract covariance, and the transformed design and residuals (for Wald tests,
    Driscoll-Kraay and the like)."""

    names: tuple[str, ...]
    beta: np.ndarray
    cov: np.ndarray
    xtx_inv: np.ndarray
    xt: np.ndarray
    resid: np.ndarray
    design: PanelDesign
    nobs: int
    k_model: int
    df_classical: int
    ssr: float
    r2: float
    r2_within: float | None
    entity_effects: bool
    time_effects: bool
    singletons_dropped: int = 0
    missing: dict[str, Any] | None = None  # rows left out for a missing value (listwise)
    absorbed: tuple[str, ...] = ()  # regressors without variation the effects leave

    @property
    def n_clusters(self) -> int:
        return self.design.n_entities

    @property
    def df(self) -> int:
        return STATA_CLUSTER.df(self.n_clusters)

    def index(self, names: list[str] | tuple[str, ...]) -> list[int]:
        return [self.names.index(n) for n in names]


def estimate(frame: pd.DataFrame, design: PanelDesign, dependent: str, regressors: list[str],
             *, model_id: str, entity_effects: bool, time_effects: bool) -> PanelFit:
    """OLS after removing the requested effects, with the contract's entity-clustered
    covariance (Stata `regress`/`xtreg, fe` with `vce(cluster id)`), on the rows where
    every variable is present; with entity effects and `model.singletons = "drop"`
    (SINGLETONS), singletons of those rows first (reghdfe)."""
    frame, design, missing = listwise(frame, design, [dependent, *regressors])
    dropped = 0
    if entity_effects and SINGLETONS.get() == "drop":
        keep = design.without_singletons(time_effects)
        dropped = int(len(keep) - keep.sum())
        if dropped:
            frame, design = frame.iloc[np.flatnonzero(keep)], design.subset(keep)
    names = list(regressors)
    nobs = len(frame)
    data = np.empty((nobs, 1 + len(regressors)), order="F")  # y, x: one copy, demeaned in place
    for j, column in enumerate([dependent, *regressors]):
        data[:, j] = frame[column].to_numpy(dtype=float)
    y_raw = data[:, 0]
    y_dev = y_raw - y_raw.mean()
    tss = float(y_dev @ y_dev)
    del y_dev
    within_ss = None
    if entity_effects:
        y_within = demean_entity(data[:, :1], design.entity, design.n_entities)[:, 0]
        within_ss = float(y_within @ y_within)
        del y_within
    before = spread(data[:, 1:])
    transformed = design.demean(data, entity_effects=entity_effects,
                                time_effects=time_effects, inplace=True)
    yt, xt = transformed[:, 0], transformed[:, 1:]
    omitted: list[str] = []
    if (entity_effects or time_effects) and names:
        # a regressor the effects absorb (a time-invariant control under entity effects):
        # no coefficient, as Stata's "omitted because of collinearity"; the first regressor
        # (the core, or what stands for it) may not be absorbed
        gone = absorbed(before, xt)
        if gone[0]:
            raise EstimationError("estimate.core_absorbed", model=model_id, variable=names[0])
        if gone.any():
            omitted = [n for n, g in zip(names, gone, strict=True) if g]
            xt = xt[:, ~gone]
            names = [n for n, g in zip(names, gone, strict=True) if not g]
    slopes = len(names)  # the absorbed ones left out
    if not entity_effects and not time_effects:
        xt = np.hstack([np.ones((nobs, 1)), xt])
        names = [CONST, *names]

    k_model = slopes + 1 + (design.n_periods - 1 if time_effects else 0)
    n_effects = (design.n_entities if entity_effects else 0) + (
        design.n_periods - 1 if time_effects else 0)
    df_classical = nobs - xt.shape[1] - n_effects
    if df_classical <= 0 or nobs <= k_model:
        raise EstimationError("estimate.too_few_rows", model=model_id, nobs=nobs,
                              needed=xt.shape[1] + n_effects + 1)
    if design.n_entities < 2:
        raise EstimationError("estimate.too_few_clusters", model=model_id,
                              clusters=design.n_entities)
    check_rank(xt, names, model_id)

    xtx_inv = linalg.inv(xt.T @ xt)
    beta = xtx_inv @ (xt.T @ yt)
    resid = yt - xt @ beta
    ssr = float(resid @ resid)
    sums = design.cluster_sums(xt, resid)
    meat = sums.T @ sums
    cov = STATA_CLUSTER.factor(nobs, design.n_entities, k_model) * (xtx_inv @ meat @ xtx_inv)

    r2 = 1.0 - ssr / tss
    r2_within = None if within_ss is None else 1.0 - ssr / within_ss
    return PanelFit(names=tuple(names), beta=beta, cov=cov, xtx_inv=xtx_inv, xt=xt,
                    resid=resid, design=design, nobs=nobs, k_model=k_model,
                    df_classical=df_classical, ssr=ssr, r2=r2, r2_within=r2_within,
                    entity_effects=entity_effects, time_effects=time_effects,
                    singletons_dropped=dropped, missing=missing, absorbed=tuple(omitted))


def coefficient_table(names: list[str] | tuple[str, ...], beta: np.ndarray, se: np.ndarray,
                      df: int | None) -> dict[str, Coefficient]:
    """Estimates with t (df given) or normal (df None) p-values and 95% intervals."""
    crit = norm_ppf(0.975) if df is None else t_ppf(0.975, df)
    stats = np.asarray(beta, dtype=float) / np.asarray(se, dtype=float)
    p = 2 * (norm_sf_each(np.abs(stats)) if df is None else t_sf_each(np.abs(stats), df))
    table = {}
    for j, name in enumerate(names):
        table[name] = Coefficient(
            estimate=float(beta[j]), std_error=float(se[j]), stat=float(stats[j]),
            p_value=float(p[j]),
            ci_low=float(beta[j] - crit * se[j]), ci_high=float(beta[j] + crit * se[j]))
    return table


def to_result(fit: PanelFit, *, model_id: str, dependent: str, regressors: list[str],
              estimator: str, label: dict[str, str] | None = None,
              cov: np.ndarray | None = None, cov_type: str = STATA_CLUSTER.name,
              df: int | None = -1, diagnostics: dict | None = None) -> ModelResult:
    """A ModelResult from a fit, with the contract covariance unless another is given
    (`df=-1` means the contract's G-1; `None` means normal inference)."""
    cov = fit.cov if cov is None else cov
    df = fit.df if df == -1 else df
    classical = np.sqrt(np.diag(fit.xtx_inv) * fit.ssr / fit.df_classical)
    extra = {"classical_std_error": dict(zip(fit.names, map(float, classical), strict=True)),
             "ssr": fit.ssr,
             "cluster_factor": STATA_CLUSTER.factor(fit.nobs, fit.n_clusters, fit.k_model)}
    if fit.entity_effects:
        extra["singletons_dropped"] = fit.singletons_dropped
    if fit.missing:
        extra["missing"] = fit.missing
    if fit.absorbed:
        extra["absorbed"] = list(fit.absorbed)
    return ModelResult(
        id=model_id, label=label or messages.label(f"model.{model_id}"), estimator=estimator,
        dependent=dependent, regressors=tuple(regressors), nobs=fit.nobs,
        n_entities=fit.design.n_entities, n_periods=fit.design.n_periods,
        n_clusters=fit.n_clusters, df_resid=fit.df_classical,
        df_inference=df if df is not None else 0, r2=fit.r2, r2_within=fit.r2_within,
        entity_effects=fit.entity_effects, time_effects=fit.time_effects, cov_type=cov_type,
        coefficients=coefficient_table(fit.names, fit.beta, np.sqrt(np.diag(cov)), df),
        diagnostics={**extra, **(diagnostics or {})})


def wald(fit: PanelFit, names: list[str], cov: np.ndarray | None = None) -> TestResult:
    """Joint test that `names` are zero: F = W/q on (q, G-1) df, as Stata's `test` after
    a clustered regression."""
    idx = fit.index(names)
    cov = fit.cov if cov is None else cov
    b = fit.beta[idx]
    w = float(b @ linalg.solve(cov[np.ix_(idx, idx)], b))
    q = len(idx)
    return TestResult(stat=w / q, df=q, p_value=float(f_sf(w / q, q, fit.df)),
                      extra={"df2": fit.df, "chi2": w})


def fit_panel_ols(frame: pd.DataFrame, design: PanelDesign, dependent: str,
                  regressors: list[str], *, model_id: str, entity_effects: bool,
                  time_effects: bool, estimator: str) -> ModelResult:
    """OLS after removing the requested effects, with entity-clustered Stata inference."""
    fit = estimate(frame, design, dependent, regressors, model_id=model_id,
                   entity_effects=entity_effects, time_effects=time_effects)
    return to_result(fit, model_id=model_id, dependent=dependent, regressors=regressors,
                     estimator=estimator)
