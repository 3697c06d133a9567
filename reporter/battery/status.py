"""The status analysis: the region over time and the entities in the reporting year."""

from __future__ import annotations

import re
from itertools import pairwise

import pandas as pd

from reporter.load import Panel
from reporter.prepare import time_step
from reporter.results import EntityStatus, Status


def _natural(code: object) -> tuple:
    """A sort key that reads the digits in a code as a number: 51 < 207, A9 < A10."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", str(code)) if part)


def _matched_trend(frame: pd.DataFrame, entity: str, time: str, column: str,
                   years: list[int], levels: pd.DataFrame | None = None) -> dict:
    """Mean of `column` in the first and last year over the entities with a value in both;
    the entities that entered (a value in the last year only) and left (the first only);
    with the share column's `levels` (entity x year), its concentration (HHI) in both
    years over the entities present in both."""
    wide = frame.pivot(index=entity, columns=time, values=column)
    first, last = wide[years[0]], wide[years[-1]]
    both = first.notna() & last.notna()
    out = {"first_year": int(years[0]), "last_year": int(years[-1]),
           "first": float(first[both].mean()) if both.any() else None,
           "last": float(last[both].mean()) if both.any() else None,
           "n": int(both.sum()), "n_first": int(first.notna().sum()),
           "n_last": int(last.notna().sum()),
           "entered": sorted(map(str, wide.index[last.notna() & first.isna()]), key=_natural),
           "left": sorted(map(str, wide.index[first.notna() & last.isna()]), key=_natural)}
    if levels is not None:
        for key, year in (("hhi_first", years[0]), ("hhi_last", years[-1])):
            values = levels.loc[both[both].index, year].dropna()
            total = values.sum()
            out[key] = float(((values / total) ** 2).sum()) if total else None
    return out


def _matched_growth(wide: pd.DataFrame, years: list[int]) -> list[float | None]:
    """Growth of the regional total (of an entity x year table) from each year to the next
    over the entities with a value in both years (entries and exits are not growth)."""
    out: list[float | None] = [None]
    for before, now in pairwise(years):
        both = wide[before].notna() & wide[now].notna()
        base = wide.loc[both, before].sum()
        out.append(float(wide.loc[both, now].sum() / base - 1) if both.any() and base else None)
    return out




def _reported(panel: Panel, column: str, years: pd.Index) -> pd.Series | None:
    """The whole-region row's value of `column` by year, if the data have such a row."""
    totals = panel.totals
    if totals is None or column not in totals.columns or totals[column].isna().all():
        return None
    return totals[column].reindex(years)


def status(panel: Panel, dependent: str, core: str, report_year: int,
           share: str | None = None) -> Status:
    """Yearly mean and range of the dependent, yearly mean of the core, and each entity's
    level, rank (1 = highest) and change since the previous period in the reporting year;
    with a `share` column also its regional total and growth by year, each entity's share
    and the Herfindahl-Hirschman index of the shares (sum of squared shares). All of it
    on the data as they are, not as winsorised for estimation."""
    frame = panel.levels()
    by_year = frame.groupby(panel.time, sort=True)
    dep = by_year[dependent].agg(["mean", "min", "max"])
    core_mean = by_year[core].mean()
    current = frame[frame[panel.time] == report_year].set_index(panel.entity)[dependent]
    current = current.dropna()  # an entity without a value that year is not ranked
    before_year = report_year - time_step(frame, panel.entity, panel.time)  # one period back
    previous = frame[frame[panel.time] == before_year].set_index(panel.entity)[dependent]
    ranks = current.rank(ascending=False, method="min").astype(int)
    # ties in code order, numbers as numbers (worker 51 before worker 207)
    ordered = sorted(current.index, key=lambda e: (ranks[e], _natural(e)))
    levels = frame.pivot(index=panel.entity, columns=panel.time, values=share) if share \
        else None  # entity x year
    shares = levels / levels.sum(axis=0, min_count=1) if levels is not None else None

    def share_of(entity: str, year: int) -> float | None:
        if shares is None or year not in shares.columns:
            return None
        value = shares.at[entity, year]
        return None if pd.isna(value) else float(value)

    entities = []
    for e in ordered:
        now, before = share_of(e, report_year), share_of(e, before_year)
        entities.append(EntityStatus(
            entity=e, names={"zh": panel.entity_name(e, "zh"), "en": panel.entity_name(e, "en")},
            value=float(current[e]), rank=int(ranks[e]),
            change=(float(current[e] - previous[e]) if e in previous.index
                    and pd.notna(previous[e]) else None),
            share=now, share_change=(now - before if now is not None and before is not None
                                     else None)))
    extra: dict = {}
    if share and shares is not None:
        total = by_year[share].sum(min_count=1)
        reported = _reported(panel, share, total.index)
        coverage: tuple[float | None, ...] = ()
        if reported is not None:  # the whole-region row's own total, where it gives one
            coverage = tuple(None if pd.isna(r) or r == 0 else float(t / r)
                             for t, r in zip(total, reported, strict=True))
            total = reported.fillna(total)
            growth = [None if pd.isna(g) else float(g)
                      for g in total.pct_change(fill_method=None)]
        else:
            growth = _matched_growth(levels, list(dep.index))
        extra = {"share_column": share, "share_total": tuple(map(float, total)),
                 "share_growth": tuple(growth),
                 "hhi": tuple(float((shares[y] ** 2).sum()) for y in dep.index),
                 "share_total_row": panel.reading.get("total") if reported is not None
                 else None, "share_coverage": coverage}
    return Status(years=tuple(int(y) for y in dep.index),
                  dependent_mean=tuple(map(float, dep["mean"])),
                  dependent_min=tuple(map(float, dep["min"])),
                  dependent_max=tuple(map(float, dep["max"])),
                  core_mean=tuple(map(float, core_mean)), report_year=report_year,
                  entities=tuple(entities),
                  n_by_year=tuple(int(n) for n in by_year[dependent].count()),
                  trend=_matched_trend(frame, panel.entity, panel.time, dependent,
                                       list(dep.index)),
                  recent=_matched_trend(frame, panel.entity, panel.time, dependent,
                                        [before_year, report_year], levels)
                  if before_year in dep.index and report_year in dep.index else {},
                  variable=dependent, names={e: {lang: panel.entity_name(e, lang)
                                                 for lang in ("zh", "en")}
                                             for e in sorted(panel.entities, key=_natural)},
                  **extra)
