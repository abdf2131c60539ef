"""联合踏勘 (joint site inspection) of a 联办件 or a case inspected by two or more
departments (北票 第十七条、第十八条; 刚察 联办件): scheduled once, in working days from
acceptance, with a warning past the limit (衡阳: within 3 working days); each
department's finding recorded; the record printed and kept; the countersign shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.domain.case import Case
from app.domain.events import EventType
from app.domain.roles import Action, authorize
from app.print_templates import DocumentKind
from app.services.cases import record_case_event
from app.services.context import CurrentUser
from app.services.documents import IssuedDocument, issue_unsealed
from app.services.recording import load_calendar, load_case
from app.store.unit_of_work import UnitOfWorkFactory

DEFAULT_INSPECTION_WORKING_DAYS = 3


@dataclass(frozen=True)
class InspectionDue:
    """The last day the joint inspection should take place, and whether ``on`` is late."""

    due: date
    working_days: int
    late: bool

    @property
    def warning(self) -> str:
        if not self.late:
            return ""
        return (f"踏勘日期晚于受理后{self.working_days}个工作日（应于{self.due.isoformat()}前），"
                "请说明原因或调整日期。")


def inspection_due(uow_factory: UnitOfWorkFactory, case: Case, on: date) -> InspectionDue:
    """When the inspection is due (``inspection_working_days`` working days after the
    acceptance day, 3 unless the station sets another number) and whether ``on`` is late."""
    with uow_factory() as uow:
        setting = uow.settings.get("inspection_working_days", "")
        days = int(setting) if setting.isdigit() and int(setting) > 0 else (
            DEFAULT_INSPECTION_WORKING_DAYS)
        accepted = case.accepted_on or on
        due, _provisional = load_calendar(uow).add_working_days(accepted, days)
    return InspectionDue(due, days, on > due)


def schedule_inspection(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *, on: date, place: str,
    departments: list[dict[str, Any]], now: datetime | None = None,
) -> tuple[Case, InspectionDue]:
    """Schedule the joint inspection; returns the case and the working-day check (a late
    date is recorded, with the warning, not refused)."""
    with uow_factory() as uow:
        case = load_case(uow, case_id)
    due = inspection_due(uow_factory, case, on)
    payload = {"date": on.isoformat(), "place": place, "departments": departments,
               "due": due.due.isoformat(), "late": due.late}
    return record_case_event(uow_factory, user, case_id, EventType.INSPECTION_SCHEDULED,
                             payload, now=now), due


def record_inspection(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    findings: dict[str, str], conclusion: str, now: datetime | None = None,
) -> tuple[Case, IssuedDocument]:
    """Record each department's finding and the conclusion; the 联合踏勘记录 is issued
    and kept with the case."""
    authorize(user.roles, Action.PRINT, who=user.display_name)
    case = record_case_event(uow_factory, user, case_id, EventType.INSPECTION_RECORDED,
                             {"findings": findings, "conclusion": conclusion}, now=now)
    document = issue_unsealed(uow_factory, user, case_id, DocumentKind.JOINT_INSPECTION_RECORD,
                              now=now)
    return case, document
