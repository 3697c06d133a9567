"""Any number of entities (issue 15): beyond 30 the brief lists the 10 highest, the 10
lowest and the study's focus entities, with gaps marked, and says where the full ranking
is; tables/ has every entity; bench/bench_scale.py measures pages and time at 3,000."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from reporter import pipeline

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_scale  # noqa: E402 (the bench's generated panels)


def test_a_long_ranking_is_shortened_in_the_brief_only(tmp_path):
    config = bench_scale.study(tmp_path, 45)
    summary = pipeline.run(config, tmp_path / "out", langs=("en",), formats=("html",))
    page = (summary.output / "brief_en.html").read_text(encoding="utf-8")
    ranked = [e.entity for e in summary.results.status.entities]
    shown = [e for e in ranked if f">{e}<" in page]
    focus_rank = ranked.index("E0042")
    expected = set(ranked[:10]) | set(ranked[-10:]) | {"E0042"}
    assert set(shown) >= expected
    middle = [e for e in ranked[10:-10] if e != "E0042"]
    assert not any(f"<td class=\"label\">{e}</td>" in page for e in middle)
    assert page.count('class="gap"') == (2 if 10 < focus_rank < 34 else 1)
    assert "Only the 10 highest and 10 lowest of the 45 regions" in page
    with (summary.output / "tables" / "ranking_en.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert [r[1] for r in rows if r and r[0].isdigit()] == ranked  # every entity, in order


def test_a_short_ranking_is_listed_whole(tmp_path):
    config = bench_scale.study(tmp_path, 30)
    summary = pipeline.run(config, tmp_path / "out", langs=("en",), formats=("html",))
    page = (summary.output / "brief_en.html").read_text(encoding="utf-8")
    assert 'class="gap"' not in page and "Only the 10 highest" not in page
