"""Winsorising as Stata's winsor2, cuts(1 99): _pctile's default definition, with ties."""

from __future__ import annotations

import numpy as np
import pytest

from reporter.prepare import stata_pctile, winsorize


@pytest.mark.parametrize(("values", "p", "expected"), [
    # n·p whole: mean of the (np)-th and (np+1)-th order statistics
    (list(range(1, 101)), 0.01, 1.5),
    (list(range(1, 101)), 0.99, 99.5),
    # n·p fractional: the ceil(np)-th order statistic
    (list(range(1, 133)), 0.01, 2.0),      # 1.32 -> 2nd
    (list(range(1, 133)), 0.99, 131.0),    # 130.68 -> 131st
    ([1, 2, 2, 2, 5, 7, 9, 9, 9, 10], 0.25, 2.0),  # 2.5 -> 3rd, a tie
    ([1, 2, 2, 2, 5, 7, 9, 9, 9, 10], 0.5, 6.0),   # 5 whole -> (5 + 7) / 2
])
def test_stata_pctile_hand_cases(values, p, expected):
    assert stata_pctile(np.array(values, dtype=float), p) == expected


def test_winsorize_clips_and_counts_ties_once():
    values = np.array([-50.0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 100.0] + [5.0] * 86)
    clipped, n_low, n_high = winsorize(values, 0.01, 0.99)
    lo, hi = stata_pctile(values, 0.01), stata_pctile(values, 0.99)
    assert (lo, hi) == (0.5 * (-50 + 1), 0.5 * (9 + 100))  # n·p = 1 and 99: whole
    assert (n_low, n_high) == (1, 1)
    assert clipped.min() == lo and clipped.max() == hi
