"""Trade indices of one region and year, from its exports X, imports M and total exports T,
against reference (e.g. national) exports X_ref and total exports T_ref of the same year:

- TC, trade competitiveness: (X - M) / (X + M), in [-1, 1];
- MS, market share: X / X_ref;
- RCA, Balassa's revealed comparative advantage: (X / T) / (X_ref / T_ref);
- export deviation against a base year b: (X_t - X_b) / X_b.

Without configured reference columns, the reference is the sum over the panel's regions in
that year. Denominators are checked by the caller, which names the region and year.
"""

from __future__ import annotations

import pandas as pd


def tc(exports: pd.Series, imports: pd.Series) -> pd.Series:
    """Trade competitiveness (X - M) / (X + M)."""
    return (exports - imports) / (exports + imports)


def market_share(exports: pd.Series, reference: pd.Series) -> pd.Series:
    """Market share X / X_ref."""
    return exports / reference


def rca(exports: pd.Series, total: pd.Series, reference: pd.Series,
        reference_total: pd.Series) -> pd.Series:
    """Balassa's RCA (X / T) / (X_ref / T_ref)."""
    return (exports / total) / (reference / reference_total)


def yearly_total(frame: pd.DataFrame, time: str, column: str) -> pd.Series:
    """The sum of `column` over the panel's regions in each row's year."""
    return frame.groupby(time)[column].transform("sum")


def base_values(frame: pd.DataFrame, entity: str, time: str, column: str,
                base_year: int) -> pd.Series:
    """Each row's entity's value of `column` in `base_year` (NaN where that year is absent)."""
    base = frame.loc[frame[time] == base_year].set_index(entity)[column]
    return frame[entity].map(base)


def deviation(values: pd.Series, base: pd.Series) -> pd.Series:
    """Export deviation (X_t - X_b) / X_b."""
    return (values - base) / base
