"""Unbalanced panels (issue 21): comparisons across years are made over the entities present
in both years, and say so; plm::EmplUK (firms entering and leaving, 1976-1984)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reporter import api

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def empl(tmp_path_factory):
    folder = tmp_path_factory.mktemp("empl")
    frame = pd.read_csv(ROOT / "tests/reference/data/emplUK.csv")
    frame.to_csv(folder / "empl.csv", index=False)
    (folder / "s.toml").write_text("""[study]
id = "empl"
title = { zh = "英国企业就业", en = "UK firm employment" }
region = { zh = "英国", en = "UK" }
year = 1982
[data]
path = "empl.csv"
entity = "firm"
time = "year"
[status]
share = "output"
[model]
dependent = "emp"
core = "wage"
controls = ["capital", "output"]
""", encoding="utf-8")
    return frame, api.analyse(folder / "s.toml")


def test_the_trend_compares_the_entities_present_in_both_years(empl):
    frame, analysis = empl
    first = frame[frame.year == 1976].set_index("firm")["emp"]
    last = frame[frame.year == 1984].set_index("firm")["emp"]
    both = first.index.intersection(last.index)
    trend = next(f for f in analysis.findings() if f["key"] == "trend")
    assert trend["params"]["n_matched"] == len(both) == 14
    assert (trend["params"]["n_first"], trend["params"]["n_last"]) == (80, 35)
    assert trend["params"]["first"] == pytest.approx(first[both].mean(), rel=1e-12)
    assert trend["params"]["last"] == pytest.approx(last[both].mean(), rel=1e-12)
    assert "over the 14 firms with data in both years" in trend["text"]["en"]
    assert "14 个企业" in trend["text"]["zh"]


def test_growth_of_the_total_leaves_out_entries_and_exits(empl):
    frame, analysis = empl
    status = analysis.results.status
    wide = frame.pivot(index="firm", columns="year", values="output")
    both = wide[1983].notna() & wide[1984].notna()
    expected = wide.loc[both, 1984].sum() / wide.loc[both, 1983].sum() - 1
    assert status.share_growth[status.years.index(1984)] == pytest.approx(expected, rel=1e-12)
    assert status.n_by_year == tuple(int(n) for n in frame.groupby("year")["emp"].count())


def test_balanced_panels_are_unchanged():
    analysis = api.analyse(ROOT / "data" / "zhejiang_hightech.toml")
    trend = next(f for f in analysis.findings() if f["key"] == "trend")
    assert trend["params"]["n_matched"] == trend["params"]["n_first"] == 12
    assert "both years" not in trend["text"]["en"]


def test_the_status_table_counts_the_entities_each_year(empl):
    """An unbalanced panel's yearly means and totals are over different entities: the table
    says how many each year and what its growth compares (the PWT mean jumps when the Gulf
    economies enter)."""
    frame, analysis = empl
    for lang, head in (("en", "Firms"), ("zh", "企业数")):
        table = analysis.tables(lang)["status"]
        assert table.columns[1] == head
        counts = frame.dropna(subset=["emp"]).groupby("year")["firm"].nunique()
        assert [int(n) for n in table.iloc[:, 1]] == counts.tolist()
        assert any("both years" in n or "两年都有数据" in n for n in table.attrs["notes"])


def test_entities_that_left_are_named_in_each_language(tmp_path):
    """An entity with figures the year before but none in the reporting year is named
    under the ranking in the brief's language (it is not among the ranked entities, whose
    names the table has)."""
    from reporter.render.html import DEFAULT_TEMPLATES
    from reporter.render.i18n import Translator, load_catalogue
    from reporter.render.tables import ranking_table

    frame = pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")
    frame = frame[~((frame["city"] == "丽水") & (frame["year"] == 2023))]
    frame.to_csv(tmp_path / "cities.csv", index=False)
    text = (ROOT / "data" / "zhejiang_hightech.toml").read_text(encoding="utf-8")
    text = text.replace('path = "zhejiang_cities.csv"', 'path = "cities.csv"')
    (tmp_path / "s.toml").write_text(text + "\n[inference]\nbootstrap = false\n",
                                     encoding="utf-8")
    analysis = api.analyse(tmp_path / "s.toml")
    recent = analysis.results.status.recent
    assert (recent["entered"], recent["left"]) == ([], ["丽水"])
    notes = {}
    for lang in ("zh", "en"):
        t = Translator(load_catalogue([DEFAULT_TEMPLATES], lang), lang,
                       analysis.config.wording()[lang])
        notes[lang] = ranking_table(analysis.results, analysis.config, t).notes
    assert "With data the year before but not in 2023: Lishui." in notes["en"]
    assert "上年有数据而 2023 年没有：丽水。" in notes["zh"]

