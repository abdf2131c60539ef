"""The QR code of a sealed document: the URL of the county server's verification page.

A sealed document prints a QR code and, beside it, its verification code (核验码).
The QR code holds ``{server}/v/{document_id}?c={code}``: ``server`` is the county
server the station is enrolled with (its public verification page, see DESIGN.md),
``document_id`` the id of the seal use (the ledger row; the server knows it from the
station's ``SEALED`` event) and ``code`` the verification code without its hyphens. The
code is a MAC made with the seal's key (:mod:`app.signing.codes`), so nobody without
that key can print a QR code or a code that the server, or a station holding the key,
accepts.

A station sealing with no server configured (offline from the start) prints
``counterdesk:v/{document_id}?c={code}``: the same path without a host, which a phone
cannot open but shows as text, and which :func:`parse_verification_url` and
``verify-doc`` read like the URL. Once the station is enrolled, new documents carry the
server's URL; documents already sealed keep the bytes they were sealed with.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qs, urlsplit

from app.print_templates.context import DocumentContext, SealAppearance, SealMark

VERIFY_PATH = "v"
OFFLINE_BASE = "counterdesk:"
"""The base of the QR URL when no server is configured."""

_DOCUMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
_CODE = re.compile(r"[A-Z2-7]{4}(?:-?[A-Z2-7]{4}){3}")


def verification_url(base: str, document_id: str, code: str) -> str:
    """``{base}/v/{document_id}?c={code}``; the offline form when ``base`` is empty."""
    if not _DOCUMENT_ID.fullmatch(document_id):
        raise ValueError(f"unsuitable document id for a verification URL: {document_id!r}")
    compact = code.replace("-", "")
    base = base.strip().rstrip("/")
    if not base:
        return f"{OFFLINE_BASE}{VERIFY_PATH}/{document_id}?c={compact}"
    return f"{base}/{VERIFY_PATH}/{document_id}?c={compact}"


EVALUATE_PATH = "pj"
"""The path of the applicant's rating page (好差评) on the county server."""


def evaluation_url(base: str, case_id: str) -> str:
    """``{base}/pj/{case}``: where the applicant rates the case later (好差评).

    The case id is random (a uuid), so only who holds the receipt can open its page;
    offline, the same path without a host (the rating page needs the server)."""
    compact = case_id.replace("-", "")
    if not _DOCUMENT_ID.fullmatch(compact):
        raise ValueError(f"unsuitable case id for an evaluation URL: {case_id!r}")
    base = base.strip().rstrip("/")
    if not base:
        return f"{OFFLINE_BASE}{EVALUATE_PATH}/{compact}"
    return f"{base}/{EVALUATE_PATH}/{compact}"


def parse_verification_url(text: str) -> tuple[str, str] | None:
    """``(document_id, code)`` from a scanned QR code (either form); None if not ours."""
    text = text.strip()
    if text.startswith(OFFLINE_BASE):
        path, _, query = text[len(OFFLINE_BASE):].partition("?")
    else:
        try:
            parts = urlsplit(text)
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return None
        path, query = parts.path, parts.query
    segments = path.rstrip("/").split("/")
    if len(segments) < 2 or segments[-2] != VERIFY_PATH:
        return None
    document_id = segments[-1]
    codes = parse_qs(query).get("c", [])
    if not _DOCUMENT_ID.fullmatch(document_id) or len(codes) != 1:
        return None
    code = codes[0].upper()
    if not _CODE.fullmatch(code):
        return None
    compact = code.replace("-", "")
    return document_id, "-".join(compact[i : i + 4] for i in range(0, 16, 4))


def seal_context(
    context: DocumentContext,
    *,
    appearance: SealAppearance,
    sealed_at_text: str,
    document_id: str,
    verification_code: str,
    verification_base: str = "",
) -> DocumentContext:
    """The same document with the seal mark of one seal use.

    ``verification_code`` comes from :func:`app.signing.codes.verification_code` (the
    services make it with the seal's key); ``verification_base`` is the server's URL,
    empty when the station has none.
    """
    mark = SealMark(
        appearance=appearance,
        verification_code=verification_code,
        case_number=context.case_number,
        sealed_at_text=sealed_at_text,
        document_id=document_id,
        verification_base=verification_base,
    )
    return dataclasses.replace(context, draft=False, seal=mark)


def qr_payload(mark: SealMark) -> str:
    """What the QR code on a sealed copy says: its verification URL."""
    return verification_url(mark.verification_base, mark.document_id, mark.verification_code)
