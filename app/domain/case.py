"""Cases (办件) and their state machine: the one projection from events to case state.

``apply_event(case, event)`` is used by the client store, the rebuild command and the
server alike. It works on a copy: an illegal transition raises a domain error and the
case passed in is unchanged. ``replay`` projects a whole history on one private copy. Role checks that need to know who the actor is (their
roles, their department) live in :func:`authorize_event`; rules that only need the
case and the events (the reviewer never approves, a joint case needs every
countersign) live here, so a replay on the server enforces them too.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from app.domain.calendar import (
    STATUTORY_SUSPENSION_REASONS,
    SuspensionReason,
    WorkingCalendar,
)
from app.domain.catalog import CaseType, Matter
from app.domain.complaint import Complaint, apply_complaint_event, authorize_complaint_event
from app.domain.errors import DomainError, PermissionDenied, TransitionError, ValidationError
from app.domain.events import COMPLAINT_EVENTS, Event, EventType
from app.domain.roles import Action, Role, authorize
from app.domain.seal import CHINA_STANDARD_TIME, COUNTER_DOCUMENTS, ON_THE_SPOT_DOCUMENTS


class CaseState(StrEnum):
    REGISTERED = "registered"
    AWAITING_SUPPLEMENT = "awaiting_supplement"
    ACCEPTED = "accepted"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    DENIED = "denied"
    COMPLETED = "completed"
    DELIVERED = "delivered"
    REJECTED = "rejected"
    FORWARDED = "forwarded"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    CaseState.REGISTERED: "已收件待受理",
    CaseState.AWAITING_SUPPLEMENT: "待补正",
    CaseState.ACCEPTED: "已受理待审查",
    CaseState.REVIEWED: "已审查待核准",
    # Neutral words: the same states serve 行政许可 and every other matter type.
    CaseState.APPROVED: "核准准予待用印",
    CaseState.DENIED: "核准不予待用印",
    CaseState.COMPLETED: "已办结",
    CaseState.DELIVERED: "已送达",
    CaseState.REJECTED: "不予受理",
    CaseState.FORWARDED: "已上报",
    CaseState.WITHDRAWN: "申请人撤回",
}

# States in which the case is still running against its deadline.
OPEN_STATES = frozenset(
    {CaseState.ACCEPTED, CaseState.REVIEWED, CaseState.APPROVED, CaseState.DENIED}
)
FINAL_STATES = frozenset(
    {CaseState.COMPLETED, CaseState.DELIVERED, CaseState.REJECTED, CaseState.WITHDRAWN}
)
DECISION_DOCUMENTS = frozenset(
    {"approval_decision", "denial_decision", "result_notice", "refusal_notice"}
)
# The decision document of each outcome: the 行政许可决定书 only for a 行政许可 matter,
# the result or refusal notice for every other matter type.
_DECISION_KINDS = {
    (True, "approved"): "approval_decision",
    (True, "denied"): "denial_decision",
    (False, "approved"): "result_notice",
    (False, "denied"): "refusal_notice",
}
POSITIVE_DECISIONS = frozenset({"approval_decision", "result_notice"})
# Grounds of a rejection (不予受理): 行政许可法 第三十二条第一款 第（一）项, 第（二）项, or
# another provision named in the rejection's legal basis.
REJECTION_GROUNDS = ("not_licensable", "outside_powers", "other")
NOTICE_DOCUMENTS = frozenset({"acceptance_notice", "rejection_notice"})
# Documents that record an act and are sealed when the act is recorded, on its day
# (行政许可法第三十二条第二款 "加盖本行政机关专用印章和注明日期的书面凭证"): never later.
# The acceptance and rejection notices were sealed later by the chief representative
# before seal kinds existed; those histories stay valid, so for them the rule holds when
# the act was recorded as sealed at the counter (its payload's "notice_at_counter").
SAME_DAY_DOCUMENTS = frozenset({
    "one_time_notice", "acceptance_notice", "rejection_notice", "extension_notice",
    "special_procedure_notice", "delivery_receipt", "tolerance_notice",
})
COUNTER_FLAGGED_DOCUMENTS = frozenset({"acceptance_notice", "rejection_notice"})

# The calendar's SuspensionReason is the one list; this is its code → label view.
SUSPENSION_REASONS = {reason.value: reason.label for reason in SuspensionReason}
EVALUATION_RATINGS = {
    "very_satisfied": "非常满意",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "very_unsatisfied": "非常不满意",
}
# Where an evaluation comes from: always the applicant, never a clerk typing it in
# (好差评 is the applicant's own). The code is recorded with the rating.
EVALUATION_CHANNELS = {
    "rating_device": "窗口评价器",
    "counter_screen": "窗口评价屏",  # the applicant's own screen at the counter
    "qr_code": "扫码评价",
    "online": "政务服务网",
    "hotline": "12345热线",
    "sms": "短信评价",
}
FORWARD_RESULTS = {"approved": "准予", "denied": "不予", "returned": "退回"}
# 差评 (国办发〔2019〕51号): every one of these opens a follow-up.
BAD_RATINGS = frozenset({"unsatisfied", "very_unsatisfied"})
FOLLOW_UP_METHODS = {"phone": "电话回访", "visit": "上门回访", "sms": "短信回访",
                     "in_person": "来厅面谈"}
# Why a rating may be appealed (申诉): shown to be mistaken or malicious.
APPEAL_REASONS = {
    "mistaken": "误评（评价对象或办件有误）",
    "malicious": "恶意差评",
    "unrelated": "评价内容与窗口服务无关",
}

# Which permission each event needs from its actor.
EVENT_ACTIONS: dict[EventType, Action] = {
    EventType.REGISTERED: Action.REGISTER,
    EventType.MATERIALS_RECORDED: Action.RECORD_MATERIALS,
    EventType.NOTICE_ISSUED: Action.ISSUE_NOTICE,
    EventType.SUPPLEMENTED: Action.SUPPLEMENT,
    EventType.ACCEPTED: Action.ACCEPT,
    EventType.REJECTED: Action.REJECT,
    EventType.REVIEWED: Action.REVIEW,
    EventType.COUNTERSIGNED: Action.COUNTERSIGN,
    EventType.APPROVED: Action.APPROVE,
    EventType.DENIED: Action.DENY,
    EventType.SEALED: Action.SEAL,
    EventType.DELIVERED: Action.DELIVER,
    EventType.FORWARDED: Action.FORWARD,
    EventType.FORWARD_RETURNED: Action.RETURN_FORWARD,
    EventType.WITHDRAWN: Action.WITHDRAW,
    EventType.SUSPENDED: Action.SUSPEND,
    EventType.RESUMED: Action.SUSPEND,
    EventType.EXTENDED: Action.EXTEND,
    EventType.FEE_RECORDED: Action.RECORD_FEE,
    EventType.FEE_PAID: Action.RECORD_FEE,
    EventType.EVALUATED: Action.RECORD_EVALUATION,
    EventType.EVALUATION_FOLLOWED_UP: Action.FOLLOW_UP_EVALUATION,
    EventType.RECTIFICATION_ORDERED: Action.FOLLOW_UP_EVALUATION,
    EventType.RECTIFIED: Action.RECORD_RECTIFICATION,
    EventType.EVALUATION_APPEALED: Action.APPEAL_EVALUATION,
    EventType.APPEAL_DECIDED: Action.DECIDE_APPEAL,
    EventType.TOLERANCE_FULFILLED: Action.SUPPLEMENT,
    EventType.PROMISE_CHECKED: Action.REVIEW,
    EventType.INSPECTION_SCHEDULED: Action.REVIEW,
    EventType.INSPECTION_RECORDED: Action.REVIEW,
    EventType.HANDED_OVER: Action.REGISTER,
    EventType.VILLAGER_NOTIFIED: Action.REGISTER,
}
NOTIFICATION_CHANNELS = {"phone": "电话通知", "sms": "短信通知"}

# 代办 (陕西 第二十三条 to 第二十九条): the legs the villager's materials travel, in order,
# out to the county and back with the result.
CUSTODY_LEGS = {
    "village_to_township": "村便民服务室 → 乡镇便民服务站",
    "township_to_county": "乡镇便民服务站 → 县政务服务中心",
    "county_to_township": "县政务服务中心 → 乡镇便民服务站",
    "township_to_village": "乡镇便民服务站 → 村便民服务室（交村民）",
}

# How the case was served, when not at the counter in ordinary hours (陕西 第十一条、
# 第二十一条; 北票 第八条): recorded at registration and counted each month.
SERVICE_MODES = {
    "extended_hours": "延时服务",
    "weekend": "周末服务",
    "home_visit": "上门服务",
}
# The applicant's promise under 容缺受理 gives at most this many days to bring what is owed.
MAX_TOLERANCE_DAYS = 60


@dataclass
class Case:
    """The current state of one case, as projected from its events."""

    id: str
    number: str
    station: str
    matter: Matter
    applicant: dict[str, Any]
    green_channel: bool
    state: CaseState
    registered_at: datetime
    first_responder_id: str
    first_responder_name: str
    window_name: str = ""
    materials: list[dict[str, Any]] = field(default_factory=list)
    missing_materials: list[dict[str, Any]] = field(default_factory=list)
    notice_count: int = 0
    materials_at: datetime | None = None  # when materials were last handed over
    notice_at: datetime | None = None  # when the latest one-time notice was given
    supplement_deadline: date | None = None  # 补正期限 of the latest one-time notice
    # Notices the act was recorded as sealing at the counter, the same day.
    counter_notices: list[str] = field(default_factory=list)
    accepted_at: datetime | None = None
    accepted_on: date | None = None
    # Accepted after 第三十二条's five days without a notice: accepted_on is the receipt day.
    deemed_accepted: bool = False
    promised_working_days: int = 0
    accepted_by_id: str = ""
    rejection: dict[str, Any] | None = None
    review: dict[str, Any] | None = None
    countersigns: dict[str, dict[str, Any]] = field(default_factory=dict)
    decision: dict[str, Any] | None = None
    seals: list[dict[str, Any]] = field(default_factory=list)
    completed_at: datetime | None = None
    outcome: str = ""
    delivery: dict[str, Any] | None = None
    forward: dict[str, Any] | None = None
    forward_return: dict[str, Any] | None = None
    withdrawal: dict[str, Any] | None = None
    suspensions: list[dict[str, Any]] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)
    fees: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    evaluation: dict[str, Any] | None = None
    # The same ID number was registered before under another name: that name and the
    # clerk's reason for going on (更名 ...), as confirmed at registration.
    identity_note: dict[str, Any] | None = None
    # 延时服务 / 周末服务 / 上门服务 (SERVICE_MODES), or "" for the ordinary counter.
    service_mode: str = ""
    # The consultation or appointment the registration came from, if any.
    consultation_id: str = ""
    appointment_id: str = ""
    # 容缺受理: {"materials": [names owed], "deadline": iso date, "fulfilled": [...], "at"}.
    tolerance: dict[str, Any] | None = None
    # 告知承诺制: {"materials": [names the promise replaces], "at", "check": {...} | None}.
    promise: dict[str, Any] | None = None
    # 联合踏勘: {"date", "place", "departments": [{code, name, people}], "findings": {...}}.
    inspection: dict[str, Any] | None = None
    # 代办 hand-overs, in order: {leg, giver, receiver, to_station, items: [{name,
    # originals_given, originals_received, copies}], actor_name, at}.
    custody: list[dict[str, Any]] = field(default_factory=list)
    # The villager told of the result: {channel, phone, text, actor_name, at}.
    notifications: list[dict[str, Any]] = field(default_factory=list)
    # What the ID card reader read at registration (facts and the photo's attachment).
    id_card: dict[str, Any] | None = None
    queue_ticket: str = ""  # the hall's queue number the applicant was called by
    last_event_id: str = ""
    event_count: int = 0

    @property
    def department_code(self) -> str:
        return self.matter.department_code

    @property
    def applicant_name(self) -> str:
        return str(self.applicant.get("name", ""))

    @property
    def reviewer_id(self) -> str:
        return str(self.review["actor_id"]) if self.review else ""

    @property
    def suspended(self) -> bool:
        return any(s.get("end") is None for s in self.suspensions)

    def forward_return_result(self) -> str:
        """准予 / 不予 / 退回 result a higher authority sent back, or ""."""
        return str(self.forward_return.get("result", "")) if self.forward_return else ""

    @property
    def tolerance_owed(self) -> list[str]:
        """Materials accepted under 容缺受理 that have not arrived yet."""
        if not self.tolerance:
            return []
        done = set(self.tolerance.get("fulfilled", []))
        return [name for name in self.tolerance["materials"] if name not in done]

    @property
    def promise_broken(self) -> bool:
        """A later check found the 告知承诺 untrue or unkept."""
        check = (self.promise or {}).get("check")
        return bool(check) and not check.get("kept", True)

    @property
    def fee_total_fen(self) -> int:
        return sum(int(f["amount_fen"]) for f in self.fees)

    @property
    def paid_total_fen(self) -> int:
        return sum(int(p["amount_fen"]) for p in self.payments)


def category(case: Case) -> CaseType:
    """The seed regulations' label the case falls under now (办件类型)."""
    if case.state is CaseState.REJECTED or case.forward_return_result() == "returned":
        return CaseType.RETURNED
    if case.state is CaseState.AWAITING_SUPPLEMENT:
        return CaseType.SUPPLEMENT
    if case.forward is not None:
        return CaseType.FORWARDED
    if case.green_channel:
        return CaseType.SPECIAL
    if case.matter.case_type in (CaseType.IMMEDIATE, CaseType.JOINT, CaseType.FORWARDED):
        return case.matter.case_type
    return CaseType.PROMISED


def decision_document(matter: Matter, outcome: str) -> str:
    """The document kind that states ``outcome`` (approved/denied) for ``matter``."""
    return _DECISION_KINDS[(matter.matter_type.is_licensing, outcome)]


def allowed_documents(case: Case) -> frozenset[str]:
    """The documents (DocumentKind values) the case's history allows to exist."""
    kinds = {"receipt"}
    if case.notice_count:
        kinds.add("one_time_notice")
    if case.extensions:
        kinds.add("extension_notice")
    if any(SuspensionReason(s["reason_code"]).needs_written_notice for s in case.suspensions):
        kinds.add("special_procedure_notice")
    if case.delivery is not None:
        kinds.add("delivery_receipt")
    if case.accepted_at is not None:
        kinds.add("acceptance_notice")
    if case.state is CaseState.REJECTED:
        kinds.add("rejection_notice")
    outcome = case.decision["outcome"] if case.decision else ""
    if outcome in ("approved", "denied"):
        kinds.add(decision_document(case.matter, outcome))
    if case.tolerance:
        kinds |= {"tolerance_notice", "tolerance_promise"}
    if case.promise:
        kinds.add("notification_promise")
    if case.inspection and case.inspection.get("findings"):
        kinds.add("joint_inspection_record")
    return frozenset(kinds)


def local_day(moment: datetime) -> date:
    """The calendar day at the counter (China Standard Time) of an aware moment."""
    return moment.astimezone(CHINA_STANDARD_TIME).date()


# 行政许可法 第三十二条第一款第（四）项: within five (working, 第八十二条) days of receiving the
# materials the organ accepts, refuses, or tells the applicant once what to complete;
# "逾期不告知的，自收到申请材料之日起即为受理".
INTAKE_DECISION_WORKING_DAYS = 5


def materials_received_on(case: Case) -> date:
    """The local day the organ last received the application's materials."""
    return local_day(case.materials_at or case.registered_at)


def intake_decision_due(case: Case, calendar: WorkingCalendar) -> date | None:
    """The last day to accept, refuse or give the one-time notice on a licensing case
    still waiting for that decision; None when the rule does not apply (now)."""
    if case.state is not CaseState.REGISTERED or not case.matter.matter_type.is_licensing:
        return None
    due, _provisional = calendar.add_working_days(materials_received_on(case),
                                                   INTAKE_DECISION_WORKING_DAYS)
    return due


def act_date(case: Case, kind: str) -> date | None:
    """The local date of the act a document records (收到材料、告知、受理、不予受理、延期、
    中止、送达), the date the document states; None when the case has no such act."""
    moment: datetime | None = None
    if kind == "receipt":
        moment = case.materials_at
    elif kind == "one_time_notice":
        moment = case.notice_at
    elif kind == "acceptance_notice":
        moment = case.accepted_at
    elif kind == "rejection_notice" and case.rejection:
        moment = datetime.fromisoformat(case.rejection["at"])
    elif kind == "extension_notice" and case.extensions:
        moment = datetime.fromisoformat(case.extensions[-1]["at"])
    elif kind == "special_procedure_notice":
        noticed = [s for s in case.suspensions if s.get("at")
                   and SuspensionReason(s["reason_code"]).needs_written_notice]
        if noticed:
            moment = datetime.fromisoformat(noticed[-1]["at"])
    elif kind == "delivery_receipt" and case.delivery:
        moment = datetime.fromisoformat(case.delivery["at"])
    elif kind in ("tolerance_notice", "tolerance_promise") and case.tolerance:
        moment = case.accepted_at
    elif kind == "notification_promise" and case.promise:
        moment = case.accepted_at
    elif kind == "joint_inspection_record" and case.inspection:
        recorded = case.inspection.get("recorded_at")
        moment = datetime.fromisoformat(recorded) if recorded else None
    return local_day(moment) if moment is not None else None


def unsealed_acts(case: Case, kind: str) -> int:
    """How many acts of ``kind`` still wait for their sealed document (corrections
    aside): each one-time notice, extension and §45 suspension gets its own."""
    sealed = sum(1 for s in case.seals if s["document_kind"] == kind and not s.get("supersedes"))
    if kind == "one_time_notice":
        acts = case.notice_count
    elif kind == "extension_notice":
        acts = len(case.extensions)
    elif kind == "special_procedure_notice":
        acts = sum(1 for s in case.suspensions
                   if SuspensionReason(s["reason_code"]).needs_written_notice)
    else:
        acts = 1 if act_date(case, kind) is not None or kind in DECISION_DOCUMENTS else 0
    return max(acts - sealed, 0)


# States in which the acceptance notice may still wait for its seal.
SEALABLE_NOTICE_STATES = frozenset({CaseState.ACCEPTED, CaseState.REVIEWED, CaseState.APPROVED,
                                    CaseState.DENIED})


def documents_awaiting_seal(case: Case) -> list[str]:
    """The documents (DocumentKind values) of this case waiting for the chief's seal
    now: the decision of an approved or denied case; and the acceptance or rejection
    notice of a case accepted or rejected before notices were sealed at the counter,
    not sealed since. Every other notice is sealed with its act. The sealing queue
    lists a case while this is not empty."""
    kinds: list[str] = []
    for state, outcome in ((CaseState.APPROVED, "approved"), (CaseState.DENIED, "denied")):
        if case.state is state:
            kinds.append(decision_document(case.matter, outcome))
    legacy = [k for k in COUNTER_FLAGGED_DOCUMENTS
              if k not in case.counter_notices and unsealed_acts(case, k)]
    if case.state is CaseState.REJECTED and "rejection_notice" in legacy:
        kinds.append("rejection_notice")
    if case.state in SEALABLE_NOTICE_STATES and "acceptance_notice" in legacy:
        kinds.append("acceptance_notice")
    return kinds


def pending_countersigns(case: Case) -> list[str]:
    """Departments of a joint case that have not yet recorded their countersign."""
    return [d for d in case.matter.joint_departments if d not in case.countersigns]


def single_officer_allowed(case: Case) -> bool:
    """True where the catalog lets one authorized officer both review and approve."""
    return case.matter.case_type is CaseType.IMMEDIATE and case.matter.single_officer


# --- actor checks -------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who performs an action: enough to check their roles and department."""

    id: str
    name: str
    roles: frozenset[Role]
    department_code: str = ""
    station: str = ""
    # Departments whose chief representative this actor stands in for right now.
    deputy_for_departments: frozenset[str] = frozenset()


def authorize_event(case: Case | Complaint | None, event: Event, actor: Actor) -> None:
    """Refuse an event its actor may not record: role, department, separation of duties.

    Called by the services before anything is written and by the server on every
    pushed event, so both refuse what the screens would. A complaint's events are
    checked by :func:`authorize_complaint_event`.
    """
    if event.type in COMPLAINT_EVENTS or isinstance(case, Complaint):
        authorize_complaint_event(case if isinstance(case, Complaint) else None, event,
                                  effective_roles(actor), actor.id, actor.name)
        return
    action = EVENT_ACTIONS[event.type]
    if event.type is EventType.SEALED and event.payload.get("document_kind") in COUNTER_DOCUMENTS:
        # The window's notices are sealed by the clerk who records the act, at the counter.
        action = Action.SEAL_AT_COUNTER
    if case is not None and _completes_on_the_spot(case, event, actor):
        # 即办件: the authorized window officer approves and seals alone (衡阳 意见 四).
        action = Action.COMPLETE_ON_SPOT
    authorize(effective_roles(actor), action, who=actor.name)
    if case is None:
        return
    if action is Action.COMPLETE_ON_SPOT:
        if actor.department_code != case.department_code:
            raise PermissionDenied(
                "wrong_department",
                f"{actor.name}不是“{case.matter.department_name}”的窗口人员，不能当场办结本件。",
                department=case.department_code,
            )
        return
    if event.type in (EventType.APPROVED, EventType.DENIED, EventType.EXTENDED):
        if case.department_code not in chief_departments(actor):
            raise PermissionDenied(
                "wrong_department",
                f"{actor.name}不是“{case.matter.department_name}”的首席代表，不能核准本件。",
                department=case.department_code,
            )
    if event.type is EventType.COUNTERSIGNED:
        department = str(event.payload.get("department_code", ""))
        if department not in chief_departments(actor):
            raise PermissionDenied(
                "wrong_department",
                f"{actor.name}不属于会签部门（{department}），不能代为会签。",
                department=department,
            )


def _completes_on_the_spot(case: Case, event: Event, actor: Actor) -> bool:
    """Whether ``event`` is the one-officer approval of a 即办件 or the sealing of the
    decision that officer made on the spot."""
    if event.type is EventType.APPROVED:
        return bool(event.payload.get("on_the_spot"))
    if event.type is EventType.SEALED:
        return (event.payload.get("document_kind") in ON_THE_SPOT_DOCUMENTS
                and decided_on_the_spot_by(case, actor.id))
    return False


def decided_on_the_spot_by(case: Case, actor_id: str) -> bool:
    """Whether ``case`` holds a decision ``actor_id`` made alone on the spot (即办件)."""
    decision = case.decision or {}
    return bool(decision.get("on_the_spot")) and decision.get("actor_id") == actor_id


def effective_roles(actor: Actor) -> frozenset[Role]:
    """The actor's roles; a named deputy holds the chief representative's authority
    while the delegation lasts."""
    if actor.deputy_for_departments:
        return actor.roles | {Role.CHIEF}
    return actor.roles


def chief_departments(actor: Actor) -> set[str]:
    """Departments for which the actor holds a chief representative's authority."""
    own = {actor.department_code} if Role.CHIEF in actor.roles else set()
    return own | set(actor.deputy_for_departments)


# --- the projection -----------------------------------------------------------------


def apply_event(case: Any, event: Event) -> Any:
    """Return the case after ``event``; raise a DomainError and change nothing if illegal.

    A complaint's stream (opened by COMPLAINT_REGISTERED) goes to its own projection,
    so the one event log and its sync carry both: the result is a Complaint then."""
    if isinstance(case, Complaint) or (
            case is None and event.type is EventType.COMPLAINT_REGISTERED):
        return apply_complaint_event(case, event)
    if event.type in COMPLAINT_EVENTS:
        raise ValidationError("not_case_event", "投诉记录不能用于办件。")
    if case is None:
        if event.type is not EventType.REGISTERED:
            raise TransitionError("unknown_case", "办件不存在，请先登记收件。")
        return _registered(event)
    _check_belongs(case, event)
    updated = _copy_case(case)
    _advance(updated, event)
    return updated


def replay(events: Iterable[Event]) -> Any:
    """Project a case from its whole event history, oldest first."""
    remaining = iter(events)
    first = next(remaining, None)
    if first is None:
        raise ValidationError("no_events", "没有可重放的事件。")
    # The registration builds a case nobody else holds; the rest of the history is
    # applied to it in place (a refused event raises, and the half-changed case is
    # dropped with it).
    case = apply_event(None, first)
    for event in remaining:
        case = apply_event_in_place(case, event)  # a complaint's comes back anew
    return case


def apply_event_in_place(case: Any, event: Event) -> Any:
    """``apply_event`` without the copy, for a case only the caller holds (a replay's,
    a batch's): returns ``case`` itself, changed. A refused event raises a DomainError
    and may leave ``case`` half-changed: the caller drops it or replays it afresh."""
    if case is None or isinstance(case, Complaint) or event.type in COMPLAINT_EVENTS:
        return apply_event(case, event)
    _check_belongs(case, event)
    _advance(case, event)
    return case


class CaseInMemory:
    """A case projected from its events and kept by one caller (a push's, a pulled
    page's), changed in place event after event: no copy per event. A refused event
    changes nothing: the case is projected afresh from the events that made it.

    Building it replays ``history`` and raises as ``replay`` does.
    """

    def __init__(self, history: list[Event]) -> None:
        self.history = history  # oldest first; grows with every event applied
        self.case: Any = replay(history) if history else None

    def apply(self, event: Event) -> Any:
        """``apply_event`` on the kept case; a DomainError leaves it as it was."""
        try:
            updated = apply_event_in_place(self.case, event)
        except DomainError:
            if self.case is not None:  # undo the refused event's half-changes
                self.case = replay(self.history)
            raise
        self.case = updated
        self.history.append(event)
        return updated


def _check_belongs(case: Case, event: Event) -> None:
    if event.type is EventType.REGISTERED:
        raise TransitionError("already_registered", "该办件已经登记，不能重复登记。")
    if event.case_id != case.id:
        raise ValidationError("case_mismatch", "事件不属于该办件。")


def _advance(case: Case, event: Event) -> None:
    """Apply ``event`` to ``case`` in place; may leave it half-changed if it raises."""
    _HANDLERS[event.type](case, event)
    case.last_event_id = event.id
    case.event_count += 1


# Values shared between a case and its copy: immutable (Matter and its parts are
# frozen dataclasses holding tuples, enums and text).
_SHARED_TYPES = frozenset({str, int, float, bool, type(None), datetime, date, CaseState, Matter})


def _copy_case(case: Case) -> Case:
    """A copy of ``case`` sharing nothing mutable with it (cheaper than deepcopy).

    The handlers change the lists and dicts of a case in place (a material marked
    received, a suspension ended), so every list and dict is copied to the bottom.
    """
    updated = copy.copy(case)
    shared = _SHARED_TYPES
    updated.__dict__.update({
        name: _copy_value(value)
        for name, value in case.__dict__.items()
        if type(value) not in shared
    })
    return updated


def _copy_value(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in _SHARED_TYPES else _copy_value(item)
                for key, item in value.items()}
    if kind is list:
        return [item if type(item) in _SHARED_TYPES else _copy_value(item) for item in value]
    if kind in _SHARED_TYPES:
        return value
    return copy.deepcopy(value)


def _require_state(case: Case, event: Event, *allowed: CaseState) -> None:
    if case.state not in allowed:
        wanted = "、".join(s.label for s in allowed)
        raise TransitionError(
            "illegal_transition",
            f"办件{case.number}当前为“{case.state.label}”，不能{event.type.label}"
            f"（只能在“{wanted}”时进行）。",
            state=case.state.value,
            event=event.type.value,
        )


def _text(payload: dict[str, Any], key: str, label: str, *, required: bool = True) -> str:
    value = payload.get(key, "")
    if not isinstance(value, str):
        raise ValidationError("bad_payload", f"{label}格式不正确。", field=key)
    value = value.strip()
    if required and not value:
        raise ValidationError("required", f"请填写{label}。", field=key)
    return value


def _date(payload: dict[str, Any], key: str, label: str) -> date:
    try:
        return date.fromisoformat(str(payload[key]))
    except (KeyError, ValueError):
        raise ValidationError("bad_date", f"{label}不是有效日期。", field=key) from None


def _materials(payload: dict[str, Any], key: str = "materials") -> list[dict[str, Any]]:
    rows = payload.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationError("bad_payload", "材料清单格式不正确。", field=key)
    for row in rows:
        if not str(row.get("name", "")).strip():
            raise ValidationError("required", "材料名称不能为空。", field=key)
        copies = row.get("copies", 1)
        if not isinstance(copies, int) or copies < 0:
            raise ValidationError("bad_copies", f"材料“{row['name']}”的份数不正确。", field=key)
    return [dict(r) for r in rows]


def _registered(event: Event) -> Case:
    payload = event.payload
    try:
        matter = Matter.from_dict(payload["matter"])
    except (KeyError, TypeError, ValueError):
        raise ValidationError(
            "bad_payload", "登记事件缺少有效的事项信息。", field="matter"
        ) from None
    applicant = payload.get("applicant")
    if not isinstance(applicant, dict) or not str(applicant.get("name", "")).strip():
        raise ValidationError("required", "请填写申请人姓名或名称。", field="applicant_name")
    if not matter.active:
        raise TransitionError("matter_inactive", f"事项“{matter.name}”已停用，不能受理。")
    return Case(
        id=event.case_id,
        number=_text(payload, "number", "受理编号"),
        station=event.station,
        matter=matter,
        applicant=dict(applicant),
        green_channel=bool(payload.get("green_channel", False)),
        state=CaseState.REGISTERED,
        registered_at=event.device_time,
        first_responder_id=event.actor_id,
        first_responder_name=event.actor_name,
        window_name=str(payload.get("window", "")),
        materials=_materials(payload),
        materials_at=event.device_time,
        identity_note=_identity_note(payload),
        service_mode=_service_mode(payload),
        consultation_id=str(payload.get("consultation_id", "") or ""),
        appointment_id=str(payload.get("appointment_id", "") or ""),
        id_card=dict(payload["id_card"]) if isinstance(payload.get("id_card"), dict) else None,
        queue_ticket=str(payload.get("queue_ticket", "")),
        last_event_id=event.id,
        event_count=1,
    )


def _service_mode(payload: dict[str, Any]) -> str:
    mode = payload.get("service_mode") or ""
    if mode and mode not in SERVICE_MODES:
        raise ValidationError("bad_service_mode", "服务方式只能是延时服务、周末服务或上门服务。",
                              field="service_mode")
    return str(mode)


def _identity_note(payload: dict[str, Any]) -> dict[str, Any] | None:
    note = payload.get("identity_note")
    if note is None:
        return None
    if not isinstance(note, dict) or not str(note.get("reason", "")).strip():
        raise ValidationError("required", "证件号码曾以其他名称登记，请填写原因。",
                              field="name_change_reason")
    return dict(note)


def _on_materials_recorded(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.REGISTERED, CaseState.AWAITING_SUPPLEMENT)
    case.materials = _materials(event.payload)
    case.materials_at = event.device_time


def _on_notice_issued(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.REGISTERED)
    missing = _materials(event.payload, "missing")
    if not missing:
        raise ValidationError(
            "notice_empty", "一次性告知书必须列明所有需补正的材料。", field="missing"
        )
    deadline = event.payload.get("supplement_deadline")
    if deadline is not None:
        due = _date(event.payload, "supplement_deadline", "补正期限")
        if due <= local_day(event.device_time):
            raise ValidationError(
                "supplement_deadline_past", "补正期限应晚于告知当日。",
                field="supplement_deadline",
            )
        case.supplement_deadline = due
    else:
        case.supplement_deadline = None
    case.missing_materials = missing
    case.notice_count += 1
    case.notice_at = event.device_time
    case.state = CaseState.AWAITING_SUPPLEMENT


def _on_supplemented(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.AWAITING_SUPPLEMENT)
    received = event.payload.get("received", [])
    if not isinstance(received, list) or not received:
        raise ValidationError("required", "请勾选本次补交的材料。", field="received")
    received_names = {str(r) for r in received}
    unknown = received_names - {m["name"] for m in case.missing_materials}
    if unknown:
        raise ValidationError(
            "not_in_notice",
            f"材料“{'、'.join(sorted(unknown))}”不在一次性告知书中。",
            field="received",
        )
    case.missing_materials = [m for m in case.missing_materials if m["name"] not in received_names]
    by_name = {m["name"]: m for m in case.materials}
    for name in received_names:
        row = by_name.get(name)
        if row is not None:
            row["received"] = True
            row.pop("problem", None)
        else:
            case.materials.append({"name": name, "received": True, "copies": 1})
    case.materials_at = event.device_time
    if not case.missing_materials:
        case.state = CaseState.REGISTERED


def _on_accepted(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.REGISTERED)
    case.accepted_at = event.device_time
    case.accepted_on = _date(event.payload, "accepted_on", "受理日期")
    # 第三十二条: accepted after the five days with no notice, it counts from receipt.
    case.deemed_accepted = bool(event.payload.get("deemed_from_receipt"))
    days = event.payload.get("promised_working_days", case.matter.promised_working_days)
    if not isinstance(days, int) or days < 0:
        raise ValidationError("bad_payload", "承诺时限不正确。", field="promised_working_days")
    case.promised_working_days = days
    case.accepted_by_id = event.actor_id
    if event.payload.get("notice_at_counter"):
        case.counter_notices.append("acceptance_notice")
    case.tolerance = _tolerance(case, event)
    case.promise = _promise(case, event)
    case.state = CaseState.ACCEPTED


def _named_materials(case: Case, event: Event, key: str, allowed_codes: tuple[str, ...],
                     what: str) -> list[str]:
    """The material names in ``payload[key]``, each one the catalog allows for ``what``."""
    names = event.payload.get(key) or []
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValidationError("bad_payload", f"{what}材料清单格式不正确。", field=key)
    allowed = {m.name for m in case.matter.materials_by_codes(allowed_codes)}
    refused = [n for n in names if n not in allowed]
    if refused:
        raise ValidationError(
            f"not_{key}",
            f"“{'、'.join(refused)}”不是本事项办事指南列明可{what}的材料。",
            field=key, materials=refused,
        )
    return list(dict.fromkeys(names))


def _tolerance(case: Case, event: Event) -> dict[str, Any] | None:
    """容缺受理: the owed materials, the promise and its deadline, checked."""
    owed = _named_materials(case, event, "tolerance_materials",
                            case.matter.tolerance_materials, "容缺受理")
    if not owed:
        return None
    if event.payload.get("tolerance_promise_signed") is not True:
        raise ValidationError(
            "tolerance_promise_required",
            "容缺受理须由申请人签署承诺书，承诺在期限内补齐所缺材料。",
            field="tolerance_promise_signed",
        )
    deadline = _date(event.payload, "tolerance_deadline", "容缺材料补齐期限")
    today = local_day(event.device_time)
    if deadline <= today:
        raise ValidationError("tolerance_deadline_past", "容缺材料补齐期限应晚于受理当日。",
                              field="tolerance_deadline")
    if (deadline - today).days > MAX_TOLERANCE_DAYS:
        raise ValidationError(
            "tolerance_deadline_far",
            f"容缺材料补齐期限不能超过受理之日起{MAX_TOLERANCE_DAYS}日。",
            field="tolerance_deadline",
        )
    return {"materials": owed, "deadline": deadline.isoformat(), "fulfilled": [],
            "at": event.device_time.isoformat()}


def _promise(case: Case, event: Event) -> dict[str, Any] | None:
    """告知承诺制: the proofs the applicant's signed promise replaces."""
    replaced = _named_materials(case, event, "promise_materials",
                                case.matter.promise_materials, "以告知承诺替代")
    if not replaced:
        return None
    if event.payload.get("promise_signed") is not True:
        raise ValidationError(
            "promise_signature_required",
            "实行告知承诺的材料，须由申请人签署告知承诺书后方可免于提交。",
            field="promise_signed",
        )
    return {"materials": replaced, "at": event.device_time.isoformat(), "check": None}


def _on_tolerance_fulfilled(case: Case, event: Event) -> None:
    if case.tolerance is None:
        raise TransitionError("no_tolerance", "本件不是容缺受理，没有需要补齐的容缺材料。")
    if case.state in FINAL_STATES:
        raise TransitionError("closed", f"办件{case.number}已“{case.state.label}”，不能补齐材料。")
    received = event.payload.get("received") or []
    if not isinstance(received, list) or not received:
        raise ValidationError("required", "请勾选本次补齐的容缺材料。", field="received")
    owed = case.tolerance_owed
    unknown = [str(n) for n in received if n not in owed]
    if unknown:
        raise ValidationError("not_owed", f"“{'、'.join(unknown)}”不在待补齐的容缺材料中。",
                              field="received")
    case.tolerance["fulfilled"] = [*case.tolerance["fulfilled"], *map(str, received)]
    if not case.tolerance_owed:
        case.tolerance["completed_at"] = event.device_time.isoformat()
    by_name = {m["name"]: m for m in case.materials}
    for name in received:
        if name in by_name:
            by_name[name]["received"] = True


def _on_promise_checked(case: Case, event: Event) -> None:
    if case.promise is None:
        raise TransitionError("no_promise", "本件没有实行告知承诺制，无需核查承诺。")
    if case.promise.get("check"):
        raise TransitionError("promise_already_checked", "本件的告知承诺已经核查。")
    kept = event.payload.get("kept")
    if not isinstance(kept, bool):
        raise ValidationError("required", "请选择核查结论（属实或不实）。", field="kept")
    case.promise["check"] = {
        "kept": kept,
        "finding": _text(event.payload, "finding", "核查情况"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    }


def _on_handed_over(case: Case, event: Event) -> None:
    if case.state is CaseState.WITHDRAWN:
        raise TransitionError("closed", f"办件{case.number}已撤回，不能再交接材料。")
    leg = _text(event.payload, "leg", "交接环节")
    legs = list(CUSTODY_LEGS)
    if leg not in CUSTODY_LEGS:
        raise ValidationError("bad_leg", "交接环节不正确。", field="leg")
    expected = legs[len(case.custody)] if len(case.custody) < len(legs) else ""
    if leg != expected:
        wanted = CUSTODY_LEGS[expected] if expected else "（已全部交接）"
        raise TransitionError("leg_out_of_order",
                              f"材料交接须按顺序进行，下一环节应为：{wanted}。", leg=leg)
    if leg == "county_to_township" and case.state not in FINAL_STATES | {CaseState.COMPLETED}:
        raise TransitionError("result_not_ready", "县中心办结后才能把结果和材料交回乡镇。")
    rows = event.payload.get("items")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise ValidationError("required", "请列明交接的材料。", field="items")
    items = []
    for row in rows:
        name = str(row.get("name", "")).strip()
        given, received = row.get("originals_given", 0), row.get("originals_received", 0)
        copies = row.get("copies", 0)
        if not name or not all(isinstance(v, int) and v >= 0 for v in (given, received, copies)):
            raise ValidationError("bad_items", "每项材料须有名称和原件、复印件份数。",
                                  field="items")
        if received > given:
            raise ValidationError("bad_items", f"“{name}”收到的原件不能多于移交的原件。",
                                  field="items")
        items.append({"name": name, "originals_given": given, "originals_received": received,
                      "copies": copies})
    case.custody.append({
        "leg": leg,
        "giver": _text(event.payload, "giver", "移交人"),
        "receiver": _text(event.payload, "receiver", "接收人"),
        "to_station": _text(event.payload, "to_station", "接收站点", required=False).upper(),
        "items": items,
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    })


def _on_villager_notified(case: Case, event: Event) -> None:
    if case.state not in (CaseState.COMPLETED, CaseState.DELIVERED, CaseState.REJECTED):
        raise TransitionError("no_result_yet", "办件尚无办理结果，不能通知村民领取结果。")
    channel = _text(event.payload, "channel", "通知方式")
    if channel not in NOTIFICATION_CHANNELS:
        raise ValidationError("bad_channel", "通知方式只能是电话或短信。", field="channel")
    case.notifications.append({
        "channel": channel,
        "phone": _text(event.payload, "phone", "通知的电话号码"),
        "text": _text(event.payload, "text", "通知内容"),
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    })


def custody_losses(case: Case) -> list[dict[str, Any]]:
    """Originals that went missing, each traced to where: on a leg (handed over, not all
    received) or while a holder kept them (received on one leg, fewer handed on the next)."""
    losses: list[dict[str, Any]] = []
    held: dict[str, int] = {}
    previous = None
    for hand_over in case.custody:
        named = {item["name"] for item in hand_over["items"]}
        for name, count in list(held.items()):
            if previous is not None and name not in named and count:
                losses.append({"name": name, "count": count,
                               "where": f"{previous['receiver']}保管期间（"
                                        f"{CUSTODY_LEGS[previous['leg']]}之后）"})
                del held[name]
        for item in hand_over["items"]:
            name = item["name"]
            if previous is not None and name in held and item["originals_given"] < held[name]:
                losses.append({"name": name, "count": held[name] - item["originals_given"],
                               "where": f"{previous['receiver']}保管期间（"
                                        f"{CUSTODY_LEGS[previous['leg']]}之后）"})
            if item["originals_received"] < item["originals_given"]:
                losses.append({"name": name,
                               "count": item["originals_given"] - item["originals_received"],
                               "where": f"{CUSTODY_LEGS[hand_over['leg']]}途中（"
                                        f"{hand_over['giver']}移交给{hand_over['receiver']}）"})
            held[name] = item["originals_received"]
        previous = hand_over
    return losses


def needs_joint_inspection(case: Case) -> bool:
    """A 联办件, or a matter needing a site inspection, is inspected jointly (联合踏勘)."""
    return case.matter.case_type is CaseType.JOINT or (
        case.matter.site_inspection and bool(case.matter.joint_departments))


def _on_inspection_scheduled(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.ACCEPTED, CaseState.REVIEWED)
    if not needs_joint_inspection(case):
        raise TransitionError("no_joint_inspection", "本事项不需要多部门联合踏勘。")
    if case.inspection and case.inspection.get("findings"):
        raise TransitionError("inspection_done", "本件的联合踏勘已记录完毕。")
    on = _date(event.payload, "date", "踏勘日期")
    if case.accepted_on is not None and on < case.accepted_on:
        raise ValidationError("bad_date", "踏勘日期不能早于受理日期。", field="date")
    rows = event.payload.get("departments")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationError("bad_payload", "参加部门格式不正确。", field="departments")
    departments = []
    for row in rows:
        name = str(row.get("name", "")).strip()
        people = str(row.get("people", "")).strip()
        if not name or not people:
            raise ValidationError("required", "请填写每个参加部门的名称和参加人员。",
                                  field="departments")
        departments.append({"code": str(row.get("code", "")).strip(), "name": name,
                            "people": people})
    if len({d["name"] for d in departments}) < 2:
        raise ValidationError("inspection_departments", "联合踏勘须有两个以上部门参加。",
                              field="departments")
    case.inspection = {
        "date": on.isoformat(),
        "place": _text(event.payload, "place", "踏勘地点"),
        "departments": departments,
        "findings": {},
        "conclusion": "",
        "scheduled_by": event.actor_name,
        "scheduled_at": event.device_time.isoformat(),
    }


def _on_inspection_recorded(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.ACCEPTED, CaseState.REVIEWED)
    if case.inspection is None:
        raise TransitionError("inspection_not_scheduled", "请先安排联合踏勘。")
    if case.inspection.get("findings"):
        raise TransitionError("inspection_done", "本件的联合踏勘已记录完毕。")
    findings = event.payload.get("findings")
    if not isinstance(findings, dict):
        raise ValidationError("bad_payload", "踏勘意见格式不正确。", field="findings")
    names = [d["name"] for d in case.inspection["departments"]]
    missing = [n for n in names if not str(findings.get(n, "")).strip()]
    if missing:
        raise ValidationError("finding_required",
                              f"请填写{'、'.join(missing)}的踏勘意见。", field="findings")
    case.inspection["findings"] = {n: str(findings[n]).strip() for n in names}
    case.inspection["conclusion"] = _text(event.payload, "conclusion", "踏勘结论")
    case.inspection["recorded_by"] = event.actor_name
    case.inspection["recorded_at"] = event.device_time.isoformat()


def _on_rejected(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.REGISTERED, CaseState.AWAITING_SUPPLEMENT)
    case.rejection = {
        "reasons": _text(event.payload, "reasons", "不予受理理由"),
        "legal_basis": _text(event.payload, "legal_basis", "法律依据", required=False),
        "redirect_authority": _text(
            event.payload, "redirect_authority", "应当申请的机关", required=False
        ),
        "ground": _rejection_ground(case, event),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    }
    if event.payload.get("notice_at_counter"):
        case.counter_notices.append("rejection_notice")
    case.state = CaseState.REJECTED
    case.outcome = "rejected"
    case.completed_at = event.device_time


def _rejection_ground(case: Case, event: Event) -> str:
    """The rejection's ground, checked; empty for rejections recorded before grounds."""
    ground = _text(event.payload, "ground", "不予受理情形", required=False)
    if not ground:
        return ""
    check_rejection(
        case.matter, ground=ground,
        legal_basis=_text(event.payload, "legal_basis", "法律依据", required=False),
        redirect_authority=_text(event.payload, "redirect_authority", "应当申请的机关",
                                 required=False),
    )
    return ground


def check_rejection(matter: Matter, *, ground: str, legal_basis: str,
                    redirect_authority: str) -> None:
    """Refuse a rejection whose ground does not fit: 第（一）项 only for 行政许可, 第（二）项
    names the authority to apply to, any other ground names its provision."""
    if ground not in REJECTION_GROUNDS:
        raise ValidationError("ground_required", "请选择不予受理的情形。", field="ground")
    if ground == "not_licensable" and not matter.matter_type.is_licensing:
        raise ValidationError(
            "ground_not_for_matter_type",
            f"本事项为{matter.matter_type.label}事项，不能以“依法不需要取得行政许可”不予受理。",
            field="ground",
        )
    if ground == "outside_powers" and not redirect_authority.strip():
        raise ValidationError(
            "redirect_required",
            "申请事项不属于本机关职权范围的，须告知申请人应当向哪个机关申请。",
            field="redirect_authority",
        )
    if ground == "other" and not legal_basis.strip():
        raise ValidationError(
            "legal_basis_required", "请填写不予受理所依据的法律条款。", field="legal_basis"
        )


def _result_fields(case: Case, event: Event) -> list[dict[str, str]]:
    """The approver's entries for the matter's result fields; required ones enforced."""
    values = event.payload.get("result_fields") or {}
    if not isinstance(values, dict):
        raise ValidationError("bad_payload", "结果字段格式不正确。", field="result_fields")
    known = {f.code for f in case.matter.permit_fields}
    unknown = sorted(str(code) for code in values if code not in known)
    if unknown:
        raise ValidationError(
            "unknown_result_field", f"本事项没有结果字段“{'、'.join(unknown)}”。",
            field="result_fields",
        )
    rows = []
    for spec in case.matter.permit_fields:
        value = values.get(spec.code, "")
        if not isinstance(value, str):
            raise ValidationError("bad_payload", f"{spec.label}格式不正确。", field=spec.code)
        if spec.required and not value.strip():
            raise ValidationError(
                "result_field_required", f"请填写{spec.label}（核准准予时必填）。",
                field=spec.code,
            )
        rows.append({"code": spec.code, "label": spec.label, "value": value.strip()})
    return rows


def _on_reviewed(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.ACCEPTED)
    if case.suspended:
        raise TransitionError("suspended", "办件处于中止计时状态，请先恢复计时再审查。")
    conforms = event.payload.get("conforms")
    if not isinstance(conforms, bool):
        raise ValidationError("required", "请选择审查结论（符合或不符合）。", field="conforms")
    site_done = bool(event.payload.get("site_inspection_done", False))
    site_result = _text(event.payload, "site_inspection_result", "现场核查结果", required=site_done)
    if case.matter.site_inspection and not site_done:
        raise ValidationError(
            "site_inspection_required",
            "该事项需要现场核查，请先完成核查并填写结果。",
            field="site_inspection_done",
        )
    case.review = {
        "conforms": conforms,
        "opinion": _text(event.payload, "opinion", "审查意见"),
        "site_inspection_done": site_done,
        "site_inspection_result": site_result,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    }
    case.state = CaseState.REVIEWED


def _on_countersigned(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.REVIEWED)
    if case.matter.case_type is not CaseType.JOINT:
        raise TransitionError("not_joint", "只有联办件需要会签。")
    department = _text(event.payload, "department_code", "会签部门")
    if department not in case.matter.joint_departments:
        raise ValidationError(
            "not_joint_department",
            f"部门{department}不是本事项的会签部门。",
            field="department_code",
        )
    if department in case.countersigns:
        raise TransitionError("already_countersigned", f"部门{department}已会签，不能重复会签。")
    agree = event.payload.get("agree")
    if not isinstance(agree, bool):
        raise ValidationError("required", "请选择会签意见（同意或不同意）。", field="agree")
    case.countersigns[department] = {
        "agree": agree,
        "opinion": _text(event.payload, "opinion", "会签意见"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    }


def _decide(case: Case, event: Event, outcome: str) -> None:
    _require_state(case, event, CaseState.REVIEWED)
    on_the_spot = bool(event.payload.get("on_the_spot"))
    if on_the_spot:
        _check_on_the_spot(case, event, outcome)
    if event.actor_id == case.reviewer_id and not single_officer_allowed(case):
        raise PermissionDenied(
            "same_reviewer_approver",
            "一审一核：审查人不能核准自己审查的办件，请由首席代表核准。",
        )
    pending = pending_countersigns(case)
    if outcome == "approved" and case.tolerance_owed:
        raise TransitionError(
            "tolerance_owed",
            f"容缺材料尚未补齐（{'、'.join(case.tolerance_owed)}），不能核准准予。",
            owed=case.tolerance_owed,
        )
    if outcome == "approved" and case.promise_broken:
        raise TransitionError(
            "promise_broken", "告知承诺经核查不实，不能核准准予，请依法作出不予决定。")
    if pending:
        raise TransitionError(
            "countersign_pending",
            f"联办件尚有部门未会签（{'、'.join(pending)}），不能核准。",
            pending=pending,
        )
    decision: dict[str, Any] = {
        "outcome": outcome,
        "opinion": _text(event.payload, "opinion", "核准意见"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    }
    if on_the_spot:
        decision["on_the_spot"] = True
    if outcome == "approved":
        decision["result_fields"] = _result_fields(case, event)
    if outcome == "denied":
        decision["reasons"] = _text(event.payload, "reasons", "不予许可理由")
        decision["legal_basis"] = _text(event.payload, "legal_basis", "法律依据", required=False)
    case.decision = decision
    case.state = CaseState.APPROVED if outcome == "approved" else CaseState.DENIED


def _check_on_the_spot(case: Case, event: Event, outcome: str) -> None:
    """A 即办件 completed by one officer: the catalog allows it, and the officer who
    approves is the one who reviewed, on the same day (one act at the window)."""
    if not single_officer_allowed(case):
        raise TransitionError(
            "on_the_spot_not_allowed",
            "本事项不是可由窗口人员一人办结的即办件，须由首席代表核准。",
        )
    if outcome != "approved":
        raise TransitionError(
            "on_the_spot_not_allowed",
            "当场办结只用于准予办理；不予办理须由首席代表决定。",
        )
    review_at = datetime.fromisoformat(str(case.review["at"])) if case.review else None
    if (event.actor_id != case.reviewer_id or review_at is None
            or local_day(review_at) != local_day(event.device_time)):
        raise TransitionError(
            "on_the_spot_not_one_act",
            "即办件一人办结须由同一窗口人员当场完成审查和核准。",
        )


def _on_approved(case: Case, event: Event) -> None:
    _decide(case, event, "approved")


def _on_denied(case: Case, event: Event) -> None:
    _decide(case, event, "denied")


def _on_sealed(case: Case, event: Event) -> None:
    kind = _text(event.payload, "document_kind", "文书种类")
    decision_states: dict[str, tuple[CaseState, ...]] = {
        "approved": (CaseState.APPROVED,), "denied": (CaseState.DENIED,)}
    allowed_states: dict[str, tuple[CaseState, ...]] = {
        decision_document(case.matter, outcome): states
        for outcome, states in decision_states.items()
    }
    if kind in DECISION_DOCUMENTS and kind not in allowed_states:
        raise TransitionError(
            "document_not_for_matter_type",
            f"本事项为{case.matter.matter_type.label}事项，其结果文书不是该文书。",
        )
    allowed_states |= {
        "acceptance_notice": tuple(OPEN_STATES | {CaseState.COMPLETED, CaseState.DELIVERED}),
        "rejection_notice": (CaseState.REJECTED,),
        "one_time_notice": (CaseState.AWAITING_SUPPLEMENT,),
        "extension_notice": tuple(OPEN_STATES),
        "special_procedure_notice": tuple(OPEN_STATES),
        "delivery_receipt": (CaseState.DELIVERED,),
        "tolerance_notice": tuple(OPEN_STATES | {CaseState.COMPLETED, CaseState.DELIVERED}),
    }
    if kind not in allowed_states:
        raise TransitionError("document_not_sealable", "该文书不能用印。")
    states = allowed_states[kind]
    correction = bool(event.payload.get("supersedes"))
    if correction:
        # A corrected document replaces one already sealed, after the case has ended too.
        if not any(s["seal_use_id"] == event.payload["supersedes"] for s in case.seals):
            raise TransitionError("nothing_to_correct", "被更正的文书不是本件已盖章的文书。")
        states = (*states, *FINAL_STATES, CaseState.AWAITING_SUPPLEMENT, CaseState.REGISTERED)
    _require_state(case, event, *states)
    flagged_only = kind in COUNTER_FLAGGED_DOCUMENTS and kind not in case.counter_notices
    if not correction and kind in SAME_DAY_DOCUMENTS and not flagged_only:
        act_day = act_date(case, kind)
        if act_day is None:
            raise TransitionError("nothing_to_seal", "本件没有需要出具该文书的记录。",
                                  document_kind=kind)
        if local_day(event.device_time) != act_day:
            raise TransitionError(
                "seal_not_on_act_day",
                f"该文书应在{act_day.isoformat()}当日当场盖章出具，不能事后补盖；"
                "如需更正，请作为更正文书重新用印。",
                document_kind=kind, act_date=act_day.isoformat(),
            )
    record = {
        "document_kind": kind,
        "document_number": _text(event.payload, "document_number", "文号"),
        "seal_id": _text(event.payload, "seal_id", "印章"),
        "seal_use_id": _text(event.payload, "seal_use_id", "用印记录"),
        "pdf_sha256": _text(event.payload, "pdf_sha256", "文件摘要"),
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
        "supersedes": event.payload.get("supersedes") or None,
    }
    case.seals.append(record)
    if kind in DECISION_DOCUMENTS and case.completed_at is None:
        # The time of sealing a decision is the case's legal completion time.
        case.completed_at = event.device_time
        case.outcome = "approved" if kind in POSITIVE_DECISIONS else "denied"
        case.state = CaseState.COMPLETED


def _on_delivered(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.COMPLETED)
    case.delivery = {
        "method": _text(event.payload, "method", "送达方式"),
        "receiver": _text(event.payload, "receiver", "签收人", required=False),
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    }
    case.state = CaseState.DELIVERED


def _on_forwarded(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.REGISTERED, CaseState.ACCEPTED)
    case.forward = {
        "authority": _text(event.payload, "authority", "上报机关"),
        "to_station": _text(event.payload, "to_station", "接收站点", required=False),
        "reason": _text(event.payload, "reason", "上报理由", required=False),
        "from_state": case.state.value,
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    }
    case.state = CaseState.FORWARDED


def _on_forward_returned(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.FORWARDED)
    result = _text(event.payload, "result", "上报办理结果")
    if result not in FORWARD_RESULTS:
        raise ValidationError("bad_payload", "上报办理结果只能是准予、不予或退回。", field="result")
    case.forward_return = {
        "result": result,
        "opinion": _text(event.payload, "opinion", "上级意见"),
        "document_number": _text(event.payload, "document_number", "文号", required=False),
        "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    }
    case.outcome = result
    case.completed_at = event.device_time
    case.state = CaseState.COMPLETED


def _on_withdrawn(case: Case, event: Event) -> None:
    _require_state(
        case,
        event,
        CaseState.REGISTERED,
        CaseState.AWAITING_SUPPLEMENT,
        CaseState.ACCEPTED,
        CaseState.REVIEWED,
    )
    case.withdrawal = {
        "reason": _text(event.payload, "reason", "撤回理由"),
        "at": event.device_time.isoformat(),
    }
    case.outcome = "withdrawn"
    case.completed_at = event.device_time
    case.state = CaseState.WITHDRAWN


def _on_suspended(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.ACCEPTED, CaseState.REVIEWED)
    if case.suspended:
        raise TransitionError("already_suspended", "办件已在中止计时中。")
    reason_code = _text(event.payload, "reason_code", "中止原因")
    check_suspension_reason(case.matter, reason_code)
    expected = event.payload.get("expected_working_days")
    if expected is not None and (not isinstance(expected, int) or not 1 <= expected <= 250):
        raise ValidationError(
            "bad_days", "所需时间应为1至250个工作日。", field="expected_working_days"
        )
    case.suspensions.append(
        {
            "reason_code": reason_code,
            "reason": _text(event.payload, "reason", "中止说明", required=False),
            "start": _date(event.payload, "start", "中止开始日期").isoformat(),
            "end": None,
            "expected_working_days": expected,
            "at": event.device_time.isoformat(),
        }
    )


def suspension_reasons(matter: Matter) -> list[tuple[str, str]]:
    """The reasons that may stop this matter's clock: (code, label), 第四十五条's order.

    现场核查 only where the matter's legal basis excludes it from the review time."""
    reasons = list(STATUTORY_SUSPENSION_REASONS)
    if matter.site_inspection_excluded:
        reasons.append(SuspensionReason.SITE_INSPECTION)
    return [(r.value, r.label) for r in reasons]


def check_suspension_reason(matter: Matter, reason_code: str) -> None:
    """Refuse a 中止计时 reason 行政许可法 第四十五条 does not name for this matter."""
    if reason_code == SuspensionReason.SITE_INSPECTION and not matter.site_inspection_excluded:
        raise ValidationError(
            "site_inspection_counts",
            "现场核查时间计入审查期限（《中华人民共和国行政许可法》第三十四条、第四十五条），"
            "不能中止计时；只有事项的法定依据规定现场核查不计入时限的才可以。",
            field="reason_code",
        )
    if reason_code not in SUSPENSION_REASONS:
        raise ValidationError(
            "bad_reason",
            "中止计时只限听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审"
            "（《中华人民共和国行政许可法》第四十五条）。",
            field="reason_code",
        )


def _on_resumed(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.ACCEPTED, CaseState.REVIEWED)
    if not case.suspended:
        raise TransitionError("not_suspended", "办件没有中止计时，无需恢复。")
    end = _date(event.payload, "end", "恢复日期")
    current = case.suspensions[-1]
    if end < date.fromisoformat(current["start"]):
        raise ValidationError("bad_date", "恢复日期不能早于中止开始日期。", field="end")
    current["end"] = end.isoformat()


# 行政许可法 第四十二条: twenty (working, 第八十二条) days, once extended by ten with the
# organ head's approval; a 联合办理 (第二十六条) forty-five, extended by fifteen with the
# approval of the head of the people's government at that level (第二款). "法律、法规另有规定的，
# 依照其规定": an extension resting on another statute names it and may go to the general cap.
LICENSING_EXTENSION_DAYS = 10
JOINT_LICENSING_EXTENSION_DAYS = 15
MAX_EXTENSION_DAYS = 60


@dataclass(frozen=True)
class ExtensionRule:
    """How far the case's time limit may be extended in all, and who approves."""

    limit_days: int
    approver: str
    """``本行政机关负责人`` or ``本级人民政府负责人``."""
    article: str
    """``第四十二条第一款`` / ``第四十二条第二款``; "" outside the 行政许可法."""


def extension_rule(case: Case, *, other_law: bool = False) -> ExtensionRule:
    """The extension the law allows this case (``other_law``: a statute provides otherwise)."""
    joint = case.matter.case_type is CaseType.JOINT
    approver = "本级人民政府负责人" if joint else "本行政机关负责人"
    if not case.matter.matter_type.is_licensing or other_law:
        return ExtensionRule(MAX_EXTENSION_DAYS, approver, "")
    if joint:
        return ExtensionRule(JOINT_LICENSING_EXTENSION_DAYS, approver, "第四十二条第二款")
    return ExtensionRule(LICENSING_EXTENSION_DAYS, approver, "第四十二条第一款")


def extended_days(case: Case) -> int:
    """Working days the time limit has been extended by so far."""
    return sum(int(e["working_days"]) for e in case.extensions)


def _on_extended(case: Case, event: Event) -> None:
    _require_state(case, event, CaseState.ACCEPTED, CaseState.REVIEWED)
    days = event.payload.get("working_days")
    other_law = _text(event.payload, "other_law_basis", "另有规定的法律、法规依据",
                      required=False)
    rule = extension_rule(case, other_law=bool(other_law))
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError("bad_days", f"延期天数应为1至{MAX_EXTENSION_DAYS}个工作日。",
                              field="working_days")
    already = extended_days(case)
    if already + days > rule.limit_days:
        done = f"本件已延长{already}个工作日，" if already else ""
        raise ValidationError(
            "extension_over_limit",
            f"行政许可法{rule.article}：经{rule.approver}批准，只能延长{rule.limit_days}个工作日"
            f"（{done}最多还能延长{max(rule.limit_days - already, 0)}个工作日）。"
            "法律、法规另有规定的，请填写其依据。",
            field="working_days",
        )
    case.extensions.append(
        {
            "working_days": days,
            "reason": _text(event.payload, "reason", "延期理由"),
            "approved_by": event.actor_name,
            # 第四十二条: the head approves; older events did not name them.
            "head_approval": _text(event.payload, "head_approval", "本机关负责人批准",
                                   required=False),
            "other_law_basis": other_law,
            "at": event.device_time.isoformat(),
        }
    )


def _on_fee_recorded(case: Case, event: Event) -> None:
    if case.state in (CaseState.REJECTED, CaseState.WITHDRAWN):
        raise TransitionError("closed", "办件已终止，不能登记收费。")
    items = event.payload.get("items")
    if not isinstance(items, list) or not items:
        raise ValidationError("required", "请选择收费项目。", field="items")
    for item in items:
        amount = item.get("amount_fen") if isinstance(item, dict) else None
        if not isinstance(amount, int) or amount <= 0:
            raise ValidationError("bad_amount", "收费金额必须大于零。", field="items")
    case.fees.extend(dict(i) for i in items)


def _on_fee_paid(case: Case, event: Event) -> None:
    if not case.fees:
        raise TransitionError("no_fee", "本件没有登记收费项目，不能登记缴费。")
    amount = event.payload.get("amount_fen")
    if not isinstance(amount, int) or amount <= 0:
        raise ValidationError("bad_amount", "缴费金额必须大于零。", field="amount_fen")
    if case.paid_total_fen + amount > case.fee_total_fen:
        raise ValidationError("overpaid", "缴费金额超过应收金额。", field="amount_fen")
    case.payments.append(
        {
            "amount_fen": amount,
            "receipt_number": _text(event.payload, "receipt_number", "缴费票据号"),
            "at": event.device_time.isoformat(),
        }
    )


def check_evaluation_channel(channel: object) -> None:
    """Refuse an evaluation that does not come from the applicant (好差评 is theirs:
    the rating device, the receipt's QR code, the portal, 12345, SMS)."""
    if channel not in EVALUATION_CHANNELS:
        raise ValidationError(
            "evaluation_not_from_applicant",
            "好差评须由申请人本人通过评价器、评价屏、扫码、政务服务网、12345热线或短信作出，"
            "窗口人员不能代为登记。",
            field="channel",
        )


def _on_evaluated(case: Case, event: Event) -> None:
    if case.evaluation is not None:
        raise TransitionError("already_evaluated", "申请人已对本件作出评价。")
    check_evaluation_channel(event.payload.get("channel"))
    rating = _text(event.payload, "rating", "评价等级")
    if rating not in EVALUATION_RATINGS:
        raise ValidationError("bad_rating", "评价等级不正确。", field="rating")
    case.evaluation = {
        "rating": rating,
        "channel": str(event.payload["channel"]),
        "comment": _text(event.payload, "comment", "评价内容", required=False),
        "at": event.device_time.isoformat(),
        "source": "applicant",  # every channel above is the applicant's own
    }


# --- 差评 follow-up (国办发〔2019〕51号: 差评 回访、整改、申诉) ------------------------------


def needs_follow_up(case: Case) -> bool:
    """A 不满意 / 非常不满意 rating not set aside on appeal: it opens a follow-up."""
    evaluation = case.evaluation
    return bool(evaluation and evaluation["rating"] in BAD_RATINGS
                and not evaluation.get("excluded"))


def follow_up_done(case: Case) -> bool:
    """Nothing left to do about the rating: called back, and rectified where the
    complaint stood (or set aside on appeal)."""
    evaluation = case.evaluation or {}
    if not needs_follow_up(case):
        return True
    follow_up = evaluation.get("follow_up")
    if follow_up is None:
        return False
    if not follow_up["complaint_stands"]:
        return True
    rectification = evaluation.get("rectification")
    return bool(rectification and rectification.get("result"))


def _bad_evaluation(case: Case) -> dict[str, Any]:
    if case.evaluation is None or case.evaluation["rating"] not in BAD_RATINGS:
        raise TransitionError("evaluation.not_bad",
                              f"办件{case.number}没有不满意或非常不满意的评价，无需回访整改。")
    if case.evaluation.get("excluded"):
        raise TransitionError("evaluation.excluded",
                              "该评价已经申诉认定为误评或恶意差评，不再回访整改。")
    return case.evaluation


def _on_evaluation_followed_up(case: Case, event: Event) -> None:
    evaluation = _bad_evaluation(case)
    if evaluation.get("follow_up") is not None:
        raise TransitionError("evaluation.followed_up", "该差评已经回访。")
    method = event.payload.get("method")
    if method not in FOLLOW_UP_METHODS:
        raise ValidationError("required", "请选择回访方式。", field="method")
    stands = event.payload.get("complaint_stands")
    if not isinstance(stands, bool):
        raise ValidationError("required", "请选择经回访核实差评反映的问题是否属实。",
                              field="complaint_stands")
    evaluation["follow_up"] = {
        "method": method, "complaint_stands": stands,
        "result": _text(event.payload, "result", "回访情况"),
        "actor_id": event.actor_id, "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    }


def _on_rectification_ordered(case: Case, event: Event) -> None:
    evaluation = _bad_evaluation(case)
    follow_up = evaluation.get("follow_up")
    if follow_up is None or not follow_up["complaint_stands"]:
        raise TransitionError("evaluation.no_rectification",
                              "只有经回访核实问题属实的差评才下达整改。")
    if evaluation.get("rectification") is not None:
        raise TransitionError("evaluation.rectification_ordered", "该差评已经下达整改。")
    due = _date(event.payload, "due", "整改期限")
    if due < local_day(event.device_time):
        raise ValidationError("bad_date", "整改期限不能早于今天。", field="due")
    evaluation["rectification"] = {
        "measures": _text(event.payload, "measures", "整改要求"),
        "responsible": _text(event.payload, "responsible", "整改责任人"),
        "due": due.isoformat(),
        "ordered_by": event.actor_name, "ordered_at": event.device_time.isoformat(),
        "result": "", "done_at": None, "done_by": "",
    }


def _on_rectified(case: Case, event: Event) -> None:
    evaluation = _bad_evaluation(case)
    rectification = evaluation.get("rectification")
    if rectification is None:
        raise TransitionError("evaluation.no_rectification", "该差评没有下达整改。")
    if rectification["result"]:
        raise TransitionError("evaluation.rectified", "整改结果已经登记。")
    rectification["result"] = _text(event.payload, "result", "整改结果")
    rectification["done_at"] = event.device_time.isoformat()
    rectification["done_by"] = event.actor_name


def _on_evaluation_appealed(case: Case, event: Event) -> None:
    evaluation = _bad_evaluation(case)
    if evaluation.get("appeal") is not None:
        raise TransitionError("evaluation.appealed", "该评价已经申诉过，同一评价只能申诉一次。")
    reason_code = event.payload.get("reason_code")
    if reason_code not in APPEAL_REASONS:
        raise ValidationError("required", "请选择申诉理由（误评、恶意差评或与服务无关）。",
                              field="reason_code")
    evaluation["appeal"] = {
        "reason_code": reason_code,
        "reason": _text(event.payload, "reason", "申诉理由和依据"),
        "actor_id": event.actor_id, "actor_name": event.actor_name,
        "at": event.device_time.isoformat(), "decision": None,
    }


def _on_appeal_decided(case: Case, event: Event) -> None:
    evaluation = case.evaluation or {}
    appeal = evaluation.get("appeal")
    if appeal is None:
        raise TransitionError("evaluation.no_appeal", "该评价没有申诉。")
    if appeal["decision"] is not None:
        raise TransitionError("evaluation.appeal_decided", "该申诉已经作出决定。")
    if event.actor_id == appeal["actor_id"]:
        raise PermissionDenied("evaluation.own_appeal", "申诉人不能决定自己的申诉。")
    upheld = event.payload.get("upheld")
    if not isinstance(upheld, bool):
        raise ValidationError("required", "请选择申诉是否成立。", field="upheld")
    appeal["decision"] = {
        "upheld": upheld, "opinion": _text(event.payload, "opinion", "审核意见"),
        "actor_id": event.actor_id, "actor_name": event.actor_name,
        "at": event.device_time.isoformat(),
    }
    if upheld:
        # Set aside: the rating stays on record but counts in no assessment.
        evaluation["excluded"] = True


_HANDLERS = {
    EventType.MATERIALS_RECORDED: _on_materials_recorded,
    EventType.NOTICE_ISSUED: _on_notice_issued,
    EventType.SUPPLEMENTED: _on_supplemented,
    EventType.ACCEPTED: _on_accepted,
    EventType.REJECTED: _on_rejected,
    EventType.REVIEWED: _on_reviewed,
    EventType.COUNTERSIGNED: _on_countersigned,
    EventType.APPROVED: _on_approved,
    EventType.DENIED: _on_denied,
    EventType.SEALED: _on_sealed,
    EventType.DELIVERED: _on_delivered,
    EventType.FORWARDED: _on_forwarded,
    EventType.FORWARD_RETURNED: _on_forward_returned,
    EventType.WITHDRAWN: _on_withdrawn,
    EventType.SUSPENDED: _on_suspended,
    EventType.RESUMED: _on_resumed,
    EventType.EXTENDED: _on_extended,
    EventType.FEE_RECORDED: _on_fee_recorded,
    EventType.FEE_PAID: _on_fee_paid,
    EventType.EVALUATED: _on_evaluated,
    EventType.EVALUATION_FOLLOWED_UP: _on_evaluation_followed_up,
    EventType.RECTIFICATION_ORDERED: _on_rectification_ordered,
    EventType.RECTIFIED: _on_rectified,
    EventType.EVALUATION_APPEALED: _on_evaluation_appealed,
    EventType.APPEAL_DECIDED: _on_appeal_decided,
    EventType.TOLERANCE_FULFILLED: _on_tolerance_fulfilled,
    EventType.PROMISE_CHECKED: _on_promise_checked,
    EventType.INSPECTION_SCHEDULED: _on_inspection_scheduled,
    EventType.INSPECTION_RECORDED: _on_inspection_recorded,
    EventType.HANDED_OVER: _on_handed_over,
    EventType.VILLAGER_NOTIFIED: _on_villager_notified,
}
