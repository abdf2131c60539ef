"""Verification codes and the QR payload of sealed documents.

The chicken and the egg: the QR code printed on a sealed document carries a code
derived from "the document's hash", but the PDF's own SHA-256 cannot be known before
the QR code is drawn into it. We break the circle like this:

* :func:`content_digest` is the SHA-256 of what the document *says*: a canonical JSON
  of its :class:`DocumentContext` with the seal removed and ``draft`` cleared. It does
  not depend on fonts, reportlab's version or the format (PDF or Word), so the server,
  a station and a re-print all compute the same value from the same case data.
* :func:`verification_code` shortens that digest to ``XXXX-XXXX-XXXX``; the code goes
  into the :class:`SealMark`, the QR code (:func:`qr_payload`) and the seal usage record.
* The seal usage record also stores the SHA-256 of the sealed PDF's bytes. Rendering is
  deterministic, so a re-print from the same context and seal use gives the same bytes;
  ``verify-doc`` hashes a file and looks that digest up.

To seal: ``sealed = seal_context(context, appearance=..., sealed_at_text=...)``, render
``sealed``, and record ``content_digest(context)``, the code and the PDF's SHA-256.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from app.print_templates.context import DocumentContext, SealAppearance, SealMark

QR_PREFIX = "CD1"
_CONTENT_VERSION = "counterdesk-document-content/1"


def canonical_content(context: DocumentContext) -> bytes:
    """The context without its seal, as canonical UTF-8 JSON (the hashed content)."""
    unsealed = dataclasses.replace(context, seal=None, draft=False)
    payload = {"v": _CONTENT_VERSION, "document": dataclasses.asdict(unsealed)}
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )


def content_digest(context: DocumentContext) -> str:
    """SHA-256 (hex) of what the document says; the same whether sealed, draft or not."""
    return hashlib.sha256(canonical_content(context)).hexdigest()


def verification_code(sha256_hex: str) -> str:
    """``A1B2-C3D4-E5F6``: the first 12 hex digits of a SHA-256, upper case, in fours."""
    digest = sha256_hex.strip().lower()
    if len(digest) < 12 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("not a hex SHA-256 digest")
    head = digest[:12].upper()
    return f"{head[0:4]}-{head[4:8]}-{head[8:12]}"


def verification_code_for(context: DocumentContext) -> str:
    """The verification code a sealed copy of this document must carry."""
    return verification_code(content_digest(context))


def seal_context(
    context: DocumentContext, *, appearance: SealAppearance, sealed_at_text: str
) -> DocumentContext:
    """The same document with a seal mark whose code is derived from its content."""
    mark = SealMark(
        appearance=appearance,
        verification_code=verification_code_for(context),
        case_number=context.case_number,
        sealed_at_text=sealed_at_text,
    )
    return dataclasses.replace(context, draft=False, seal=mark)


def seal_matches_content(context: DocumentContext) -> bool:
    """Whether the context's seal mark carries the code derived from its content."""
    return context.seal is not None and context.seal.verification_code == verification_code_for(
        context
    )


def qr_payload(mark: SealMark) -> str:
    """``CD1|<case number>|<verification code>``: what the QR code on a sealed copy says."""
    return f"{QR_PREFIX}|{mark.case_number}|{mark.verification_code}"


def parse_qr_payload(text: str) -> tuple[str, str] | None:
    """``(case_number, verification_code)`` from a scanned QR code; None if it is not ours."""
    parts = text.strip().split("|")
    if len(parts) != 3 or parts[0] != QR_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]
