"""Fast demeaning checked against brute force: the explicit dummy-variable regression."""

from __future__ import annotations

import numpy as np
import pytest

from reporter.battery.demean import demean_entity, demean_twoway


def _dummy_residuals(values, entity, time, n_e, n_t):
    n = len(entity)
    d = np.zeros((n, n_e + n_t - 1))
    d[np.arange(n), entity] = 1
    rows = time > 0
    d[np.flatnonzero(rows), n_e + time[rows] - 1] = 1
    coef, *_ = np.linalg.lstsq(d, values, rcond=None)
    return values - d @ coef


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("drop", [0.0, 0.2])
def test_twoway_equals_dummy_regression(seed, drop):
    rng = np.random.default_rng(seed)
    n_e, n_t = int(rng.integers(3, 15)), int(rng.integers(3, 12))
    entity = np.repeat(np.arange(n_e), n_t)
    time = np.tile(np.arange(n_t), n_e)
    keep = rng.random(entity.size) >= drop
    keep[np.unique(entity, return_index=True)[1]] = True  # every entity and period kept
    keep[np.unique(time, return_index=True)[1]] = True
    entity, time = entity[keep], time[keep]
    values = rng.normal(size=(entity.size, 3)) + entity[:, None] * 0.7 - time[:, None] * 0.3
    ours = demean_twoway(values, entity, time, n_e, n_t)
    np.testing.assert_allclose(ours, _dummy_residuals(values, entity, time, n_e, n_t),
                               rtol=0, atol=1e-10)


def test_entity_demeaning_removes_group_means():
    entity = np.array([0, 0, 1, 1, 1])
    values = np.array([[1.0], [3.0], [2.0], [4.0], [9.0]])
    np.testing.assert_allclose(demean_entity(values, entity, 2)[:, 0], [-1, 1, -3, -1, 4])
