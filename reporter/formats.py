"""The output formats, one entry each: whether it needs the rendered brief of each language
(charts, tables, HTML), for which medium (the PDF's pages or a browser's screen: the HTML
brief is styled and its charts drawn for screens) and how it writes one language. A run
renders only when a requested format needs it, so `--format json` writes results.json and
the manifest and nothing else. Adding a format is its writer, one entry here and its name
in `literals.OutputFormat`.

`results.json` itself is always written (the contract), so `json` has no writer."""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from reporter import literals

if TYPE_CHECKING:
    from reporter.render.brief import RenderedBrief

# (brief, output folder, template folders) -> warnings worth logging
Writer = Callable[["RenderedBrief", Path, Sequence[Path]], list[str]]


@dataclass(frozen=True)
class OutputFormat:
    name: str
    needs_brief: bool  # the brief rendered in each language: charts, tables and HTML
    write: Writer | None = None
    # render.brief.MEDIA: what the brief is rendered for; None: any (the tables' formats)
    medium: str | None = "print"


def inline_charts(html: str, folder: Path, charts: Mapping[str, Sequence[Path]]) -> str:
    """Charts as data: URLs: in the HTML given to WeasyPrint, which names each image by a
    hash of its URL (the staging folder's random path would make every PDF differ), and in
    the HTML brief, one file that arrives whole when uploaded or sent on."""
    for path in (path for paths in charts.values() for path in paths):
        if not path.is_relative_to(folder):
            continue
        kind = mimetypes.guess_type(path.name)[0] or "image/png"
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        html = html.replace(f'"{path.relative_to(folder).as_posix()}"',
                            f'"data:{kind};base64,{data}"')
    return html


def _write_html(brief: RenderedBrief, folder: Path, dirs: Sequence[Path]) -> list[str]:
    """One self-contained page: the style sheet is inside it, the charts inline."""
    (folder / f"brief_{brief.lang}.html").write_text(
        inline_charts(brief.html, folder, brief.charts), encoding="utf-8")
    return []


def _write_pdf(brief: RenderedBrief, folder: Path, dirs: Sequence[Path]) -> list[str]:
    from reporter.render.pdf import write_pdf

    return write_pdf(inline_charts(brief.html, folder, brief.charts),
                     folder / f"brief_{brief.lang}.pdf", folder, [*dirs, folder])


def _write_docx(brief: RenderedBrief, folder: Path, dirs: Sequence[Path]) -> list[str]:
    """The brief as a Word document, read from its print HTML (reporter/render/docx.py)."""
    from reporter.render.docx import write_docx

    write_docx(brief.html, folder, folder / f"brief_{brief.lang}.docx", brief.lang, brief.meta)
    return []


def _write_tex(brief: RenderedBrief, folder: Path, dirs: Sequence[Path]) -> list[str]:
    """Every table as `tables/<id>_<lang>.tex` (booktabs), and all in one document."""
    from reporter.render.export import export_latex

    export_latex(brief.tables, folder / "tables", brief.lang)
    return []


def _write_md(brief: RenderedBrief, folder: Path, dirs: Sequence[Path]) -> list[str]:
    """Every table as `tables/<id>_<lang>.md` (GitHub Markdown), and all in one file."""
    from reporter.render.export import export_markdown

    export_markdown(brief.tables, folder / "tables", brief.lang)
    return []


FORMATS: dict[str, OutputFormat] = {
    "json": OutputFormat("json", needs_brief=False),
    "html": OutputFormat("html", needs_brief=True, write=_write_html, medium="screen"),
    "pdf": OutputFormat("pdf", needs_brief=True, write=_write_pdf),
    "docx": OutputFormat("docx", needs_brief=True, write=_write_docx),
    "tex": OutputFormat("tex", needs_brief=True, write=_write_tex, medium=None),
    "md": OutputFormat("md", needs_brief=True, write=_write_md, medium=None),
}
if set(FORMATS) != set(literals.OUTPUT_FORMATS):  # pragma: no cover - a developer's slip
    raise RuntimeError("reporter.formats.FORMATS and literals.OutputFormat differ")


def needs_brief(formats: Sequence[str]) -> bool:
    """Whether any requested format needs the briefs rendered."""
    return any(FORMATS[name].needs_brief for name in formats)
