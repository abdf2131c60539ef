"""Complaint use cases (投诉): register, assign, investigate, answer, the complainant's reply.

Each call is one transaction: the complaint's event, its audit record, its outbox row and
the projected complaint row commit together or not at all. The domain
(``app.domain.complaint``) decides what is legal; the answer deadline is the
administrator's setting (``complaint_answer_working_days``) counted in working days on the
profile's calendar from the day of registration, and is fixed in the complaint's first
event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.domain.complaint import (
    DEFAULT_ANSWER_WORKING_DAYS,
    Complaint,
    replay_complaint,
)
from app.domain.errors import NotFound, PermissionDenied, ValidationError
from app.domain.events import Event, EventType
from app.domain.roles import Action, Role, authorize
from app.services.cases import current_actor
from app.services.context import CurrentUser, local_date, utc_now
from app.services.recording import load_calendar, record_local
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

ANSWER_DAYS_SETTING = "complaint_answer_working_days"


def answer_working_days(uow: UnitOfWork) -> int:
    """The configured answer deadline in working days (5 unless the administrator set
    another)."""
    value = uow.settings.get(ANSWER_DAYS_SETTING, "")
    return int(value) if value.isdigit() and 1 <= int(value) <= 60 else DEFAULT_ANSWER_WORKING_DAYS


def set_answer_working_days(uow_factory: UnitOfWorkFactory, user: CurrentUser, days: int) -> None:
    """The administrator sets the answer deadline for complaints registered from now on."""
    authorize(user.roles, Action.MANAGE_SETTINGS, who=user.display_name)
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise ValidationError("bad_days", "答复期限应为1至60个工作日。", field="days")
    with uow_factory() as uow:
        uow.settings.set(ANSWER_DAYS_SETTING, str(days))
        uow.audit.append({"kind": "admin", "action": "settings", "key": ANSWER_DAYS_SETTING,
                          "value": days,
                          "actor_id": user.id, "at": utc_now().isoformat()})
        uow.commit()


def deadline_settings(uow_factory: UnitOfWorkFactory) -> tuple[int, int]:
    """(complaint answer days, 差评 call-back days), in working days, as configured."""
    from app.services.evaluations import follow_up_working_days

    with uow_factory() as uow:
        return answer_working_days(uow), follow_up_working_days(uow)


def _load(uow: UnitOfWork, complaint_id: str) -> Complaint:
    events = uow.events.for_case(complaint_id)
    if not events or events[0].type is not EventType.COMPLAINT_REGISTERED:
        raise NotFound("complaint_not_found", "找不到该投诉。", complaint_id=complaint_id)
    return replay_complaint(events)


def _record(uow: UnitOfWork, user: CurrentUser, complaint: Complaint | None, complaint_id: str,
            event_type: EventType, payload: dict[str, Any], now: datetime) -> Complaint:
    event = Event(case_id=complaint_id, type=event_type, actor_id=user.id,
                  actor_name=user.display_name, station=user.station, device_time=now,
                  payload=payload)
    result = record_local(uow, complaint, event, current_actor(uow, user, now), now=now)  # type: ignore[arg-type]
    assert isinstance(result, Complaint)
    return result


def _act(uow_factory: UnitOfWorkFactory, user: CurrentUser, complaint_id: str,
         event_type: EventType, payload: dict[str, Any], now: datetime | None) -> Complaint:
    now = now or utc_now()
    with uow_factory() as uow:
        complaint = _load(uow, complaint_id)
        updated = _record(uow, user, complaint, complaint_id, event_type, payload, now)
        uow.commit()
        return updated


def register_complaint(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, channel: str,
    complainant: dict[str, Any], content: str, window_name: str = "", staff_id: str = "",
    case_number: str = "", now: datetime | None = None,
) -> Complaint:
    """Register a complaint about a window, a staff member or a case (at least one).

    ``complainant`` is {"name", "phone", "address"} or {"anonymous": True}. The person
    complained about and the case are looked up here, so the complaint names them as the
    station knows them; the answer deadline is fixed now."""
    now = now or utc_now()
    with uow_factory() as uow:
        authorize(user.roles, Action.HANDLE_COMPLAINT, who=user.display_name)
        staff_name = department_code = case_id = ""
        if staff_id:
            person = uow.users.get(staff_id)
            if person is None:
                raise NotFound("user_not_found", "找不到被投诉的工作人员。", field="staff_id")
            staff_name = person.display_name
            department_code = person.department_code or ""
            window_name = window_name or person.window_name
        number = case_number.strip()
        if number:
            row = uow.cases.by_number(number)
            if row is None:
                raise NotFound("case_not_found", f"找不到受理编号为{number}的办件。",
                               field="case_number")
            case_id = row.id
            department_code = department_code or row.department_code
            window_name = window_name or row.window_name
        days = answer_working_days(uow)
        registered_on = local_date(now)
        due, _ = load_calendar(uow).add_working_days(registered_on, days)
        sequence = uow.sequences.next(f"complaint:{user.station}:{registered_on.year}")
        payload = {
            "number": f"TS-{user.station}-{registered_on.year}-{sequence:04d}",
            "channel": channel, "complainant": dict(complainant), "content": content,
            "window_name": window_name.strip(), "staff_id": staff_id, "staff_name": staff_name,
            "case_id": case_id, "case_number": number, "department_code": department_code,
            "answer_working_days": days, "answer_due": due.isoformat(),
        }
        complaint = _record(uow, user, None, str(uuid.uuid4()), EventType.COMPLAINT_REGISTERED,
                            payload, now)
        uow.commit()
        return complaint


def assign_complaint(uow_factory: UnitOfWorkFactory, user: CurrentUser, complaint_id: str, *,
                     assignee_id: str, instructions: str = "",
                     now: datetime | None = None) -> Complaint:
    """Hand the complaint to the person who investigates it (交办)."""
    with uow_factory() as uow:
        assignee = uow.users.get(assignee_id)
        if assignee is None or not assignee.active:
            raise NotFound("user_not_found", "请选择在岗的承办人。", field="assignee_id")
        name = assignee.display_name
    return _act(uow_factory, user, complaint_id, EventType.COMPLAINT_ASSIGNED,
                {"assignee_id": assignee_id, "assignee_name": name,
                 "instructions": instructions}, now)


def investigate_complaint(uow_factory: UnitOfWorkFactory, user: CurrentUser, complaint_id: str,
                          *, finding: str, facts: str, measures: str = "",
                          now: datetime | None = None) -> Complaint:
    """The investigation's facts and finding (属实 / 部分属实 / 不属实)."""
    return _act(uow_factory, user, complaint_id, EventType.COMPLAINT_INVESTIGATED,
                {"finding": finding, "facts": facts, "measures": measures}, now)


def answer_complaint(uow_factory: UnitOfWorkFactory, user: CurrentUser, complaint_id: str, *,
                     method: str, text: str, now: datetime | None = None) -> Complaint:
    """The answer given to the complainant."""
    return _act(uow_factory, user, complaint_id, EventType.COMPLAINT_ANSWERED,
                {"method": method, "text": text}, now)


def record_reply(uow_factory: UnitOfWorkFactory, user: CurrentUser, complaint_id: str, *,
                 opinion: str, remarks: str = "", now: datetime | None = None) -> Complaint:
    """What the complainant said about the answer (满意 / 基本满意 / 不满意)."""
    return _act(uow_factory, user, complaint_id, EventType.COMPLAINT_REPLY_RECORDED,
                {"opinion": opinion, "remarks": remarks}, now)


def close_anonymous(uow_factory: UnitOfWorkFactory, user: CurrentUser, complaint_id: str, *,
                    remarks: str, now: datetime | None = None) -> Complaint:
    """Close an anonymous complaint after its investigation (nobody to answer)."""
    return _act(uow_factory, user, complaint_id, EventType.COMPLAINT_CLOSED,
                {"remarks": remarks}, now)


def get_complaint(uow_factory: UnitOfWorkFactory, user: CurrentUser,
                  complaint_id: str) -> Complaint:
    """The whole complaint, contact details included: for the complaint desk and the
    person it was assigned to."""
    with uow_factory() as uow:
        complaint = _load(uow, complaint_id)
    desk = user.roles & {Role.SUPERVISOR, Role.ADMIN}
    if not desk and user.id != complaint.assignee_id:
        raise PermissionDenied("complaint.not_yours", "只有投诉受理人员和承办人可以查看投诉详情。")
    return complaint


@dataclass(frozen=True)
class ComplaintListing:
    """One line of the complaint list: no contact details."""

    id: str
    number: str
    state: str
    channel: str
    complainant: str  # the name, or 匿名
    subject: str  # window, person, case
    registered_at: datetime
    answer_due: date
    assignee_name: str
    finding: str
    on_time: bool | None
    overdue: bool


def list_complaints(uow_factory: UnitOfWorkFactory, user: CurrentUser, *,
                    open_only: bool = False, now: datetime | None = None) -> list[ComplaintListing]:
    """The complaint desk's list, newest first; the assignee sees what was given to them."""
    desk = user.roles & {Role.SUPERVISOR, Role.ADMIN}
    today = local_date(now or utc_now())
    with uow_factory() as uow:
        rows = uow.complaints.listed(open_only=open_only)
    return [_listing(row, today) for row in rows if desk or row.assignee_id == user.id]


def _listing(row: models.ComplaintRow, today: date) -> ComplaintListing:
    subject = "，".join(part for part in (row.window_name, row.staff_name, row.case_number)
                       if part)
    open_now = row.state in ("registered", "assigned", "investigated")
    return ComplaintListing(
        id=row.id, number=row.number, state=row.state, channel=row.channel,
        complainant="匿名" if row.anonymous else row.complainant_name, subject=subject,
        registered_at=row.registered_at, answer_due=row.answer_due,
        assignee_name=row.assignee_name, finding=row.finding, on_time=row.on_time,
        overdue=open_now and today > row.answer_due,
    )
