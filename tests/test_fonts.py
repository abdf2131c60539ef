"""Every character of every document, on every machine: the four font set-ups.

Each document kind is printed in each set-up of tests/font_setups.py (no fonts at all,
CFF Noto only, Droid Sans Fallback first, a Windows-like TrueType set) and read back:
the characters on the page are exactly the characters of the document, every digit
included, every font is embedded, and rare name characters extract as typed.
"""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from app.domain.errors import DomainError
from app.print_templates import DocumentKind, render_docx, render_pdf, resolve_fonts
from app.print_templates.blocks import Table
from app.print_templates.coverage import layout_texts
from app.print_templates.fonts import (
    SHIPPED_BODY,
    SHIPPED_RARE,
    SHIPPED_TITLE,
    MissingGlyphs,
    shipped_fonts_dir,
)
from app.print_templates.page import DRAFT_LABEL
from app.print_templates.samples import sample_context, sample_missing_materials
from app.print_templates.templates import build_layout

RARE_NAME = "𠮷䶮喆"
"""GB 18030-2022 name characters: CJK extension B, extension A, and a common one."""


def _pdf(data: bytes) -> pdfplumber.PDF:
    return pdfplumber.open(io.BytesIO(data))


def _drawn(data: bytes) -> Counter[str]:
    """Every character on every page, as a reader extracts it (whitespace aside)."""
    with _pdf(data) as pdf:
        return Counter(
            c["text"] for page in pdf.pages for c in page.chars if not c["text"].isspace()
        )


def _expected(context, pages: int) -> Counter[str]:
    """The characters the document must show: every text of its layout, the page
    numbers when there are several pages, the draft marks on every page."""
    layout = build_layout(context)
    expected: Counter[str] = Counter()
    for _role, text in layout_texts(layout):
        times = pages if text == DRAFT_LABEL else 1
        expected.update(ch for ch in text * times if not ch.isspace())
    if pages > 1:
        for number in range(1, pages + 1):
            expected.update(f"—{number}—")
    return expected


def _page_count(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_every_character_of_every_document_reads_back_in_each_font_setup(
    kind: DocumentKind, font_setup
) -> None:
    context = sample_context(kind)
    data = render_pdf(context, fonts=font_setup.fonts())
    drawn, expected = _drawn(data), _expected(context, _page_count(data))
    assert expected - drawn == Counter()  # nothing left out
    # and nothing more, but the table headers repeated on each page of a long table
    headers = "".join(
        column.header
        for block in build_layout(context).blocks
        if isinstance(block, Table)
        for column in block.columns
    )
    assert set(drawn - expected) <= set(headers)


@pytest.mark.parametrize("kind", [DocumentKind.ACCEPTANCE_NOTICE, DocumentKind.RECEIPT])
def test_numbers_read_back_whole_in_each_font_setup(kind: DocumentKind, font_setup) -> None:
    context = sample_context(kind)
    with _pdf(render_pdf(context, fonts=font_setup.fonts())) as pdf:
        text = re.sub(r"\s+", "", "".join(page.extract_text() for page in pdf.pages))
    for value in (
        context.document_number,
        context.case_number,
        context.date_text,
        context.window_phone,
        context.applicant_id_masked,
    ):
        assert value and value in text


def test_a_draft_reads_back_in_each_font_setup(font_setup) -> None:
    context = sample_context(DocumentKind.APPROVAL_DECISION, draft=True)
    data = render_pdf(context, fonts=font_setup.fonts())
    assert _drawn(data) == _expected(context, _page_count(data))


def test_rare_name_characters_print_and_extract_as_typed(font_setup) -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.ACCEPTANCE_NOTICE), applicant_name=f"{RARE_NAME}张三"
    )
    with _pdf(render_pdf(context, fonts=font_setup.fonts())) as pdf:
        text = re.sub(r"\s+", "", pdf.pages[0].extract_text())
        faces = {c["text"]: c["fontname"] for c in pdf.pages[0].chars}
    assert f"{RARE_NAME}张三：" in text
    assert faces["𠮷"].endswith("HanaMinB")


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_every_font_is_embedded_in_each_font_setup(kind: DocumentKind, font_setup) -> None:
    _assert_embedded(render_pdf(sample_context(kind), fonts=font_setup.fonts()))


def test_a_table_across_pages_embeds_every_font(font_setup) -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.ONE_TIME_NOTICE), materials=sample_missing_materials(25)
    )
    data = render_pdf(context, fonts=font_setup.fonts())
    assert _page_count(data) >= 3
    _assert_embedded(data)
    drawn = _drawn(data)
    assert expected_digits(context) - drawn == Counter()


def expected_digits(context) -> Counter[str]:
    layout = build_layout(context)
    return Counter(ch for _role, text in layout_texts(layout) for ch in text if ch.isdigit())


def _assert_embedded(data: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(data))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[font["/BaseFont"]] = font
    assert fonts
    for name, font in fonts.items():
        assert font["/Subtype"] == "/TrueType", name
        assert "/FontFile2" in font["/FontDescriptor"], f"{name} is not embedded"


def test_windows_faces_draw_the_text_they_have_and_the_shipped_ones_the_rest(
    font_setups,
) -> None:
    fonts = font_setups["windows"].fonts()
    context = dataclasses.replace(
        sample_context(DocumentKind.ACCEPTANCE_NOTICE), applicant_name=f"{RARE_NAME}张三"
    )
    with _pdf(render_pdf(context, fonts=fonts)) as pdf:
        chars = pdf.pages[0].chars
    face_of = {
        c["text"]: c["fontname"].split("+")[-1] for c in chars if round(c["size"]) == 16
    }  # body text, not the seal's
    title = [c["fontname"].split("+")[-1] for c in chars if c["size"] > 20 and c["top"] < 150]
    assert set(title) == {"SimHei"}  # 黑体 before the shipped bold Song for titles
    assert face_of["受"] == face_of["2"] == "FangSong"  # 仿宋 body, digits included
    assert face_of["䶮"] == "NotoSerifSC-Regular"  # not in GB 2312
    assert face_of["𠮷"] == "HanaMinB"


@pytest.mark.parametrize("setup", ["bare", "cff", "droid"])
def test_without_official_faces_the_shipped_song_prints_everything(setup, font_setups) -> None:
    with _pdf(
        render_pdf(sample_context(DocumentKind.RECEIPT), fonts=font_setups[setup].fonts())
    ) as pdf:
        faces = {c["fontname"].split("+")[-1] for page in pdf.pages for c in page.chars}
    assert faces == {"NotoSerifSC-Regular", "NotoSerifSC-Bold"}


def test_droid_sans_fallback_never_draws_a_digit(font_setups) -> None:
    fonts = font_setups["droid"].fonts()
    assert all("droid" not in fonts.body_chain.face_for(d).lower() for d in "0123456789")


def test_a_character_no_face_has_is_refused_with_its_name(font_setup) -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.ACCEPTANCE_NOTICE), applicant_name="张三\U0001f600"
    )
    for render in (render_pdf, render_docx):
        with pytest.raises(MissingGlyphs) as refused:
            render(context, fonts=font_setup.fonts())
        assert refused.value.characters == "\U0001f600"
        assert "U+1F600" in refused.value.message
        assert isinstance(refused.value, DomainError)


def test_without_the_shipped_fonts_every_document_is_refused(tmp_path: Path) -> None:
    fonts = resolve_fonts(search_dirs=[], windows_fonts_dir=None, shipped_dir=tmp_path)
    with pytest.raises(MissingGlyphs):
        render_pdf(sample_context(DocumentKind.RECEIPT), fonts=fonts)


def test_a_configured_font_goes_first(font_setups) -> None:
    chosen = font_setups["windows"].windows_dir / "simsun.ttc"
    fonts = resolve_fonts(str(chosen), search_dirs=[], windows_fonts_dir=None)
    assert Path(fonts.body_chain.files[0].path) == chosen
    assert fonts.body_chain.face_for("受") == fonts.body


def test_a_broken_configured_font_is_skipped(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"not a font")
    fonts = resolve_fonts(str(broken), search_dirs=[], windows_fonts_dir=None)
    assert Path(fonts.body_file.path).name == SHIPPED_BODY
    assert render_pdf(sample_context(DocumentKind.RECEIPT), fonts=fonts).startswith(b"%PDF")


def test_cff_fonts_are_never_chosen_for_embedding(font_setups) -> None:
    fonts = font_setups["cff"].fonts()
    for chain in (fonts.body_chain, fonts.title_chain, fonts.seal_chain):
        assert all(Path(f.path).suffix == ".ttf" for f in chain.loaded_files())


def test_the_shipped_fonts_come_with_their_licences() -> None:
    folder = shipped_fonts_dir()
    for name in (SHIPPED_BODY, SHIPPED_TITLE, SHIPPED_RARE):
        assert (folder / name).is_file()
    licences = [p.read_text(encoding="utf-8") for p in folder.glob("*LICENSE*")] + [
        p.read_text(encoding="utf-8") for p in folder.glob("OFL*")
    ]
    assert (
        sum("SIL Open Font License" in text or "Open-Font-License" in text for text in licences)
        >= 2
    )


def test_the_rare_character_face_loads_only_when_a_document_needs_it() -> None:
    # In a fresh process: reportlab's font registry is global to the process.
    script = (
        "import dataclasses;"
        "from reportlab.pdfbase import pdfmetrics;"
        "from app.print_templates import DocumentKind, render_pdf, resolve_fonts;"
        "from app.print_templates.samples import sample_context, sample_missing_materials;"
        "fonts = resolve_fonts(search_dirs=[], windows_fonts_dir=None);"
        "render_pdf(sample_context(DocumentKind.RECEIPT), fonts=fonts);"
        "before = any('HanaMinB' in n for n in pdfmetrics.getRegisteredFontNames());"
        "c = dataclasses.replace(sample_context(DocumentKind.RECEIPT), applicant_name='𠮷');"
        "render_pdf(c, fonts=fonts);"
        "after = any('HanaMinB' in n for n in pdfmetrics.getRegisteredFontNames());"
        "print(before, after)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert result.stdout.split() == ["False", "True"]


# ---------------------------------------------------------------- subsetting


def _font_with_composite_glyphs(path: Path) -> Path:
    """A small TrueType font whose accented letters are composite glyphs (offsets in
    bytes and in words, a scale, a 2x2 transform, a component that is itself composite)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    glyphs: dict[str, object] = {}

    def box(width: int, height: int) -> object:
        pen = TTGlyphPen(glyphs)
        pen.moveTo((0, 0))
        pen.lineTo((0, height))
        pen.lineTo((width, height))
        pen.lineTo((width, 0))
        pen.closePath()
        return pen.glyph()

    def composite(*parts: tuple[str, tuple[float, ...]]) -> object:
        pen = TTGlyphPen(glyphs)
        for name, transform in parts:
            pen.addComponent(name, transform)
        return pen.glyph()

    glyphs[".notdef"] = box(500, 700)
    glyphs["A"] = box(600, 700)
    glyphs["acute"] = box(200, 100)
    glyphs["Aacute"] = composite(("A", (1, 0, 0, 1, 0, 0)), ("acute", (1, 0, 0, 1, 200, 75)))
    glyphs["Abig"] = composite(("A", (1.5, 0, 0, 1.5, 0, 0)), ("acute", (1, 0, 0, 1, 900, 2000)))
    glyphs["Ascaled"] = composite(("A", (0.5, 0, 0, 0.8, 0, 0)))
    glyphs["Aslant"] = composite(("Aacute", (1, 0.2, 0.1, 1, 0, 0)))
    glyphs["uni56FD"] = box(1000, 880)
    order = list(glyphs)
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(
        {0x41: "A", 0xB4: "acute", 0xC1: "Aacute", 0xC2: "Abig", 0xC3: "Aslant", 0xC4: "Ascaled",
         0x56FD: "uni56FD"}
    )
    builder.setupGlyf(glyphs)
    advances = {name: (1000 if name == "uni56FD" else 600, 0) for name in order}
    builder.setupHorizontalMetrics(advances)
    builder.setupHorizontalHeader(ascent=880, descent=-120)
    builder.setupNameTable({"familyName": "Composite Test", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(str(path))
    return path


def test_our_subsets_are_the_bytes_reportlab_makes(tmp_path: Path) -> None:
    from reportlab.pdfbase.ttfonts import TTFont, TTFontFile

    from app.print_templates.font_subset import make_subset

    made = _font_with_composite_glyphs(tmp_path / "composite.ttf")
    shipped = shipped_fonts_dir() / SHIPPED_BODY
    for path, text in ((made, "ÃÄÂÁA´国"), (shipped, "受理通知书ABC0123，。（）𠮷")):
        face = TTFont("subset-test", str(path)).face
        subset = [ord(ch) for ch in text]
        assert make_subset(face, subset) == TTFontFile.makeSubset(face, subset)


def test_every_face_is_subset_by_our_subsetter(font_setup) -> None:
    from reportlab.pdfbase import pdfmetrics

    fonts = font_setup.fonts()
    for chain in (fonts.body_chain, fonts.title_chain, fonts.seal_chain):
        for name in {chain.face_for(ch) for ch in "受理A1"} - {None}:
            assert "makeSubset" in vars(pdfmetrics.getFont(name).face)
