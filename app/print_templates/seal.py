"""The approval seal, drawn from its seal record.

One geometry (:func:`seal_geometry`, in millimetres, origin at the centre, y up) and one
painter, :func:`draw_seal`, for reportlab canvases (vector, in the PDF). The look follows
the usual government seal: a red ring 42 mm across, the authority's name along the
upper arc with each character turned to face outwards, a five-pointed star in the
middle, the seal's title (行政审批专用章) straight below the star and the seal's serial
small at the bottom. Seal text is set in a Song face (印章所刊汉字使用宋体): the painter
draws with the face the renderer passes for it.

The name never touches the title, for any name of 1 to 20 characters and beyond: the
characters shrink in width first (seal engravers compress long names), then in size,
and the arc spans at most as far down as leaves a clear gap above the title's line.
There is no picture of the seal anywhere: Word copies of sealed documents carry none and
the registry keeps none, so the only seal is the one drawn on the signed PDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from app.print_templates.context import SealAppearance
from app.print_templates.fonts import FontChain
from app.print_templates.pdf_text import draw_text

SEAL_DIAMETER_MM = 42.0
SEAL_RED = (0.84, 0.06, 0.09)
SEAL_ALPHA = 0.82
"""Semi-transparent, so the authority's name and the date stay legible beneath."""

_RING_WIDTH = 1.2
_NAME_GAP = 0.9  # between the ring and the name's outer edge
_NAME_MAX_SIZE = 6.6
_NAME_MIN_SIZE = 3.0
_NAME_MAX_SPAN_DEG = 250.0
_CHAR_ASPECT = 0.82  # seal characters are narrower than they are tall
_COMPRESSED_ASPECT = 0.6  # a long name is compressed to this before it is made smaller
_MIN_NAME_ASPECT = 0.5  # compressed no further than to half their height
_NAME_SPACING = 1.22  # centre-to-centre distance along the arc, in character widths
_MIN_NAME_SPACING = 1.08  # ... and when crowded: never closer than this
_CLEARANCE = 0.8  # between the name and the title, at the least
_STAR_CENTER_Y = 1.2
_STAR_RADIUS = 7.0
_TITLE_SIZE = 4.6
_TITLE_BASELINE_Y = -11.2
_SERIAL_SIZE = 2.4
_SERIAL_BASELINE_Y = -16.6
# Where a CJK glyph's ink lies relative to its baseline, in ems (ideographic box).
_INK_BELOW, _INK_ABOVE = 0.14, 0.90


@dataclass(frozen=True)
class ArcChar:
    """One character of the authority's name: centre, size and rotation (degrees, CCW).

    ``size`` is the character's height (radial), ``width`` its width along the arc.
    """

    char: str
    x: float
    y: float
    size: float
    width: float
    rotation: float

    def corners(self) -> tuple[tuple[float, float], ...]:
        """The character's box, turned with it."""
        theta = math.radians(self.rotation + 90.0)
        ux, uy = math.cos(theta), math.sin(theta)  # outwards
        tx, ty = -uy, ux  # along the arc, anticlockwise
        h, w = self.size / 2, self.width / 2
        return tuple(
            (self.x + a * h * ux + b * w * tx, self.y + a * h * uy + b * w * ty)
            for a, b in ((1, 1), (1, -1), (-1, -1), (-1, 1))
        )


@dataclass(frozen=True)
class SealGeometry:
    """Everything needed to paint a seal, in millimetres from its centre."""

    radius: float
    ring_width: float
    name: tuple[ArcChar, ...]
    star: tuple[tuple[float, float], ...]
    title: str
    title_size: float
    title_baseline_y: float
    title_max_width: float
    serial: str
    serial_size: float
    serial_baseline_y: float
    serial_max_width: float

    @property
    def title_box(self) -> tuple[float, float, float, float]:
        """``(left, bottom, right, top)`` of the title's ink, fitted to its width."""
        return _text_box(self.title, self.title_size, self.title_baseline_y,
                         self.title_max_width)

    @property
    def serial_box(self) -> tuple[float, float, float, float]:
        """``(left, bottom, right, top)`` of the serial (its digits are half an em wide)."""
        width = len(self.serial) * self.serial_size * 0.5 * _CHAR_ASPECT
        width = min(width, self.serial_max_width)
        return (-width / 2, self.serial_baseline_y - 0.2 * self.serial_size, width / 2,
                self.serial_baseline_y + 0.75 * self.serial_size)


def _text_box(text: str, size: float, baseline: float,
              max_width: float) -> tuple[float, float, float, float]:
    width = min(len(text) * size * _CHAR_ASPECT, max_width)
    return (-width / 2, baseline - _INK_BELOW * size, width / 2, baseline + _INK_ABOVE * size)


def boxes_clear(corners: tuple[tuple[float, float], ...],
                box: tuple[float, float, float, float], gap: float) -> bool:
    """Whether a turned rectangle stays ``gap`` clear of an upright box (separating axes)."""
    left, bottom, right, top = box
    xs = [x for x, _ in corners]
    ys = [y for _, y in corners]
    if min(xs) >= right + gap or max(xs) <= left - gap:
        return True
    if min(ys) >= top + gap or max(ys) <= bottom - gap:
        return True
    # The rectangle's own two axes.
    box_corners = ((left, bottom), (right, bottom), (right, top), (left, top))
    for i in (0, 1):
        (x0, y0), (x1, y1) = corners[i], corners[i + 1]
        length = math.hypot(x1 - x0, y1 - y0)
        if length == 0:
            continue
        nx, ny = (x1 - x0) / length, (y1 - y0) / length
        own = [x * nx + y * ny for x, y in corners]
        other = [x * nx + y * ny for x, y in box_corners]
        if min(own) >= max(other) + gap or min(other) >= max(own) + gap:
            return True
    return False


def _arc(chars: list[str], *, size: float, aspect: float, span: float,
         centre_radius: float) -> list[ArcChar]:
    step = span / (len(chars) - 1) if len(chars) > 1 else 0.0
    result = []
    for i, char in enumerate(chars):
        theta = math.pi / 2 + span / 2 - i * step
        result.append(ArcChar(char, centre_radius * math.cos(theta),
                              centre_radius * math.sin(theta), size, size * aspect,
                              math.degrees(theta) - 90.0))
    return result


def _name_arc(chars: list[str], *, inner: float, k: float,
              title_box: tuple[float, float, float, float]) -> list[ArcChar]:
    """The name along the upper arc, as large and as wide as fits above the title."""
    if not chars:
        return []
    gap = _CLEARANCE * k

    def clear(arc: list[ArcChar]) -> bool:
        return all(boxes_clear(c.corners(), title_box, gap) for c in arc)

    def widest_span(size: float, aspect: float, centre_radius: float) -> float:
        # The last character is the lowest and nearest the title (the arc is symmetric):
        # find how far down it may sit, whatever the name's length.
        def end_clear(span: float) -> bool:
            theta = math.pi / 2 - span / 2
            end = ArcChar("", centre_radius * math.cos(theta), centre_radius * math.sin(theta),
                          size, size * aspect, math.degrees(theta) - 90.0)
            return boxes_clear(end.corners(), title_box, gap)

        low, high = 0.0, math.radians(_NAME_MAX_SPAN_DEG)
        if end_clear(high):
            return high
        for _ in range(20):
            middle = (low + high) / 2
            low, high = (middle, high) if end_clear(middle) else (low, middle)
        return low

    # Width first (to 0.6 of the height), then size, then width again (to 0.5): the way
    # engravers fit a long name.
    def narrower(start: float, stop: float) -> list[float]:
        return [a / 100 for a in range(round(start * 100), round(stop * 100) - 1, -2)]

    candidates = [(_NAME_MAX_SIZE * k, a) for a in narrower(_CHAR_ASPECT, _COMPRESSED_ASPECT)]
    size = _NAME_MAX_SIZE * k
    while size > _NAME_MIN_SIZE * k:
        size -= 0.1 * k
        candidates.append((size, _COMPRESSED_ASPECT))
    candidates += [(_NAME_MIN_SIZE * k, a)
                   for a in narrower(_COMPRESSED_ASPECT - 0.02, _MIN_NAME_ASPECT)]
    for size, aspect in candidates:
        centre_radius = inner - _NAME_GAP * k - size / 2
        width = size * aspect
        natural = width * _NAME_SPACING / centre_radius * (len(chars) - 1)
        crowded = width * _MIN_NAME_SPACING / centre_radius * (len(chars) - 1)
        allowed = widest_span(size, aspect, centre_radius)
        if crowded <= allowed:
            arc = _arc(chars, size=size, aspect=aspect, span=min(natural, allowed),
                       centre_radius=centre_radius)
            if clear(arc):  # every character, not only the last
                return arc
    # A name beyond any seal's room (several dozen characters): smallest, evenly spread,
    # still clear of the title, the characters closer than is comfortable.
    size, aspect = _NAME_MIN_SIZE * k, _MIN_NAME_ASPECT
    centre_radius = inner - _NAME_GAP * k - size / 2
    return _arc(chars, size=size, aspect=aspect,
                span=widest_span(size, aspect, centre_radius), centre_radius=centre_radius)


@lru_cache(maxsize=64)
def seal_geometry(
    appearance: SealAppearance, diameter_mm: float = SEAL_DIAMETER_MM
) -> SealGeometry:
    """Lay out a seal; sizes scale with ``diameter_mm`` (42 mm is the standard).

    Cached: a window seals many documents with the same seal.
    """
    k = diameter_mm / SEAL_DIAMETER_MM
    radius = diameter_mm / 2
    ring_width = _RING_WIDTH * k
    inner = radius - ring_width
    star = []
    for i in range(10):
        r = _STAR_RADIUS * k * (1.0 if i % 2 == 0 else 0.382)
        angle = math.pi / 2 + i * math.pi / 5
        star.append((r * math.cos(angle), _STAR_CENTER_Y * k + r * math.sin(angle)))

    def chord(y: float) -> float:
        return 2 * math.sqrt(max(inner**2 - y**2, 0.0)) * 0.86

    title_y = _TITLE_BASELINE_Y * k
    serial_y = _SERIAL_BASELINE_Y * k
    title_size = _TITLE_SIZE * k
    # The title is as wide as the circle allows at its ink's lowest edge.
    title_max_width = chord(title_y - _INK_BELOW * title_size)
    # The name stays above the title's whole line, not only clear of its letters: an
    # arc that ran down beside the title would read into it.
    _, title_bottom, _, title_top = _text_box(appearance.seal_title, title_size, title_y,
                                              title_max_width)
    name = _name_arc(list(appearance.authority_name.strip()), inner=inner, k=k,
                     title_box=(-radius, title_bottom, radius, title_top))
    return SealGeometry(
        radius=radius,
        ring_width=ring_width,
        name=tuple(name),
        star=tuple(star),
        title=appearance.seal_title,
        title_size=title_size,
        title_baseline_y=title_y,
        title_max_width=title_max_width,
        serial=appearance.serial,
        serial_size=_SERIAL_SIZE * k,
        serial_baseline_y=serial_y,
        serial_max_width=chord(serial_y - 0.2 * _SERIAL_SIZE * k),
    )


# ---------------------------------------------------------------- PDF (reportlab canvas)


def draw_seal(
    canvas: Canvas,
    appearance: SealAppearance,
    *,
    centre_x: float,
    centre_y: float,
    chain: FontChain,
    diameter_mm: float = SEAL_DIAMETER_MM,
) -> None:
    """Paint the seal, semi-transparent, centred on ``(centre_x, centre_y)`` in points.

    ``chain`` is the seal's Song face chain: each character in the first face that has
    it, so a rare character of a name prints as the coverage check promised.
    """
    geo = seal_geometry(appearance, diameter_mm)
    canvas.saveState()
    canvas.translate(centre_x, centre_y)
    canvas.setFillColorRGB(*SEAL_RED)
    canvas.setStrokeColorRGB(*SEAL_RED)
    canvas.setFillAlpha(SEAL_ALPHA)
    canvas.setStrokeAlpha(SEAL_ALPHA)
    canvas.setLineWidth(geo.ring_width * mm)
    canvas.circle(0, 0, (geo.radius - geo.ring_width / 2) * mm, stroke=1, fill=0)

    path = canvas.beginPath()
    first, *rest = geo.star
    path.moveTo(first[0] * mm, first[1] * mm)
    for x, y in rest:
        path.lineTo(x * mm, y * mm)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)

    for arc_char in geo.name:
        face = chain.face_for(arc_char.char) or chain.primary
        ascent, descent = pdfmetrics.getAscentDescent(face, 1000)
        middle = (ascent + descent) / 2000  # glyph box middle above the baseline, per pt
        size = arc_char.size * mm
        canvas.saveState()
        canvas.translate(arc_char.x * mm, arc_char.y * mm)
        canvas.rotate(arc_char.rotation)
        # Squeezed to the geometry's width: one em of the face is the character's height.
        advance = pdfmetrics.stringWidth(arc_char.char, face, size) or size
        canvas.scale(arc_char.width * mm / advance, 1)
        canvas.setFont(face, size)
        canvas.drawCentredString(0, -middle * size, arc_char.char)
        canvas.restoreState()

    _draw_fitted(canvas, geo.title, chain, geo.title_size * mm, geo.title_baseline_y * mm,
                 geo.title_max_width * mm)
    if geo.serial:
        _draw_fitted(canvas, geo.serial, chain, geo.serial_size * mm,
                     geo.serial_baseline_y * mm, geo.serial_max_width * mm)
    canvas.restoreState()


def _draw_fitted(
    canvas: Canvas, text: str, chain: FontChain, size: float, baseline: float, max_width: float
) -> None:
    natural = chain.width(text, size) * _CHAR_ASPECT
    scale_x = _CHAR_ASPECT * min(1.0, max_width / natural) if natural else _CHAR_ASPECT
    canvas.saveState()
    canvas.translate(0, baseline)
    canvas.scale(scale_x, 1)
    draw_text(canvas, text, chain, size, 0, 0, "center")
    canvas.restoreState()
