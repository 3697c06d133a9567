"""The status analysis: the region over time and the entities in the reporting year."""

from __future__ import annotations

import pandas as pd

from reporter.load import Panel
from reporter.results import EntityStatus, Status


def status(panel: Panel, dependent: str, core: str, report_year: int) -> Status:
    """Yearly mean and range of the dependent, yearly mean of the core, and each entity's
    level, rank (1 = highest) and change since the previous year in the reporting year."""
    frame = panel.frame
    by_year = frame.groupby(panel.time, sort=True)
    dep = by_year[dependent].agg(["mean", "min", "max"])
    core_mean = by_year[core].mean()
    current = frame[frame[panel.time] == report_year].set_index(panel.entity)[dependent]
    previous = frame[frame[panel.time] == report_year - 1].set_index(panel.entity)[dependent]
    ranks = current.rank(ascending=False, method="min").astype(int)
    ordered = sorted(current.index, key=lambda e: (ranks[e], e))
    entities = tuple(
        EntityStatus(entity=e, names={"zh": panel.entity_name(e, "zh"),
                                      "en": panel.entity_name(e, "en")},
                     value=float(current[e]), rank=int(ranks[e]),
                     change=(float(current[e] - previous[e]) if e in previous.index
                             and pd.notna(previous[e]) else None))
        for e in ordered)
    return Status(years=tuple(int(y) for y in dep.index),
                  dependent_mean=tuple(map(float, dep["mean"])),
                  dependent_min=tuple(map(float, dep["min"])),
                  dependent_max=tuple(map(float, dep["max"])),
                  core_mean=tuple(map(float, core_mean)), report_year=report_year,
                  entities=entities)
