"""The holiday calendar as data: seeded from chinesecalendar, edited and published."""

from __future__ import annotations

from datetime import datetime

from app.domain.calendar import YearCalendar, chinesecalendar_years, year_from_chinesecalendar
from app.domain.errors import ValidationError
from app.domain.roles import Action, authorize
from app.services.context import CurrentUser, utc_now
from app.services.recording import recompute_open_deadlines
from app.store.unit_of_work import UnitOfWorkFactory


def seed_calendar(uow_factory: UnitOfWorkFactory) -> int:
    """Store the years chinesecalendar publishes that the profile does not hold yet."""
    added = 0
    with uow_factory() as uow:
        held = {row.year for row in uow.calendar.years()}
        for year in chinesecalendar_years():
            if year not in held:
                calendar = year_from_chinesecalendar(year)
                uow.calendar.save(year, published=True, source=calendar.source,
                                  data=calendar.to_dict())
                added += 1
        if added:
            uow.commit()
    return added


def publish_year(
    uow_factory: UnitOfWorkFactory,
    admin: CurrentUser,
    calendar: YearCalendar,
    *,
    now: datetime | None = None,
) -> int:
    """Publish (or correct) a year's calendar and recompute open deadlines.

    Returns how many running cases had their deadline recomputed.
    """
    authorize(admin.roles, Action.MANAGE_CALENDAR, who=admin.display_name)
    return store_year(uow_factory, calendar, by=admin.id, now=now)


def store_year(
    uow_factory: UnitOfWorkFactory, calendar: YearCalendar, *, by: str,
    now: datetime | None = None,
) -> int:
    """Store a published year (from the administrator or from the server's sync)."""
    overlap = calendar.holidays & calendar.adjusted_workdays
    if overlap:
        raise ValidationError("calendar_overlap", "同一天不能既是节假日又是调休工作日。",
                              field="holidays")
    if any(d.year != calendar.year for d in calendar.holidays | calendar.adjusted_workdays):
        raise ValidationError("calendar_year", f"日期必须都在{calendar.year}年内。",
                              field="holidays")
    with uow_factory() as uow:
        data = calendar.to_dict()
        data["published"] = True
        uow.calendar.save(calendar.year, published=True, source=calendar.source, data=data)
        uow.audit.append({"kind": "admin", "action": "publish_calendar", "by": by,
                          "year": calendar.year, "at": (now or utc_now()).isoformat()})
        uow.session.flush()
        count = recompute_open_deadlines(uow, now=now)
        uow.commit()
        return count


def calendar_years(uow_factory: UnitOfWorkFactory) -> list[YearCalendar]:
    with uow_factory() as uow:
        return sorted((YearCalendar.from_dict(r.data) for r in uow.calendar.years()),
                      key=lambda c: c.year)
