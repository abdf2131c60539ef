"""Verification codes, QR payloads, the seal drawing and Chinese line breaking."""

from __future__ import annotations

import dataclasses
import io
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.print_templates import (
    DocumentKind,
    SealAppearance,
    content_digest,
    parse_qr_payload,
    qr_payload,
    seal_context,
    seal_matches_content,
    verification_code,
    verification_code_for,
)
from app.print_templates.linebreak import CANNOT_END, CANNOT_START, break_lines
from app.print_templates.qr import qr_matrix, qr_png
from app.print_templates.samples import SAMPLE_SEAL, sample_context
from app.print_templates.seal import seal_geometry, seal_png

# ---------------------------------------------------------------- verification codes


def test_verification_code_is_twelve_upper_hex_digits_in_fours() -> None:
    assert verification_code("a1b2c3d4e5f60718" + "0" * 48) == "A1B2-C3D4-E5F6"


def test_verification_code_refuses_what_is_not_a_digest() -> None:
    with pytest.raises(ValueError):
        verification_code("not-a-digest")
    with pytest.raises(ValueError):
        verification_code("abc")


def test_content_digest_ignores_seal_and_draft_but_not_content() -> None:
    unsealed = sample_context(DocumentKind.ACCEPTANCE_NOTICE, draft=True)
    sealed = sample_context(DocumentKind.ACCEPTANCE_NOTICE)
    assert content_digest(unsealed) == content_digest(sealed)
    changed = dataclasses.replace(unsealed, applicant_name="另一个申请人")
    assert content_digest(changed) != content_digest(unsealed)


def test_sealed_context_carries_the_code_of_its_content() -> None:
    draft = sample_context(DocumentKind.APPROVAL_DECISION, draft=True)
    sealed = seal_context(draft, appearance=SAMPLE_SEAL, sealed_at_text="2026年11月23日 10:32")
    assert not sealed.draft
    assert sealed.seal is not None
    assert sealed.seal.verification_code == verification_code(content_digest(draft))
    assert sealed.seal.case_number == draft.case_number
    assert seal_matches_content(sealed)
    tampered = dataclasses.replace(sealed, reasons=("改过的理由",))
    assert not seal_matches_content(tampered)
    assert not seal_matches_content(draft)


def test_qr_payload_round_trips_and_foreign_codes_are_refused() -> None:
    sealed = sample_context(DocumentKind.ACCEPTANCE_NOTICE)
    assert sealed.seal is not None
    payload = qr_payload(sealed.seal)
    assert payload == f"CD1|XC01-20261123-0007|{verification_code_for(sealed)}"
    assert parse_qr_payload(payload) == ("XC01-20261123-0007", verification_code_for(sealed))
    for foreign in ("https://example.com", "CD2|a|b", "CD1||x", "CD1|a"):
        assert parse_qr_payload(foreign) is None


def test_qr_png_decodes_to_the_payload() -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    payload = "CD1|XC01-20261123-0007|4F47-FD2B-296C"
    image = Image.open(io.BytesIO(qr_png(payload)))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [payload]
    matrix = qr_matrix(payload)
    assert len(matrix) == len(matrix[0])


# ---------------------------------------------------------------- the seal


def test_authority_name_runs_left_to_right_over_the_top_of_the_seal() -> None:
    geometry = seal_geometry(SealAppearance(authority_name="某某县行政审批局", serial="1"))
    name = geometry.name
    assert "".join(c.char for c in name) == "某某县行政审批局"
    xs = [c.x for c in name]
    assert xs == sorted(xs)
    assert all(c.y > -geometry.radius * 0.6 for c in name)
    assert name[0].x == pytest.approx(-name[-1].x) and name[0].y == pytest.approx(name[-1].y)
    assert name[0].rotation == pytest.approx(-name[-1].rotation)
    for c in name:  # each character faces outwards, inside the ring
        assert math.hypot(c.x, c.y) + c.size / 2 <= geometry.radius - geometry.ring_width + 0.01
        expected = math.degrees(math.atan2(c.y, c.x)) - 90
        assert (c.rotation - expected) % 360 == pytest.approx(0, abs=1e-6)


def test_a_long_authority_name_gets_smaller_characters_within_the_arc() -> None:
    short = seal_geometry(SealAppearance(authority_name="某县审批局"))
    long = seal_geometry(SealAppearance(authority_name="某某省某某市某某县行政审批服务管理局"))
    assert long.name[0].size < short.name[0].size
    span = math.degrees(
        math.atan2(long.name[0].y, long.name[0].x) - math.atan2(long.name[-1].y, long.name[-1].x)
    )
    assert span <= 250.5


def test_seal_is_42mm_with_a_five_pointed_star() -> None:
    geometry = seal_geometry(SAMPLE_SEAL)
    assert geometry.radius * 2 == pytest.approx(42)
    assert len(geometry.star) == 10
    assert geometry.title == "行政审批专用章"
    assert geometry.serial == "3201250012345"


def test_seal_png_is_transparent_and_red(tmp_path) -> None:
    from PIL import Image

    from app.print_templates import resolve_fonts

    fonts = resolve_fonts()  # the shipped fonts (tests/conftest.py hides the machine's)
    png = seal_png(SAMPLE_SEAL, fonts.raster_file)
    assert png is not None
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGBA"
    assert image.getpixel((0, 0))[3] == 0
    pixels = image.load()
    inked = [
        pixels[x, y]
        for x in range(0, image.width, 3)
        for y in range(0, image.height, 3)
        if pixels[x, y][3] > 100
    ]
    assert inked and all(r > 150 and g < 80 for r, g, _b, _a in inked)
    assert image.getchannel("A").getextrema()[1] < 255  # semi-transparent


def test_seal_png_needs_a_font() -> None:
    assert seal_png(SAMPLE_SEAL, None) is None


# ---------------------------------------------------------------- line breaking


def _lines(text: str, width: int) -> list[str]:
    widths = [0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text]
    return [line for _extra, line in break_lines(text, widths, [width])]


def test_closing_marks_never_start_a_line() -> None:
    lines = _lines("一二三四五，六七八九十。", 5)
    assert all(line[0] not in CANNOT_START for line in lines)
    assert "".join(lines) == "一二三四五，六七八九十。"


def test_opening_marks_never_end_a_line() -> None:
    lines = _lines("一二三四（五六七八九）", 5)
    assert all(line[-1] not in CANNOT_END for line in lines)


def test_numbers_are_not_broken() -> None:
    lines = _lines("联系电话：0512-12345678。", 8)
    assert any("0512-12345678" in line for line in lines)


def test_a_number_before_a_closing_mark_goes_over_whole() -> None:
    # The break falls before "〕"; carrying "6" over with it would split the year.
    lines = _lines("某审批受〔2026〕XC01第0002号", 7)
    assert lines[:2] == ["某审批受", "〔2026〕XC01第"]


def test_first_line_may_be_shorter_for_the_indent() -> None:
    widths = [1.0] * 10
    lines = break_lines("一二三四五六七八九十", widths, [3, 5])
    assert [line for _e, line in lines] == ["一二三", "四五六七八", "九十"]
    assert lines[0][0] == 0 and lines[-1][0] == 3


@given(
    st.text(alphabet="国家机关行政许可法第条款（）《》“”，。、；：0123456789-AB", max_size=80),
    st.integers(min_value=1, max_value=12),
)
def test_line_breaking_keeps_every_character_in_order_within_the_width(
    text: str, width: int
) -> None:
    widths = [0.5 if ord(ch) < 0x2E80 else 1.0 for ch in text]
    lines = break_lines(text, widths, [width])
    assert "".join(line for _extra, line in lines) == text
    for extra, line in lines:
        assert extra >= -1e-9 or len(line) == 1
