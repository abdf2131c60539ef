"""SQLAlchemy 2.0 models of the local profile.

Events are the record of truth; ``cases`` is their projection (rebuildable with
``rebuild_projection``). Alembic owns the schema: nothing here is created with
``create_all`` outside tests.
"""

# No ``from __future__ import annotations`` here: declarative mapping reads each
# ``Mapped[...]`` annotation, and a string one is eval'd first (487 of them at every
# start, about a fifth of this module's import). The annotations name only what is
# imported above, so they evaluate as they stand.

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
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


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and gives them back aware (SQLite forgets zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Setting(Base):
    """Profile-wide values: station code, window, sync cursor, profile marker."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Sequence(Base):
    """Named counters (case numbers per station and day, document numbers per year)."""

    __tablename__ = "sequences"
    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class Department(Base):
    __tablename__ = "departments"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    document_number_pattern: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(40), default="")
    # 机关代字 and 文种代字 overrides (GB/T 9704 7.2.4), the station numbering plainly.
    document_prefix: Mapped[str] = mapped_column(String(20), default="")
    kind_codes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    numbering_station: Mapped[str] = mapped_column(String(limits.STATION_CODE), default="")
    # Where this department's acts are challenged (行政复议法 第二十四条、第二十七条).
    reconsideration_body: Mapped[str] = mapped_column(String(100), default="")
    litigation_court: Mapped[str] = mapped_column(String(100), default="")
    vertical: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Matter(Base):
    """A catalog matter; ``data`` holds the whole guide as ``domain.catalog.Matter``."""

    __tablename__ = "matters"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    department_code: Mapped[str] = mapped_column(ForeignKey("departments.code"), index=True)
    case_type: Mapped[str] = mapped_column(String(20))
    pinyin_initials: Mapped[str] = mapped_column(String(200), default="", index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(limits.USERNAME), unique=True)
    display_name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[str] = mapped_column(String(100))  # comma separated Role values
    department_code: Mapped[str | None] = mapped_column(
        ForeignKey("departments.code"), nullable=True
    )
    window_name: Mapped[str] = mapped_column(String(limits.WINDOW_NAME), default="")
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when the administrator resets the password: the next login must change it.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SealPasswordLock(Base):
    """Wrong passwords one person typed to use one seal, and the lock they earned: the
    seal password is limited like the login (``seal_id`` is empty where no seal could be
    chosen yet)."""

    __tablename__ = "seal_password_locks"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    seal_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Delegation(Base):
    """A chief representative's named temporary deputy (临时授权)."""

    __tablename__ = "delegations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    chief_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    deputy_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WindowPost(Base):
    """A window's AB岗: its own officer (A) and the backup who covers for them (B)."""

    __tablename__ = "window_posts"
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE), primary_key=True)
    window_name: Mapped[str] = mapped_column(String(limits.WINDOW_NAME), primary_key=True)
    a_staff_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    b_staff_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StaffAbsence(Base):
    """A recorded absence (请假、公出、培训…) over local days, both inclusive. Never
    deleted: ending it early moves ``last_day`` back (the first plan stays in
    ``planned_last_day``), cancelling sets ``cancelled_at``."""

    __tablename__ = "staff_absences"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    staff_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    planned_last_day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[str] = mapped_column(String(limits.ID))
    recorded_by_name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_by_name: Mapped[str] = mapped_column(String(limits.PERSON_NAME), default="")
    close_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Seal(Base):
    """The seal registry (审批专用章); ``data`` is ``domain.seal.SealRecord.to_dict()``."""

    __tablename__ = "seals"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(20), index=True)
    serial: Mapped[str] = mapped_column(String(60), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # No picture of the seal: documents draw it from ``data`` (migration 0005).
    # The seal's signing certificate (the key itself stays out of the database).
    cert_pem: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SealUse(Base):
    """The seal usage record (用印登记). Append-only: triggers refuse UPDATE and DELETE."""

    __tablename__ = "seal_uses"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    seal_id: Mapped[str] = mapped_column(ForeignKey("seals.id"), index=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    case_number: Mapped[str] = mapped_column(String(40))
    document_kind: Mapped[str] = mapped_column(String(40))
    document_number: Mapped[str] = mapped_column(String(80))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[str] = mapped_column(String(limits.ID))
    actor_name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE))
    window_name: Mapped[str] = mapped_column(String(limits.WINDOW_NAME))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    supersedes: Mapped[str | None] = mapped_column(String(36), nullable=True)
    purpose: Mapped[str] = mapped_column(Text, default="", server_default="")  # 用印事由
    copies: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # 份数


class Document(Base):
    """An issued document, kept byte for byte so a re-print is the same document."""

    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    document_number: Mapped[str] = mapped_column(String(80))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    docx: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    seal_use_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The server refused the SEALED event that issued it: void, and the seal ledger
    # says so (migration 0011).
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    void_reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class CalendarYear(Base):
    """A year's holidays and adjusted working days (``domain.calendar.YearCalendar``)."""

    __tablename__ = "calendar_years"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    published: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventRow(Base):
    """The event log: the record of truth for every case."""

    __tablename__ = "events"
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    # Indexed so a sync round finds the sealed documents it lacks without a scan.
    type: Mapped[str] = mapped_column(String(30), index=True)
    actor_id: Mapped[str] = mapped_column(String(limits.ID))
    actor_name: Mapped[str] = mapped_column(String(limits.PERSON_NAME))
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE))
    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Per-station order of locally made events; going backwards reveals a copied profile.
    # Indexed: every sync round reads its maximum.
    station_sequence: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    server_sequence: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Outbox(Base):
    """Events waiting to be pushed; a row leaves only when the server's answer names it."""

    __tablename__ = "outbox"
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id"), primary_key=True)
    enqueued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # An earlier server epoch accepted the event (it is sent again after a restore): the
    # server then waits for the history it lacks instead of refusing it for its order.
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)


class SyncConflict(Base):
    """An event the server refused: shown to the people concerned, never dropped."""

    __tablename__ = "sync_conflicts"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    code: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditRow(Base):
    """The audit hash chain. Append-only: triggers refuse UPDATE and DELETE."""

    __tablename__ = "audit_log"
    sequence: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    body: Mapped[str] = mapped_column(Text)
    previous_hash: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))


class Attachment(Base):
    """A scanned material, stored by content hash in the profile's attachments folder."""

    __tablename__ = "attachments"
    # A sync round asks whether any is not uploaded yet: the few, not every scan.
    __table_args__ = (Index("ix_attachments_unsent", "sha256", sqlite_where=text("uploaded IS 0")),)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    mime_type: Mapped[str] = mapped_column(String(limits.MIME_TYPE))
    original_name: Mapped[str] = mapped_column(String(limits.FILE_NAME))
    uploaded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseRow(Base):
    """Projection of a case for lists and queries; rebuilt from ``events`` at will."""

    __tablename__ = "cases"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    station: Mapped[str] = mapped_column(String(limits.STATION_CODE))
    matter_code: Mapped[str] = mapped_column(String(40))
    matter_name: Mapped[str] = mapped_column(String(200))
    department_code: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(String(30), index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_id_number: Mapped[str] = mapped_column(String(40), index=True)
    applicant_phone: Mapped[str] = mapped_column(String(40), index=True)
    # What a clerk types to find a case: "zs" for 张三, and the ID's last 4 (the list
    # shows only those).
    applicant_initials: Mapped[str] = mapped_column(String(200), default="")
    applicant_id_tail: Mapped[str] = mapped_column(String(4), default="")
    first_responder_id: Mapped[str] = mapped_column(String(36))
    reviewer_id: Mapped[str] = mapped_column(String(36), default="")
    approver_id: Mapped[str] = mapped_column(String(36), default="")
    window_name: Mapped[str] = mapped_column(String(limits.WINDOW_NAME), default="")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    deadline_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    # First day the case shows yellow; lets lists filter by warning level with an index.
    yellow_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    on_time: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), default="")
    evaluation: Mapped[str] = mapped_column(String(30), default="")
    # 延时服务 / 周末服务 / 上门服务, or "" (counted each month).
    service_mode: Mapped[str] = mapped_column(String(20), default="")
    # 容缺受理: the promised day for the owed materials and how many are still owed.
    tolerance_due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    # 第三十二条: the last day to accept, refuse or give the one-time notice, while a
    # licensing case waits for that decision (None otherwise): past it, 预警督办 lists it.
    intake_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    tolerance_owed: Mapped[int] = mapped_column(Integer, default=0)
    promise_broken: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_cases_state_deadline", "state", "deadline"),
        # The text searches' columns with the registration time: the newest matches of a
        # name, initials, ID tail or matter are found in the index, then only their rows
        # are read (app.store.repositories.CaseRepository.page).
        Index("ix_cases_applicant_name_registered_at", "applicant_name", "registered_at"),
        Index("ix_cases_applicant_initials_registered_at", "applicant_initials",
              "registered_at"),
        Index("ix_cases_applicant_id_tail_registered_at", "applicant_id_tail",
              "registered_at"),
        Index("ix_cases_matter_code_registered_at", "matter_code", "registered_at"),
        # Running cases by deadline: the red and yellow lists and their counts read a
        # range of this small index, whatever today is.
        Index("ix_cases_running_deadline", "deadline", "yellow_from",
              sqlite_where=text("completed_at IS NULL")),
        # The few cases waiting for the intake decision, by its last day.
        Index("ix_cases_intake_due", "intake_due", sqlite_where=text("intake_due IS NOT NULL")),
    )


class CaseCount(Base):
    """How many cases each bucket holds, kept by triggers on ``cases`` (migration 0015):
    the list's counts without counting a million rows. Buckets: ``all``, ``state:X``,
    ``category:X``, ``department:X``, ``matter:X``, ``day:<number up to the date>``,
    ``name:<first two characters of the applicant's name>``."""

    __tablename__ = "case_counts"
    bucket: Mapped[str] = mapped_column(String(250), primary_key=True)
    cases: Mapped[int] = mapped_column(Integer)


class UnstagedDocument(Base):
    """A document sealed here whose PDF is not queued for upload yet, kept by triggers
    on ``documents`` and ``attachments`` (migration 0016): a sync round finds the few
    without reading every sealed document."""

    __tablename__ = "unstaged_documents"
    document_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)


class WantedDocument(Base):
    """A SEALED event naming a PDF this station holds no document of, kept by triggers
    on ``events`` and ``documents`` (migration 0016)."""

    __tablename__ = "wanted_documents"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)


class Consultation(Base):
    """A consultation at the counter (咨询): no application, but it counts (首问负责)."""

    __tablename__ = "consultations"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station: Mapped[str] = mapped_column(String(12))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    asker_name: Mapped[str] = mapped_column(String(200), default="")
    asker_phone: Mapped[str] = mapped_column(String(40), default="")
    matter_code: Mapped[str] = mapped_column(String(40), default="")
    matter_name: Mapped[str] = mapped_column(String(200), default="")
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20), default="counter")
    staff_id: Mapped[str] = mapped_column(String(36), index=True)
    staff_name: Mapped[str] = mapped_column(String(50))
    window_name: Mapped[str] = mapped_column(String(50), default="")
    guide_printed: Mapped[bool] = mapped_column(Boolean, default=False)
    # The case the consultation turned into, once registered.
    case_id: Mapped[str] = mapped_column(String(36), default="")


class Appointment(Base):
    """An appointment (预约) for a window, a matter, a day and a time slot."""

    __tablename__ = "appointments"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station: Mapped[str] = mapped_column(String(12))
    day: Mapped[date] = mapped_column(Date, index=True)
    slot: Mapped[str] = mapped_column(String(11))  # "09:00-10:00", local time
    window_name: Mapped[str] = mapped_column(String(50))
    matter_code: Mapped[str] = mapped_column(String(40))
    matter_name: Mapped[str] = mapped_column(String(200))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_phone: Mapped[str] = mapped_column(String(40), default="")
    channel: Mapped[str] = mapped_column(String(20))  # counter | phone
    service_mode: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(20), default="booked")
    note: Mapped[str] = mapped_column(Text, default="")
    booked_by: Mapped[str] = mapped_column(String(50))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    case_id: Mapped[str] = mapped_column(String(36), default="")


class PromiseRecord(Base):
    """A 告知承诺 found broken (承诺不实), from this station or pulled from the county:
    the applicant's next case anywhere shows it."""

    __tablename__ = "promise_records"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    id_number: Mapped[str] = mapped_column(String(40), index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    case_number: Mapped[str] = mapped_column(String(40))
    matter_name: Mapped[str] = mapped_column(String(200))
    finding: Mapped[str] = mapped_column(Text)
    station: Mapped[str] = mapped_column(String(12))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ComplaintRow(Base):
    """Projection of a complaint (投诉) for lists and the assessment; rebuilt from
    ``events`` like the cases. Contact details stay in the events."""

    __tablename__ = "complaints"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    station: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(20))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    complainant_name: Mapped[str] = mapped_column(String(100), default="")
    window_name: Mapped[str] = mapped_column(String(50), default="", index=True)
    staff_id: Mapped[str] = mapped_column(String(36), default="", index=True)
    staff_name: Mapped[str] = mapped_column(String(50), default="")
    case_id: Mapped[str] = mapped_column(String(36), default="")
    case_number: Mapped[str] = mapped_column(String(40), default="")
    department_code: Mapped[str] = mapped_column(String(20), default="")
    state: Mapped[str] = mapped_column(String(20), index=True)
    assignee_id: Mapped[str] = mapped_column(String(36), default="")
    assignee_name: Mapped[str] = mapped_column(String(50), default="")
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    answer_due: Mapped[date] = mapped_column(Date)
    finding: Mapped[str] = mapped_column(String(30), default="")
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    on_time: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    reply: Mapped[str] = mapped_column(String(30), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ArchiveRecord(Base):
    """A case archived (归档) as one package: where it went and the manifest's hash, so
    a batch run skips what is archived already and a package can be checked later."""

    __tablename__ = "archive_records"
    case_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40))
    archival_code: Mapped[str] = mapped_column(String(80))  # 档号
    package_name: Mapped[str] = mapped_column(String(255))
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    file_count: Mapped[int] = mapped_column(Integer)
    archived_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    archived_by: Mapped[str] = mapped_column(String(50))
