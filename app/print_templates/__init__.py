"""Documents: what each one says (templates) and how it is laid out (PDF and Word).

Pure rendering: a :class:`DocumentContext` (every field already formatted) goes in,
bytes come out. No database, no Qt, no clock.
"""

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
from app.print_templates.docx import render_docx
from app.print_templates.fonts import FontSet, resolve_fonts
from app.print_templates.pdf import render_pdf
from app.print_templates.verification import (
    evaluation_url,
    parse_verification_url,
    qr_payload,
    seal_context,
    verification_url,
)

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
