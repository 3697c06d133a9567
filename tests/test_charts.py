"""The status chart's decisions, tested without reading pixels: a dot plot or bars for the
ranking (use_dots), which entities the accent colour marks (best_entities, by `better`),
which years of the trend are marked as having few entities reporting (few_reporting), and
how value axes label their ticks (tick_labels); then the same decisions as drawn, read from
the matplotlib figure before it is saved."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from reporter import api
from reporter.config import load_config
from reporter.render import charts
from reporter.render.i18n import Translator, load_catalogue
from reporter.results import EntityStatus, Status
from tests.studies import ROOT, write_study

MODEL = 'dependent = "compet"\ncore = "ec"\ncontrols = ["x1", "x2"]'
EMPL_UK_COUNTS = (80, 137, 139, 139, 125, 139, 139, 78, 35)  # plm::EmplUK with holes


def _status(values: dict[str, float], years: tuple[int, ...] = (2021, 2022, 2023),
            n_by_year: tuple[int, ...] | None = None, mean: tuple[float, ...] | None = None
            ) -> Status:
    """A status with these values in the last year, ranked as the battery ranks them."""
    ordered = sorted(values, key=lambda e: (-values[e], e))
    entities = tuple(EntityStatus(entity=e, names={"zh": e, "en": e}, value=values[e],
                                  rank=1 + sum(v > values[e] for v in values.values()),
                                  change=None) for e in ordered)
    low, high = min(values.values()), max(values.values())
    mean = mean or tuple(sum(values.values()) / len(values) for _ in years)
    return Status(years=years, dependent_mean=mean, dependent_min=(low,) * len(years),
                  dependent_max=(high,) * len(years), core_mean=(0.0,) * len(years),
                  report_year=years[-1], entities=entities,
                  n_by_year=n_by_year if n_by_year is not None else (len(values),) * len(years),
                  variable="compet")


def _config(tmp_path, extra: str = ""):
    path = write_study(tmp_path, MODEL)
    if extra:
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return load_config(path)


def _translator(config, lang: str) -> Translator:
    return Translator(load_catalogue([ROOT / "templates"], lang), lang, config.wording()[lang])


@pytest.fixture
def figures(monkeypatch):
    """The figures the chart functions draw, kept open (and not saved) for the test to read."""
    import matplotlib.pyplot as plt

    kept = []

    def keep(plt, fig, path):
        fig.canvas.draw()  # tick labels are formatted on drawing
        kept.append(fig)
        path.write_bytes(b"")
        return path

    monkeypatch.setattr(charts, "_save", keep)
    yield kept
    plt.close("all")


# --- dot plot or bars ------------------------------------------------------------------


@pytest.mark.parametrize(("values", "dots"), [
    ([-4.4, -3.1, -2.5], True),          # logs of rates: all negative (plm::Crime)
    ([-0.2, 0.1, 0.6], True),            # crosses zero: a change, a balance
    ([0.0, 0.4, 0.9], True),             # a zero: a bar of no length says nothing
    ([95.0, 100.0, 110.0], True),        # an index near 100: bars would all look alike
    ([9.1, 10.4, 11.2], True),           # log GDP per head
    ([0.39, 0.6, 0.88], False),          # the default study's competitiveness
    ([55.0, 120.0, 167.0], False),       # cigarette packs per person
    ([0.1, 2.0, 13.5], False),           # employment, thousands
    ([50.0, 100.0], False),              # the lowest half the highest: still bars
    ([50.1, 100.0], True),
    ([], False),
])
def test_dots_when_zero_is_no_baseline(values, dots):
    assert charts.use_dots(values) is dots


# --- the best in the accent colour -----------------------------------------------------

VALUES = {"a": 9.0, "b": 8.0, "c": 7.0, "d": 6.0, "e": 5.0, "f": 4.0, "g": 3.0}


def test_the_best_are_the_highest_when_higher_is_better_and_the_lowest_when_lower_is():
    entities = _status(VALUES).entities
    assert charts.best_entities(entities, "higher") == {"a", "b", "c"}
    assert charts.best_entities(entities, "lower") == {"e", "f", "g"}
    assert charts.best_entities(entities, "neither") == frozenset()


def test_ties_with_the_last_of_the_best_are_marked_and_few_entities_mark_fewer():
    tied = _status({**VALUES, "c": 8.0, "d": 8.0}).entities  # b, c, d tied second
    assert charts.best_entities(tied, "higher") == {"a", "b", "c", "d"}
    four = _status({"a": 4.0, "b": 3.0, "c": 2.0, "d": 1.0}).entities
    assert charts.best_entities(four, "higher") == {"a", "b"}  # at most half of them
    assert charts.best_entities(four[:2], "lower") == {"b"}
    assert charts.best_entities(four[:1], "higher") == frozenset()
    same = _status({"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0}).entities
    assert charts.best_entities(same, "higher") == frozenset()  # all alike: none stands out


def test_better_is_read_from_the_dependent_or_else_from_its_level(tmp_path):
    assert charts.dependent_better(_config(tmp_path / "a")) == "neither"
    lower = '[variables.compet]\nbetter = "lower"\n'
    assert charts.dependent_better(_config(tmp_path / "b", lower)) == "lower"
    # the dependent a log made by prepare.log: its own better, else its level's
    logged = '[prepare.log]\nlcompet = "compet"\n'
    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    for folder, extra, better in (("c", '[variables.lcompet]\nbetter = "higher"\n', "higher"),
                                  ("d", '[variables.compet]\nbetter = "lower"\n', "lower")):
        path = write_study(tmp_path / folder, MODEL.replace('"compet"', '"lcompet"'), frame)
        path.write_text(path.read_text(encoding="utf-8") + logged + extra, encoding="utf-8")
        assert charts.dependent_better(load_config(path)) == better


# --- years with few entities -----------------------------------------------------------


def test_years_with_fewer_than_three_quarters_of_the_entities_are_flagged():
    flags = charts.few_reporting(EMPL_UK_COUNTS)
    assert [y for y, f in zip(range(1976, 1985), flags, strict=True) if f] == [
        1976, 1983, 1984]  # 80, 78 and 35 of 139; 125 is 90%
    assert charts.few_reporting((12,) * 11) == (False,) * 11
    assert charts.few_reporting((100, 75, 74)) == (False, False, True)
    assert charts.few_reporting(()) == ()


# --- tick labels -----------------------------------------------------------------------


@pytest.mark.parametrize(("ticks", "labels"), [
    ([0, 20000, 40000, 60000], ["0", "20,000", "40,000", "60,000"]),
    ([43642.0], ["43,642"]),
    ([42500, 43000, 43500], ["42,500", "43,000", "43,500"]),
    ([1_250_000.0, 1_500_000.0], ["1,250,000", "1,500,000"]),
    ([0, 2000, 4000, 6000, 8000], ["0", "2,000", "4,000", "6,000", "8,000"]),  # as fmt.num
    ([0, 2500, 5000, 7500, 10000], ["0", "2,500", "5,000", "7,500", "10,000"]),  # alike
    ([0, 0.25, 0.5, 0.75], ["0.00", "0.25", "0.50", "0.75"]),
    ([0.1, 0.1 + 0.2, 0.5], ["0.1", "0.3", "0.5"]),  # floating noise
    ([-5.0, -4.5, -4.0], ["−5.0", "−4.5", "−4.0"]),  # the minus sign, as in tables
    ([-1e-17, 0.5], ["0.0", "0.5"]),  # no -0.0
    ([-20000, 0, 20000], ["−20,000", "0", "20,000"]),
    ([2e-12, 4e-12], ["2e−12", "4e−12"]),
])
def test_tick_labels(ticks, labels):
    assert charts.tick_labels(ticks) == labels


# --- as drawn --------------------------------------------------------------------------


def _ranking_axes(fig):
    return fig.axes[-1]


def _texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [t.get_text() for t in legend.get_texts()] if legend else []


def test_negative_values_are_a_dot_plot_with_the_lowest_marked_when_lower_is_better(
        tmp_path, figures):
    config = _config(tmp_path, '[variables.compet]\nbetter = "lower"\n')
    status = _status({f"c{i}": -4.4 + 0.1 * i for i in range(20)})
    charts.status_chart(status, config, _translator(config, "en"), tmp_path / "s.png")
    ax = _ranking_axes(figures[-1])
    assert not ax.patches  # no bars
    (dots,) = ax.collections[-1:]
    assert len(dots.get_offsets()) == 20
    marked = {str(e.entity) for e, colour in zip(reversed(status.entities),
                                                 dots.get_facecolors(), strict=True)
              if tuple(colour[:3]) == pytest.approx((0x1f / 255, 0x4e / 255, 0x79 / 255))}
    assert marked == {"c0", "c1", "c2"}  # the three lowest
    low, high = ax.get_xlim()
    assert low > -4.6 and high < 0  # the axis spans the data, not zero
    assert _texts(ax) == ["Best 3 (lower is better)"]


def test_positive_values_are_bars_marking_the_highest_or_none(tmp_path, figures):
    status = _status(VALUES)
    for folder, extra, dark, legend in (
            ("h", '[variables.compet]\nbetter = "higher"\n', 3,
             ["Best 3 (higher is better)"]),
            ("n", "", 7, [])):
        config = _config(tmp_path / folder, extra)
        charts.status_chart(status, config, _translator(config, "en"), tmp_path / "s.png")
        ax = _ranking_axes(figures[-1])
        bars = ax.patches
        assert len(bars) == 7 and ax.get_xlim()[0] == 0
        accent = [b for b in bars if b.get_facecolor()[:3] == pytest.approx(
            (0x1f / 255, 0x4e / 255, 0x79 / 255))]
        assert len(accent) == dark  # with neither, one colour for all
        if dark == 3:  # barh draws bottom-up: the highest last
            assert accent == bars[-3:]
        assert _texts(ax) == legend


def test_years_with_few_entities_are_hollow_and_named_in_the_legend(tmp_path, figures):
    config = _config(tmp_path)
    years = tuple(range(1976, 1985))
    status = _status(VALUES, years=years, n_by_year=EMPL_UK_COUNTS,
                     mean=(9.9, 8.6, 8.7, 8.8, 8.2, 7.8, 7.0, 5.3, 2.4))
    for lang, few in (("en", "Fewer cities reporting"), ("zh", "报告的城市较少")):
        charts.status_chart(status, config, _translator(config, lang), tmp_path / "s.png")
        trend = figures[-1].axes[0]
        assert few in _texts(trend)
        hollow = [line for line in trend.lines if line.get_markerfacecolor() == "white"]
        assert [int(x) for x in hollow[0].get_xdata()] == [1976, 1983, 1984]
        dashed = [line for line in trend.lines if line.get_linestyle() == "--"]
        assert [list(map(int, line.get_xdata())) for line in dashed] == [
            [1976, 1977], [1982, 1983, 1984]]
    balanced = _status(VALUES, years=years)
    charts.status_chart(balanced, config, _translator(config, "en"), tmp_path / "s.png")
    assert len(_texts(figures[-1].axes[0])) == 2  # range and mean only


def test_large_values_have_thousands_separators_in_both_languages(tmp_path, figures):
    config = _config(tmp_path, '[variables.compet]\nbetter = "higher"\n')
    status = _status({"a": 43642.0, "b": 30100.0, "c": 12000.0, "d": 8000.0})
    for lang in ("en", "zh"):
        t = _translator(config, lang)
        charts.status_charts_screen(status, config, t, tmp_path / "t.png", tmp_path / "r.png")
        trend, ranking = figures[-2].axes[0], figures[-1].axes[0]
        for axis in (ranking.xaxis, trend.yaxis):
            labels = [x.get_text() for x in axis.get_ticklabels()]
            assert "40,000" in labels and "20,000" in labels, (lang, labels)
            assert not any(re.search(r"\d{4}", label) for label in labels), labels
        assert next(x.get_text() for x in trend.get_xticklabels()) == "2021"  # years alone


def test_the_charts_of_an_analysed_study_are_drawn(tmp_path):
    analysis = api.analyse(write_study(tmp_path, MODEL))
    config, status = analysis.config, analysis.results.status
    for lang in ("zh", "en"):
        t = _translator(config, lang)
        path = charts.status_chart(status, config, t, tmp_path / f"s_{lang}.png")
        assert path.stat().st_size > 10_000
        trend, ranking = charts.status_charts_screen(
            status, config, t, tmp_path / f"t_{lang}.png", tmp_path / f"r_{lang}.png")
        assert trend.stat().st_size > 10_000 and ranking.stat().st_size > 10_000


def test_a_dot_plot_has_its_own_alt_text_with_the_bar_charts_placeholders():
    from string import Formatter

    for lang in ("zh", "en"):
        catalogue = load_catalogue([ROOT / "templates"], lang)
        fields = [{name for _, name, _, _ in Formatter().parse(catalogue[key]) if name}
                  for key in ("chart.status.rank_alt", "chart.status.rank_alt_dots")]
        assert fields[0] == fields[1], lang
