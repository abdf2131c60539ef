"""Complaints (投诉) about a window, a staff member or a case, and their projection.

北票 第三十一条 and 敖汉 第四十四条 set up a complaint desk (投诉窗口) taking complaints
about the windows and their staff; 敖汉 第四十三条 has a complaint "经查实" lead to
consequences for the person. A complaint is registered (who complains, about which
window, person or case, what happened, the channel), assigned to someone who
investigates it, and answered within a deadline with the finding (属实 / 部分属实 / 不属实);
the complainant's reply to the answer is recorded. A named complaint is always answered:
only an anonymous one, which nobody can be told about, may be closed without an answer.

A complaint is a stream of events of its own (``Event.case_id`` holds the complaint's
id), carried by sync like a case's and projected by :func:`apply_complaint_event` on the
stations and the server alike. The answer deadline is fixed when the complaint is
registered (``answer_due`` in its first event), so every station judges it the same way
whatever its own settings say later.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from app.domain.errors import PermissionDenied, TransitionError, ValidationError
from app.domain.events import COMPLAINT_EVENTS, Event, EventType
from app.domain.roles import Action, Role, authorize
from app.domain.seal import CHINA_STANDARD_TIME

COMPLAINT_CHANNELS = {
    "complaint_window": "投诉窗口",
    "phone": "投诉电话",
    "suggestion_box": "意见箱",
    "online": "网上投诉",
}
COMPLAINT_FINDINGS = {
    "substantiated": "属实",
    "partly_substantiated": "部分属实",
    "unsubstantiated": "不属实",
}
# Findings that hold the window or person responsible (敖汉 第四十三条 "经查实").
SUBSTANTIATED_FINDINGS = frozenset({"substantiated", "partly_substantiated"})
ANSWER_METHODS = {"phone": "电话答复", "in_person": "当面答复", "letter": "书面答复",
                  "sms": "短信答复", "online": "网上答复"}
COMPLAINANT_REPLIES = {"satisfied": "满意", "basically_satisfied": "基本满意",
                       "unsatisfied": "不满意"}
# The answer deadline when the administrator has set none, in working days.
DEFAULT_ANSWER_WORKING_DAYS = 5

COMPLAINT_ACTIONS: dict[EventType, Action] = {
    EventType.COMPLAINT_REGISTERED: Action.HANDLE_COMPLAINT,
    EventType.COMPLAINT_ASSIGNED: Action.HANDLE_COMPLAINT,
    EventType.COMPLAINT_INVESTIGATED: Action.INVESTIGATE_COMPLAINT,
    EventType.COMPLAINT_ANSWERED: Action.HANDLE_COMPLAINT,
    EventType.COMPLAINT_REPLY_RECORDED: Action.HANDLE_COMPLAINT,
    EventType.COMPLAINT_CLOSED: Action.HANDLE_COMPLAINT,
}


class ComplaintState(StrEnum):
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    INVESTIGATED = "investigated"
    ANSWERED = "answered"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return COMPLAINT_STATE_LABELS[self]


COMPLAINT_STATE_LABELS = {
    ComplaintState.REGISTERED: "已登记待交办",
    ComplaintState.ASSIGNED: "已交办待核实",
    ComplaintState.INVESTIGATED: "已核实待答复",
    ComplaintState.ANSWERED: "已答复",
    ComplaintState.CLOSED: "已办结（匿名）",
}
OPEN_COMPLAINT_STATES = frozenset({ComplaintState.REGISTERED, ComplaintState.ASSIGNED,
                                   ComplaintState.INVESTIGATED})


@dataclass
class Complaint:
    """One complaint as its events project it."""

    id: str
    number: str
    station: str
    channel: str
    complainant: dict[str, Any]  # name, phone, contact; {"anonymous": True} when unnamed
    content: str
    window_name: str
    staff_id: str
    staff_name: str
    case_id: str
    case_number: str
    department_code: str
    registered_at: datetime
    registered_by: str
    answer_working_days: int
    answer_due: date
    state: ComplaintState = ComplaintState.REGISTERED
    assignment: dict[str, Any] | None = None
    investigation: dict[str, Any] | None = None
    answer: dict[str, Any] | None = None
    reply: dict[str, Any] | None = None
    closure: dict[str, Any] | None = None
    last_event_id: str = ""
    event_count: int = 0

    @property
    def anonymous(self) -> bool:
        return bool(self.complainant.get("anonymous"))

    @property
    def complainant_name(self) -> str:
        return "" if self.anonymous else str(self.complainant.get("name", ""))

    @property
    def assignee_id(self) -> str:
        return str(self.assignment["assignee_id"]) if self.assignment else ""

    @property
    def finding(self) -> str:
        return str(self.investigation["finding"]) if self.investigation else ""

    @property
    def substantiated(self) -> bool:
        return self.finding in SUBSTANTIATED_FINDINGS

    @property
    def finished_at(self) -> datetime | None:
        """When the complaint was answered (or, anonymous, closed)."""
        done = self.answer or self.closure
        return datetime.fromisoformat(done["at"]) if done else None

    @property
    def answered_on_time(self) -> bool | None:
        """Answered (or closed) by the due day; None while still open."""
        finished = self.finished_at
        if finished is None:
            return None
        return local_day(finished) <= self.answer_due

    def overdue(self, today: date) -> bool:
        """Still open after its answer deadline."""
        return self.state in OPEN_COMPLAINT_STATES and today > self.answer_due


def local_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_STANDARD_TIME).date()


def is_complaint_event(event: Event) -> bool:
    return event.type in COMPLAINT_EVENTS


def authorize_complaint_event(complaint: Complaint | None, event: Event,
                              roles: Iterable[Role], actor_id: str, actor_name: str) -> None:
    """Refuse a complaint event its actor may not record: the role, and only the person
    the complaint was assigned to (or the complaint desk) records the investigation; the
    person complained about never investigates their own complaint."""
    authorize(roles, COMPLAINT_ACTIONS[event.type], who=actor_name)
    if complaint is None:
        return
    if event.type is EventType.COMPLAINT_INVESTIGATED:
        desk = any(r in (Role.SUPERVISOR, Role.ADMIN) for r in roles)
        if actor_id != complaint.assignee_id and not desk:
            raise PermissionDenied(
                "complaint.not_assignee",
                f"该投诉交由{complaint.assignment['assignee_name'] if complaint.assignment else '他人'}"
                f"调查核实，{actor_name}不能登记核实结果。",
            )
    if event.type in (EventType.COMPLAINT_INVESTIGATED, EventType.COMPLAINT_ASSIGNED):
        if complaint.staff_id and actor_id == complaint.staff_id:
            raise PermissionDenied("complaint.own", "被投诉人不能调查核实对自己的投诉。")


def apply_complaint_event(complaint: Complaint | None, event: Event) -> Complaint:
    """The complaint after ``event``; raise a DomainError and change nothing if illegal."""
    if complaint is None:
        if event.type is not EventType.COMPLAINT_REGISTERED:
            raise TransitionError("unknown_complaint", "投诉不存在，请先登记投诉。")
        return _registered(event)
    if event.type is EventType.COMPLAINT_REGISTERED:
        raise TransitionError("already_registered", "该投诉已经登记，不能重复登记。")
    if event.case_id != complaint.id:
        raise ValidationError("case_mismatch", "事件不属于该投诉。")
    if event.type not in _HANDLERS:
        raise ValidationError("not_complaint_event", "该事件不能用于投诉。")
    updated = copy.deepcopy(complaint)
    _HANDLERS[event.type](updated, event)
    updated.last_event_id = event.id
    updated.event_count += 1
    return updated


def replay_complaint(events: Iterable[Event]) -> Complaint:
    complaint: Complaint | None = None
    for event in events:
        complaint = apply_complaint_event(complaint, event)
    if complaint is None:
        raise ValidationError("no_events", "没有可重放的事件。")
    return complaint


def _text(payload: dict[str, Any], key: str, label: str, *, required: bool = True) -> str:
    value = payload.get(key, "")
    if not isinstance(value, str):
        raise ValidationError("bad_payload", f"{label}格式不正确。", field=key)
    value = value.strip()
    if required and not value:
        raise ValidationError("required", f"请填写{label}。", field=key)
    return value


def _choice(payload: dict[str, Any], key: str, label: str, choices: dict[str, str]) -> str:
    value = payload.get(key)
    if value not in choices:
        raise ValidationError("required", f"请选择{label}。", field=key)
    return str(value)


def _record(event: Event, **values: Any) -> dict[str, Any]:
    return {**values, "actor_id": event.actor_id, "actor_name": event.actor_name,
            "at": event.device_time.isoformat()}


def _require(complaint: Complaint, event: Event, *allowed: ComplaintState) -> None:
    if complaint.state not in allowed:
        wanted = "、".join(s.label for s in allowed)
        raise TransitionError(
            "illegal_transition",
            f"投诉{complaint.number}当前为“{complaint.state.label}”，不能{event.type.label}"
            f"（只能在“{wanted}”时进行）。",
            state=complaint.state.value, event=event.type.value,
        )


def _registered(event: Event) -> Complaint:
    payload = event.payload
    channel = _choice(payload, "channel", "投诉渠道", COMPLAINT_CHANNELS)
    raw = payload.get("complainant")
    if not isinstance(raw, dict):
        raise ValidationError("bad_payload", "投诉人信息格式不正确。", field="complainant")
    anonymous = bool(raw.get("anonymous"))
    complainant: dict[str, Any]
    if anonymous:
        complainant = {"anonymous": True}
    else:
        complainant = {
            "name": _text(raw, "name", "投诉人姓名"),
            "phone": _text(raw, "phone", "投诉人联系电话"),
            "address": _text(raw, "address", "联系地址", required=False),
        }
    window_name = _text(payload, "window_name", "被投诉窗口", required=False)
    staff_id = _text(payload, "staff_id", "被投诉人", required=False)
    case_id = _text(payload, "case_id", "所涉办件", required=False)
    if not (window_name or staff_id or case_id):
        raise ValidationError("complaint.no_subject",
                              "请选择被投诉的窗口、工作人员或办件（至少一项）。",
                              field="window_name")
    days = payload.get("answer_working_days")
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 60:
        raise ValidationError("bad_days", "答复期限应为1至60个工作日。",
                              field="answer_working_days")
    try:
        due = date.fromisoformat(str(payload["answer_due"]))
    except (KeyError, ValueError):
        raise ValidationError("bad_date", "答复期限不是有效日期。", field="answer_due") from None
    if due < local_day(event.device_time):
        raise ValidationError("bad_date", "答复期限不能早于登记日期。", field="answer_due")
    return Complaint(
        id=event.case_id,
        number=_text(payload, "number", "投诉编号"),
        station=event.station,
        channel=channel,
        complainant=complainant,
        content=_text(payload, "content", "投诉内容"),
        window_name=window_name,
        staff_id=staff_id,
        staff_name=_text(payload, "staff_name", "被投诉人姓名", required=bool(staff_id)),
        case_id=case_id,
        case_number=_text(payload, "case_number", "办件编号", required=bool(case_id)),
        department_code=_text(payload, "department_code", "部门", required=False),
        registered_at=event.device_time,
        registered_by=event.actor_name,
        answer_working_days=days,
        answer_due=due,
        last_event_id=event.id,
        event_count=1,
    )


def _on_assigned(complaint: Complaint, event: Event) -> None:
    # Reassigning before the finding is recorded is allowed (the first one was wrong).
    _require(complaint, event, ComplaintState.REGISTERED, ComplaintState.ASSIGNED)
    assignee_id = _text(event.payload, "assignee_id", "承办人")
    if complaint.staff_id and assignee_id == complaint.staff_id:
        raise ValidationError("complaint.own", "不能把投诉交给被投诉人本人调查核实。",
                              field="assignee_id")
    complaint.assignment = _record(
        event, assignee_id=assignee_id,
        assignee_name=_text(event.payload, "assignee_name", "承办人姓名"),
        instructions=_text(event.payload, "instructions", "交办意见", required=False))
    complaint.state = ComplaintState.ASSIGNED


def _on_investigated(complaint: Complaint, event: Event) -> None:
    _require(complaint, event, ComplaintState.ASSIGNED)
    complaint.investigation = _record(
        event, finding=_choice(event.payload, "finding", "核实结论", COMPLAINT_FINDINGS),
        facts=_text(event.payload, "facts", "调查核实情况"),
        measures=_text(event.payload, "measures", "处理意见", required=False))
    complaint.state = ComplaintState.INVESTIGATED


def _on_answered(complaint: Complaint, event: Event) -> None:
    _require(complaint, event, ComplaintState.INVESTIGATED)
    if complaint.anonymous:
        raise TransitionError("complaint.anonymous",
                              "匿名投诉无法答复投诉人，请登记办结。")
    complaint.answer = _record(
        event, method=_choice(event.payload, "method", "答复方式", ANSWER_METHODS),
        text=_text(event.payload, "text", "答复内容"))
    complaint.state = ComplaintState.ANSWERED


def _on_reply_recorded(complaint: Complaint, event: Event) -> None:
    _require(complaint, event, ComplaintState.ANSWERED)
    if complaint.reply is not None:
        raise TransitionError("complaint.replied", "已登记投诉人对答复的意见。")
    complaint.reply = _record(
        event, opinion=_choice(event.payload, "opinion", "投诉人意见", COMPLAINANT_REPLIES),
        remarks=_text(event.payload, "remarks", "投诉人反馈内容", required=False))


def _on_closed(complaint: Complaint, event: Event) -> None:
    _require(complaint, event, ComplaintState.INVESTIGATED)
    if not complaint.anonymous:
        # Named complaints always get an answer (北票 第三十一条, 敖汉 第四十四条).
        raise TransitionError("complaint.named_needs_answer",
                              "实名投诉必须答复投诉人，不能不答复即办结。")
    complaint.closure = _record(event, remarks=_text(event.payload, "remarks", "办结说明"))
    complaint.state = ComplaintState.CLOSED


_HANDLERS = {
    EventType.COMPLAINT_ASSIGNED: _on_assigned,
    EventType.COMPLAINT_INVESTIGATED: _on_investigated,
    EventType.COMPLAINT_ANSWERED: _on_answered,
    EventType.COMPLAINT_REPLY_RECORDED: _on_reply_recorded,
    EventType.COMPLAINT_CLOSED: _on_closed,
}
