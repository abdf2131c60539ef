"""The approval seal, drawn from its seal record.

One geometry (:func:`seal_geometry`, in millimetres, origin at the centre, y up) feeds two
painters: :func:`draw_seal` for reportlab canvases (vector, in the PDF) and
:func:`seal_png` for Pillow (a transparent PNG for Word). The look follows the usual
government seal: a red ring about 42 mm across, the authority's name along the upper
arc with each character turned to face outwards, a five-pointed star in the middle, the
seal's title below the star and the seal's code small at the bottom.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from app.print_templates.context import SealAppearance
from app.print_templates.fonts import FontFile

SEAL_DIAMETER_MM = 42.0
SEAL_RED = (0.84, 0.06, 0.09)
SEAL_ALPHA = 0.82
"""Semi-transparent, so the authority's name and the date stay legible beneath."""

_RING_WIDTH = 1.2
_NAME_GAP = 0.9
_NAME_MAX_SIZE = 6.6
_NAME_MAX_SPAN_DEG = 250.0
_CHAR_ASPECT = 0.82  # seal characters are narrower than they are tall
_STAR_CENTER_Y = 1.2
_STAR_RADIUS = 7.0
_TITLE_SIZE = 4.6
_TITLE_BASELINE_Y = -11.2
_SERIAL_SIZE = 2.4
_SERIAL_BASELINE_Y = -16.6


@dataclass(frozen=True)
class ArcChar:
    """One character of the authority's name: centre, size and rotation (degrees, CCW)."""

    char: str
    x: float
    y: float
    size: float
    rotation: float


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


def seal_geometry(
    appearance: SealAppearance, diameter_mm: float = SEAL_DIAMETER_MM
) -> SealGeometry:
    """Lay out a seal; sizes scale with ``diameter_mm`` (42 mm is the standard)."""
    k = diameter_mm / SEAL_DIAMETER_MM
    radius = diameter_mm / 2
    ring_width = _RING_WIDTH * k
    chars = list(appearance.authority_name.strip())
    size = _NAME_MAX_SIZE * k
    while True:
        centre_radius = radius - ring_width - _NAME_GAP * k - size / 2
        step = size * 1.08 / centre_radius
        span = step * max(len(chars) - 1, 0)
        if math.degrees(span) <= _NAME_MAX_SPAN_DEG or size <= 2.5 * k:
            break
        size -= 0.1 * k
    name = []
    for i, char in enumerate(chars):
        theta = math.pi / 2 + span / 2 - i * step
        name.append(
            ArcChar(
                char,
                centre_radius * math.cos(theta),
                centre_radius * math.sin(theta),
                size,
                math.degrees(theta) - 90.0,
            )
        )
    star = []
    for i in range(10):
        r = _STAR_RADIUS * k * (1.0 if i % 2 == 0 else 0.382)
        angle = math.pi / 2 + i * math.pi / 5
        star.append((r * math.cos(angle), _STAR_CENTER_Y * k + r * math.sin(angle)))
    inner = radius - ring_width

    def chord(y: float) -> float:
        return 2 * math.sqrt(max(inner**2 - y**2, 0.0)) * 0.86

    title_y = _TITLE_BASELINE_Y * k
    serial_y = _SERIAL_BASELINE_Y * k
    return SealGeometry(
        radius=radius,
        ring_width=ring_width,
        name=tuple(name),
        star=tuple(star),
        title=appearance.seal_title,
        title_size=_TITLE_SIZE * k,
        title_baseline_y=title_y,
        title_max_width=chord(title_y),
        serial=appearance.serial,
        serial_size=_SERIAL_SIZE * k,
        serial_baseline_y=serial_y,
        serial_max_width=chord(serial_y),
    )


# ---------------------------------------------------------------- PDF (reportlab canvas)


def draw_seal(
    canvas: Canvas,
    appearance: SealAppearance,
    *,
    centre_x: float,
    centre_y: float,
    font_name: str,
    diameter_mm: float = SEAL_DIAMETER_MM,
) -> None:
    """Paint the seal, semi-transparent, centred on ``(centre_x, centre_y)`` in points."""
    geo = seal_geometry(appearance, diameter_mm)
    ascent, descent = pdfmetrics.getAscentDescent(font_name, 1000)
    middle = (ascent + descent) / 2000  # glyph box middle above the baseline, per pt of size
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
        size = arc_char.size * mm
        canvas.saveState()
        canvas.translate(arc_char.x * mm, arc_char.y * mm)
        canvas.rotate(arc_char.rotation)
        canvas.scale(_CHAR_ASPECT, 1)
        canvas.setFont(font_name, size)
        canvas.drawCentredString(0, -middle * size, arc_char.char)
        canvas.restoreState()

    _draw_fitted(
        canvas,
        geo.title,
        font_name,
        geo.title_size * mm,
        geo.title_baseline_y * mm,
        geo.title_max_width * mm,
    )
    if geo.serial:
        _draw_fitted(
            canvas,
            geo.serial,
            font_name,
            geo.serial_size * mm,
            geo.serial_baseline_y * mm,
            geo.serial_max_width * mm,
        )
    canvas.restoreState()


def _draw_fitted(
    canvas: Canvas, text: str, font_name: str, size: float, baseline: float, max_width: float
) -> None:
    natural = pdfmetrics.stringWidth(text, font_name, size) * _CHAR_ASPECT
    scale_x = _CHAR_ASPECT * min(1.0, max_width / natural) if natural else _CHAR_ASPECT
    canvas.saveState()
    canvas.translate(0, baseline)
    canvas.scale(scale_x, 1)
    canvas.setFont(font_name, size)
    canvas.drawCentredString(0, 0, text)
    canvas.restoreState()


# ---------------------------------------------------------------- PNG (Pillow), for Word


@lru_cache(maxsize=32)
def seal_png(
    appearance: SealAppearance,
    font_file: FontFile | None,
    *,
    dpi: int = 300,
    diameter_mm: float = SEAL_DIAMETER_MM,
) -> bytes | None:
    """The seal as a transparent PNG; None when no font can draw its characters.

    Cached: a window seals many documents with the same seal.
    """
    if font_file is None:
        return None
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:  # pragma: no cover - Pillow comes with reportlab
        return None
    geo = seal_geometry(appearance, diameter_mm)
    supersample = 3
    px_per_mm = dpi / 25.4 * supersample
    side = math.ceil(diameter_mm * px_per_mm) + 2
    centre = side / 2
    red = tuple(round(c * 255) for c in SEAL_RED) + (255,)

    def font(size_mm: float) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(
            font_file.path, max(1, round(size_mm * px_per_mm)), index=font_file.subfont_index
        )

    def to_px(x: float, y: float) -> tuple[float, float]:
        return centre + x * px_per_mm, centre - y * px_per_mm

    try:
        font(geo.title_size)
    except OSError:
        return None
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ring = geo.ring_width * px_per_mm
    outer = geo.radius * px_per_mm
    draw.ellipse(
        (centre - outer, centre - outer, centre + outer, centre + outer),
        outline=red,
        width=round(ring),
    )
    draw.polygon([to_px(x, y) for x, y in geo.star], fill=red)

    for arc_char in geo.name:
        glyph_side = math.ceil(arc_char.size * px_per_mm * 1.4)
        glyph = Image.new("RGBA", (glyph_side, glyph_side), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text(
            (glyph_side / 2, glyph_side / 2),
            arc_char.char,
            font=font(arc_char.size),
            fill=red,
            anchor="mm",
        )
        glyph = glyph.resize((max(1, round(glyph_side * _CHAR_ASPECT)), glyph_side))
        glyph = glyph.rotate(arc_char.rotation, resample=Image.Resampling.BICUBIC, expand=True)
        x, y = to_px(arc_char.x, arc_char.y)
        image.alpha_composite(glyph, (round(x - glyph.width / 2), round(y - glyph.height / 2)))

    for text, size, baseline, max_width in (
        (geo.title, geo.title_size, geo.title_baseline_y, geo.title_max_width),
        (geo.serial, geo.serial_size, geo.serial_baseline_y, geo.serial_max_width),
    ):
        if not text:
            continue
        face = font(size)
        left, top, right, bottom = face.getbbox(text, anchor="ls")
        size_px = (math.ceil(right - left) + 4, math.ceil(bottom - top) + 4)
        strip = Image.new("RGBA", size_px, (0, 0, 0, 0))
        ImageDraw.Draw(strip).text((2 - left, 2 - top), text, font=face, fill=red, anchor="ls")
        natural = strip.width * _CHAR_ASPECT
        width = natural * min(1.0, max_width * px_per_mm / natural)
        strip = strip.resize((max(1, round(width)), strip.height))
        x, y = to_px(0, baseline)
        image.alpha_composite(strip, (round(x - strip.width / 2), round(y + top - 2)))

    image = image.resize(
        (side // supersample, side // supersample), resample=Image.Resampling.LANCZOS
    )
    alpha = image.getchannel("A").point(lambda a: round(a * SEAL_ALPHA))
    image.putalpha(alpha)
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()
