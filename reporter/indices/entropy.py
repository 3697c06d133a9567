"""The entropy-weight composite: min–max normalisation by direction, a small shift so that no
share is 0 inside the logarithm, entropy, redundancy and weights; optionally in two levels
(indicators within groups, then the groups) and pooled over all years or per year.

With n rows, indicator j normalised to z_ij in [0, 1] and shifted by a (default 1e-4):
p_ij = (z_ij + a) / sum_i (z_ij + a), e_j = -sum_i p_ij ln p_ij / ln n, d_j = 1 - e_j,
w_j = d_j / sum_j d_j, and the score is sum_j w_j z_ij. The shift only moves p away from 0;
with a = 0 the convention 0 ln 0 = 0 applies. Scores use the unshifted z, which differs
from using z + a by the constant a, so regressions on the index are unaffected.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

from reporter.results import EntropyStage


class ConstantIndicator(ValueError):
    """An indicator without spread over the rows weighted together (min = max)."""

    def __init__(self, column: str, rows: str) -> None:
        super().__init__(f"{column} is constant over {rows}")
        self.column, self.rows = column, rows


def entropy_weights(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entropy e, redundancy d = 1 - e and weights d / sum(d) of the columns of a non-negative
    matrix whose rows are observations, with p = value / column sum and 0 ln 0 = 0."""
    p = values / values.sum(axis=0)
    plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    entropy = -plogp.sum(axis=0) / np.log(values.shape[0])
    redundancy = 1.0 - entropy
    return entropy, redundancy, redundancy / redundancy.sum()


def normalise(values: np.ndarray, negative: np.ndarray, names: Sequence[str],
              rows: str) -> np.ndarray:
    """Min–max to [0, 1] by direction: (x - min)/(max - min) where more is better,
    (max - x)/(max - min) where more is worse."""
    low, high = values.min(axis=0), values.max(axis=0)
    flat = np.flatnonzero(high == low)
    if flat.size:
        raise ConstantIndicator(names[flat[0]], rows)
    z = (values - low) / (high - low)
    return np.where(negative, 1.0 - z, z)


@dataclass(frozen=True)
class Composite:
    """An entropy-weight index: its values, the stages that weighted it, each slice's group
    weights, and the sub-index values by group (aligned with the input rows)."""

    values: np.ndarray
    stages: tuple[EntropyStage, ...]
    group_weights: Mapping[str, Mapping[str, float]]
    subindices: Mapping[str, np.ndarray]


def _stage(over: str, rows: str, names: Sequence[str], e: np.ndarray, d: np.ndarray,
           w: np.ndarray) -> EntropyStage:
    def named(v: np.ndarray) -> Mapping[str, float]:
        return MappingProxyType(dict(zip(names, map(float, v), strict=True)))

    return EntropyStage(over=over, rows=rows, entropy=named(e), redundancy=named(d),
                        weight=named(w))


def composite(data: pd.DataFrame, name: str, negative: Sequence[str] = (),
              groups: Mapping[str, Sequence[str]] | None = None, hierarchy: str = "sum",
              shift: float = 1e-4, slices: pd.Series | None = None) -> Composite:
    """The entropy-weight index of the columns of `data`. `slices` (e.g. the year) weights each
    slice apart; `hierarchy` "sum" weights all indicators at once and a group's sub-index is
    its share of the score, "entropy" weights within each group, then the groups' sub-indices."""
    columns = list(data.columns)
    neg = np.isin(columns, list(negative))
    groups = dict(groups or {})
    labels = pd.Series("all", index=data.index) if slices is None else slices.astype(str)
    values = np.full(len(data), np.nan)
    subindices = {g: np.full(len(data), np.nan) for g in groups}
    stages: list[EntropyStage] = []
    group_weights: dict[str, Mapping[str, float]] = {}
    for rows in sorted(pd.unique(labels)):
        at = np.flatnonzero((labels == rows).to_numpy())
        z = normalise(data.to_numpy(dtype=float)[at], neg, columns, rows)
        if groups and hierarchy == "entropy":
            subs = []
            for group, members in groups.items():
                idx = [columns.index(c) for c in members]
                e, d, w = entropy_weights(z[:, idx] + shift)
                stages.append(_stage(f"{name}.{group}", rows, members, e, d, w))
                subs.append(z[:, idx] @ w)
                subindices[group][at] = subs[-1]
            top = normalise(np.column_stack(subs), np.zeros(len(groups), bool), list(groups), rows)
            e, d, w = entropy_weights(top + shift)
            stages.append(_stage(name, rows, list(groups), e, d, w))
            values[at] = top @ w
            group_weights[rows] = MappingProxyType(dict(zip(groups, map(float, w), strict=True)))
            continue
        e, d, w = entropy_weights(z + shift)
        stages.append(_stage(name, rows, columns, e, d, w))
        values[at] = z @ w
        if groups:
            shares = {}
            for group, members in groups.items():
                idx = [columns.index(c) for c in members]
                subindices[group][at] = z[:, idx] @ w[idx]
                shares[group] = float(w[idx].sum())
            group_weights[rows] = MappingProxyType(shares)
    return Composite(values=values, stages=tuple(stages),
                     group_weights=MappingProxyType(group_weights),
                     subindices=MappingProxyType(subindices))
