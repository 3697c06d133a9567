"""Wild cluster restricted (WCR) bootstrap of single coefficients, clustered by entity as the
contract's standard errors, with confidence intervals by test inversion (Stata's `boottest`;
Roodman, MacKinnon, Nielsen and Webb 2019), and the per-coefficient `inference` blocks.

With the null β_j = b imposed, the restricted residuals are û − (b − β̂_j)·M₋ⱼx_j
(Frisch-Waugh-Lovell on the demeaned design), so each draw's numerator is linear and its
squared cluster SE quadratic in b: both are precomputed as (B × G) @ (G × G) products, and
p(b) costs O(B).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from reporter.battery.moderation import with_interaction
from reporter.battery.panel import STATA_CLUSTER, PanelDesign, PanelFit, cluster_sums, estimate
from reporter.battery.robustness import lagged_sample, winsorized_sample, without_year
from reporter.literals import BootWeights
from reporter.models import bootstrapped, main_id
from reporter.prepare import lag_name
from reporter.results import Coefficient, ModelResult

WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
WEBB_MAX_CLUSTERS = 12
# Beyond this many clusters the wild bootstrap is not computed: it costs O(B·G²) a
# coefficient (3,000 clusters: over a minute), and with that many clusters the
# cluster-robust t test it guards against is already reliable (it is meant for few)
MAX_CLUSTERS = 500
TIE = 1e-9  # a draw with t*² ≥ t²·(1 − TIE) counts: exact ties (v = ±1) are in the p-value
DRISCOLL_KRAAY_ID = "robustness_driscoll_kraay"
IV_ID = "iv_2sls"
METHODS = ("cluster", "wild_bootstrap", "driscoll_kraay", "anderson_rubin")  # block order


def rademacher_enumeration(n_clusters: int) -> np.ndarray:
    """All 2^G Rademacher vectors, one per row (row r has −1 where bit g of r is set)."""
    bits = np.arange(2 ** n_clusters)[:, None] >> np.arange(n_clusters)
    return np.where(bits & 1, -1.0, 1.0)


@dataclass(frozen=True)
class WildResult:
    """One WCR test of β_j = 0: the cluster t, the symmetric bootstrap p and the interval."""

    stat: float
    p: float
    ci_low: float
    ci_high: float
    reps: int
    weights: str
    enumerated: bool

    def block(self) -> dict[str, Any]:
        return {"p": self.p, "ci_low": self.ci_low, "ci_high": self.ci_high,
                "reps": self.reps, "weights": self.weights, "enumerated": self.enumerated}


@dataclass(frozen=True)
class WildClusterBootstrap:
    """WCR bootstrap, boottest's conventions: weights by cluster, the contract's small-sample
    factor in every draw (it cancels in p), two-sided symmetric p = share of |t*| ≥ |t|;
    `auto` weights are Webb's six-point when G ≤ 12, else Rademacher, enumerated if 2^G ≤ B."""

    reps: int = 9999
    seed: int = 20261123
    weights: BootWeights = "auto"
    level: float = 0.95
    name: str = "wild_cluster_restricted"

    def kind(self, n_clusters: int) -> str:
        if self.weights == "auto":
            return "webb" if n_clusters <= WEBB_MAX_CLUSTERS else "rademacher"
        return self.weights

    def draws(self, n_clusters: int) -> tuple[np.ndarray, str, bool]:
        """The B × G weights, their kind, and whether they enumerate all Rademacher draws."""
        kind = self.kind(n_clusters)
        enumerated = kind == "rademacher" and 2 ** n_clusters <= self.reps
        return _draws(kind, n_clusters, self.reps, self.seed, enumerated), kind, enumerated

    def test(self, fit: PanelFit, name: str) -> WildResult:
        """WCR p-value of `name` = 0 and the `level` interval by test inversion."""
        draws, kind, enumerated = self.draws(fit.n_clusters)
        wild = WildT(fit, fit.names.index(name), draws)
        low, high = wild.interval(1.0 - self.level)
        return WildResult(stat=wild.stat(0.0), p=wild.pvalue(0.0), ci_low=float(low),
                          ci_high=float(high),
                          reps=len(draws), weights=kind, enumerated=enumerated)

    def record(self) -> dict[str, Any]:
        """What the manifest needs to reproduce the draws."""
        return {"method": self.name, "reps": self.reps, "seed": self.seed,
                "weights": self.weights, "level": self.level, "p_type": "symmetric",
                "ci": "test_inversion", "cluster": "entity", "small_sample": STATA_CLUSTER.name}


@lru_cache(maxsize=8)
def _draws(kind: str, n_clusters: int, reps: int, seed: int, enumerated: bool) -> np.ndarray:
    """Weights made once per run and shared by every test with the same G (read-only)."""
    if enumerated:
        draws = rademacher_enumeration(n_clusters)
    else:
        picks = np.random.default_rng(seed).integers(0, 6 if kind == "webb" else 2,
                                                     size=(reps, n_clusters))
        draws = WEBB[picks] if kind == "webb" else 2.0 * picks - 1.0
    draws.flags.writeable = False
    return draws


class WildT:
    """The WCR bootstrap t statistics of H0: β_j = b for every draw, as functions of b."""

    def __init__(self, fit: PanelFit, j: int, draws: np.ndarray) -> None:
        xt, design = fit.xt, fit.design
        # restricted residuals under b: û − (b − β̂_j)·M₋ⱼx_j, centred at β̂_j for precision
        others = np.delete(xt, j, axis=1)
        x_rest = xt[:, j] - others @ np.linalg.lstsq(others, xt[:, j], rcond=None)[0] \
            if others.shape[1] else xt[:, j]
        pair = np.column_stack([fit.resid, x_rest])
        codes, n_clusters = design.entity, fit.n_clusters
        q = xt @ fit.xtx_inv[:, j]  # β̂_j = q'y
        scores = np.zeros((fit.nobs, n_clusters))
        scores[np.arange(fit.nobs), codes] = q
        # M Q with M the full model's annihilator (effects and regressors): column g gives
        # cluster g's share of the unrestricted bootstrap residuals' score for β_j.
        mq = design.demean(scores, entity_effects=fit.entity_effects,
                           time_effects=fit.time_effects)
        mq -= xt @ (fit.xtx_inv @ cluster_sums(xt * q[:, None], codes, n_clusters).T)
        k_r = cluster_sums(mq * pair[:, [0]], codes, n_clusters)  # [h, g]: v_h's part of d_g
        k_x = cluster_sums(mq * pair[:, [1]], codes, n_clusters)
        c = cluster_sums(q[:, None] * pair, codes, n_clusters)  # numerator weights
        # one BLAS call (OpenBLAS is slow on B × G @ G × G with small G)
        products = draws @ np.hstack([k_r, k_x, c])
        d_r, d_x = products[:, :n_clusters], products[:, n_clusters:2 * n_clusters]
        self.n_r, self.n_x = products[:, -2], products[:, -1]
        self.s_rr = np.einsum("bg,bg->b", d_r, d_r)
        self.s_rx = np.einsum("bg,bg->b", d_r, d_x)
        self.s_xx = np.einsum("bg,bg->b", d_x, d_x)
        # t*² ≥ t² ⟺ terms @ w(b) ≥ 0: one B × 6 product per p(b), for the inversion
        self.terms = np.column_stack([self.n_r ** 2, self.n_r * self.n_x, self.n_x ** 2,
                                      self.s_rr, self.s_rx, self.s_xx])
        self.factor = STATA_CLUSTER.factor(fit.nobs, fit.n_clusters, fit.k_model)
        self.estimate, self.variance = float(fit.beta[j]), float(fit.cov[j, j])

    def stat(self, b: float) -> float:
        return float((self.estimate - b) / np.sqrt(self.variance))

    def stats(self, b: float) -> np.ndarray:
        """t* of every draw under H0: β_j = b."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._numerators(b) / np.sqrt(self._variances(b))

    def _numerators(self, b: float) -> np.ndarray:
        return self.n_r - (b - self.estimate) * self.n_x

    def _variances(self, b: float) -> np.ndarray:
        d = b - self.estimate
        return self.factor * np.maximum(self.s_rr - 2 * d * self.s_rx + d * d * self.s_xx, 0.0)

    def pvalue(self, b: float) -> float:
        """Share of draws with |t*| ≥ |t| (ties included): (n_r − d·n_x)² ≥ c·(s_rr −
        2d·s_rx + d²·s_xx) with d = b − β̂ and c = t²·(1 − TIE)·factor, expanded."""
        d = b - self.estimate
        c = d * d / self.variance * (1.0 - TIE) * self.factor
        w = np.array([1.0, -2.0 * d, d * d, -c, 2.0 * c * d, -c * d * d])
        return float(np.count_nonzero(self.terms @ w >= 0.0) / len(self.terms))

    def interval(self, alpha: float) -> tuple[float, float]:
        return self._bound(alpha, -1.0), self._bound(alpha, 1.0)

    def _bound(self, alpha: float, side: float) -> float:
        """Walk out from β̂ in doubling steps of the cluster SE until p < alpha, then bisect
        the bracket to 1e-10 SE: the outer edge of the first accepted stretch."""
        se = np.sqrt(self.variance)
        inside, step = self.estimate, se
        for _ in range(64):
            out = self.estimate + side * step
            if self.pvalue(out) < alpha:
                break
            inside, step = out, 2.0 * step
        else:
            return side * np.inf
        while abs(out - inside) > 1e-10 * se:
            mid = 0.5 * (inside + out)
            if self.pvalue(mid) >= alpha:
                inside = mid
            else:
                out = mid
        return 0.5 * (inside + out)


# --- the battery's inference blocks -----------------------------------------------------


def _sample(result: ModelResult, frame: pd.DataFrame, entity: str, time: str,
            core: str) -> pd.DataFrame:
    """The rows and columns a two-way model was estimated on, made by the same builders as
    the model itself (`attach` checks the refit reproduces the reported estimates)."""
    d = result.diagnostics
    # a moderation centres, and the winsorised check cuts, on the rows the model keeps
    observed = [c for c in (result.dependent, *result.regressors) if c in frame.columns]
    if "interaction" in d:
        return with_interaction(frame.dropna(subset=observed), core, d["moderator"])[0]
    if "cuts" in d:
        return winsorized_sample(frame.dropna(subset=observed),
                                 [result.dependent, *result.regressors], tuple(d["cuts"]))[0]
    if result.id == "robustness_lagged_core":
        return lagged_sample(frame, entity, time, core)
    if "dropped_year" in d:
        return without_year(frame, time, d["dropped_year"])
    if "group" in d and "level" in d:  # a heterogeneity subsample
        return frame[frame[d["group"]] == d["level"]].reset_index(drop=True)
    return frame


def _block(c: Coefficient) -> dict[str, float]:
    return {"p": c.p_value, "ci_low": c.ci_low, "ci_high": c.ci_high}


def _tested(result: ModelResult, core: str) -> list[str]:
    names = [n for n in (core, lag_name(core)) if n in result.coefficients][:1]
    interaction = result.diagnostics.get("interaction")
    return names + ([interaction] if isinstance(interaction, str)
                    and interaction in result.coefficients else [])


def attach(models: Iterable[ModelResult], frame: pd.DataFrame, entity: str, time: str,
           design: PanelDesign, core: str, options: WildClusterBootstrap | None,
           ) -> tuple[tuple[ModelResult, ...], dict[str, Any]]:
    """Give the core coefficient (and a moderation's interaction) of every two-way FE model
    its `inference` block: cluster, wild_bootstrap (unless `options` is None), driscoll_kraay
    for the main model (models.main_id) and anderson_rubin for 2SLS; returns the
    models and a record."""
    models = tuple(models)
    by_id = {m.id: m for m in models}
    ids = [m.id for m in models if bootstrapped(m.id)]
    wild: dict[tuple[str, str], WildResult] = {}
    skipped: dict[str, str] = {}
    for model_id in ids:
        if options is None:
            break
        result = by_id[model_id]
        if result.n_clusters > MAX_CLUSTERS:
            skipped[model_id] = "many_clusters"
            continue
        sample = _sample(result, frame, entity, time, core)
        sample_design = design if sample is frame else PanelDesign.from_frame(sample, entity, time)
        fit = estimate(sample, sample_design, result.dependent, list(result.regressors),
                       model_id=model_id, entity_effects=True, time_effects=True)
        reported = np.array([result.coefficients[n].estimate for n in fit.names])
        if not np.allclose(fit.beta, reported, rtol=1e-8, atol=1e-12 * np.abs(reported).max()):
            skipped[model_id] = "sample_mismatch"
            continue
        for name in _tested(result, core):
            wild[model_id, name] = options.test(fit, name)

    if IV_ID in by_id and "anderson_rubin" in by_id[IV_ID].diagnostics:
        ids.append(IV_ID)
    dk = by_id.get(DRISCOLL_KRAAY_ID)
    main = main_id(by_id)
    if dk is not None and main is not None:
        ids.append(DRISCOLL_KRAAY_ID)
        for name in _tested(dk, core):
            if (main, name) in wild:
                wild[DRISCOLL_KRAAY_ID, name] = wild[main, name]

    out = []
    for model in models:
        if model.id not in ids:
            out.append(model)
            continue
        coefficients = dict(model.coefficients)
        for name in _tested(model, core):
            blocks = _blocks(model, name, by_id, wild.get((model.id, name)))
            coefficients[name] = replace(coefficients[name], inference=MappingProxyType(blocks))
        out.append(replace(model, coefficients=coefficients))
    record = {**(options.record() if options else {"method": None}),
              "models": [i for i in ids if any(k[0] == i for k in wild)], "skipped": skipped}
    return tuple(out), record


def _blocks(model: ModelResult, name: str, by_id: Mapping[str, ModelResult],
            wild: WildResult | None) -> dict[str, dict[str, Any]]:
    """The inference block of one coefficient; the DK model and the main model are one
    specification and share each other's."""
    main = main_id(by_id)
    twin_id = ({main: DRISCOLL_KRAAY_ID, DRISCOLL_KRAAY_ID: main}.get(model.id)
               if main else None)
    twin = by_id.get(twin_id) if twin_id else None
    blocks: dict[str, dict[str, Any]] = {}
    for source in (model, twin):
        if source is not None and name in source.coefficients:
            method = "driscoll_kraay" if source.id == DRISCOLL_KRAAY_ID else "cluster"
            if method == "driscoll_kraay" or source.cov_type == STATA_CLUSTER.name:
                blocks.setdefault(method, _block(source.coefficients[name]))
    if wild is not None:
        blocks["wild_bootstrap"] = wild.block()
    ar = model.diagnostics.get("anderson_rubin") if model.id == IV_ID else None
    if ar is not None:
        d = model.diagnostics
        blocks["anderson_rubin"] = {"p": ar["p_value"], "ci_low": d.get("ar_ci_low"),
                                    "ci_high": d.get("ar_ci_high"), "kind": d.get("ar_ci_kind")}
    return dict(sorted(blocks.items(), key=lambda kv: METHODS.index(kv[0])))
