"""差评 follow-up: every 不满意 / 非常不满意 opens a call-back, rectification where it stands,
and an appeal a supervisor decides."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.errors import PermissionDenied, TransitionError, ValidationError
from app.services import cases, evaluations, statistics
from app.services.runtime import Runtime
from tests.profile_fixtures import MONDAY, NATURAL_APPLICANT, Staff, make_profile


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    yield runtime, staff
    runtime.close()


def _rated(runtime: Runtime, staff: Staff, rating: str = "unsatisfied"):
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=MONDAY)
    return cases.record_evaluation(runtime.uow, staff.clerk, case.id, rating=rating,
                                   channel="rating_device", comment="等了很久", now=MONDAY)


def test_one_evaluation_per_case(profile) -> None:
    runtime, staff = profile
    case = _rated(runtime, staff, "satisfied")
    with pytest.raises(TransitionError) as error:
        cases.record_evaluation(runtime.uow, staff.clerk, case.id, rating="very_unsatisfied",
                                channel="qr_code", now=MONDAY)
    assert error.value.code == "already_evaluated"


def test_bad_rating_opens_a_follow_up_due_in_working_days(profile) -> None:
    runtime, staff = profile
    _rated(runtime, staff, "satisfied")
    bad = _rated(runtime, staff, "very_unsatisfied")
    listed = evaluations.follow_up_list(runtime.uow, staff.supervisor, now=MONDAY)
    assert [i.case_id for i in listed] == [bad.id]
    assert listed[0].follow_up_due == date(2026, 11, 26)
    assert not listed[0].done
    overdue = evaluations.follow_up_list(runtime.uow, staff.supervisor,
                                         now=MONDAY + timedelta(days=4))
    assert overdue[0].overdue


def test_good_rating_has_nothing_to_follow_up(profile) -> None:
    runtime, staff = profile
    case = _rated(runtime, staff, "basically_satisfied")
    with pytest.raises(TransitionError) as error:
        evaluations.record_follow_up(runtime.uow, staff.supervisor, case.id, method="phone",
                                     complaint_stands=False, result="x", now=MONDAY)
    assert error.value.code == "evaluation.not_bad"


def test_call_back_then_rectification_with_deadline_and_result(profile) -> None:
    runtime, staff = profile
    case = _rated(runtime, staff)
    evaluations.record_follow_up(runtime.uow, staff.supervisor, case.id, method="phone",
                                 complaint_stands=True, result="申请人反映排队时间过长，属实",
                                 now=MONDAY + timedelta(days=1))
    evaluations.order_rectification(runtime.uow, staff.supervisor, case.id,
                                    measures="高峰时段增开窗口", responsible="王首席",
                                    due=date(2026, 12, 4), now=MONDAY + timedelta(days=1))
    item = evaluations.follow_up_list(runtime.uow, staff.supervisor, now=MONDAY)[0]
    assert item.followed_up_on_time and not item.done
    case = evaluations.record_rectification(runtime.uow, staff.chief, case.id,
                                            result="已增开2号、5号窗口", now=MONDAY + timedelta(days=3))
    item = evaluations.follow_up_list(runtime.uow, staff.supervisor, now=MONDAY)[0]
    assert item.done and item.rectified
    assert evaluations.rectified_on_time(case) is True
    assert evaluations.follow_up_list(runtime.uow, staff.supervisor, open_only=True) == []


def test_rectification_only_where_the_complaint_stands(profile) -> None:
    runtime, staff = profile
    case = _rated(runtime, staff)
    evaluations.record_follow_up(runtime.uow, staff.supervisor, case.id, method="visit",
                                 complaint_stands=False, result="系误解，已解释", now=MONDAY)
    with pytest.raises(TransitionError):
        evaluations.order_rectification(runtime.uow, staff.supervisor, case.id, measures="x",
                                        responsible="y", due=date(2026, 12, 4), now=MONDAY)
    assert evaluations.follow_up_list(runtime.uow, staff.supervisor)[0].done


def test_rectification_deadline_cannot_be_in_the_past(profile) -> None:
    runtime, staff = profile
    case = _rated(runtime, staff)
    evaluations.record_follow_up(runtime.uow, staff.supervisor, case.id, method="phone",
                                 complaint_stands=True, result="属实", now=MONDAY)
    with pytest.raises(ValidationError) as error:
        evaluations.order_rectification(runtime.uow, staff.supervisor, case.id, measures="x",
                                        responsible="y", due=date(2026, 11, 20), now=MONDAY)
    assert error.value.field == "due"


def test_clerks_do_not_call_back_their_own_bad_ratings(profile) -> None:
    runtime, staff = profile
    case = _rated(runtime, staff)
    with pytest.raises(PermissionDenied):
        evaluations.record_follow_up(runtime.uow, staff.clerk, case.id, method="phone",
                                     complaint_stands=False, result="x", now=MONDAY)


def test_upheld_appeal_takes_the_rating_out_of_the_assessment(profile) -> None:
    runtime, staff = profile
    case = _rated(runtime, staff, "very_unsatisfied")
    before = statistics.monthly_assessment(runtime.uow, staff.supervisor, year=2026, month=11,
                                           now=MONDAY + timedelta(days=2))
    assert before.total.unsatisfied == 1
    evaluations.appeal(runtime.uow, staff.chief, case.id, reason_code="mistaken",
                       reason="申请人评价的是隔壁窗口的办件", now=MONDAY)
    with pytest.raises(PermissionDenied):  # the appellant's own role cannot decide
        evaluations.decide_appeal(runtime.uow, staff.chief, case.id, upheld=True,
                                  opinion="同意", now=MONDAY)
    with pytest.raises(PermissionDenied):  # the clerk of the window cannot appeal
        evaluations.appeal(runtime.uow, staff.clerk, case.id, reason_code="mistaken",
                           reason="x", now=MONDAY)
    evaluations.decide_appeal(runtime.uow, staff.supervisor, case.id, upheld=True,
                              opinion="经调取评价器记录，确属误评", now=MONDAY)
    after = statistics.monthly_assessment(runtime.uow, staff.supervisor, year=2026, month=11,
                                          now=MONDAY + timedelta(days=2))
    assert after.total.unsatisfied == 0
    assert after.total.appeals_upheld == 1
    item = evaluations.follow_up_list(runtime.uow, staff.supervisor)[0]
    assert item.appeal_state == "成立" and item.done
    with pytest.raises(TransitionError):
        evaluations.record_follow_up(runtime.uow, staff.supervisor, case.id, method="phone",
                                     complaint_stands=True, result="x", now=MONDAY)


def test_rejected_appeal_keeps_the_follow_up_open(profile) -> None:
    runtime, staff = profile
    case = _rated(runtime, staff)
    evaluations.appeal(runtime.uow, staff.chief, case.id, reason_code="malicious",
                       reason="申请人威胁给差评", now=MONDAY)
    with pytest.raises(TransitionError):
        evaluations.appeal(runtime.uow, staff.chief, case.id, reason_code="malicious",
                           reason="再次申诉", now=MONDAY)
    evaluations.decide_appeal(runtime.uow, staff.supervisor, case.id, upheld=False,
                              opinion="无证据", now=MONDAY)
    item = evaluations.follow_up_list(runtime.uow, staff.supervisor)[0]
    assert item.appeal_state == "不成立" and not item.done


def test_assessment_counts_follow_ups_rectifications_and_complaints(profile) -> None:
    from app.services import complaints

    runtime, staff = profile
    case = _rated(runtime, staff)
    evaluations.record_follow_up(runtime.uow, staff.supervisor, case.id, method="phone",
                                 complaint_stands=True, result="属实", now=MONDAY)
    evaluations.order_rectification(runtime.uow, staff.supervisor, case.id, measures="整改",
                                    responsible="王首席", due=date(2026, 11, 27), now=MONDAY)
    evaluations.record_rectification(runtime.uow, staff.chief, case.id, result="已整改",
                                     now=MONDAY + timedelta(days=1))
    complaint = complaints.register_complaint(
        runtime.uow, staff.supervisor, channel="phone", complainant={"name": "孙", "phone": "1"},
        content="推诿", staff_id=staff.clerk.id, now=MONDAY)
    complaints.assign_complaint(runtime.uow, staff.supervisor, complaint.id,
                                assignee_id=staff.chief.id, now=MONDAY)
    complaints.investigate_complaint(runtime.uow, staff.chief, complaint.id,
                                     finding="substantiated", facts="属实", now=MONDAY)
    assessment = statistics.monthly_assessment(runtime.uow, staff.supervisor, year=2026,
                                               month=11, now=MONDAY + timedelta(days=2))
    person = next(r for r in assessment.by_person if r.label == "李受理")
    assert (person.bad_ratings, person.followed_up_on_time, person.rectified) == (1, 1, 1)
    assert (person.complaints, person.complaints_substantiated) == (1, 1)
    window = next(r for r in assessment.by_window if r.label == "3号窗口")
    assert window.complaints == 1
    assert assessment.total.complaints == 1
