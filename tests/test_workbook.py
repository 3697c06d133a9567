"""The default study's own numbers laid out as a statistics bureau hands them over: Chinese
headers with units, a title row, yearbook markers, a 全省 row each year and footnotes; long
(one sheet) and wide (one sheet per indicator). Run with a config written by copying the
headers, both give the bundled study's estimates."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from reporter import pipeline
from reporter.cli import main
from reporter.config import load_config
from reporter.load import load_panel
from tests.studies import ROOT

HEADERS = {  # column -> the header as the bureau writes it (full-width brackets, units)
    "city": "地区", "year": "年份", "compet": "高新技术产业出口竞争力",
    "ec": "规模经济（产业集群数，对数）", "x1": "企业数（家）", "x2": "R&D经费（亿元）",
    "x3": "固定资产投资（亿元）", "x4": "科技支出占比（%）", "x5": "教育支出占比（%）",
    "tfp": "劳动生产率（万元每人）", "innov": "创新能力指数",
    "hx_export": "高新技术产品出口额（亿元）",
}
TITLE = "表 3-12  浙江省各市高新技术产业主要指标（2013—2023年）"
NOTES = ["注：“—”表示数据不详，“…”表示数据不足最小单位。", "资料来源：浙江省统计局。"]


def _sample() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "zhejiang_cities.csv")


def _config(data: str, layout: str = "long", header: str = "2") -> str:
    """What a user writes by copying the sheet's headers (half-width brackets typed here)."""
    h = HEADERS
    return f"""
[study]
id = "bureau"
title = {{ zh = "浙江省高新技术产业出口竞争力", en = "High-tech export competitiveness" }}
region = {{ zh = "浙江省", en = "Zhejiang" }}
year = 2023

[data]
path = "{data}"
entity = "{h['city']}"
time = "{h['year']}"
header = {header}
layout = "{layout}"

[variables."{h['compet']}"]
label = {{ zh = "高新技术产业出口竞争力", en = "high-tech export competitiveness" }}

[prepare]
winsorize = [0.01, 0.99]

[status]
share = "{h['hx_export']}"

[model]
dependent = "{h['compet']}"
core = "{h['ec']}"
controls = ["{h['x1']}", "{h['x2']}", "{h['x3']}", "{h['x4']}", "{h['x5']}"]
mediators = ["{h['tfp']}", "{h['innov']}"]

[inference]
reps = 999
"""


def _long_book(path: Path, frame: pd.DataFrame) -> None:
    """One sheet: a title row, the header, the cities and a 全省 row each year, markers in
    two cells of the share column, footnotes under the table."""
    book = Workbook()
    sheet = book.active
    sheet.title = "3-12"
    sheet.append([TITLE])
    columns = list(HEADERS)
    sheet.append([HEADERS[c] for c in columns])
    for year, rows in frame.groupby("year"):
        for _, row in rows.iterrows():
            sheet.append([row[c] for c in columns])
        total = {c: "—" for c in columns}
        amounts = pd.to_numeric(_sample().query("year == @year")["hx_export"])
        total.update(city="全省", year=year, hx_export=round(float(amounts.sum()), 6))
        sheet.append([total[c] for c in columns])
    sheet.append([])
    for note in NOTES:
        sheet.append([note])
    book.save(path)


def _wide_book(path: Path, frame: pd.DataFrame) -> None:
    """One sheet per indicator: a title row, then cities down and years (`2013年`) across."""
    book = Workbook()
    book.remove(book.active)
    years = sorted(frame["year"].unique())
    for column, header in HEADERS.items():
        if column in ("city", "year"):
            continue
        sheet = book.create_sheet(header[:31])
        sheet.append([f"{header}（2013—2023年）"])
        sheet.append(["地区", *(f"{y}年" for y in years)])
        wide = frame.pivot(index="city", columns="year", values=column)
        for city, values in wide.iterrows():
            sheet.append([city, *values.tolist()])
        sheet.append([NOTES[1]])
    book.save(path)


@pytest.fixture(scope="module")
def bundled():
    return pipeline.analyse(load_config(ROOT / "data" / "zhejiang_hightech.toml"),
                            pipeline.Timer())


def _estimates(results) -> dict[str, dict[str, float]]:
    return {m.id: {k: c.estimate for k, c in m.coefficients.items()} for m in results.models}


def test_long_workbook_gives_the_bundled_estimates(tmp_path, bundled):
    frame = _sample()
    frame["hx_export"] = frame["hx_export"].astype(object)
    frame.loc[(frame.city == "宁波") & (frame.year == 2015), "hx_export"] = "—"
    frame.loc[(frame.city == "丽水") & (frame.year == 2014), "hx_export"] = "…"
    _long_book(tmp_path / "bureau.xlsx", frame)
    fill = f'interpolate = ["{HEADERS["hx_export"]}"]'  # the two gaps: filled, and said so
    text = _config("bureau.xlsx").replace("winsorize = [0.01, 0.99]",
                                          f"winsorize = [0.01, 0.99]\n{fill}")
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    config = load_config(tmp_path / "study.toml")
    panel = load_panel(config)
    assert len(panel.entities) == 12 and "全省" not in panel.entities
    assert panel.reading["total"] == "全省"
    assert panel.reading["missing_markers"] == {"—": 1 + 11 * 9, "...": 1}  # 全省: 9 × —
    assert panel.reading["notes"] == NOTES
    results = pipeline.analyse(config, pipeline.Timer())
    ours, theirs = _estimates(results), _estimates(bundled)
    h = HEADERS
    names = {v: k for k, v in h.items()}
    for model_id in ("baseline", "baseline_controls", "re", "iv_2sls"):
        mapped = {names.get(k, k): v for k, v in ours[model_id].items()}
        assert mapped == pytest.approx(theirs[model_id], rel=1e-10), model_id
    status = results.status
    assert status.share_total_row == "全省"
    assert list(status.share_total) == pytest.approx(
        [round(float(_sample().query("year == @y").hx_export.sum()), 6) for y in status.years])
    step = next(s for s in results.preparation if s.step == "interpolate")
    assert sorted(map(tuple, step.params["cells"])) == [("丽水", 2014), ("宁波", 2015)]
    assert status.share_coverage[-1] == pytest.approx(1.0)  # 2023: no gap, all listed
    assert 0.9 < status.share_coverage[2] < 1.1  # 2015: 宁波 interpolated


def test_wide_workbook_gives_the_same_numbers_as_long(tmp_path):
    frame = _sample()
    _long_book(tmp_path / "long.xlsx", frame)
    _wide_book(tmp_path / "wide.xlsx", frame)
    out = {}
    for layout in ("long", "wide"):
        config_text = _config(f"{layout}.xlsx", layout)
        (tmp_path / f"{layout}.toml").write_text(config_text, encoding="utf-8")
        result = CliRunner().invoke(main, ["run", "--config", str(tmp_path / f"{layout}.toml"),
                                           "--output", str(tmp_path / layout),
                                           "--format", "json"])
        assert result.exit_code == 0, result.output
        body = json.loads((tmp_path / layout / "bureau" / "2023" / "results.json").read_text())
        out[layout] = {m["id"]: [c["estimate"] for c in m["coefficients"].values()]
                       for m in body["models"]}
    assert out["wide"].keys() == out["long"].keys()
    for model_id, estimates in out["long"].items():
        assert np.allclose(out["wide"][model_id], estimates, rtol=1e-12), model_id


def test_title_row_is_pointed_out(tmp_path):
    _long_book(tmp_path / "bureau.xlsx", _sample())
    (tmp_path / "study.toml").write_text(_config("bureau.xlsx", header="1"), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--config", str(tmp_path / "study.toml")])
    assert result.exit_code == 2
    assert "header = 2" in result.output and "表头似乎在第 2 行" in result.output


def test_total_and_exclude_name_entities_that_exist(tmp_path):
    _long_book(tmp_path / "bureau.xlsx", _sample())
    text = _config("bureau.xlsx").replace("layout = ", 'exclude = ["舟山市"]\nlayout = ')
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--config", str(tmp_path / "study.toml")])
    assert result.exit_code == 2 and "舟山市" in result.output and "data.exclude" in result.output
    text = _config("bureau.xlsx").replace("layout = ", 'exclude = ["舟山"]\nlayout = ')
    (tmp_path / "study.toml").write_text(text, encoding="utf-8")
    panel = load_panel(load_config(tmp_path / "study.toml"))
    assert "舟山" not in panel.entities and panel.reading["excluded"] == ["舟山"]


def test_numbers_as_yearbooks_write_them(tmp_path):
    frame = _sample().head(33).copy()  # three cities
    frame["hx_export"] = frame["hx_export"].astype(object)
    frame.loc[0, "hx_export"] = "1,234.5"
    frame.loc[1, "hx_export"] = "１２．５"  # full-width digits and point
    frame.loc[2, "hx_export"] = "12.5%"
    frame.to_csv(tmp_path / "panel.csv", index=False)
    text = (ROOT / "data" / "zhejiang_hightech.toml").read_text(encoding="utf-8")
    text = text.replace('path = "zhejiang_cities.csv"', f'path = "{tmp_path}/panel.csv"')
    (tmp_path / "study.toml").write_text(text.replace("year = 2023", "year = 2023"),
                                         encoding="utf-8")
    panel = load_panel(load_config(tmp_path / "study.toml"))
    cells = panel.frame.set_index(["city", "year"])["hx_export"]
    keys = list(zip(frame.city[:3], frame.year[:3], strict=True))
    assert [cells[k] for k in keys] == pytest.approx([1234.5, 12.5, 0.125])
    assert panel.reading["thousands_separators"] == 1 and panel.reading["percent_signs"] == 1


def test_init_from_the_workbook_writes_a_config_validate_accepts(tmp_path):
    """`reporter init --from` reads the bureau's workbook (a title row, a 全省 row, units in
    the headers) and writes a config for it; with `--lang zh` it validates as written, with
    English it lists what to fill in, and once the marked choices are made it validates."""
    import tomllib

    from click.testing import CliRunner

    from reporter.cli import main

    book = tmp_path / "主要指标.xlsx"
    _long_book(book, _sample())
    runner = CliRunner()
    done = runner.invoke(main, ["init", str(tmp_path / "study"), "--from", str(book)])
    assert done.exit_code == 0, done.output
    config_file = tmp_path / "study" / "study.toml"
    text = config_file.read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    assert raw["data"] == {"path": "data/主要指标.xlsx", "entity": "地区", "time": "年份",
                           "header": 2, "total": "全省"}
    assert (tmp_path / "study" / "data" / "主要指标.xlsx").read_bytes() == book.read_bytes()
    assert raw["study"]["year"] == 2023
    variables = raw["variables"]
    headers = {c: unicodedata.normalize("NFKC", h) for c, h in HEADERS.items()}  # as read
    assert set(variables) == {h for c, h in headers.items() if c not in ("city", "year")}
    assert variables["R&D经费(亿元)"] == {
        "label": {"zh": "R&D经费", "en": "R&D经费"},
        "unit": {"zh": "亿元", "en": "100 million yuan"}}
    assert "CHOOSE" in text and "FILL IN" in text
    path = str(config_file)
    assert runner.invoke(main, ["validate", "--config", path, "--lang", "zh"]).exit_code == 0
    english = runner.invoke(main, ["validate", "--config", path])
    assert english.exit_code == 2
    assert "study.title" in english.output and '[variables."R&D经费(亿元)"] label' in english.output
    # the analyst decides: the model, and the English names of what the brief shows
    model = raw["model"]
    assert model["dependent"] in variables and model["core"] in variables
    chosen = {"dependent": headers["compet"], "core": headers["ec"],
              "controls": [headers[c] for c in ("x1", "x2", "x3")]}
    names = {headers["compet"]: "high-tech export competitiveness",
             headers["ec"]: "industrial clusters (log)", headers["x1"]: "enterprises",
             headers["x2"]: "R&D spending", headers["x3"]: "fixed-asset investment"}
    lines = []
    section = ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip("[]").split(".", 1)[-1].strip('"')
        if line.startswith(("title =", "region =")):
            key = line.split(" =")[0]
            line = f'{key} = {{ zh = "浙江", en = "Zhejiang {key}" }}'
        for key, value in chosen.items():
            if line.startswith(f"{key} ="):
                line = f"{key} = " + json.dumps(value, ensure_ascii=False)
        if line.startswith("label =") and section in names:
            line = line.split(", en =")[0] + f', en = "{names[section]}" }}'
        if line.startswith("unit =") and section in names and "FILL IN" in line:
            line = line.split(", en =")[0] + ', en = "clusters, log" }'
        lines.append(line)
    config_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = runner.invoke(main, ["validate", "--config", path])
    assert done.exit_code == 0, done.output


ENGLISH = {"ec": "industrial clusters (log)", "x1": "enterprises", "x2": "R&D spending",
           "x3": "fixed-asset investment", "x4": "science spending share",
           "x5": "education spending share", "tfp": "labour productivity",
           "innov": "innovation", "hx_export": "high-tech exports"}


def test_the_english_brief_of_the_workbook_has_no_chinese(tmp_path):
    """The bureau's workbook with English labels added to the copied config, and no column of
    English names: the gazetteer names the cities, and the English page is all English."""
    import re

    from reporter import api
    from tests.test_html import Page

    _long_book(tmp_path / "bureau.xlsx", _sample())
    units = {"ec": "count, log", "tfp": "10,000 yuan per person"}  # not in the vocabulary
    text = _config("bureau.xlsx") + "".join(
        f'\n[variables."{HEADERS[c]}"]\nlabel = {{ zh = "{HEADERS[c]}", en = "{en}" }}\n'
        + (f'unit = {{ zh = "—", en = "{units[c]}" }}\n' if c in units else "")
        for c, en in ENGLISH.items())
    (tmp_path / "study.toml").write_text(text.replace("reps = 999", "bootstrap = false"),
                                         encoding="utf-8")
    done = api.run(tmp_path / "study.toml", tmp_path / "out", formats=("html",),
                   langs=("en",))
    page = Page((Path(done.output) / "brief_en.html").read_text(encoding="utf-8"))
    words = "".join(page.text)
    assert "Hangzhou" in words and "Yiwu" in words
    # no data.source: the note says the file is all it knows, not "Source: bureau.xlsx"
    assert "Source: the data file bureau.xlsx, for every variable; where its figures come " \
           "from is not stated." in " ".join(" ".join(page.text).split())
    assert not re.findall(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]", words)
