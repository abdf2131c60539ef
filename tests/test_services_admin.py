"""Accounts, catalog and calendar administration through the services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.calendar import CalendarSource, YearCalendar, year_from_chinesecalendar
from app.domain.errors import AuthenticationError, PermissionDenied, ValidationError
from app.services import accounts, calendar_admin, cases, catalog, queries
from app.services.runtime import Runtime
from tests.profile_fixtures import (
    MONDAY,
    NATURAL_APPLICANT,
    PASSWORD,
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


def test_wrong_passwords_are_counted_and_lock_the_account(profile) -> None:
    runtime, _ = profile
    messages = []
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError) as err:
            accounts.authenticate(runtime.uow, username="clerk", password="nope-nope1",
                                  now=MONDAY)
        messages.append(err.value.message)
    assert "还可尝试4次" in messages[0]
    assert "锁定" in messages[-1]
    with pytest.raises(AuthenticationError) as err:
        accounts.authenticate(runtime.uow, username="clerk", password=PASSWORD, now=MONDAY)
    assert err.value.code == "locked"
    later = MONDAY + accounts.LOCKOUT + timedelta(seconds=1)
    assert accounts.authenticate(runtime.uow, username="clerk", password=PASSWORD,
                                 now=later).username == "clerk"


def _login_answers(runtime, username: str, tries: int) -> list[tuple[str, str]]:
    answers = []
    for _ in range(tries):
        with pytest.raises(AuthenticationError) as err:
            accounts.authenticate(runtime.uow, username=username, password="nope-nope1",
                                  now=MONDAY)
        answers.append((err.value.code, err.value.message))
    return answers


def test_an_unknown_user_name_gets_every_answer_a_real_one_gets(profile) -> None:
    # The login screen must not tell whether a user name exists: the same messages, the
    # same count of tries left, the same lock-out, for "clerk" and for "ghost".
    runtime, _ = profile
    tries = accounts.MAX_FAILED_ATTEMPTS + 1
    assert _login_answers(runtime, "ghost", tries) == _login_answers(runtime, "clerk", tries)


def test_an_unknown_user_name_costs_a_password_check(profile, monkeypatch) -> None:
    runtime, _ = profile
    checked = []
    real = accounts.verify_password
    monkeypatch.setattr(accounts, "verify_password",
                        lambda hashed, password: checked.append(password) or real(hashed, password))
    with pytest.raises(AuthenticationError):
        accounts.authenticate(runtime.uow, username="ghost", password="guess-1234")
    assert checked == ["guess-1234"]  # no quicker answer that would give the name away


def test_first_start_happens_once(profile) -> None:
    runtime, _ = profile
    assert not accounts.needs_first_start(runtime.uow)
    with pytest.raises(PermissionDenied):
        accounts.create_first_administrator(
            runtime.uow, username="admin2", display_name="二", password=PASSWORD,
            station_code="XC02", station_name="另一个站",
        )


def test_weak_password_is_refused(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError) as err:
        accounts.create_user(runtime.uow, staff.admin, username="weak", display_name="弱",
                             password="12345678", roles=frozenset(staff.clerk.roles))
    assert err.value.field == "password"


def test_clerk_cannot_manage_staff(profile) -> None:
    runtime, staff = profile
    with pytest.raises(PermissionDenied):
        accounts.create_user(runtime.uow, staff.clerk, username="x", display_name="x",
                             password=PASSWORD, roles=frozenset(staff.clerk.roles))


def test_matter_is_found_by_pinyin_initials_and_by_name(profile) -> None:
    runtime, _ = profile
    assert [m.name for m in catalog.search_matters(runtime.uow, "gsdj")] == ["个体工商户登记"]
    assert [m.name for m in catalog.search_matters(runtime.uow, "gtgsh")] == ["个体工商户登记"]
    assert [m.name for m in catalog.search_matters(runtime.uow, "工商户")] == ["个体工商户登记"]
    assert catalog.search_matters(runtime.uow, "xyz") == []


def test_promised_limit_longer_than_statutory_is_refused(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError) as err:
        catalog.save_matter(runtime.uow, staff.admin,
                            business_matter(promised_working_days=30))
    assert err.value.field == "promised_working_days"


def test_changing_a_matter_raises_its_version_and_keeps_case_snapshots(profile) -> None:
    runtime, staff = profile
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=MONDAY)
    catalog.save_matter(runtime.uow, staff.admin, business_matter(promised_working_days=5))
    assert catalog.get_matter(runtime.uow, "SCJ-001").version == 2
    assert cases.get_case(runtime.uow, case.id).matter.promised_working_days == 3


def test_deadline_into_an_unpublished_year_is_provisional_until_published(profile) -> None:
    runtime, staff = profile
    catalog.save_matter(runtime.uow, staff.admin,
                        business_matter(statutory_working_days=60, promised_working_days=40))
    december = MONDAY + timedelta(days=10)
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=december)
    cases.record_materials(runtime.uow, staff.clerk, case.id, now=december,
                           materials=[dict(m, received=True) for m in case.materials])
    cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=december)
    [before] = queries.list_cases(runtime.uow, staff.supervisor, now=december)
    assert before.deadline.year == 2027
    assert before.deadline_provisional
    # The State Council publishes 2027 (here: New Year's Day only, no 调休).
    published = YearCalendar(year=2027, holidays=frozenset({date(2027, 1, 1)}),
                             adjusted_workdays=frozenset(), source=CalendarSource.ADMIN,
                             published=True)
    count = calendar_admin.publish_year(runtime.uow, staff.admin, published, now=december)
    assert count == 1
    [after] = queries.list_cases(runtime.uow, staff.supervisor, now=december)
    assert not after.deadline_provisional


def test_only_administrators_publish_calendars(profile) -> None:
    runtime, staff = profile
    with pytest.raises(PermissionDenied):
        calendar_admin.publish_year(runtime.uow, staff.clerk, year_from_chinesecalendar(2026))


def test_disabled_matter_is_hidden_from_search_but_listed_for_administrators(profile) -> None:
    runtime, staff = profile
    catalog.save_matter(runtime.uow, staff.admin, business_matter(active=False))
    assert catalog.search_matters(runtime.uow, "个体") == []
    assert [m.code for m in catalog.list_matters(runtime.uow, include_inactive=True)] == [
        "SCJ-001"]
