"""电子监察: the audit trail by person, case and time; warned (yellow or red) cases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.errors import NotFound, PermissionDenied, ValidationError
from app.services import accounts, cases, queries, system
from app.services.runtime import Runtime
from tests.profile_fixtures import MONDAY, NATURAL_APPLICANT, Staff, counter_seal, make_profile


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
