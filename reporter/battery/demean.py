"""Fixed-effects demeaning: the one function every fixed-effects model of a run uses.

Entity demeaning subtracts group means. Two-way demeaning is exact: the closed form
x - x̄_i - x̄_t + x̄ on a balanced panel; on an unbalanced one, entity demeaning followed by
partialling out the entity-demeaned time dummies (Frisch-Waugh-Lovell), which equals the
dummy-variable regression to rounding error.

Speed: the work is done column by column in place (`inplace=True`, used by the estimators
on their own copy of the data), so no n × m temporaries are made; a balanced panel stored
entity by entity, period by period (the usual layout) is demeaned through a reshape to
entity × period, without gathering group means row by row.
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


def is_grid(entity: np.ndarray, time: np.ndarray, n_entities: int, n_periods: int) -> bool:
    """Whether the rows are the full entity × period grid in row-major order (row
    e·T + t holds entity e, period t), so that a column reshapes to entity × period."""
    if entity.size != n_entities * n_periods:
        return False
    grid_e = entity.reshape(n_entities, n_periods)
    grid_t = time.reshape(n_entities, n_periods)
    return bool((grid_e == np.arange(n_entities)[:, None]).all()
                and (grid_t == np.arange(n_periods)[None, :]).all())


def _columns(values: np.ndarray, inplace: bool) -> np.ndarray:
    if inplace:
        return values
    return np.array(values, dtype=float, order="F", copy=True)


def demean_entity(values: np.ndarray, entity: np.ndarray, n_entities: int, *,
                  inplace: bool = False) -> np.ndarray:
    """Subtract entity means (the within transformation of one-way FE)."""
    out = _columns(values, inplace)
    counts = np.bincount(entity, minlength=n_entities).astype(float)
    for j in range(out.shape[1]):
        col = out[:, j]
        col -= (np.bincount(entity, weights=col, minlength=n_entities) / counts)[entity]
    return out


def demean_twoway(values: np.ndarray, entity: np.ndarray, time: np.ndarray,
                  n_entities: int, n_periods: int, *, inplace: bool = False,
                  grid: bool | None = None) -> np.ndarray:
    """Remove entity and time effects from each column of `values` (n x m). With
    `inplace=True`, `values` (best in Fortran order) is overwritten and returned; `grid`
    is `is_grid(...)` when the caller already knows it."""
    n = values.shape[0]
    out = _columns(values, inplace)
    if n == n_entities * n_periods:
        if grid is None:
            grid = is_grid(entity, time, n_entities, n_periods)
        if grid:
            for j in range(out.shape[1]):
                col = out[:, j]
                copied = not col.flags.c_contiguous
                if copied:
                    col = np.ascontiguousarray(col)
                block = col.reshape(n_entities, n_periods)
                e_mean = block.mean(axis=1)
                t_mean = block.mean(axis=0)
                grand = e_mean.mean()
                block -= e_mean[:, None]
                block -= (t_mean - grand)[None, :]
                if copied:
                    out[:, j] = col
            return out
        e_counts = np.bincount(entity, minlength=n_entities).astype(float)
        t_counts = np.bincount(time, minlength=n_periods).astype(float)
        for j in range(out.shape[1]):
            col = out[:, j]
            grand = col.mean()
            e_mean = np.bincount(entity, weights=col, minlength=n_entities) / e_counts
            t_mean = np.bincount(time, weights=col, minlength=n_periods) / t_counts
            col -= e_mean[entity]
            col -= (t_mean - grand)[time]
        return out
    within = demean_entity(out, entity, n_entities, inplace=True)
    dummies = np.zeros((n, n_periods - 1), order="F")
    rows = np.flatnonzero(time > 0)
    dummies[rows, time[rows] - 1] = 1.0
    dummies = demean_entity(dummies, entity, n_entities, inplace=True)
    coef, *_ = np.linalg.lstsq(dummies, within, rcond=None)
    within -= dummies @ coef
    return within
