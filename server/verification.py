"""What the county server knows about a scanned QR code, without any seal's key.

A sealed document's QR code holds ``{server}/v/{document_id}?c={code}``
(``app.print_templates.verification``). The document id is the seal use's id. The
station that sealed sends, before the events that name it, the seal use's
*verification record* (:func:`store_records`): what the paper shows of the document
(issuing authority, kind, 文号, case number, the applicant's name masked, the time of
sealing) and its verification code, made with the seal's key. Older stations only sent
the ``SEALED`` event, which carries the code too; :func:`check_document` reads either.

The codes are compared in constant time: a code made without the seal's key matches
nothing. An id the server has never heard of is "not on record (yet)": a document
sealed offline stays so until its station syncs, and the page says that rather than
"forged". Document ids are random UUIDs, so there is nothing to enumerate.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, bindparam, literal_column, select
from sqlalchemy.orm import Session

from app.domain.errors import ValidationError
from app.domain.events import EventType
from app.signing.codes import codes_equal, normalise_code
from app.sync.protocol import MAX_VERIFICATION_RECORDS, ErrorCode
from server import reference
from server.errors import ApiError
from server.models import (
    DocumentRevocation,
    DocumentTimestamp,
    EventRow,
    Station,
    VerificationRecord,
    sealed_payload_text,
)

_DOCUMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
_CODE = re.compile(r"[A-Z2-7]{16}")


class DocumentState(StrEnum):
    """The verdict on a scanned document."""

    VALID = "valid"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    MISMATCH = "mismatch"
    """The document is on record, but the code presented is not its code."""
    UNKNOWN = "unknown"
    """Nothing on record under this id: not synced yet, or not one of ours."""


@dataclass(frozen=True)
class DocumentCheck:
    """The verdict, with what the page may show of the sealed document."""

    state: DocumentState
    document_kind: str = ""
    document_number: str = ""
    case_id: str = ""
    case_number: str = ""
    station: str = ""
    authority_name: str = ""
    seal_title: str = ""
    applicant: str = ""
    """The applicant's name, masked as the station sent it (``mask_name``)."""
    sealed_at: datetime | None = None
    superseded_by: str = ""
    """The 文号 of the corrected document that replaced this one."""
    revocation_number: str = ""
    revocation_reason: str = ""
    revoked_on: datetime | None = None
    timestamped_at: datetime | None = None
    """When the county server time-stamped the signed PDF (RFC 3161), if it has."""

    @property
    def verified(self) -> bool:
        return self.state in (DocumentState.VALID, DocumentState.SUPERSEDED,
                              DocumentState.REVOKED)


def code_hash(code: str) -> str:
    """How a record keeps its code: SHA-256 of the code without separators."""
    return hashlib.sha256(normalise_code(code).encode("ascii")).hexdigest()


def well_formed(document_id: str, code: str) -> bool:
    """Whether an id and code could be ours at all (the page answers others at once)."""
    return bool(_DOCUMENT_ID.fullmatch(document_id)) and bool(
        _CODE.fullmatch(normalise_code(code)))


def sealed_lookup(dialect: str, key: str, value: str) -> Select[tuple[EventRow]]:
    """The first sealed event whose payload has ``key`` = ``value``. The expression and
    the type are spelt as the partial index is (a bound "sealed" would not prove the
    index's condition to the planner)."""
    return (
        select(EventRow)
        .where(EventRow.type == literal_column(f"'{EventType.SEALED.value}'"),
               literal_column(sealed_payload_text(dialect, key)) == bindparam("value", value))
        .order_by(EventRow.server_sequence)
        .limit(1)
    )


def _sealed(session: Session, key: str, value: str) -> EventRow | None:
    return session.scalar(sealed_lookup(session.get_bind().dialect.name, key, value))


def _correction_number(session: Session, document_id: str) -> str:
    """The 文号 of the document that superseded ``document_id``, or ""."""
    record = session.scalar(select(VerificationRecord).where(
        VerificationRecord.supersedes == document_id).order_by(VerificationRecord.sealed_at)
        .limit(1))
    if record is not None:
        return record.document_number
    correction = _sealed(session, "supersedes", document_id)
    return str(correction.payload.get("document_number", "")) if correction is not None else ""


def _seal_names(session: Session, seal_id: str) -> tuple[str, str]:
    seal = reference.get(session, reference.ReferenceKind.SEAL, seal_id) if seal_id else None
    if seal is None:
        return "", ""
    return str(seal.get("authority_name", "")), str(seal.get("title", ""))


def check_document(session: Session, document_id: str, code: str) -> DocumentCheck:
    """The verdict on ``document_id`` presented with ``code`` (from a scanned QR code)."""
    if not well_formed(document_id, code):
        return DocumentCheck(DocumentState.UNKNOWN)
    record = session.get(VerificationRecord, document_id)
    if record is not None:
        if not hmac.compare_digest(record.code_hash, code_hash(code)):
            return DocumentCheck(DocumentState.MISMATCH)
        found = DocumentCheck(
            DocumentState.VALID, document_kind=record.document_kind,
            document_number=record.document_number, case_id=record.case_id,
            case_number=record.case_number, station=record.station,
            authority_name=record.authority_name, seal_title=record.seal_title,
            applicant=record.applicant, sealed_at=record.sealed_at,
        )
    else:
        event = _sealed(session, "seal_use_id", document_id)
        if event is None:
            return DocumentCheck(DocumentState.UNKNOWN)
        if not codes_equal(str(event.payload.get("verification_code") or ""), code):
            return DocumentCheck(DocumentState.MISMATCH)
        authority, title = _seal_names(session, str(event.payload.get("seal_id", "")))
        found = DocumentCheck(
            DocumentState.VALID, document_kind=str(event.payload.get("document_kind", "")),
            document_number=str(event.payload.get("document_number", "")),
            case_id=event.case_id, station=event.station, authority_name=authority,
            seal_title=title, sealed_at=event.device_time,
        )
    stamp = session.get(DocumentTimestamp, document_id)
    if stamp is not None:
        found = _replace(found, timestamped_at=stamp.stamped_at)
    revocation = session.get(DocumentRevocation, document_id)
    if revocation is not None:
        return _replace(found, state=DocumentState.REVOKED,
                        revocation_number=revocation.decision_number,
                        revocation_reason=revocation.reason, revoked_on=revocation.revoked_on)
    superseded_by = _correction_number(session, document_id)
    if superseded_by:
        return _replace(found, state=DocumentState.SUPERSEDED, superseded_by=superseded_by)
    return found


def _replace(check: DocumentCheck, **changes: Any) -> DocumentCheck:
    return dataclasses.replace(check, **changes)


# --- the stations' uploads -------------------------------------------------------------

_FIELDS = {  # wire name: (Chinese label, longest)
    "document_id": ("文书标识", 64),
    "case_id": ("办件标识", 36),
    "case_number": ("办件编号", 40),
    "document_kind": ("文书种类", 40),
    "document_number": ("文号", 80),
    "authority_name": ("出具机关", 100),
    "seal_title": ("印章名称", 60),
    "applicant": ("申请人", 200),
}


def _record_from(station: Station, data: Any) -> VerificationRecord:
    if not isinstance(data, dict):
        raise ValueError("核验记录格式不正确。")
    values: dict[str, str] = {}
    for name, (label, longest) in _FIELDS.items():
        value = data.get(name, "")
        if not isinstance(value, str) or len(value) > longest:
            raise ValueError(f"核验记录的{label}不正确。")
        values[name] = value.strip()
    for name in ("document_id", "case_id", "document_number", "authority_name"):
        if not values[name]:
            raise ValueError(f"核验记录缺少{_FIELDS[name][0]}。")
    if not _DOCUMENT_ID.fullmatch(values["document_id"]):
        raise ValueError("核验记录的文书标识不正确。")
    supersedes = data.get("supersedes") or None
    if supersedes is not None and (not isinstance(supersedes, str)
                                   or not _DOCUMENT_ID.fullmatch(supersedes)):
        raise ValueError("核验记录的被更正文书标识不正确。")
    code = data.get("verification_code", "")
    if not isinstance(code, str) or not _CODE.fullmatch(normalise_code(code)):
        raise ValueError("核验记录的核验码不正确。")
    try:
        sealed_at = datetime.fromisoformat(str(data.get("sealed_at", "")))
    except ValueError:
        raise ValueError("核验记录的用印时间不正确。") from None
    if sealed_at.tzinfo is None:
        raise ValueError("核验记录的用印时间缺少时区。")
    assert station.code is not None
    return VerificationRecord(
        station=station.code, sealed_at=sealed_at.astimezone(UTC), supersedes=supersedes,
        code_hash=code_hash(code), received_at=datetime.now(UTC), **values,
    )


def _same(held: VerificationRecord, new: VerificationRecord) -> bool:
    fields = (*_FIELDS, "station", "sealed_at", "supersedes", "code_hash")
    return all(getattr(held, name) == getattr(new, name) for name in fields)


def store_records(session: Session, station: Station, raw: Any) -> dict[str, Any]:
    """Keep the verification records a station sends: ``{"stored", "duplicates",
    "refused": [{"document_id", "message"}]}``. A record is never changed once held:
    the same record again is a duplicate, a different one under its id is refused."""
    if not isinstance(raw, list):
        raise ApiError(422, ErrorCode.MALFORMED, "请求格式不正确：缺少核验记录列表。")
    if len(raw) > MAX_VERIFICATION_RECORDS:
        raise ApiError(413, ErrorCode.TOO_LARGE,
                       f"一次最多上传 {MAX_VERIFICATION_RECORDS} 条核验记录，整批未保存。")
    stored = duplicates = 0
    refused: list[dict[str, str]] = []
    for data in raw:
        document_id = str(data.get("document_id", "")) if isinstance(data, dict) else ""
        try:
            record = _record_from(station, data)
        except ValueError as error:
            refused.append({"document_id": document_id, "message": str(error)})
            continue
        held = session.get(VerificationRecord, record.document_id)
        if held is None:
            session.add(record)
            session.flush()
            stored += 1
        elif _same(held, record):
            duplicates += 1
        else:
            refused.append({"document_id": record.document_id,
                            "message": "该文书的核验记录已存在且内容不同，未予覆盖。"})
    return {"stored": stored, "duplicates": duplicates, "refused": refused}


def revoke_document(session: Session, document_id: str, *, decision_number: str,
                    reason: str, revoked_on: datetime, by: str) -> DocumentRevocation:
    """Record that a sealed document was revoked by decision; its page then says so."""
    document_id = document_id.strip()
    if session.get(VerificationRecord, document_id) is None and _sealed(
            session, "seal_use_id", document_id) is None:
        raise ValidationError("document_not_found",
                              f"服务器上没有文书 {document_id} 的用印记录（可能尚未同步）。")
    if not decision_number.strip() or not reason.strip():
        raise ValidationError("required", "请填写撤销决定文号和撤销理由。")
    if session.get(DocumentRevocation, document_id) is not None:
        raise ValidationError("already_revoked", "该文书已登记为撤销。")
    revocation = DocumentRevocation(
        document_id=document_id, decision_number=decision_number.strip(),
        reason=reason.strip(), revoked_on=revoked_on, recorded_at=datetime.now(UTC),
        recorded_by=by,
    )
    session.add(revocation)
    session.flush()
    return revocation


def find_by_number(session: Session, document_number: str) -> list[VerificationRecord]:
    """The records under a 文号 (what a county administrator looks a document up by)."""
    return list(session.scalars(select(VerificationRecord).where(
        VerificationRecord.document_number == document_number.strip())))


def timestamp_token(session: Session, document_id: str, code: str) -> bytes | None:
    """The RFC 3161 token of a verified document (its code presented), for anyone to
    check with ``openssl ts -verify``; None when unknown, not verified or not stamped."""
    if not check_document(session, document_id, code).verified:
        return None
    stamp = session.get(DocumentTimestamp, document_id)
    return bytes(stamp.token) if stamp is not None else None
