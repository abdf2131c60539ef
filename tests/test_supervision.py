"""电子监察: the audit trail by person, case and time; warned (yellow or red) cases,
and applications past the intake decision's five working days."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.catalog import MatterType
from app.domain.errors import NotFound, PermissionDenied, ValidationError
from app.services import accounts, calendar_admin, cases, catalog, queries, system
from app.services.runtime import Runtime, open_runtime
from app.store.database import DATABASE_NAME
from tests.profile_fixtures import (
    MONDAY,
    NATURAL_APPLICANT,
    Staff,
    business_matter,
    counter_seal,
    make_profile,
)


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    yield runtime, staff
    runtime.close()


def _accepted(runtime: Runtime, staff: Staff, now=MONDAY):
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=now)
    cases.record_materials(runtime.uow, staff.clerk, case.id, now=now,
                           materials=[dict(m, received=True) for m in case.materials])
    return cases.accept(runtime.uow, staff.clerk, case.id, now=now,
                        seal=counter_seal(runtime))


def test_the_audit_trail_of_a_case_names_each_act_and_who(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    _accepted(runtime, staff)  # another case: not in this case's trail
    trail = system.audit_trail(runtime.uow, staff.supervisor, case_number=case.number)
    # Newest first; the acceptance notice is sealed with the acceptance.
    assert [e.action for e in trail.entries if e.kind == "event"] == [
        "sealed", "accepted", "materials_recorded", "registered"]
    assert {e.person_name for e in trail.entries} == {staff.clerk.display_name}
    assert {e.case_number for e in trail.entries} == {case.number}


def test_the_audit_trail_of_a_person_includes_acts_on_them(profile) -> None:
    runtime, staff = profile
    accounts.reset_password(runtime.uow, staff.admin, user_id=staff.clerk2.id,
                            new_password="Reset2026a")
    trail = system.audit_trail(runtime.uow, staff.supervisor, person_id=staff.clerk2.id)
    [reset] = [e for e in trail.entries if e.action == "reset_password"]
    assert reset.person_name == staff.admin.display_name
    assert reset.subject_name == staff.clerk2.display_name
    by_admin = system.audit_trail(runtime.uow, staff.supervisor, person_id=staff.admin.id)
    assert "reset_password" in [e.action for e in by_admin.entries]


def test_the_audit_trail_of_a_period_takes_local_days(profile) -> None:
    runtime, staff = profile
    _accepted(runtime, staff)  # 2026-11-23 09:00 at the counter
    monday = MONDAY.date()
    on_the_day = system.audit_trail(runtime.uow, staff.supervisor, date_from=monday,
                                    date_to=monday)
    assert {e.action for e in on_the_day.entries} >= {"registered", "accepted"}
    after = system.audit_trail(runtime.uow, staff.supervisor,
                               date_from=monday + timedelta(days=1),
                               date_to=monday + timedelta(days=1))
    assert "registered" not in {e.action for e in after.entries}
    with pytest.raises(ValidationError):
        system.audit_trail(runtime.uow, staff.supervisor, date_from=monday,
                           date_to=monday - timedelta(days=1))


def test_an_unknown_case_number_and_a_clerk_are_refused(profile) -> None:
    runtime, staff = profile
    with pytest.raises(NotFound) as err:
        system.audit_trail(runtime.uow, staff.supervisor, case_number="XC01-1999")
    assert err.value.field == "case_number"
    with pytest.raises(PermissionDenied):
        system.audit_trail(runtime.uow, staff.clerk)


def test_warned_cases_are_the_yellow_and_the_red(profile) -> None:
    runtime, staff = profile
    late = _accepted(runtime, staff)  # due Thursday 2026-11-26
    _accepted(runtime, staff, now=MONDAY + timedelta(days=3))  # due the next Tuesday
    friday = MONDAY + timedelta(days=4)
    warned = queries.list_cases(runtime.uow, staff.supervisor,
                                queries.CaseFilter(warning="warned"), now=friday,
                                sort="deadline", descending=False)
    assert [s.warning for s in warned] == ["red", "yellow"]
    assert warned[0].id == late.id
    monday_after = queries.count_cases(runtime.uow, staff.supervisor,
                                       queries.CaseFilter(warning="warned"), now=MONDAY)
    assert monday_after == 0
    assert date(2026, 11, 26) == warned[0].deadline


def _registered(runtime: Runtime, staff: Staff, matter_code: str = "SCJ-001", now=MONDAY):
    case = cases.register_case(runtime.uow, staff.clerk, matter_code=matter_code,
                               applicant=NATURAL_APPLICANT, now=now)
    return cases.record_materials(runtime.uow, staff.clerk, case.id, now=now,
                                  materials=[dict(m, received=True) for m in case.materials])


def _lists(runtime: Runtime, staff: Staff, now) -> dict[str, list[str]]:
    return {warning: [s.id for s in queries.list_cases(
        runtime.uow, staff.supervisor, queries.CaseFilter(warning=warning), now=now)]
        for warning in ("warned", "red", "yellow", "intake", "normal", "")}


def test_an_application_without_its_intake_decision_five_working_days_on_is_red(
        profile) -> None:
    """行政许可法 第三十二条: accept, refuse or give the one-time notice within five working
    days of the materials; past them 预警督办 lists the case (北票 第三十条: 电子监察 of
    受理、审查、决定和办理期限)."""
    runtime, staff = profile
    waiting = _registered(runtime, staff)  # Monday 2026-11-23: the last day is Monday 11-30
    catalog.save_matter(runtime.uow, staff.admin, business_matter(
        code="SCJ-002", name="个体工商户年报信息更正", matter_type=MatterType.CONFIRMATION))
    not_licensing = _registered(runtime, staff, "SCJ-002")
    last_day = MONDAY + timedelta(days=7)
    on_the_last_day = _lists(runtime, staff, last_day)
    assert waiting.id not in on_the_last_day["warned"] + on_the_last_day["intake"]
    assert waiting.id in on_the_last_day["normal"]

    day_after = last_day + timedelta(days=1)
    lists = _lists(runtime, staff, day_after)
    assert waiting.id in lists["warned"] and waiting.id in lists["red"]
    assert lists["intake"] == [waiting.id]
    assert waiting.id not in lists["yellow"] + lists["normal"]
    assert not_licensing.id in lists["normal"]
    for warning, ids in lists.items():  # every count says what its list holds
        assert queries.count_cases(runtime.uow, staff.supervisor,
                                   queries.CaseFilter(warning=warning), now=day_after) == len(ids)
    [line] = [s for s in queries.list_cases(runtime.uow, staff.supervisor,
                                            queries.CaseFilter(warning="intake"), now=day_after)]
    assert (line.warning, line.intake_overdue, line.intake_due) == ("red", True, date(2026, 11, 30))

    # Accepted late, the law dates it from the materials: no longer waiting, and its
    # deadline runs from Monday 11-23.
    cases.accept(runtime.uow, staff.clerk, waiting.id, now=day_after, seal=counter_seal(runtime))
    after = _lists(runtime, staff, day_after)
    assert after["intake"] == [] and waiting.id in after["red"]


def test_the_intake_decisions_last_day_follows_the_holiday_calendar(profile) -> None:
    runtime, staff = profile
    waiting = _registered(runtime, staff)
    # The county makes Friday 11-27 a day off: the last day moves to Tuesday 12-01.
    [y2026] = [y for y in calendar_admin.calendar_years(runtime.uow) if y.year == 2026]
    calendar_admin.publish_year(runtime.uow, staff.admin, replace(
        y2026, holidays=y2026.holidays | {date(2026, 11, 27)}), now=MONDAY)
    [line] = queries.list_cases(runtime.uow, staff.supervisor,
                                queries.CaseFilter(text=waiting.number), now=MONDAY)
    assert line.intake_due == date(2026, 12, 1)
    assert _lists(runtime, staff, MONDAY + timedelta(days=8))["intake"] == []
    assert _lists(runtime, staff, MONDAY + timedelta(days=9))["intake"] == [waiting.id]


def test_an_upgraded_profile_lists_the_applications_already_waiting(tmp_path: Path) -> None:
    """A profile from before the intake decision's day was kept (schema 0017): the
    cases waiting when it is upgraded get their day as it opens, none left out."""
    runtime, staff = make_profile(tmp_path / "profile")
    waiting = _registered(runtime, staff)
    runtime.close()
    database = sqlite3.connect(tmp_path / "profile" / DATABASE_NAME)
    database.executescript("DROP INDEX ix_cases_intake_due; ALTER TABLE cases DROP COLUMN "
                           "intake_due; UPDATE alembic_version SET version_num = '0017';")
    # And a row whose history is gone (a damaged profile): it must not stop the opening.
    columns = [row[1] for row in database.execute("PRAGMA table_info(cases)")]
    copied = ", ".join("'lost'" if c == "id" else "number || '-X'" if c == "number" else c
                       for c in columns)
    database.execute(f"INSERT INTO cases ({', '.join(columns)}) SELECT {copied} FROM cases")
    database.commit()
    database.close()
    upgraded = open_runtime(tmp_path / "profile", backups=False)
    try:
        day_after = MONDAY + timedelta(days=8)
        assert _lists(upgraded, staff, day_after)["intake"] == [waiting.id]
    finally:
        upgraded.close()
