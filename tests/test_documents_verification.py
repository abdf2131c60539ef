"""Verification codes, QR payloads, the seal drawing and Chinese line breaking."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.print_templates import (
    DocumentKind,
    SealAppearance,
    parse_verification_url,
    qr_payload,
    seal_context,
    verification_url,
)
from app.print_templates.linebreak import CANNOT_END, CANNOT_START, break_lines
from app.print_templates.qr import qr_matrix, qr_png
from app.print_templates.samples import SAMPLE_SEAL, sample_context
from app.print_templates.seal import seal_geometry
from app.signing import generate_seal_key
from app.signing.codes import DocumentIdentity, code_matches, codes_equal, verification_code

SERVER = "https://zwfw.qinghe.gov.cn/counterdesk"
DOCUMENT_ID = "0f8c2a8e-7a3d-4c1b-9e55-2b6f3d4a1c90"
IDENTITY = DocumentIdentity(
    document_id=DOCUMENT_ID, seal_id="seal-1", case_number="XC01-20261123-0007",
    document_kind="approval_decision", document_number="清市监许〔2026〕6号",
    sealed_at=datetime(2026, 11, 23, 2, 32, tzinfo=UTC),
)


@pytest.fixture(scope="module")
def seal_key():
    return generate_seal_key(subject_common_name="清河县市场监督管理局行政审批专用章",
                             organization="清河县市场监督管理局",
                             issued_at=datetime(2026, 1, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def other_key():
    return generate_seal_key(subject_common_name="清河县市场监督管理局行政审批专用章",
                             organization="清河县市场监督管理局",
                             issued_at=datetime(2026, 1, 1, tzinfo=UTC))


# ---------------------------------------------------------------- verification codes


def test_verification_code_is_sixteen_base32_characters_in_fours(seal_key) -> None:
    code = verification_code(seal_key.key, IDENTITY)
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){3}", code)
    assert verification_code(seal_key.key, IDENTITY) == code  # a re-print: same code


def test_the_seal_key_verifies_its_own_code(seal_key) -> None:
    code = verification_code(seal_key.key, IDENTITY)
    assert code_matches(seal_key.key, IDENTITY, code)
    assert code_matches(seal_key.key, IDENTITY, code.replace("-", "").lower())


def test_a_code_made_without_the_seal_key_fails(seal_key, other_key) -> None:
    forged = verification_code(other_key.key, IDENTITY)
    assert not code_matches(seal_key.key, IDENTITY, forged)
    # What the old scheme printed, a hash prefix of public content, fails as well.
    public = hashlib.sha256(IDENTITY.message()).hexdigest()[:16].upper()
    assert not code_matches(seal_key.key, IDENTITY, public)
    assert not codes_equal(verification_code(seal_key.key, IDENTITY), forged)


@pytest.mark.parametrize("field", ["document_id", "seal_id", "case_number", "document_kind",
                                   "document_number"])
def test_the_code_of_one_document_does_not_fit_another(seal_key, field) -> None:
    code = verification_code(seal_key.key, IDENTITY)
    other = dataclasses.replace(IDENTITY, **{field: getattr(IDENTITY, field) + "1"})
    assert not code_matches(seal_key.key, other, code)
    later = dataclasses.replace(IDENTITY, sealed_at=IDENTITY.sealed_at + timedelta(minutes=1))
    assert not code_matches(seal_key.key, later, code)


def test_verification_url_points_to_the_servers_page_and_parses_back() -> None:
    url = verification_url(SERVER + "/", DOCUMENT_ID, "K7QM-XD4R-2TNB-W6HA")
    assert url == f"{SERVER}/v/{DOCUMENT_ID}?c=K7QMXD4R2TNBW6HA"
    assert parse_verification_url(url) == (DOCUMENT_ID, "K7QM-XD4R-2TNB-W6HA")


def test_offline_station_prints_the_same_path_without_a_host() -> None:
    url = verification_url("", DOCUMENT_ID, "K7QM-XD4R-2TNB-W6HA")
    assert url == f"counterdesk:v/{DOCUMENT_ID}?c=K7QMXD4R2TNBW6HA"
    assert parse_verification_url(url) == (DOCUMENT_ID, "K7QM-XD4R-2TNB-W6HA")


@pytest.mark.parametrize("foreign", [
    "https://example.com", "CD1|XC01-20261123-0007|4F47-FD2B-296C",
    f"https://x.cn/v/{DOCUMENT_ID}", f"https://x.cn/w/{DOCUMENT_ID}?c=K7QMXD4R2TNBW6HA",
    f"ftp://x.cn/v/{DOCUMENT_ID}?c=K7QMXD4R2TNBW6HA", f"https://x.cn/v/{DOCUMENT_ID}?c=0000",
])
def test_foreign_qr_codes_are_not_ours(foreign: str) -> None:
    assert parse_verification_url(foreign) is None


def test_sealed_context_carries_its_seal_use_and_code() -> None:
    draft = sample_context(DocumentKind.APPROVAL_DECISION, draft=True)
    sealed = seal_context(draft, appearance=SAMPLE_SEAL, sealed_at_text="2026年11月23日 10:32",
                          document_id=DOCUMENT_ID, verification_code="K7QM-XD4R-2TNB-W6HA",
                          verification_base=SERVER)
    assert not sealed.draft and sealed.seal is not None
    assert sealed.seal.case_number == draft.case_number
    assert qr_payload(sealed.seal) == f"{SERVER}/v/{DOCUMENT_ID}?c=K7QMXD4R2TNBW6HA"


def test_qr_png_of_a_verification_url_decodes_to_it(seal_key) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    payload = verification_url(SERVER, DOCUMENT_ID, verification_code(seal_key.key, IDENTITY))
    image = Image.open(io.BytesIO(qr_png(payload)))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [payload]
    matrix = qr_matrix(payload)
    # Small enough to scan at 24 mm: at most version 7 (45 modules) plus the quiet zone.
    assert len(matrix) == len(matrix[0]) <= 45 + 4



def _qrcode_matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The matrix the qrcode package itself makes (what qr_matrix must equal)."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2)
    code.add_data(payload)
    code.make(fit=True)
    return tuple(tuple(row) for row in code.get_matrix())


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "0123456789" * 3,  # a numeric segment
        "HTTPS://ZWFW.QINGHE.GOV.CN/COUNTERDESK/V/" + "ABCDEF" * 5,  # alphanumeric
        f"{SERVER}/v/{DOCUMENT_ID}?c=K7QMXD4R2TNBW6HA",
        "受理通知书" * 40,  # versions from 7 on carry the version information
        "x" * 1200,  # many error correction blocks of two lengths
        "a1B2" * 560,  # version 40
    ],
)
def test_qr_matrix_is_the_one_the_qrcode_package_makes(payload: str) -> None:
    assert qr_matrix(payload) == _qrcode_matrix(payload)


@given(st.text(alphabet="abcXYZ019:/?=.-受𠮷", max_size=300))
def test_qr_matrix_is_the_one_the_qrcode_package_makes_for_any_text(payload: str) -> None:
    assert qr_matrix(payload) == _qrcode_matrix(payload)


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


NAME = "清河县人民政府行政审批服务管理局市场监督管理分局"


@pytest.mark.parametrize("length", range(4, 21))
def test_the_name_never_touches_the_title_line_for_any_length(length: int) -> None:
    geometry = seal_geometry(SealAppearance(authority_name=NAME[:length], serial="1"))
    assert "".join(c.char for c in geometry.name) == NAME[:length]
    _left, _bottom, _right, title_top = geometry.title_box
    inner = geometry.radius - geometry.ring_width
    for char in geometry.name:
        corners = char.corners()
        # Wholly above the title's line, with a visible gap.
        assert min(y for _x, y in corners) >= title_top + 0.5
        assert max(math.hypot(x, y) for x, y in corners) <= inner - 0.5  # inside the ring
        assert char.size >= 3.0 and char.width >= 0.5 * char.size  # still legible
    for first, second in zip(geometry.name, geometry.name[1:], strict=False):
        # Neighbours apart at mid-height (more apart outwards, where the arc is longer).
        distance = math.hypot(first.x - second.x, first.y - second.y)
        assert distance >= 1.05 * max(first.width, second.width)
    title = geometry.title_box
    assert title[2] - title[0] <= geometry.title_max_width + 1e-9


def test_long_names_are_compressed_before_they_are_made_smaller() -> None:
    sizes = {n: seal_geometry(SealAppearance(authority_name=NAME[:n])).name[0] for n in (9, 12, 20)}
    assert sizes[9].size == sizes[12].size  # 12 characters: narrower, not smaller
    assert sizes[12].width < sizes[9].width
    assert sizes[20].size < sizes[12].size


def test_the_seal_draws_its_title_and_serial(builtin_pdf_chars) -> None:
    red = "".join(c["text"] for c in builtin_pdf_chars if _red(c.get("non_stroking_color")))
    assert "行政审批专用章" in red
    assert SAMPLE_SEAL.serial in red
    assert SAMPLE_SEAL.authority_name in red


@pytest.fixture(scope="module")
def builtin_pdf_chars() -> list[dict]:
    import pdfplumber

    from app.print_templates import render_pdf, resolve_fonts

    fonts = resolve_fonts(search_dirs=[], windows_fonts_dir=None)
    pdf = render_pdf(sample_context(DocumentKind.APPROVAL_DECISION), fonts=fonts)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return list(document.pages[-1].chars)


def _red(colour) -> bool:
    return bool(colour) and len(colour) == 3 and colour[0] > 0.7 and colour[1] < 0.2


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
