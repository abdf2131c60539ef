"""The faces the documents are printed in, and which face draws which character.

Every document prints with fonts the program ships (``resources/fonts``: Noto Serif SC
in two weights, a Song face under the SIL Open Font License, and HanaMinB for the rare
characters of CJK extensions B to F), so a machine with no Chinese font at all prints the
same document as any other. Installed faces that fit official documents better come
first where present: the configured path, then 仿宋 for the body, 方正小标宋 or 黑体 for
titles, 宋体 for the seal (the standard Windows files or their Linux/macOS copies).

A face is chosen for each character by glyph coverage: the first face of the chain whose
cmap maps the character draws it (:meth:`FontChain.runs`). Droid Sans Fallback, which has
no Latin letters or digits, or a CFF-only Noto CJK install (reportlab embeds TrueType
outlines only) therefore never blanks a digit: they are simply not in front of the
shipped faces. Every face is embedded; there is no non-embedded CID fallback, which a
bare viewer shows blank. A character no face covers is reported by
:meth:`FontChain.missing`, and the renderers refuse such a document (:class:`MissingGlyphs`).

Word documents do not embed fonts; they name them (:data:`DOCX_BODY_FONT`, ...), with
alternatives in the font table, so Word and WPS pick the intended face.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from app.domain.errors import ValidationError
from app.print_templates import font_subset
from app.resources import resource_path

log = logging.getLogger(__name__)

# Word/WPS face names (w:eastAsia) and the faces to use when those are not installed.
DOCX_BODY_FONT = "仿宋_GB2312"
DOCX_BODY_ALTERNATIVES = ("仿宋", "FangSong", "Noto Serif SC")
DOCX_TITLE_FONT = "方正小标宋简体"
DOCX_TITLE_ALTERNATIVES = ("宋体", "SimSun", "黑体", "SimHei", "Noto Serif SC")
DOCX_LATIN_FONT = "Times New Roman"

SHIPPED_FONTS_DIR = ("resources", "fonts")
SHIPPED_BODY = "NotoSerifSC-Regular.ttf"
SHIPPED_TITLE = "NotoSerifSC-Bold.ttf"
SHIPPED_RARE = "HanaMinB.ttf"
"""CJK extensions B to F (𠮷 and the other rare name characters of GB 18030-2022)."""

# File-name prefixes (lower case), best first, of installed faces that fit official
# documents better than the shipped ones: they go in front of them.
FANGSONG_NAMES = ("fs_gb2312", "仿宋_gb2312", "simfang", "fangsong", "stfangso", "fzfsk", "fzfsjw")
SONG_NAMES = ("simsun", "songti", "stsong", "nsimsun")
TITLE_NAMES = ("fzxbsjw", "方正小标宋", "fzxbs", "simhei", "stheiti")
# Other installed TrueType CJK faces: behind the shipped ones, for coverage only.
OTHER_CJK_NAMES = (
    "uming",
    "ukai",
    "wqy-zenhei",
    "wqy-microhei",
    "msyh",
    "hanamina",
    "droidsansfallback",
)
FONT_SUFFIXES = (".ttf", ".ttc", ".otf")

_CJK_PROBE = "国章"
_NOT_DRAWN = {"Cc", "Cf", "Zl", "Zp"}
"""Control and format characters: nothing to draw, no glyph needed."""


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


def shipped_fonts_dir() -> Path:
    """Where the fonts the program ships are, from source and in the bundle."""
    return resource_path(*SHIPPED_FONTS_DIR)


class MissingGlyphs(ValidationError, ValueError):
    """Characters that no face can draw: the document is refused, never printed blank.

    A domain error, so the screens, the CLI and sync report it like any other refusal
    (and the transaction that would have sealed the document is rolled back)."""

    def __init__(self, characters: str) -> None:
        self.characters = characters
        super().__init__(
            "document.glyphs_missing",
            "下列字符没有可用的字形，文书无法打印，请核对后改用规范汉字或联系管理员配置字体："
            + describe_characters(characters),
            characters=characters,
        )


def describe_characters(characters: str) -> str:
    """``𠀀（U+20000）、☃（U+2603）``: each character with its code point, for messages."""
    return "、".join(f"{ch}（U+{ord(ch):04X}）" for ch in characters)


def needs_glyph(ch: str) -> bool:
    """Whether the character is drawn at all (control and format characters are not)."""
    return unicodedata.category(ch) not in _NOT_DRAWN


@dataclass(frozen=True)
class FontFile:
    """A font file and, for a collection (.ttc), which face in it."""

    path: str
    subfont_index: int = 0


@dataclass(frozen=True)
class FontChain:
    """Faces in order of preference; each character is drawn by the first that has it.

    Faces are loaded only when a character reaches them, so the 30 MB face for rare
    characters costs nothing for a document that has none.
    """

    files: tuple[FontFile, ...]

    @property
    def primary(self) -> str:
        """The registered reportlab name of the first usable face ('' if none)."""
        for font_file in self.files:
            name = _register_ttf(font_file)
            if name:
                return name
        return ""

    @cached_property
    def _faces(self) -> dict[str, str | None]:
        # Per chain, so a lookup does not hash the chain's files for every character.
        return {}

    def face_for(self, ch: str) -> str | None:
        """The registered name of the face that draws ``ch``; None if none can."""
        faces = self._faces
        try:
            return faces[ch]
        except KeyError:
            face = faces[ch] = _face_for(self.files, ch)
            return face

    def missing(self, text: str) -> str:
        """The characters of ``text`` no face has, each once, in order of appearance."""
        seen: dict[str, None] = {}
        for ch in text:
            if ch not in seen and needs_glyph(ch) and self.face_for(ch) is None:
                seen[ch] = None
        return "".join(seen)

    def runs(self, text: str) -> list[tuple[str, str]]:
        """``text`` cut into ``(face, run)`` pieces; characters no face has (which a
        checked document cannot contain) go to the primary face."""
        pieces: list[tuple[str, str]] = []
        fallback = self.primary
        for ch in text:
            face = self.face_for(ch) or fallback
            if pieces and pieces[-1][0] == face:
                pieces[-1] = (face, pieces[-1][1] + ch)
            else:
                pieces.append((face, ch))
        return pieces

    def width(self, text: str, size: float) -> float:
        """The natural width of ``text`` in points, each run in its face."""
        return sum(pdfmetrics.stringWidth(run, face, size) for face, run in self.runs(text))

    def loaded_files(self) -> tuple[FontFile, ...]:
        """The faces of this chain that load, in order (for reports and the self-test)."""
        return tuple(f for f in self.files if _register_ttf(f))


@dataclass(frozen=True)
class FontSet:
    """The face chain of each role: body text, titles and table headers, the seal."""

    body_chain: FontChain
    title_chain: FontChain
    seal_chain: FontChain

    @property
    def body(self) -> str:
        """The body's first face (registered name), for styles that need one name."""
        return self.body_chain.primary

    @property
    def title(self) -> str:
        """The title's first face (registered name)."""
        return self.title_chain.primary

    @property
    def body_file(self) -> FontFile | None:
        """The file of the body's first usable face."""
        loaded = self.body_chain.loaded_files()
        return loaded[0] if loaded else None

    @property
    def title_file(self) -> FontFile | None:
        """The file of the title's first usable face."""
        loaded = self.title_chain.loaded_files()
        return loaded[0] if loaded else None


def resolve_fonts(
    font_path: str | None = None,
    *,
    windows_fonts_dir: Path | None | str = "default",
    search_dirs: Sequence[Path] | None = None,
    shipped_dir: Path | None = None,
) -> FontSet:
    """The font chains for PDF rendering on this machine. Never raises for fonts.

    ``windows_fonts_dir`` and ``search_dirs`` default to this machine's folders, and
    ``shipped_dir`` to the program's own fonts; tests pass their own (an empty list
    means "no system fonts").
    """
    windows = default_windows_fonts_dir() if windows_fonts_dir == "default" else windows_fonts_dir
    dirs = default_search_dirs() if search_dirs is None else tuple(search_dirs)
    shipped = shipped_fonts_dir() if shipped_dir is None else shipped_dir
    return _resolve(
        font_path or None,
        str(windows) if windows else None,
        tuple(str(d) for d in dirs),
        str(shipped),
    )


@lru_cache(maxsize=16)
def _resolve(
    font_path: str | None, windows_dir: str | None, dirs: tuple[str, ...], shipped_dir: str
) -> FontSet:
    configured: list[FontFile] = []
    if font_path:
        if _register_ttf(FontFile(font_path)):
            configured.append(FontFile(font_path))
        else:
            log.warning("configured font %s cannot be used; using the others", font_path)

    installed = list(_windows_candidates(windows_dir)) + list(_scan(dirs))
    fangsong = _first_usable(installed, FANGSONG_NAMES)
    song = _first_usable(installed, SONG_NAMES)
    title = _first_usable(installed, TITLE_NAMES)
    others = _all_usable(installed, OTHER_CJK_NAMES)

    shipped = Path(shipped_dir)
    regular, bold, rare = (
        _shipped(shipped / name) for name in (SHIPPED_BODY, SHIPPED_TITLE, SHIPPED_RARE)
    )
    coverage = [*regular, *rare, *others]
    body = _unique([*configured, *fangsong, *song, *coverage])
    title_chain = _unique([*configured, *title, *bold, *song, *coverage])
    seal = _unique([*song, *bold, *coverage])
    if not body:
        log.error("no usable font at all (shipped fonts missing from %s)", shipped)
    return FontSet(
        body_chain=FontChain(body),
        title_chain=FontChain(title_chain),
        seal_chain=FontChain(seal),
    )


def _unique(files: Iterable[FontFile]) -> tuple[FontFile, ...]:
    return tuple(dict.fromkeys(files))


def _shipped(path: Path) -> list[FontFile]:
    if path.is_file():
        return [FontFile(str(path))]
    log.error("shipped font %s is missing", path)
    return []


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


def _first_usable(candidates: Sequence[Path], names: Sequence[str]) -> list[FontFile]:
    """The best-ranked installed face that loads as TrueType CJK, as a 0- or 1-list."""
    for path in _ranked(candidates, names):
        if _register_ttf(FontFile(str(path))):
            return [FontFile(str(path))]
    return []


def _all_usable(candidates: Sequence[Path], names: Sequence[str]) -> list[FontFile]:
    return [FontFile(str(p)) for p in _ranked(candidates, names) if _register_ttf(FontFile(str(p)))]


@lru_cache(maxsize=4096)
def _face_for(files: tuple[FontFile, ...], ch: str) -> str | None:
    code = ord(ch)
    for font_file in files:
        name = _register_ttf(font_file)
        if name and _covers(name, code):
            return name
    return None


def _covers(name: str, code: int) -> bool:
    font = pdfmetrics.getFont(name)
    return bool(font.face.charToGlyph.get(code))  # glyph 0 is .notdef: drawn blank


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
    except Exception as exc:  # TTFError (CFF outlines), OSError, struct errors from broken files
        log.info("skipping font %s: %s", font_file.path, exc)
        return None
    if not any(font.face.charToGlyph.get(ord(ch)) for ch in _CJK_PROBE):
        # HanaMinB has no BMP ideographs: it is still a CJK face.
        if not any(code >= 0x20000 for code in font.face.charToGlyph):
            log.info("skipping font %s: no Chinese glyphs", font_file.path)
            return None
    # reportlab's subsetter copies the whole 'glyf' table for every subset; ours
    # slices the glyphs a document uses out of the file's bytes.
    font_subset.install(font.face)
    pdfmetrics.registerFont(font)
    return name


def _to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
    """reportlab's ToUnicode CMap, with characters beyond U+FFFF as UTF-16 pairs.

    reportlab writes ``<20BB7>`` for 𠮷, which readers take as U+20BB and a stray 7
    (``₻``); the PDF specification wants the UTF-16BE code units ``<D842DFB7>``.
    """

    def utf16(code: int) -> str:
        return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()

    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo",
        f"<< /Registry ({fontname})",
        f"/Ordering ({fontname})",
        "/Supplement 0",
        ">> def",
        f"/CMapName /{fontname} def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        f"<00> <{len(subset) - 1:02X}>",
        "endcodespacerange",
        f"{len(subset)} beginbfchar",
        *(f"<{i:02X}> <{utf16(code)}>" for i, code in enumerate(subset)),
        "endbfchar",
        "endcmap",
        "CMapName currentdict /CMap defineresource pop",
        "end",
        "end",
    ]
    return "\n".join(lines)


# reportlab looks the function up in its module at embedding time.
ttfonts.makeToUnicodeCMap = _to_unicode_cmap
