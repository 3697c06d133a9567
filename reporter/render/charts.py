"""Charts in one look shared with the tables: the CJK font, thin rules, one accent colour.

matplotlib is imported lazily: `reporter --help` should not pay for it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from itertools import pairwise
from pathlib import Path

from reporter.config import Config
from reporter.render.i18n import Translator
from reporter.render.tables import shown_entities
from reporter.results import EntityStatus, Status

FONT_FAMILY = ["Noto Sans CJK SC", "DejaVu Sans"]
ACCENT = "#1f4e79"
MUTED = "#9db3c8"
DPI = 200
PNG_COMPRESS = 1  # zlib level: the PNG is an intermediate, WeasyPrint re-deflates it
GUIDE = "#cccccc"  # the dot plot's guide lines, as the grid

# the ranking: how many of the best entities the accent colour marks (fewer when there are
# few entities: at most half of them)
HIGHLIGHT = 3
# bars start at zero; when the lowest value is more than this share of the highest, bars
# from zero would all look alike (an index near 100, a log in the teens): a dot plot
DOTS_ABOVE = 0.5
# the trend: a year in which fewer than this share of the best-covered year's entities
# report is marked, so that a mean over fewer entities does not read as a rise or a fall
FEW_REPORTING = 0.75
# thousands separators on axis ticks when one reaches this, as fmt.num in tables
THOUSANDS_FROM = 1_000  # as the tables (fmt.THOUSANDS_FROM)
MINUS = "\u2212"  # as the tables (fmt.num)


# --- the decisions, apart from the drawing (tests/test_charts.py) -----------------------


def use_dots(values: Sequence[float]) -> bool:
    """Whether the ranking is a dot plot rather than bars from zero: when a value is zero or
    negative (a log, a balance, a change: a bar's length from zero means nothing, and the
    highest would get the shortest bar), or when the lowest is more than DOTS_ABOVE of the
    highest (the differences would be a sliver at the end of bars of much the same length).
    Bars for positive data whose spread is a large part of their level, where 0 is a
    meaningful baseline."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return False
    low, high = min(finite), max(finite)
    return low <= 0 or low > DOTS_ABOVE * high


def dependent_better(config: Config) -> str:
    """Which way the status variable is good: `better` of the dependent, else of the level
    it is the log of (Config.level_of; a log keeps the direction)."""
    dependent = config.model.dependent
    better = config.better(dependent)
    return better if better != "neither" else config.better(config.level_of(dependent))


def best_entities(entities: Sequence[EntityStatus], better: str,
                  count: int = HIGHLIGHT) -> frozenset[str]:
    """The entities (ids) the ranking marks in the accent colour: the `count` best, the
    highest when higher is better and the lowest when lower is, with any tied with the last
    of them; none when neither way is better, and at most half of the entities (with two
    the better one; marking all of them would mark nothing)."""
    if better not in ("higher", "lower"):
        return frozenset()
    count = min(count, len(entities) // 2)
    if count <= 0:
        return frozenset()
    higher = better == "higher"
    ordered = sorted(entities, key=lambda e: e.value, reverse=higher)
    edge = ordered[count - 1].value
    chosen = [e.entity for e in ordered if (e.value >= edge if higher else e.value <= edge)]
    return frozenset(chosen) if len(chosen) < len(entities) else frozenset()


def few_reporting(n_by_year: Sequence[int], share: float = FEW_REPORTING) -> tuple[bool, ...]:
    """For each year, whether fewer than `share` of the entities of the best-covered year
    have a value (an unbalanced panel's mean over them is not comparable)."""
    if not n_by_year:
        return ()
    most = max(n_by_year)
    return tuple(n < share * most for n in n_by_year)


def tick_labels(values: Sequence[float]) -> list[str]:
    """The labels of a value axis's ticks, alike for all of them: as few decimals as tell
    each tick exactly (0, 0.25, 0.5 as 0.00, 0.25, 0.50), and thousands separators when a
    tick reaches THOUSANDS_FROM (43,642, in both languages); no -0, and no offset or
    scientific notation unless the ticks are a billionth apart. Negative numbers take the
    minus sign (−), as in the tables."""
    values = [float(v) for v in values]
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return ["" for _ in values]
    steps = [abs(b - a) for a, b in pairwise(finite) if b != a]
    scale = min(steps) if steps else max(abs(v) for v in finite) or 1.0
    tolerance = scale * 1e-6
    digits = next((d for d in range(10)
                   if all(abs(round(v, d) - v) <= tolerance for v in finite)), None)
    if digits is None:  # ticks a billionth apart: three significant digits
        return [f"{v:.3g}".replace("-", MINUS) if math.isfinite(v) else "" for v in values]
    group = "," if max(abs(v) for v in finite) >= THOUSANDS_FROM else ""
    out = []
    for v in values:
        if not math.isfinite(v):
            out.append("")
            continue
        v = round(v, digits)
        out.append(f"{0.0 if v == 0 else v:{group}.{digits}f}".replace("-", MINUS))
    return out


@cache
def _tick_formatter_class():
    from matplotlib.ticker import Formatter

    class ValueTicks(Formatter):
        """tick_labels for matplotlib: the ticks of an axis formatted together."""

        def __init__(self) -> None:
            self.labels: dict[float, str] = {}

        def set_locs(self, locs) -> None:
            super().set_locs(locs)
            self.labels = dict(zip(map(float, locs), tick_labels(locs), strict=True))

        def __call__(self, x, pos=None) -> str:
            label = self.labels.get(float(x))
            return label if label is not None else tick_labels([x])[0]

    return ValueTicks


def _value_ticks(*axes, most: int | None = None) -> None:
    """Value axes (not years) labelled by tick_labels; with `most`, at most that many
    intervals between ticks (a narrow panel: 125,000 beside 100,000 would run together)."""
    from matplotlib.ticker import MaxNLocator

    for axis in axes:
        if most is not None:
            axis.set_major_locator(MaxNLocator(nbins=most, steps=[1, 2, 2.5, 5, 10]))
        axis.set_major_formatter(_tick_formatter_class()())


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "font.family": "sans-serif", "font.sans-serif": FONT_FAMILY,
        "axes.unicode_minus": False, "font.size": 9, "axes.titlesize": 10,
        "axes.spines.top": False, "axes.spines.right": False, "axes.linewidth": 0.6,
        "xtick.major.width": 0.6, "ytick.major.width": 0.6, "axes.grid": True,
        "grid.linewidth": 0.3, "grid.color": "#cccccc", "svg.hashsalt": "reporter",
        "savefig.dpi": DPI, "figure.dpi": DPI,
    })
    return plt


def _save(plt, fig, path: Path) -> Path:
    """The figure as an opaque, lightly compressed PNG, then closed. WeasyPrint decodes
    every PNG and deflates it again into the PDF (twice when it has an alpha channel), so
    transparency and a slow zlib level here cost time and buy nothing."""
    import numpy as np
    from PIL import Image

    fig.canvas.draw()
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    Image.fromarray(rgb).save(path, format="PNG", compress_level=PNG_COMPRESS, dpi=(DPI, DPI))
    plt.close(fig)
    return path


# a chart for screens is drawn narrower than the print page, so that its text stays legible
# at a phone's width and at its natural size in a reading column on a desktop
SCREEN_WIDTH = 4.6  # inches


def _title(ax, text: str, screen: bool) -> None:
    """In print, over the plot; on screens over the whole figure, from its left edge and
    wrapped, as a narrow figure's labels leave its plot too little width for a long title."""
    if screen:
        ax.figure.suptitle(text, x=0.02, ha="left", fontsize=10, wrap=True)
    else:
        ax.set_title(text, loc="left")


def _trend(ax, status: Status, dependent: str, t: Translator, screen: bool = False) -> None:
    """The dependent's regional mean and range by year. Years in which few entities report
    (few_reporting) have hollow markers and a dashed line into and out of them, and the
    legend says so: their mean is over other entities, not a rise or a fall."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    years, means = list(status.years), list(status.dependent_mean)
    flags = few_reporting(status.n_by_year)
    if len(flags) != len(years):  # results without the counts
        flags = (False,) * len(years)
    low, high = list(status.dependent_min), list(status.dependent_max)
    # in runs of one style: between two well-covered years a solid line over the range, else
    # a dashed line over a lighter range
    start = 0
    for i in range(1, len(years)):
        dashed = flags[i - 1] or flags[i]
        if i == len(years) - 1 or (flags[i] or flags[i + 1]) != dashed:
            run = slice(start, i + 1)
            ax.fill_between(years[run], low[run], high[run], color=MUTED,
                            alpha=0.25 if dashed else 0.45, linewidth=0)
            ax.plot(years[run], means[run], color=ACCENT, linewidth=1.4,
                    linestyle=(0, (3, 2)) if dashed else "-")
            start = i
    full = [i for i, flag in enumerate(flags) if not flag]
    few = [i for i, flag in enumerate(flags) if flag]
    ax.plot([years[i] for i in full], [means[i] for i in full], linestyle="none",
            marker="o", markersize=3, color=ACCENT)
    ax.plot([years[i] for i in few], [means[i] for i in few], linestyle="none", marker="o",
            markersize=3.6, markerfacecolor="white", markeredgecolor=ACCENT,
            markeredgewidth=1.0, zorder=3)
    handles: list = [Patch(color=MUTED, alpha=0.45, linewidth=0),
                     Line2D([], [], color=ACCENT, marker="o", markersize=3, linewidth=1.4)]
    labels = [t("chart.status.range"), t("chart.status.mean")]
    if few:  # the lighter range and the dashed line with a hollow marker
        handles.append((Patch(color=MUTED, alpha=0.25, linewidth=0),
                        Line2D([], [], color=ACCENT, marker="o", markersize=3.6,
                               markerfacecolor="white", markeredgewidth=1.0, linewidth=1.4,
                               linestyle=(0, (3, 2)))))
        labels.append(t("chart.status.few"))
    _title(ax, t("chart.status.trend_title", variable=dependent), screen)
    step = -(-len(years) // 6)
    ax.set_xticks(years[::step])
    _value_ticks(ax.yaxis)
    ax.legend(handles, labels, frameon=False, fontsize=8, loc="best")


def _ranking(ax, status: Status, config: Config, t: Translator, screen: bool = False) -> int:
    """The entities ranked in the reporting year, highest first (beyond FULL_RANKING: the
    highest, the lowest and the focus ones, a gap between): bars from zero, or a dot plot
    when zero is no baseline (use_dots); the best (best_entities) in the accent colour, the
    others muted, all in the accent when neither way is better. Returns the number of rows."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    shown = list(reversed(shown_entities(status, config.status.focus)))
    names = [e.names[t.lang] if e else "…" + " " * i for i, e in enumerate(shown)]
    # a ranking by size (Status.ranks_a_total) has no best
    better = "neither" if status.ranks_a_total else dependent_better(config)
    best = best_entities(status.entities, better)
    colors = [(ACCENT if not best or e.entity in best else MUTED) if e else "none"
              for e in shown]
    dots = use_dots([e.value for e in status.entities])
    rows = [i for i, e in enumerate(shown) if e]
    if dots:
        values = [e.value for e in shown if e]
        low, high = min(values), max(values)
        pad = 0.06 * ((high - low) or abs(high) or 1.0)
        left, right = low - pad, high + pad
        ax.hlines(rows, left, right, colors=GUIDE, linewidth=0.5, linestyles=(0, (1, 1.5)),
                  zorder=1)
        if left < 0 < right:  # where the sign changes
            ax.axvline(0, color="#555555", linewidth=0.6, zorder=1)
        ax.scatter(values, rows, s=16 if screen else 14, c=[colors[i] for i in rows],
                   linewidths=0, zorder=3)
        ax.set_xlim(left, right)
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.set_yticks(range(len(names)), names)
        ax.tick_params(axis="y", length=0)
    else:
        ax.barh(names, [e.value if e else 0.0 for e in shown], color=colors, height=0.65)
    _title(ax, t("chart.status.rank_title", year=status.report_year), screen)
    ax.grid(axis="y", visible=False)
    _value_ticks(ax.xaxis, most=4)  # half the page's width in print
    if best:  # what the accent colour marks
        mark = (Line2D([], [], linestyle="none", marker="o", markersize=4, color=ACCENT) if dots
                else Patch(color=ACCENT))
        ax.legend([mark], [t("chart.status.best_higher" if better == "higher"
                             else "chart.status.best_lower", count=len(best))],
                  # inside, bottom right: the ranks end there with the smallest values, and
                  # above the plot it would run into a long title
                  loc="lower right", borderaxespad=0.3, frameon=True, framealpha=0.9,
                  edgecolor="none", fontsize=7 if not screen else 8, handlelength=1.0,
                  handletextpad=0.4)
    # on screens the figure grows with the bars (status_charts_screen): labels keep their size
    ax.tick_params(axis="y", labelsize=8 if screen else
                   6 if len(names) > 24 else 7 if len(names) > 15 else 8)
    return len(names)


def status_chart(status: Status, config: Config, t: Translator, path: Path) -> Path:
    """For print, one figure of two panels: left, the dependent's regional mean and range
    by year; right, the entities ranked in the reporting year."""
    plt = _pyplot()
    dependent = config.label(status.variable or config.model.dependent, t.lang)
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.0, 3.0),
                                      gridspec_kw={"width_ratios": [1.15, 1]})
    _trend(left, status, dependent, t)
    _ranking(right, status, config, t)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    return _save(plt, fig, path)


def status_charts_screen(status: Status, config: Config, t: Translator,
                         trend_path: Path, ranking_path: Path) -> tuple[Path, Path]:
    """For screens, the same two panels as two figures, which stack on a phone."""
    plt = _pyplot()
    dependent = config.label(status.variable or config.model.dependent, t.lang)
    fig, ax = plt.subplots(figsize=(SCREEN_WIDTH, 3.0))
    _trend(ax, status, dependent, t, screen=True)
    fig.tight_layout()
    trend_path.parent.mkdir(parents=True, exist_ok=True)
    trend = _save(plt, fig, trend_path)
    bars = len(shown_entities(status, config.status.focus))
    fig, ax = plt.subplots(figsize=(SCREEN_WIDTH, max(3.0, 0.24 * bars + 0.9)))
    _ranking(ax, status, config, t, screen=True)
    fig.tight_layout()
    return trend, _save(plt, fig, ranking_path)


def coefficient_chart(rows: list[tuple[str, float, float, float]], core_label: str,
                      t: Translator, path: Path, screen: bool = False) -> Path:
    """The core estimate with its 95% interval in each specification, top to bottom. In
    print the specifications label the axis; on screens each is written above its bar, so
    the bars keep the figure's whole width on a phone."""
    plt = _pyplot()
    height = (0.55 if screen else 0.42) * len(rows) + 0.9
    fig, ax = plt.subplots(figsize=(SCREEN_WIDTH if screen else 7.0, height))
    positions = list(range(len(rows)))[::-1]
    for y, (label, estimate, low, high) in zip(positions, rows, strict=True):
        ax.plot([low, high], [y, y], color=ACCENT, linewidth=1.4)
        ax.plot(estimate, y, "o", color=ACCENT, markersize=4)
        if screen:
            ax.text(0.012, y + 0.18, label, transform=ax.get_yaxis_transform(), fontsize=8,
                    va="bottom", ha="left", color="#333333")
    ax.axvline(0, color="#555555", linewidth=0.7, linestyle="--")
    if screen:
        ax.set_yticks([])
        ax.set_ylim(-0.5, len(rows) - 0.2)
    else:
        ax.set_yticks(positions, [r[0] for r in rows])
    ax.grid(axis="y", visible=False)
    _value_ticks(ax.xaxis)
    _title(ax, t("chart.coefficients.title", core=core_label), screen)
    fig.tight_layout()
    return _save(plt, fig, path)


def marginal_effects_chart(effects: list[dict], core_label: str, moderator_label: str,
                           t: Translator, path: Path, screen: bool = False) -> Path:
    """The core's marginal effect (with its 95% interval) across the moderator's range."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(SCREEN_WIDTH if screen else 5.2, 2.8))
    x = [e["moderator_value"] for e in effects]
    ax.fill_between(x, [e["ci_low"] for e in effects], [e["ci_high"] for e in effects],
                    color=MUTED, alpha=0.5, linewidth=0, label=t("chart.marginal.band"))
    ax.plot(x, [e["estimate"] for e in effects], color=ACCENT, marker="o", markersize=3,
            linewidth=1.4, label=t("chart.marginal.line"))
    for e in effects:
        ax.annotate(f"P{round(e['percentile'] * 100)}", (e["moderator_value"], e["estimate"]),
                    textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
    ax.axhline(0, color="#555555", linewidth=0.7, linestyle="--")
    ax.set_xlabel(moderator_label)
    _value_ticks(ax.xaxis, ax.yaxis)
    _title(ax, t("chart.marginal.title", core=core_label, moderator=moderator_label),
           screen)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return _save(plt, fig, path)
