"""The vocabulary templates speak and renderers understand.

A template turns a :class:`DocumentContext` into a :class:`Layout`: a title and a list of
blocks. Each renderer (PDF, Word) knows how to lay out every block type once, so a new
document is a new template, never a new renderer.
"""

from __future__ import annotations

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
    """A table column: header and relative width."""

    header: str
    weight: float
    align: Literal["left", "center"] = "left"


@dataclass(frozen=True)
class Table:
    """A ruled table in the smaller table face; the header repeats on every page."""

    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Signature:
    """Issuing authority and date at the lower right; the seal, if any, goes over them."""

    authority: str
    date_text: str


@dataclass(frozen=True)
class SignLines:
    """Blank lines for hand signatures, e.g. ``申请人（签字）：``."""

    labels: tuple[str, ...]


@dataclass(frozen=True)
class Note:
    """A 附注 line in a smaller face, e.g. below the date."""

    text: str


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
