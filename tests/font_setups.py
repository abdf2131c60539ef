"""The four font set-ups every document is tested in, made without the machine's fonts.

- ``bare``: no font installed at all, only what the program ships;
- ``cff``: only Noto CJK in CFF outlines (Debian's fonts-noto-cjk), which reportlab cannot
  embed;
- ``droid``: Droid Sans Fallback first (Debian's fonts-droid-fallback), which has Chinese
  but no Latin letters or digits;
- ``windows``: a Windows-like TrueType set (simfang.ttf, simhei.ttf, simsun.ttc) in
  ``%WINDIR%\\Fonts``, covering the common characters only, as the real ones do.

Each installed font is the real file where this machine has it (.ci/run installs the
Debian packages), and otherwise a stand-in made here from the shipped Noto Serif SC with
fontTools: same outline format, same coverage gaps, same file names. So the suite passes,
and means the same, on a machine with any fonts or none.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTFont

from app.print_templates.fonts import SHIPPED_BODY, FontSet, resolve_fonts, shipped_fonts_dir

SETUPS = ("bare", "cff", "droid", "windows")

REAL_CFF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
REAL_DROID = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")


def common_hanzi(last_row: int = 0xD7) -> str:
    """The characters of GB 2312 up to ``last_row`` (level 1, 3,755 characters, by
    default; 0xF7 for all 6,763): what older Windows faces cover, give or take."""
    chars = []
    for high in range(0xB0, last_row + 1):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def _punctuation() -> str:
    return "，。、；：？！（）“”‘’《》〔〕【】—…·％"


def _subset(source: Path, target: Path, text: str, family: str) -> Path:
    font = TTFont(str(source), recalcBBoxes=False)
    options = subset.Options()
    options.recalc_bounds = False
    options.layout_features = []
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    _rename(font, family)
    font.save(str(target))
    return target


def _rename(font: TTFont, family: str) -> None:
    name = font["name"]
    for record in list(name.names):
        if record.nameID in (1, 3, 4, 6, 16, 17):
            name.removeNames(nameID=record.nameID)
    name.setName(family, 1, 3, 1, 0x409)
    name.setName("Regular", 2, 3, 1, 0x409)
    name.setName(family, 3, 3, 1, 0x409)
    name.setName(family, 4, 3, 1, 0x409)
    name.setName(family.replace(" ", ""), 6, 3, 1, 0x409)


def _to_cff(source: Path, target: Path, family: str) -> Path:
    """The same glyphs with PostScript (CFF) outlines, as Noto CJK ships them."""
    font = TTFont(str(source), recalcBBoxes=False)
    glyph_set = font.getGlyphSet()
    order = font.getGlyphOrder()
    charstrings = {}
    for glyph_name in order:
        pen = T2CharStringPen(glyph_set[glyph_name].width, glyph_set)
        glyph_set[glyph_name].draw(pen)
        charstrings[glyph_name] = pen.getCharString()
    builder = FontBuilder(font["head"].unitsPerEm, isTTF=False)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(font.getBestCmap())
    builder.setupCFF(family.replace(" ", ""), {"FullName": family}, charstrings, {})
    builder.setupHorizontalMetrics({g: font["hmtx"][g] for g in order})
    builder.setupHorizontalHeader(ascent=font["hhea"].ascent, descent=font["hhea"].descent)
    builder.setupNameTable({"familyName": family, "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    builder.save(str(target))
    return target


@dataclass(frozen=True)
class FontSetup:
    """A set-up: the folders the font search sees, and what it stands for."""

    name: str
    search_dirs: tuple[Path, ...]
    windows_dir: Path | None

    def fonts(self) -> FontSet:
        return resolve_fonts(search_dirs=list(self.search_dirs), windows_fonts_dir=self.windows_dir)


def make_setups(root: Path) -> dict[str, FontSetup]:
    """Build the four set-ups under ``root`` (once a session: subsetting takes seconds)."""
    common = common_hanzi()
    few = common[:400]  # enough for the stand-ins that are only skipped or passed over
    latin = "".join(chr(c) for c in range(0x20, 0x7F))
    work = root / "work"
    work.mkdir(parents=True)
    # One pass over the 15 MB shipped face; the stand-ins are cut from this subset.
    shipped = _subset(
        shipped_fonts_dir() / SHIPPED_BODY,
        work / "common.ttf",
        common + latin + _punctuation(),
        "Common Song",
    )

    bare = root / "bare"
    bare.mkdir()

    cff = root / "cff" / "opentype" / "noto"
    cff.mkdir(parents=True)
    if REAL_CFF.is_file():
        shutil.copy(REAL_CFF, cff / REAL_CFF.name)
    else:
        small = _subset(shipped, work / "few.ttf", few + latin + _punctuation(), "Few")
        _to_cff(small, cff / "NotoSerifCJKsc-Regular.otf", "Noto Serif CJK SC")

    droid = root / "droid" / "truetype" / "droid"
    droid.mkdir(parents=True)
    if REAL_DROID.is_file():
        shutil.copy(REAL_DROID, droid / REAL_DROID.name)
    else:
        # Chinese and its punctuation, no Latin letters or digits: the trap of the real one.
        _subset(
            shipped,
            droid / "DroidSansFallbackFull.ttf",
            few + _punctuation(),
            "Droid Sans Fallback",
        )

    windows = root / "windows" / "Fonts"
    windows.mkdir(parents=True)
    for file_name, family in (
        ("simfang.ttf", "FangSong"),
        ("simhei.ttf", "SimHei"),
        ("simsun.ttc", "SimSun"),
    ):
        with TTFont(str(shipped), lazy=True, recalcBBoxes=False) as font:
            _rename(font, family)
            font.save(str(windows / file_name))

    return {
        "bare": FontSetup("bare", (bare,), None),
        "cff": FontSetup("cff", (root / "cff",), None),
        "droid": FontSetup("droid", (root / "droid",), None),
        "windows": FontSetup("windows", (), windows),
    }
