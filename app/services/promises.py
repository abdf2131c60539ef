"""容缺受理 and 告知承诺制 after acceptance: the owed materials arrive, the promise is
checked, and a promise found broken follows the applicant to their next case.

Acceptance itself (with the materials tolerated or promised) is ``cases.accept``. A
broken 告知承诺 is on the case (and so on the county server, with the event); the server
also publishes it to every station as a reference record (``promise_record``), kept
here in ``promise_records``, so the applicant's next registration anywhere shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select

from app.domain.case import Case
from app.domain.errors import NotFound
from app.domain.events import EventType
from app.domain.roles import Action, authorize
from app.print_templates import DocumentKind, render_pdf
from app.services.cases import id_key, record_case_event
from app.services.context import CurrentUser, local_date, utc_now
from app.services.documents import build_context, font_path, material_lines
from app.services.recording import load_case
from app.store import models
from app.store.unit_of_work import UnitOfWorkFactory


def fulfil_tolerance(uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
                     received: list[str], now: datetime | None = None) -> Case:
    """Record owed 容缺 materials brought in; once all are in, the case may be approved."""
    return record_case_event(uow_factory, user, case_id, EventType.TOLERANCE_FULFILLED,
                             {"received": received}, now=now)


def check_promise(uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
                  kept: bool, finding: str, now: datetime | None = None) -> Case:
    """Record the check of the 告知承诺 (属实 or 不实) and what it found."""
    return record_case_event(uow_factory, user, case_id, EventType.PROMISE_CHECKED,
                             {"kept": kept, "finding": finding}, now=now)


@dataclass(frozen=True)
class BrokenPromise:
    """A 告知承诺 found broken, as the applicant's later cases show it."""

    case_number: str
    applicant_name: str
    matter_name: str
    finding: str
    checked_on: date
    station: str


def broken_promises(uow_factory: UnitOfWorkFactory, user: CurrentUser, *,
                    id_number: str, except_case_id: str = "") -> list[BrokenPromise]:
    """Every broken 告知承诺 of the applicant with this ID number or USCC: this station's
    cases and the records the county published, each once, newest first."""
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    key = id_key(id_number)
    if not key:
        return []
    found: dict[str, BrokenPromise] = {}
    with uow_factory() as uow:
        c = models.CaseRow
        for row in uow.session.scalars(select(c).where(c.applicant_id_number == key,
                                                       c.promise_broken.is_(True))):
            if row.id == except_case_id:
                continue
            case = load_case(uow, row.id)
            check = (case.promise or {}).get("check") or {}
            found[case.number] = BrokenPromise(
                case.number, case.applicant_name, case.matter.name, str(check.get("finding", "")),
                local_date(datetime.fromisoformat(check["at"])), case.station)
        p = models.PromiseRecord
        for record in uow.session.scalars(select(p).where(p.id_number == key)):
            found.setdefault(record.case_number, BrokenPromise(
                record.case_number, record.applicant_name, record.matter_name, record.finding,
                local_date(record.checked_at), record.station))
    return sorted(found.values(), key=lambda b: b.checked_on, reverse=True)


def promise_for_signature(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, kind: DocumentKind, *,
    materials: list[str], deadline: date | None = None, now: datetime | None = None,
) -> bytes:
    """The 容缺受理承诺书 or 告知承诺书 to print for the applicant's signature before the
    case is accepted (the signed paper is what ``accept`` is told of); not numbered and
    not kept: the kept copy is issued with the acceptance."""
    authorize(user.roles, Action.PRINT, who=user.display_name)
    if kind not in (DocumentKind.TOLERANCE_PROMISE, DocumentKind.NOTIFICATION_PROMISE):
        raise NotFound("document_not_found", "只能打印容缺受理承诺书或告知承诺书。")
    now = now or utc_now()
    from app.domain.calendar import format_chinese_date

    with uow_factory() as uow:
        case = load_case(uow, case_id)
        context = build_context(uow, case, kind, user=user, document_number="",
                                issued_at=now)
        lines = material_lines(case.matter, materials)
        if kind is DocumentKind.TOLERANCE_PROMISE:
            context = replace(context, tolerance_items=lines,
                              tolerance_deadline_text=format_chinese_date(deadline)
                              if deadline else "")
        else:
            context = replace(context, promise_items=lines)
        return render_pdf(context, font_path=font_path(uow))
