"""Read-side use cases: case lists in pages, queues, counts for the status bar."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from app.domain.calendar import WarningLevel, warning_level
from app.domain.case import CaseState, chief_departments
from app.domain.catalog import CaseType
from app.domain.errors import ValidationError
from app.domain.identity import mask_id_number
from app.domain.roles import Action, authorize
from app.services.ab_posts import covering
from app.services.context import CurrentUser, local_date, utc_now
from app.services.recording import load_calendar, yellow_threshold
from app.store import models
from app.store.repositories import CaseCursor, CaseFilter
from app.store.unit_of_work import UnitOfWorkFactory

ALL_CASES = CaseFilter()

__all__ = ["CaseFilter", "CaseSummary", "list_cases", "count_cases", "review_queue",
           "case_summary",
           "approval_queue", "sync_status"]


@dataclass(frozen=True)
class CaseSummary:
    """One line of a case list: what a clerk needs to see, ID number masked."""

    id: str
    number: str
    category: str
    category_label: str
    state: str
    state_label: str
    matter_code: str
    matter_name: str
    department_code: str
    applicant_name: str
    applicant_id_masked: str
    registered_at: datetime
    accepted_at: datetime | None
    deadline: date | None
    deadline_provisional: bool
    warning: str
    warning_label: str
    completed_at: datetime | None
    on_time: bool | None
    # 容缺受理: the promised day, how many owed materials are still missing, and whether
    # that day has passed with some still owed (shown red, counted each month).
    tolerance_due: date | None = None
    tolerance_owed: int = 0
    tolerance_overdue: bool = False
    promise_broken: bool = False
    # 第三十二条: the last day of the intake decision while the case waits for it, and
    # whether it has passed (red: the law counts the application accepted from receipt).
    intake_due: date | None = None
    intake_overdue: bool = False
    service_mode: str = ""
    # 顶岗补位: the absent A岗 whose window's case this is, in the queue of their B岗.
    acting_for_name: str = ""

    def to_json(self) -> dict[str, object]:
        """The ``cases --json`` object."""
        return {
            "id": self.id,
            "number": self.number,
            "category": self.category_label,
            "state": self.state,
            "state_label": self.state_label,
            "matter": self.matter_name,
            "department": self.department_code,
            "applicant_name": self.applicant_name,
            "applicant_id": self.applicant_id_masked,
            "registered_at": self.registered_at.isoformat(),
            "accepted_at": self.accepted_at.isoformat() if self.accepted_at else None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_provisional": self.deadline_provisional,
            "warning": self.warning,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "on_time": self.on_time,
        }


def _warning(row: models.CaseRow, calendar: object, today: date, threshold: int) -> WarningLevel:
    if intake_overdue(row, today):
        return WarningLevel.RED
    if row.deadline is None or row.completed_at is not None:
        return WarningLevel.NORMAL
    return warning_level(calendar, row.deadline, today, yellow_working_days=threshold)  # type: ignore[arg-type]


def tolerance_overdue(row: models.CaseRow, today: date) -> bool:
    """容缺 materials still owed after the promised day, on a case not finished."""
    return bool(row.tolerance_owed and row.tolerance_due is not None
                and row.tolerance_due < today and row.completed_at is None)


def intake_overdue(row: models.CaseRow, today: date) -> bool:
    """Still waiting for the intake decision after its last day (第三十二条)."""
    return row.intake_due is not None and row.intake_due < today


def _summaries(rows: list[models.CaseRow], calendar: object, today: date,
               threshold: int) -> list[CaseSummary]:
    result = []
    for row in rows:
        level = _warning(row, calendar, today, threshold)
        intake_late = intake_overdue(row, today)
        result.append(CaseSummary(
            id=row.id, number=row.number, category=row.category,
            category_label=CaseType(row.category).label, state=row.state,
            state_label=CaseState(row.state).label, matter_code=row.matter_code,
            matter_name=row.matter_name, department_code=row.department_code,
            applicant_name=row.applicant_name,
            applicant_id_masked=mask_id_number(row.applicant_id_number),
            registered_at=row.registered_at, accepted_at=row.accepted_at,
            deadline=row.deadline, deadline_provisional=row.deadline_provisional,
            warning=level.value,
            warning_label="受理逾期" if intake_late else level.label,
            completed_at=row.completed_at,
            on_time=row.on_time, tolerance_due=row.tolerance_due,
            tolerance_owed=row.tolerance_owed or 0,
            tolerance_overdue=tolerance_overdue(row, today),
            promise_broken=bool(row.promise_broken), intake_due=row.intake_due,
            intake_overdue=intake_late, service_mode=row.service_mode or "",
        ))
    return result


def list_cases(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    case_filter: CaseFilter = ALL_CASES,
    *,
    offset: int = 0,
    limit: int = 100,
    sort: str = "registered_at",
    descending: bool = True,
    now: datetime | None = None,
    after: CaseSummary | None = None,
) -> list[CaseSummary]:
    """One page of cases matching the filter: from ``offset`` on, or (keyset paging, as
    fast at any depth) the page that follows ``after``, the last row of the one before;
    ``offset`` then counts rows past it."""
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    _check_range(case_filter)
    today = local_date(now or utc_now())
    if case_filter.warning and case_filter.today is None:
        from dataclasses import replace

        case_filter = replace(case_filter, today=today)
    with uow_factory() as uow:
        rows = list(uow.cases.page(case_filter, offset=offset, limit=limit, sort=sort,
                                   descending=descending, after=_cursor(after)))
        return _summaries(rows, load_calendar(uow), today, yellow_threshold(uow))


def _cursor(summary: CaseSummary | None) -> CaseCursor | None:
    if summary is None:
        return None
    return CaseCursor(id=summary.id, number=summary.number,
                      registered_at=summary.registered_at, deadline=summary.deadline,
                      applicant_name=summary.applicant_name,
                      matter_name=summary.matter_name, state=summary.state)


def _check_range(case_filter: CaseFilter) -> None:
    """A reversed date range is a mistake to point out, not an empty list to show."""
    start, end = case_filter.registered_from, case_filter.registered_to
    if start is not None and end is not None and start > end:
        raise ValidationError(
            "filter.reversed_range",
            f"登记日期的起始日（{start:%Y-%m-%d}）晚于截止日（{end:%Y-%m-%d}），请重新选择。",
            field="registered_from",
        )


def count_cases(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_filter: CaseFilter = ALL_CASES,
    *, now: datetime | None = None,
) -> int:
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    _check_range(case_filter)
    if case_filter.warning and case_filter.today is None:
        from dataclasses import replace

        case_filter = replace(case_filter, today=local_date(now or utc_now()))
    with uow_factory() as uow:
        return uow.cases.count(case_filter)


def review_queue(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, now: datetime | None = None
) -> list[CaseSummary]:
    """Accepted cases of the clerk's department waiting for a review opinion, oldest
    deadline first (待我审查); a clerk without a department sees every department's."""
    authorize(user.roles, Action.REVIEW, who=user.display_name)
    now = now or utc_now()
    case_filter = CaseFilter(states=(CaseState.ACCEPTED.value,),
                             department_code=user.department_code)
    own = list_cases(uow_factory, user, case_filter, limit=500, sort="deadline",
                     descending=False, now=now)
    covered = _covered_cases(uow_factory, user, now)
    if not covered:
        return own
    merged = {summary.id: summary for summary in own}
    merged.update({summary.id: summary for summary in covered})
    return sorted(merged.values(),
                  key=lambda s: (s.deadline is None, s.deadline or date.max, s.number))


def _covered_cases(uow_factory: UnitOfWorkFactory, user: CurrentUser,
                   now: datetime) -> list[CaseSummary]:
    """顶岗补位: the accepted cases of each window whose A岗 is absent today and whose
    B岗 is ``user``, marked with A's name (none where no AB岗 is configured)."""
    today = local_date(now)
    with uow_factory() as uow:
        covers = covering(uow, user.id, today)
        if not covers:
            return []
        calendar, threshold = load_calendar(uow), yellow_threshold(uow)
        result: list[CaseSummary] = []
        for cover in covers:
            rows = uow.cases.in_state_at_window(CaseState.ACCEPTED.value, cover.station,
                                                cover.window_name)
            result += [replace(summary, acting_for_name=cover.a_staff_name)
                       for summary in _summaries(rows, calendar, today, threshold)]
        return result


def case_summary(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    now: datetime | None = None,
) -> CaseSummary:
    """The list line of one case: deadline, warning, masked ID (for the case page)."""
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    today = local_date(now or utc_now())
    with uow_factory() as uow:
        row = uow.cases.get(case_id)
        if row is None:
            from app.domain.errors import NotFound

            raise NotFound("case_not_found", "找不到该办件。")
        return _summaries([row], load_calendar(uow), today, yellow_threshold(uow))[0]


def approval_queue(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, now: datetime | None = None
) -> list[CaseSummary]:
    """Reviewed cases of the chief's departments, oldest deadline first (待我核准)."""
    departments = chief_departments(user.actor())
    result: list[CaseSummary] = []
    for department in sorted(departments):
        result += list_cases(
            uow_factory, user,
            CaseFilter(states=(CaseState.REVIEWED.value,), department_code=department),
            limit=500, sort="deadline", descending=False, now=now,
        )
    return sorted(result, key=lambda s: (s.deadline or date.max, s.number))


def countersign_queue(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, now: datetime | None = None
) -> list[CaseSummary]:
    """Joint cases waiting for this chief's department to countersign (联办会签)."""
    from app.domain.case import pending_countersigns
    from app.services.recording import load_case

    departments = chief_departments(user.actor())
    if not departments:
        return []
    candidates = list_cases(
        uow_factory, user,
        CaseFilter(states=(CaseState.REVIEWED.value,), categories=(CaseType.JOINT.value,)),
        limit=500, sort="deadline", descending=False, now=now,
    )
    with uow_factory() as uow:
        return [
            s for s in candidates
            if departments & set(pending_countersigns(load_case(uow, s.id)))
        ]


def sealing_queue(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, now: datetime | None = None
) -> list[CaseSummary]:
    """Every case with a document waiting for a seal (用印): the decisions of approved
    and denied cases, and the rejection or acceptance notices not sealed yet."""
    from app.domain.case import SEALABLE_NOTICE_STATES, documents_awaiting_seal
    from app.services.recording import load_case

    states = {CaseState.APPROVED, CaseState.DENIED, CaseState.REJECTED,
              *SEALABLE_NOTICE_STATES}
    candidates = list_cases(
        uow_factory, user, CaseFilter(states=tuple(sorted(s.value for s in states))),
        limit=500, sort="deadline", descending=False, now=now,
    )
    with uow_factory() as uow:
        return [s for s in candidates if documents_awaiting_seal(load_case(uow, s.id))]


@dataclass(frozen=True)
class SyncStatus:
    waiting_events: int
    last_sync_at: str
    server_url: str
    conflicts: int


def sync_status(uow_factory: UnitOfWorkFactory) -> SyncStatus:
    """What the status bar shows about sync."""
    with uow_factory() as uow:
        return SyncStatus(
            waiting_events=uow.events.outbox_count(),
            last_sync_at=uow.settings.get("last_sync_at"),
            server_url=uow.settings.get("server_url"),
            conflicts=len(uow.events.conflicts()),
        )


@dataclass(frozen=True)
class ConflictSummary:
    """A work item the server refused (or a refusal the station learned of), as the
    people concerned read it: which case, what was refused and why."""

    event_id: str
    case_id: str
    case_number: str
    matter_name: str
    code: str
    reason: str
    received_at: datetime
    read: bool


def sync_conflicts(uow_factory: UnitOfWorkFactory, user: CurrentUser, *,
                   include_read: bool = False) -> list[ConflictSummary]:
    """The station's sync conflicts, newest first (only the unread unless asked): never a
    silent rollback, each says what changed and why."""
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    with uow_factory() as uow:
        rows = uow.events.conflicts(unresolved_only=not include_read)
        result = []
        for row in reversed(rows):
            case = uow.cases.get(row.case_id)
            result.append(ConflictSummary(
                event_id=row.event_id, case_id=row.case_id,
                case_number=case.number if case is not None else "",
                matter_name=case.matter_name if case is not None else "",
                code=row.code, reason=row.reason, received_at=row.received_at,
                read=row.resolved,
            ))
        return result


def mark_conflict_read(uow_factory: UnitOfWorkFactory, user: CurrentUser, event_id: str, *,
                       now: datetime | None = None) -> None:
    """The conflict has been read and dealt with: it leaves the status bar's count; who
    read it and when goes into the audit chain."""
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    now = now or utc_now()
    with uow_factory() as uow:
        row = uow.events.conflict(event_id)
        if row is None:
            raise ValidationError("conflict_not_found", "该同步冲突不存在。")
        if row.resolved:
            return
        row.resolved = True
        uow.audit.append({"kind": "sync", "action": "conflict_read", "event": event_id,
                          "case": row.case_id, "code": row.code, "user": user.id,
                          "at": now.isoformat()})
        uow.commit()
