"""Events: every change to a case is one. Client and server share this definition.

An event is immutable and identified by a UUID that is also the sync idempotency key.
Payloads are JSON-ready dicts; ``app.domain.case.apply_event`` is the one projection.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from app.domain.audit import canonical_json


class EventType(StrEnum):
    REGISTERED = "registered"
    MATERIALS_RECORDED = "materials_recorded"
    NOTICE_ISSUED = "notice_issued"
    SUPPLEMENTED = "supplemented"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REVIEWED = "reviewed"
    COUNTERSIGNED = "countersigned"
    APPROVED = "approved"
    DENIED = "denied"
    SEALED = "sealed"
    DELIVERED = "delivered"
    FORWARDED = "forwarded"
    FORWARD_RETURNED = "forward_returned"
    WITHDRAWN = "withdrawn"
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    EXTENDED = "extended"
    FEE_RECORDED = "fee_recorded"
    FEE_PAID = "fee_paid"
    EVALUATED = "evaluated"
    # 差评 follow-up on the case (国办发〔2019〕51号): call back, rectify, appeal.
    EVALUATION_FOLLOWED_UP = "evaluation_followed_up"
    RECTIFICATION_ORDERED = "rectification_ordered"
    RECTIFIED = "rectified"
    EVALUATION_APPEALED = "evaluation_appealed"
    APPEAL_DECIDED = "appeal_decided"
    # A complaint (投诉) is a stream of its own: its events carry the complaint's id in
    # ``case_id`` and are projected by ``app.domain.complaint``.
    COMPLAINT_REGISTERED = "complaint_registered"
    COMPLAINT_ASSIGNED = "complaint_assigned"
    COMPLAINT_INVESTIGATED = "complaint_investigated"
    COMPLAINT_ANSWERED = "complaint_answered"
    COMPLAINT_REPLY_RECORDED = "complaint_reply_recorded"
    COMPLAINT_CLOSED = "complaint_closed"
    TOLERANCE_FULFILLED = "tolerance_fulfilled"
    PROMISE_CHECKED = "promise_checked"
    INSPECTION_SCHEDULED = "inspection_scheduled"
    INSPECTION_RECORDED = "inspection_recorded"
    HANDED_OVER = "handed_over"
    VILLAGER_NOTIFIED = "villager_notified"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    EventType.REGISTERED: "登记收件",
    EventType.MATERIALS_RECORDED: "登记材料",
    EventType.NOTICE_ISSUED: "出具一次性告知书",
    EventType.SUPPLEMENTED: "补正材料",
    EventType.ACCEPTED: "受理",
    EventType.REJECTED: "不予受理",
    EventType.REVIEWED: "审查",
    EventType.COUNTERSIGNED: "会签",
    EventType.APPROVED: "核准（准予许可）",
    EventType.DENIED: "核准（不予许可）",
    EventType.SEALED: "盖章出具文书",
    EventType.DELIVERED: "送达",
    EventType.FORWARDED: "上报",
    EventType.FORWARD_RETURNED: "上报结果返回",
    EventType.WITHDRAWN: "申请人撤回",
    EventType.SUSPENDED: "中止计时",
    EventType.RESUMED: "恢复计时",
    EventType.EXTENDED: "批准延期",
    EventType.FEE_RECORDED: "登记收费",
    EventType.FEE_PAID: "缴费",
    EventType.EVALUATED: "好差评",
    EventType.EVALUATION_FOLLOWED_UP: "差评回访",
    EventType.RECTIFICATION_ORDERED: "差评整改通知",
    EventType.RECTIFIED: "差评整改结果",
    EventType.EVALUATION_APPEALED: "差评申诉",
    EventType.APPEAL_DECIDED: "差评申诉决定",
    EventType.COMPLAINT_REGISTERED: "登记投诉",
    EventType.COMPLAINT_ASSIGNED: "交办投诉",
    EventType.COMPLAINT_INVESTIGATED: "投诉调查核实",
    EventType.COMPLAINT_ANSWERED: "答复投诉人",
    EventType.COMPLAINT_REPLY_RECORDED: "投诉人反馈",
    EventType.COMPLAINT_CLOSED: "匿名投诉办结",
    EventType.TOLERANCE_FULFILLED: "容缺材料补齐",
    EventType.PROMISE_CHECKED: "告知承诺核查",
    EventType.INSPECTION_SCHEDULED: "安排联合踏勘",
    EventType.INSPECTION_RECORDED: "记录联合踏勘",
    EventType.HANDED_OVER: "代办材料交接",
    EventType.VILLAGER_NOTIFIED: "通知村民办理结果",
}

# The events of a complaint stream; the first one opens it.
COMPLAINT_EVENTS = frozenset({
    EventType.COMPLAINT_REGISTERED, EventType.COMPLAINT_ASSIGNED,
    EventType.COMPLAINT_INVESTIGATED, EventType.COMPLAINT_ANSWERED,
    EventType.COMPLAINT_REPLY_RECORDED, EventType.COMPLAINT_CLOSED,
})
# Events that open a stream (a case or a complaint).
OPENING_EVENTS = frozenset({EventType.REGISTERED, EventType.COMPLAINT_REGISTERED})


# A JSON string as canonical_json writes one (its encoder's own function).
_json_string = json.encoder.encode_basestring

# Each event type's value as a JSON string, and each type by its value (a dict look-up
# is a fraction of ``EventType(value)``, which parsing a pulled page does for every event).
_QUOTED_TYPES = {event_type: _json_string(event_type.value) for event_type in EventType}
_TYPES_BY_VALUE = {event_type.value: event_type for event_type in EventType}

# A UUID already in its standard text (lower case, hyphens): str(UUID(text)) == text.
_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid_text(value: Any) -> str:
    """``str(uuid.UUID(str(value)))``, without parsing text already in that form."""
    text = str(value)
    if _UUID_TEXT.fullmatch(text):
        return text
    return str(uuid.UUID(text))


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Event:
    """One change to one case, by one actor, at one station."""

    case_id: str
    type: EventType
    actor_id: str
    actor_name: str
    station: str
    device_time: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_dict(self) -> dict[str, Any]:
        """The wire and audit form of the event."""
        return {
            "id": self.id,
            "case_id": self.case_id,
            "type": self.type.value,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "station": self.station,
            "device_time": self.device_time.astimezone(UTC).isoformat(),
            "payload": self.payload,
        }

    def canonical(self, *, payload_text: str | None = None) -> str:
        """Canonical JSON of :meth:`to_dict`; equal events have equal text.

        ``payload_text`` is ``canonical_json(self.payload)`` where the caller has it
        already (a pulled event's row holds that text too)."""
        # canonical_json(self.to_dict()) written out (keys in sorted order), encoding
        # only the payload as a whole: the pull path takes this for every event.
        # The time's ISO text holds nothing JSON escapes, and each type's text is quoted
        # once for all.
        quote = _json_string
        device_time = self.device_time.astimezone(UTC).isoformat()
        if payload_text is None:
            payload_text = canonical_json(self.payload)
        try:
            return (
                f'{{"actor_id":{quote(self.actor_id)},"actor_name":{quote(self.actor_name)},'
                f'"case_id":{quote(self.case_id)},"device_time":"{device_time}",'
                f'"id":{quote(self.id)},"payload":{payload_text},'
                f'"station":{quote(self.station)},"type":{_QUOTED_TYPES[self.type]}}}'
            )
        except (TypeError, KeyError):  # a field that is no text or no EventType: the long way
            return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        """Parse the wire form; raises KeyError/ValueError on malformed input."""
        device_time = datetime.fromisoformat(data["device_time"])
        if device_time.tzinfo is None:
            raise ValueError("device_time must carry a time zone")
        payload = data.get("payload") or {}
        if not isinstance(payload, dict):
            raise ValueError("payload must be an object")
        value = data["type"]
        event_type = _TYPES_BY_VALUE.get(value) if type(value) is str else None
        return cls(
            id=_uuid_text(data["id"]),
            case_id=_uuid_text(data["case_id"]),
            type=event_type if event_type is not None else EventType(value),
            actor_id=str(data["actor_id"]),
            actor_name=str(data.get("actor_name", "")),
            station=str(data["station"]),
            device_time=device_time.astimezone(UTC),
            payload=payload,
        )
