"""Charts in one look shared with the tables: the CJK font, thin rules, one accent colour.

matplotlib is imported lazily: `reporter --help` should not pay for it.
"""

from __future__ import annotations

from pathlib import Path

from reporter.config import Config
from reporter.render.i18n import Translator
from reporter.render.tables import shown_entities
from reporter.results import Status

FONT_FAMILY = ["Noto Sans CJK SC", "DejaVu Sans"]
ACCENT = "#1f4e79"
MUTED = "#9db3c8"
DPI = 200
PNG_COMPRESS = 1  # zlib level: the PNG is an intermediate, WeasyPrint re-deflates it


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
    """The dependent's regional mean and range by year."""
    years = list(status.years)
    ax.fill_between(years, status.dependent_min, status.dependent_max, color=MUTED,
                    alpha=0.45, linewidth=0, label=t("chart.status.range"))
    ax.plot(years, status.dependent_mean, color=ACCENT, marker="o", markersize=3,
            linewidth=1.4, label=t("chart.status.mean"))
    _title(ax, t("chart.status.trend_title", variable=dependent), screen)
    step = -(-len(years) // 6)
    ax.set_xticks(years[::step])
    ax.legend(frameon=False, fontsize=8, loc="best")


def _ranking(ax, status: Status, config: Config, t: Translator, screen: bool = False) -> int:
    """The entities ranked in the reporting year (beyond FULL_RANKING: the highest, the
    lowest and the focus ones, a gap between); returns the number of bars."""
    shown = list(reversed(shown_entities(status, config.status.focus)))
    names = [e.names[t.lang] if e else "…" + " " * i for i, e in enumerate(shown)]
    values = [e.value if e else 0.0 for e in shown]
    colors = [(ACCENT if e.rank <= 3 else MUTED) if e else "none" for e in shown]
    ax.barh(names, values, color=colors, height=0.65)
    _title(ax, t("chart.status.rank_title", year=status.report_year), screen)
    ax.grid(axis="y", visible=False)
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
    _title(ax, t("chart.marginal.title", core=core_label, moderator=moderator_label),
           screen)
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return _save(plt, fig, path)
