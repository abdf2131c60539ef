"""差评 follow-up (国办发〔2019〕51号): call back, rectify, appeal, and the follow-up list.

Every 不满意 or 非常不满意 rating opens a follow-up: the supervisor calls the applicant back
(回访) within the configured working days of the rating; where the complaint stands a
rectification (整改) is ordered with its own deadline and its result recorded. The window's
chief representative may appeal a rating shown to be mistaken or malicious (申诉); a supervisor who did not file
it decides, and an upheld appeal takes the rating out of the assessment. All of it is
events on the case, so it syncs, replays and is refused the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.domain.calendar import WorkingCalendar
from app.domain.case import BAD_RATINGS, EVALUATION_RATINGS, Case, follow_up_done, local_day
from app.domain.errors import ValidationError
from app.domain.events import EventType
from app.domain.roles import Action, authorize
from app.services.cases import _act
from app.services.context import CurrentUser, local_date, utc_now
from app.services.recording import load_calendar, load_case
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

FOLLOW_UP_DAYS_SETTING = "evaluation_follow_up_working_days"
# 回访 of a 差评 within this many working days when the administrator has set none.
DEFAULT_FOLLOW_UP_WORKING_DAYS = 3


def follow_up_working_days(uow: UnitOfWork) -> int:
    value = uow.settings.get(FOLLOW_UP_DAYS_SETTING, "")
    return (int(value) if value.isdigit() and 1 <= int(value) <= 30
            else DEFAULT_FOLLOW_UP_WORKING_DAYS)


def set_follow_up_working_days(uow_factory: UnitOfWorkFactory, user: CurrentUser,
                               days: int) -> None:
    """The administrator sets the call-back deadline of a 差评."""
    authorize(user.roles, Action.MANAGE_SETTINGS, who=user.display_name)
    if not isinstance(days, int) or not 1 <= days <= 30:
        raise ValidationError("bad_days", "回访期限应为1至30个工作日。", field="days")
    with uow_factory() as uow:
        uow.settings.set(FOLLOW_UP_DAYS_SETTING, str(days))
        uow.audit.append({"kind": "admin", "action": "settings", "key": FOLLOW_UP_DAYS_SETTING,
                          "value": days, "actor_id": user.id, "at": utc_now().isoformat()})
        uow.commit()


def follow_up_due(case: Case, calendar: WorkingCalendar, working_days: int) -> date | None:
    """The day the 差评's call-back is due (None without a bad rating)."""
    if case.evaluation is None or case.evaluation["rating"] not in BAD_RATINGS:
        return None
    rated_on = local_day(datetime.fromisoformat(case.evaluation["at"]))
    return calendar.add_working_days(rated_on, working_days)[0]


def followed_up_on_time(case: Case, calendar: WorkingCalendar, working_days: int) -> bool | None:
    """Called back by the due day; None while no call-back is recorded."""
    evaluation = case.evaluation or {}
    follow_up = evaluation.get("follow_up")
    due = follow_up_due(case, calendar, working_days)
    if follow_up is None or due is None:
        return None
    return local_day(datetime.fromisoformat(follow_up["at"])) <= due


def rectified_on_time(case: Case) -> bool | None:
    """Rectified by the rectification's deadline; None while none is recorded."""
    rectification = (case.evaluation or {}).get("rectification")
    if not rectification or not rectification.get("done_at"):
        return None
    done = local_day(datetime.fromisoformat(rectification["done_at"]))
    return done <= date.fromisoformat(rectification["due"])


def record_follow_up(uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
                     method: str, complaint_stands: bool, result: str,
                     now: datetime | None = None) -> Case:
    """The call-back (回访): how, what the applicant said, whether the complaint stands."""
    return _act(uow_factory, user, case_id, EventType.EVALUATION_FOLLOWED_UP,
                {"method": method, "complaint_stands": complaint_stands, "result": result},
                now)


def order_rectification(uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
                        measures: str, responsible: str, due: date,
                        now: datetime | None = None) -> Case:
    """Order a rectification (整改) with its deadline."""
    return _act(uow_factory, user, case_id, EventType.RECTIFICATION_ORDERED,
                {"measures": measures, "responsible": responsible, "due": due.isoformat()},
                now)


def record_rectification(uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
                         result: str, now: datetime | None = None) -> Case:
    """What was done about it (整改结果)."""
    return _act(uow_factory, user, case_id, EventType.RECTIFIED, {"result": result}, now)


def appeal(uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
           reason_code: str, reason: str, now: datetime | None = None) -> Case:
    """The window appeals a rating it shows to be mistaken or malicious (申诉)."""
    return _act(uow_factory, user, case_id, EventType.EVALUATION_APPEALED,
                {"reason_code": reason_code, "reason": reason}, now)


def decide_appeal(uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
                  upheld: bool, opinion: str, now: datetime | None = None) -> Case:
    """A supervisor decides the appeal; upheld, the rating counts in no assessment."""
    return _act(uow_factory, user, case_id, EventType.APPEAL_DECIDED,
                {"upheld": upheld, "opinion": opinion}, now)


@dataclass(frozen=True)
class FollowUpItem:
    """One 差评 and where its follow-up stands."""

    case_id: str
    case_number: str
    matter_name: str
    window_name: str
    rating_label: str
    comment: str
    rated_on: date
    follow_up_due: date | None
    followed_up: bool
    followed_up_on_time: bool | None
    complaint_stands: bool | None
    rectification_due: date | None
    rectified: bool
    appeal_state: str  # "", 待决定, 成立, 不成立
    done: bool
    overdue: bool
    case: Case


def follow_up_list(uow_factory: UnitOfWorkFactory, user: CurrentUser, *,
                   open_only: bool = False, now: datetime | None = None) -> list[FollowUpItem]:
    """Every case rated 不满意 / 非常不满意, newest first, with its follow-up."""
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    today = local_date(now or utc_now())
    items = []
    with uow_factory() as uow:
        calendar = load_calendar(uow)
        days = follow_up_working_days(uow)
        rows = uow.session.execute(
            select(models.CaseRow.id, models.CaseRow.window_name)
            .where(models.CaseRow.evaluation.in_(sorted(BAD_RATINGS)))
        ).all()
        for case_id, window_name in rows:
            case = load_case(uow, case_id)
            item = _item(case, window_name, calendar, days, today)
            if not open_only or not item.done:
                items.append(item)
    return sorted(items, key=lambda i: (i.rated_on, i.case_number), reverse=True)


def _item(case: Case, window_name: str, calendar: WorkingCalendar, days: int,
          today: date) -> FollowUpItem:
    evaluation = case.evaluation or {}
    follow_up = evaluation.get("follow_up")
    rectification = evaluation.get("rectification")
    appeal_record = evaluation.get("appeal")
    appeal_state = ""
    if appeal_record:
        decision = appeal_record.get("decision")
        appeal_state = "待决定" if decision is None else ("成立" if decision["upheld"] else "不成立")
    due = follow_up_due(case, calendar, days)
    done = follow_up_done(case)
    rect_due = date.fromisoformat(rectification["due"]) if rectification else None
    rectified = bool(rectification and rectification.get("result"))
    overdue = not done and (
        (follow_up is None and due is not None and today > due)
        or (rect_due is not None and not rectified and today > rect_due))
    return FollowUpItem(
        case_id=case.id, case_number=case.number, matter_name=case.matter.name,
        window_name=window_name,
        rating_label=EVALUATION_RATINGS.get(evaluation.get("rating", ""), ""),
        comment=str(evaluation.get("comment", "")),
        rated_on=local_day(datetime.fromisoformat(evaluation["at"])),
        follow_up_due=due, followed_up=follow_up is not None,
        followed_up_on_time=followed_up_on_time(case, calendar, days),
        complaint_stands=follow_up["complaint_stands"] if follow_up else None,
        rectification_due=rect_due,
        rectified=rectified,
        appeal_state=appeal_state, done=done, overdue=overdue, case=case,
    )
