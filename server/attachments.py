"""Scanned materials, received in resumable chunks and named by their SHA-256.

A station announces a scan (hash, size), asks how much the server holds, and sends
the rest chunk by chunk at the offset the server names. A chunk at any other offset
is answered 409 with the offset to resume from. Only when every byte is in and the
file's SHA-256 equals its name does the server call it complete; a mismatch throws
the partial file away (422) so the station starts again.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, Text, cast, exists, select
from sqlalchemy.orm import Session

from app.sync.protocol import (
    CONTENTS_ANSWER_BYTES,
    MAX_ATTACHMENT_BYTES,
    AttachmentStatus,
    ErrorCode,
    is_sha256,
    pack_files,
)
from server.errors import ApiError
from server.models import Attachment, CaseScope, EventRow, Station
from server.verification import sealed_lookup


class AttachmentStore:
    """Files under ``<data-dir>/attachments``: ``<sha256>`` when complete, ``partial/``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.partial_dir = directory / "partial"
        self.partial_dir.mkdir(parents=True, exist_ok=True)

    def final_path(self, sha256: str) -> Path:
        return self.directory / sha256[:2] / sha256

    def partial_path(self, sha256: str) -> Path:
        return self.partial_dir / f"{sha256}.part"


def _check_hash(sha256: str) -> str:
    if not is_sha256(sha256):
        raise ApiError(422, ErrorCode.MALFORMED, "附件摘要须为 64 位小写十六进制 SHA-256。")
    return sha256


def _status(row: Attachment) -> AttachmentStatus:
    return AttachmentStatus(row.sha256, row.size, row.received, row.complete)


def _locked(session: Session, sha256: str) -> Attachment | None:
    query = select(Attachment).where(Attachment.sha256 == sha256).with_for_update()
    return session.scalar(query)


def begin(
    session: Session,
    store: AttachmentStore,
    station: Station,
    *,
    sha256: str,
    size: int,
    mime_type: str = "",
    original_name: str = "",
) -> AttachmentStatus:
    """Announce a scan; answers how much of it the server already holds."""
    _check_hash(sha256)
    if not isinstance(size, int) or size < 0 or size > MAX_ATTACHMENT_BYTES:
        raise ApiError(413 if isinstance(size, int) and size > 0 else 422,
                       ErrorCode.TOO_LARGE if isinstance(size, int) and size > 0
                       else ErrorCode.MALFORMED,
                       f"附件大小不正确（上限 {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB）。")
    row = _locked(session, sha256)
    if row is None:
        row = Attachment(
            sha256=sha256, size=size, mime_type=mime_type[:80],
            original_name=original_name[:255], received=0, complete=False,
            station=station.code or "", created_at=datetime.now(UTC),
        )
        session.add(row)
        store.partial_path(sha256).unlink(missing_ok=True)
        if size == 0:
            _finish(row, store)
        session.flush()
    elif row.size != size and not row.complete:
        # Same name, other size: the earlier announcement was wrong; start over.
        row.size = size
        row.received = 0
        store.partial_path(sha256).unlink(missing_ok=True)
    elif row.size != size:
        raise ApiError(409, ErrorCode.HASH_MISMATCH, "服务器上同一摘要的附件大小不同。",
                       status=_status(row).to_dict())
    return _status(row)


def put_files(session: Session, store: AttachmentStore, station: Station,
              items: list[dict[str, Any]], files: list[bytes]) -> list[dict[str, Any]]:
    """Small files sent whole, ``items`` naming each (sha256, mime_type, original_name):
    one answer per file, its status, or the code and message of why it was not kept.
    A refused file leaves the others kept (each refusal comes before anything of it is
    written). The rows are read, and locked, in one query for the whole request."""
    digests = [str(item.get("sha256", "")) for item in items]
    rows = {row.sha256: row for row in session.scalars(
        select(Attachment).where(Attachment.sha256.in_([d for d in digests if is_sha256(d)]))
        .with_for_update())}
    answers: list[dict[str, Any]] = []
    for item, digest, data in zip(items, digests, files, strict=True):
        try:
            status = _put_whole(session, store, station, rows, sha256=digest, data=data,
                                mime_type=str(item.get("mime_type", "")),
                                original_name=str(item.get("original_name", "")))
        except ApiError as refusal:
            answers.append({"sha256": digest, "code": refusal.code, "message": refusal.message})
        else:
            answers.append(status.to_dict())
    return answers


def _put_whole(session: Session, store: AttachmentStore, station: Station,
               rows: dict[str, Attachment], *, sha256: str, data: bytes, mime_type: str,
               original_name: str) -> AttachmentStatus:
    """One file sent whole: kept, complete, if its bytes are the SHA-256 it is named by
    (422 ``hash_mismatch`` and nothing kept if not)."""
    row = rows.get(_check_hash(sha256))
    if row is not None and row.complete:
        if row.size != len(data):
            raise ApiError(409, ErrorCode.HASH_MISMATCH, "服务器上同一摘要的附件大小不同。",
                           status=_status(row).to_dict())
        return _status(row)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ApiError(422, ErrorCode.HASH_MISMATCH,
                       "附件内容与其 SHA-256 摘要不符，未保存，请重新上传。")
    partial = store.partial_path(sha256)
    with open(partial, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())  # on disk before the row says complete
    final = store.final_path(sha256)
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(partial, final)
    if row is None:
        row = rows[sha256] = Attachment(
            sha256=sha256, mime_type=mime_type[:80], original_name=original_name[:255],
            station=station.code or "", created_at=datetime.now(UTC))
        session.add(row)
    row.size = row.received = len(data)
    row.complete = True
    row.completed_at = datetime.now(UTC)
    return _status(row)


def status(session: Session, sha256: str) -> AttachmentStatus:
    row = session.get(Attachment, _check_hash(sha256))
    if row is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "服务器上没有该附件。")
    return _status(row)


def put_chunk(
    session: Session, store: AttachmentStore, *, sha256: str, offset: int, data: bytes
) -> AttachmentStatus:
    """Write ``data`` at ``offset`` (which must be what the server holds so far)."""
    row = _locked(session, _check_hash(sha256))
    if row is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, "请先登记附件再上传内容。")
    if row.complete:
        return _status(row)
    if offset != row.received:
        raise ApiError(409, ErrorCode.OFFSET_MISMATCH,
                       f"上传位置不符：服务器已收到 {row.received} 字节，请从该位置继续。",
                       status=_status(row).to_dict())
    if offset + len(data) > row.size:
        raise ApiError(422, ErrorCode.MALFORMED, "上传内容超过登记的附件大小。",
                       status=_status(row).to_dict())
    path = store.partial_path(sha256)
    if offset > 0 and (not path.exists() or path.stat().st_size < offset):
        # The partial file was lost: start over rather than fill the gap with zeros.
        row.received = 0
        raise ApiError(409, ErrorCode.OFFSET_MISMATCH, "服务器上的部分内容已丢失，请从头上传。",
                       keep_changes=True, status=_status(row).to_dict())
    with open(path, "r+b" if path.exists() else "wb") as handle:
        # Bytes past ``received`` are left over from a chunk whose commit was lost.
        handle.truncate(offset)
        handle.seek(offset)
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    row.received = offset + len(data)
    if row.received == row.size:
        _finish(row, store)
    session.flush()
    return _status(row)


def _finish(row: Attachment, store: AttachmentStore) -> None:
    partial = store.partial_path(row.sha256)
    digest = hashlib.sha256()
    if partial.exists():
        with open(partial, "rb") as handle:
            for block in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(block)
    if digest.hexdigest() != row.sha256:
        partial.unlink(missing_ok=True)
        row.received = 0
        raise ApiError(422, ErrorCode.HASH_MISMATCH,
                       "附件内容与其 SHA-256 摘要不符，已丢弃，请重新上传。",
                       keep_changes=True, status=_status(row).to_dict())
    final = store.final_path(row.sha256)
    final.parent.mkdir(parents=True, exist_ok=True)
    if partial.exists():
        os.replace(partial, final)
    else:
        final.write_bytes(b"")
    row.complete = True
    row.completed_at = datetime.now(UTC)


def content_path(session: Session, store: AttachmentStore, sha256: str,
                 station: Station | None = None) -> Path:
    """The file of a complete attachment ``station`` may read: one it uploaded, or one
    an event of a case in its scope names (a scan, a sealed document). Anything else is
    answered as if it did not exist."""
    row = session.get(Attachment, _check_hash(sha256))
    if row is None or not row.complete or (station is not None
                                           and not _in_scope(session, row, station)):
        raise ApiError(404, ErrorCode.NOT_FOUND, "服务器上没有该附件。")
    return store.final_path(sha256)


def contents(session: Session, store: AttachmentStore, station: Station,
             digests: list[str], *, answer_bytes: int = CONTENTS_ANSWER_BYTES) -> bytes:
    """Several files ``station`` may read, framed as ``FILES_MEDIA_TYPE``: a JSON line
    ``{"files": [{"sha256", "size"}], "missing": [...], "later": [...]}`` and then the
    listed files' bytes in that order. A file it may not read is "missing", as if it
    did not exist; files past ``answer_bytes`` are "later" (asked for again)."""
    wanted = list(dict.fromkeys(_check_hash(digest) for digest in digests))
    rows = {row.sha256: row for row in session.scalars(
        select(Attachment).where(Attachment.sha256.in_(wanted)))}
    files: list[dict[str, Any]] = []
    missing: list[str] = []
    later: list[str] = []
    parts: list[bytes] = []
    total = 0
    for digest in wanted:
        row = rows.get(digest)
        if row is None or not row.complete or not _in_scope(session, row, station):
            missing.append(digest)
        elif files and total + row.size > answer_bytes:
            later.append(digest)
        else:
            data = store.final_path(digest).read_bytes()
            files.append({"sha256": digest, "size": len(data)})
            parts.append(data)
            total += len(data)
    return pack_files({"files": files, "missing": missing, "later": later}, parts)


def _in_scope(session: Session, row: Attachment, station: Station) -> bool:
    """Whether an event of a case the station sees names the file."""
    if row.station == station.code:
        return True
    # A sealed PDF first (most downloads): its SEALED events, found by index.
    dialect = session.get_bind().dialect.name
    sealed = (sealed_lookup(dialect, "pdf_sha256", row.sha256)
              .with_only_columns(EventRow.case_id).limit(None))
    if _seen_by(session, sealed, station):
        return True
    # A scan, named anywhere in a material's payload: read the events.
    return _seen_by(session, select(EventRow.case_id).where(
        cast(EventRow.payload, Text).like(f"%{row.sha256}%")), station)


def _seen_by(session: Session, naming: Select[Any], station: Station) -> bool:
    """Whether any of the cases ``naming`` selects is one the station sees."""
    if not station.sees_all_cases:  # one primary-key probe per naming event
        naming = naming.where(exists().where(CaseScope.case_id == EventRow.case_id,
                                             CaseScope.station == station.code))
    return session.scalar(naming.limit(1)) is not None
