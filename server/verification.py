"""What the county server knows about a scanned QR code, without any seal's key.

A sealed document's QR code holds ``{server}/v/{document_id}?c={code}``
(``app.print_templates.verification``). The document id is the seal use's id; the
station that sealed recorded it, with the verification code it made with the seal's
key, in the ``SEALED`` event it pushed here. :func:`check_document` finds that event and
compares the codes in constant time: a code made without the seal's key matches no
event. The public page (a later issue) shows what this returns; a wrong code and an
unknown id give the same answer, so the page cannot be used to probe for ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.events import EventType
from app.signing.codes import codes_equal
from server.models import EventRow


class DocumentState(StrEnum):
    """The verdict on a scanned document (revocation comes with the page's issue)."""

    VALID = "valid"
    SUPERSEDED = "superseded"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DocumentCheck:
    """The verdict, with what the page may show of the sealed document."""

    state: DocumentState
    document_kind: str = ""
    document_number: str = ""
    case_id: str = ""
    station: str = ""
    sealed_at: datetime | None = None
    superseded_by: str = ""
    """The 文号 of the corrected document that replaced this one."""


def _sealed(session: Session, key: str, value: str) -> EventRow | None:
    query = (
        select(EventRow)
        .where(EventRow.type == EventType.SEALED.value, EventRow.payload[key].as_string() == value)
        .order_by(EventRow.server_sequence)
        .limit(1)
    )
    return session.scalar(query)


def check_document(session: Session, document_id: str, code: str) -> DocumentCheck:
    """The verdict on ``document_id`` presented with ``code`` (from a scanned QR code)."""
    event = _sealed(session, "seal_use_id", document_id)
    recorded = str(event.payload.get("verification_code") or "") if event is not None else ""
    if event is None or not codes_equal(recorded, code):
        return DocumentCheck(DocumentState.UNKNOWN)
    payload = event.payload
    correction = _sealed(session, "supersedes", document_id)
    return DocumentCheck(
        DocumentState.SUPERSEDED if correction is not None else DocumentState.VALID,
        document_kind=str(payload.get("document_kind", "")),
        document_number=str(payload.get("document_number", "")),
        case_id=event.case_id,
        station=event.station,
        sealed_at=event.device_time,
        superseded_by=str(correction.payload.get("document_number", ""))
        if correction is not None else "",
    )
