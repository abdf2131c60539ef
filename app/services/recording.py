"""Recording events: the one path by which a case changes, locally or from sync.

``record_local`` checks the actor, applies the event with the domain's projection and
writes the event, its outbox row, its audit record and the projected case row in the
caller's unit of work: all of them commit together or none does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from app.domain.audit import canonical_json
from app.domain.calendar import (
    Extension,
    Suspension,
    WorkingCalendar,
    compute_deadline,
    yellow_from,
)
from app.domain.case import (
    Actor,
    Case,
    CaseInMemory,
    apply_event,
    authorize_event,
    category,
    intake_decision_due,
    replay,
)
from app.domain.complaint import Complaint
from app.domain.errors import ConflictError, DomainError, NotFound
from app.domain.events import Event
from app.domain.identity import id_number_tail
from app.services.ab_posts import acting_for
from app.services.catalog import pinyin_initials
from app.services.context import local_date, utc_now
from app.store import models
from app.store.repositories import event_from_row
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

STATION_EVENT_SEQUENCE = "station-events"
DEFAULT_YELLOW_WORKING_DAYS = 2


def load_calendar(uow: UnitOfWork) -> WorkingCalendar:
    """The working-day calendar from the profile's stored years."""
    return WorkingCalendar(dict(uow.calendar.parsed_years()))


@dataclass(frozen=True)
class Projection:
    """What projecting a case row takes besides the case: the calendar and the yellow
    threshold (read once for many rows: parsing the calendar's years takes about 2 ms)."""

    calendar: WorkingCalendar
    yellow_working_days: int


def load_projection(uow: UnitOfWork) -> Projection:
    """The profile's calendar and yellow threshold, as case rows are projected with."""
    return Projection(load_calendar(uow), yellow_threshold(uow))


def yellow_threshold(uow: UnitOfWork) -> int:
    value = uow.settings.get("yellow_working_days", str(DEFAULT_YELLOW_WORKING_DAYS))
    return int(value) if value.isdigit() else DEFAULT_YELLOW_WORKING_DAYS


def load_case(uow: UnitOfWork, case_id: str) -> Case:
    """The case as its events project it."""
    events = uow.events.for_case(case_id)
    if not events:
        raise NotFound("case_not_found", "找不到该办件。", case_id=case_id)
    return replay(events)


def case_deadline(case: Case, calendar: WorkingCalendar, today: date) -> Any:
    """The case's ``Deadline`` (or None before acceptance / for forwarded cases)."""
    if case.accepted_on is None:
        return None
    suspensions = [
        Suspension(
            start=date.fromisoformat(s["start"]),
            end=date.fromisoformat(s["end"]) if s["end"] else None,
            reason_code=s["reason_code"],
            reason=s.get("reason", ""),
        )
        for s in case.suspensions
    ]
    extensions = [
        Extension(working_days=e["working_days"], reason=e["reason"], approved_by=e["approved_by"])
        for e in case.extensions
    ]
    return compute_deadline(
        calendar,
        case.accepted_on,
        case.promised_working_days,
        suspensions,
        extensions,
        today=today,
    )


def project_row(
    case: Case, calendar: WorkingCalendar, *, today: date, yellow_working_days: int
) -> models.CaseRow:
    """The list/query row of a case: what the case tables hold."""
    return models.CaseRow(**project_values(case, calendar, today=today,
                                           yellow_working_days=yellow_working_days))


def project_values(
    case: Case, calendar: WorkingCalendar, *, today: date, yellow_working_days: int
) -> dict[str, Any]:
    """``project_row``'s columns as a dict (what a bulk write takes)."""
    deadline = case_deadline(case, calendar, today)
    due = deadline.due if deadline else None
    applicant = case.applicant
    on_time = None
    if due is not None and case.completed_at is not None:
        on_time = local_date(case.completed_at) <= due
    return dict(
        id=case.id,
        number=case.number,
        station=case.station,
        matter_code=case.matter.code,
        matter_name=case.matter.name,
        department_code=case.matter.department_code,
        category=category(case).value,
        state=case.state.value,
        applicant_name=case.applicant_name,
        applicant_id_number=str(applicant.get("id_number", "")),
        applicant_phone=str(applicant.get("phone", "")),
        applicant_initials=pinyin_initials(case.applicant_name),
        applicant_id_tail=id_number_tail(str(applicant.get("id_number", ""))),
        first_responder_id=case.first_responder_id,
        reviewer_id=case.reviewer_id,
        approver_id=str(case.decision["actor_id"]) if case.decision else "",
        window_name=case.window_name,
        registered_at=case.registered_at,
        accepted_at=case.accepted_at,
        accepted_on=case.accepted_on,
        deadline=due,
        deadline_provisional=bool(deadline and deadline.provisional),
        yellow_from=yellow_from(calendar, due, yellow_working_days) if due else None,
        completed_at=case.completed_at,
        on_time=on_time,
        outcome=case.outcome,
        evaluation=case.evaluation["rating"] if case.evaluation else "",
        service_mode=case.service_mode,
        tolerance_due=(date.fromisoformat(case.tolerance["deadline"])
                       if case.tolerance else None),
        tolerance_owed=len(case.tolerance_owed),
        promise_broken=case.promise_broken,
        intake_due=intake_decision_due(case, calendar),
        updated_at=utc_now(),
    )


def complaint_row(complaint: Complaint) -> models.ComplaintRow:
    """The list/assessment row of a complaint: what the complaints table holds."""
    assignment = complaint.assignment or {}
    return models.ComplaintRow(
        id=complaint.id, number=complaint.number, station=complaint.station,
        channel=complaint.channel, anonymous=complaint.anonymous,
        complainant_name=complaint.complainant_name, window_name=complaint.window_name,
        staff_id=complaint.staff_id, staff_name=complaint.staff_name,
        case_id=complaint.case_id, case_number=complaint.case_number,
        department_code=complaint.department_code, state=complaint.state.value,
        assignee_id=str(assignment.get("assignee_id", "")),
        assignee_name=str(assignment.get("assignee_name", "")),
        registered_at=complaint.registered_at, answer_due=complaint.answer_due,
        finding=complaint.finding, finished_at=complaint.finished_at,
        on_time=complaint.answered_on_time,
        reply=str(complaint.reply["opinion"]) if complaint.reply else "",
        updated_at=utc_now(),
    )


def save_projection(uow: UnitOfWork, record: Case | Complaint, calendar: WorkingCalendar, *,
                    today: date, yellow_working_days: int) -> None:
    """Write the projected row of a case or of a complaint (one event log holds both)."""
    if isinstance(record, Complaint):
        uow.complaints.save(complaint_row(record))
        return
    uow.cases.save(project_row(record, calendar, today=today,
                               yellow_working_days=yellow_working_days))


def event_audit_text(event: Event, *, payload_text: str | None = None) -> str:
    """``canonical_json({"kind": "event", "event": event.to_dict()})``, the audit record
    of a stored event, around the event's own canonical text ("event" sorts first);
    ``payload_text`` as :meth:`Event.canonical` takes it."""
    return f'{{"event":{event.canonical(payload_text=payload_text)},"kind":"event"}}'


def _store(
    uow: UnitOfWork,
    case: Case | Complaint,
    event: Event,
    *,
    station_sequence: int | None,
    server_sequence: int | None,
    outbox: bool,
    now: datetime,
) -> None:
    uow.events.add(
        event, station_sequence=station_sequence, server_sequence=server_sequence, outbox=outbox
    )
    uow.audit.append({"kind": "event", "event": event.to_dict()})
    save_projection(uow, case, load_calendar(uow), today=local_date(now),
                    yellow_working_days=yellow_threshold(uow))
    uow.session.flush()


def record_local(
    uow: UnitOfWork, case: Case | None, event: Event, actor: Actor, *, now: datetime | None = None
) -> Case:
    """Check, apply and store an event made at this station; queue it for sync.

    An event a B岗 records on a case of the window it covers today carries that
    window's A in ``acting_for`` (顶岗补位), whichever use case made it."""
    if isinstance(case, Case) and "acting_for" not in event.payload:
        mark = acting_for(uow, station=case.station, window_name=case.window_name,
                          actor_id=actor.id, moment=event.device_time)
        if mark is not None:
            event = replace(event, payload={**event.payload, "acting_for": mark})
    try:
        authorize_event(case, event, actor)
        updated = apply_event(case, event)
    except DomainError as error:
        # Refusals are logged with codes only: no names, ID or phone numbers.
        log.info("refused %s on case %s by user %s: %s", event.type.value, event.case_id,
                 actor.id, error.code)
        raise
    log.info("recorded %s on case %s by user %s", event.type.value, event.case_id, actor.id)
    station_sequence = uow.sequences.next(STATION_EVENT_SEQUENCE)
    _store(
        uow, updated, event, station_sequence=station_sequence, server_sequence=None,
        outbox=True, now=now or utc_now(),
    )
    return updated


def record_held(
    uow: UnitOfWork, existing: models.EventRow, event: Event, *, server_sequence: int | None
) -> None:
    """A pulled event whose id is held (``existing``): note its server sequence if the
    row has none; the same id with a different payload is refused (ConflictError)."""
    if event_from_row(existing).canonical() != event.canonical():
        raise ConflictError(
            "event_id_reused", "同一事件编号的内容与本地记录不一致，已拒绝。", event_id=event.id
        )
    if server_sequence is not None and existing.server_sequence is None:
        uow.events.set_server_sequence(event.id, server_sequence)


def record_remote(
    uow: UnitOfWork, event: Event, *, server_sequence: int | None, now: datetime | None = None
) -> Case | None:
    """Store an event pulled from the server (already checked there); idempotent.

    Returns the updated case, or None when the event was already held. The same
    event id with a different payload is refused, never silently accepted.
    """
    existing = uow.events.get(event.id)
    if existing is not None:
        record_held(uow, existing, event, server_sequence=server_sequence)
        return None
    history = uow.events.for_case(event.case_id)
    case = replay(history) if history else None
    updated = apply_event(case, event)
    _store(
        uow, updated, event, station_sequence=None, server_sequence=server_sequence,
        outbox=False, now=now or utc_now(),
    )
    return updated


class RemoteBatch:
    """Pulled events applied in memory and written together: ``record_remote`` for many.

    Each case's stored history is read (one query for all of them) and replayed once;
    every event then applies to the case in memory, and ``write`` stores what was
    applied since the last write: the event rows in one INSERT, their audit records
    in one append, and one case row per case, with the calendar and the yellow
    threshold read once (or given as ``projection``: a pull reads them once for all
    its pages). Meant for cases with nothing queued here, whose log order is
    the server's: the caller sends any other case the slow way, calling ``forget``
    and ``write`` first.
    """

    def __init__(self, uow: UnitOfWork, *, now: datetime | None = None,
                 projection: Projection | None = None) -> None:
        self.uow = uow
        self.now = now or utc_now()
        # Each kept case in memory (changed in place, not copied), or why its stored
        # history does not replay.
        self._cases: dict[str, CaseInMemory | DomainError] = {}
        self._events: list[tuple[Event, int | None]] = []
        self._touched: dict[str, CaseInMemory] = {}
        self._projection = projection

    def load(self, case_ids: Iterable[str]) -> None:
        """Read and replay the stored histories of the cases not known yet."""
        wanted = [c for c in dict.fromkeys(case_ids) if c not in self._cases]
        if not wanted:
            return
        histories = self.uow.events.for_cases(wanted)
        for case_id in wanted:
            try:
                self._cases[case_id] = CaseInMemory(histories.get(case_id, []))
            except DomainError as error:
                # Raised at the case's first event, as record_remote would.
                self._cases[case_id] = error

    def apply(self, event: Event, server_sequence: int | None) -> Case:
        """Apply a pulled, not yet held event to its case in memory and keep it for
        ``write``; a DomainError leaves everything as it was. Returns the batch's own
        case, which later events change in place."""
        case_id = event.case_id
        if case_id not in self._cases:
            self.load([case_id])
        case = self._cases[case_id]
        if isinstance(case, DomainError):
            raise case
        updated = case.apply(event)
        self._events.append((event, server_sequence))
        self._touched[case_id] = case
        return updated

    def forget(self, case_id: str) -> None:
        """Stop keeping ``case_id``: it changes outside the batch from now on (``write``
        first when that change reads or rewrites the case's rows)."""
        self._cases.pop(case_id, None)

    def write(self) -> None:
        """Store the events applied since the last write, in the order applied."""
        if not self._events:
            return
        events, self._events = self._events, []
        touched, self._touched = self._touched, {}
        # Each payload encoded once, for its event row and its audit record.
        payload_texts = [canonical_json(event.payload) for event, _ in events]
        self.uow.events.add_pulled(events, payload_texts)
        self.uow.audit.append_texts([
            event_audit_text(event, payload_text=text)
            for (event, _), text in zip(events, payload_texts, strict=True)
        ])
        if self._projection is None:
            self._projection = load_projection(self.uow)
        calendar = self._projection.calendar
        threshold = self._projection.yellow_working_days
        today = local_date(self.now)
        self.uow.cases.save_many([
            project_values(kept.case, calendar, today=today, yellow_working_days=threshold)
            for kept in touched.values() if isinstance(kept.case, Case)
        ])
        for kept in touched.values():
            if isinstance(kept.case, Complaint):
                self.uow.complaints.save(complaint_row(kept.case))
        self.uow.session.flush()


def rebuild_projection(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """Recompute every case row from the event log; returns how many cases."""
    calendar = load_calendar(uow)
    today = local_date(now or utc_now())
    threshold = yellow_threshold(uow)
    uow.cases.delete_all()
    uow.complaints.delete_all()
    count = 0
    for case_id in uow.events.case_ids():
        record = replay(uow.events.for_case(case_id))
        save_projection(uow, record, calendar, today=today, yellow_working_days=threshold)
        count += isinstance(record, Case)
    return count


def reproject_waiting(uow_factory: UnitOfWorkFactory, *, now: datetime | None = None) -> int:
    """Project again the cases waiting for the intake decision (after an upgrade whose
    migration added what only the projection computes, such as that decision's last
    day); returns how many."""
    with uow_factory() as uow:
        calendar = load_calendar(uow)
        today = local_date(now or utc_now())
        threshold = yellow_threshold(uow)
        done, failed = 0, []
        for case_id in uow.cases.waiting_for_intake():
            try:
                case = load_case(uow, case_id)
            except DomainError:  # a row whose history does not replay: it keeps its row
                failed.append(case_id)
                continue
            uow.cases.save(project_row(case, calendar, today=today,
                                       yellow_working_days=threshold))
            done += 1
        uow.commit()
    if failed:
        log.warning("%d waiting cases kept their rows (their history does not replay): %s",
                    len(failed), ", ".join(failed[:20]))
    return done


def recompute_open_deadlines(uow: UnitOfWork, *, now: datetime | None = None) -> int:
    """After a calendar change: recompute deadlines of every case still running."""
    calendar = load_calendar(uow)
    today = local_date(now or utc_now())
    threshold = yellow_threshold(uow)
    rows = uow.cases.open_with_deadline()
    for row in rows:
        case = load_case(uow, row.id)
        uow.cases.save(project_row(case, calendar, today=today, yellow_working_days=threshold))
    return len(rows)
