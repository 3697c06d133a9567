"""Tables never lose a column (issue 21): in print, a table wider than the page is set in
parts under its label column; a study with eight heterogeneity groups shows every group,
the interaction model and the equal-effects F in the PDF."""

from __future__ import annotations

import re
import subprocess

import pandas as pd
import pytest

from reporter import pipeline
from reporter.render.tables import PRINT_COLUMNS, Cell, Row, Table
from tests.studies import ROOT


def _table(columns: int) -> Table:
    header = (Cell("Variable", kind="head"), *(Cell(f"({i})", kind="head")
                                                for i in range(1, columns + 1)))
    rows = (Row((Cell("x", kind="label"), *(Cell(f"{i}.0") for i in range(1, columns + 1)))),
            Row((Cell("", kind="label"), *(Cell(f"({i})") for i in range(1, columns + 1))),
                kind="sub"),
            Row((Cell("only last", kind="label"), *(Cell("") for _ in range(columns - 1)),
                 Cell("9.9"))),
            Row((Cell("Observations", kind="label"), *(Cell("40") for _ in range(columns))),
                kind="rule"))
    return Table("t", "T", header, rows, ("a note",))


def test_parts_keep_every_column_once_under_the_labels():
    assert _table(PRINT_COLUMNS).parts() == (_table(PRINT_COLUMNS),)
    parts = _table(9).parts()
    assert len(parts) == 2
    heads = [c.text for p in parts for c in p.header[1:]]
    assert heads == [f"({i})" for i in range(1, 10)]  # each column once, in order
    assert all(p.header[0].text == "Variable" for p in parts)
    # a row with nothing in a part's columns is left out there, kept where it has values
    assert [r.cells[0].text for r in parts[0].rows] == ["x", "", "Observations"]
    assert [r.cells[0].text for r in parts[1].rows] == ["x", "", "only last", "Observations"]
    assert parts[0].notes == () and parts[1].notes == ("a note",)  # once, under the last
    assert len({p.id for p in parts}) == 2


@pytest.fixture(scope="module")
def eight_groups(tmp_path_factory):
    folder = tmp_path_factory.mktemp("groups")
    frame = pd.read_csv(ROOT / "data" / "provinces.csv")
    provinces = sorted(frame["province"].unique())
    frame["grp"] = frame["province"].map({p: f"G{i % 8 + 1}" for i, p in enumerate(provinces)})
    frame.to_csv(folder / "provinces.csv", index=False)
    text = (ROOT / "data" / "provinces_resilience.toml").read_text(encoding="utf-8")
    text = text.replace('heterogeneity = "region_en"', 'heterogeneity = "grp"')
    text = text.replace('path = "province_product_exports.csv"',
                        f'path = "{(ROOT / "data" / "province_product_exports.csv").as_posix()}"')
    (folder / "s.toml").write_text(text, encoding="utf-8")
    summary = pipeline.run(folder / "s.toml", folder / "out", langs=("en",),
                           formats=("pdf", "json"))
    pdf = str(summary.output / "brief_en.pdf")
    # as laid out (a row's cells on one line), and as read (a wrapped heading joined up)
    return tuple(subprocess.run(["pdftotext", *flags, pdf, "-"], capture_output=True,
                                text=True, check=True).stdout for flags in (["-layout"], []))


@pytest.mark.slow
def test_every_group_and_the_equal_effects_test_are_printed(eight_groups):
    text, read = eight_groups
    read = " ".join(read.split())
    for group in range(1, 9):
        assert f"Subsample: G{group}" in read, group
    assert "Group interaction test" in text
    assert re.search(r"Equal effects across groups: F\(7, \d+\)\s+\d", text)
    assert "(continued)" in text
