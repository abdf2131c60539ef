"""Finding a Chinese font: settings, Windows, Linux, and the built-in fallback."""

from __future__ import annotations

import io
from pathlib import Path

import pdfplumber
import pytest

from app.print_templates import DocumentKind, render_pdf, resolve_fonts
from app.print_templates.fonts import CID_FALLBACK, default_search_dirs
from app.print_templates.samples import sample_context

SYSTEM_TTF_NAMES = ("uming", "ukai", "wqy-zenhei", "wqy-microhei", "simfang", "simsun", "simhei")


def _system_truetype_cjk_font() -> Path:
    for folder in default_search_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in (".ttf", ".ttc") and path.name.lower().startswith(
                SYSTEM_TTF_NAMES
            ):
                return path
    pytest.skip("no TrueType CJK font installed to copy from")


@pytest.fixture(scope="module")
def cjk_font() -> Path:
    return _system_truetype_cjk_font()


def _fonts_used(pdf_bytes: bytes) -> set[str]:
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        return {c["fontname"] for page in pdf.pages for c in page.chars}


def test_without_any_cjk_font_falls_back_to_builtin_stsong(tmp_path: Path) -> None:
    fonts = resolve_fonts(search_dirs=[tmp_path], windows_fonts_dir=tmp_path / "Fonts")
    assert fonts.body == fonts.title == CID_FALLBACK
    assert not fonts.embedded
    data = render_pdf(sample_context(DocumentKind.ACCEPTANCE_NOTICE), fonts=fonts)
    assert all("STSong" in name for name in _fonts_used(data))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
    assert "受理通知书" in text and "某某县张记餐饮有限公司" in text


def test_windows_fonts_are_found_in_windir(tmp_path: Path, cjk_font: Path) -> None:
    windows = tmp_path / "Fonts"
    windows.mkdir()
    (windows / "SIMFANG.TTF").symlink_to(cjk_font)
    (windows / "simhei.ttf").symlink_to(cjk_font)
    fonts = resolve_fonts(search_dirs=[], windows_fonts_dir=windows)
    assert fonts.embedded
    assert Path(fonts.body_file.path).name == "SIMFANG.TTF"
    assert Path(fonts.title_file.path).name == "simhei.ttf"


def test_windir_environment_variable_points_at_the_fonts(
    tmp_path: Path, cjk_font: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "Fonts").mkdir()
    (tmp_path / "Fonts" / "simsun.ttc").symlink_to(cjk_font)
    monkeypatch.setenv("WINDIR", str(tmp_path))
    fonts = resolve_fonts(search_dirs=[])
    assert Path(fonts.body_file.path).name == "simsun.ttc"


def test_linux_fonts_are_found_in_nested_folders(tmp_path: Path, cjk_font: Path) -> None:
    nested = tmp_path / "truetype" / "cjk"
    nested.mkdir(parents=True)
    (nested / cjk_font.name).symlink_to(cjk_font)
    fonts = resolve_fonts(search_dirs=[tmp_path], windows_fonts_dir=None)
    assert fonts.embedded
    assert fonts.body_file.path == str(nested / cjk_font.name)


def test_font_from_settings_wins(tmp_path: Path, cjk_font: Path) -> None:
    chosen = tmp_path / "my-font.ttf"
    chosen.symlink_to(cjk_font)
    fonts = resolve_fonts(str(chosen), search_dirs=[], windows_fonts_dir=None)
    assert fonts.body_file.path == str(chosen)
    assert fonts.body.startswith("CD-my-font.ttf-0")
    used = _fonts_used(render_pdf(sample_context(DocumentKind.RECEIPT), fonts=fonts))
    assert used and not any("STSong" in name for name in used)


def test_broken_font_from_settings_is_skipped_without_crashing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"this is not a font")
    fonts = resolve_fonts(str(broken), search_dirs=[], windows_fonts_dir=None)
    assert fonts.body == CID_FALLBACK
    assert render_pdf(sample_context(DocumentKind.RECEIPT), fonts=fonts).startswith(b"%PDF")


def test_missing_font_from_settings_is_skipped_without_crashing(tmp_path: Path) -> None:
    fonts = resolve_fonts(str(tmp_path / "nowhere.ttf"), search_dirs=[], windows_fonts_dir=None)
    assert fonts.body == CID_FALLBACK


def test_font_without_chinese_glyphs_is_skipped(tmp_path: Path) -> None:
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin.exists():
        pytest.skip("DejaVu Sans not installed")
    (tmp_path / "simfang.ttf").symlink_to(latin)
    fonts = resolve_fonts(search_dirs=[tmp_path], windows_fonts_dir=None)
    assert fonts.body == CID_FALLBACK


def test_postscript_outline_fonts_are_skipped_for_pdf(tmp_path: Path) -> None:
    cff = next(
        (p for d in default_search_dirs() if d.is_dir() for p in sorted(d.rglob("NotoSerifCJK*"))),
        None,
    )
    if cff is None:
        pytest.skip("no Noto CJK (CFF) font installed")
    (tmp_path / cff.name).symlink_to(cff)
    fonts = resolve_fonts(search_dirs=[tmp_path], windows_fonts_dir=None)
    assert fonts.body == CID_FALLBACK  # reportlab cannot embed CFF outlines
    assert fonts.raster_file is not None  # but Pillow can draw the seal with it


def test_missing_search_folders_are_fine(tmp_path: Path) -> None:
    fonts = resolve_fonts(search_dirs=[tmp_path / "absent"], windows_fonts_dir=tmp_path / "none")
    assert fonts.body == CID_FALLBACK
