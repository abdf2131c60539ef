"""The check before any document is issued, sealed or saved: every character has a glyph.

Both renderers call :func:`check_layout` first, so a document with a character that no
face can draw is refused with the characters named (:class:`MissingGlyphs`), and a
sealed document with blanks can never exist. The self-test runs the same check.
"""

from __future__ import annotations

from collections.abc import Iterator

from app.print_templates.blocks import (
    Addressee,
    DocumentNumberLine,
    InfoTable,
    Layout,
    Note,
    NumberedList,
    Para,
    Signature,
    SignLines,
    Table,
    Title,
    qr_caption,
)
from app.print_templates.fonts import FontChain, FontSet, MissingGlyphs
from app.print_templates.page import DRAFT_BANNER, DRAFT_LABEL

PAGE_NUMBER_CHARACTERS = "— 0123456789"


def layout_texts(layout: Layout) -> Iterator[tuple[str, str]]:
    """Every text the renderers draw, with the role of its face (body, title, seal):
    each once, though the draft label is drawn on every page. Page numbers aside."""
    if layout.draft:
        yield "title", DRAFT_BANNER
        yield "title", DRAFT_LABEL
    for block in layout.blocks:
        match block:
            case Title(text):
                yield "title", text
            case DocumentNumberLine(text) | Addressee(text) | Para(text) | Note(text):
                yield "body", text
            case NumberedList(items):
                yield from (("body", f"{i}．{item}") for i, item in enumerate(items, 1))
            case InfoTable(rows):
                for pairs in rows:
                    for label, value in pairs:
                        yield "body", label + value
            case Table(columns, rows):
                yield from (("title", column.header) for column in columns)
                yield from (("body", value) for row in rows for value in row)
            case Signature(authority, date_text, link):
                yield "body", authority + date_text
                if link is not None:
                    yield from (("body", line) for line in link.caption)
            case SignLines(labels):
                yield from (("body", label) for label in labels)
    if layout.seal is not None:
        appearance = layout.seal.appearance
        yield "seal", appearance.authority_name + appearance.seal_title + appearance.serial
        yield from (("body", line) for line in qr_caption(layout.seal))


def missing_characters(layout: Layout, fonts: FontSet) -> str:
    """The characters of ``layout`` that the face chain of their role cannot draw."""
    chains: dict[str, FontChain] = {
        "body": fonts.body_chain,
        "title": fonts.title_chain,
        "seal": fonts.seal_chain,
    }
    missing: dict[str, None] = {}
    for role, text in (*layout_texts(layout), ("body", PAGE_NUMBER_CHARACTERS)):
        for ch in chains[role].missing(text):
            missing.setdefault(ch)
    return "".join(missing)


def check_layout(layout: Layout, fonts: FontSet) -> None:
    """Raise :class:`MissingGlyphs` naming every character no face can draw."""
    missing = missing_characters(layout, fonts)
    if missing:
        raise MissingGlyphs(missing)
