"""The brief as a Word document (python-docx), for the staff who revise it in Word or WPS.

It is read from the print brief's HTML, element by element: the same templates, catalogues
and editor's blocks make both, so there is no second copy of the wording or the layout.
Every paragraph has a named style (Heading 1, Caption, Table Note, Key Message, …) that an
editor can restyle for the whole document; the styles declare an East Asian font beside the
Latin one, so Chinese shows in SimSun and SimHei (present in every Chinese Windows and in
WPS) instead of a substitute. Tables are three-line tables; charts are the print PNGs.
With SOURCE_DATE_EPOCH the file is byte-identical from run to run."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ACCENT = (0x1F, 0x4E, 0x79)
# (Latin, East Asian) fonts of the body and of headings, tables and captions
SERIF = ("Times New Roman", "SimSun")
SANS = ("Arial", "SimHei")
TEXT_WIDTH_MM = 170.0  # A4 less 20 mm margins, as the PDF
CELL_MARGIN_TWIPS = 80  # 4 pt (1.4 mm) left and right of a cell's text
_VOID = {"meta", "img", "br", "hr", "link", "input", "col", "source", "wbr"}
_SKIP = {"head", "style", "script", "title", "template"}
_SPACE = re.compile(r"\s+")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# the elements that follow a paragraph's borders and a cell's in the schema (CT_PPr, CT_TcPr)
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
               "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
               "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
               "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection",
               "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
_AFTER_TCBORDERS = ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText",
                    "w:vAlign", "w:hideMark", "w:headers", "w:cellIns", "w:cellDel",
                    "w:cellMerge", "w:tcPrChange")


@dataclass
class Node:
    """An element of the brief's HTML: tag, attributes and children (elements or text)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def elements(self) -> Iterator[Node]:
        return (child for child in self.children if isinstance(child, Node))

    def find(self, tag: str) -> Node | None:
        """The first descendant with `tag`, depth first."""
        for child in self.elements():
            if child.tag == tag:
                return child
            found = child.find(tag)
            if found is not None:
                return found
        return None

    def find_all(self, tag: str) -> Iterator[Node]:
        for child in self.elements():
            if child.tag == tag:
                yield child
            yield from child.find_all(tag)

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return _SPACE.sub(" ", "".join(parts)).strip()


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    """The HTML as a tree of Nodes (the brief's own, well-formed markup)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def write_docx(html: str, folder: Path, path: Path, lang: str, meta: dict[str, Any]) -> None:
    """Write the brief whose print HTML is `html` (images relative to `folder`) to `path`."""
    from docx import Document

    document = Document()
    _page(document)
    _styles(document, lang)
    root = parse(html)
    writer = _Writer(document, folder)
    body = root.find("body") or root
    writer.blocks(body)
    _properties(document, root, lang, meta)
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(_deterministic(buffer.getvalue(), meta))


# --- page, styles, properties --------------------------------------------------------------


def _page(document) -> None:
    """A4 with the PDF's margins; page numbers in the footer from the second page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(22)
    section.left_margin = section.right_margin = Mm(20)
    section.different_first_page_header_footer = True
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.style = document.styles["Footer"]
    _field([footer], "PAGE", ["1"])


def _drop_theme(rfonts) -> None:
    """Remove the theme's font choices (asciiTheme …), which Word prefers to named fonts."""
    for attr in list(rfonts.attrib):
        if attr.endswith("Theme"):
            del rfonts.attrib[attr]


def _fonts(style, fonts: tuple[str, str], lang: str | None = None) -> None:
    """Declare the Latin and the East Asian font of a style (and drop the theme's fonts,
    which Word would otherwise prefer); `lang`: the proofing languages."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    _drop_theme(rfonts)
    latin, east = fonts
    for key in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(key), latin)
    rfonts.set(qn("w:eastAsia"), east)
    if lang is not None:
        element = rpr.find(qn("w:lang"))
        if element is None:
            element = OxmlElement("w:lang")
            rpr.append(element)
        element.set(qn("w:val"), "zh-CN" if lang == "zh" else "en-GB")
        element.set(qn("w:eastAsia"), "zh-CN")


def _style(document, name: str, base: str = "Normal", kind: int = 1):
    """The paragraph style `name`, made (based on `base`) when the template lacks it."""
    from docx.enum.style import WD_STYLE_TYPE

    styles = document.styles
    try:
        return styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH if kind == 1 else kind)
        style.base_style = styles[base]
        style.quick_style = True
        return style


def _styles(document, lang: str) -> None:
    """The named styles of the brief, sized and coloured as the PDF."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    accent = RGBColor(*ACCENT)
    defaults = document.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:  # the theme's fonts of the defaults, as for every style
        rfonts = defaults.find(".//" + qn("w:rFonts"))
        if rfonts is not None:
            _drop_theme(rfonts)
    normal = document.styles["Normal"]
    _fonts(normal, SERIF, lang)
    normal.font.size = Pt(10.5)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.3
    body = _style(document, "Body Text")
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    body.paragraph_format.widow_control = True
    specs = {  # name: (fonts, size, bold, colour, before, after, keep with next)
        "Title": (SANS, 24, True, None, 0, 14, True),
        "Subtitle": (SERIF, 13, False, None, 0, 4, False),
        "Cover Kicker": (SANS, 10, False, accent, 0, 8, True),
        "Document Number": (SERIF, 10.5, False, None, 0, 24, True),
        "Issuer": (SERIF, 13, True, None, 10, 6, True),
        "Heading 1": (SANS, 14, True, accent, 18, 8, True),
        "Heading 2": (SANS, 11.5, True, None, 12, 6, True),
        "Caption": (SANS, 9.5, True, None, 8, 4, True),
        "Table Text": (SANS, 8.5, False, None, 0, 0, False),
        "Table Note": (SERIF, 8, False, RGBColor(0x33, 0x33, 0x33), 2, 2, False),
        "Equation": (SERIF, 10.5, False, None, 8, 8, False),
        "Key Message": (SERIF, 10.5, False, None, 0, 8, False),
        "Numbered Item": (SERIF, 10.5, False, None, 0, 8, False),
        "Contents Entry": (SERIF, 10.5, False, None, 0, 3, False),
        "Notice": (SERIF, 10, False, RGBColor(0x7C, 0x2D, 0x12), 24, 6, False),
        "Chart": (SERIF, 10.5, False, None, 10, 2, True),
    }
    for name, (fonts, size, bold, colour, before, after, keep) in specs.items():
        style = _style(document, name, "Body Text" if name in (
            "Key Message", "Numbered Item") else "Normal")
        _fonts(style, fonts)
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = name == "Equation"
        if colour is not None:
            style.font.color.rgb = colour
        elif name in ("Title", "Heading 2", "Caption", "Subtitle"):
            style.font.color.rgb = RGBColor(0x11, 0x11, 0x11)
        if name == "Subtitle":
            style.font.italic = False
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        fmt.keep_with_next = keep
        if name in ("Caption", "Equation", "Chart"):
            fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if name == "Document Number":
            fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if name in ("Key Message", "Numbered Item"):
            fmt.left_indent, fmt.first_line_indent = Mm(7), Mm(-7)
        if name == "Table Text":  # exact, so a CJK label and Latin numbers share a baseline
            fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            fmt.line_spacing = Pt(11)
        if name == "Table Note":
            fmt.line_spacing = 1.15
        if name == "Table Note":
            fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _border(document.styles["Notice"].element, "pBdr", "B45309", 8)


def _properties(document, root: Node, lang: str, meta: dict[str, Any]) -> None:
    """Title, author, language and dates (the run's, so SOURCE_DATE_EPOCH fixes them)."""
    props = document.core_properties
    title = root.find("title")
    props.title = title.text() if title is not None else ""
    props.author = props.last_modified_by = "reporter"
    props.language = "zh-CN" if lang == "zh" else "en-GB"
    props.comments = f"reporter {meta.get('version', '')}".strip()
    props.revision = 1
    created = _created(meta)
    props.created = props.modified = props.last_printed = created
    for tag in root.find_all("meta"):
        if tag.attrs.get("name") == "description":
            props.subject = tag.attrs.get("content", "")


def _created(meta: dict[str, Any]) -> dt.datetime:
    text = str(meta.get("created") or "")
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        value = dt.datetime(2000, 1, 1)
    return value.replace(tzinfo=None, microsecond=0)


def _deterministic(data: bytes, meta: dict[str, Any]) -> bytes:
    """The package again with fixed member dates (zip stores each member's time)."""
    stamp = _created(meta)
    stamp = max(stamp, dt.datetime(1980, 1, 1))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, stamp.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


# --- low-level pieces ----------------------------------------------------------------------


def _field(paragraphs: list, instruction: str, cached: list[str]) -> None:
    """A Word field (PAGE, TOC …) over `paragraphs`, each showing its `cached` text until
    Word updates the field: it begins in the first paragraph and ends in the last."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(paragraph, kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char(paragraphs[0], "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraphs[0].add_run()._r.append(instr)
    char(paragraphs[0], "separate")
    for paragraph, text in zip(paragraphs, cached, strict=True):
        paragraph.add_run(text)
    char(paragraphs[-1], "end")


def _border(element, container: str, colour: str, size: int, sides=("top", "left", "bottom",
                                                                     "right")) -> None:
    """Borders (`size` in eighths of a point) on a paragraph style (pBdr) or a cell (tcBorders)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = element.get_or_add_pPr() if container == "pBdr" else element.get_or_add_tcPr()
    box = props.find(qn(f"w:{container}"))
    if box is None:  # in the schema's order: Word refuses a file whose elements are not
        box = OxmlElement(f"w:{container}")
        props.insert_element_before(box, *(_AFTER_PBDR if container == "pBdr"
                                           else _AFTER_TCBORDERS))
    for side in sides:
        edge = box.find(qn(f"w:{side}"))
        if edge is None:
            edge = OxmlElement(f"w:{side}")
            box.append(edge)
        edge.set(qn("w:val"), "single" if size else "nil")
        edge.set(qn("w:sz"), str(size))
        edge.set(qn("w:space"), "4" if container == "pBdr" else "0")
        edge.set(qn("w:color"), colour)


def _table_borders(table, top: int = 12, bottom: int = 12) -> None:
    """A table's outer rules only: a heavy top and bottom line, nothing between rows or
    columns (the three-line table's other rule is on the header's cells)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side, size in (("top", top), ("left", 0), ("bottom", bottom), ("right", 0),
                       ("insideH", 0), ("insideV", 0)):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single" if size else "nil")
        edge.set(qn("w:sz"), str(size))
        edge.set(qn("w:space"), "0")
        edge.set(qn("w:color"), "000000")
        borders.append(edge)
    props.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook",
                                "w:tblCaption", "w:tblDescription", "w:tblPrChange")
    margins = OxmlElement("w:tblCellMar")  # 4 pt each side, as the PDF's cells
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    props.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription",
                                "w:tblPrChange")


def _text_width(text: str) -> float:
    """A text's width in 'Latin characters' (a CJK character counts two)."""
    return len(text) + len(_CJK.findall(text))


# --- the walk ------------------------------------------------------------------------------


class _Writer:
    """Turns the brief's HTML elements into the document's paragraphs and tables."""

    def __init__(self, document, folder: Path) -> None:
        self.document = document
        self.folder = folder
        self.break_next = False  # the next paragraph starts a page (a new section)
        self._style_ids: dict[str, str] = {}

    def styled(self, paragraph, style: str):
        """`paragraph.style = style`, by the style's id looked up once: python-docx scans
        every style of the document for each assignment (two thirds of the writing)."""
        if style not in self._style_ids:
            self._style_ids[style] = self.document.styles[style].style_id
        paragraph._p.style = self._style_ids[style]
        return paragraph

    def paragraph(self, style: str, node: Node | None = None, text: str | None = None):
        paragraph = self.styled(self.document.add_paragraph(), style)
        if self.break_next:
            paragraph.paragraph_format.page_break_before = True
            self.break_next = False
        if node is not None:
            self.inline(paragraph, node)
        elif text:
            paragraph.add_run(text)
        return paragraph

    def inline(self, paragraph, node: Node, superscript: bool = False,
               bold: bool = False, italic: bool = False) -> None:
        """The text of `node` as runs: superscripts, bold and italics kept."""
        pieces = list(node.children)
        for i, child in enumerate(pieces):
            if isinstance(child, str):
                text = _SPACE.sub(" ", child)
                if i == 0:
                    text = text.lstrip()
                if i == len(pieces) - 1:
                    text = text.rstrip()
                if text:
                    run = paragraph.add_run(text)
                    run.font.superscript = superscript or None
                    run.bold = bold or None
                    run.italic = italic or None
            elif child.tag == "br":
                paragraph.add_run().add_break()
            else:
                self.inline(paragraph, child, superscript or child.tag == "sup",
                            bold or child.tag in ("strong", "b"),
                            italic or child.tag in ("em", "i"))

    def blocks(self, node: Node) -> None:
        for child in node.children:
            if isinstance(child, Node):
                self.block(child)
            elif child.strip():
                self.paragraph("Body Text", text=_SPACE.sub(" ", child).strip())

    def block(self, node: Node) -> None:
        tag, classes = node.tag, node.classes
        if tag in _SKIP:
            return
        if tag == "section":
            if "cover" in classes:
                self.cover(node)
                return
            if "continued" not in classes:
                self.break_next = True
            self.blocks(node)
        elif tag in ("h1", "h2", "h3", "h4"):
            style = {"h1": "Title", "h2": "Heading 1"}.get(tag, "Heading 2")
            self.paragraph(style, node)
        elif tag == "p":
            style = ("Equation" if "equation" in classes else "Table Note"
                     if "table-note" in classes else "Body Text")
            paragraph = self.paragraph(style, node)
            if "lead" in classes:
                paragraph.paragraph_format.keep_with_next = True
        elif tag in ("ol", "ul"):
            self.items(node)
        elif tag == "nav":
            self.contents(node)
        elif tag == "figure":
            if "chart" in classes:
                self.chart(node)
            else:
                self.table_figure(node)
        elif tag == "table":
            self.plain_table(node)
        elif tag == "div" and "illustrative" in classes:
            self.paragraph("Notice", node)
        else:  # main, div and the like: their content
            self.blocks(node)

    def cover(self, node: Node) -> None:
        """The cover, about a third down the page, then a page break."""
        from docx.shared import Pt

        first = True
        for child in node.elements():
            if child.tag == "nav":  # the contents, on the cover page as in print
                self.contents(child)
                continue
            style = {"h1": "Title", "div": "Notice"}.get(child.tag)
            if style is None:
                style = ("Cover Kicker" if "cover-kicker" in child.classes else
                         "Document Number" if "cover-number" in child.classes else
                         "Issuer" if "cover-issuer" in child.classes else "Subtitle")
            paragraph = self.paragraph(style, child)
            if first:
                paragraph.paragraph_format.space_before = Pt(200)
                first = False
        self.break_next = True

    def items(self, node: Node) -> None:
        """A list as numbered paragraphs (the numbers as text: the same in every program)."""
        # the findings and recommendations are numbered items; the key messages' list has no class
        key = ("Numbered Item" if node.classes & {"findings", "recommendations"}
               else "Key Message")
        ordered = node.tag == "ol"
        for i, item in enumerate((c for c in node.elements() if c.tag == "li"), start=1):
            paragraph = self.paragraph(key)
            paragraph.add_run(f"{i}.\t" if ordered else "•\t")
            self.inline(paragraph, item)

    def contents(self, node: Node) -> None:
        """The contents: its heading, then a TOC field whose cached entries are the sections
        (Word fills in the page numbers when the field is updated: F9)."""
        heading = node.find("h3") or node.find("h2")
        if heading is not None:
            self.paragraph("Heading 2", heading)
        entries = [a.text() for a in node.find_all("a")]
        if entries:
            _field([self.paragraph("Contents Entry") for _ in entries],
                   'TOC \\o "1-1" \\h \\z \\u', entries)

    def chart(self, node: Node) -> None:
        """A chart's images at the text width (72% for a half-width one), its caption below."""
        from docx.shared import Mm

        width = TEXT_WIDTH_MM * (0.72 if "half" in node.classes else 1.0)
        images = list(node.find_all("img"))
        for image in images:
            path = (self.folder / image.attrs.get("src", "")).resolve()
            if not path.is_relative_to(self.folder.resolve()) or not path.is_file():
                continue  # only the brief's own charts, never a file elsewhere on the disk
            paragraph = self.paragraph("Chart")
            paragraph.add_run().add_picture(str(path), width=Mm(width / len(images)))
        caption = node.find("figcaption")
        if caption is not None:
            paragraph = self.paragraph("Caption", caption)
            paragraph.paragraph_format.keep_with_next = False

    def table_figure(self, node: Node) -> None:
        """A three-line table: its caption above, the table, its notes below."""
        caption = node.find("figcaption")
        if caption is not None:
            self.paragraph("Caption", caption)
        table = node.find("table")
        if table is not None:
            self.three_line(table, wide="wide" in node.classes)
        for child in node.find_all("p"):
            if "table-note" in child.classes:
                self.paragraph("Table Note", child)

    def three_line(self, node: Node, wide: bool) -> None:
        from docx.enum.table import WD_TABLE_ALIGNMENT
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import OxmlElement
        from docx.oxml.ns import qn
        from docx.shared import Mm, Pt

        rows: list[tuple[str, list[Node]]] = []
        head = node.find("thead")
        if head is not None:
            rows += [("head", [c for c in tr.elements() if c.tag in ("th", "td")])
                     for tr in head.find_all("tr")]
        body = node.find("tbody") or node
        rows += [(tr.attrs.get("class", ""), [c for c in tr.elements() if c.tag in ("th", "td")])
                 for tr in body.find_all("tr")]
        if not rows:
            return
        columns = max(len(cells) for _, cells in rows)
        table = self.document.add_table(rows=len(rows), cols=columns)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _table_borders(table)
        points = 8 if wide else 8.5  # no table under 8 pt
        widths = self.widths(rows, columns, points)
        size = Pt(points)
        for r, (kind, cells) in enumerate(rows):
            row = table.rows[r]
            trpr = row._tr.get_or_add_trPr()
            cant = OxmlElement("w:cantSplit")
            trpr.append(cant)
            if kind == "head":
                header = OxmlElement("w:tblHeader")
                trpr.append(header)
            row_cells = row.cells  # python-docx rebuilds the row's grid on every access
            for c in range(columns):
                cell = row_cells[c]
                cell.width = Mm(widths[c])
                paragraph = self.styled(cell.paragraphs[0], "Table Text")
                source = cells[c] if c < len(cells) else None
                label = c == 0 or (source is not None and "label" in source.classes)
                paragraph.alignment = (WD_ALIGN_PARAGRAPH.LEFT if label
                                       else WD_ALIGN_PARAGRAPH.CENTER)
                if source is not None:
                    self.inline(paragraph, source)
                for run in paragraph.runs:
                    run.font.size = size
                if kind == "head":
                    _border(cell._tc, "tcBorders", "000000", 6, ("bottom",))
                elif kind == "rule":
                    _border(cell._tc, "tcBorders", "000000", 4, ("top",))
        grid = table._tbl.tblGrid
        for c, col in enumerate(grid.findall(qn("w:gridCol"))):
            col.set(qn("w:w"), str(int(Mm(widths[c]).twips)))

    @staticmethod
    def widths(rows: list[tuple[str, list[Node]]], columns: int, points: float) -> list[float]:
        """Column widths in mm: each wide enough for its longest cell of the body and the
        longest word of its header (numbers never wrap), then the header's full text where
        the text width allows; a table narrower than the page is not stretched across."""
        unit = 0.2 * points  # mm per Latin character (a CJK one counts two), with a margin
        pad = 2 * CELL_MARGIN_TWIPS / 56.7 + 1.5  # the cell's margins (twips to mm) and some
        need = [pad] * columns
        want = [pad] * columns
        for kind, cells in rows:
            for c, cell in enumerate(cells[:columns]):
                text = cell.text()
                full = _text_width(text) * unit + pad
                if kind == "head":
                    word = max((_text_width(w) for w in text.split()), default=0)
                    need[c] = max(need[c], word * unit + pad)
                else:
                    need[c] = max(need[c], full)
                want[c] = max(want[c], full)
        total = sum(need)
        if total >= TEXT_WIDTH_MM:  # too wide even so: shrink all alike
            return [w * TEXT_WIDTH_MM / total for w in need]
        spare = TEXT_WIDTH_MM - total
        extra = [w - n for w, n in zip(want, need, strict=True)]
        share = min(1.0, spare / sum(extra)) if sum(extra) > 0 else 0.0
        return [n + e * share for n, e in zip(need, extra, strict=True)]

    def plain_table(self, node: Node) -> None:
        """A table without rules (the appendix): label and value per row."""
        from docx.shared import Mm

        rows = [[c for c in tr.elements() if c.tag in ("th", "td")]
                for tr in node.find_all("tr")]
        if not rows:
            return
        columns = max(len(r) for r in rows)
        table = self.document.add_table(rows=len(rows), cols=columns)
        _table_borders(table, top=0, bottom=0)
        for r, cells in enumerate(rows):
            row_cells = table.rows[r].cells
            for c, source in enumerate(cells):
                cell = row_cells[c]
                cell.width = Mm(48 if c == 0 and columns > 1 else TEXT_WIDTH_MM - 48)
                paragraph = self.styled(cell.paragraphs[0], "Table Text")
                self.inline(paragraph, source)
