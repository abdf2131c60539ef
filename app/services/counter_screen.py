"""The screen facing the applicant at the counter: what it may show, and the rating the
applicant gives on it.

It shows the applicant in front of the window their own matter only: the matter, the
materials received and missing, the promised date, and at the end the five 好差评
buttons. The rating is recorded as the applicant's, through the same use case as the
rating device (:func:`app.services.cases.record_evaluation`) with its own channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.domain.case import EVALUATION_RATINGS, Case
from app.services import cases
from app.services.context import CurrentUser, local_date, utc_now
from app.services.recording import case_deadline, load_calendar, load_case
from app.store.unit_of_work import UnitOfWorkFactory

COUNTER_SCREEN_CHANNEL = "counter_screen"
# The five buttons, best first, as the 好差评 system orders them.
RATINGS = tuple(EVALUATION_RATINGS.items())


@dataclass(frozen=True)
class CaseSummary:
    """What the applicant's screen shows of the case just handled at the window."""

    case_id: str
    number: str
    matter_name: str
    outcome: str  # the state's label: 已受理待审查, 待补正, 不予受理 ...
    due: date | None
    received: tuple[str, ...]
    missing: tuple[str, ...]
    evaluated: bool


def case_summary(uow_factory: UnitOfWorkFactory, case_id: str, *,
                 now: datetime | None = None) -> CaseSummary:
    """The case as its applicant may see it, with the promised date once accepted."""
    today = local_date(now or utc_now())
    with uow_factory() as uow:
        case = load_case(uow, case_id)
        deadline = case_deadline(case, load_calendar(uow), today)
    return _summary(case, deadline.due if deadline is not None else None)


def _summary(case: Case, due: date | None) -> CaseSummary:
    received = tuple(str(m["name"]) for m in case.materials if m.get("received"))
    missing = tuple(str(m["name"]) for m in case.missing_materials) or tuple(
        str(m["name"]) for m in case.materials
        if m.get("required", True) and not m.get("received"))
    return CaseSummary(
        case_id=case.id, number=case.number, matter_name=case.matter.name,
        outcome=case.state.label, due=due, received=received, missing=missing,
        evaluated=case.evaluation is not None,
    )


def record_screen_evaluation(uow_factory: UnitOfWorkFactory, user: CurrentUser,
                             case_id: str, *, rating: str,
                             now: datetime | None = None) -> Case:
    """The applicant pressed one of the five buttons on their screen."""
    return cases.record_evaluation(uow_factory, user, case_id, rating=rating,
                                   channel=COUNTER_SCREEN_CHANNEL, now=now)
