"""Documents read back: every PDF with pdfplumber, every Word file with python-docx."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess
import zipfile

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn

from app.print_templates import (
    DocumentContext,
    DocumentKind,
    FeeLine,
    FontSet,
    SealAppearance,
    evaluation_url,
    parse_verification_url,
    qr_payload,
    render_docx,
    render_pdf,
    resolve_fonts,
    seal_context,
)
from app.print_templates.fonts import DOCX_BODY_FONT, DOCX_TITLE_FONT
from app.print_templates.samples import (
    SAMPLE_AUTHORITY,
    SAMPLE_DOCUMENT_ID,
    SAMPLE_SERVER,
    SAMPLE_VERIFICATION_CODE,
    sample_context,
    sample_missing_materials,
)

MM = 72 / 25.4
TOLERANCE = 3 * MM
A4_PORTRAIT = (595.28, 841.89)
PORTRAIT_KINDS = [k for k in DocumentKind
                  if k not in (DocumentKind.SEAL_LEDGER, DocumentKind.AGENT_LEDGER)]


@pytest.fixture(scope="module")
def system_fonts() -> FontSet:
    # tests/conftest.py hides the machine's own fonts: these are the shipped ones.
    return resolve_fonts()


@pytest.fixture(scope="module")
def builtin_fonts() -> FontSet:
    return resolve_fonts(search_dirs=[], windows_fonts_dir=None)


@pytest.fixture(scope="module", params=["system", "builtin"])
def fonts(request: pytest.FixtureRequest) -> FontSet:
    return request.getfixturevalue(f"{request.param}_fonts")


def _pdf(context: DocumentContext, fonts: FontSet) -> pdfplumber.PDF:
    return pdfplumber.open(io.BytesIO(render_pdf(context, fonts=fonts)))


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(pdf: pdfplumber.PDF) -> str:
    return _compact("".join(page.extract_text() or "" for page in pdf.pages))


def _is_red(color: object) -> bool:
    return isinstance(color, tuple | list) and len(color) == 3 and color[0] > 0.6 > color[1]


def _has_seal(pdf: pdfplumber.PDF) -> bool:
    return any(_is_red(curve.get("stroking_color")) for page in pdf.pages for curve in page.curves)


def _seal_text(pdf: pdfplumber.PDF) -> str:
    """The seal's own (red) characters: stamped over the date, they interleave with it
    in the page's extracted text, in an order that depends on the font."""
    return "".join(c["text"] for page in pdf.pages for c in page.chars
                   if _is_red(c.get("non_stroking_color")))


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return _compact("".join(parts))


def _expected_fields(context: DocumentContext) -> list[str]:
    fields = [context.title, context.authority_name, context.date_text]
    if context.kind is DocumentKind.SEAL_LEDGER:
        row = context.ledger_rows[0]
        return fields + [row.case_number, row.document_sha256[:16], row.sealed_by]
    if context.kind is DocumentKind.AGENT_LEDGER:
        row = context.agent_rows[0]
        return fields + [row.case_number, row.villager]
    if context.kind is DocumentKind.SERVICE_GUIDE:
        # Handed out before any application: the matter's guide, no applicant, no case.
        guide = context.guide
        assert guide is not None
        # (A cell's wrapped lines interleave with its label in the extracted text.)
        return fields + [guide.basis.split("；")[0], guide.promised_days_text,
                         *(m.name for m in guide.materials), guide.fees[0].basis]
    if context.kind is DocumentKind.TOLERANCE_PROMISE:
        # The applicant's own promise, addressed to the authority, dated by hand.
        return [context.title, context.authority_name, context.applicant_name,
                context.case_number, context.matter_name, context.tolerance_deadline_text]
    return fields + [
        context.applicant_name,
        context.case_number,
        context.document_number,
        context.matter_name,
    ]


# ---------------------------------------------------------------- every document


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_every_kind_renders_to_pdf_with_extractable_chinese(
    kind: DocumentKind, fonts: FontSet
) -> None:
    context = sample_context(kind)
    text = _pdf_text(_pdf(context, fonts))
    for field in _expected_fields(context):
        assert _compact(field) in text, field


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_every_kind_renders_to_docx_with_its_fields(kind: DocumentKind) -> None:
    context = sample_context(kind)
    text = _docx_text(render_docx(context))
    for field in _expected_fields(context):
        assert _compact(field) in text, field


@pytest.mark.parametrize("kind", PORTRAIT_KINDS)
def test_pdf_is_a4_portrait_with_text_inside_the_gbt9704_margins(
    kind: DocumentKind, system_fonts: FontSet
) -> None:
    _assert_margins(_pdf(sample_context(kind), system_fonts), A4_PORTRAIT)


def test_seal_ledger_is_a4_landscape_within_the_margins(system_fonts: FontSet) -> None:
    pdf = _pdf(sample_context(DocumentKind.SEAL_LEDGER), system_fonts)
    _assert_margins(pdf, (A4_PORTRAIT[1], A4_PORTRAIT[0]))


def _assert_margins(pdf: pdfplumber.PDF, size: tuple[float, float]) -> None:
    width, height = size
    for page in pdf.pages:
        assert page.width == pytest.approx(width, abs=0.5)
        assert page.height == pytest.approx(height, abs=0.5)
        # The seal is not part of the text block; page numbers sit below it by design.
        body = [c for c in page.chars if not _is_red(c.get("non_stroking_color"))]
        folio = [c for c in body if c["top"] > height - 35 * MM]
        text = [c for c in body if c not in folio]
        assert min(c["x0"] for c in text) >= 28 * MM - TOLERANCE
        assert max(c["x1"] for c in text) <= width - 26 * MM + TOLERANCE
        assert min(c["top"] for c in text) >= 37 * MM - TOLERANCE
        assert max(c["bottom"] for c in text) <= height - 35 * MM + TOLERANCE
        assert re.fullmatch(r"(—\d+—)?", "".join(c["text"] for c in folio).replace(" ", ""))


def test_body_text_is_about_16pt_with_22_lines_a_page(system_fonts: FontSet) -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.DENIAL_DECISION),
        reasons=tuple(
            f"第{i}条理由：申请人提交的材料与实际情况不符，需要说明。" for i in range(30)
        ),
    )
    page = _pdf(context, system_fonts).pages[0]
    sizes = [round(c["size"]) for c in page.chars]
    assert max(set(sizes), key=sizes.count) == 16
    tops = sorted({round(c["top"]) for c in page.chars if round(c["size"]) == 16})
    text_block = 297 - 37 - 35
    assert 20 <= len(tops) <= 23
    assert tops[-1] - tops[-2] == pytest.approx(text_block * MM / 22, abs=1.0)


def _lines_of(page, size: int = 16) -> list[list[dict]]:
    rows: dict[int, list[dict]] = {}
    for c in page.chars:
        if round(c["size"]) == size and not _is_red(c.get("non_stroking_color")):
            rows.setdefault(round(c["top"]), []).append(c)
    return [sorted(row, key=lambda c: c["x0"]) for _top, row in sorted(rows.items())]


def test_body_lines_hold_28_characters_and_fill_the_text_block(system_fonts: FontSet) -> None:
    # GB/T 9704 5.2.3: 28 characters a line, every line but a paragraph's last edge to edge.
    reason = "申请人拟经营场所位于规划确定的居住区内与食品经营场所选址要求不符" * 4
    context = dataclasses.replace(sample_context(DocumentKind.DENIAL_DECISION), reasons=(reason,))
    page = _pdf(context, system_fonts).pages[0]
    left, right = 28 * MM, A4_PORTRAIT[0] - 26 * MM
    full = [row for row in _lines_of(page) if "".join(c["text"] for c in row) in reason * 2
            and len(row) >= 27]
    assert len(full) >= 3
    for row in full[1:-1]:  # the paragraph's inner lines: no indent, not the last
        assert len(row) == 28
        assert row[0]["x0"] == pytest.approx(left, abs=0.5)
        assert row[-1]["x1"] == pytest.approx(right, abs=0.5)


def test_a_justified_line_with_digits_still_ends_at_the_right_edge(system_fonts: FontSet) -> None:
    page = _pdf(sample_context(DocumentKind.DENIAL_DECISION), system_fonts).pages[0]
    right = A4_PORTRAIT[0] - 26 * MM
    rows = _lines_of(page)
    with_digits = [row for row in rows if any(c["text"].isdigit() for c in row)
                   and row[-1]["x1"] > right - 20]
    assert with_digits
    for row in with_digits:
        assert row[-1]["x1"] == pytest.approx(right, abs=0.5)


def test_a_signature_that_would_stand_on_its_own_page_is_kept_by_tighter_lines(
    system_fonts: FontSet,
) -> None:
    # GB/T 9704 7.3.5: where 22 lines a page would leave the signature a page of its
    # own with a line or two, the lines close up (never tighter than 25 a page).
    from app.print_templates.pdf import _build
    from app.print_templates.templates import build_layout

    block = (297 - 37 - 35) * MM
    tightened = 0
    for count in range(1, 9):
        context = dataclasses.replace(
            sample_context(DocumentKind.DENIAL_DECISION),
            reasons=tuple(f"理由{i}：申请材料反映的情况与现场核查情况不一致。" for i in range(count)),
        )
        _, pages_at_22 = _build(build_layout(context), system_fonts, 22)
        pdf = _pdf(context, system_fonts)
        if pages_at_22 == 2 and len(pdf.pages) == 1:
            tightened += 1
            rows = _lines_of(pdf.pages[0])
            gaps = [b[0]["top"] - a[0]["top"] for a, b in zip(rows, rows[1:], strict=False)]
            assert block / 25 - 0.5 <= min(gaps) < block / 22 - 0.5
        else:
            assert len(pdf.pages) == pages_at_22
    assert tightened >= 1


def test_title_is_about_22pt(system_fonts: FontSet) -> None:
    page = _pdf(sample_context(DocumentKind.ACCEPTANCE_NOTICE), system_fonts).pages[0]
    title = [c for c in page.chars if c["text"] in "受理通知书" and c["size"] > 20]
    assert len(title) == 5
    assert title[0]["size"] == pytest.approx(22, abs=0.5)


# ---------------------------------------------------------------- long documents


def test_one_time_notice_lists_every_missing_material_once_across_numbered_pages(
    system_fonts: FontSet,
) -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.ONE_TIME_NOTICE), materials=sample_missing_materials(25)
    )
    pdf = _pdf(context, system_fonts)
    assert len(pdf.pages) >= 3
    text = _pdf_text(pdf)
    for i in range(1, 26):
        assert text.count(f"第{i:02d}项申请材料") == 1
    for number, page in enumerate(pdf.pages, start=1):
        page_text = _compact(page.extract_text())
        assert f"—{number}—" in page_text
        assert "材料名称" in page_text or number == len(pdf.pages)  # header repeats
    _assert_margins(pdf, A4_PORTRAIT)


def test_single_page_document_has_no_page_number(system_fonts: FontSet) -> None:
    pdf = _pdf(sample_context(DocumentKind.ACCEPTANCE_NOTICE), system_fonts)
    assert len(pdf.pages) == 1
    assert "—1—" not in _pdf_text(pdf)


def _body_lines(page) -> list[dict]:
    """Lines of black body-size text (no seal, no captions, no page number)."""
    body = page.filter(
        lambda obj: (
            obj["object_type"] != "char"
            or (obj["size"] > 15 and not _is_red(obj.get("non_stroking_color")))
        )
    )
    return body.extract_text_lines()


def test_signature_never_starts_a_page_alone(system_fonts: FontSet) -> None:
    for count in range(1, 12):
        context = dataclasses.replace(
            sample_context(DocumentKind.DENIAL_DECISION),
            reasons=tuple(
                f"理由{i}：申请材料反映的情况与现场核查情况不一致。" for i in range(count)
            ),
        )
        lines = _body_lines(_pdf(context, system_fonts).pages[-1])
        texts = [_compact(line["text"]) for line in lines]
        assert SAMPLE_AUTHORITY in texts, count
        assert texts.index(SAMPLE_AUTHORITY) >= 1, count


@pytest.mark.parametrize("fonts", ["system", "builtin"], indirect=True)
def test_a_notice_ending_in_a_table_moves_only_its_last_rows_with_the_signature(
    fonts: FontSet,
) -> None:
    # Fees enough that the table and the signature no longer fit under the text.
    fees = tuple(FeeLine(item=f"收费项目{i}", amount_text="10.00元", basis="某价费〔2020〕12号")
                 for i in range(8))
    context = dataclasses.replace(sample_context(DocumentKind.ACCEPTANCE_NOTICE, draft=True),
                                  fees=fees)
    pages = [_compact(page.extract_text() or "") for page in _pdf(context, fonts).pages]
    assert len(pages) == 2
    # The table starts under the text it belongs to; the page is not left half empty.
    assert "受理编号" in pages[0] and "进度查询" in pages[0]
    # Its last row goes over with the authority, so the signature does not stand alone.
    assert "经办人" in pages[1] and SAMPLE_AUTHORITY in pages[1]
    assert "经办人" not in pages[0]


# ---------------------------------------------------------------- seal, draft, QR


@pytest.mark.parametrize("kind", [k for k in DocumentKind if k.requires_seal])
def test_sealed_documents_carry_the_seal_and_drafts_do_not(
    kind: DocumentKind, system_fonts: FontSet
) -> None:
    context = sample_context(kind)
    assert context.seal is not None
    # The counter's notices carry the window's 受理专用章, the decisions the approval seal.
    title = context.seal.appearance.seal_title
    sealed = _pdf(context, system_fonts)
    draft = _pdf(sample_context(kind, draft=True), system_fonts)
    assert _has_seal(sealed)
    assert title in _seal_text(sealed)
    assert not _has_seal(draft)
    assert title not in _seal_text(draft)
    assert title not in _pdf_text(draft)
    assert "草稿" in _pdf_text(draft)
    assert "草稿" not in _pdf_text(sealed)


def test_document_needing_a_seal_is_refused_unsealed_unless_draft() -> None:
    unsealed = dataclasses.replace(sample_context(DocumentKind.ACCEPTANCE_NOTICE), seal=None)
    with pytest.raises(ValueError, match="印章"):
        render_pdf(unsealed)
    with pytest.raises(ValueError, match="印章"):
        render_docx(unsealed)


def test_unsealed_kinds_render_without_a_seal(system_fonts: FontSet) -> None:
    # The one-time notice is sealed with the window's 受理专用章 now, like the others.
    for kind in (DocumentKind.RECEIPT, DocumentKind.SEAL_LEDGER):
        assert not _has_seal(_pdf(sample_context(kind), system_fonts))


def _page_images(data: bytes, dpi: int = 200) -> list:
    try:
        import pypdfium2
    except ImportError:
        pypdfium2 = None
    if pypdfium2 is not None:
        document = pypdfium2.PdfDocument(data)
        return [page.render(scale=dpi / 72).to_pil() for page in document]
    if shutil.which("pdftoppm"):
        from PIL import Image

        png = subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-", "-"],
            input=data,
            capture_output=True,
            check=True,
        ).stdout
        return [Image.open(io.BytesIO(png))]
    pytest.skip("no PDF rasterizer (pypdfium2 or pdftoppm)")


def test_sealed_document_has_a_qr_code_with_case_number_and_verification_code(
    system_fonts: FontSet,
) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    context = sample_context(DocumentKind.ACCEPTANCE_NOTICE)
    images = _page_images(render_pdf(context, fonts=system_fonts))
    found = [r.text for image in images for r in zxingcpp.read_barcodes(image)]
    assert found == [qr_payload(context.seal)]
    assert found[0].startswith(f"{SAMPLE_SERVER}/v/")
    assert parse_verification_url(found[0]) == (SAMPLE_DOCUMENT_ID, SAMPLE_VERIFICATION_CODE)


@pytest.mark.parametrize("server", [
    "",  # offline: counterdesk:v/...
    SAMPLE_SERVER,
    "https://zwfw.qinghexian.hebei.gov.cn:8443/county-service-centre/counterdesk-server",
])
def test_qr_code_decodes_at_the_printed_size_from_a_coarse_scan(
    server: str, builtin_fonts: FontSet
) -> None:
    # 100 dpi, coarser than a cheap office scanner: each module of the 24 mm code is a
    # couple of pixels wide, less than a phone camera sees of the printed page.
    zxingcpp = pytest.importorskip("zxingcpp")
    context = seal_context(
        sample_context(DocumentKind.APPROVAL_DECISION, draft=True),
        appearance=SealAppearance(authority_name=SAMPLE_AUTHORITY, serial="3201250012345"),
        sealed_at_text="2026年11月23日 10:32", document_id=SAMPLE_DOCUMENT_ID,
        verification_code=SAMPLE_VERIFICATION_CODE, verification_base=server,
    )
    images = _page_images(render_pdf(context, fonts=builtin_fonts), dpi=100)
    found = [r.text for image in images for r in zxingcpp.read_barcodes(image)]
    assert found == [qr_payload(context.seal)]
    assert parse_verification_url(found[0]) == (SAMPLE_DOCUMENT_ID, SAMPLE_VERIFICATION_CODE)


def test_draft_has_no_qr_code(system_fonts: FontSet) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    context = sample_context(DocumentKind.ACCEPTANCE_NOTICE, draft=True)
    images = _page_images(render_pdf(context, fonts=system_fonts))
    assert not [r for image in images for r in zxingcpp.read_barcodes(image)]


def test_sealed_pdf_names_its_seal_use_in_the_metadata(system_fonts: FontSet) -> None:
    context = sample_context(DocumentKind.APPROVAL_DECISION)
    pdf = _pdf(context, system_fonts)
    assert pdf.metadata["Title"] == "某某县行政审批局准予行政许可决定书"
    assert pdf.metadata["Subject"] == context.case_number
    assert pdf.metadata["Keywords"] == qr_payload(context.seal)


def test_seal_is_drawn_over_the_authority_and_date(system_fonts: FontSet) -> None:
    page = _pdf(sample_context(DocumentKind.ACCEPTANCE_NOTICE), system_fonts).pages[-1]
    ring = max(
        (c for c in page.curves if _is_red(c.get("stroking_color"))),
        key=lambda c: c["x1"] - c["x0"],
    )
    assert ring["x1"] - ring["x0"] == pytest.approx(42 * MM, abs=2 * MM)
    centre_x = (ring["x0"] + ring["x1"]) / 2
    centre_y = (ring["top"] + ring["bottom"]) / 2
    black = [c for c in page.chars if not _is_red(c.get("non_stroking_color"))]
    date_chars = [
        c
        for c in black
        if c["size"] > 15 and c["top"] > ring["top"] and c["bottom"] < ring["bottom"]
    ]
    date_line = _compact("".join(c["text"] for c in date_chars))
    # The acceptance notice is dated the day it was accepted.
    assert SAMPLE_AUTHORITY in date_line and "2026年11月20日" in date_line
    text_centre = sum(c["top"] + c["bottom"] for c in date_chars) / (2 * len(date_chars))
    assert text_centre > centre_y  # 居印章中心偏下
    assert (
        abs(sum(c["x0"] + c["x1"] for c in date_chars) / (2 * len(date_chars)) - centre_x) < 8 * MM
    )
    assert ring["x1"] > page.width / 2  # lower right


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_same_context_gives_identical_bytes(kind: DocumentKind, fonts: FontSet) -> None:
    context = sample_context(kind)
    assert render_pdf(context, fonts=fonts) == render_pdf(context, fonts=fonts)
    assert render_docx(context, fonts=fonts) == render_docx(context, fonts=fonts)


def test_another_seal_use_gives_other_bytes(system_fonts: FontSet) -> None:
    context = sample_context(DocumentKind.ACCEPTANCE_NOTICE)
    assert context.seal is not None
    later = dataclasses.replace(
        context, seal=dataclasses.replace(context.seal, sealed_at_text="2026年11月23日 15:00")
    )
    assert render_pdf(context, fonts=system_fonts) != render_pdf(later, fonts=system_fonts)


# ---------------------------------------------------------------- Word


def test_docx_is_a4_with_the_gbt9704_margins() -> None:
    section = Document(io.BytesIO(render_docx(sample_context(DocumentKind.RECEIPT)))).sections[0]
    measured = [
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    ]
    assert [round(length.mm, 1) for length in measured] == [210, 297, 37, 35, 28, 26]


def test_docx_sets_28_characters_by_22_lines() -> None:
    document = Document(io.BytesIO(render_docx(sample_context(DocumentKind.RECEIPT))))
    grid = document.sections[0]._sectPr.find(qn("w:docGrid"))
    text_height_pt = (297 - 37 - 35) * 72 / 25.4
    assert int(grid.get(qn("w:linePitch"))) == round(text_height_pt / 22 * 20)
    normal = document.styles["Normal"]
    closing = int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    advance = normal.font.size.pt + closing
    text_width_pt = (210 - 28 - 26) * 72 / 25.4
    assert int(text_width_pt // advance) == 28  # 28 fit, 29 do not


def test_docx_page_numbers_are_dashed_odd_right_even_left() -> None:
    document = Document(io.BytesIO(render_docx(sample_context(DocumentKind.DENIAL_DECISION))))
    section = document.sections[0]
    assert document.settings.odd_and_even_pages_header_footer
    for footer, alignment in ((section.footer, "RIGHT"), (section.even_page_footer, "LEFT")):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment.name == alignment
        xml = paragraph._p.xml
        assert "PAGE" in xml
        assert paragraph.text == "— 1 —"  # the field's placeholder between the dashes


def test_docx_ledger_is_landscape() -> None:
    section = Document(io.BytesIO(render_docx(sample_context(DocumentKind.SEAL_LEDGER)))).sections[
        0
    ]
    assert section.page_width > section.page_height


def _east_asia(run) -> str | None:
    fonts = run._element.rPr.rFonts
    return fonts.get(qn("w:eastAsia"))


def test_docx_names_east_asian_fonts_for_word_and_wps() -> None:
    data = render_docx(sample_context(DocumentKind.ACCEPTANCE_NOTICE))
    document = Document(io.BytesIO(data))
    title = document.paragraphs[0]
    assert title.text == "某某县行政审批局受理通知书"
    assert {_east_asia(r) for r in title.runs} == {DOCX_TITLE_FONT}
    assert title.runs[0].font.size.pt == 22
    body = [p for p in document.paragraphs if p.text.startswith("你（单位）")][0]
    assert {_east_asia(r) for r in body.runs} == {DOCX_BODY_FONT}
    assert body.runs[0].font.size.pt == 16
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(qn("w:eastAsia")) == DOCX_BODY_FONT
    font_table = zipfile.ZipFile(io.BytesIO(data)).read("word/fontTable.xml").decode()
    assert f'w:name="{DOCX_BODY_FONT}"' in font_table and "仿宋" in font_table


def test_docx_table_header_repeats_on_every_page() -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.ONE_TIME_NOTICE), materials=sample_missing_materials(25)
    )
    document = Document(io.BytesIO(render_docx(context)))
    table = next(t for t in document.tables if t.rows[0].cells[1].text == "材料名称")
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    names = [row.cells[1].text for row in table.rows[1:]]
    assert names == [f"第{i:02d}项申请材料" for i in range(1, 26)]


def _media(data: bytes) -> list[str]:
    return [n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("word/media/")]


@pytest.mark.parametrize("kind", sorted(k for k in DocumentKind if k.requires_seal))
def test_word_copy_of_a_sealed_document_has_no_seal_and_names_the_pdf_the_original(
    kind: DocumentKind, fonts: FontSet
) -> None:
    context = sample_context(kind)
    data = render_docx(context, fonts=fonts)
    assert len(_media(data)) == 1  # the QR code, nothing else: no picture of the seal
    assert b"wp:anchor" not in zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    text = _docx_text(data)
    assert "参考副本，不含印章" in text
    assert "以该PDF文件为准" in text
    assert context.seal is not None
    appearance = context.seal.appearance
    assert f"{appearance.authority_name}{appearance.seal_title}" in text
    assert context.seal.verification_code in text
    assert "（印章：" not in text


def test_draft_docx_has_no_pictures(fonts: FontSet) -> None:
    draft = render_docx(sample_context(DocumentKind.APPROVAL_DECISION, draft=True), fonts=fonts)
    assert _media(draft) == []
    assert "草稿" in _docx_text(draft)
    assert "参考副本" not in _docx_text(draft)


def test_every_kind_rasterizes_with_pdftoppm(tmp_path, system_fonts: FontSet) -> None:
    for kind in DocumentKind:
        pdf_path = tmp_path / f"{kind.value}.pdf"
        pdf_path.write_bytes(render_pdf(sample_context(kind), fonts=system_fonts))
        subprocess.run(
            ["pdftoppm", "-r", "30", "-png", str(pdf_path), str(tmp_path / kind.value)],
            check=True,
            capture_output=True,
        )
        assert list(tmp_path.glob(f"{kind.value}-*.png"))


def _boxes_overlap(a: dict, b: dict) -> bool:
    return (
        a["x0"] < b["x1"]
        and b["x0"] < a["x1"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


@pytest.mark.parametrize("authority", ["某某县行政审批局", "某某省某某市某某县行政审批服务管理局"])
def test_qr_caption_never_overlaps_the_signature(authority: str, system_fonts: FontSet) -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.APPROVAL_DECISION, draft=True), authority_name=authority
    )
    context = seal_context(
        context,
        appearance=SealAppearance(authority_name=authority, serial="3201250012345"),
        sealed_at_text="2026年11月23日 10:32",
        document_id=SAMPLE_DOCUMENT_ID,
        verification_code=SAMPLE_VERIFICATION_CODE,
        verification_base=SAMPLE_SERVER,
    )
    page = _pdf(context, system_fonts).pages[-1]
    black = [c for c in page.chars if not _is_red(c.get("non_stroking_color"))]
    caption = [c for c in black if c["size"] < 10]
    signature = [
        c for c in black if c["size"] > 15 and c["top"] > min(x["top"] for x in caption) - 60
    ]
    assert caption and signature
    assert not any(_boxes_overlap(a, b) for a in caption for b in signature)


def test_signature_lines_and_the_date_never_fill_a_page_alone(system_fonts: FontSet) -> None:
    # A receipt whose 签字 lines and signature do not fit under its last paragraph: at
    # least a line of that paragraph goes over with them (GB/T 9704 7.3.5).
    context = sample_context(DocumentKind.RECEIPT, draft=True)
    pdf = _pdf(context, system_fonts)
    assert len(pdf.pages) == 2
    texts = [_compact(line["text"]) for line in _body_lines(pdf.pages[-1])]
    assert SAMPLE_AUTHORITY in texts
    assert texts.index(SAMPLE_AUTHORITY) >= 1  # body text above the signature
    assert "签字" in _compact(pdf.pages[-1].extract_text())


def test_the_receipt_carries_a_rating_qr_code_for_the_applicant(system_fonts: FontSet) -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    url = evaluation_url(SAMPLE_SERVER, "6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f")
    context = dataclasses.replace(sample_context(DocumentKind.RECEIPT), evaluation_url=url)
    data = render_pdf(context, fonts=system_fonts)
    found = [r.text for image in _page_images(data) for r in zxingcpp.read_barcodes(image)]
    assert found == [f"{SAMPLE_SERVER}/pj/6f1c2d3e4a5b4c6d8e7f0a1b2c3d4e5f"]
    text = _compact(_pdf_text(_pdf(context, system_fonts)))
    assert "扫码评价（好差评）" in text and "窗口人员不代为评价" in text
    assert "扫码评价（好差评）" in _docx_text(render_docx(context, fonts=system_fonts))
    plain = sample_context(DocumentKind.RECEIPT)
    assert not [r for image in _page_images(render_pdf(plain, fonts=system_fonts))
                for r in zxingcpp.read_barcodes(image)]
