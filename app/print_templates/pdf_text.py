"""Lines of Chinese text for the PDF renderer: face per character, grid, justification.

reportlab's Paragraph knows one face per run of markup and justifies by widening spaces,
which Chinese text does not have. Official documents want more (GB/T 9704-2012 5.2.3):
a fixed number of characters a line (28 on the A4 版心), lines filled edge to edge
(撑满版心), the 避头尾 rules of :mod:`linebreak`, and every character drawn by a face that
has it (:class:`FontChain`). :class:`TextLines` does exactly that and nothing else.

Full-width characters advance by the grid pitch; Latin letters and digits by their own
width. The slack of a justified line is spread over its gaps; the last line of a
paragraph stays at natural spacing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from app.print_templates.fonts import FontChain
from app.print_templates.linebreak import break_lines

ASCENT = 0.88
"""Where the baseline sits in the em box of a CJK face (ideographic top at 0.88 em)."""


def is_wide(ch: str, natural: float, size: float) -> bool:
    """A full-width character: it takes one cell of the character grid. Ambiguous ones
    (“”‘’…—) are full-width where the face draws them so, as Chinese faces do."""
    width_class = unicodedata.east_asian_width(ch)
    return width_class in ("W", "F") or (width_class == "A" and natural > 0.9 * size)


@dataclass(frozen=True)
class TextStyle:
    """How a run of lines is set: the face chain, size, leading and alignment."""

    chain: FontChain
    size: float
    leading: float
    align: str = "left"
    """``justify``, ``left``, ``center`` or ``right``."""
    first_indent: float = 0.0
    pitch: float | None = None
    """Advance of a full-width character; None for the face's own (1 em)."""
    color: tuple[float, float, float] = (0.0, 0.0, 0.0)
    space_after: float = 0.0


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    unused: float
    first: bool
    last: bool


class Measured:
    """A text measured in a style: each character's face, natural width and advance on
    the grid, and its lines for each width it was laid out at.

    The same texts (a template's sentences, the labels of its tables) come back in
    every document and in every trial of the line spacing (:func:`measure` is cached
    per process), so each is measured and broken into lines once."""

    def __init__(self, text: str, chain: FontChain, size: float, pitch: float | None) -> None:
        self.text = text
        fallback = chain.primary
        face_for = chain.face_for
        self.faces = tuple(face_for(ch) or fallback for ch in text)
        self.naturals = tuple(
            pdfmetrics.stringWidth(ch, face, size)
            for ch, face in zip(text, self.faces, strict=True)
        )
        self.advances = tuple(
            pitch if pitch is not None and is_wide(ch, natural, size) else natural
            for ch, natural in zip(text, self.naturals, strict=True)
        )
        self._lines: dict[tuple[float, float], tuple[_Line, ...]] = {}

    def lines(self, width: float, first_indent: float) -> tuple[_Line, ...]:
        """The lines of the text in ``width``, the first indented by ``first_indent``."""
        key = (width, first_indent)
        lines = self._lines.get(key)
        if lines is None:
            lines = self._lines[key] = self._break(width, first_indent)
        return lines

    def _break(self, width: float, first_indent: float) -> tuple[_Line, ...]:
        broken = break_lines(self.text, self.advances, [width - first_indent, width])
        lines: list[_Line] = []
        start = 0
        for i, (unused, line_text) in enumerate(broken):
            end = start + len(line_text)
            lines.append(_Line(start, end, unused, i == 0, i == len(broken) - 1))
            start = end
        if not lines:
            lines.append(_Line(0, 0, width, True, True))
        return tuple(lines)


@lru_cache(maxsize=4096)
def measure(text: str, chain: FontChain, size: float, pitch: float | None = None) -> Measured:
    """``text`` measured in ``chain`` at ``size`` (see :class:`Measured`), cached."""
    return Measured(text, chain, size, pitch)


class TextLines(Flowable):
    """A paragraph: wraps to the width it is given, splits between lines across pages."""

    def __init__(
        self,
        text: str,
        style: TextStyle,
        *,
        _lines: tuple[_Line, ...] | None = None,
        _width: float | None = None,
    ) -> None:
        super().__init__()
        self.text = " ".join(text.splitlines())
        self.style = style
        self.leading = style.leading
        self.spaceAfter = style.space_after
        self._measured = measure(self.text, style.chain, style.size, style.pitch)
        self._faces = self._measured.faces
        self._naturals = self._measured.naturals
        self._advances = self._measured.advances
        self._lines: tuple[_Line, ...] = _lines or ()
        self._laid_for = _width if _lines is not None else None
        self.width = _width or 0.0
        self.height = len(self._lines) * style.leading

    # ------------------------------------------------------------ layout

    def natural_width(self) -> float:
        """The width of the whole text on one line (for measuring table columns)."""
        return sum(self._advances) + self.style.first_indent

    def _lay_out(self, width: float) -> None:
        if self._laid_for == width:
            return
        self._lines = self._measured.lines(width, self.style.first_indent)
        self._laid_for = width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._lay_out(avail_width)
        self.width = avail_width
        self.height = len(self._lines) * self.style.leading
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self._lay_out(avail_width)
        fits = int((avail_height + 1e-6) // self.style.leading)
        if fits <= 0:
            return []
        if fits >= len(self._lines):
            return [self]
        return [
            self._part(self._lines[:fits], avail_width),
            self._part(self._lines[fits:], avail_width),
        ]

    def _part(self, lines: tuple[_Line, ...], width: float) -> TextLines:
        part = TextLines(self.text, self.style, _lines=lines, _width=width)
        part.keepWithNext = getattr(self, "keepWithNext", 0)
        return part

    @property
    def line_texts(self) -> tuple[str, ...]:
        """The text of each laid-out line (tests, and the checks of 28 characters)."""
        return tuple(self.text[line.start : line.end] for line in self._lines)

    # ------------------------------------------------------------ drawing

    def draw(self) -> None:
        canvas: Canvas = self.canv
        style = self.style
        canvas.saveState()
        canvas.setFillColorRGB(*style.color)
        top = self.height
        for line in self._lines:
            baseline = top - (style.leading - style.size) / 2 - ASCENT * style.size
            self._draw_line(canvas, line, baseline)
            top -= style.leading
        canvas.restoreState()

    def _draw_line(self, canvas: Canvas, line: _Line, baseline: float) -> None:
        style = self.style
        indent = style.first_indent if line.first else 0.0
        count = line.end - line.start
        gap = 0.0
        x = indent
        if style.align == "justify" and not line.last and count > 1:
            gap = line.unused / (count - 1)
        elif style.align == "center":
            x += line.unused / 2
        elif style.align == "right":
            x += line.unused
        draw_positioned(
            canvas,
            self.text[line.start : line.end],
            self._faces[line.start : line.end],
            self._naturals[line.start : line.end],
            self._advances[line.start : line.end],
            x,
            baseline,
            style.size,
            gap,
        )


def draw_positioned(
    canvas: Canvas,
    text: str,
    faces: Sequence[str],
    naturals: Sequence[float],
    advances: Sequence[float],
    x: float,
    y: float,
    size: float,
    gap: float = 0.0,
) -> float:
    """Draw characters at given advances (plus ``gap`` after each but the last), one text
    object for each run of the same face and spacing. Returns the x after the text."""
    i = 0
    n = len(text)
    while i < n:
        face = faces[i]
        spacing = advances[i] - naturals[i]
        j = i + 1
        while j < n and faces[j] == face and abs(advances[j] - naturals[j] - spacing) < 1e-6:
            j += 1
        run = text[i:j]
        extra = spacing + gap
        text_object = canvas.beginText(x, y)
        text_object.setFont(face, size)
        # Always set: Tc is graphics state and outlives the text object that set it.
        text_object.setCharSpace(extra if abs(extra) > 1e-9 else 0)
        text_object.textOut(run)
        canvas.drawText(text_object)
        x += sum(advances[i:j]) + gap * (j - i)
        i = j
    return x - gap if n else x


def draw_text(
    canvas: Canvas,
    text: str,
    chain: FontChain,
    size: float,
    x: float,
    y: float,
    anchor: str = "left",
) -> float:
    """One line of text at natural spacing, each character in the face that has it.

    ``anchor`` is ``left``, ``center`` or ``right`` of ``x``. Returns the text's width.
    """
    measured = measure(text, chain, size)
    advances = measured.naturals
    width = sum(advances)
    if anchor == "center":
        x -= width / 2
    elif anchor == "right":
        x -= width
    draw_positioned(canvas, text, measured.faces, advances, advances, x, y, size)
    return width
