"""AB岗 and 顶岗补位 (陕西 第十条、第二十二条): windows' A and B officers, recorded
absences, B working A's queue, and the events B writes saying whom B acted for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.errors import NotFound, PermissionDenied, ValidationError
from app.domain.roles import Role
from app.services import ab_posts, accounts, cases, queries, system
from app.services.runtime import Runtime
from tests.profile_fixtures import (
    MONDAY,
    NATURAL_APPLICANT,
    PASSWORD,
    Staff,
    counter_seal,
    make_profile,
)

TODAY = date(2026, 11, 23)  # MONDAY's local day


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    yield runtime, staff
    runtime.close()


def _backup_clerk(runtime: Runtime, staff: Staff):
    """孙受理: a clerk of another department at another window, B岗 of 3号窗口."""
    accounts.create_user(runtime.uow, staff.admin, username="clerk_zj", display_name="孙受理",
                         password=PASSWORD, roles=frozenset({Role.CLERK}),
                         department_code="ZJJ", window_name="5号窗口")
    return accounts.authenticate(runtime.uow, username="clerk_zj", password=PASSWORD)


@pytest.fixture
def posted(profile):
    """3号窗口: A 李受理 (SCJ), B 孙受理 (ZJJ)."""
    runtime, staff = profile
    backup = _backup_clerk(runtime, staff)
    ab_posts.set_window_post(runtime.uow, staff.admin, window_name="3号窗口",
                             a_staff_id=staff.clerk.id, b_staff_id=backup.id, now=MONDAY)
    return runtime, staff, backup


def _accepted_case(runtime: Runtime, staff: Staff):
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=MONDAY)
    cases.record_materials(runtime.uow, staff.clerk, case.id,
                           materials=[dict(m, received=True) for m in case.materials],
                           now=MONDAY)
    return cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime),
                        now=MONDAY)


def _absent(runtime: Runtime, staff: Staff, first: date = TODAY, last: date = TODAY) -> str:
    return ab_posts.record_absence(runtime.uow, staff.admin, staff_id=staff.clerk.id,
                                   first_day=first, last_day=last, kind="请假",
                                   reason="病假", now=MONDAY)


def _admin_audit(runtime: Runtime) -> list[dict]:
    with runtime.uow() as uow:
        bodies = [json.loads(r.body) for r in uow.audit.records()]
    return [b for b in bodies if b.get("kind") == "admin"]


# --- the posts --------------------------------------------------------------------


def test_the_administrator_names_a_windows_a_and_b_and_the_list_shows_them(posted) -> None:
    runtime, staff, backup = posted
    [line] = ab_posts.cover_list(runtime.uow, staff.admin, now=MONDAY).posts
    assert (line.window_name, line.a_staff_name, line.b_staff_name) == (
        "3号窗口", "李受理", "孙受理")
    assert not line.a_absent_today
    assert _admin_audit(runtime)[-1]["action"] == "window_post"


def test_a_and_b_must_be_two_different_people(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError, match="A岗和B岗不能是同一人"):
        ab_posts.set_window_post(runtime.uow, staff.admin, window_name="3号窗口",
                                 a_staff_id=staff.clerk.id, b_staff_id=staff.clerk.id)


def test_b_must_be_a_window_clerk_not_a_chief(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError, match="王首席不是窗口受理员"):
        ab_posts.set_window_post(runtime.uow, staff.admin, window_name="3号窗口",
                                 a_staff_id=staff.clerk.id, b_staff_id=staff.chief.id)


def test_a_disabled_clerk_cannot_be_named(profile) -> None:
    runtime, staff = profile
    accounts.set_user_active(runtime.uow, staff.admin, user_id=staff.clerk2.id, active=False,
                             reason="调离")
    with pytest.raises(NotFound, match="B岗人员不存在或已停用"):
        ab_posts.set_window_post(runtime.uow, staff.admin, window_name="3号窗口",
                                 a_staff_id=staff.clerk.id, b_staff_id=staff.clerk2.id)


def test_one_person_is_the_a_of_one_window_only(posted) -> None:
    runtime, staff, backup = posted
    with pytest.raises(ValidationError, match="李受理已是“3号窗口”的A岗"):
        ab_posts.set_window_post(runtime.uow, staff.admin, window_name="4号窗口",
                                 a_staff_id=staff.clerk.id, b_staff_id=staff.clerk2.id)


def test_a_window_needs_a_name_and_only_the_administrator_keeps_posts(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError, match="请填写窗口名称"):
        ab_posts.set_window_post(runtime.uow, staff.admin, window_name=" ",
                                 a_staff_id=staff.clerk.id, b_staff_id=staff.clerk2.id)
    with pytest.raises(PermissionDenied):
        ab_posts.set_window_post(runtime.uow, staff.clerk, window_name="3号窗口",
                                 a_staff_id=staff.clerk.id, b_staff_id=staff.clerk2.id)
    with runtime.uow() as uow:
        assert uow.users.window_posts() == []


def test_changing_b_replaces_the_post_and_removing_it_is_audited(posted) -> None:
    runtime, staff, backup = posted
    ab_posts.set_window_post(runtime.uow, staff.admin, window_name="3号窗口",
                             a_staff_id=staff.clerk.id, b_staff_id=staff.clerk2.id)
    [line] = ab_posts.cover_list(runtime.uow, staff.admin).posts
    assert line.b_staff_name == "周受理"
    ab_posts.clear_window_post(runtime.uow, staff.admin, window_name="3号窗口")
    assert ab_posts.cover_list(runtime.uow, staff.admin).posts == []
    assert _admin_audit(runtime)[-1]["action"] == "window_post_removed"


# --- absences ---------------------------------------------------------------------


def test_an_absence_is_recorded_with_who_when_why_and_by_whom(posted) -> None:
    runtime, staff, backup = posted
    _absent(runtime, staff, TODAY, TODAY + timedelta(days=2))
    [absence] = ab_posts.cover_list(runtime.uow, staff.admin, now=MONDAY).absences
    assert (absence.staff_name, absence.kind, absence.reason, absence.recorded_by_name,
            absence.period_text, absence.status) == (
        "李受理", "请假", "病假", "管理员", "2026-11-23至2026-11-25", "有效")
    [line] = ab_posts.cover_list(runtime.uow, staff.admin, now=MONDAY).posts
    assert line.a_absent_today and line.absence_text == "请假 11-23至11-25"
    record = _admin_audit(runtime)[-1]
    assert (record["action"], record["user"]) == ("absence_recorded", staff.clerk.id)


def test_the_departments_chief_may_record_an_absence_another_chief_may_not(posted) -> None:
    runtime, staff, backup = posted
    ab_posts.record_absence(runtime.uow, staff.chief, staff_id=staff.clerk.id,
                            first_day=TODAY, last_day=TODAY, kind="公出", now=MONDAY)
    with pytest.raises(PermissionDenied, match="本部门首席代表"):
        ab_posts.record_absence(runtime.uow, staff.other_chief, staff_id=staff.clerk.id,
                                first_day=TODAY + timedelta(days=3),
                                last_day=TODAY + timedelta(days=3), kind="公出", now=MONDAY)


def test_staff_record_their_own_absence_only_beforehand(posted) -> None:
    runtime, staff, backup = posted
    ab_posts.record_absence(runtime.uow, staff.clerk, staff_id=staff.clerk.id,
                            first_day=TODAY + timedelta(days=1),
                            last_day=TODAY + timedelta(days=1), kind="培训", now=MONDAY)
    with pytest.raises(PermissionDenied, match="本人只能事先登记"):
        ab_posts.record_absence(runtime.uow, staff.clerk, staff_id=staff.clerk.id,
                                first_day=TODAY - timedelta(days=1), last_day=TODAY,
                                kind="请假", now=MONDAY)
    with pytest.raises(PermissionDenied):
        ab_posts.record_absence(runtime.uow, staff.clerk2, staff_id=staff.clerk.id,
                                first_day=TODAY + timedelta(days=5),
                                last_day=TODAY + timedelta(days=5), kind="请假", now=MONDAY)


def test_absence_periods_are_checked(posted) -> None:
    runtime, staff, backup = posted
    with pytest.raises(ValidationError, match="结束日期不能早于开始日期"):
        _absent(runtime, staff, TODAY, TODAY - timedelta(days=1))
    with pytest.raises(ValidationError, match="不能超过180天"):
        _absent(runtime, staff, TODAY, TODAY + timedelta(days=180))
    with pytest.raises(ValidationError, match="请选择请假"):
        ab_posts.record_absence(runtime.uow, staff.admin, staff_id=staff.clerk.id,
                                first_day=TODAY, last_day=TODAY, kind="休息", now=MONDAY)
    with pytest.raises(ValidationError, match="请填写事由"):
        ab_posts.record_absence(runtime.uow, staff.admin, staff_id=staff.clerk.id,
                                first_day=TODAY, last_day=TODAY, kind="其他", now=MONDAY)
    _absent(runtime, staff, TODAY, TODAY + timedelta(days=2))
    with pytest.raises(ValidationError, match="时间不能重叠"):
        _absent(runtime, staff, TODAY + timedelta(days=2), TODAY + timedelta(days=4))


def test_an_absence_ends_early_and_its_plan_stays_on_record(posted) -> None:
    runtime, staff, backup = posted
    absence_id = _absent(runtime, staff, TODAY, TODAY + timedelta(days=4))
    tuesday = MONDAY + timedelta(days=1)
    with pytest.raises(ValidationError, match="须早于原定的2026-11-27"):
        ab_posts.end_absence_early(runtime.uow, staff.admin, absence_id=absence_id,
                                   last_day=TODAY + timedelta(days=4), now=tuesday)
    ab_posts.end_absence_early(runtime.uow, staff.admin, absence_id=absence_id,
                               last_day=TODAY, reason="提前返岗", now=tuesday)
    [absence] = ab_posts.cover_list(runtime.uow, staff.admin, now=tuesday).absences
    assert (absence.last_day, absence.planned_last_day, absence.status) == (
        TODAY, TODAY + timedelta(days=4), "提前结束")
    assert _admin_audit(runtime)[-1]["action"] == "absence_ended_early"


def test_an_absence_under_way_cannot_be_cancelled_one_not_begun_can(posted) -> None:
    runtime, staff, backup = posted
    under_way = _absent(runtime, staff, TODAY - timedelta(days=1), TODAY)
    with pytest.raises(ValidationError, match="已经开始，不能取消"):
        ab_posts.cancel_absence(runtime.uow, staff.admin, absence_id=under_way,
                                reason="录错", now=MONDAY)
    later = _absent(runtime, staff, TODAY + timedelta(days=7), TODAY + timedelta(days=7))
    with pytest.raises(ValidationError, match="请填写取消原因"):
        ab_posts.cancel_absence(runtime.uow, staff.admin, absence_id=later, reason="",
                                now=MONDAY)
    ab_posts.cancel_absence(runtime.uow, staff.admin, absence_id=later, reason="培训取消",
                            now=MONDAY)
    statuses = {a.id: a.status for a in ab_posts.cover_list(runtime.uow, staff.admin).absences}
    assert statuses == {under_way: "有效", later: "已取消"}  # cancelled, never deleted
    with pytest.raises(ValidationError, match="该记录已取消"):
        ab_posts.cancel_absence(runtime.uow, staff.admin, absence_id=later, reason="再次",
                                now=MONDAY)


# --- B works A's queue ------------------------------------------------------------


def test_without_an_absence_b_sees_only_their_own_departments_queue(posted) -> None:
    runtime, staff, backup = posted
    _accepted_case(runtime, staff)
    assert queries.review_queue(runtime.uow, backup, now=MONDAY) == []


def test_while_a_is_absent_b_sees_as_queue_marked_with_as_name(posted) -> None:
    runtime, staff, backup = posted
    case = _accepted_case(runtime, staff)
    _absent(runtime, staff)
    [line] = queries.review_queue(runtime.uow, backup, now=MONDAY)
    assert (line.id, line.acting_for_name) == (case.id, "李受理")
    # The next day A is back: the queue is B's own again.
    assert queries.review_queue(runtime.uow, backup, now=MONDAY + timedelta(days=1)) == []


def test_a_clerk_who_is_not_b_does_not_get_the_mark(posted) -> None:
    runtime, staff, backup = posted
    _accepted_case(runtime, staff)
    _absent(runtime, staff)
    [line] = queries.review_queue(runtime.uow, staff.clerk2, now=MONDAY)
    assert line.acting_for_name == ""


def test_no_posts_keeps_the_department_queue(profile) -> None:
    runtime, staff = profile
    case = _accepted_case(runtime, staff)
    [line] = queries.review_queue(runtime.uow, staff.clerk2, now=MONDAY)
    assert (line.id, line.acting_for_name) == (case.id, "")


def test_the_event_b_writes_for_absent_a_carries_acting_for(posted) -> None:
    runtime, staff, backup = posted
    case = _accepted_case(runtime, staff)
    _absent(runtime, staff)
    cases.review(runtime.uow, backup, case.id, conforms=True, opinion="材料齐全，符合条件。",
                 now=MONDAY)
    with runtime.uow() as uow:
        review = uow.events.for_case(case.id)[-1]
    assert review.actor_name == "孙受理"
    assert review.payload["acting_for"] == {"staff_id": staff.clerk.id, "staff_name": "李受理",
                                            "window_name": "3号窗口", "post": "A"}


def test_events_outside_the_absence_or_by_others_carry_no_mark(posted) -> None:
    runtime, staff, backup = posted
    case = _accepted_case(runtime, staff)  # A at work: no mark on A's own events
    _absent(runtime, staff, TODAY + timedelta(days=1), TODAY + timedelta(days=1))
    cases.review(runtime.uow, backup, case.id, conforms=True, opinion="符合条件。",
                 now=MONDAY)
    with runtime.uow() as uow:
        assert all("acting_for" not in e.payload for e in uow.events.for_case(case.id))


def test_the_audit_trail_says_b_acted_for_a_and_lists_it_under_a(posted) -> None:
    runtime, staff, backup = posted
    case = _accepted_case(runtime, staff)
    _absent(runtime, staff)
    cases.review(runtime.uow, backup, case.id, conforms=True, opinion="符合条件。",
                 now=MONDAY)
    trail = system.audit_trail(runtime.uow, staff.supervisor, person_id=staff.clerk.id)
    reviewed = [e for e in trail.entries if e.action == "reviewed"]
    assert [e.person_name for e in reviewed] == ["孙受理顶岗代李受理"]


# --- approval deputies in the same list ---------------------------------------------


def test_the_chiefs_deputy_appears_in_the_same_cover_list(posted) -> None:
    runtime, staff, backup = posted
    accounts.name_deputy(runtime.uow, staff.chief, deputy_id=staff.clerk2.id,
                         starts_at=MONDAY, ends_at=MONDAY + timedelta(days=2),
                         reason="外出培训", now=MONDAY)
    [deputy] = ab_posts.cover_list(runtime.uow, staff.admin, now=MONDAY).delegations
    # The department by its name, as the chief and the admin know it, not its code.
    assert (deputy.chief_name, deputy.deputy_name, deputy.department_name, deputy.current) == (
        "王首席", "周受理", "县市场监督管理局", True)


def test_the_month_counts_each_persons_covering_acts(posted) -> None:
    from app.services import statistics

    runtime, staff, backup = posted
    case = _accepted_case(runtime, staff)
    _absent(runtime, staff)
    cases.review(runtime.uow, backup, case.id, conforms=True, opinion="符合条件。",
                 now=MONDAY)
    month = statistics.monthly_assessment(runtime.uow, staff.admin, year=2026, month=11,
                                          now=MONDAY + timedelta(days=10))
    people = {row.label: row.covered_acts for row in month.by_person}
    assert people.get("孙受理") == 1 and people.get("李受理", 0) == 0
    windows = {row.label: row.covered_acts for row in month.by_window}
    assert windows["3号窗口"] == 1
    assert month.total.covered_acts == 1
    assert statistics.table_rows([month.total])[0][-1] == 1


def test_a_station_that_pulls_the_staff_records_gets_the_post_and_absence(
    posted, tmp_path: Path,
) -> None:
    """The records in any order (B's may come before A's): the post waits for both."""
    from app.services.runtime import open_runtime
    from app.sync import local
    from app.sync.protocol import ReferenceKind

    runtime, staff, backup = posted
    _absent(runtime, staff)
    with runtime.uow() as uow:
        items = local.local_reference(uow, station_code="XC01", kinds=[
            ReferenceKind.DEPARTMENT, ReferenceKind.STAFF])
    items = [i for i in items if i.key != staff.admin.id]
    items.sort(key=lambda i: i.key != backup.id)  # B first
    other = open_runtime(tmp_path / "restored", backups=False)
    try:
        admin = accounts.create_first_administrator(
            other.uow, username="admin2", display_name="管理员", password=PASSWORD,
            station_code="XC01", station_name="城关镇便民服务站")
        with other.uow() as uow:
            applied = local.apply_reference(uow, items, station_code="XC01")
            uow.commit()
        assert applied.skipped == []
        listed = ab_posts.cover_list(other.uow, admin, now=MONDAY)
        assert [(p.window_name, p.a_staff_name, p.b_staff_name, p.a_absent_today)
                for p in listed.posts] == [("3号窗口", "李受理", "孙受理", True)]
        assert [(a.staff_name, a.kind) for a in listed.absences] == [("李受理", "请假")]
    finally:
        other.close()
