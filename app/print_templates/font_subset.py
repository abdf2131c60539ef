"""The TrueType subset each PDF embeds: reportlab's ``makeSubset``, reading glyphs in place.

reportlab's ``TTFontFile.makeSubset`` copies the whole ``glyf`` table out of the font
file's bytes for every subset (megabytes for a CJK face, for the few hundred glyphs a
document uses) and walks composite glyphs through its file-like reader. :func:`make_subset`
builds the same file, byte for byte (tests compare the two), slicing each glyph straight
out of the file's bytes. :func:`install` puts it in place of the method on a loaded face.
"""

from __future__ import annotations

from collections.abc import Sequence
from struct import pack, unpack_from
from typing import Any

from reportlab.pdfbase.ttfonts import (
    GF_ARG_1_AND_2_ARE_WORDS,
    GF_MORE_COMPONENTS,
    GF_WE_HAVE_A_SCALE,
    GF_WE_HAVE_A_TWO_BY_TWO,
    GF_WE_HAVE_AN_X_AND_Y_SCALE,
    TTFontMaker,
)

_COPIED_TABLES = ("name", "OS/2", "cvt ", "fpgm", "prep")


def install(face: Any) -> None:
    """Make ``face`` (a reportlab ``TTFontFace``) build its subsets with :func:`make_subset`."""
    face.makeSubset = lambda subset: make_subset(face, subset)


def _components(data: bytes, start: int) -> list[tuple[int, int]]:
    """``(offset of the glyph index, glyph index)`` of each component of the composite
    glyph at ``start``."""
    found = []
    at = start + 10
    flags = GF_MORE_COMPONENTS
    while flags & GF_MORE_COMPONENTS:
        flags, glyph = unpack_from(">HH", data, at)
        found.append((at + 2 - start, glyph))
        at += 8 if flags & GF_ARG_1_AND_2_ARE_WORDS else 6
        if flags & GF_WE_HAVE_A_SCALE:
            at += 2
        elif flags & GF_WE_HAVE_AN_X_AND_Y_SCALE:
            at += 4
        elif flags & GF_WE_HAVE_A_TWO_BY_TWO:
            at += 8
    return found


def make_subset(face: Any, subset: Sequence[int]) -> bytes:
    """The TrueType file of ``subset`` (code points; the n-th is glyph n + 1), exactly
    as ``face.makeSubset`` (reportlab) writes it."""
    data: bytes = face._ttf_data
    glyf_start = face.table["glyf"]["offset"]
    glyph_pos: list[int] = face.glyphPos
    char_to_glyph: dict[int, int] = face.charToGlyph

    # New glyph index -> old, and back; glyph 0 (.notdef) stays first.
    glyph_map = [0]
    glyph_set = {0: 0}
    code_to_glyph = {}
    for code in subset:
        original = char_to_glyph.get(code, 0)
        if original not in glyph_set:
            glyph_set[original] = len(glyph_map)
            glyph_map.append(original)
        code_to_glyph[code] = glyph_set[original]
    # The glyphs composite glyphs are made of, recursively (the list grows as we go).
    n = 0
    while n < len(glyph_map):
        original = glyph_map[n]
        n += 1
        start = glyf_start + glyph_pos[original]
        if glyph_pos[original + 1] == glyph_pos[original]:
            continue
        if unpack_from(">h", data, start)[0] < 0:
            for _offset, component in _components(data, start):
                if component not in glyph_set:
                    glyph_set[component] = len(glyph_map)
                    glyph_map.append(component)

    output = TTFontMaker()
    for tag in _COPIED_TABLES:
        try:
            output.add(tag, face.get_table(tag))
        except KeyError:  # cvt, fpgm and prep are optional
            pass
    output.add("post", b"\x00\x03\x00\x00" + face.get_table("post")[4:16] + b"\x00" * 16)

    glyph_count = len(glyph_map)
    hmtx: list[int] = []
    for original in glyph_map:
        advance, lsb = face.hmetrics[original]
        hmtx += (int(advance), int(lsb))
    # Trailing glyphs of the same advance keep only their left side bearing.
    n = len(hmtx) - 2
    while n and hmtx[n] == hmtx[n - 2]:
        n -= 2
    n += 2
    hmtx = hmtx[:n] + hmtx[n + 1 :: 2]
    output.add("hmtx", pack(f">{len(hmtx)}H", *hmtx))
    output.add("hhea", _set_ushort(face.get_table("hhea"), 34, n >> 1))
    output.add("maxp", _set_ushort(face.get_table("maxp"), 4, glyph_count))

    cmap = [0, 1, 1, 0, 0, 12, 6, 10 + len(subset) * 2, 0, 0, len(subset)]
    cmap += map(code_to_glyph.get, subset)
    output.add("cmap", pack(f">{len(cmap)}H", *cmap))

    offsets = []
    glyphs: list[bytes] = []
    pos = 0
    for original in glyph_map:
        offsets.append(pos)
        begin, end = glyph_pos[original], glyph_pos[original + 1]
        glyph = data[glyf_start + begin : glyf_start + end]
        length = end - begin
        if length > 2 and unpack_from(">h", glyph)[0] < 0:
            patched = bytearray(glyph)
            for offset, component in _components(glyph, 0):
                patched[offset : offset + 2] = pack(">H", glyph_set[component])
            glyph = bytes(patched)
        glyphs.append(glyph)
        pos += length
        if pos % 4:
            glyphs.append(b"\0" * (4 - pos % 4))
            pos += 4 - pos % 4
    offsets.append(pos)
    output.add("glyf", b"".join(glyphs))

    if (pos + 1) >> 1 > 0xFFFF:
        loca_format = 1
        loca = pack(f">{len(offsets)}L", *offsets)
    else:
        loca_format = 0
        loca = pack(f">{len(offsets)}H", *(offset >> 1 for offset in offsets))
    output.add("loca", loca)
    output.add("head", _set_ushort(face.get_table("head"), 50, loca_format))
    return output.makeStream()


def _set_ushort(table: bytes, offset: int, value: int) -> bytes:
    return table[:offset] + pack(">H", value) + table[offset + 2 :]
