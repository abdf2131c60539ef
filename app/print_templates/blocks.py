"""The vocabulary templates speak and renderers understand.

A template turns a :class:`DocumentContext` into a :class:`Layout`: a title and a list of
blocks. Each renderer (PDF, Word) knows how to lay out every block type once, so a new
document is a new template, never a new renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from app.print_templates.context import SealMark


@dataclass(frozen=True)
class Title:
    """The document's name, centred, in the title face (二号)."""

    text: str


@dataclass(frozen=True)
class DocumentNumberLine:
    """The 文号, centred below the title."""

    text: str


@dataclass(frozen=True)
class Addressee:
    """``张三：``, flush left (主送)."""

    text: str


@dataclass(frozen=True)
class Para:
    """A body paragraph; first line indented two characters unless ``indent`` is False."""

    text: str
    indent: bool = True
    align: Literal["justify", "left", "center", "right"] = "justify"


@dataclass(frozen=True)
class InfoTable:
    """A ruled form of ``label | value`` cells (受理编号、申请人 …) in the table face.

    Each row holds one or two ``(label, value)`` pairs; a row with one pair spans the
    whole width.
    """

    rows: tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True)
class NumberedList:
    """``1.`` ``2.`` … items, indented, continuing lines aligned under the text."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Column:
    """A table column: header and relative width. A ``whole`` column keeps each value
    on one line (a case number, a digest): it widens to its longest value, taking the
    room from the other columns (see ``column_widths``)."""

    header: str
    weight: float
    align: Literal["left", "center"] = "left"
    whole: bool = False


@dataclass(frozen=True)
class Table:
    """A ruled table in the smaller table face; the header repeats on every page."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


def column_widths(
    table: Table, total: float, measure: Callable[[str], float], padding: float
) -> list[float]:
    """Each column's width in a table ``total`` wide: by weight, then each ``whole``
    column widened to its longest value (``measure`` gives a text's width in the
    renderer's font, ``padding`` a cell's left and right padding together), in
    proportion from the other columns, which give up at most half their room."""
    weights = sum(c.weight for c in table.columns)
    widths = [total * c.weight / weights for c in table.columns]
    grow: dict[int, float] = {}
    for index, column in enumerate(table.columns):
        if column.whole:
            needed = max((measure(row[index]) for row in table.rows), default=0.0) + padding
            if needed > widths[index]:
                grow[index] = needed - widths[index]
    others = [i for i, column in enumerate(table.columns) if not column.whole]
    room = sum(widths[i] for i in others)
    if not grow or room <= 0:
        return widths
    taken = min(sum(grow.values()), room / 2)
    share = taken / sum(grow.values())
    for index, extra in grow.items():
        widths[index] += extra * share
    for index in others:
        widths[index] -= taken * widths[index] / room
    return widths




@dataclass(frozen=True)
class SignLines:
    """Blank lines for hand signatures, e.g. ``申请人（签字）：``."""

    labels: tuple[str, ...]


@dataclass(frozen=True)
class Note:
    """A 附注 line in a smaller face, e.g. below the date."""

    text: str


@dataclass(frozen=True)
class LinkCode:
    """A QR code of ``url`` with short caption lines beside it, at the left of an
    unsealed document's signature: where the applicant rates the service later (好差评)."""

    url: str
    caption: tuple[str, ...]


@dataclass(frozen=True)
class Signature:
    """Issuing authority and date at the lower right; the seal, if any, goes over them,
    and an unsealed document's ``link`` code, if any, stands at their left."""

    authority: str
    date_text: str
    link: LinkCode | None = None


Block = (
    Title
    | DocumentNumberLine
    | Addressee
    | Para
    | InfoTable
    | NumberedList
    | Table
    | Signature
    | SignLines
    | Note
)


def qr_caption(seal: SealMark) -> tuple[str, ...]:
    """The lines printed beside a sealed document's QR code, in every format."""
    return (
        "扫码核验",
        f"办件编号：{seal.case_number}",
        f"核验码：{seal.verification_code}",
        f"用印时间：{seal.sealed_at_text}",
    )


@dataclass(frozen=True)
class Layout:
    """A document ready for a renderer."""

    title: str
    """Also the file's metadata title."""
    blocks: tuple[Block, ...]
    landscape: bool = False
    seal: SealMark | None = None
    draft: bool = False
    subject: str = ""
    """Metadata: the case number, if any."""
    author: str = ""
    """Metadata: the issuing authority."""
