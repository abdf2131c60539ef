"""SQLAlchemy 2.0 models of the central server's database (SQLite or PostgreSQL).

The event log is the record of truth, as on the stations. Two counters in
``server_state`` number events (``server_sequence``) and reference data (``version``);
both are taken under a row lock so numbers are handed out in commit order and a
pulling station never skips a row that commits late. Alembic owns the schema
(server/migrations); ``create_all`` is for nothing but the schema comparison test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.domain import limits

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-numbers an INTEGER PRIMARY KEY; PostgreSQL gets a real bigint.
AutoBigInt = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on both databases."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use timezone-aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ServerState(Base):
    """One row: the epoch and the two counters."""

    __tablename__ = "server_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Random id made at init and changed when the database is restored from a backup:
    # a station that sees a new epoch re-sends what the server may have lost.
    epoch: Mapped[str] = mapped_column(String(36))
    event_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    reference_version: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    epoch_started_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Station(Base):
    """An enrolled (or enrollable) station: one CounterDesk installation."""

    __tablename__ = "stations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Set at creation (--code) or adopted from the station at enrollment.
    code: Mapped[str | None] = mapped_column(String(12), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    # A publishing station (the centre's administrator desk) may push the catalog,
    # seals and calendar; every station may push its own staff.
    may_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    # A window computer of the county centre sees every case, not only its own and
    # those forwarded to it (several windows and chief representatives share cases).
    sees_all_cases: Mapped[bool] = mapped_column(Boolean, default=False)
    enrollment_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enrollment_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    credential_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The highest station_sequence stored from this station. A station holding less, or
    # pushing a new event under a number already stored, runs on a restored or copied
    # database.
    max_station_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the station last reported of itself (headers of its station request): its
    # protocol version, how many events wait in its outbox, the epoch it holds.
    protocol_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reported_outbox: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reported_epoch: Mapped[str] = mapped_column(String(36), default="", server_default="")
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The newest audit record the station reported (sequence, hash): its chain must
    # still reach it, so a station whose newest records were cut off is noticed.
    audit_head_sequence: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    audit_head_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


# The sealed events' payload keys looked up by value: the verification page's seal use
# and correction, when no verification record came with them (a station older than the
# records), and a sealed PDF's digest when a station downloads it. Each has a partial
# expression index (migrations 0009, 0010); the query must spell the expression the
# same way for the database to use it, so both take it from here.
SEALED_LOOKUP_KEYS = ("seal_use_id", "supersedes", "pdf_sha256")


def sealed_payload_text(dialect: str, key: str) -> str:
    """SQL for the text of ``payload[key]`` on ``dialect``, as the index spells it."""
    if key not in SEALED_LOOKUP_KEYS:
        raise ValueError(f"no index on payload key {key!r}")
    if dialect == "postgresql":
        return f"(payload ->> '{key}')"
    return f"json_extract(payload, '$.{key}')"


def sealed_lookup_indexes() -> list[str]:
    return [f"ix_events_sealed_{key}" for key in SEALED_LOOKUP_KEYS]


class EventRow(Base):
    """An accepted event, numbered in the order the server accepted it."""

    __tablename__ = "events"
    server_sequence: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False
    )
    id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    type: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[str] = mapped_column(String(limits.ID))
    actor_name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE), index=True)
    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # SHA-256 of the event's canonical JSON: "same id, same content" is a duplicate.
    content_hash: Mapped[str] = mapped_column(String(64))
    station_sequence: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Accepted but flagged (a seal used after its central revocation, ...).
    flag_code: Mapped[str] = mapped_column(String(60), default="")
    flag_reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_events_station_sequence", "station", "station_sequence"),)


class Rejection(Base):
    """A pushed event refused for good: kept, answered the same way if pushed again."""

    __tablename__ = "rejections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE))
    actor_id: Mapped[str] = mapped_column(String(limits.ID))
    actor_name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    type: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    station_sequence: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    event: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_rejections_station_sequence", "station", "station_sequence"),)


class CaseScope(Base):
    """Which stations see a case: the registering station and every station it was
    forwarded to."""

    __tablename__ = "case_scopes"
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE), primary_key=True)
    since_sequence: Mapped[int] = mapped_column(BigInteger)


class Delivery(Base):
    """A station's feed: what it should pull, in order. ``id`` is its pull cursor."""

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(AutoBigInt, primary_key=True, autoincrement=True)
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE))
    event_sequence: Mapped[int | None] = mapped_column(
        ForeignKey("events.server_sequence"), nullable=True
    )
    rejection_id: Mapped[int | None] = mapped_column(ForeignKey("rejections.id"), nullable=True)

    __table_args__ = (Index("ix_deliveries_station_id", "station", "id"),)


class ReferenceItem(Base):
    """Catalog, departments, staff, seals and calendar years, versioned for pulls."""

    __tablename__ = "reference_items"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(limits.REFERENCE_KEY), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, unique=True)
    # Staff belong to a station and go only to it; "" for everything else.
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE), default="", index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(40))


class Attachment(Base):
    """A scanned material being received or received, named by its SHA-256."""

    __tablename__ = "attachments"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(limits.MIME_TYPE), default="")
    original_name: Mapped[str] = mapped_column(String(limits.FILE_NAME), default="")
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class VerificationRecord(Base):
    """What a scanned QR code may show of one seal use, uploaded by the sealing station
    before the events that name it (``server.verification``). Only what the paper
    shows, with the applicant's name masked; the code is kept as its SHA-256."""

    __tablename__ = "verification_records"
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station: Mapped[str] = mapped_column(String(12), index=True)
    case_id: Mapped[str] = mapped_column(String(36))
    case_number: Mapped[str] = mapped_column(String(40))
    document_kind: Mapped[str] = mapped_column(String(40))
    document_number: Mapped[str] = mapped_column(String(80))
    authority_name: Mapped[str] = mapped_column(String(100))
    seal_title: Mapped[str] = mapped_column(String(60), default="")
    applicant: Mapped[str] = mapped_column(String(200), default="")
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    supersedes: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DocumentRevocation(Base):
    """A sealed document revoked by decision (行政许可法第六十九条 撤销, ...), recorded by
    the county's administrators: its verification page says so."""

    __tablename__ = "document_revocations"
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    decision_number: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    revoked_on: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(40))


class AdminAccount(Base):
    """An account of the server's console (county IT staff), argon2 hash, lock-out."""

    __tablename__ = "admin_accounts"
    username: Mapped[str] = mapped_column(String(40), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AdminSession(Base):
    """A logged-in console session: the cookie's SHA-256, never the cookie itself."""

    __tablename__ = "admin_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("admin_accounts.username"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AdminAudit(Base):
    """Every act of the console (and the CLI's account commands), append-only."""

    __tablename__ = "admin_audit"
    id: Mapped[int] = mapped_column(AutoBigInt, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    username: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(120), default="")
    outcome: Mapped[str] = mapped_column(String(20), default="ok")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    remote: Mapped[str] = mapped_column(String(64), default="")


class DocumentTimestamp(Base):
    """The RFC 3161 token the server made over a sealed document's signed PDF when its
    SEALED event arrived (``server.timestamps``): kept once, never changed."""

    __tablename__ = "document_timestamps"
    document_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    token: Mapped[bytes] = mapped_column(LargeBinary)
    stamped_at: Mapped[datetime] = mapped_column(UTCDateTime)
