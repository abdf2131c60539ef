"""Pushed events in, station feeds out.

A push is checked as a whole first (well-formed, from this station, by its staff, not
from a rewound station database) and refused with a 4xx if any of that fails, storing
nothing. Then each event gets its own answer: accepted (with the next server
sequence), duplicate, conflict (with the domain's code and Chinese reason), or retry.
Every event is validated with the same ``authorize_event`` and ``apply_event`` the
stations use, against the server's own projection of the case. A batch's cases are read
with one query, its events numbered in Python and its rows written together.

Each station has a feed (``deliveries``) holding, in order, the events it should pull:
events of cases in its scope made elsewhere, and notices of other stations' refused
events on those cases. A case enters a station's scope when the station registers it
or when it is forwarded to the station; a case forwarded late brings its whole history
into the feed at that moment, so a cursor never has to go back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    ColumnElement,
    Row,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    insert,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.domain import limits
from app.domain.ab_post import acting_for_holds
from app.domain.audit import canonical_json
from app.domain.calendar import LOCAL_ZONE
from app.domain.case import Actor, Case, CaseInMemory, authorize_event
from app.domain.errors import DomainError
from app.domain.events import OPENING_EVENTS, Event, EventType
from app.domain.roles import Role
from app.domain.seal import SealStatus
from app.sync.protocol import (
    MAX_PULL_LIMIT,
    MAX_PUSH_EVENTS,
    AnswerStatus,
    ErrorCode,
    EventAnswer,
    PushAnswer,
    ReferenceKind,
    credential_key,
)
from server.database import lock_state
from server.errors import ApiError
from server.hashing import event_content_hash
from server.models import (
    Base,
    CaseScope,
    Delivery,
    EventRow,
    Rejection,
    ServerState,
    Station,
)
from server.reference import normalise_promise_record, put, seal_status_at, staff_of_station
from server.stations import all_case_stations

REVOKED_SEAL_STATES = {SealStatus.REVOKED.value, SealStatus.SUSPENDED.value,
                       SealStatus.REPLACED.value}


def _now() -> datetime:
    return datetime.now(UTC)


def event_from_row(row: EventRow) -> Event:
    return Event(
        id=row.id, case_id=row.case_id, type=EventType(row.type), actor_id=row.actor_id,
        actor_name=row.actor_name, station=row.station, device_time=row.device_time,
        payload=row.payload,
    )


# The columns of an event, selected without building ORM objects (see _event_of).
EVENT_COLUMNS = (
    EventRow.id.label("event_id"),
    EventRow.case_id.label("event_case_id"),
    EventRow.type.label("event_type"),
    EventRow.actor_id,
    EventRow.actor_name.label("event_actor_name"),
    EventRow.station.label("event_station"),
    EventRow.device_time,
    EventRow.payload,
)


def _among(session: Session, column: InstrumentedAttribute[Any],
           values: list[Any]) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``, one parameter for
    the whole list. A push's IN lists hold up to 1,000 values, each otherwise its own
    parameter that SQLAlchemy renders and psycopg parses anew on every push (about 3 ms
    of the 4 queries' time per 1,000)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def _event_of(row: Row[Any]) -> Event:
    """The event in a row selected with EVENT_COLUMNS."""
    return Event(
        id=row.event_id, case_id=row.event_case_id, type=EventType(row.event_type),
        actor_id=row.actor_id, actor_name=row.event_actor_name, station=row.event_station,
        device_time=row.device_time, payload=row.payload,
    )


@dataclass
class _Incoming:
    event: Event
    station_sequence: int | None
    digest: str
    payload_text: str  # canonical_json(event.payload): hashed, and stored as it is
    # The station says an earlier epoch of this server accepted it (sent again after a
    # restore). It is checked like any event; it only turns a refusal that depends on
    # history the server lacks into "retry" (it never makes the server accept anything).
    acknowledged: bool = False


@dataclass
class _PushContext:
    """What one push has learnt so far: projections and scopes of the cases it touched,
    and the rows it is still to write.

    The histories and scopes of the batch's cases are read once, up front (``load``).
    Accepted events, their deliveries and new scopes are kept as rows and written in
    bulk, in the order they were made (``write_pending``): at the end of the push, and
    before anything reads them back (the backfill of a forwarded case).
    """

    session: Session
    state: ServerState
    station: Station
    staff: dict[str, dict[str, Any]]
    cases: dict[str, CaseInMemory] = field(default_factory=dict)
    scopes: dict[str, set[str]] = field(default_factory=dict)
    deferred_cases: set[str] = field(default_factory=set)
    # Centre windows that see every case (read once per push).
    everywhere: set[str] = field(default_factory=set)
    # Cases whose stored history and scope have been read; the histories, oldest first,
    # become the push's cases in memory (which append the events it accepts).
    loaded: set[str] = field(default_factory=set)
    histories: dict[str, list[Event]] = field(default_factory=dict)
    pending_events: list[dict[str, Any]] = field(default_factory=list)
    # Each pending event's payload text, for COPY to write without encoding it again.
    pending_payload_texts: list[str] = field(default_factory=list)
    pending_deliveries: list[dict[str, Any]] = field(default_factory=list)
    pending_scopes: list[dict[str, Any]] = field(default_factory=list)
    # The last server sequence given out; written to the state row once, by ``push``.
    event_sequence: int = 0
    # Actors by staff id and stand-in departments (Actor is immutable), and seals'
    # (status, serial) by id: a batch has a handful of each.
    actors: dict[tuple[str, frozenset[str]], Actor] = field(default_factory=dict)
    seals: dict[str, tuple[str, str] | None] = field(default_factory=dict)
    # When the push arrived: the received_at of every event it stores.
    received_at: datetime = field(default_factory=_now)

    def actor(self, event: Event) -> Actor:
        staff = self.staff[event.actor_id]
        key = (event.actor_id, _deputy_for(staff, event))
        found = self.actors.get(key)
        if found is None:
            found = self.actors[key] = _actor(staff, key[1])
        return found

    def seal_status(self, seal_id: str) -> tuple[str, str] | None:
        if seal_id not in self.seals:
            self.seals[seal_id] = seal_status_at(self.session, seal_id)
        return self.seals[seal_id]

    def load(self, case_ids: set[str]) -> None:
        """Read the stored histories and scopes of these cases, one query each."""
        wanted = sorted(case_ids - self.loaded)
        if not wanted:
            return
        self.loaded.update(wanted)
        query = (
            select(*EVENT_COLUMNS)
            .where(_among(self.session, EventRow.case_id, wanted))
            .order_by(EventRow.server_sequence)
        )
        for row in self.session.execute(query):
            self.histories.setdefault(row.event_case_id, []).append(_event_of(row))
        for case_id in wanted:
            self.scopes.setdefault(case_id, set())
        scope_query = select(CaseScope.case_id, CaseScope.station).where(
            _among(self.session, CaseScope.case_id, wanted))
        for case_id, station_code in self.session.execute(scope_query):
            self.scopes[case_id].add(station_code)

    def case(self, case_id: str) -> Case | None:
        if case_id not in self.cases:
            self.load({case_id})
            # A history that no longer replays raises here, every time it is asked for.
            self.cases[case_id] = CaseInMemory(self.histories.setdefault(case_id, []))
        return self.cases[case_id].case

    def apply(self, event: Event) -> Case:
        """``apply_event`` on the push's own projection of the case (asked for with
        ``case`` first); a DomainError leaves it as it was."""
        return self.cases[event.case_id].apply(event)

    def audience(self, case_id: str, author: str) -> list[str]:
        """Stations whose feed gets what happens to the case, but not its author."""
        return sorted((self.scope(case_id) | self.everywhere) - {author})

    def scope(self, case_id: str) -> set[str]:
        if case_id not in self.loaded:
            self.load({case_id})
        return self.scopes[case_id]

    def write_pending(self) -> None:
        """Write the rows made so far: events before the deliveries that refer to them.

        On PostgreSQL one COPY per table; elsewhere one executemany per table through
        Core (the rows are plain dicts; the ORM's bulk path only added work per row).
        """
        texts = {"payload": self.pending_payload_texts}
        for model, rows in ((EventRow, self.pending_events),
                            (Delivery, self.pending_deliveries),
                            (CaseScope, self.pending_scopes)):
            if rows:
                json_texts = texts if model is EventRow else None
                if not _copy_rows(self.session, _table(model), rows, json_texts):
                    self.session.execute(insert(_table(model)), rows)
                rows.clear()
        self.pending_payload_texts.clear()


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _copy_rows(session: Session, table: Table, rows: list[dict[str, Any]],
               json_texts: dict[str, list[str]] | None = None) -> bool:
    """Write ``rows`` (all with the same keys, the column names) with COPY if the
    database is PostgreSQL on psycopg 3; False if it is not.

    COPY costs about a third of an executemany for a push's rows (a 200-event push:
    about 9 ms against 22), and the rows keep their order, so the deliveries' ids do
    too. The values are the ones the Core insert would bind: aware UTC datetimes, and
    the JSON payload as the engine's serializer writes it (``canonical_json``), or the
    text ``json_texts`` gives for the column (one a row, already in that form).
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return False
    import psycopg

    dbapi = connection.connection.dbapi_connection
    if not isinstance(dbapi, psycopg.Connection):
        return False
    quote = connection.dialect.identifier_preparer.quote
    names = list(rows[0])
    json_columns = {n for n in names if isinstance(table.c[n].type, JSON)}
    statement = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    given = json_texts or {}
    with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
        for index, row in enumerate(rows):
            copy.write_row([
                (given[n][index] if n in given else canonical_json(row[n]))
                if n in json_columns else row[n]
                for n in names
            ])
    return True


def parse_push(raw_items: Any) -> list[_Incoming]:
    """Parse the whole batch or refuse it (422) naming the first bad event."""
    if not isinstance(raw_items, list):
        raise ApiError(422, ErrorCode.MALFORMED, "请求格式不正确：缺少事件列表。")
    if len(raw_items) > MAX_PUSH_EVENTS:
        raise ApiError(413, ErrorCode.TOO_LARGE,
                       f"一次最多上传{MAX_PUSH_EVENTS}个事件，请分批上传。")
    parsed = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        try:
            # {"event": {"payload": ...}}: two levels above the payload's own.
            if limits.json_depth(raw, limits.MAX_JSON_DEPTH + 2) > limits.MAX_JSON_DEPTH + 2:
                raise ApiError(422, ErrorCode.MALFORMED,
                               f"第{index + 1}个事件的内容嵌套过深，整批未保存。", index=index)
            event = Event.from_dict(raw["event"])
            sequence = raw.get("station_sequence")
            if sequence is not None and (
                not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1
                or sequence > limits.MAX_BIGINT
            ):
                raise ValueError("station_sequence")
            if not isinstance(event.payload, dict):
                raise ValueError("payload")
        except OverflowError:  # a device time whose UTC value leaves the calendar
            raise _bad_device_time(index, raw) from None
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ApiError(
                422, ErrorCode.MALFORMED, f"第{index + 1}个事件格式不正确，整批未保存。",
                index=index,
            ) from None
        if not limits.device_time_in_range(event.device_time):
            raise _bad_device_time(index, raw)
        found = credential_key(event.payload)
        if found is not None:
            raise ApiError(
                422, ErrorCode.CREDENTIAL_IN_SYNC,
                f"第{index + 1}个事件含有密码或凭据（{found}），整批未保存：密码不随同步传送。",
                index=index, field=found,
            )
        if event.id in seen:
            raise ApiError(422, ErrorCode.MALFORMED, f"同一批次中事件 {event.id} 重复。",
                           index=index)
        seen.add(event.id)
        payload_text = canonical_json(event.payload)
        parsed.append(_Incoming(event, sequence,
                                event_content_hash(event, payload_text=payload_text),
                                payload_text, raw.get("acknowledged") is True))
    return parsed


def _bad_device_time(index: int, raw: dict[str, Any]) -> ApiError:
    return ApiError(
        422, ErrorCode.MALFORMED,
        f"第{index + 1}个事件的设备时间 {str(raw['event'].get('device_time'))[:40]} 不在"
        f"{limits.EARLIEST_DEVICE_TIME.year}—{limits.LATEST_DEVICE_TIME.year - 1}年之间，"
        "请检查本机时钟。整批未保存。", index=index,
    )


_NOBODY: frozenset[str] = frozenset()


def _deputy_for(staff: dict[str, Any], event: Event) -> frozenset[str]:
    """Departments the staff member stands in for at the event's time."""
    if not staff.get("delegations"):
        return _NOBODY
    return frozenset(
        d["department_code"]
        for d in staff.get("delegations", [])
        if datetime.fromisoformat(d["starts_at"]) <= event.device_time
        < datetime.fromisoformat(d["ends_at"])
    )


def _actor(staff: dict[str, Any], deputy_for: frozenset[str]) -> Actor:
    return Actor(
        id=staff["id"], name=staff["display_name"],
        roles=frozenset(Role(r) for r in staff["roles"]),
        department_code=staff.get("department_code", ""), station=staff["station"],
        deputy_for_departments=deputy_for,
    )


def push(session: Session, station: Station, raw_items: Any) -> PushAnswer:
    """Check and store a pushed batch; the caller commits (or rolls back on ApiError)."""
    code = station.code or ""
    incoming = parse_push(raw_items)
    wrong = [i.event.id for i in incoming if i.event.station != code]
    if wrong:
        raise ApiError(403, ErrorCode.WRONG_STATION,
                       f"事件的站点与本站点（{code}）不符，整批未保存。", event_ids=wrong[:10])
    state = lock_state(session)
    session.refresh(station)  # read after the lock: another push may just have committed
    staff = staff_of_station(session, code)
    ids = [i.event.id for i in incoming]
    held = {r.id: r for r in session.execute(
        select(EventRow.id, EventRow.content_hash, EventRow.server_sequence)
        .where(_among(session, EventRow.id, ids)))}
    refused = {r.event_id: r for r in session.execute(
        select(Rejection.event_id, Rejection.content_hash, Rejection.code, Rejection.reason)
        .where(_among(session, Rejection.event_id, ids)))}
    _refuse_rewound(session, code, [i for i in incoming
                                     if i.event.id not in held and i.event.id not in refused],
                    station.max_station_sequence)
    context = _PushContext(session, state, station, staff,
                           everywhere=all_case_stations(session),
                           event_sequence=state.event_sequence)
    context.load({i.event.case_id for i in incoming
                  if i.event.id not in held and i.event.id not in refused})
    answers = []
    # Kept in locals and set on the ORM objects once (an attribute set per event adds up).
    max_station_sequence = station.max_station_sequence
    for item in incoming:
        answer = _one(context, item, held, refused)
        answers.append(answer)
        stored = answer.status in (AnswerStatus.ACCEPTED, AnswerStatus.CONFLICT)
        if stored and item.station_sequence is not None:
            max_station_sequence = max(max_station_sequence, item.station_sequence)
    station.max_station_sequence = max_station_sequence
    state.event_sequence = context.event_sequence
    station.last_seen_at = _now()
    context.write_pending()
    session.flush()
    return PushAnswer(state.epoch, answers, station.max_station_sequence)


def push_answer_dict(answer: PushAnswer) -> dict[str, Any]:
    """``answer.to_dict()``, without the dataclasses.asdict per event answer that cost
    about 18 ms for a push of 1,000 events."""
    answers = []
    for item in answer.answers:
        # EventAnswer.to_dict: its fields in order, those that are None left out, no
        # empty warnings.
        data: dict[str, Any] = {"id": item.id, "status": item.status.value}
        if item.server_sequence is not None:
            data["server_sequence"] = item.server_sequence
        if item.code is not None:
            data["code"] = item.code
        if item.reason is not None:
            data["reason"] = item.reason
        if item.warnings:
            data["warnings"] = [dict(w) for w in item.warnings]
        answers.append(data)
    return {"epoch": answer.epoch, "answers": answers,
            "max_station_sequence": answer.max_station_sequence}


def _refuse_rewound(session: Session, station_code: str, new: list[_Incoming],
                    max_seen: int) -> None:
    """A new event under a station sequence already stored for another event means the
    station's database was restored or copied: refuse before it overwrites anything."""
    numbers = {i.station_sequence: i.event.id for i in new if i.station_sequence is not None}
    if not numbers:
        return
    # Usually every number is above all the station has stored: one cheap look suffices.
    stored_highest = session.execute(select(
        select(func.max(EventRow.station_sequence))
        .where(EventRow.station == station_code).scalar_subquery(),
        select(func.max(Rejection.station_sequence))
        .where(Rejection.station == station_code).scalar_subquery(),
    )).one()
    if min(numbers) > max((n for n in stored_highest if n is not None), default=0):
        return
    clashes: list[tuple[int, str]] = []
    queries = (
        select(EventRow.station_sequence, EventRow.id).where(
            EventRow.station == station_code, EventRow.station_sequence.in_(list(numbers))),
        select(Rejection.station_sequence, Rejection.event_id).where(
            Rejection.station == station_code, Rejection.station_sequence.in_(list(numbers))),
    )
    for query in queries:
        clashes += [(sequence, event_id) for sequence, event_id in session.execute(query)
                    if sequence is not None and numbers.get(sequence) != event_id]
    if clashes:
        sequence = min(s for s, _ in clashes)
        raise ApiError(
            409, ErrorCode.STATION_REWOUND,
            f"本站事件序号 {sequence} 在服务器上已属于另一个事件（服务器已收到至 {max_seen}）："
            "本站数据库可能是从备份恢复或复制的。为避免覆盖服务器数据，整批未保存，"
            "请联系县中心管理员。",
            max_station_sequence=max_seen,
        )


def _one(
    context: _PushContext,
    item: _Incoming,
    held: dict[str, Row[str, str, int]],
    refused: dict[str, Row[str, str, str, str]],
) -> EventAnswer:
    event = item.event
    if event.id in held:
        row = held[event.id]
        if row.content_hash == item.digest:
            return EventAnswer(event.id, AnswerStatus.DUPLICATE, row.server_sequence)
        return _reused(event.id)
    if event.id in refused:
        rejection = refused[event.id]
        if rejection.content_hash != item.digest:
            return _reused(event.id)
        return EventAnswer(event.id, AnswerStatus.CONFLICT, code=rejection.code,
                           reason=rejection.reason)
    too_long = _field_too_long(event)
    if too_long is not None:
        return _refuse(context, item, too_long.code, too_long.message)
    if event.actor_id not in context.staff:
        # Not (yet) staff of this station on the server: its record may have been
        # refused (a name too long, say) or not sent yet. Only this case waits.
        context.deferred_cases.add(event.case_id)
        name = event.actor_name[:limits.PERSON_NAME] or event.actor_id[:limits.ID]
        return EventAnswer(event.id, AnswerStatus.RETRY, code=ErrorCode.UNKNOWN_ACTOR.value,
                           reason=f"服务器上没有本站人员“{name}”，该办件的事件暂未上传。"
                                  "请检查人员信息同步是否被拒绝。")
    if event.case_id in context.deferred_cases:
        return EventAnswer(event.id, AnswerStatus.RETRY, code="case_pending",
                           reason="该办件前面的事件尚未被服务器接受，稍后重试。")
    try:
        case = context.case(event.case_id)
    except DomainError as error:  # a stored history that no longer replays: report it
        return _refuse(context, item, error.code, f"服务器上该办件的记录无法重放：{error.message}")
    if case is None and event.type not in OPENING_EVENTS:
        # Its registration has not reached the server yet (restored server, say).
        context.deferred_cases.add(event.case_id)
        return EventAnswer(event.id, AnswerStatus.RETRY, code="unknown_case",
                           reason="服务器上还没有该办件，稍后重试。")
    if (case is not None and context.station.code not in context.scope(event.case_id)
            and context.station.code not in context.everywhere):
        if item.acknowledged:
            return _await_history(context, event, f"办件{case.number}尚未上报到本站点")
        return _refuse(context, item, "not_in_scope",
                       f"办件{case.number}没有上报到本站点，本站不能办理。")
    try:
        authorize_event(case, event, context.actor(event))
        context.apply(event)
    except DomainError as error:
        if item.acknowledged:
            return _await_history(context, event, error.message)
        return _refuse(context, item, error.code, error.message)
    return _accept(context, item)


def _await_history(context: _PushContext, event: Event, problem: str) -> EventAnswer:
    """An event the earlier epoch accepted that does not apply yet: other stations'
    events before it have not come back since the restore. It waits, with its case."""
    context.deferred_cases.add(event.case_id)
    return EventAnswer(
        event.id, AnswerStatus.RETRY, code="awaiting_history",
        reason=f"服务器从备份恢复后尚未收回该办件此前的记录（{problem}），"
               "待其他站点重新上传后自动重试。")


def _field_too_long(event: Event) -> DomainError | None:
    """A field longer than its column (app/domain/limits.py): refused for this event alone."""
    for value, limit, label, name in (
        (event.actor_name, limits.PERSON_NAME, "经办人姓名", "actor_name"),
        (event.actor_id, limits.ID, "经办人编号", "actor_id"),
    ):
        error = limits.too_long(value, limit, label, name)
        if error is not None:
            return error
    return None


def _reused(event_id: str) -> EventAnswer:
    return EventAnswer(
        event_id, AnswerStatus.CONFLICT, code="event_id_reused",
        reason="同一事件编号的内容与服务器上的记录不一致，已拒绝（可能是数据被篡改或复制）。",
    )


def _accept(context: _PushContext, item: _Incoming) -> EventAnswer:
    event = item.event
    # Numbered here, written with the batch; the counter row is locked for the push.
    context.event_sequence += 1
    sequence = context.event_sequence
    warnings = _warnings(context, event)
    context.pending_payload_texts.append(item.payload_text)
    context.pending_events.append({
        "server_sequence": sequence, "id": event.id, "case_id": event.case_id,
        "type": event.type.value, "actor_id": event.actor_id, "actor_name": event.actor_name,
        "station": event.station, "device_time": event.device_time, "payload": event.payload,
        "content_hash": item.digest, "station_sequence": item.station_sequence,
        "received_at": context.received_at,
        "flag_code": warnings[0]["code"] if warnings else "",
        "flag_reason": warnings[0]["reason"] if warnings else "",
    })
    scope = context.scope(event.case_id)
    if event.type in OPENING_EVENTS:  # a case's registration, or a complaint's
        _enter_scope(context, event.case_id, event.station, sequence)
    for station_code in context.audience(event.case_id, event.station):
        _deliver(context, station_code, event_sequence=sequence)
    if event.type is EventType.PROMISE_CHECKED and event.payload.get("kept") is False:
        _publish_broken_promise(context, event)
    if event.type in (EventType.FORWARDED, EventType.HANDED_OVER):
        # A forward, or a 代办 hand-over to another station's hands (village → township
        # → county), brings the case into that station's scope with its whole history.
        target = str(event.payload.get("to_station", "")).strip().upper()
        if target and target not in scope and target not in context.everywhere:
            _enter_scope(context, event.case_id, target, sequence)
            _backfill(context, event.case_id, target)
    return EventAnswer(event.id, AnswerStatus.ACCEPTED, sequence, warnings=warnings)


def _publish_broken_promise(context: _PushContext, event: Event) -> None:
    """A 告知承诺 found broken goes to every station as reference data (a case's events
    reach only the stations in its scope; the applicant may come to any of them next)."""
    case = context.cases[event.case_id].case
    assert case is not None
    record = normalise_promise_record({
        "id_number": str(case.applicant.get("id_number", "")),
        "applicant_name": case.applicant_name, "case_number": case.number,
        "matter_name": case.matter.name, "finding": str(event.payload.get("finding", "")),
        "station": event.station, "checked_at": event.device_time.isoformat(),
    })
    put(context.session, context.state, ReferenceKind.PROMISE_RECORD, event.id, record,
        by="server")


def _deliver(context: _PushContext, station_code: str, *, event_sequence: int | None = None,
             rejection_id: int | None = None) -> None:
    # Every row has both keys: a bulk write needs the same columns in every row.
    context.pending_deliveries.append({"station": station_code,
                                       "event_sequence": event_sequence,
                                       "rejection_id": rejection_id})


def _enter_scope(context: _PushContext, case_id: str, station_code: str, sequence: int) -> None:
    context.pending_scopes.append({"case_id": case_id, "station": station_code,
                                   "since_sequence": sequence})
    context.scope(case_id).add(station_code)


def _backfill(context: _PushContext, case_id: str, station_code: str) -> None:
    """A case forwarded to a station brings its whole history into that station's feed:
    its events and the refusals made on it before (a station that joins later learns
    them too)."""
    context.write_pending()  # the history includes this batch's events
    query = (
        select(EventRow.server_sequence)
        .where(EventRow.case_id == case_id, EventRow.station != station_code)
        .order_by(EventRow.server_sequence)
    )
    for sequence in context.session.scalars(query):
        _deliver(context, station_code, event_sequence=sequence)
    refusals = (
        select(Rejection.id)
        .where(Rejection.case_id == case_id, Rejection.station != station_code)
        .order_by(Rejection.id)
    )
    for rejection_id in context.session.scalars(refusals):
        _deliver(context, station_code, rejection_id=rejection_id)


def _warnings(context: _PushContext, event: Event) -> list[dict[str, str]]:
    """Accepted but to be looked at: a seal used after the centre revoked it; a 顶岗
    mark the staff records here do not bear out (the mark gives no authority: the
    event was checked as the actor's own)."""
    acting_for = event.payload.get("acting_for")
    if acting_for is not None:
        a_record = context.staff.get(str(acting_for.get("staff_id", ""))
                                     if isinstance(acting_for, dict) else "")
        day = event.device_time.astimezone(LOCAL_ZONE).date()
        if not acting_for_holds(acting_for, actor_id=event.actor_id, a_record=a_record,
                                day=day):
            return [{"code": "flag.acting_for_unverified",
                     "reason": f"{event.actor_name}的顶岗记录与服务器上的AB岗和请假记录不符"
                               f"（{day.isoformat()}），已标记，请核查。"}]
    if event.type is not EventType.SEALED:
        return []
    known = context.seal_status(str(event.payload.get("seal_id", "")))
    if known is None or known[0] not in REVOKED_SEAL_STATES:
        return []
    status = SealStatus(known[0]).label
    return [{
        "code": "flag.seal_revoked",
        "reason": f"印章{known[1]}已由县中心设为“{status}”，本次用印发生在本站同步该信息之前，"
                  "已标记，请核查所出文书。",
    }]


def _refuse(context: _PushContext, item: _Incoming, code: str, reason: str) -> EventAnswer:
    """Keep the refused event and tell the other stations that see its case."""
    session, event = context.session, item.event
    # The columns keep what fits; the whole event, as sent, is in ``event``.
    rejection = Rejection(
        event_id=event.id, case_id=event.case_id, station=event.station,
        actor_id=event.actor_id[:limits.ID], actor_name=event.actor_name[:limits.PERSON_NAME],
        type=event.type.value,
        code=code, reason=reason, content_hash=item.digest,
        station_sequence=item.station_sequence, event=event.to_dict(),
        received_at=_now(),
    )
    session.add(rejection)
    session.flush()  # its id is the deliveries' reference (refusals are rare)
    for station_code in context.audience(event.case_id, event.station):
        _deliver(context, station_code, rejection_id=rejection.id)
    return EventAnswer(event.id, AnswerStatus.CONFLICT, code=code, reason=reason)


# The text JSONResponse renders (same options), made once rather than on every answer.
_ANSWER_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, indent=None,
                                   separators=(",", ":"))
_quote = json.encoder.encode_basestring  # a JSON string, as that encoder writes one


def encode_answer(content: Any) -> bytes:
    """``content`` as the bytes ``JSONResponse(content)`` would send; the sync endpoints
    encode in their worker thread and answer with a plain Response."""
    return _ANSWER_ENCODER.encode(content).encode("utf-8")


def pull_answer(session: Session, station: Station, after: int, limit: int) -> bytes:
    """The station's feed after ``after``, at most ``limit`` rows, as the answer's JSON
    text (``PullPage.to_dict()``, encoded).

    A page of 1,000 is most of a pull's time on the server, so the text is written
    straight from the selected columns, each event's payload as the very JSON text
    its column holds: read as text, it is neither parsed nor encoded again here.
    """
    limit = max(1, min(limit, MAX_PULL_LIMIT))
    state = session.get(ServerState, 1)
    assert state is not None
    # The page of the feed, then the events and refusals it names, by their keys: index
    # look-ups whatever the planner's statistics say. (Joined in one query, the missing
    # statistics of a freshly filled PostgreSQL database had it hash the whole event
    # table for every page: 32 ms a page of 1,000 instead of 4.)
    rows = session.execute(
        select(Delivery.id, Delivery.event_sequence, Delivery.rejection_id)
        .where(Delivery.station == station.code, Delivery.id > after)
        .order_by(Delivery.id)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    sequences = [sequence for _, sequence, _ in rows if sequence is not None]
    events = {row[0]: row for row in session.execute(
        select(EventRow.server_sequence, EventRow.id, EventRow.case_id, EventRow.type,
               EventRow.actor_id, EventRow.actor_name, EventRow.station, EventRow.device_time,
               cast(EventRow.payload, Text))
        .where(_among(session, EventRow.server_sequence, sequences)))} if sequences else {}
    rejection_ids = [rejection for _, _, rejection in rows if rejection is not None]
    rejections = {row[0]: row for row in session.execute(
        select(Rejection.id, Rejection.event_id, Rejection.case_id, Rejection.station,
               Rejection.actor_name, Rejection.type, Rejection.code, Rejection.reason,
               Rejection.received_at)
        .where(Rejection.id.in_(rejection_ids)))} if rejection_ids else {}
    quote = _quote
    items: list[str] = []
    for cursor, event_sequence, rejection_id in rows:
        if event_sequence is not None:
            (_, event_id, case_id, event_type, actor_id, actor_name, event_station,
             device_time, payload_text) = events[event_sequence]
            # PulledItem.to_dict's keys and Event.to_dict's, in their order.
            items.append(
                f'{{"cursor":{int(cursor)},"kind":"event",'
                f'"server_sequence":{int(event_sequence)},"event":{{'
                f'"id":{quote(event_id)},"case_id":{quote(case_id)},'
                f'"type":{quote(event_type)},"actor_id":{quote(actor_id)},'
                f'"actor_name":{quote(actor_name)},"station":{quote(event_station)},'
                f'"device_time":{quote(device_time.astimezone(UTC).isoformat())},'
                f'"payload":{payload_text}}}}}'
            )
        elif rejection_id is not None:
            (_, refused_id, refused_case_id, refused_station, refused_actor_name, refused_type,
             refused_code, refused_reason, received_at) = rejections[rejection_id]
            # ConflictNotice.to_dict's keys, in its order.
            items.append(_ANSWER_ENCODER.encode({
                "cursor": cursor, "kind": "conflict", "conflict": {
                    "event_id": refused_id, "case_id": refused_case_id,
                    "station": refused_station, "actor_name": refused_actor_name,
                    "type": refused_type, "code": refused_code,
                    "reason": f"{refused_station}站{refused_actor_name}的"
                              f"“{EventType(refused_type).label}”被服务器拒绝：{refused_reason}",
                    "received_at": received_at.isoformat(),
                }}))
    next_cursor = rows[-1][0] if rows else after
    return (
        f'{{"epoch":{quote(state.epoch)},"items":[{",".join(items)}],'
        f'"next_cursor":{int(next_cursor)},"more":{"true" if more else "false"}}}'
    ).encode()


def counts(session: Session) -> dict[str, int]:
    """How many events and refusals the server holds (for the CLI and tests)."""
    from sqlalchemy import func

    return {
        "events": session.scalar(select(func.count()).select_from(EventRow)) or 0,
        "rejections": session.scalar(select(func.count()).select_from(Rejection)) or 0,
    }
