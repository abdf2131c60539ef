"""The PDF renderer: every block type laid out once with reportlab platypus.

Page set-up after GB/T 9704-2012: A4, margins top 37 mm, bottom 35 mm, left 28 mm,
right 26 mm; title 22 pt (二号) in the title face, body 16 pt (三号) with a leading that
gives 22 lines a page; ``- 1 -`` page numbers 7 mm below the text block on documents of
more than one page; authority and date at the lower right with the seal over them.

Output is deterministic (reportlab's invariant mode and fixed metadata): the same
context and fonts always give the same bytes, which is what lets a re-print be checked
against the hash in the seal usage record.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Spacer
from reportlab.platypus import Table as RLTable
from reportlab.platypus import TableStyle as RLTableStyle

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
from app.print_templates.fonts import FontChain, FontSet, resolve_fonts
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
    MAX_LINES_PER_PAGE,
    NOTE_SIZE,
    PAGE_NUMBER_GAP_MM,
    PAGE_NUMBER_SIZE,
    QR_SIZE_MM,
    TABLE_SIZE,
    TITLE_SIZE,
)
from app.print_templates.pdf_text import TextLines, TextStyle, draw_text
from app.print_templates.qr import dark_runs, qr_matrix
from app.print_templates.seal import SEAL_DIAMETER_MM, draw_seal
from app.print_templates.templates import build_layout
from app.print_templates.verification import qr_payload

MARGIN_TOP = MARGIN_TOP_MM * mm
MARGIN_BOTTOM = MARGIN_BOTTOM_MM * mm
MARGIN_LEFT = MARGIN_LEFT_MM * mm
MARGIN_RIGHT = MARGIN_RIGHT_MM * mm
QR_SIZE = QR_SIZE_MM * mm
SIGNATURE_HEIGHT_MM = 36.0
SEAL_OVERHANG_MM = 8.0

_ALIGNS = ("justify", "left", "center", "right")


def render_pdf(
    context: DocumentContext, *, font_path: str | None = None, fonts: FontSet | None = None
) -> bytes:
    """The document as PDF bytes; identical bytes for an identical context and fonts.

    ``font_path`` is the CJK font from settings (optional); ``fonts`` overrides the
    font search altogether (tests). Raises ValueError for a document that needs the
    seal but is neither sealed nor a draft.
    """
    return render_layout_pdf(build_layout(context), fonts or resolve_fonts(font_path))


def render_layout_pdf(layout: Layout, fonts: FontSet) -> bytes:
    """Render already-built blocks (see :mod:`app.print_templates.blocks`).

    Raises :class:`MissingGlyphs` when a character has no glyph in any face."""
    check_layout(layout, fonts)
    if not layout.landscape and not _fits_one_page(layout, fonts, LINES_PER_PAGE):
        # GB/T 9704 7.3.5: rather than a second page holding the signature and a line
        # or two, tighten the line spacing (up to 25 lines a page) where that keeps the
        # document on one page. Measured first (wrapping only), built once.
        for lines in range(LINES_PER_PAGE + 1, MAX_LINES_PER_PAGE + 1):
            if _fits_one_page(layout, fonts, lines):
                tighter, pages = _build(layout, fonts, lines)
                if pages == 1:
                    return tighter
                break
    return _build(layout, fonts, LINES_PER_PAGE)[0]


def _fits_one_page(layout: Layout, fonts: FontSet, lines_per_page: int) -> bool:
    """Whether the story at ``lines_per_page`` is no taller than one text block."""
    frame_width = A4[0] - MARGIN_LEFT - MARGIN_RIGHT
    frame_height = A4[1] - MARGIN_TOP - MARGIN_BOTTOM
    styles = _Styles(fonts, frame_height / lines_per_page, ledger=False)
    total = 0.0
    for flowable in _story(layout, styles, frame_width):
        total += flowable.wrap(frame_width, frame_height * 100)[1]
        total += flowable.getSpaceAfter()
        if total > frame_height + 0.5:
            return False
    return True


def _build(layout: Layout, fonts: FontSet, lines_per_page: int) -> tuple[bytes, int]:
    """The PDF with ``lines_per_page`` body lines a page, and its number of pages."""
    pagesize = landscape(A4) if layout.landscape else A4
    page_width, page_height = pagesize
    frame_width = page_width - MARGIN_LEFT - MARGIN_RIGHT
    frame_height = page_height - MARGIN_TOP - MARGIN_BOTTOM
    # The leading of 22 lines on a portrait page, also on landscape pages.
    portrait_frame_height = A4[1] - MARGIN_TOP - MARGIN_BOTTOM
    styles = _Styles(fonts, portrait_frame_height / lines_per_page, ledger=layout.landscape)

    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=pagesize,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=layout.title,
        author=layout.author,
        subject=layout.subject,
        creator=f"CounterDesk {__version__}",
        producer="CounterDesk",
        keywords=qr_payload(layout.seal) if layout.seal else "",
        invariant=1,
        lang="zh-CN",
    )
    frame = Frame(
        MARGIN_LEFT,
        MARGIN_BOTTOM,
        frame_width,
        frame_height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        id="body",
    )

    def on_page(canvas: Canvas, _doc: Any) -> None:
        if layout.draft:
            _draw_watermark(canvas, page_width, page_height, fonts.title_chain)

    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=on_page)])
    story = _story(layout, styles, frame_width)
    canvas_class = _numbered_canvas(fonts.body_chain, pagesize)
    doc.build(story, canvasmaker=canvas_class)
    return out.getvalue(), canvas_class.pages_built


# ---------------------------------------------------------------- styles and story


class _Styles:
    def __init__(self, fonts: FontSet, leading: float, *, ledger: bool) -> None:
        self.fonts = fonts
        self.leading = leading
        body, title = fonts.body_chain, fonts.title_chain
        # GB/T 9704 5.2.3: 28 characters a line, the line filled edge to edge.
        pitch = None if ledger else (A4[0] - MARGIN_LEFT - MARGIN_RIGHT) / CHARS_PER_LINE
        indent = 2 * (pitch or BODY_SIZE)
        self.title = TextStyle(
            chain=title,
            size=TITLE_SIZE,
            leading=TITLE_SIZE * 1.5,
            align="center",
            space_after=self.leading * 0.25,
        )
        self.number = TextStyle(
            chain=body,
            size=BODY_SIZE,
            leading=self.leading,
            align="center",
            space_after=self.leading * 0.25,
        )
        self.addressee = TextStyle(chain=body, size=BODY_SIZE, leading=self.leading, pitch=pitch)
        self.body = {
            (align, indented): TextStyle(
                chain=body,
                size=BODY_SIZE,
                leading=self.leading,
                first_indent=indent if indented else 0,
                align=align,
                pitch=pitch,
            )
            for align in _ALIGNS
            for indented in (True, False)
        }
        self.draft = TextStyle(
            chain=title,
            size=BODY_SIZE,
            leading=self.leading,
            align="center",
            color=(0.8, 0.0, 0.0),
        )
        self.note = TextStyle(
            chain=body,
            size=NOTE_SIZE,
            leading=NOTE_SIZE * 1.5,
            first_indent=2 * NOTE_SIZE,
            align="justify",
        )
        table_size = LEDGER_TABLE_SIZE if ledger else TABLE_SIZE
        self.cell = {
            align: TextStyle(chain=body, size=table_size, leading=table_size * 1.35, align=align)
            for align in ("left", "center")
        }
        self.header = TextStyle(
            chain=title, size=table_size, leading=table_size * 1.35, align="center"
        )
        self.caption_size = 9.0


def _story(layout: Layout, styles: _Styles, frame_width: float) -> list[Flowable]:
    story: list[Flowable] = []
    reserve_seal_space = layout.seal is not None or layout.draft
    blocks = list(layout.blocks)
    for i, block in enumerate(blocks):
        if isinstance(block, Signature):
            # GB/T 9704: the authority, date and seal never stand alone on a page, and
            # the notes below the date stay with them.
            tail = _flowables(block, layout, styles, frame_width)
            if reserve_seal_space and i + 1 < len(blocks):
                tail.append(Spacer(1, SEAL_OVERHANG_MM * mm))
            for after in blocks[i + 1 :]:
                tail.extend(_flowables(after, layout, styles, frame_width))
            # Signature lines and spacers just before go with the signature too (a page
            # of 签字 lines and the date alone is what 7.3.5 forbids), and so does a
            # table's closing spacer: the text or table before them splits instead.
            while story and (isinstance(story[-1], Spacer) or _is_sign_lines(story[-1])):
                tail.insert(0, story.pop())
            head = story.pop() if story and isinstance(story[-1], TextLines | RLTable) else None
            if story and head is None:
                story[-1].keepWithNext = 1
            story.append(_WithSignature(head, tail))
            break
        story.extend(_flowables(block, layout, styles, frame_width))
        if isinstance(block, Title) and layout.draft:
            story.append(TextLines(DRAFT_BANNER, styles.draft))
    return story


def _is_sign_lines(flowable: Flowable) -> bool:
    """The blank 签字 lines of a SignLines block (a one-row table)."""
    return bool(getattr(flowable, "sign_lines", False))


def _flowables(block: Block, layout: Layout, styles: _Styles, frame_width: float) -> list[Flowable]:
    body = styles.body
    match block:
        case Title(text):
            return [TextLines(text, styles.title)]
        case DocumentNumberLine(text):
            return [TextLines(text, styles.number)]
        case Addressee(text):
            return [TextLines(text, styles.addressee)]
        case Para(text, indent, align):
            return [TextLines(text, body[(align, indent)])]
        case InfoTable():
            return [_info_table(block, styles, frame_width)]
        case NumberedList(items):
            return [
                TextLines(f"{i}．{item}", body[("justify", True)])
                for i, item in enumerate(items, start=1)
            ]
        case Table():
            return [
                Spacer(1, styles.leading * 0.25),
                _table(block, styles, frame_width),
                Spacer(1, styles.leading * 0.25),
            ]
        case Signature(authority, date_text, link):
            return [
                _SignatureBlock(
                    authority=authority,
                    date_text=date_text,
                    seal=layout.seal,
                    link=link if layout.seal is None else None,
                    reserve_seal_space=layout.seal is not None or layout.draft,
                    styles=styles,
                    width=frame_width,
                )
            ]
        case SignLines(labels):
            cells = [[TextLines(label, styles.cell["left"]) for label in labels]]
            sign = RLTable(
                cells,
                colWidths=[frame_width / len(labels)] * len(labels),
                rowHeights=[styles.leading * 1.25],
            )
            sign.setStyle(
                RLTableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        *_cell_font(styles),
                    ]
                )
            )
            sign.sign_lines = True  # see _is_sign_lines
            return [Spacer(1, styles.leading * 0.25), sign]
        case Note(text):
            return [TextLines(text, styles.note)]
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover


_GRID = [
    ("GRID", (0, 0), (-1, -1), 0.6, (0, 0, 0)),
    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
]


def _cell_font(styles: _Styles) -> list[tuple[Any, ...]]:
    """reportlab sets each cell's font (Helvetica unless told) even where the cell holds
    a flowable; an unembedded Helvetica must never reach the file."""
    return [("FONTNAME", (0, 0), (-1, -1), styles.fonts.body)]


def _info_table(block: InfoTable, styles: _Styles, frame_width: float) -> RLTable:
    label_width = INFO_LABEL_CHARS * styles.cell["center"].size + 8
    value_width = (frame_width - 2 * label_width) / 2
    label, value = styles.cell["center"], styles.cell["left"]
    data: list[list[Flowable | str]] = []
    commands = list(_GRID)
    for r, pairs in enumerate(block.rows):
        if len(pairs) == 1:
            ((name, text),) = pairs
            data.append([TextLines(name, label), TextLines(text, value), "", ""])
            commands.append(("SPAN", (1, r), (3, r)))
        else:
            row: list[Flowable | str] = []
            for name, text in pairs[:2]:
                row += [TextLines(name, label), TextLines(text, value)]
            data.append(row)
    table = RLTable(data, colWidths=[label_width, value_width, label_width, value_width])
    table.setStyle(RLTableStyle(commands + _cell_font(styles)))
    return table


def _table(block: Table, styles: _Styles, frame_width: float) -> RLTable:
    cell = styles.cell["left"]

    def measure(text: str) -> float:
        return cell.chain.width(text, cell.size)

    # 8: the grid's left and right padding; 1 more, for rounding in the line breaker.
    widths = column_widths(block, frame_width, measure, padding=9)
    data: list[list[Flowable]] = [[TextLines(c.header, styles.header) for c in block.columns]]
    for row in block.rows:
        data.append(
            [
                TextLines(value, styles.cell[column.align])
                for column, value in zip(block.columns, row, strict=True)
            ]
        )
    table = RLTable(data, colWidths=widths, repeatRows=1)
    table.setStyle(RLTableStyle(_GRID + _cell_font(styles)))
    return table


# ---------------------------------------------------------------- signature, seal, QR


class _SignatureBlock(Flowable):
    """Authority over date at the lower right (date 4 characters from the right edge),
    the seal pressed over both, and the QR code with its caption at the left — or below,
    when a long authority name leaves no room beside it."""

    def __init__(
        self,
        *,
        authority: str,
        date_text: str,
        seal: SealMark | None,
        reserve_seal_space: bool,
        link: LinkCode | None = None,
        styles: _Styles,
        width: float,
    ) -> None:
        super().__init__()
        self.authority = authority
        self.date_text = date_text
        self.seal = seal
        self.link = link
        self.styles = styles
        self.width = width
        self.leading = styles.leading
        self.reserve_seal_space = reserve_seal_space
        chain = styles.fonts.body_chain
        date_width = chain.width(date_text, BODY_SIZE)
        authority_width = chain.width(authority, BODY_SIZE)
        if authority_width > date_width + 2 * BODY_SIZE:
            # A long name: keep it 2 characters from the right, centre the date under it.
            self.centre = width - 2 * BODY_SIZE - authority_width / 2
        else:
            self.centre = width - 4 * BODY_SIZE - date_width / 2
        self.qr_below = False
        if seal is not None:
            caption_width = max(chain.width(line, styles.caption_size) for line in qr_caption(seal))
            caption_right = QR_SIZE + 2 * mm + caption_width
            leftmost = min(
                self.centre - max(authority_width, date_width) / 2,
                self.centre - SEAL_DIAMETER_MM / 2 * mm,
            )
            self.qr_below = leftmost < caption_right + 2 * mm
        if reserve_seal_space:
            # From the seal's top down to the date line; the seal's lower rim hangs
            # SEAL_OVERHANG below, over the margin or over a spacer before the notes.
            self.height = SIGNATURE_HEIGHT_MM * mm
            if self.qr_below:
                self.height += QR_SIZE + SEAL_OVERHANG_MM * mm
        else:
            self.height = 2.6 * self.leading
        if link is not None:
            self.height = max(self.height, QR_SIZE)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        seal_radius = SEAL_DIAMETER_MM / 2 * mm
        seal_centre_y = self.height - 1.5 * mm - seal_radius
        # The two lines sit a little below the seal's centre (居印章中心偏下).
        pair_middle = seal_centre_y - 4 * mm if self.reserve_seal_space else self.leading
        authority_baseline = pair_middle + self.leading / 2 - BODY_SIZE * 0.35
        date_baseline = authority_baseline - self.leading
        canvas.setFillColorRGB(0, 0, 0)
        chain = self.styles.fonts.body_chain
        draw_text(
            canvas, self.authority, chain, BODY_SIZE, self.centre, authority_baseline, "center"
        )
        draw_text(canvas, self.date_text, chain, BODY_SIZE, self.centre, date_baseline, "center")
        if self.link is not None:
            _draw_qr_code(canvas, self.link.url, self.link.caption, self.styles)
        if self.seal is None:
            return
        self._draw_qr(self.seal)
        draw_seal(
            canvas,
            self.seal.appearance,
            centre_x=self.centre,
            centre_y=seal_centre_y,
            chain=self.styles.fonts.seal_chain,
        )

    def _draw_qr(self, seal: SealMark) -> None:
        _draw_qr_code(self.canv, qr_payload(seal), qr_caption(seal), self.styles)


def _draw_qr_code(canvas: Canvas, payload: str, caption: tuple[str, ...],
                  styles: _Styles) -> None:
    """A QR code QR_SIZE square at the origin, its caption lines to its right."""
    matrix = qr_matrix(payload)
    modules = len(matrix)
    path = canvas.beginPath()
    # In units of one module: every coordinate is a small integer (short to write, and
    # no rounding between neighbouring runs).
    for row, column, length in dark_runs(matrix):
        path.rect(column, modules - 1 - row, length, 1)
    canvas.saveState()
    canvas.scale(QR_SIZE / modules, QR_SIZE / modules)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
    size = styles.caption_size
    y = QR_SIZE - size * 1.6
    for line in caption:
        draw_text(canvas, line, styles.fonts.body_chain, size, QR_SIZE + 2 * mm, y)
        y -= size * 1.5


class _WithSignature(Flowable):
    """The last paragraph or table, the signature and the notes, so the signature never
    starts a page alone and the notes never leave it.

    When they do not fit, the paragraph splits and at least its last line moves to the
    next page together with the rest, or the table and at least its last row (rather
    than the whole paragraph or table moving, leaving the page above half empty).
    """

    def __init__(self, head: TextLines | RLTable | None, tail: list[Flowable]) -> None:
        super().__init__()
        self.head = head
        self.tail = tail
        self._heights: list[float] = []

    def _parts(self) -> list[Flowable]:
        return ([self.head] if self.head is not None else []) + self.tail

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._heights = [part.wrap(avail_width, avail_height)[1] for part in self._parts()]
        self.width = avail_width
        self.height = sum(self._heights)
        return self.width, self.height

    def draw(self) -> None:
        y = self.height
        for part, height in zip(self._parts(), self._heights, strict=True):
            y -= height
            part.drawOn(self.canv, 0, y)

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        if self.head is None:
            return []
        self.wrap(avail_width, avail_height)
        head_height = self._heights[0]
        if isinstance(self.head, RLTable):
            moving = self.head._rowHeights[-1]  # reportlab's, set by wrap
        else:
            moving = self.head.leading * 0.5
        keep_on_page = min(avail_height, head_height - moving)
        parts = self.head.split(avail_width, keep_on_page)
        if len(parts) != 2:
            return []
        return [parts[0], _WithSignature(parts[1], self.tail)]


# ---------------------------------------------------------------- page furniture


def _draw_watermark(canvas: Canvas, width: float, height: float, chain: FontChain) -> None:
    canvas.saveState()
    canvas.setFillColorRGB(0.6, 0.6, 0.6)
    canvas.setFillAlpha(0.3)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    draw_text(canvas, DRAFT_LABEL, chain, 120, 0, -40, "center")
    canvas.restoreState()


def _numbered_canvas(chain: FontChain, pagesize: tuple[float, float]) -> type[Canvas]:
    """A canvas that holds its pages until the end, then numbers them if more than one."""

    class NumberedCanvas(Canvas):
        pages_built = 0

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # reportlab's default initial font is Helvetica, which is never embedded.
            kwargs["initialFontName"] = chain.primary
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            type(self).pages_built = total
            for state in self._held_pages:
                self.__dict__.update(state)
                if total > 1:
                    self._draw_page_number()
                super().showPage()
            super().save()

        def _draw_page_number(self) -> None:
            # GB/T 9704: 一字线 page numbers 7 mm below the text block, odd pages at the
            # right and even pages at the left, one character in from the text block.
            number = self.getPageNumber()
            text = f"— {number} —"
            y = MARGIN_BOTTOM - PAGE_NUMBER_GAP_MM * mm - PAGE_NUMBER_SIZE * 0.8
            self.setFillColorRGB(0, 0, 0)
            if number % 2:
                right = pagesize[0] - MARGIN_RIGHT - PAGE_NUMBER_SIZE
                draw_text(self, text, chain, PAGE_NUMBER_SIZE, right, y, "right")
            else:
                draw_text(self, text, chain, PAGE_NUMBER_SIZE, MARGIN_LEFT + PAGE_NUMBER_SIZE, y)

    return NumberedCanvas
