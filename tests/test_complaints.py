"""Complaints (投诉) through the services on a real profile: the rules a complaint desk meets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from app.domain.complaint import ComplaintState
from app.domain.errors import PermissionDenied, TransitionError, ValidationError
from app.services import complaints
from app.services.recording import rebuild_projection
from app.services.runtime import Runtime
from app.services.system import verify_audit
from tests.profile_fixtures import MONDAY, Staff, make_profile

NAMED = {"name": "孙投诉", "phone": "13900139000"}


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    yield runtime, staff
    runtime.close()


def _register(runtime: Runtime, staff: Staff, **overrides):
    values = dict(channel="complaint_window", complainant=NAMED,
                  content="3号窗口工作人员态度生硬，材料说明前后不一。",
                  staff_id=staff.clerk.id, now=MONDAY)
    values.update(overrides)
    return complaints.register_complaint(runtime.uow, staff.supervisor, **values)


def test_complaint_gets_number_and_answer_due_in_working_days(profile) -> None:
    runtime, staff = profile
    complaint = _register(runtime, staff)
    assert complaint.number == "TS-XC01-2026-0001"
    assert complaint.staff_name == "李受理"
    assert complaint.window_name == "3号窗口"
    # Monday 2026-11-23 + 5 working days = Monday 2026-11-30.
    assert complaint.answer_due == date(2026, 11, 30)
    assert complaint.state is ComplaintState.REGISTERED


def test_answer_deadline_follows_the_administrators_setting(profile) -> None:
    runtime, staff = profile
    complaints.set_answer_working_days(runtime.uow, staff.admin, 2)
    assert _register(runtime, staff).answer_due == date(2026, 11, 25)


def test_a_complaint_names_a_window_person_or_case(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError) as error:
        _register(runtime, staff, staff_id="")
    assert error.value.code == "complaint.no_subject"
    with runtime.uow() as uow:
        assert uow.events.count() == 0


def test_a_named_complaint_needs_the_complainants_phone(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError) as error:
        _register(runtime, staff, complainant={"name": "孙投诉"})
    assert error.value.field == "phone"


def test_clerks_cannot_register_complaints(profile) -> None:
    runtime, staff = profile
    with pytest.raises(PermissionDenied):
        complaints.register_complaint(runtime.uow, staff.clerk2, channel="phone",
                                      complainant=NAMED, content="x", window_name="3号窗口")


def test_whole_flow_assign_investigate_answer_reply(profile) -> None:
    runtime, staff = profile
    complaint = _register(runtime, staff)
    complaint = complaints.assign_complaint(runtime.uow, staff.supervisor, complaint.id,
                                            assignee_id=staff.chief.id, instructions="请核实",
                                            now=MONDAY + timedelta(hours=1))
    assert complaint.state is ComplaintState.ASSIGNED
    complaint = complaints.investigate_complaint(
        runtime.uow, staff.chief, complaint.id, finding="substantiated",
        facts="调取录像，确有态度生硬。", measures="批评教育，窗口整改。",
        now=MONDAY + timedelta(days=1))
    complaint = complaints.answer_complaint(runtime.uow, staff.supervisor, complaint.id,
                                            method="phone", text="经核实属实，已责令整改。",
                                            now=MONDAY + timedelta(days=2))
    assert complaint.state is ComplaintState.ANSWERED
    assert complaint.answered_on_time is True
    complaint = complaints.record_reply(runtime.uow, staff.supervisor, complaint.id,
                                        opinion="satisfied", now=MONDAY + timedelta(days=2))
    listing = complaints.list_complaints(runtime.uow, staff.supervisor)[0]
    assert (listing.finding, listing.on_time, listing.complainant) == (
        "substantiated", True, "孙投诉")
    assert verify_audit(runtime.uow)[1] is None


def test_only_the_assignee_or_the_desk_records_the_finding(profile) -> None:
    runtime, staff = profile
    complaint = _register(runtime, staff, staff_id="", window_name="3号窗口")
    complaints.assign_complaint(runtime.uow, staff.supervisor, complaint.id,
                                assignee_id=staff.chief.id, now=MONDAY)
    with pytest.raises(PermissionDenied) as error:
        complaints.investigate_complaint(runtime.uow, staff.other_chief, complaint.id,
                                         finding="unsubstantiated", facts="无", now=MONDAY)
    assert error.value.code == "complaint.not_assignee"


def test_the_person_complained_about_never_investigates_it(profile) -> None:
    runtime, staff = profile
    complaint = _register(runtime, staff)
    with pytest.raises(ValidationError) as error:
        complaints.assign_complaint(runtime.uow, staff.supervisor, complaint.id,
                                    assignee_id=staff.clerk.id, now=MONDAY)
    assert error.value.code == "complaint.own"


def test_named_complaint_cannot_be_closed_without_an_answer(profile) -> None:
    runtime, staff = profile
    complaint = _register(runtime, staff)
    complaints.assign_complaint(runtime.uow, staff.supervisor, complaint.id,
                                assignee_id=staff.chief.id, now=MONDAY)
    complaints.investigate_complaint(runtime.uow, staff.chief, complaint.id,
                                     finding="unsubstantiated", facts="查无此事", now=MONDAY)
    with pytest.raises(TransitionError) as error:
        complaints.close_anonymous(runtime.uow, staff.supervisor, complaint.id,
                                   remarks="不答复", now=MONDAY)
    assert error.value.code == "complaint.named_needs_answer"


def test_anonymous_complaint_is_closed_and_never_answered(profile) -> None:
    runtime, staff = profile
    complaint = _register(runtime, staff, channel="suggestion_box",
                          complainant={"anonymous": True, "name": "不应保存"})
    assert complaint.complainant == {"anonymous": True}
    complaints.assign_complaint(runtime.uow, staff.supervisor, complaint.id,
                                assignee_id=staff.chief.id, now=MONDAY)
    complaints.investigate_complaint(runtime.uow, staff.supervisor, complaint.id,
                                     finding="partly_substantiated", facts="部分属实",
                                     now=MONDAY)
    with pytest.raises(TransitionError):
        complaints.answer_complaint(runtime.uow, staff.supervisor, complaint.id,
                                    method="phone", text="x", now=MONDAY)
    closed = complaints.close_anonymous(runtime.uow, staff.supervisor, complaint.id,
                                        remarks="匿名投诉，已在窗口内部通报整改", now=MONDAY)
    assert closed.state is ComplaintState.CLOSED
    assert complaints.list_complaints(runtime.uow, staff.supervisor)[0].complainant == "匿名"


def test_open_complaint_past_its_due_day_is_overdue(profile) -> None:
    runtime, staff = profile
    _register(runtime, staff)
    listed = complaints.list_complaints(runtime.uow, staff.supervisor,
                                        now=MONDAY + timedelta(days=8))
    assert listed[0].overdue


def test_late_answer_is_not_on_time(profile) -> None:
    runtime, staff = profile
    complaint = _register(runtime, staff)
    complaints.assign_complaint(runtime.uow, staff.supervisor, complaint.id,
                                assignee_id=staff.chief.id, now=MONDAY)
    complaints.investigate_complaint(runtime.uow, staff.chief, complaint.id,
                                     finding="unsubstantiated", facts="查无此事",
                                     now=MONDAY + timedelta(days=9))
    late = complaints.answer_complaint(runtime.uow, staff.supervisor, complaint.id,
                                       method="letter", text="经核实不属实。",
                                       now=MONDAY + timedelta(days=9))
    assert late.answered_on_time is False


def test_complaints_survive_a_projection_rebuild(profile) -> None:
    runtime, staff = profile
    _register(runtime, staff)
    with runtime.uow() as uow:
        rebuild_projection(uow)
        uow.commit()
    assert [c.number for c in complaints.list_complaints(runtime.uow, staff.supervisor)] == [
        "TS-XC01-2026-0001"]


def test_complaint_details_are_for_the_desk_and_the_assignee(profile) -> None:
    runtime, staff = profile
    complaint = _register(runtime, staff)
    with pytest.raises(PermissionDenied):
        complaints.get_complaint(runtime.uow, staff.chief, complaint.id)
    complaints.assign_complaint(runtime.uow, staff.supervisor, complaint.id,
                                assignee_id=staff.chief.id, now=MONDAY)
    assert complaints.get_complaint(runtime.uow, staff.chief, complaint.id).complainant[
        "phone"] == "13900139000"
    assert [c.id for c in complaints.list_complaints(runtime.uow, staff.chief)] == [complaint.id]
    assert complaints.list_complaints(runtime.uow, staff.other_chief) == []
