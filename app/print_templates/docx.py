"""The Word renderer: the same blocks as the PDF, as an editable .docx (python-docx).

Same page set-up as the PDF (A4, margins 37/35/28/26 mm, 22 pt title, 16 pt body on an
exact 22-lines-a-page leading). Fonts are named, not embedded: East Asian text asks for
仿宋_GB2312 (body) and 方正小标宋简体 (titles) through ``w:rFonts/@w:eastAsia``, and the
font table lists 仿宋 / 宋体 as alternatives for machines without them.

A Word file is never a sealed document: it is editable, and a seal picture in it could
be lifted onto anything. Drafts and unsealed documents are Word files like any other;
the Word copy of a sealed document carries no seal, keeps the QR code and the
verification code, and says under the signature that the signed PDF is the original
(:data:`SEALED_COPY_NOTE`).

The output is deterministic: fixed core properties and fixed zip timestamps.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Emu, Length, Mm, Pt, RGBColor
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run
from lxml import etree

from app import __version__
from app.print_templates.blocks import (
    Addressee,
    Block,
    DocumentNumberLine,
    InfoTable,
    Layout,
    LinkCode,
    Note,
    NumberedList,
    Para,
    Signature,
    SignLines,
    Table,
    Title,
    column_widths,
    qr_caption,
)
from app.print_templates.context import DocumentContext, SealMark
from app.print_templates.coverage import check_layout
from app.print_templates.fonts import (
    DOCX_BODY_ALTERNATIVES,
    DOCX_BODY_FONT,
    DOCX_LATIN_FONT,
    DOCX_TITLE_ALTERNATIVES,
    DOCX_TITLE_FONT,
    FontSet,
    resolve_fonts,
)
from app.print_templates.page import (
    BODY_SIZE,
    CHARS_PER_LINE,
    DRAFT_BANNER,
    DRAFT_LABEL,
    INFO_LABEL_CHARS,
    LEDGER_TABLE_SIZE,
    LINES_PER_PAGE,
    MARGIN_BOTTOM_MM,
    MARGIN_LEFT_MM,
    MARGIN_RIGHT_MM,
    MARGIN_TOP_MM,
    NOTE_SIZE,
    PAGE_HEIGHT_MM,
    PAGE_NUMBER_SIZE,
    PAGE_WIDTH_MM,
    QR_SIZE_MM,
    TABLE_SIZE,
    TITLE_SIZE,
)
from app.print_templates.qr import qr_png
from app.print_templates.seal import SEAL_DIAMETER_MM, SEAL_RED
from app.print_templates.templates import build_layout
from app.print_templates.verification import qr_payload

_FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)
_ALIGN = {
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}
_RED = RGBColor(*(round(c * 255) for c in SEAL_RED))

SEALED_COPY_NOTE = (
    "本Word文件是参考副本，不含印章，不作为正式文书使用。正式文书是加盖{seal}并经电子签名的"
    "PDF文件，以该PDF文件为准；可扫描二维码或凭核验码核验。"
)
"""Printed under the signature of the Word copy of a sealed document."""


def render_docx(
    context: DocumentContext, *, font_path: str | None = None, fonts: FontSet | None = None
) -> bytes:
    """The document as .docx bytes; identical bytes for an identical context and fonts.

    A sealed context gives the unsealed reference copy (see the module docstring).
    Raises ValueError for a document that needs the seal but is neither sealed nor a
    draft.
    """
    return render_layout_docx(build_layout(context), fonts or resolve_fonts(font_path))


def render_layout_docx(layout: Layout, fonts: FontSet) -> bytes:
    """Render already-built blocks (see :mod:`app.print_templates.blocks`).

    Raises :class:`MissingGlyphs` for a character no face has, as the PDF does: Word
    would print it as an empty box, or with whatever face the reader's machine has."""
    check_layout(layout, fonts)
    writer = _Writer(layout, fonts)
    for block in layout.blocks:
        writer.add(block)
    return writer.finish()


def _text_width_pt(text: str, size: float) -> float:
    """Rough width: CJK and full-width forms one em, ASCII half an em."""
    return sum(size * (0.5 if ord(ch) < 0x2E80 else 1.0) for ch in text)


class _Writer:
    def __init__(self, layout: Layout, fonts: FontSet) -> None:
        self.layout = layout
        self.fonts = fonts
        self.doc: DocxDocument = Document()
        section = self.doc.sections[0]
        page_width_mm, page_height_mm = PAGE_WIDTH_MM, PAGE_HEIGHT_MM
        if layout.landscape:
            section.orientation = WD_ORIENT.LANDSCAPE
            page_width_mm, page_height_mm = page_height_mm, page_width_mm
        section.page_width, section.page_height = Mm(page_width_mm), Mm(page_height_mm)
        section.top_margin = Mm(MARGIN_TOP_MM)
        section.bottom_margin = Mm(MARGIN_BOTTOM_MM)
        section.left_margin = Mm(MARGIN_LEFT_MM)
        section.right_margin = Mm(MARGIN_RIGHT_MM)
        section.header_distance = Mm(15)
        section.footer_distance = Mm(21)
        text_height = Mm(page_height_mm - MARGIN_TOP_MM - MARGIN_BOTTOM_MM).pt
        self.text_width_pt = Mm(page_width_mm - MARGIN_LEFT_MM - MARGIN_RIGHT_MM).pt
        self.leading = Pt(text_height / LINES_PER_PAGE)
        self.table_size = LEDGER_TABLE_SIZE if layout.landscape else TABLE_SIZE
        self._setup_normal_style()
        self._setup_grid(section)
        self._setup_footer()
        if layout.draft:
            header = section.header.paragraphs[0]
            header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            self._run(header, f"{DRAFT_LABEL}（未经用印）", size=12, title=True, color=_RED)

    # -- fonts and styles

    def _setup_normal_style(self) -> None:
        # The document grid's character pitch is relative to the document default size,
        # so that is the body size too (python-docx's template leaves it at 10.5 pt).
        defaults = self.doc.styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            r_pr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
            if r_pr is not None:
                for tag in ("w:sz", "w:szCs"):
                    size = OxmlElement(tag)
                    size.set(qn("w:val"), str(int(BODY_SIZE * 2)))
                    _insert_in_order(r_pr, size)
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(BODY_SIZE)
        normal.font.name = DOCX_LATIN_FONT
        _east_asia(normal.element.get_or_add_rPr(), DOCX_BODY_FONT)
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = self.leading
        fmt.widow_control = True
        self._add_font_alternatives()

    def _add_font_alternatives(self) -> None:
        """Tell Word/WPS which installed faces stand in for 仿宋_GB2312 and 小标宋."""
        part = next(
            (
                p
                for p in self.doc.part.package.iter_parts()
                if str(p.partname) == "/word/fontTable.xml"
            ),
            None,
        )
        if part is None:  # pragma: no cover - python-docx's template has one
            return
        root = etree.fromstring(part.blob)
        for name, alternatives, family in (
            (DOCX_BODY_FONT, DOCX_BODY_ALTERNATIVES, "modern"),
            (DOCX_TITLE_FONT, DOCX_TITLE_ALTERNATIVES, "roman"),
        ):
            font = etree.SubElement(root, qn("w:font"))
            font.set(qn("w:name"), name)
            alt = etree.SubElement(font, qn("w:altName"))
            alt.set(qn("w:val"), ",".join(alternatives))
            charset = etree.SubElement(font, qn("w:charset"))
            charset.set(qn("w:val"), "86")  # GB2312
            fam = etree.SubElement(font, qn("w:family"))
            fam.set(qn("w:val"), family)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _run(
        self,
        paragraph: DocxParagraph,
        text: str,
        *,
        size: float = BODY_SIZE,
        title: bool = False,
        color: RGBColor | None = None,
    ) -> Run:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.font.name = DOCX_LATIN_FONT
        _east_asia(run._element.get_or_add_rPr(), DOCX_TITLE_FONT if title else DOCX_BODY_FONT)
        if color is not None:
            run.font.color.rgb = color
        return run

    def _paragraph(
        self,
        text: str = "",
        *,
        align: str = "justify",
        indent: bool = False,
        size: float = BODY_SIZE,
        title: bool = False,
        color: RGBColor | None = None,
        cell: _Cell | None = None,
    ) -> DocxParagraph:
        if cell is None:
            paragraph = self.doc.add_paragraph()
        elif len(cell.paragraphs) == 1 and not cell.paragraphs[0].text:
            paragraph = cell.paragraphs[0]
        else:
            paragraph = cell.add_paragraph()
        paragraph.alignment = _ALIGN[align]
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(2 * size)
        if text:
            self._run(paragraph, text, size=size, title=title, color=color)
        return paragraph

    def _setup_grid(self, section: Section) -> None:
        """GB/T 9704 5.2.3 in Word's terms: 22 lines a page (a line grid) and 28
        characters a line. The characters are closed up by a character spacing on the
        body style, which Word, WPS and LibreOffice all honour (LibreOffice spreads a
        ``linesAndChars`` grid with a negative pitch instead of closing it)."""
        if self.layout.landscape:
            return
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(round(self.leading.pt * 20)))
        pitch = self.text_width_pt / CHARS_PER_LINE
        # In twentieths of a point, rounded down so that 28 characters always fit.
        closing = math.floor((pitch - BODY_SIZE) * 20)
        r_pr = self.doc.styles["Normal"].element.get_or_add_rPr()
        spacing = OxmlElement("w:spacing")
        spacing.set(qn("w:val"), str(closing))
        _insert_in_order(r_pr, spacing)

    def _setup_footer(self) -> None:
        """"— 1 —" in 4号, odd pages at the right and even pages at the left, one
        character in (GB/T 9704 7.5)."""
        section = self.doc.sections[0]
        self.doc.settings.odd_and_even_pages_header_footer = True
        for footer, align in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            paragraph = footer.paragraphs[0]
            paragraph.alignment = align
            fmt = paragraph.paragraph_format
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            if align is WD_ALIGN_PARAGRAPH.RIGHT:
                fmt.right_indent = Pt(PAGE_NUMBER_SIZE)
            else:
                fmt.left_indent = Pt(PAGE_NUMBER_SIZE)
            self._page_number_field(paragraph)

    def _page_number_field(self, paragraph: DocxParagraph) -> None:
        # A plain PAGE field: Word, WPS and LibreOffice all update it (an IF field that
        # would leave out the number on a one-page document, as the PDF does, they don't).
        pieces: list[tuple[str, str]] = [
            ("text", "— "), ("begin", ""), ("instr", " PAGE "), ("separate", ""),
            ("text", "1"), ("end", ""), ("text", " —"),
        ]
        for kind, value in pieces:
            run = self._run(paragraph, "", size=PAGE_NUMBER_SIZE)
            if kind == "text":
                run.text = value
            elif kind == "instr":
                element = OxmlElement("w:instrText")
                element.set(qn("xml:space"), "preserve")
                element.text = value
                run._element.append(element)
            else:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), kind)
                run._element.append(element)

    # -- blocks

    def add(self, block: Block) -> None:
        match block:
            case Title(text):
                paragraph = self._paragraph(text, align="center", size=TITLE_SIZE, title=True)
                paragraph.paragraph_format.line_spacing = Pt(TITLE_SIZE * 1.5)
                paragraph.paragraph_format.space_after = Pt(self.leading.pt * 0.5)
                if self.layout.draft:
                    self._paragraph(
                        DRAFT_BANNER,
                        align="center",
                        title=True,
                        color=_RED,
                    )
            case DocumentNumberLine(text):
                paragraph = self._paragraph(text, align="center")
                paragraph.paragraph_format.space_after = Pt(self.leading.pt * 0.5)
            case Addressee(text):
                self._paragraph(text, align="left")
            case Para(text, indent, align):
                self._paragraph(text, align=align, indent=indent)
            case InfoTable():
                self._info_table(block)
            case NumberedList(items):
                for i, item in enumerate(items, start=1):
                    self._paragraph(f"{i}．{item}", indent=True)
            case Table():
                self._table(block)
            case Signature(authority, date_text, link):
                self._signature(authority, date_text, link)
            case SignLines(labels):
                self._paragraph()
                table = self.doc.add_table(rows=1, cols=len(labels))
                width = Pt(self.text_width_pt / len(labels))
                _set_widths(table, [width] * len(labels))
                _no_cell_margins(table)
                for i, label in enumerate(labels):
                    self._cell(table, 0, i, label, width, "left")
                table.rows[0].height = Pt(self.leading.pt * 1.5)
            case Note(text):
                paragraph = self._paragraph(text, align="left", indent=True, size=NOTE_SIZE)
                paragraph.paragraph_format.line_spacing = Pt(NOTE_SIZE * 1.5)
            case _:  # pragma: no cover
                raise TypeError(f"unknown block {block!r}")

    def _table(self, block: Table) -> None:
        size = self.table_size

        def measure(text: str) -> float:
            # Word picks its own font on each PC: the rough width, with a tenth to spare.
            return 1.1 * _text_width_pt(text, size)

        # 12: Word's default cell margins (0.08 in) on both sides.
        widths = [Pt(w) for w in column_widths(block, self.text_width_pt, measure, padding=12)]
        table = self.doc.add_table(rows=1 + len(block.rows), cols=len(block.columns))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _set_widths(table, widths)
        header_row = table.rows[0]
        tr_pr = header_row._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        # Row by row: table.cell(r, c) walks every cell of the table, so a long ledger
        # filled cell by cell costs the square of its size.
        word_rows = list(table.rows)
        header_cells = word_rows[0].cells
        for i, column in enumerate(block.columns):
            self._fill(header_cells[i], column.header, widths[i], "center", title=True)
        for word_row, row in zip(word_rows[1:], block.rows, strict=True):
            cells = word_row.cells
            for i, (column, value) in enumerate(zip(block.columns, row, strict=True)):
                self._fill(cells[i], value, widths[i], column.align)
        self._paragraph()

    def _info_table(self, block: InfoTable) -> None:
        label_width = Pt(INFO_LABEL_CHARS * self.table_size + 8)
        value_width = Pt((self.text_width_pt - 2 * label_width.pt) / 2)
        widths = (label_width, value_width, label_width, value_width)
        table = self.doc.add_table(rows=len(block.rows), cols=4)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _set_widths(table, widths)
        for r, pairs in enumerate(block.rows):
            if len(pairs) == 1:
                ((name, text),) = pairs
                self._cell(table, r, 0, name, widths[0], "center")
                merged = table.cell(r, 1).merge(table.cell(r, 3))
                merged.width = Pt(self.text_width_pt - label_width.pt)
                self._cell(table, r, 1, text, merged.width, "left")
            else:
                for i, (name, text) in enumerate(pairs[:2]):
                    self._cell(table, r, 2 * i, name, widths[2 * i], "center")
                    self._cell(table, r, 2 * i + 1, text, widths[2 * i + 1], "left")
        self._paragraph()

    def _cell(
        self,
        table: DocxTable,
        row: int,
        col: int,
        text: str,
        width: Length,
        align: str,
        *,
        title: bool = False,
    ) -> None:
        self._fill(table.cell(row, col), text, width, align, title=title)

    def _fill(self, cell: _Cell, text: str, width: Length, align: str, *,
              title: bool = False) -> None:
        cell.width = width
        paragraph = cell.paragraphs[0]
        paragraph.alignment = _ALIGN[align]
        paragraph.paragraph_format.line_spacing = Pt(self.table_size * 1.35)
        self._run(paragraph, text, size=self.table_size, title=title)

    def _keep_last_with_next(self) -> None:
        """The signature never starts a page alone: tie the block before it to it."""
        body = self.doc.element.body
        last = body[-2] if body[-1].tag == qn("w:sectPr") else body[-1]
        if last.tag == qn("w:p"):
            DocxParagraph(last, self.doc._body).paragraph_format.keep_with_next = True
        elif last.tag == qn("w:tbl"):
            for cell in DocxTable(last, self.doc._body).rows[-1].cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True

    def _signature(self, authority: str, date_text: str, link: LinkCode | None = None) -> None:
        seal = self.layout.seal
        # A draft keeps the seal's room (it is sealed on paper or in the PDF later);
        # the Word copy of a sealed document has no seal to make room for.
        reserve = self.layout.draft
        self._keep_last_with_next()
        gap = self._paragraph()
        gap.paragraph_format.keep_with_next = True
        gap_height = Mm(SEAL_DIAMETER_MM / 2 - 6) if reserve else self.leading
        # Room for the seal's upper half above the authority's name.
        gap.paragraph_format.line_spacing = gap_height
        date_width = _text_width_pt(date_text, BODY_SIZE)
        authority_width = _text_width_pt(authority, BODY_SIZE)
        date_indent = 4 * BODY_SIZE
        if authority_width > date_width + 2 * BODY_SIZE:
            authority_indent = 2 * BODY_SIZE
            date_indent = authority_indent + (authority_width - date_width) / 2
        else:
            authority_indent = date_indent + (date_width - authority_width) / 2
        qr_width, caption_width = Mm(QR_SIZE_MM + 3), Mm(50)
        signature_width = Pt(self.text_width_pt) - qr_width - caption_width
        beside = Pt(authority_indent + authority_width + BODY_SIZE) <= signature_width
        container = None
        if (seal is not None or link is not None) and beside:
            # QR code | caption | authority and date, side by side as in the PDF.
            container = self.doc.add_table(rows=1, cols=3)
            _set_widths(container, (qr_width, caption_width, signature_width))
            _no_cell_margins(container)
            if seal is not None:
                self._qr(container, seal)
            elif link is not None:
                self._qr_cells(container, link.url, link.caption)
        signed = self._paragraph(
            authority,
            align="right",
            cell=container.rows[0].cells[2] if container is not None else None,
        )
        signed.paragraph_format.right_indent = Pt(authority_indent)
        signed.paragraph_format.keep_with_next = True
        dated = self._paragraph(
            date_text,
            align="right",
            cell=container.rows[0].cells[2] if container is not None else None,
        )
        dated.paragraph_format.right_indent = Pt(date_indent)
        tail = self._paragraph()
        tail.paragraph_format.line_spacing = Mm(6) if reserve else self.leading
        if (seal is not None or link is not None) and not beside:
            # A long authority name takes the width: the QR code goes below.
            tail.paragraph_format.line_spacing = Mm(12) if seal is not None else self.leading
            for paragraph in (dated, tail):
                paragraph.paragraph_format.keep_with_next = True
            below = self.doc.add_table(rows=1, cols=3)
            _set_widths(below, (qr_width, caption_width, signature_width))
            _no_cell_margins(below)
            if seal is not None:
                self._qr(below, seal)
            elif link is not None:
                self._qr_cells(below, link.url, link.caption)
        if seal is not None:
            full_title = f"{seal.appearance.authority_name}{seal.appearance.seal_title}"
            note = self._paragraph(SEALED_COPY_NOTE.format(seal=full_title), color=_RED)
            note.paragraph_format.keep_together = True

    def _qr(self, container: DocxTable, seal: SealMark) -> None:
        self._qr_cells(container, qr_payload(seal), qr_caption(seal))

    def _qr_cells(self, container: DocxTable, payload: str, lines: tuple[str, ...]) -> None:
        picture_cell, caption_cell, _ = container.rows[0].cells
        picture = picture_cell.paragraphs[0]
        picture.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
        picture.add_run().add_picture(io.BytesIO(qr_png(payload)), width=Mm(QR_SIZE_MM))
        caption_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        first = caption_cell.paragraphs[0]
        for i, line in enumerate(lines):
            paragraph = first if i == 0 else caption_cell.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
            paragraph.paragraph_format.line_spacing = Pt(9 * 1.5)
            self._run(paragraph, line, size=9)

    # -- output

    def finish(self) -> bytes:
        props = self.doc.core_properties
        props.title = self.layout.title
        props.author = self.layout.author
        props.subject = self.layout.subject
        props.keywords = qr_payload(self.layout.seal) if self.layout.seal else ""
        props.comments = ""
        props.last_modified_by = f"CounterDesk {__version__}"
        props.revision = 1
        props.created = _FIXED_TIME
        props.modified = _FIXED_TIME
        props.last_printed = _FIXED_TIME
        package = self.doc.part.package
        for r_id, rel in list(package.rels.items()):
            if rel.reltype == RT.THUMBNAIL:
                package.rels.pop(r_id)
        raw = io.BytesIO()
        self.doc.save(raw)
        return _normalise_zip(raw.getvalue())


_TBL_PR_ORDER = (
    "tblStyle",
    "tblpPr",
    "tblOverlap",
    "bidiVisual",
    "tblStyleRowBandSize",
    "tblStyleColBandSize",
    "tblW",
    "jc",
    "tblCellSpacing",
    "tblInd",
    "tblBorders",
    "shd",
    "tblLayout",
    "tblCellMar",
    "tblLook",
    "tblCaption",
    "tblDescription",
)


_R_PR_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden",
    "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect",
    "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang", "eastAsianLayout",
)


def _insert_in_order(r_pr: etree._Element, element: etree._Element) -> None:
    """Put a run property where the schema wants it, replacing an old one."""
    name = etree.QName(element).localname
    for old in r_pr.findall(qn(f"w:{name}")):
        r_pr.remove(old)
    rank = _R_PR_ORDER.index(name)
    for child in r_pr:
        child_name = etree.QName(child).localname
        if child_name in _R_PR_ORDER and _R_PR_ORDER.index(child_name) > rank:
            child.addprevious(element)
            return
    r_pr.append(element)


def _put_table_property(tbl_pr: etree._Element, element: etree._Element) -> None:
    """Replace or insert a tblPr child where the schema wants it (Word is strict)."""
    name = etree.QName(element).localname
    for old in tbl_pr.findall(qn(f"w:{name}")):
        tbl_pr.remove(old)
    rank = _TBL_PR_ORDER.index(name)
    for i, child in enumerate(tbl_pr):
        child_name = etree.QName(child).localname
        if child_name in _TBL_PR_ORDER and _TBL_PR_ORDER.index(child_name) > rank:
            tbl_pr.insert(i, element)
            return
    tbl_pr.append(element)


def _set_widths(table: DocxTable, lengths: Sequence[int]) -> None:
    """Fixed column widths that Word, WPS and LibreOffice all honour (grid and cells)."""
    table.autofit = False  # w:tblLayout fixed
    total = OxmlElement("w:tblW")
    widths = [Emu(length) for length in lengths]
    total.set(qn("w:w"), str(sum(w.twips for w in widths)))
    total.set(qn("w:type"), "dxa")
    _put_table_property(table._tbl.tblPr, total)
    for grid_col, width in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
        grid_col.set(qn("w:w"), str(width.twips))
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
        # Rows never break across pages (cantSplit comes first among our row properties).
        tr_pr = row._tr.get_or_add_trPr()
        if tr_pr.find(qn("w:cantSplit")) is None:
            tr_pr.insert(0, OxmlElement("w:cantSplit"))


def _no_cell_margins(table: DocxTable) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:w"), "0")
        edge.set(qn("w:type"), "dxa")
        margins.append(edge)
    _put_table_property(table._tbl.tblPr, margins)


def _east_asia(r_pr: etree._Element, font_name: str) -> None:
    r_fonts = r_pr.get_or_add_rFonts()  # type: ignore[attr-defined]
    r_fonts.set(qn("w:eastAsia"), font_name)
    r_fonts.set(qn("w:hint"), "eastAsia")


def _normalise_zip(data: bytes) -> bytes:
    """Same entries, fixed timestamps: the zip python-docx writes stamps the current time."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()
