"""The brief as a Word document (issue 16): both bundled studies write brief_zh.docx and
brief_en.docx read from the print brief, with the same sections, key messages, tables,
charts and notes; every number of its tables is the brief's and results.json's; the styles
are named and declare the East Asian font; the file is byte-identical under
SOURCE_DATE_EPOCH; and LibreOffice opens it and converts it to PDF, whose pages are saved in
output/screenshots/ for a person to look at (Debian's libreoffice-writer-nogui; under
CI=true its absence fails the test)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from studies import EPOCH, bundled_run

from reporter import api
from reporter.render import fmt
from reporter.render.docx import SANS, SERIF, parse

ROOT = Path(__file__).resolve().parent.parent
STUDIES = ("zhejiang_hightech", "provinces_resilience")
SCREENSHOTS = ROOT / "output" / "screenshots"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Each bundled study's Word briefs and results.json (the tables compared with the
    brief's are built from the same results)."""
    return {study: bundled_run(study, tmp_path_factory) for study in STUDIES}


def _body(document) -> list[tuple[str, object]]:
    """The document's paragraphs and tables in order: ("p", paragraph) or ("t", table)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[tuple[str, object]] = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            out.append(("p", Paragraph(child, document)))
        elif child.tag == qn("w:tbl"):
            out.append(("t", Table(child, document)))
    return out


def _tables(document) -> dict[str, list[list[str]]]:
    """Each three-line table's cell texts, keyed by its caption (the paragraph above it)."""
    tables: dict[str, list[list[str]]] = {}
    previous = None
    for kind, item in _body(document):
        if kind == "t" and previous is not None and previous.style.name == "Caption":
            tables[previous.text] = [[cell.text for cell in row.cells] for row in item.rows]
        previous = item if kind == "p" else None
    return tables


def _docs(runs):
    for study, analysis in runs.items():
        for lang in ("zh", "en"):
            yield study, lang, analysis, Path(analysis.output) / f"brief_{lang}.docx"


def test_each_table_is_the_briefs_to_the_cell(runs):
    from reporter.render.brief import render_brief
    from reporter.render.tables import Table

    for study, lang, analysis, path in _docs(runs):
        document = Document(str(path))
        tables = _tables(document)
        folder = Path(analysis.output)
        brief = render_brief(analysis.results, analysis.config, lang,
                             list(analysis.template_dirs), folder / "charts",
                             {"version": "t", "created": "2026-12-03", "date": "2026-12-03",
                              "cov_type": "c"}, export=False)
        html = parse(brief.html)
        figures = [f for f in html.find_all("figure") if "table" in f.classes]
        assert len(tables) == len(figures) >= 10, (study, lang)
        for figure in figures:
            caption = figure.find("figcaption").text()
            rows = [[cell.text() for cell in tr.elements()]
                    for tr in figure.find("table").find_all("tr")]
            got = tables[caption]
            assert [[c for c in row][:len(want)] for row, want in zip(got, rows, strict=True)
                    ] == rows, (study, lang, caption)
        assert isinstance(brief.tables["baseline"], Table)


def test_every_number_of_the_regression_tables_is_results_json(runs):
    for study, lang, analysis, path in _docs(runs):
        results = json.loads((Path(analysis.output) / "results.json").read_text("utf-8"))
        tables = _tables(Document(str(path)))
        baseline = next(rows for caption, rows in tables.items()
                        if ("基准回归" in caption if lang == "zh" else "Baseline" in caption))
        labels = [row[0] for row in baseline]
        checked = 0
        for column, model_id in enumerate(("baseline", "baseline_controls"), start=1):
            model = next(m for m in results["models"] if m["id"] == model_id)
            for name, coefficient in model["coefficients"].items():
                label = analysis.config.label(name, lang)
                if label not in labels:
                    continue
                row = labels.index(label)
                estimate = baseline[row][column].rstrip("*")
                assert estimate == fmt.coef(coefficient["estimate"]), (study, lang, name)
                # the t statistic (or the SE) in parentheses below
                below = {fmt.num(coefficient["stat"], 3), fmt.num(coefficient["std_error"], 4)}
                assert baseline[row + 1][column] in {f"({v})" for v in below}
                checked += 1
            nobs = next(row for row in baseline if row[0] in ("观测值", "Observations"))
            assert nobs[column] == fmt.integer(model["nobs"])
        assert checked >= 3, (study, lang)
        descriptives = next(rows for caption, rows in tables.items()
                            if ("描述性统计" in caption if lang == "zh" else
                                "Descriptive" in caption))
        for row in descriptives[1:]:
            name = next(n for n in results["descriptives"]
                        if analysis.config.label(n, lang) == row[0])
            d = results["descriptives"][name]
            assert row[1:] == [fmt.integer(d["n"]), fmt.num(d["mean"]), fmt.num(d["sd"]),
                               fmt.num(d["min"]), fmt.num(d["max"])], (study, lang, name)


def test_sections_key_messages_charts_and_styles_follow_the_brief(runs):
    for study, lang, analysis, path in _docs(runs):
        document = Document(str(path))
        body = _body(document)
        paragraphs = [item for kind, item in body if kind == "p"]
        headings = [p.text for p in paragraphs if p.style.name == "Heading 1"]
        sections = [s for s in analysis.config.report.sections if s not in ("cover", "foreword",
                                                                            "recommendations")]
        assert len(headings) == len(sections), (study, lang, headings)
        assert paragraphs[0].style.name in ("Cover Kicker", "Title")
        assert any(p.style.name == "Title" and p.text for p in paragraphs)
        key = [p for p in paragraphs if p.style.name == "Key Message"
               and re.match(r"\d+\.\t", p.text)]  # the numbered ones, not the glance's
        assert 3 <= len(key) <= 6 and key[0].text.startswith("1.\t")
        assert len(document.inline_shapes) >= 2  # the charts, as the PDF's
        # a page break before each numbered section, as the PDF
        breaks = [p for p in paragraphs if p.paragraph_format.page_break_before]
        assert len(breaks) >= len(sections)
        # named styles with the East Asian font declared; no fonts set on single runs
        styles = document.styles
        for name, fonts in (("Normal", SERIF), ("Heading 1", SANS), ("Table Text", SANS),
                            ("Caption", SANS)):
            rfonts = styles[name].element.rPr.find(qn("w:rFonts"))
            assert rfonts.get(qn("w:eastAsia")) == fonts[1], (name, study)
            assert rfonts.get(qn("w:ascii")) == fonts[0]
            assert not [a for a in rfonts.attrib if a.endswith("Theme")]
        xml = document.element.xml
        assert "<w:rFonts" not in xml.split("<w:body>")[1]
        used = {p.style.name for p in paragraphs}
        assert {"Heading 1", "Heading 2", "Body Text", "Caption", "Table Note",
                "Key Message"} <= used
        assert document.core_properties.title == analysis.config.study.title.get(lang)
        if lang == "en":
            text = "\n".join(p.text for p in paragraphs) + "".join(
                cell.text for table in document.tables for row in table.rows
                for cell in row.cells)
            assert not CJK.findall(text), CJK.findall(text)[:10]


def test_the_same_run_writes_the_same_bytes(runs, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    again = api.run(ROOT / "data" / f"{STUDIES[0]}.toml", tmp_path, formats=("docx",))
    for lang in ("zh", "en"):
        first = (Path(runs[STUDIES[0]].output) / f"brief_{lang}.docx").read_bytes()
        assert (Path(again.output) / f"brief_{lang}.docx").read_bytes() == first


def _soffice() -> str:
    executable = shutil.which("soffice") or shutil.which("libreoffice")
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must install libreoffice-writer-nogui (.ci/test-packages)")
        pytest.skip("LibreOffice is not installed (bash .ci/test-packages)")
    return executable


@pytest.mark.slow
def test_libreoffice_opens_and_prints_it(runs, tmp_path):
    soffice = _soffice()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    documents = tmp_path / "documents"  # every brief under its own name: one LibreOffice
    documents.mkdir()                   # start converts them all
    for study, lang, _, path in _docs(runs):
        shutil.copyfile(path, documents / f"{study}_{lang}.docx")
    out = tmp_path / "pdf"
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
         "--convert-to", "pdf", "--outdir", str(out),
         *sorted(str(p) for p in documents.iterdir())],
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.stdout, done.stderr)
    for study, lang, analysis, _ in _docs(runs):
        pdf = out / f"{study}_{lang}.pdf"
        assert pdf.is_file(), (done.stdout, done.stderr)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        title = analysis.config.study.title.get(lang)
        assert title.split()[0] in text
        for section in ("status", "method", "results", "findings"):
            heading = _heading(analysis, lang, section)
            assert heading in text, (study, lang, heading)
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                               check=True).stdout
        if lang == "zh":
            assert "CJK" in fonts, fonts  # the Chinese shows in a CJK font, embedded
        pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
            ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout)[1])
        assert 8 <= pages <= 40, (study, lang, pages)
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf),
                        str(SCREENSHOTS / f"docx_{study}_{lang}")], check=True)


def _heading(analysis, lang: str, section: str) -> str:
    from reporter.render.i18n import Translator, load_catalogue

    t = Translator(load_catalogue(list(analysis.template_dirs), lang), lang,
                   analysis.config.nouns()[lang])
    return t(f"section.{section}")
