"""The sync protocol, shared by the station (app/sync) and the central server (server/).

This module is the only part of ``app.sync`` the server imports. It holds the wire
constants, the limits both sides enforce, and small dataclasses for the requests and
answers, each with ``to_dict`` / ``from_dict``. It imports nothing of ours, so both
sides can depend on it without depending on each other.

docs/sync-protocol.md describes the protocol in prose; keep the two in step.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

# The version a client speaks. The server answers 426 to anything older than
# MIN_PROTOCOL_VERSION and 400 to anything newer than PROTOCOL_VERSION.
PROTOCOL_VERSION = 1
MIN_PROTOCOL_VERSION = 1

API_PREFIX = "/api/v1"
PROTOCOL_HEADER = "X-CounterDesk-Protocol"
EPOCH_HEADER = "X-CounterDesk-Epoch"
# What a station reports of itself on its station request, for the county's console:
# how many events wait in its outbox and which server epoch it holds.
OUTBOX_HEADER = "X-CounterDesk-Outbox"
HELD_EPOCH_HEADER = "X-CounterDesk-Held-Epoch"
# "<sequence>:<hash>" of the station's newest audit record, sent with GET /station.
AUDIT_HEAD_HEADER = "X-CounterDesk-Audit-Head"

# Paths, relative to the server's base URL.
HEALTH_PATH = f"{API_PREFIX}/health"
ENROLL_PATH = f"{API_PREFIX}/enroll"
STATION_PATH = f"{API_PREFIX}/station"
PUSH_PATH = f"{API_PREFIX}/events/push"
PULL_PATH = f"{API_PREFIX}/events"
REFERENCE_PATH = f"{API_PREFIX}/reference"
REFERENCE_PUSH_PATH = f"{API_PREFIX}/reference/push"
ATTACHMENTS_PATH = f"{API_PREFIX}/attachments"
# Several complete files in one answer (sealed PDFs a pull names), framed as
# FILES_MEDIA_TYPE: a JSON line saying what follows, then the files' bytes in order.
ATTACHMENT_CONTENTS_PATH = f"{API_PREFIX}/attachments/contents"
# Several small files sent whole in one request, framed the same way.
ATTACHMENT_FILES_PATH = f"{API_PREFIX}/attachments/files"
FILES_MEDIA_TYPE = "application/vnd.counterdesk.files"
# Each seal use's verification record, sent before the events that name it.
VERIFICATIONS_PATH = f"{API_PREFIX}/verifications"

# Limits. A request body larger than MAX_REQUEST_BYTES (as sent, i.e. compressed) or
# inflating beyond MAX_INFLATED_BYTES is answered 413 and nothing is stored.
MAX_REQUEST_BYTES = 4 * 1024 * 1024
MAX_INFLATED_BYTES = 32 * 1024 * 1024
MAX_PUSH_EVENTS = 1000
MAX_REFERENCE_ITEMS = 5000
MAX_VERIFICATION_RECORDS = 1000
DEFAULT_PUSH_BATCH = 1000
DEFAULT_PULL_LIMIT = 1000
MAX_PULL_LIMIT = 2000
ATTACHMENT_CHUNK_BYTES = 512 * 1024
MAX_ATTACHMENT_BYTES = 512 * 1024 * 1024
MAX_CONTENTS_FILES = 200
# An answer of several files stops adding files past this many bytes (it holds at least
# one, whatever its size); the rest are named "later".
CONTENTS_ANSWER_BYTES = 16 * 1024 * 1024
# Files up to a chunk go whole, several to a request of at most this many bytes.
UPLOAD_REQUEST_BYTES = 3 * 1024 * 1024
MIN_CREDENTIAL_LENGTH = 32

# Keys that name a credential. No record or payload in sync carries one, either way: a
# station's password hashes stay at the station, and the server refuses a push that
# carries one (ErrorCode.CREDENTIAL_IN_SYNC).
CREDENTIAL_KEYS = frozenset({
    "password", "password_hash", "passwd", "credential", "credential_hash", "secret",
    "private_key", "seal_password", "pin",
})


def credential_key(data: Any, *, depth: int = 0) -> str | None:
    """The first credential key anywhere in ``data`` (nested dicts and lists), or None."""
    if depth > 64:
        return None
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and key.strip().lower() in CREDENTIAL_KEYS:
                return key
            found = credential_key(value, depth=depth + 1)
            if found is not None:
                return found
    elif isinstance(data, list):
        for value in data:
            found = credential_key(value, depth=depth + 1)
            if found is not None:
                return found
    return None


class AnswerStatus(StrEnum):
    """What the server did with one pushed event."""

    ACCEPTED = "accepted"  # stored now, with a server sequence number
    DUPLICATE = "duplicate"  # already held, same content: nothing to do
    CONFLICT = "conflict"  # refused for good, with a code and a Chinese reason
    RETRY = "retry"  # not decided yet (its case is not on the server): push again later


class ReferenceKind(StrEnum):
    """Reference data kinds, in the order a receiver applies them (foreign keys)."""

    DEPARTMENT = "department"
    MATTER = "matter"
    STAFF = "staff"
    SEAL = "seal"
    CALENDAR = "calendar"
    # A 告知承诺 found broken (承诺不实): made by the server from the accepted check, sent
    # to every station so the applicant's next case anywhere shows it. Never pushed.
    PROMISE_RECORD = "promise_record"
    # A station's appointments (预约) and consultations (咨询): pushed by the station
    # that books or records them (or, for a township's hall, by the county centre that
    # took the phone call), kept by the county, and sent to the station whose hall they
    # are for (and to the stations that see every case). Checked and merged forward-only
    # by app/domain/counter_records.py on both sides.
    APPOINTMENT = "appointment"
    CONSULTATION = "consultation"


REFERENCE_ORDER = tuple(ReferenceKind)
# Kinds that belong to one station's hall (the record's "station"), not to everyone.
STATION_RECORD_KINDS = frozenset({ReferenceKind.APPOINTMENT, ReferenceKind.CONSULTATION})
# Kinds only a publishing station (the county centre's administrator) may push; a
# station may always push the staff of its own station.
PUBLISHED_KINDS = frozenset(
    {ReferenceKind.DEPARTMENT, ReferenceKind.MATTER, ReferenceKind.SEAL, ReferenceKind.CALENDAR}
)
# Kinds only the server itself writes.
SERVER_KINDS = frozenset({ReferenceKind.PROMISE_RECORD})


class ErrorCode(StrEnum):
    """Codes of whole-request refusals (4xx answers)."""

    UPGRADE_REQUIRED = "upgrade_required"
    SERVER_TOO_OLD = "server_too_old"
    UNAUTHENTICATED = "unauthenticated"
    STATION_REVOKED = "station_revoked"
    FORBIDDEN = "forbidden"
    UNKNOWN_ACTOR = "unknown_actor"
    WRONG_STATION = "wrong_station"
    MALFORMED = "malformed"
    TOO_LARGE = "too_large"
    ENROLLMENT_INVALID = "enrollment_invalid"
    STATION_CODE_MISMATCH = "station_code_mismatch"
    STATION_REWOUND = "station_rewound"
    NOT_FOUND = "not_found"
    OFFSET_MISMATCH = "offset_mismatch"
    HASH_MISMATCH = "hash_mismatch"
    CREDENTIAL_IN_SYNC = "credential_in_sync"
    CREDENTIAL_REUSED = "credential_reused"


UPGRADE_MESSAGE = "客户端版本过旧，无法与服务器同步。请升级 CounterDesk 后再同步（本地数据不受影响）。"


def gzip_json(data: Any) -> bytes:
    """Compact UTF-8 JSON, gzip-compressed: the body of every push."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=5)


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


# --- answers and requests -------------------------------------------------------------


@dataclass(frozen=True)
class ErrorAnswer:
    """The JSON body of every 4xx/5xx answer."""

    code: str
    message: str
    epoch: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorAnswer:
        return cls(
            code=str(data.get("code", "")),
            message=str(data.get("message", "")),
            epoch=str(data.get("epoch", "")),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True)
class Health:
    status: str
    epoch: str
    protocol_version: int
    min_protocol_version: int
    server_time: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Health:
        return cls(
            status=str(data["status"]),
            epoch=str(data["epoch"]),
            protocol_version=int(data["protocol_version"]),
            min_protocol_version=int(data["min_protocol_version"]),
            server_time=str(data.get("server_time", "")),
        )


@dataclass(frozen=True)
class EnrollRequest:
    """The one-time code and the credential the station made for itself.

    The station generates its credential (a long random secret) and registers it with
    the code; the server keeps only a hash. Sending the same code with the same
    credential again (the first answer was lost) gets the same answer.
    """

    code: str
    station_code: str
    credential: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StationInfo:
    """Who the server thinks the caller is, and what it has seen from it."""

    station_code: str
    station_name: str
    epoch: str
    may_publish: bool
    max_station_sequence: int
    protocol_version: int = PROTOCOL_VERSION
    # Where the station's feed and the reference data stand now, so a round with
    # nothing new ends after this one request. None: the server did not say (ask).
    feed_head: int | None = None
    reference_head: int | None = None
    # The station's audit head as the server last saw it (before this request): the
    # station's chain must still reach it with the same hash.
    audit_head_sequence: int | None = None
    audit_head_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StationInfo:
        return cls(
            station_code=str(data["station_code"]),
            station_name=str(data.get("station_name", "")),
            epoch=str(data["epoch"]),
            may_publish=bool(data.get("may_publish", False)),
            max_station_sequence=int(data.get("max_station_sequence", 0)),
            protocol_version=int(data.get("protocol_version", PROTOCOL_VERSION)),
            feed_head=_optional_int(data.get("feed_head")),
            reference_head=_optional_int(data.get("reference_head")),
            audit_head_sequence=_optional_int(data.get("audit_head_sequence")),
            audit_head_hash=str(data.get("audit_head_hash") or ""),
        )


def _optional_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class PushedEvent:
    """One event as pushed: its wire form and its per-station sequence number."""

    event: dict[str, Any]
    station_sequence: int | None
    # The server's earlier epoch accepted it (sent again after a restore).
    acknowledged: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = {"event": self.event, "station_sequence": self.station_sequence}
        if self.acknowledged:
            data["acknowledged"] = True
        return data


@dataclass(frozen=True)
class EventAnswer:
    """The server's answer about one pushed event."""

    id: str
    status: AnswerStatus
    server_sequence: int | None = None
    code: str | None = None
    reason: str | None = None
    warnings: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = _drop_none(asdict(self))
        data["status"] = self.status.value
        if not self.warnings:
            data.pop("warnings", None)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EventAnswer:
        sequence = data.get("server_sequence")
        return cls(
            id=str(data["id"]),
            status=AnswerStatus(data["status"]),
            server_sequence=int(sequence) if sequence is not None else None,
            code=data.get("code"),
            reason=data.get("reason"),
            warnings=[dict(w) for w in data.get("warnings") or []],
        )


@dataclass(frozen=True)
class PushAnswer:
    epoch: str
    answers: list[EventAnswer]
    max_station_sequence: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "answers": [a.to_dict() for a in self.answers],
            "max_station_sequence": self.max_station_sequence,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PushAnswer:
        return cls(
            epoch=str(data["epoch"]),
            answers=[EventAnswer.from_dict(a) for a in data["answers"]],
            max_station_sequence=int(data.get("max_station_sequence", 0)),
        )


@dataclass(frozen=True)
class ConflictNotice:
    """Another station's event on a case in this station's scope, refused by the server."""

    event_id: str
    case_id: str
    station: str
    actor_name: str
    type: str
    code: str
    reason: str
    received_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConflictNotice:
        return cls(**{k: str(data[k]) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class PulledItem:
    """One row of the station's feed: an event, or a notice of someone else's conflict."""

    cursor: int
    kind: str  # "event" | "conflict"
    server_sequence: int | None = None
    event: dict[str, Any] | None = None
    conflict: ConflictNotice | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"cursor": self.cursor, "kind": self.kind}
        if self.event is not None:
            data["server_sequence"] = self.server_sequence
            data["event"] = self.event
        if self.conflict is not None:
            data["conflict"] = self.conflict.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PulledItem:
        conflict = data.get("conflict")
        sequence = data.get("server_sequence")
        return cls(
            cursor=int(data["cursor"]),
            kind=str(data["kind"]),
            server_sequence=int(sequence) if sequence is not None else None,
            event=data.get("event"),
            conflict=ConflictNotice.from_dict(conflict) if conflict else None,
        )


@dataclass(frozen=True)
class PullPage:
    epoch: str
    items: list[PulledItem]
    next_cursor: int
    more: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "items": [i.to_dict() for i in self.items],
            "next_cursor": self.next_cursor,
            "more": self.more,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PullPage:
        return cls(
            epoch=str(data["epoch"]),
            items=[PulledItem.from_dict(i) for i in data["items"]],
            next_cursor=int(data["next_cursor"]),
            more=bool(data["more"]),
        )


@dataclass(frozen=True)
class ReferenceItem:
    """One reference record (a department, a matter, a staff member, a seal, a year)."""

    kind: ReferenceKind
    key: str
    data: dict[str, Any]
    version: int = 0
    station: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "key": self.key,
            "data": self.data,
            "version": self.version,
            "station": self.station,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceItem:
        return cls(
            kind=ReferenceKind(data["kind"]),
            key=str(data["key"]),
            data=dict(data["data"]),
            version=int(data.get("version", 0)),
            station=str(data.get("station", "")),
        )


@dataclass(frozen=True)
class ReferencePage:
    epoch: str
    items: list[ReferenceItem]
    next_version: int
    more: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "items": [i.to_dict() for i in self.items],
            "next_version": self.next_version,
            "more": self.more,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferencePage:
        return cls(
            epoch=str(data["epoch"]),
            # A kind a newer server sends that this build does not know is passed over,
            # so the rest of the catalog, staff and seals still arrive.
            items=[ReferenceItem.from_dict(i) for i in data["items"]
                   if i.get("kind") in ReferenceKind._value2member_map_],
            next_version=int(data["next_version"]),
            more=bool(data["more"]),
        )


@dataclass(frozen=True)
class ReferenceAnswer:
    """The server's answer about one pushed reference item."""

    kind: str
    key: str
    status: str  # "accepted" | "unchanged" | "refused"
    version: int = 0
    code: str = ""
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceAnswer:
        return cls(
            kind=str(data["kind"]),
            key=str(data["key"]),
            status=str(data["status"]),
            version=int(data.get("version", 0)),
            code=str(data.get("code", "")),
            reason=str(data.get("reason", "")),
        )


@dataclass(frozen=True)
class AttachmentStatus:
    """How much of a scan the server holds; ``complete`` only once size and hash match."""

    sha256: str
    size: int
    received: int
    complete: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AttachmentStatus:
        return cls(
            sha256=str(data["sha256"]),
            size=int(data["size"]),
            received=int(data["received"]),
            complete=bool(data["complete"]),
        )


def pack_files(head: dict[str, Any], files: list[bytes]) -> bytes:
    """A ``FILES_MEDIA_TYPE`` body: ``head`` (its "files" list naming each file's
    "sha256" and "size", in order) as one JSON line, then the files' bytes."""
    return b"".join([json.dumps(head, ensure_ascii=False).encode("utf-8"), b"\n", *files])


def unpack_files(body: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """The head and the files of a ``FILES_MEDIA_TYPE`` body; ValueError if it is not
    one (cut short, say, or longer than its head says)."""
    head_line, newline, rest = body.partition(b"\n")
    if not newline:
        raise ValueError("no header line")
    head = json.loads(head_line)
    if not isinstance(head, dict) or not isinstance(head.get("files"), list):
        raise ValueError("no list of files")
    files: list[bytes] = []
    offset = 0
    for item in head["files"]:
        size = int(item["size"])
        if size < 0 or offset + size > len(rest):
            raise ValueError("the body is shorter than its header says")
        files.append(rest[offset:offset + size])
        offset += size
    if offset != len(rest):
        raise ValueError("the body is longer than its header says")
    return head, files


@dataclass(frozen=True)
class FilesAnswer:
    """Several files in one answer (``FILES_MEDIA_TYPE``): their bytes by SHA-256, those
    the server does not hold for this station, and those to ask for again."""

    files: dict[str, bytes]
    missing: list[str]
    later: list[str]

    @classmethod
    def parse(cls, body: bytes) -> FilesAnswer:
        """Split an answer; ValueError if it is not one."""
        head, files = unpack_files(body)
        return cls({str(item["sha256"]): data for item, data in zip(head["files"], files,
                                                                    strict=True)},
                   [str(d) for d in head["missing"]], [str(d) for d in head["later"]])


def is_sha256(text: str) -> bool:
    """64 lower-case hexadecimal digits."""
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)
