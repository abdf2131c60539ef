"""Finding a Chinese font on whatever machine the counter runs on.

Order: the path from settings, then the standard Windows fonts (仿宋, 宋体, 黑体 in
``%WINDIR%\\Fonts``), then TrueType CJK fonts under the usual Linux/macOS font folders
(WenQuanYi, AR PL UMing/UKai, ...). reportlab embeds only TrueType outlines, so CFF
fonts (most ``.otf`` files and the Noto/Source Han ``.ttc`` collections) are tried and
skipped. When nothing loads, reportlab's built-in CID font ``STSong-Light`` is used: it
is not embedded, but every PDF viewer has a Song face for it, and the text stays
extractable. No missing or broken font ever raises.

Word documents do not embed fonts; they name them (:data:`DOCX_BODY_FONT`, ...), with
alternatives in the font table, so Word and WPS pick the intended face.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

CID_FALLBACK = "STSong-Light"

# Word/WPS face names (w:eastAsia) and the faces to use when those are not installed.
DOCX_BODY_FONT = "仿宋_GB2312"
DOCX_BODY_ALTERNATIVES = ("仿宋", "FangSong")
DOCX_TITLE_FONT = "方正小标宋简体"
DOCX_TITLE_ALTERNATIVES = ("宋体", "SimSun", "黑体", "SimHei")
DOCX_LATIN_FONT = "Times New Roman"

# File-name prefixes (lower case), best first. Body text wants a FangSong face, titles a
# 小标宋/黑体 face; any CJK face beats the CID fallback.
BODY_FONT_NAMES = (
    "fs_gb2312",
    "仿宋_gb2312",
    "simfang",
    "fangsong",
    "stfangso",
    "fzfsk",
    "fzfsjw",
    "simsun",
    "songti",
    "stsong",
    "uming",
    "ukai",
    "wqy-microhei",
    "wqy-zenhei",
    "simhei",
    "msyh",
    "droidsansfallback",
    "notoserifcjk",
    "notosanscjk",
    "sourcehanserif",
    "sourcehansans",
)
TITLE_FONT_NAMES = (
    "fzxbsjw",
    "方正小标宋",
    "simhei",
    "stheiti",
    "simsun",
    "songti",
    "wqy-zenhei",
    "wqy-microhei",
    "uming",
    "ukai",
    "simfang",
    "msyh",
    "droidsansfallback",
    "notoserifcjk",
    "notosanscjk",
    "sourcehanserif",
    "sourcehansans",
)
FONT_SUFFIXES = (".ttf", ".ttc", ".otf")

_CJK_PROBE = "国章"


def default_windows_fonts_dir() -> Path | None:
    """``%WINDIR%\\Fonts`` on Windows; None elsewhere."""
    windir = os.environ.get("WINDIR") or os.environ.get("SystemRoot")
    if windir:
        return Path(windir) / "Fonts"
    if sys.platform == "win32":
        return Path("C:/Windows/Fonts")
    return None


def default_search_dirs() -> tuple[Path, ...]:
    """The usual font folders of Linux and macOS, system and user."""
    home = Path.home()
    return (
        Path("/usr/share/fonts"),
        Path("/usr/local/share/fonts"),
        home / ".local/share/fonts",
        home / ".fonts",
        Path("/Library/Fonts"),
        Path("/System/Library/Fonts"),
        home / "Library/Fonts",
    )


@dataclass(frozen=True)
class FontFile:
    """A font file and, for a collection (.ttc), which face in it."""

    path: str
    subfont_index: int = 0


@dataclass(frozen=True)
class FontSet:
    """The registered reportlab font names to use, and the files behind them."""

    body: str
    title: str
    body_file: FontFile | None
    title_file: FontFile | None
    raster_file: FontFile | None
    """A CJK font Pillow can draw the seal with (may be CFF); None if there is none."""

    @property
    def embedded(self) -> bool:
        """False when falling back to the (non-embedded) STSong-Light CID font."""
        return self.body_file is not None


def resolve_fonts(
    font_path: str | None = None,
    *,
    windows_fonts_dir: Path | None | str = "default",
    search_dirs: Sequence[Path] | None = None,
) -> FontSet:
    """Find, load and register the fonts for PDF rendering. Never raises for fonts.

    ``windows_fonts_dir`` and ``search_dirs`` default to this machine's folders; tests
    pass their own (an empty list means "no system fonts").
    """
    windows = default_windows_fonts_dir() if windows_fonts_dir == "default" else windows_fonts_dir
    dirs = default_search_dirs() if search_dirs is None else tuple(search_dirs)
    return _resolve(
        font_path or None,
        str(windows) if windows else None,
        tuple(str(d) for d in dirs),
    )


@lru_cache(maxsize=16)
def _resolve(font_path: str | None, windows_dir: str | None, dirs: tuple[str, ...]) -> FontSet:
    body_name = title_name = None
    body_file = title_file = None
    if font_path:
        explicit = FontFile(font_path)
        name = _register_ttf(explicit)
        if name:
            body_name = title_name = name
            body_file = title_file = explicit
        else:
            log.warning("configured font %s cannot be used; looking for another", font_path)

    candidates = list(_windows_candidates(windows_dir)) + list(_scan(dirs))
    if body_name is None:
        body_file, body_name = _first_loadable(candidates, BODY_FONT_NAMES)
    found_file, found_name = _first_loadable(candidates, TITLE_FONT_NAMES)
    if found_name:
        title_file, title_name = found_file, found_name
    if body_name is None:
        log.warning("no TrueType CJK font found; using the built-in %s", CID_FALLBACK)
        _register_cid()
        return FontSet(
            body=CID_FALLBACK,
            title=CID_FALLBACK,
            body_file=None,
            title_file=None,
            raster_file=_first_rasterizable(candidates),
        )
    if title_name is None:
        title_name, title_file = body_name, body_file
    return FontSet(
        body=body_name,
        title=title_name,
        body_file=body_file,
        title_file=title_file,
        raster_file=title_file or body_file,
    )


def _windows_candidates(windows_dir: str | None) -> Iterable[Path]:
    if not windows_dir:
        return ()
    try:
        return sorted(p for p in Path(windows_dir).iterdir() if p.suffix.lower() in FONT_SUFFIXES)
    except OSError:
        return ()


def _scan(dirs: Sequence[str]) -> list[Path]:
    found: list[Path] = []
    for root in dirs:
        for folder, _subdirs, files in os.walk(root):
            found.extend(
                Path(folder) / f for f in sorted(files) if f.lower().endswith(FONT_SUFFIXES)
            )
    return found


def _ranked(candidates: Sequence[Path], names: Sequence[str]) -> list[Path]:
    ranked: list[Path] = []
    for prefix in names:
        ranked.extend(p for p in candidates if p.name.lower().startswith(prefix))
    return ranked


def _first_loadable(
    candidates: Sequence[Path], names: Sequence[str]
) -> tuple[FontFile | None, str | None]:
    for path in _ranked(candidates, names):
        font_file = FontFile(str(path))
        name = _register_ttf(font_file)
        if name:
            return font_file, name
    return None, None


def _first_rasterizable(candidates: Sequence[Path]) -> FontFile | None:
    """Any CJK font Pillow can open (it reads CFF too), for drawing the seal picture."""
    try:
        from PIL import ImageFont
    except ImportError:  # pragma: no cover - Pillow comes with reportlab
        return None
    for path in _ranked(candidates, BODY_FONT_NAMES):
        try:
            ImageFont.truetype(str(path), 24, index=0)
        except OSError:
            continue
        return FontFile(str(path))
    return None


@lru_cache(maxsize=64)
def _register_ttf(font_file: FontFile) -> str | None:
    """Register a TrueType font with reportlab; None if it cannot be used for Chinese."""
    # The file name for readability, a hash of the path so two files of the same name
    # (a settings font and a system font) never share a registration.
    where = hashlib.sha1(font_file.path.encode("utf-8")).hexdigest()[:8]
    name = f"CD-{Path(font_file.path).name}-{font_file.subfont_index}-{where}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    try:
        font = TTFont(name, font_file.path, subfontIndex=font_file.subfont_index)
    except Exception as exc:  # TTFError, OSError, struct errors from broken files
        log.info("skipping font %s: %s", font_file.path, exc)
        return None
    if any(ord(ch) not in font.face.charToGlyph for ch in _CJK_PROBE):
        log.info("skipping font %s: no Chinese glyphs", font_file.path)
        return None
    pdfmetrics.registerFont(font)
    return name


def _register_cid() -> None:
    if CID_FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
