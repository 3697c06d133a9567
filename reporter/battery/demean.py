"""Fixed-effects demeaning: the one function every fixed-effects model of a run uses.

Entity demeaning subtracts group means. Two-way demeaning is exact: the closed form
x - x̄_i - x̄_t + x̄ on a balanced panel; on an unbalanced one, entity demeaning followed by
partialling out the entity-demeaned time dummies (Frisch-Waugh-Lovell), which equals the
dummy-variable regression to rounding error.
"""

from __future__ import annotations

import numpy as np


def group_means(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Means of each column of `values` (n x m) within groups `codes` (0..n_groups-1)."""
    counts = np.bincount(codes, minlength=n_groups).astype(float)
    sums = np.empty((n_groups, values.shape[1]))
    for j in range(values.shape[1]):
        sums[:, j] = np.bincount(codes, weights=values[:, j], minlength=n_groups)
    return sums / counts[:, None]


def demean_entity(values: np.ndarray, entity: np.ndarray, n_entities: int) -> np.ndarray:
    """Subtract entity means (the within transformation of one-way FE)."""
    return values - group_means(values, entity, n_entities)[entity]


def demean_twoway(values: np.ndarray, entity: np.ndarray, time: np.ndarray,
                  n_entities: int, n_periods: int) -> np.ndarray:
    """Remove entity and time effects from each column of `values` (n x m)."""
    n = values.shape[0]
    if n == n_entities * n_periods:
        grand = values.mean(axis=0)
        return (values - group_means(values, entity, n_entities)[entity]
                - group_means(values, time, n_periods)[time] + grand)
    within = demean_entity(values, entity, n_entities)
    dummies = np.zeros((n, n_periods - 1))
    rows = np.flatnonzero(time > 0)
    dummies[rows, time[rows] - 1] = 1.0
    dummies = demean_entity(dummies, entity, n_entities)
    coef, *_ = np.linalg.lstsq(dummies, within, rcond=None)
    return within - dummies @ coef
