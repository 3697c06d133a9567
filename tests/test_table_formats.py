"""The brief's tables as LaTeX (booktabs) and GitHub Markdown (issue 16): every cell, star,
parenthesis and note of the real tables of both bundled studies comes back from the files
in order; special characters print literally; the mid rules are where the PDF has them; and
the documents compile (pdflatex for English; XeLaTeX with xeCJK for Chinese where it is
installed). Under CI=true a missing pdflatex fails instead of skipping: CI must install
texlive-latex-base and texlive-latex-recommended."""

from __future__ import annotations

import html.parser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import reporter
from reporter.render.export import (
    LONG_TABLE,
    export_latex,
    export_markdown,
    latex_escape,
    markdown_escape,
    table_latex,
    table_markdown,
)
from reporter.render.i18n import Translator, load_catalogue
from reporter.render.tables import Cell, Row, Table, build_tables
from tests.studies import ROOT

STUDIES = {"cities": None, "provinces": ROOT / "data" / "provinces_resilience.toml"}
SPECIAL = "50% & 3_4 #1 $5 ^x ~y \\z {a} <b> |c| — “q” −0.12 … R² † × ρ ≥ ‘s’ \"d\" [0.1, 0.2]"

# The inverse of latex_escape, written out here rather than read from the module, so the
# round trip checks the mapping instead of repeating it
LATEX_BACK = {
    r"\textbackslash{}": "\\", r"\textasciicircum{}": "^", r"\textasciitilde{}": "~",
    r"\textless{}": "<", r"\textgreater{}": ">", r"\textbar{}": "|",
    r"\texttt{\char34}": '"', r"\ldots{}": "…", r"$\dagger$": "†", r"$\ddagger$": "‡",
    r"$\times$": "×", r"$\div$": "÷", r"$\pm$": "±", r"$\cdot$": "·", r"$\leq$": "≤",
    r"$\geq$": "≥", r"$\neq$": "≠", r"$\approx$": "≈", r"$\rightarrow$": "→",
    r"$\infty$": "∞", r"$^{\circ}$": "°", "$^{1}$": "¹", "$^{2}$": "²", "$^{3}$": "³",
    r"$\rho$": "ρ", r"$\alpha$": "α", r"$\beta$": "β", r"$\sigma$": "σ", "$-$": "−",
    r"$\chi$": "χ", r"$\kappa$": "κ",
    r"\{": "{", r"\}": "}", r"\#": "#", r"\$": "$", r"\%": "%", r"\&": "&", r"\_": "_",
    r"\,": "\u2009", "---": "—", "--": "–", "~": "\u00a0", "{}": "",
    "$^{0}$": "⁰", "$^{4}$": "⁴", "$^{5}$": "⁵", "$^{6}$": "⁶", "$^{7}$": "⁷", "$^{8}$": "⁸",
    "$^{9}$": "⁹", "$^{-}$": "⁻", "$^{n}$": "ⁿ",
}
_LATEX_TOKEN = re.compile("|".join(re.escape(k) for k in sorted(LATEX_BACK, key=len,
                                                                  reverse=True)))


def latex_text(tex: str) -> str:
    return _LATEX_TOKEN.sub(lambda m: LATEX_BACK[m.group()], tex)


def latex_cell(tex: str) -> tuple[str, str]:
    """A cell as (text, stars): the trailing `\\textsuperscript` is the stars."""
    tex = tex.strip()
    match = re.fullmatch(r"(.*?)\\textsuperscript\{([^{}]*)\}", tex)
    text, sup = (match.group(1), match.group(2)) if match else (tex, "")
    return latex_text(text), latex_text(sup)


def parse_latex(tex: str) -> dict:
    """caption, header, rows (cells, whether a \\midrule is above) and notes of one table."""
    lines = tex.splitlines()
    caption = re.search(r"\\caption\{(.*)\}(\\label|$)", tex, re.M).group(1)
    head = lines.index(r"\toprule") + 1
    if r"\endhead" in lines:  # longtable: the body follows the repeated header and foot
        start, end = lines.index(r"\endfoot") + 1, lines.index(r"\end{longtable}")
    else:
        start, end = head + 2, lines.index(r"\bottomrule")
    split = re.compile(r"(?<!\\)&")

    def cells(line: str) -> list[tuple[str, str]]:
        assert line.endswith(r" \\"), line
        line = line[:-3].removeprefix("{}")
        return [latex_cell(c) for c in split.split(line)]

    rows, rule = [], False
    for line in lines[start:end]:
        if line == r"\midrule":
            rule = True
            continue
        rows.append((cells(line), rule))
        rule = False
    notes = [latex_text(line.removesuffix(r"\par")) for line in lines
             if line.endswith(r"\par") and not line.startswith(r"\par")]
    return {"caption": latex_text(caption), "header": cells(lines[head]), "rows": rows,
            "notes": notes}


def md_unescape(text: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def md_cells(line: str) -> list[str]:
    """A pipe-table line split on its unescaped ` | `, each cell unescaped."""
    assert line.startswith("| ") and line.endswith(" |"), line
    inner, cells, cell, i = line[2:-2], [], "", 0
    while i < len(inner):
        if inner[i] == "\\":
            cell, i = cell + inner[i:i + 2], i + 2
        elif inner.startswith(" | ", i):
            cells.append(cell)
            cell, i = "", i + 3
        else:
            cell, i = cell + inner[i], i + 1
    return [md_unescape(c) for c in [*cells, cell]]


def parse_markdown(md: str) -> dict:
    lines = md.split("\n")
    table = [i for i, line in enumerate(lines) if line.startswith("| ")]
    title = lines[0]
    assert title.startswith("**") and title.endswith("**") and lines[1] == ""
    after = lines[table[-1] + 1:]
    return {"title": md_unescape(title[2:-2]), "header": md_cells(lines[table[0]]),
            "align": lines[table[1]], "rows": [md_cells(lines[i]) for i in table[2:]],
            "notes": [md_unescape(line) for line in after if line]}


def tables_of(study: Path | None) -> dict[str, dict[str, Table]]:
    analysis = reporter.analyse(study)
    out = {}
    for lang in ("en", "zh"):
        t = Translator(load_catalogue(analysis.template_dirs, lang), lang,
                       analysis.config.nouns()[lang])
        out[lang] = build_tables(analysis.results, analysis.config, t)
    return out


@pytest.fixture(scope="module", params=list(STUDIES))
def brief_tables(request) -> dict[str, dict[str, Table]]:
    """Both studies' tables in both languages: the cities study has the mechanisms, the
    provinces study the indices, moderation, marginal effects and heterogeneity."""
    return tables_of(STUDIES[request.param])


def _all(brief_tables: dict[str, dict[str, Table]]) -> list[Table]:
    return [table for tables in brief_tables.values() for table in tables.values()]


def _need(tool: str, why: str) -> None:
    """Skip without `tool`, but fail on CI, which must install it."""
    if shutil.which(tool):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{tool} is not installed: {why}")
    pytest.skip(f"{tool} is not installed")


def _xelatex_ready() -> str | None:
    """Why the Chinese document cannot be compiled here, or None when it can."""
    if not shutil.which("xelatex") or not shutil.which("kpsewhich"):
        return "xelatex is not installed"
    for sty in ("xeCJK.sty", "ctexhook.sty"):
        if not subprocess.run(["kpsewhich", sty], capture_output=True, text=True).stdout:
            return f"{sty} is not installed (texlive-lang-chinese)"
    fonts = subprocess.run(["fc-list", "Noto Serif CJK SC"], capture_output=True,
                           text=True).stdout if shutil.which("fc-list") else ""
    return None if fonts.strip() else "the font Noto Serif CJK SC is not installed"


def _compile(engine: str, tex: Path) -> str:
    """Compile `tex` in its folder; the log, after asserting a PDF came out."""
    done = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error",
                           tex.name], cwd=tex.parent, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    log = tex.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    errors = "\n".join(line for line in log.splitlines() if line.startswith("!"))
    assert done.returncode == 0, f"{engine} {tex.name} failed:\n{errors}\n{done.stdout[-3000:]}"
    assert tex.with_suffix(".pdf").stat().st_size > 0
    return log


# --- 1. every cell, star and note comes back, in order --------------------------------

def test_latex_has_every_cell_in_order(brief_tables):
    for table in _all(brief_tables):
        parsed = parse_latex(table_latex(table))
        assert parsed["caption"] == table.title
        assert parsed["header"] == [(c.text, c.sup) for c in table.header], table.id
        assert [cells for cells, _ in parsed["rows"]] == [
            [(c.text, c.sup) for c in row.cells] for row in table.rows], table.id
        assert parsed["notes"] == list(table.notes), table.id


def test_markdown_has_every_cell_in_order(brief_tables):
    for table in _all(brief_tables):
        parsed = parse_markdown(table_markdown(table))
        assert parsed["title"] == table.title
        assert parsed["header"] == [c.text for c in table.header], table.id
        width = len(table.header)
        assert parsed["align"] == "| " + " | ".join([":---", *[":---:"] * (width - 1)]) + " |"
        assert parsed["rows"] == [[c.text + c.sup for c in row.cells] for row in table.rows]
        assert parsed["notes"] == list(table.notes), table.id


def test_stars_and_parentheses_are_as_in_the_pdf(brief_tables):
    baseline = brief_tables["en"]["baseline"]
    starred = next(c for row in baseline.rows for c in row.cells if c.sup)
    tex, md = table_latex(baseline), table_markdown(baseline)
    assert f"{latex_escape(starred.text)}\\textsuperscript{{{starred.sup}}}" in tex
    assert starred.text.replace("−", "$-$") in tex
    assert starred.text + "\\*" * len(starred.sup) in md
    sub = next(row for row in baseline.rows if row.kind == "sub")
    assert all(c.text.startswith("(") for c in sub.cells[1:] if c.text)
    assert "| " + " | ".join(c.text for c in sub.cells) + " |" in md.splitlines()


def test_export_writes_every_table_and_one_document(brief_tables, tmp_path):
    for lang, tables in brief_tables.items():
        paths = export_latex(tables, tmp_path, lang) + export_markdown(tables, tmp_path, lang)
        names = {p.name for p in paths}
        assert names == {f"{i}_{lang}.{ext}" for i in tables for ext in ("tex", "md")} | {
            f"tables_{lang}.tex", f"tables_{lang}.md"}
        for path in paths:
            data = path.read_bytes()
            assert b"\r" not in data and data.endswith(b"\n")
            data.decode("utf-8")
        doc = (tmp_path / f"tables_{lang}.tex").read_text(encoding="utf-8")
        assert all(table_latex(t) in doc for t in tables.values())
        assert doc.index(r"\begin{document}") < doc.index(r"\end{document}")
        assert (r"\usepackage{xeCJK}" in doc) == (lang == "zh")
        assert (tmp_path / f"tables_{lang}.md").read_text(encoding="utf-8") == "\n".join(
            table_markdown(t) for t in tables.values())
        again = export_latex(tables, tmp_path / "again", lang)
        assert [p.read_bytes() for p in again] == [(tmp_path / p.name).read_bytes()
                                                    for p in again]


# --- 2. special characters ----------------------------------------------------------

def _synthetic(n_rows: int = 2) -> Table:
    header = (Cell("Variable & 100%", kind="head"), Cell("(1) a_b | c", kind="head"),
              Cell("#2 {x}", kind="head"))
    rows = [Row((Cell(SPECIAL, kind="label"), Cell("−0.1234", "***"), Cell("<0.001"))),
            Row((Cell("", kind="label"), Cell("(−2.345)"), Cell("[−0.1, 0.2]")), kind="sub"),
            Row((Cell("[starts] with a bracket", kind="label"), Cell("*"), Cell("—")),
                kind="rule"),
            Row((Cell("*star first", kind="label"), Cell("a--b'' `c` ,,d !`e"), Cell(""))),
            Row((Cell("…", kind="label"), Cell(""), Cell("")), kind="gap"),
            Row((Cell("R² (within)", kind="label"), Cell("0.5"), Cell("1.66e−6")),
                kind="rule")]
    rows += [Row((Cell(f"row {i}", kind="label"), Cell(f"{i}"), Cell(f"{i}%")))
             for i in range(n_rows - len(rows))]
    return Table("special_chars", f"Title: {SPECIAL}", header, tuple(rows),
                 (f"Note: {SPECIAL}", "*** p < 0.01, ** p < 0.05, * p < 0.10.",
                  "# not a heading", "> not a quote", "- not a list", "1. not a list",
                  "[link](http://example.com) <b>bold</b> &amp; ~~strike~~ `code`"),
                 wide=True)


@pytest.mark.parametrize("text", [SPECIAL, "--", "---x", "'''", "a\\", "\\&", "&", "$$",
                                  "−−", "ρ×", "x_{1}^2", "100 % \\% %%"])
def test_latex_escape_round_trips(text):
    assert latex_text(latex_escape(text)) == text


def test_latex_escape_leaves_no_bare_specials():
    escaped = latex_escape(SPECIAL)
    plain = re.sub(r"\\[A-Za-z]+\{\}|\\[A-Za-z]+|\\[#$%&_{},]|\$[^$]*\$|\{\}", "",
                   escaped.replace(r"\texttt{\char34}", ""))
    assert not set(plain) & set("\\#$%&_^{}<>|\"−—…²†×ρ≥"), plain
    assert "$-$0.12" in escaped and "---" in escaped and r"\ldots{}" in escaped


def test_special_characters_round_trip_through_both_formats():
    table = _synthetic()
    parsed = parse_latex(table_latex(table))
    assert parsed["caption"] == table.title
    assert parsed["header"] == [(c.text, c.sup) for c in table.header]
    assert [cells for cells, _ in parsed["rows"]] == [
        [(c.text, c.sup) for c in row.cells] for row in table.rows]
    assert parsed["notes"] == list(table.notes)
    md = parse_markdown(table_markdown(table))
    assert md["title"] == table.title
    assert md["header"] == [c.text for c in table.header]
    assert md["rows"] == [[c.text + c.sup for c in row.cells] for row in table.rows]
    assert md["notes"] == list(table.notes)


def test_markdown_escapes_what_github_would_read():
    assert markdown_escape("0.12***") == r"0.12\*\*\*"
    assert markdown_escape("a | b") == r"a \| b"
    assert markdown_escape("p < 0.01 <b>") == r"p < 0.01 \<b>"
    assert markdown_escape("[0.1, 0.2]") == "[0.1, 0.2]"  # a bare bracket is no link
    assert markdown_escape("[a](b)") == r"[a\](b)"
    assert markdown_escape("# x", line_start=True) == r"\# x"
    assert markdown_escape("1. x", line_start=True) == r"1\. x"
    assert markdown_escape("a\nb") == "a b"


class _Cells(html.parser.HTMLParser):
    """The text of each table cell, of the title and of each paragraph of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.paragraphs: list[str] = []
        self._cell: list[str] | None = None
        self._para: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "p":
            self._para = []
        elif tag in ("code", "em", "del", "img", "h1", "blockquote", "ul", "ol", "hr"):
            self.rows.append([f"<{tag}>"])  # markup that should not be there

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "p" and self._para is not None:
            self.paragraphs.append("".join(self._para))
            self._para = None

    def handle_data(self, data):
        for part in (self._cell, self._para):
            if part is not None:
                part.append(data)


def test_github_renders_the_markdown_literally(brief_tables):
    """GitHub's own renderer (cmark-gfm): every cell and note shows its text, no markup."""
    import cmarkgfm
    for table in [*_all(brief_tables), _synthetic()]:
        rendered = cmarkgfm.github_flavored_markdown_to_html(table_markdown(table))
        parsed = _Cells()
        parsed.feed(rendered)
        assert parsed.rows == [[c.text for c in table.header],
                               *([c.text + c.sup for c in row.cells] for row in table.rows)]
        assert parsed.paragraphs == [table.title, *table.notes]
        assert rendered.startswith("<p><strong>")


# --- 3. mid rules -------------------------------------------------------------------

def test_a_mid_rule_under_the_header_and_above_each_rule_row(brief_tables):
    for table in [*_all(brief_tables), _synthetic()]:
        tex = table_latex(table)
        rules = sum(row.kind == "rule" for row in table.rows)
        assert tex.count(r"\midrule") == 1 + rules, table.id
        assert tex.count(r"\toprule") == tex.count(r"\bottomrule") == 1
        assert [above for _, above in parse_latex(tex)["rows"]] == [
            row.kind == "rule" for row in table.rows]
    regression = brief_tables["en"]["baseline"]
    assert sum(row.kind == "rule" for row in regression.rows) == 1  # estimates | fit


def test_a_long_table_breaks_across_pages():
    table = _synthetic(LONG_TABLE + 20)
    tex = table_latex(table)
    assert r"\begin{longtable}" in tex and r"\begin{table}" not in tex
    rules = sum(row.kind == "rule" for row in table.rows)
    assert tex.count(r"\midrule") == 2 + rules  # the header repeats on every page
    parsed = parse_latex(tex)
    assert [cells for cells, _ in parsed["rows"]] == [
        [(c.text, c.sup) for c in row.cells] for row in table.rows]
    assert parsed["notes"] == list(table.notes)


def test_the_float_and_its_packages():
    table = _synthetic()
    tex = table_latex(table)
    assert tex.startswith("% Table special_chars: needs \\usepackage{booktabs,graphicx}\n")
    assert "xeCJK" not in tex.splitlines()[0]
    assert r"\begin{table}[htbp]" in tex and r"\label{tab:special_chars}" in tex
    assert r"\begin{tabular}{l c c}" in tex and r"\small" in tex  # wide
    assert "siunitx" not in tex and r"\resizebox" in tex
    chinese = Table("t", "表", (Cell("变量", kind="head"),), (Row((Cell("1"),)),))
    assert "XeLaTeX with \\usepackage{xeCJK}" in table_latex(chinese).splitlines()[0]


# --- 4. compilation -----------------------------------------------------------------

def test_english_document_compiles_with_pdflatex(brief_tables, tmp_path):
    _need("pdflatex", "CI must apt-get install texlive-latex-base texlive-latex-recommended")
    tables = {**brief_tables["en"], "special_chars": _synthetic(),
              "long": Table("long", "A long table", _synthetic().header,
                            _synthetic(LONG_TABLE + 40).rows)}
    export_latex(tables, tmp_path, "en")
    log = _compile("pdflatex", tmp_path / "tables_en.tex")
    assert "Missing character" not in log
    assert "Float too large" not in log


def test_chinese_document_compiles_with_xelatex(brief_tables, tmp_path):
    """texlive-xetex and texlive-lang-chinese (.ci/test-packages): skipped without them,
    failed on CI, which installs them."""
    why = _xelatex_ready()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    export_latex({**brief_tables["zh"], "special_chars": _synthetic()}, tmp_path, "zh")
    log = _compile("xelatex", tmp_path / "tables_zh.tex")
    assert "Missing character" not in log  # every glyph is in the fonts


def test_the_formats_come_from_the_command_line_or_else_the_study(tmp_path):
    """`report.formats` is what a study writes when --format is not given; --format wins."""
    from click.testing import CliRunner

    from reporter.cli import main
    from tests.studies import write_study

    config = write_study(tmp_path / "study", 'dependent = "compet"\ncore = "ec"\n'
                                             'controls = ["x1"]')
    config.write_text(config.read_text(encoding="utf-8") + '[report]\nformats = ["md"]\n'
                      '[inference]\nbootstrap = false\n', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["run", "--config", str(config), "--output",
                                  str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    folder = tmp_path / "a" / "t" / "2023"
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [
        "manifest.json", "results.json"]
    tables = {p.name for p in (folder / "tables").iterdir()}
    assert {"baseline_zh.md", "baseline_en.md", "tables_en.md"} <= tables
    assert not any(name.endswith(".tex") for name in tables)
    result = runner.invoke(main, ["run", "--config", str(config), "--output",
                                  str(tmp_path / "b"), "--format", "tex"])
    assert result.exit_code == 0, result.output
    tables = {p.name for p in (tmp_path / "b" / "t" / "2023" / "tables").iterdir()}
    assert "baseline_en.tex" in tables and not any(n.endswith(".md") for n in tables)
    config.write_text(config.read_text(encoding="utf-8").replace('["md"]', '["md", "doc"]'),
                      encoding="utf-8")
    result = runner.invoke(main, ["run", "--config", str(config), "--output",
                                  str(tmp_path / "c")])
    assert result.exit_code == 2 and "report.formats" in result.output


def test_sources_are_named_in_words_and_index_tables_keep_names_whole(brief_tables):
    """The variables table names where each variable comes from (`data.source`, not the
    file's name), once in its note when one source gives them all (here: no column that
    repeats it on every row); a table with a column of names besides its row labels says
    so, so that print lets the row labels wrap and keeps the names whole."""
    for lang, tables in brief_tables.items():
        variables = tables["variables"]
        heads = [c.text for c in variables.header]
        if heads[-1] == ("Source" if lang == "en" else "来源"):  # sources that differ
            sources = [row.cells[-1].text for row in variables.rows]
            assert len(set(sources)) > 1, sources
        else:  # one source for all
            assert len(variables.notes) == 1, variables.notes
            note = variables.notes[0]
            prefix = "Source: " if lang == "en" else "资料来源：全部变量均取自"
            assert note.startswith(prefix), note
            sources = [note.removeprefix(prefix)]
        assert not any(s.endswith((".csv", ".xlsx")) for s in sources), (lang, sources)
        expected = "simulated data (data/generate.py)" if lang == "en" else "模拟数据"
        assert any(s.startswith(expected) for s in sources), (lang, sources)
        assert not tables["baseline"].named_columns  # numbers beside the labels: kept whole
    weights = [t for t in brief_tables["en"].values() if t.id.startswith("index_")]
    assert all(t.named_columns for t in weights if any(r.cells[1].text for r in t.rows))
