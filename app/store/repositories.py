"""Repositories: typed access to the tables. They take a Session and never commit."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Row,
    Table,
    delete,
    func,
    literal_column,
    or_,
    select,
    union,
    union_all,
    update,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from app.domain.audit import (
    GENESIS_HASH,
    AuditRecord,
    canonical_json,
    chain_hash,
)
from app.domain.calendar import YearCalendar, local_day_start
from app.domain.case import CaseState
from app.domain.catalog import Department as DepartmentData
from app.domain.catalog import Matter as MatterData
from app.domain.events import Event, EventType
from app.store import models


def _now() -> datetime:
    return datetime.now(UTC)


def _table(model: type[models.Base]) -> Table:
    """A model's table, for bulk statements that need none of the ORM's bookkeeping."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


class _Repository:
    def __init__(self, session: Session) -> None:
        self.session = session


class SettingsRepository(_Repository):
    def get(self, key: str, default: str = "") -> str:
        row = self.session.get(models.Setting, key)
        return row.value if row is not None else default

    def set(self, key: str, value: str) -> None:
        row = self.session.get(models.Setting, key)
        if row is None:
            self.session.add(models.Setting(key=key, value=value))
        else:
            row.value = value

    def all(self) -> dict[str, str]:
        # Plain rows, not ORM objects: every sync round starts by reading them.
        self.session.flush()
        table = _table(models.Setting)
        return {key: value for key, value in self.session.execute(select(table.c.key,
                                                                         table.c.value))}

    def set_many(self, values: dict[str, str]) -> None:
        """Write several settings in one statement (every sync round ends with two).

        Straight to the table: a Setting object already loaded in this unit of work
        would keep its old value, so use it where none is.
        """
        table = _table(models.Setting)
        statement = sqlite_insert(table)
        self.session.execute(
            statement.on_conflict_do_update(index_elements=[table.c.key],
                                            set_={"value": statement.excluded.value}),
            [{"key": key, "value": value} for key, value in values.items()],
        )


class SequenceRepository(_Repository):
    def next(self, name: str) -> int:
        """The next value of a named counter (inside the caller's write transaction)."""
        row = self.session.get(models.Sequence, name)
        if row is None:
            row = models.Sequence(name=name, value=0)
            self.session.add(row)
        row.value += 1
        self.session.flush()
        return row.value

    def peek(self, name: str) -> int:
        row = self.session.get(models.Sequence, name)
        return row.value if row is not None else 0

    def raise_to(self, name: str, value: int) -> None:
        row = self.session.get(models.Sequence, name)
        if row is None:
            self.session.add(models.Sequence(name=name, value=value))
        elif row.value < value:
            row.value = value


def _department(row: models.Department) -> DepartmentData:
    return DepartmentData(
        row.code, row.name, row.document_number_pattern, row.phone,
        document_prefix=row.document_prefix or "", kind_codes=dict(row.kind_codes or {}),
        numbering_station=row.numbering_station or "",
        reconsideration_body=row.reconsideration_body or "",
        litigation_court=row.litigation_court or "", vertical=bool(row.vertical),
    )


class CatalogRepository(_Repository):
    def departments(self) -> list[DepartmentData]:
        rows = self.session.scalars(select(models.Department).order_by(models.Department.code))
        return [_department(r) for r in rows]

    def department(self, code: str) -> DepartmentData | None:
        r = self.session.get(models.Department, code)
        return _department(r) if r else None

    def save_department(self, department: DepartmentData) -> None:
        row = self.session.get(models.Department, department.code)
        if row is None:
            row = models.Department(code=department.code)
            self.session.add(row)
        row.name = department.name
        row.document_number_pattern = department.document_number_pattern
        row.phone = department.phone
        row.document_prefix = department.document_prefix
        row.kind_codes = dict(department.kind_codes)
        row.numbering_station = department.numbering_station
        row.reconsideration_body = department.reconsideration_body
        row.litigation_court = department.litigation_court
        row.vertical = department.vertical
        row.updated_at = _now()

    def matter(self, code: str) -> MatterData | None:
        row = self.session.get(models.Matter, code)
        return MatterData.from_dict(row.data) if row is not None else None

    def matters(self, *, include_inactive: bool = False) -> list[MatterData]:
        query = select(models.Matter).order_by(models.Matter.department_code, models.Matter.code)
        if not include_inactive:
            query = query.where(models.Matter.active.is_(True))
        return [MatterData.from_dict(r.data) for r in self.session.scalars(query)]

    def save_matter(self, matter: MatterData, pinyin_initials: str) -> None:
        row = self.session.get(models.Matter, matter.code)
        if row is None:
            row = models.Matter(code=matter.code)
            self.session.add(row)
        row.name = matter.name
        row.department_code = matter.department_code
        row.case_type = matter.case_type.value
        row.pinyin_initials = pinyin_initials
        row.active = matter.active
        row.version = matter.version
        row.data = matter.to_dict()
        row.updated_at = _now()

    def search_matters(self, text: str, *, department_code: str = "") -> list[MatterData]:
        query = select(models.Matter).where(models.Matter.active.is_(True))
        text = text.strip()
        if text:
            like = f"%{like_escaped(text)}%"
            conditions = [models.Matter.name.like(like, escape="\\"),
                          models.Matter.code.like(like, escape="\\")]
            if text.isascii() and text.isalpha():
                # Initials typed in order, gaps allowed: "gsdj" finds 个体工商户登记 (gtgshdj).
                conditions.append(
                    models.Matter.pinyin_initials.like("%" + "%".join(text.lower()) + "%")
                )
            query = query.where(or_(*conditions))
        if department_code:
            query = query.where(models.Matter.department_code == department_code)
        query = query.order_by(models.Matter.department_code, models.Matter.name)
        return [MatterData.from_dict(r.data) for r in self.session.scalars(query)]


class UserRepository(_Repository):
    def get(self, user_id: str) -> models.User | None:
        return self.session.get(models.User, user_id)

    def by_username(self, username: str) -> models.User | None:
        return self.session.scalar(select(models.User).where(models.User.username == username))

    def all(self) -> list[models.User]:
        return list(self.session.scalars(select(models.User).order_by(models.User.username)))

    def add(self, user: models.User) -> None:
        self.session.add(user)
        self.session.flush()

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(models.User)) or 0

    def active_delegations_for(self, deputy_id: str, at: datetime) -> list[models.Delegation]:
        query = select(models.Delegation).where(
            models.Delegation.deputy_id == deputy_id,
            models.Delegation.starts_at <= at,
            models.Delegation.ends_at > at,
        )
        return list(self.session.scalars(query))

    def delegations_for(self, deputy_id: str) -> list[models.Delegation]:
        query = select(models.Delegation).where(models.Delegation.deputy_id == deputy_id)
        return list(self.session.scalars(query))

    def delegations_by_deputy(self) -> dict[str, list[models.Delegation]]:
        """Every delegation, grouped by deputy (one query for a whole staff list)."""
        grouped: dict[str, list[models.Delegation]] = {}
        for row in self.session.scalars(select(models.Delegation)):
            grouped.setdefault(row.deputy_id, []).append(row)
        return grouped

    def add_delegation(self, delegation: models.Delegation) -> None:
        self.session.add(delegation)

    def window_posts(self) -> list[models.WindowPost]:
        """Every window's AB岗, by station and window."""
        query = select(models.WindowPost).order_by(models.WindowPost.station,
                                                    models.WindowPost.window_name)
        return list(self.session.scalars(query))

    def window_post(self, station: str, window_name: str) -> models.WindowPost | None:
        return self.session.get(models.WindowPost, (station, window_name))

    def posts_of_a(self, a_staff_id: str) -> list[models.WindowPost]:
        query = select(models.WindowPost).where(models.WindowPost.a_staff_id == a_staff_id)
        return list(self.session.scalars(query))

    def posts_covered_by(self, b_staff_id: str) -> list[models.WindowPost]:
        query = select(models.WindowPost).where(models.WindowPost.b_staff_id == b_staff_id)
        return list(self.session.scalars(query))

    def save_window_post(self, post: models.WindowPost) -> None:
        self.session.add(post)

    def delete_window_post(self, post: models.WindowPost) -> None:
        self.session.delete(post)

    def absence(self, absence_id: str) -> models.StaffAbsence | None:
        return self.session.get(models.StaffAbsence, absence_id)

    def absences(self, staff_id: str | None = None) -> list[models.StaffAbsence]:
        """Recorded absences (cancelled ones too), latest first; one person's or all."""
        query = select(models.StaffAbsence)
        if staff_id is not None:
            query = query.where(models.StaffAbsence.staff_id == staff_id)
        query = query.order_by(models.StaffAbsence.first_day.desc(),
                               models.StaffAbsence.recorded_at.desc())
        return list(self.session.scalars(query))

    def add_absence(self, absence: models.StaffAbsence) -> None:
        self.session.add(absence)
        self.session.flush()

    def seal_password_lock(self, user_id: str, seal_id: str) -> models.SealPasswordLock | None:
        return self.session.get(models.SealPasswordLock, (user_id, seal_id))

    def add_seal_password_lock(self, lock: models.SealPasswordLock) -> None:
        self.session.add(lock)


class SealRepository(_Repository):
    def get(self, seal_id: str) -> models.Seal | None:
        return self.session.get(models.Seal, seal_id)

    def all(self) -> list[models.Seal]:
        return list(self.session.scalars(select(models.Seal).order_by(models.Seal.serial)))

    def for_department(self, department_code: str) -> list[models.Seal]:
        query = select(models.Seal).where(models.Seal.department_code == department_code)
        return list(self.session.scalars(query))

    def save(self, row: models.Seal) -> None:
        self.session.add(row)

    def add_use(self, use: models.SealUse) -> None:
        self.session.add(use)
        self.session.flush()

    def use(self, use_id: str) -> models.SealUse | None:
        return self.session.get(models.SealUse, use_id)

    def use_by_sha256(self, digest: str) -> models.SealUse | None:
        """The use that sealed the PDF whose SHA-256 is ``digest``."""
        query = select(models.SealUse).where(models.SealUse.pdf_sha256 == digest).limit(1)
        return self.session.scalar(query)

    def correction_of(self, use_id: str) -> models.SealUse | None:
        """The first use whose document corrects (supersedes) that of ``use_id``."""
        query = (select(models.SealUse).where(models.SealUse.supersedes == use_id)
                 .order_by(models.SealUse.used_at).limit(1))
        return self.session.scalar(query)

    def uses(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        seal_id: str = "",
        case_id: str = "",
    ) -> list[models.SealUse]:
        query = select(models.SealUse).order_by(models.SealUse.used_at, models.SealUse.id)
        if start is not None:
            query = query.where(models.SealUse.used_at >= start)
        if end is not None:
            query = query.where(models.SealUse.used_at < end)
        if seal_id:
            query = query.where(models.SealUse.seal_id == seal_id)
        if case_id:
            query = query.where(models.SealUse.case_id == case_id)
        return list(self.session.scalars(query))


class DocumentRepository(_Repository):
    def add(self, row: models.Document) -> None:
        self.session.add(row)

    def get(self, document_id: str) -> models.Document | None:
        return self.session.get(models.Document, document_id)

    def for_case(self, case_id: str) -> list[models.Document]:
        query = (
            select(models.Document)
            .where(models.Document.case_id == case_id)
            .order_by(models.Document.created_at)
        )
        return list(self.session.scalars(query))

    def by_sha256(self, digest: str) -> models.Document | None:
        return self.session.scalar(
            select(models.Document).where(models.Document.pdf_sha256 == digest)
        )


class CalendarRepository(_Repository):
    def __init__(self, session: Session) -> None:
        super().__init__(session)
        # Parsed years, kept for the unit of work: a pull stores hundreds of events and
        # each needs the calendar for its deadline.
        self._parsed: dict[int, YearCalendar] | None = None

    def years(self) -> list[models.CalendarYear]:
        return list(self.session.scalars(select(models.CalendarYear)))

    def parsed_years(self) -> dict[int, YearCalendar]:
        """Every stored year as ``YearCalendar``, parsed once per unit of work (and
        once per process for a year's stored text: every case list page needs them)."""
        if self._parsed is None:
            self.session.flush()  # a year saved in this unit of work, read as stored
            rows = self.session.connection().exec_driver_sql(
                "SELECT year, data FROM calendar_years").all()
            self._parsed = {year: _parsed_year(data) for year, data in rows}
        return self._parsed

    def get(self, year: int) -> models.CalendarYear | None:
        return self.session.get(models.CalendarYear, year)

    def save(self, year: int, *, published: bool, source: str, data: dict[str, Any]) -> None:
        row = self.session.get(models.CalendarYear, year)
        if row is None:
            row = models.CalendarYear(year=year)
            self.session.add(row)
        row.published = published
        row.source = source
        row.data = data
        row.updated_at = _now()
        self._parsed = None


# A year's stored JSON text -> the year parsed (immutable); a changed year is new text.
_PARSED_YEARS: dict[str, YearCalendar] = {}


def _parsed_year(stored: str) -> YearCalendar:
    parsed = _PARSED_YEARS.get(stored)
    if parsed is None:
        if len(_PARSED_YEARS) > 1000:  # years edited over and over: start afresh
            _PARSED_YEARS.clear()
        parsed = _PARSED_YEARS[stored] = YearCalendar.from_dict(json.loads(stored))
    return parsed


def _bind_processor(connection: Connection, column: ColumnElement[Any]) -> Callable[[Any], Any]:
    """What ``column``'s type makes of a value bound to a statement on ``connection``."""
    dialect = connection.dialect
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else _unchanged


def _result_processor(
    connection: Connection, column: ColumnElement[Any]
) -> Callable[[Any], Any]:
    """What ``column``'s type makes of a value read from ``connection``."""
    dialect = connection.dialect
    process = column.type.dialect_impl(dialect).result_processor(dialect, None)
    return process if process is not None else _unchanged


def _unchanged(value: Any) -> Any:
    return value


# SQLite's stored text of a date and of a datetime (SQLAlchemy's default storage formats),
# which ``isoformat`` writes too: "2026-11-23" and "2026-11-23 13:42:32.454620".
_SQLITE_DATE_FORMAT = "%(year)04d-%(month)02d-%(day)02d"
_SQLITE_DATETIME_FORMAT = (
    "%(year)04d-%(month)02d-%(day)02d %(hour)02d:%(minute)02d:%(second)02d.%(microsecond)06d"
)


def _time_binder(connection: Connection, column: ColumnElement[Any]) -> Callable[[Any], Any]:
    """``_bind_processor``, with a UTCDateTime or Date column's text on SQLite written
    by ``isoformat`` (the same text in half the time: a pull binds tens of thousands);
    any other value, column or storage format goes to the column type itself."""
    process = _bind_processor(connection, column)
    dialect = connection.dialect
    if dialect.name != "sqlite":
        return process
    impl = column.type.dialect_impl(dialect)
    if isinstance(impl, models.UTCDateTime):
        storage = getattr(impl.impl_instance, "_storage_format", None)
        if storage != _SQLITE_DATETIME_FORMAT:
            return process

        def utc_text(value: Any) -> Any:
            if value is None:
                return None
            # Aware datetimes only: a naive one is refused by the column type.
            if type(value) is datetime and value.tzinfo is not None:
                # "YYYY-MM-DD HH:MM:SS.ffffff+00:00" without its offset.
                return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]
            return process(value)

        return utc_text
    if isinstance(impl, Date) and getattr(impl, "_storage_format", None) == _SQLITE_DATE_FORMAT:

        def date_text(value: Any) -> Any:
            if value is None:
                return None
            # A datetime is a date too, stored as its date alone: the column type's.
            return value.isoformat() if type(value) is date else process(value)

        return date_text
    return process


def _writes_canonical_json(connection: Connection) -> bool:
    """Do JSON columns on ``connection`` hold ``canonical_json`` text (the profile's
    engine, ``database.make_engine``)?"""
    return getattr(connection.dialect, "_json_serializer", None) is canonical_json


def _row_binder(
    connection: Connection, table: Table, names: Sequence[str]
) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A function giving a row's values of the columns ``names``, in order, as their
    column types bind them (only the types that convert anything are called)."""
    dialect = connection.dialect
    get = itemgetter(*names)
    converted = []
    for index, name in enumerate(names):
        if table.c[name].type.dialect_impl(dialect).bind_processor(dialect) is not None:
            converted.append((index, _time_binder(connection, table.c[name])))

    def bound(values: dict[str, Any]) -> tuple[Any, ...]:
        row = list(get(values)) if len(names) > 1 else [get(values)]
        for index, process in converted:
            row[index] = process(row[index])
        return tuple(row)

    return bound


_ADD_PULLED_SQL = (
    "INSERT INTO events (id, case_id, type, actor_id, actor_name, station, device_time,"
    " payload, station_sequence, server_sequence, recorded_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)"
)


def event_from_row(row: models.EventRow) -> Event:
    return Event(
        id=row.id,
        case_id=row.case_id,
        type=EventType(row.type),
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        station=row.station,
        device_time=row.device_time,
        payload=row.payload,
    )


class EventRepository(_Repository):
    def add(
        self,
        event: Event,
        *,
        station_sequence: int | None,
        server_sequence: int | None = None,
        outbox: bool,
    ) -> models.EventRow:
        row = models.EventRow(
            id=event.id,
            case_id=event.case_id,
            type=event.type.value,
            actor_id=event.actor_id,
            actor_name=event.actor_name,
            station=event.station,
            device_time=event.device_time,
            payload=event.payload,
            station_sequence=station_sequence,
            server_sequence=server_sequence,
            recorded_at=_now(),
        )
        self.session.add(row)
        self.session.flush()
        if outbox:
            self.session.add(models.Outbox(event_id=event.id, enqueued_at=_now()))
        return row

    def add_pulled(
        self, events: Sequence[tuple[Event, int | None]], payload_texts: Sequence[str]
    ) -> None:
        """Insert pulled events (no station sequence, no outbox row) in one statement,
        in the order given: their positions follow that order. ``payload_texts`` are
        their payloads' ``canonical_json``, which the caller has made for the audit
        records too."""
        if not events:
            return
        # The hottest write of a pull: straight to the driver, each value converted by
        # its column's own type (JSON text, naive UTC), as ``insert(table)`` would.
        connection = self.session.connection()
        table = _table(models.EventRow)
        device_time = _time_binder(connection, table.c.device_time)
        if _writes_canonical_json(connection):
            payloads: Sequence[Any] = payload_texts
        else:
            payload = _bind_processor(connection, table.c.payload)
            payloads = [payload(event.payload) for event, _ in events]
        recorded_at = _bind_processor(connection, table.c.recorded_at)(_now())
        connection.exec_driver_sql(
            _ADD_PULLED_SQL,
            [
                (event.id, event.case_id, event.type.value, event.actor_id, event.actor_name,
                 event.station, device_time(event.device_time), payload_text,
                 server_sequence, recorded_at)
                for (event, server_sequence), payload_text in zip(events, payloads, strict=True)
            ],
        )

    def get(self, event_id: str) -> models.EventRow | None:
        return self.session.scalar(select(models.EventRow).where(models.EventRow.id == event_id))

    def first_sealed(self, *, payload_key: str, value: str) -> models.EventRow | None:
        """The first SEALED event whose payload's ``payload_key`` is ``value``
        (``pdf_sha256``: the event that sealed a file; ``supersedes``: its correction)."""
        query = (
            select(models.EventRow)
            .where(models.EventRow.type == EventType.SEALED.value,
                   models.EventRow.payload[payload_key].as_string() == value)
            .order_by(models.EventRow.position)
            .limit(1)
        )
        return self.session.scalar(query)

    def get_many(self, event_ids: Iterable[str]) -> dict[str, models.EventRow]:
        """The held rows among ``event_ids``, by id (one query)."""
        wanted = list(set(event_ids))
        if not wanted:
            return {}
        # A pulled page's ids are mostly new here: look for them in the id index first
        # (one light query), and load rows only for those found.
        self.session.flush()  # what the ORM query's autoflush would have written
        held = self.session.connection().exec_driver_sql(
            f"SELECT id FROM events WHERE id IN ({', '.join('?' for _ in wanted)})",
            tuple(wanted),
        ).scalars().all()
        if not held:
            return {}
        query = select(models.EventRow).where(models.EventRow.id.in_(held))
        return {r.id: r for r in self.session.scalars(query)}

    def for_case(self, case_id: str) -> list[Event]:
        query = (
            select(models.EventRow)
            .where(models.EventRow.case_id == case_id)
            .order_by(models.EventRow.position)
        )
        return [event_from_row(r) for r in self.session.scalars(query)]

    def for_cases(self, case_ids: Iterable[str]) -> dict[str, list[Event]]:
        """Each case's events in log order, for several cases in one query; cases
        without events are absent."""
        wanted = list(set(case_ids))
        if not wanted:
            return {}
        # A pull reads the histories of every case it touches: read past the ORM, each
        # value converted by its column's type as a query of EventRow would.
        self.session.flush()  # what the ORM query's autoflush would have written
        connection = self.session.connection()
        table = _table(models.EventRow)
        device_time = _result_processor(connection, table.c.device_time)
        payload = _result_processor(connection, table.c.payload)
        rows = connection.exec_driver_sql(
            "SELECT id, case_id, type, actor_id, actor_name, station, device_time, payload"
            f" FROM events WHERE case_id IN ({', '.join('?' for _ in wanted)})"
            " ORDER BY position",
            tuple(wanted),
        ).all()
        histories: dict[str, list[Event]] = {}
        for event_id, case_id, kind, actor_id, actor_name, station, time, data in rows:
            histories.setdefault(case_id, []).append(Event(
                id=event_id, case_id=case_id, type=EventType(kind), actor_id=actor_id,
                actor_name=actor_name, station=station, device_time=device_time(time),
                payload=payload(data),
            ))
        return histories

    def case_ids(self) -> list[str]:
        query = select(models.EventRow.case_id).group_by(models.EventRow.case_id)
        return list(self.session.scalars(query))

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(models.EventRow)) or 0

    def outbox_count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(models.Outbox)) or 0

    def remove_from_outbox(self, event_ids: Iterable[str]) -> None:
        ids = list(event_ids)
        if ids:  # one statement for a whole push batch
            self.session.execute(
                delete(models.Outbox).where(models.Outbox.event_id.in_(ids)),
                execution_options={"synchronize_session": "fetch"},
            )

    def requeue_all(self, acknowledged: frozenset[str] = frozenset()) -> int:
        """Put every local event back in the outbox (after the server lost data);
        those in ``acknowledged`` were accepted by the server's earlier epoch."""
        have = set(self.session.scalars(select(models.Outbox.event_id)))
        query = select(models.EventRow.id).where(models.EventRow.station_sequence.is_not(None))
        added = 0
        for event_id in self.session.scalars(query):
            if event_id not in have:
                self.session.add(models.Outbox(event_id=event_id, enqueued_at=_now(),
                                               acknowledged=event_id in acknowledged))
                added += 1
        return added

    def set_server_sequence(self, event_id: str, server_sequence: int) -> None:
        self.session.execute(
            update(models.EventRow)
            .where(models.EventRow.id == event_id)
            .values(server_sequence=server_sequence)
        )

    def conflict(self, event_id: str) -> models.SyncConflict | None:
        return self.session.get(models.SyncConflict, event_id)

    def conflicts(self, *, unresolved_only: bool = True) -> list[models.SyncConflict]:
        query = select(models.SyncConflict).order_by(models.SyncConflict.received_at)
        if unresolved_only:
            query = query.where(models.SyncConflict.resolved.is_(False))
        return list(self.session.scalars(query))


@dataclass(frozen=True)
class CaseFilter:
    """What a case list asks for; every field optional."""

    text: str = ""
    states: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    department_code: str = ""
    registered_from: date | None = None
    registered_to: date | None = None
    # "normal" | "yellow" | "red" | "warned" (yellow or red) | "tolerance" (容缺 owed
    # materials past their promised day) | "intake" (waiting for the intake decision
    # past its last day, 第三十二条: red too)
    warning: str = ""
    today: date | None = None
    reviewer_id: str = ""


@dataclass(frozen=True)
class CaseCursor:
    """Where a page ended (keyset paging): the last row's sortable values and id. The
    next page starts right after it, found in the sort column's index however deep."""

    id: str
    number: str
    registered_at: datetime
    deadline: date | None
    applicant_name: str
    matter_name: str
    state: str


_ID_NUMBER = re.compile(r"^(\d{17}[\dXx]|\d{15}|[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18})$")
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8})$")
_CASE_NUMBER = re.compile(r"^[A-Za-z0-9]{2,12}-[\d-]*$")


_ID_TAIL = re.compile(r"^\d{3}[\dXx]$")
_INITIALS = re.compile(r"^[A-Za-z]{2,}$")


def like_escaped(text: str) -> str:
    """``text`` for a LIKE pattern with ``escape="\\"``: % and _ match only themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _is_broad_text(text: str) -> bool:
    """Whether ``text`` is searched as a name, initials or matter (may match a lot)."""
    return bool(text) and not (_ID_NUMBER.match(text) or _PHONE.match(text)
                               or _CASE_NUMBER.match(text))


def _text_condition(session: Session, text: str, *, indexed: bool = True) -> Any:
    """Indexed lookups for what the clerk typed: an ID number, a phone number, a case
    number prefix, the ID's last 4, else a name prefix, the name's pinyin initials or a
    matter name (a million cases stay fast).

    ``indexed=False`` gives the same condition on ``column || ''``, which SQLite cannot
    look up in an index: for a search matching many cases, walking the registration
    index and filtering finds the newest 100 sooner than sorting every match."""
    return or_(*_text_terms(session, text, indexed=indexed))


def _text_terms(session: Session, text: str, *, indexed: bool = True) -> list[Any]:
    """The conditions ``_text_condition`` ORs, each looked up in one index."""
    if _ID_NUMBER.match(text):
        return [models.CaseRow.applicant_id_number == text.upper()]
    if _PHONE.match(text):
        return [models.CaseRow.applicant_phone == text]
    if _CASE_NUMBER.match(text):
        return [models.CaseRow.number.like(f"{like_escaped(text.upper())}%", escape="\\")]
    pattern = like_escaped(text)
    row = models.CaseRow

    def column(attribute: Any) -> Any:
        return attribute if indexed else attribute.concat("")

    # The matching matters first (a short list): with their codes as constants SQLite
    # ORs one index search per term; a subquery in the OR would scan every case.
    matter_codes = _matter_codes(session, text)
    conditions = [column(row.applicant_name).like(f"{pattern}%", escape="\\")]
    if matter_codes:
        conditions.append(column(row.matter_code).in_(matter_codes))
    if _ID_TAIL.match(text):
        conditions.append(column(row.applicant_id_tail) == text.upper())
    if _INITIALS.match(text):
        conditions.append(
            column(row.applicant_initials).like(f"{text.lower()}%", escape="\\"))
    return conditions


def _matter_codes(session: Session, text: str) -> list[str]:
    """Codes of the matters whose name holds ``text``."""
    return list(session.scalars(select(models.Matter.code).where(
        models.Matter.name.like(f"%{like_escaped(text)}%", escape="\\"))))


# Running cases (completed_at IS NULL, a deadline) by warning level on ``:today``.
_RUNNING_WARNINGS = {
    "red": "deadline IS NOT NULL AND deadline < :today",
    "yellow": "deadline >= :today AND yellow_from <= :today",
    "warned": "deadline IS NOT NULL AND yellow_from <= :today",  # the supervisor's list
}


# Cases still waiting for the intake decision after its last day (第三十二条): red,
# whatever their deadline (they have none yet).
_INTAKE_OVERDUE = "SELECT rowid FROM cases INDEXED BY ix_cases_intake_due WHERE intake_due < :today"


def _running_warned(f: CaseFilter) -> Any:
    """Rowids of the running cases of warning level ``f.warning`` on ``f.today``, read
    from the partial index of running cases (and, for red, of the cases waiting for
    the intake decision). Named, because SQLite's statistics count every NULL
    completed_at as a value of its own and so would pick the index of completed_at for
    "IS NULL" and read all ~40,000 unfinished rows (forwarded ones too)."""
    assert f.today is not None
    statement = ("SELECT rowid FROM cases INDEXED BY ix_cases_running_deadline"
                 f" WHERE completed_at IS NULL AND {_RUNNING_WARNINGS[f.warning]}")
    if f.warning in ("red", "warned"):
        statement += f" UNION ALL {_INTAKE_OVERDUE}"
    return sql_text(statement).bindparams(  # SQLite stores a Date as its ISO text
        today=f.today.isoformat()).columns(literal_column("rowid"))


def _after(column: Any, cursor: CaseCursor, *, descending: bool) -> Any:
    """Rows after ``cursor`` in the order (column ASC|DESC, id): written as a range of
    the column so its index is used. SQLite puts NULLs first ascending, last descending."""
    value, case_id = getattr(cursor, column.key), cursor.id
    later_id = models.CaseRow.id > case_id
    if value is None:
        same = column.is_(None) & later_id
        return same if descending else or_(same, column.is_not(None))
    if not descending:
        return (column >= value) & ((column > value) | later_id)
    before = (column <= value) & ((column < value) | later_id)
    return or_(before, column.is_(None)) if _table(models.CaseRow).c[column.key].nullable \
        else before


SORTABLE_COLUMNS = {
    "number": models.CaseRow.number,
    "registered_at": models.CaseRow.registered_at,
    "deadline": models.CaseRow.deadline,
    "applicant_name": models.CaseRow.applicant_name,
    "matter_name": models.CaseRow.matter_name,
    "state": models.CaseRow.state,
}


class CaseRepository(_Repository):
    def get(self, case_id: str) -> models.CaseRow | None:
        return self.session.get(models.CaseRow, case_id)

    def by_number(self, number: str) -> models.CaseRow | None:
        return self.session.scalar(select(models.CaseRow).where(models.CaseRow.number == number))

    def latest_for_id_number(self, id_number: str) -> models.CaseRow | None:
        """The most recently registered case of the applicant with this ID number."""
        return self.session.scalar(
            select(models.CaseRow)
            .where(models.CaseRow.applicant_id_number == id_number)
            .order_by(models.CaseRow.registered_at.desc(), models.CaseRow.number.desc())
            .limit(1)
        )

    def in_state_at_window(self, state: str, station: str, window_name: str, *,
                           limit: int = 500) -> list[models.CaseRow]:
        """Cases in ``state`` registered at one window of one station, nearest deadline
        first (the queue a B岗 works while A is away)."""
        query = (select(models.CaseRow)
                 .where(models.CaseRow.state == state, models.CaseRow.station == station,
                        models.CaseRow.window_name == window_name)
                 .order_by(models.CaseRow.deadline, models.CaseRow.number).limit(limit))
        return list(self.session.scalars(query))

    def save(self, row: models.CaseRow) -> None:
        self.session.merge(row)

    def save_many(self, rows: Sequence[dict[str, Any]]) -> None:
        """``save`` for several rows given as column values (distinct ids): one query
        reads the stored rows, then one INSERT statement for the new ones and one
        UPDATE per set of changed columns (as ``save`` writes only what changed)."""
        if not rows:
            return
        # Straight to the driver, each value converted by its column's type, as
        # ``update(table)`` / ``insert(table)`` would: a pull writes hundreds at once.
        self.session.flush()  # what a query's autoflush would have written
        connection = self.session.connection()
        table = _table(models.CaseRow)
        names = list(rows[0])
        bound = _row_binder(connection, table, names)
        quote = connection.dialect.identifier_preparer.quote
        columns = [quote(name) for name in names]
        ids = [r["id"] for r in rows]
        stored = {
            row[0]: row[1:]
            for row in connection.exec_driver_sql(
                f"SELECT {quote('id')}, {', '.join(columns)} FROM {quote(table.name)}"
                f" WHERE {quote('id')} IN ({', '.join('?' for _ in ids)})",
                tuple(ids),
            ).all()
        }
        inserts = []
        updates: dict[tuple[int, ...], list[tuple[Any, ...]]] = {}
        for row in rows:
            values = bound(row)
            before = stored.get(row["id"])
            if before is None:
                inserts.append(values)
                continue
            # Index entries are rewritten for every column set: set only changed ones.
            changed = tuple(
                index for index, (old, new) in enumerate(zip(before, values, strict=True))
                if old != new or type(old) is not type(new)
            )
            if changed:
                updates.setdefault(changed, []).append(
                    (*(values[index] for index in changed), row["id"])
                )
        for changed, parameters in updates.items():
            assignments = ", ".join(f"{columns[index]} = ?" for index in changed)
            connection.exec_driver_sql(
                f"UPDATE {quote(table.name)} SET {assignments} WHERE {quote('id')} = ?",
                parameters,
            )
        if inserts:
            connection.exec_driver_sql(
                f"INSERT INTO {quote(table.name)} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' for _ in columns)})",
                inserts,
            )
        existing = stored
        # Written past the ORM: rows the session already holds must be read afresh.
        for case_id in existing:
            held = self.session.identity_map.get(identity_key(models.CaseRow, case_id))
            if held is not None:
                self.session.expire(held)

    def delete_all(self) -> None:
        self.session.query(models.CaseRow).delete()

    def _filtered(self, case_filter: CaseFilter, *, indexed_text: bool = True) -> Any:
        query = select(models.CaseRow)
        f = case_filter
        if f.text:
            query = query.where(_text_condition(self.session, f.text.strip(),
                                                indexed=indexed_text))
        if f.states:
            query = query.where(models.CaseRow.state.in_(f.states))
        if f.categories:
            query = query.where(models.CaseRow.category.in_(f.categories))
        if f.department_code:
            query = query.where(models.CaseRow.department_code == f.department_code)
        # Local days (Asia/Shanghai): 12-02 is 12-01 16:00 to 12-02 16:00 in UTC.
        if f.registered_from:
            start = local_day_start(f.registered_from)
            query = query.where(models.CaseRow.registered_at >= start)
        if f.registered_to:
            end = local_day_start(f.registered_to + timedelta(days=1))
            query = query.where(models.CaseRow.registered_at < end)
        if f.reviewer_id:
            query = query.where(models.CaseRow.reviewer_id == f.reviewer_id)
        if f.warning == "tolerance" and f.today:
            row = models.CaseRow
            query = query.where(row.completed_at.is_(None), row.tolerance_owed > 0,
                                row.tolerance_due < f.today)
        elif f.warning == "intake" and f.today:
            query = query.where(models.CaseRow.intake_due < f.today)
        elif f.warning in _RUNNING_WARNINGS and f.today:
            query = query.where(literal_column("cases.rowid").in_(_running_warned(f)))
        elif f.warning and f.today:
            row = models.CaseRow
            running = row.completed_at.is_(None) & row.deadline.is_not(None)
            query = query.where(or_(~running, row.yellow_from > f.today),
                                or_(row.intake_due.is_(None), row.intake_due >= f.today))
        return query

    def count(self, case_filter: CaseFilter) -> int:
        kept = self._kept_count(case_filter)
        return kept if kept is not None else self.counted(case_filter)

    def counted(self, case_filter: CaseFilter) -> int:
        """The matching rows counted one by one (what ``count`` must always equal)."""
        text = case_filter.text.strip()
        if text and _is_broad_text(text) and case_filter == CaseFilter(text=case_filter.text):
            # Each term's index alone, no row read: the OR of a broad search would read
            # every match to count it.
            return self.session.scalar(select(func.count()).select_from(
                self._matches(_text_terms(self.session, text)).subquery())) or 0
        query = self._filtered(case_filter).with_only_columns(
            func.count(), maintain_column_froms=True
        )
        return self.session.scalar(query) or 0

    def _kept_count(self, f: CaseFilter) -> int | None:
        """The count from ``case_counts`` (kept by triggers) and small index ranges, for
        the filters they answer; None: count the rows."""
        narrowing = (f.states, f.categories, f.department_code, f.registered_from,
                     f.registered_to, f.reviewer_id, f.warning)
        text = f.text.strip()
        if text:
            return self._kept_text_count(text) if not any(narrowing) else None
        if f.warning == "normal" and f.today and not any(narrowing[:-1]):
            # Everything but the running cases yellow or red (or not yet marked).
            row = models.CaseRow
            marked = self.session.scalar(select(func.count()).where(
                row.completed_at.is_(None), row.deadline.is_not(None),
                or_(row.yellow_from.is_(None), row.yellow_from <= f.today))) or 0
            waiting_late = self.session.scalar(select(func.count()).where(
                row.intake_due < f.today)) or 0
            return self._bucket_sum(["all"]) - marked - waiting_late
        if f.warning:  # red, yellow, warned: a range of the running cases' index
            return None
        if f.states and not any(narrowing[1:]):
            return self._bucket_sum([f"state:{state}" for state in set(f.states)])
        if f.categories and not (f.states or any(narrowing[2:])):
            return self._bucket_sum([f"category:{c}" for c in set(f.categories)])
        if f.department_code and not (f.states or f.categories or any(narrowing[3:])):
            return self._bucket_sum([f"department:{f.department_code}"])
        return self._bucket_sum(["all"]) if not any(narrowing) else None

    def _kept_text_count(self, text: str) -> int | None:
        row = models.CaseRow
        if _ID_NUMBER.match(text) or _PHONE.match(text):
            return None  # one applicant's cases: an index lookup
        if _CASE_NUMBER.match(text):
            return self._prefix_count("day:", text.upper())
        # A broad search ORs its terms: the kept counts add up when one term matches.
        counts = []
        name = self._prefix_count("name:", text)
        counts.append(name if name is not None else self.session.scalar(
            select(func.count()).where(row.applicant_name.like(f"{like_escaped(text)}%",
                                                               escape="\\"))) or 0)
        codes = _matter_codes(self.session, text)
        if codes:
            counts.append(self._bucket_sum([f"matter:{code}" for code in set(codes)]))
        if _ID_TAIL.match(text):
            counts.append(self.session.scalar(select(func.count()).where(
                row.applicant_id_tail == text.upper())) or 0)
        if _INITIALS.match(text):
            counts.append(self.session.scalar(select(func.count()).where(
                row.applicant_initials.like(f"{text.lower()}%", escape="\\"))) or 0)
        matching = [count for count in counts if count]
        return sum(matching) if len(matching) <= 1 else None

    def _bucket_sum(self, buckets: list[str]) -> int:
        count = models.CaseCount
        return self.session.scalar(select(func.coalesce(func.sum(count.cases), 0))
                                   .where(count.bucket.in_(buckets))) or 0

    def _prefix_count(self, kind: str, prefix: str) -> int | None:
        """Cases whose bucket ``kind`` + (a prefix of the column) starts with ``prefix``,
        from the kept counts; None where a bucket is shorter than ``prefix`` (its cases
        may or may not match: count the rows)."""
        count = models.CaseCount
        shorter = [kind + prefix[:end] for end in range(1, len(prefix))]
        if shorter and self.session.scalar(select(count.bucket).where(
                count.bucket.in_(shorter), count.cases != 0).limit(1)) is not None:
            return None
        return self.session.scalar(
            select(func.coalesce(func.sum(count.cases), 0)).where(
                count.bucket.like(f"{like_escaped(kind + prefix)}%", escape="\\"))) or 0

    @staticmethod
    def _matches(terms: list[Any], *, until: datetime | None = None,
                 distinct: bool = True) -> Any:
        """(rowid, registered_at) of every case a broad search's ``terms`` match,
        registered at or before ``until``: a UNION of one query per term, each read
        from its index alone (the (column, registered_at) indexes)."""
        row = models.CaseRow
        arms: list[Any] = []
        for term in terms:
            arm: Any = select(literal_column("cases.rowid").label("case_rowid"),
                              row.registered_at.label("at")).where(term)
            arms.append(arm.where(row.registered_at <= until) if until is not None else arm)
        if len(arms) == 1:
            return arms[0]
        return union(*arms) if distinct else union_all(*arms)

    def page(
        self,
        case_filter: CaseFilter,
        *,
        offset: int = 0,
        limit: int,
        sort: str = "registered_at",
        descending: bool = True,
        after: CaseCursor | None = None,
    ) -> list[Any]:
        """Rows ``offset`` to ``offset + limit`` in the order asked, or, with ``after``,
        the ``limit`` rows following that one (keyset: as fast at any depth); plain
        rows with the attributes of ``CaseRow``."""
        column = SORTABLE_COLUMNS.get(sort, models.CaseRow.registered_at)
        text = case_filter.text.strip()
        if sort == "registered_at" and _CASE_NUMBER.match(text):
            # Case numbers carry the registration date: ordering by the number walks the
            # index instead of sorting a few hundred thousand matches.
            column = models.CaseRow.number
        terms = _text_terms(self.session, text) if _is_broad_text(text) else []
        many = sort == "registered_at" and self._matches_many(case_filter, terms)
        if (column is models.CaseRow.registered_at and descending and not offset
                and not many and terms
                and case_filter == CaseFilter(text=case_filter.text)):
            return self._newest_matches(terms, limit, after)
        order = (column.desc() if descending else column.asc(), models.CaseRow.id)
        query = self._filtered(case_filter, indexed_text=not many)
        if after is not None:
            query = query.where(_after(column, after, descending=descending))
        # The page's rowids first, then its rows: SQLite sorts ties of the column by id
        # in a sorter that would otherwise hold every candidate's whole row (8 of 10 ms).
        rowid: Any = literal_column("cases.rowid")
        chosen = (query.with_only_columns(rowid, maintain_column_froms=True)
                  .order_by(*order).offset(offset).limit(limit))
        return self._rows(select(*_table(models.CaseRow).c).where(rowid.in_(chosen))
                          .order_by(*order))

    def _rows(self, query: Any) -> list[Any]:
        """A list page's rows as plain rows (attributes named as on ``CaseRow``, values
        converted by the column types): no ORM objects to build for reading."""
        self.session.flush()  # what the ORM's autoflush would have written
        return list(self.session.execute(query).all())

    def _newest_matches(self, terms: list[Any], limit: int,
                        after: CaseCursor | None) -> list[Any]:
        """The newest ``limit`` cases of a broad search with a few thousand matches:
        the registration time of the ``limit``-th is found in the indexes, then only
        the rows from that time on are read (not every match, to sort)."""
        row = models.CaseRow
        until = after.registered_at if after is not None else None
        matches = self._matches(terms, until=until).subquery()
        boundary = select(matches.c.at)
        if until is not None:  # ties with the cursor's time come on top of the limit
            boundary = boundary.where(matches.c.at < until)
        last = self.session.scalar(
            boundary.order_by(matches.c.at.desc()).offset(limit - 1).limit(1))
        rows = select(matches.c.case_rowid)
        if last is not None:
            rows = rows.where(matches.c.at >= last)
        query = select(*_table(row).c).where(literal_column("cases.rowid").in_(rows))
        if after is not None:
            query = query.where(_after(row.registered_at, after, descending=True))
        return self._rows(query.order_by(row.registered_at.desc(), row.id).limit(limit))

    # More matches than this and the newest come sooner by walking the registration
    # index (a match in every few hundred rows) than by sorting them all.
    DENSE_MATCHES = 5000

    def _matches_many(self, case_filter: CaseFilter, terms: list[Any] | None = None) -> bool:
        """Whether a name/matter search matches over DENSE_MATCHES cases: counted on
        the search's own indexes, stopping there (``terms``: its terms, if known)."""
        text = case_filter.text.strip()
        if terms is None:
            terms = _text_terms(self.session, text) if _is_broad_text(text) else []
        if not terms:
            return False
        # UNION ALL: read as far as the probe, no set of every match built (a case two
        # terms match counted twice only chooses the plan sooner, the rows are the same).
        matches = self._matches(terms, distinct=False).subquery()
        probe = select(matches.c.case_rowid).offset(self.DENSE_MATCHES).limit(1)
        return self.session.scalar(probe) is not None

    def numbers_by_id(self, case_ids: Iterable[str]) -> dict[str, str]:
        """Case number of each of ``case_ids`` that has a row."""
        ids = list(set(case_ids))
        result: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            query = select(models.CaseRow.id, models.CaseRow.number).where(
                models.CaseRow.id.in_(ids[start:start + 500]))
            result.update({case_id: number for case_id, number in self.session.execute(query)})
        return result

    def open_with_deadline(self) -> list[models.CaseRow]:
        """The running cases whose days rest on the calendar: accepted ones (their
        deadline) and those waiting for the intake decision (its last day)."""
        row = models.CaseRow
        query = select(row).where(row.completed_at.is_(None),
                                  or_(row.accepted_on.is_not(None),
                                      row.state == CaseState.REGISTERED.value))
        return list(self.session.scalars(query))

    def waiting_for_intake(self) -> list[str]:
        """Ids of the cases registered and not yet accepted, refused or noticed."""
        return list(self.session.scalars(select(models.CaseRow.id).where(
            models.CaseRow.state == CaseState.REGISTERED.value)))


_LAST_AUDIT = (select(models.AuditRow.sequence, models.AuditRow.record_hash)
               .order_by(models.AuditRow.sequence.desc()).limit(1))


class AuditRepository(_Repository):
    # The head this unit of work appended, for the anchor once it commits.
    appended: tuple[int, str] | None = None

    def head(self) -> tuple[int, str] | None:
        """(sequence, hash) of the newest record, or None for an empty chain."""
        last = self._last()
        return (last.sequence, last.record_hash) if last else None

    def record_at(self, sequence: int) -> models.AuditRow | None:
        return self.session.get(models.AuditRow, sequence)

    def _last(self) -> Row[int, str] | None:
        # Two columns, not the row object: its body is never needed here, and every
        # write appends (the select still flushes what this unit of work added).
        return self.session.execute(_LAST_AUDIT).one_or_none()

    def append(self, body: dict[str, Any]) -> AuditRecord:
        """Chain a record onto the last one (inside the caller's write transaction)."""
        last = self._last()
        previous_hash = last.record_hash if last else GENESIS_HASH
        sequence = (last.sequence + 1) if last else 1
        text = canonical_json(body)
        record_hash = chain_hash(previous_hash, text)
        self.session.add(
            models.AuditRow(
                sequence=sequence, body=text, previous_hash=previous_hash, record_hash=record_hash
            )
        )
        self.session.flush()
        self.appended = (sequence, record_hash)
        return AuditRecord(sequence, text, previous_hash, record_hash)

    def append_many(self, bodies: Sequence[dict[str, Any]]) -> list[AuditRecord]:
        """``append`` for each body in turn, the same records and hashes, with one read
        of the last record and one INSERT."""
        rows = self._chain([canonical_json(body) for body in bodies])
        return [AuditRecord(*row) for row in rows]

    def append_texts(self, texts: Sequence[str]) -> None:
        """``append_many`` for bodies already in their ``canonical_json`` text, when
        the caller needs no records back (a pull chains thousands)."""
        self._chain(texts)

    def _chain(self, texts: Sequence[str]) -> list[tuple[int, str, str, str]]:
        """Insert a record for each text, chained in order onto the last one; returns
        the rows (sequence, body, previous hash, record hash)."""
        if not texts:
            return []
        last = self._last()
        previous_hash = last.record_hash if last else GENESIS_HASH
        sequence = last.sequence if last else 0
        rows = []
        for text in texts:
            sequence += 1
            record_hash = chain_hash(previous_hash, text)
            rows.append((sequence, text, previous_hash, record_hash))
            previous_hash = record_hash
        # Text and integers only, nothing for a column type to convert: straight to the
        # driver.
        self.session.connection().exec_driver_sql(
            "INSERT INTO audit_log (sequence, body, previous_hash, record_hash)"
            " VALUES (?, ?, ?, ?)",
            rows,
        )
        self.appended = (sequence, previous_hash)
        return rows

    def bodies_containing(self, texts: Sequence[str]) -> Iterable[tuple[int, str]]:
        """(sequence, body) of every record whose text holds all of ``texts``, newest
        first: a coarse pre-filter; the caller reads each body to be sure."""
        query = select(models.AuditRow.sequence, models.AuditRow.body)
        for text in texts:
            query = query.where(models.AuditRow.body.like(f"%{like_escaped(text)}%",
                                                          escape="\\"))
        query = query.order_by(models.AuditRow.sequence.desc())
        for row in self.session.execute(query):
            yield row[0], row[1]

    def records(self) -> Iterable[AuditRecord]:
        query = select(models.AuditRow).order_by(models.AuditRow.sequence)
        for row in self.session.scalars(query).yield_per(1000):
            yield AuditRecord(row.sequence, row.body, row.previous_hash, row.record_hash)

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(models.AuditRow)) or 0


class ComplaintRepository(_Repository):
    def get(self, complaint_id: str) -> models.ComplaintRow | None:
        return self.session.get(models.ComplaintRow, complaint_id)

    def save(self, row: models.ComplaintRow) -> None:
        self.session.merge(row)

    def delete_all(self) -> None:
        self.session.query(models.ComplaintRow).delete()

    def listed(self, *, open_only: bool = False, limit: int = 500) -> list[models.ComplaintRow]:
        """Complaints, newest first; ``open_only``: not yet answered or closed."""
        query = select(models.ComplaintRow)
        if open_only:
            query = query.where(models.ComplaintRow.state.in_(
                ("registered", "assigned", "investigated")))
        query = query.order_by(models.ComplaintRow.registered_at.desc()).limit(limit)
        return list(self.session.scalars(query))

    def registered_between(self, start: datetime, end: datetime) -> list[models.ComplaintRow]:
        row = models.ComplaintRow
        return list(self.session.scalars(
            select(row).where(row.registered_at >= start, row.registered_at < end)))

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(models.ComplaintRow)) or 0


class ArchiveRepository(_Repository):
    def get(self, case_id: str) -> models.ArchiveRecord | None:
        return self.session.get(models.ArchiveRecord, case_id)

    def add(self, record: models.ArchiveRecord) -> None:
        self.session.add(record)

    def archived_ids(self, case_ids: Iterable[str]) -> set[str]:
        ids = list(case_ids)
        if not ids:
            return set()
        return set(self.session.scalars(
            select(models.ArchiveRecord.case_id).where(models.ArchiveRecord.case_id.in_(ids))))
