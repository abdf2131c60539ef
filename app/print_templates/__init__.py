"""Documents: what each one says (templates) and how it is laid out (PDF and Word).

Pure rendering: a :class:`DocumentContext` (every field already formatted) goes in,
bytes come out. No database, no Qt, no clock.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from app.print_templates.context import (
    AgentLedgerRow,
    DeliveryFacts,
    DocumentContext,
    DocumentKind,
    ExtensionFacts,
    FeeLine,
    GuideFacts,
    InspectionFacts,
    LabeledValue,
    LedgerRow,
    MaterialLine,
    ProcedureFacts,
    SealAppearance,
    SealMark,
)
from app.print_templates.verification import (
    evaluation_url,
    parse_verification_url,
    qr_payload,
    seal_context,
    verification_url,
)

if TYPE_CHECKING:
    from app.print_templates.fonts import FontSet, resolve_fonts

# The renderers pull in reportlab, python-docx, qrcode and the font files: loaded on the
# first document, not when the program starts (screens only need DocumentKind & co.).
_LAZY = {"FontSet": "fonts", "resolve_fonts": "fonts"}


def render_pdf(context: DocumentContext, *, font_path: str | None = None,
               fonts: FontSet | None = None) -> bytes:
    """The document as PDF bytes (:func:`app.print_templates.pdf.render_pdf`)."""
    from app.print_templates.pdf import render_pdf as render

    return render(context, font_path=font_path, fonts=fonts)


def render_docx(context: DocumentContext, *, font_path: str | None = None,
                fonts: FontSet | None = None) -> bytes:
    """The document as .docx bytes (:func:`app.print_templates.docx.render_docx`)."""
    from app.print_templates.docx import render_docx as render

    return render(context, font_path=font_path, fonts=fonts)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)

__all__ = [
    "AgentLedgerRow",
    "DeliveryFacts",
    "DocumentContext",
    "DocumentKind",
    "ExtensionFacts",
    "FeeLine",
    "FontSet",
    "GuideFacts",
    "InspectionFacts",
    "LabeledValue",
    "LedgerRow",
    "MaterialLine",
    "ProcedureFacts",
    "SealAppearance",
    "SealMark",
    "evaluation_url",
    "parse_verification_url",
    "qr_payload",
    "render_docx",
    "render_pdf",
    "resolve_fonts",
    "seal_context",
    "verification_url",
]
