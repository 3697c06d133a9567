"""Every table of the brief as CSV (UTF-8 with BOM, so Excel opens Chinese correctly), as
one XLSX workbook per language with a sheet per table, and as LaTeX (booktabs) and GitHub
Markdown with the PDF's stars, parentheses and notes, for a paper or a README."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from reporter.render.tables import Cell, Table


def _rows(table: Table) -> list[list[str]]:
    rows = [[cell.text for cell in table.header]]
    rows += [[cell.text + cell.sup for cell in row.cells] for row in table.rows]
    rows += [[note] for note in table.notes]
    return rows


def export_tables(tables: dict[str, Table], folder: Path, lang: str) -> list[Path]:
    """Write `tables/<id>_<lang>.csv` and `tables/tables_<lang>.xlsx`; returns the paths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    book = Workbook()
    book.remove(book.active)
    for table_id, table in tables.items():
        rows = _rows(table)
        path = folder / f"{table_id}_{lang}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows([[table.title], *rows])
        written.append(path)
        sheet = book.create_sheet(title=table_id[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 36
    xlsx = folder / f"tables_{lang}.xlsx"
    book.properties.creator = "reporter"
    buffer = io.BytesIO()  # a full disk then fails one plain write, not a half-open zip
    book.save(buffer)
    xlsx.write_bytes(buffer.getvalue())
    written.append(xlsx)
    return written


# --- LaTeX (booktabs) and GitHub Markdown, as esttab / modelsummary write them (issue 16) ---

# Text characters LaTeX would read as commands, and the Unicode that pdflatex cannot set in
# its default (OT1) encoding without bitmap fonts: written as text commands or math that
# every engine has, so one snippet compiles under pdflatex and XeLaTeX alike.
_LATEX_CHARS: dict[str, str] = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%",
    "&": r"\&", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    '"': r"\texttt{\char34}",  # \textquotedbl needs T1; a straight quote in any encoding
    "\u2212": "$-$", "\u2014": "---", "\u2013": "--", "\u2026": r"\ldots{}",
    "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,",
    "\u00b9": "$^{1}$", "\u00b2": "$^{2}$", "\u00b3": "$^{3}$",  # TS1 glyphs, too
    # the other superscripts (a rescaled coefficient's ×10⁴, the note's 10ⁿ)
    **{sup: f"$^{{{plain}}}$" for sup, plain in zip("⁰⁴⁵⁶⁷⁸⁹⁻ⁿ", "0456789-n", strict=True)},
    "\u2020": r"$\dagger$", "\u2021": r"$\ddagger$",  # \textdagger is a TS1 (bitmap) glyph
    "\u00d7": r"$\times$", "\u00f7": r"$\div$", "\u00b1": r"$\pm$", "\u00b7": r"$\cdot$",
    "\u2264": r"$\leq$", "\u2265": r"$\geq$", "\u2260": r"$\neq$", "\u2248": r"$\approx$",
    "\u2192": r"$\rightarrow$", "\u221e": r"$\infty$", "\u00b0": r"$^{\circ}$",
    **{chr(0x3b1 + i): f"$\\{name}$" for i, name in enumerate(
        ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "", "pi", "rho", "", "sigma", "tau",
         "upsilon", "phi", "chi", "psi", "omega")) if name},
}
# A character that joins the next into a ligature (`--`, `''`, `!``, `,,`): kept apart
_LIGATURES: dict[str, tuple[str, ...]] = {
    "-": ("-", "\u2013", "\u2014"), "'": ("'",), "`": ("`",), ",": (",",), "!": ("`",),
    "?": ("`",)}
# Body rows beyond which a table is a `longtable` (it breaks across pages) instead of a float
LONG_TABLE = 45
# CJK ideographs, CJK punctuation and full-width forms: such text needs XeLaTeX and xeCJK
_CJK = re.compile("[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Markdown: characters that open emphasis, code, strikethrough, math or a table cell
_MD_ALWAYS = set("\\`*_|~$")


def latex_escape(text: str) -> str:
    """`text` as LaTeX that prints it literally: specials escaped, the Unicode minus as
    `$-$`, dashes as `--`/`---`, and a hyphen or quote that would join its neighbour into a
    ligature (`--`, `''`) kept apart; line breaks become spaces (a cell is one line)."""
    text = " ".join(text.splitlines())
    out = []
    for i, ch in enumerate(text):
        escaped = _LATEX_CHARS.get(ch, ch)
        out.append(escaped + "{}" if text[i + 1:i + 2] in _LIGATURES.get(ch, ()) else escaped)
    return "".join(out)


def _latex_cell(cell: Cell) -> str:
    text = latex_escape(cell.text)
    return text + (rf"\textsuperscript{{{latex_escape(cell.sup)}}}" if cell.sup else "")


def _latex_row(cells: list[str]) -> str:
    """One tabular line; a first cell starting `[` or `*` would be read as an argument of
    the `\\\\` or rule before it, so it gets an empty group first."""
    if cells and cells[0][:1] in ("[", "*"):
        cells = ["{}" + cells[0], *cells[1:]]
    return " & ".join(cells) + r" \\"


def _has_cjk(table: Table) -> bool:
    texts = [table.title, *table.notes, *(c.text for c in table.header),
             *(c.text for row in table.rows for c in row.cells)]
    return any(_CJK.search(text) for text in texts)


def _width(table: Table) -> int:
    return max([len(table.header), *(len(row.cells) for row in table.rows)], default=1) or 1


def table_latex(table: Table) -> str:
    """The table as a booktabs `table` float, as the PDF shows it: caption, three rules plus
    the mid rule above the fit statistics, stars as superscripts, t or SE in parentheses,
    notes in small type under it. No siunitx: the cells are text already formatted. Shrunk
    to the line width only when wider (graphicx); wide tables in small type. A table longer
    than LONG_TABLE rows (the full ranking of many entities) would not fit one page as a
    float: it is a `longtable`, header repeated on each page."""
    width = _width(table)
    spec = " ".join("l" if i == 0 else "c" for i in range(width))
    label = re.sub(r"[^A-Za-z0-9:._-]", "-", table.id)
    caption = latex_escape(table.title)
    header = [r"\toprule", _latex_row([_latex_cell(c) for c in table.header]), r"\midrule"]
    body = []
    for row in table.rows:
        if row.kind == "rule":
            body.append(r"\midrule")
        body.append(_latex_row([_latex_cell(c) for c in row.cells]))
    notes = [latex_escape(note.strip()) + r"\par" for note in table.notes]
    notes = [r"\begin{minipage}{\linewidth}\footnotesize\raggedright", *notes,
             r"\end{minipage}"] if notes else []
    long = len(table.rows) > LONG_TABLE
    needs = r"\usepackage{booktabs,longtable}" if long else r"\usepackage{booktabs,graphicx}"
    if _has_cjk(table):
        needs += r"; Chinese text: XeLaTeX with \usepackage{xeCJK}"
    lines = [f"% Table {label}: needs {needs}"]
    if long:
        lines += [r"\begingroup" + (r"\small" if table.wide else ""),
                  rf"\begin{{longtable}}{{{spec}}}",
                  rf"\caption{{{caption}}}\label{{tab:{label}}} \\",
                  *header, r"\endfirsthead", *header, r"\endhead", r"\bottomrule", r"\endfoot",
                  *body, r"\end{longtable}"]
        lines += [r"\noindent", *notes] if notes else []
        lines.append(r"\endgroup")
    else:
        lines += [r"\begin{table}[htbp]", r"\centering" + (r"\small" if table.wide else ""),
                  rf"\caption{{{caption}}}", rf"\label{{tab:{label}}}",
                  r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{%",
                  rf"\begin{{tabular}}{{{spec}}}", *header, *body, r"\bottomrule",
                  r"\end{tabular}%", "}"]
        lines += [r"\par\medskip", *notes] if notes else []
        lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def markdown_escape(text: str, line_start: bool = False) -> str:
    """`text` as GitHub Markdown that renders it literally: emphasis, code, strikethrough,
    math and pipe characters escaped, `<` only where it would open HTML, `&` only where it
    would open an entity, `]` only where it would make a link; with `line_start`
    (a paragraph) also what would start a heading, quote, list or rule. Line breaks
    become spaces (a cell is one line)."""
    text = " ".join(text.split("\n")).replace("\r", " ")
    out = []
    for i, ch in enumerate(text):
        after = text[i + 1:]
        if (ch in _MD_ALWAYS
                or (ch == "<" and re.match(r"[A-Za-z/!?]", after))  # a tag or autolink
                or (ch == "&" and re.match(r"#|[A-Za-z0-9]+;", after))  # an entity
                or (ch == "]" and after[:1] in ("(", "[", ":"))):  # a link or its definition
            out.append("\\" + ch)
        else:
            out.append(ch)
    escaped = "".join(out)
    if line_start:
        escaped = escaped.strip()
        if escaped[:1] in ("#", ">", "-", "+", "="):
            escaped = "\\" + escaped
        escaped = re.sub(r"^(\d+)([.)])", r"\1\\\2", escaped)
    return escaped


def _markdown_row(cells: list[str], width: int) -> str:
    cells = [*cells, *[""] * (width - len(cells))]
    return "| " + " | ".join(cells) + " |"


def table_markdown(table: Table) -> str:
    """The table as a GitHub pipe table under its bold title, notes as paragraphs after it;
    stars follow the number as escaped `\\*`, t or SE rows are rows of their own. GitHub
    tables have no mid rules, so the fit statistics simply follow the estimates."""
    width = _width(table)
    title = markdown_escape(table.title, line_start=True)
    lines = [f"**{title}**", ""] if title else []
    lines += [_markdown_row([markdown_escape(c.text + c.sup) for c in table.header], width),
              "| " + " | ".join(":---" if i == 0 else ":---:" for i in range(width)) + " |"]
    lines += [_markdown_row([markdown_escape(c.text + c.sup) for c in row.cells], width)
              for row in table.rows]
    for note in table.notes:
        lines += ["", markdown_escape(note, line_start=True)]
    return "\n".join(lines) + "\n"


def latex_document(tables: dict[str, Table], lang: str) -> str:
    """Every table in one article, to check that they compile: plain pdflatex for English;
    XeLaTeX with xeCJK and Noto Serif CJK SC when the language is Chinese or any cell is."""
    cjk = lang == "zh" or any(_has_cjk(table) for table in tables.values())
    engine = "xelatex" if cjk else "pdflatex (or xelatex)"
    lines = [f"% The brief's tables ({lang}); compile with {engine}",
             r"\documentclass{article}", r"\usepackage[a4paper,margin=2.5cm]{geometry}",
             r"\usepackage{booktabs}", r"\usepackage{graphicx}", r"\usepackage{longtable}"]
    if cjk:
        lines += [r"\usepackage{xeCJK}", r"\setCJKmainfont{Noto Serif CJK SC}"]
    if lang == "zh":
        lines.append(r"\renewcommand{\tablename}{表}")
    lines += [r"\begin{document}", ""]
    for table in tables.values():
        lines += [table_latex(table), r"\clearpage", ""]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> Path:
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    return path


def export_latex(tables: dict[str, Table], folder: Path, lang: str) -> list[Path]:
    """Write `<id>_<lang>.tex` for every table (a float to `\\input`) and
    `tables_<lang>.tex`, a document with all of them; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [_write(folder / f"{table_id}_{lang}.tex", table_latex(table))
               for table_id, table in tables.items()]
    written.append(_write(folder / f"tables_{lang}.tex", latex_document(tables, lang)))
    return written


def export_markdown(tables: dict[str, Table], folder: Path, lang: str) -> list[Path]:
    """Write `<id>_<lang>.md` for every table and `tables_<lang>.md` with all of them in
    order; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = [_write(folder / f"{table_id}_{lang}.md", table_markdown(table))
               for table_id, table in tables.items()]
    every = "\n".join(table_markdown(table) for table in tables.values())
    written.append(_write(folder / f"tables_{lang}.md", every))
    return written
