"""Use cases through the services on a real SQLite profile."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.domain.case import CaseState
from app.domain.errors import PermissionDenied, TransitionError, ValidationError
from app.services import cases, queries
from app.services.recording import rebuild_projection
from app.services.runtime import Runtime
from app.services.system import verify_audit
from tests.profile_fixtures import MONDAY, NATURAL_APPLICANT, Staff, counter_seal, make_profile


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    yield runtime, staff
    runtime.close()


def _all_received(case_materials: list[dict]) -> list[dict]:
    return [dict(m, received=True) for m in case_materials]


def _registered(runtime: Runtime, staff: Staff, now=MONDAY):
    return cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=now)


def test_register_gives_station_date_sequence_numbers(profile) -> None:
    runtime, staff = profile
    first = _registered(runtime, staff)
    second = _registered(runtime, staff)
    assert first.number == "XC01-20261123-0001"
    assert second.number == "XC01-20261123-0002"
    assert first.first_responder_name == "李受理"


def test_invalid_id_number_is_refused_and_nothing_is_written(profile) -> None:
    runtime, staff = profile
    bad = dict(NATURAL_APPLICANT, id_number="110105194912310021")
    with pytest.raises(ValidationError) as err:
        cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001", applicant=bad,
                            now=MONDAY)
    assert err.value.field == "id_number"
    assert queries.count_cases(runtime.uow, staff.supervisor) == 0
    with runtime.uow() as uow:
        assert uow.events.count() == 0


def test_accept_with_missing_materials_is_refused_naming_them(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff)
    with pytest.raises(ValidationError) as err:
        cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=MONDAY)
    assert "经营场所使用证明" in err.value.message


def test_one_time_notice_then_supplement_then_accept(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff)
    received = [dict(m, received=m["code"] != "C") for m in case.materials]
    case = cases.record_materials(runtime.uow, staff.clerk, case.id, materials=received, now=MONDAY)
    missing = cases.missing_materials(case)
    assert [m["name"] for m in missing] == ["经营场所使用证明"]
    case = cases.issue_one_time_notice(runtime.uow, staff.clerk, case.id, missing=missing,
                                       seal=counter_seal(runtime), now=MONDAY)
    assert case.state is CaseState.AWAITING_SUPPLEMENT
    case = cases.supplement(runtime.uow, staff.clerk, case.id, received=["经营场所使用证明"],
                            now=MONDAY + timedelta(days=1))
    case = cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime),
                        now=MONDAY + timedelta(days=1))
    assert case.state is CaseState.ACCEPTED


def _accepted(runtime: Runtime, staff: Staff, now=MONDAY):
    case = _registered(runtime, staff, now)
    cases.record_materials(runtime.uow, staff.clerk, case.id,
                           materials=_all_received(case.materials), now=now)
    return cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=now)


def test_deadline_counts_working_days_from_the_day_after_acceptance(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)  # Monday 2026-11-23, 3 working days
    [summary] = queries.list_cases(runtime.uow, staff.supervisor, now=MONDAY)
    assert summary.number == case.number
    assert summary.deadline.isoformat() == "2026-11-26"
    assert summary.deadline_provisional is False


def test_clerk_cannot_approve_and_reviewer_cannot_approve(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合条件", now=MONDAY)
    with pytest.raises(PermissionDenied):
        cases.approve(runtime.uow, staff.clerk2, case.id, opinion="同意", now=MONDAY)
    with pytest.raises(PermissionDenied):
        cases.approve(runtime.uow, staff.other_chief, case.id, opinion="同意", now=MONDAY)
    case = cases.approve(runtime.uow, staff.chief, case.id, opinion="同意", now=MONDAY)
    assert case.state is CaseState.APPROVED


def test_supervisor_cannot_register(profile) -> None:
    runtime, staff = profile
    with pytest.raises(PermissionDenied):
        cases.register_case(runtime.uow, staff.supervisor, matter_code="SCJ-001",
                            applicant=NATURAL_APPLICANT, now=MONDAY)


def test_illegal_transition_writes_nothing(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    with runtime.uow() as uow:
        before = (uow.events.count(), uow.audit.count(), uow.events.outbox_count())
    with pytest.raises(TransitionError):
        cases.deliver(runtime.uow, staff.clerk, case.id, method="窗口领取",
                      seal=counter_seal(runtime), now=MONDAY)
    with runtime.uow() as uow:
        assert (uow.events.count(), uow.audit.count(), uow.events.outbox_count()) == before


def test_every_event_is_in_the_outbox_and_the_audit_chain(profile) -> None:
    runtime, staff = profile
    _accepted(runtime, staff)  # registered, materials, accepted, the notice sealed
    with runtime.uow() as uow:
        assert uow.events.count() == 4
        assert uow.events.outbox_count() == 4
    checked, broken = verify_audit(runtime.uow)
    assert broken is None and checked >= 4


def test_editing_an_audit_record_below_the_program_is_refused(profile) -> None:
    runtime, staff = profile
    _accepted(runtime, staff)
    with runtime.engine.connect() as connection, pytest.raises(Exception, match="append-only"):
        connection.execute(text("UPDATE audit_log SET body = 'x' WHERE sequence = 1"))


def test_projection_rebuilt_from_events_is_identical(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合", now=MONDAY)
    before = queries.list_cases(runtime.uow, staff.supervisor, now=MONDAY)
    with runtime.uow() as uow:
        assert rebuild_projection(uow, now=MONDAY) == 1
        uow.commit()
    assert queries.list_cases(runtime.uow, staff.supervisor, now=MONDAY) == before


def test_case_list_masks_id_numbers(profile) -> None:
    runtime, staff = profile
    _registered(runtime, staff)
    [summary] = queries.list_cases(runtime.uow, staff.supervisor, now=MONDAY)
    assert summary.applicant_id_masked == "110105********002X"


def test_search_by_phone_and_by_name(profile) -> None:
    runtime, staff = profile
    _registered(runtime, staff)
    by_phone = queries.CaseFilter(text="13800138000")
    assert queries.count_cases(runtime.uow, staff.supervisor, by_phone) == 1
    assert queries.count_cases(runtime.uow, staff.supervisor, queries.CaseFilter(text="张")) == 1
    assert queries.count_cases(runtime.uow, staff.supervisor, queries.CaseFilter(text="李")) == 0


def test_overdue_case_is_red_and_near_deadline_is_yellow(profile) -> None:
    runtime, staff = profile
    _accepted(runtime, staff)  # due Thursday 2026-11-26
    red = queries.CaseFilter(warning="red")
    yellow = queries.CaseFilter(warning="yellow")
    wednesday = MONDAY + timedelta(days=2)
    friday = MONDAY + timedelta(days=4)
    assert queries.count_cases(runtime.uow, staff.supervisor, yellow, now=MONDAY) == 0
    assert queries.count_cases(runtime.uow, staff.supervisor, yellow, now=wednesday) == 1
    assert queries.count_cases(runtime.uow, staff.supervisor, red, now=friday) == 1
    [summary] = queries.list_cases(runtime.uow, staff.supervisor, now=friday)
    assert summary.warning == "red"


def test_approval_queue_shows_only_the_chiefs_department(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合", now=MONDAY)
    assert [s.number for s in queries.approval_queue(runtime.uow, staff.chief)] == [case.number]
    assert queries.approval_queue(runtime.uow, staff.other_chief) == []


def test_search_by_case_number_prefix_and_matter_name(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff)
    supervisor = staff.supervisor
    assert queries.count_cases(runtime.uow, supervisor, queries.CaseFilter(text="xc01-2026")) == 1
    assert queries.count_cases(runtime.uow, supervisor, queries.CaseFilter(text="工商户")) == 1
    assert queries.case_summary(runtime.uow, supervisor, case.id).number == case.number


def test_review_queue_is_the_clerks_department(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    assert [s.id for s in queries.review_queue(runtime.uow, staff.clerk)] == [case.id]


def test_joint_case_waits_in_the_other_departments_countersign_queue(profile) -> None:
    from app.domain.catalog import CaseType
    from app.services import catalog
    from tests.profile_fixtures import business_matter

    runtime, staff = profile
    catalog.save_matter(runtime.uow, staff.admin, business_matter(
        code="SCJ-009", name="联办示例", case_type=CaseType.JOINT, joint_departments=("ZJJ",)))
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-009",
                               applicant=NATURAL_APPLICANT, now=MONDAY)
    cases.record_materials(runtime.uow, staff.clerk, case.id, now=MONDAY,
                           materials=_all_received(case.materials))
    cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=MONDAY)
    cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合", now=MONDAY)
    assert [s.id for s in queries.countersign_queue(runtime.uow, staff.other_chief)] == [case.id]
    assert queries.countersign_queue(runtime.uow, staff.chief) == []
    cases.countersign(runtime.uow, staff.other_chief, case.id, department_code="ZJJ",
                      agree=True, opinion="同意", now=MONDAY)
    assert queries.countersign_queue(runtime.uow, staff.other_chief) == []
    assert cases.approve(runtime.uow, staff.chief, case.id, opinion="同意",
                         now=MONDAY).state.value == "approved"


def test_a_deputy_whose_delegation_ended_cannot_approve_with_a_stale_login(profile) -> None:
    from app.services import accounts

    runtime, staff = profile
    case = _accepted(runtime, staff)
    cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合", now=MONDAY)
    accounts.name_deputy(runtime.uow, staff.chief, deputy_id=staff.clerk2.id, starts_at=MONDAY,
                         ends_at=MONDAY + timedelta(hours=1), reason="外出", now=MONDAY)
    logged_in = accounts.refresh_user(runtime.uow, staff.clerk2, now=MONDAY)
    assert logged_in.deputy_for_departments == {"SCJ"}
    with pytest.raises(PermissionDenied):
        cases.approve(runtime.uow, logged_in, case.id, opinion="同意",
                      now=MONDAY + timedelta(hours=2))
    assert cases.approve(runtime.uow, logged_in, case.id, opinion="同意",
                         now=MONDAY + timedelta(minutes=30)).state is CaseState.APPROVED


def test_search_recognises_id_numbers_and_phone_numbers(profile) -> None:
    runtime, staff = profile
    _registered(runtime, staff)
    by_id = queries.CaseFilter(text="11010519491231002x")
    assert queries.count_cases(runtime.uow, staff.supervisor, by_id) == 1
    wrong_id = queries.CaseFilter(text="110105194912310038")
    assert queries.count_cases(runtime.uow, staff.supervisor, wrong_id) == 0


def test_a_date_filter_takes_local_days(profile) -> None:
    # 2026-12-01 17:30 UTC is 12-02 01:30 at the counter: a 12-02 case, shown as such.
    from datetime import UTC, date, datetime

    runtime, staff = profile
    _registered(runtime, staff, now=datetime(2026, 12, 1, 17, 30, tzinfo=UTC))
    _registered(runtime, staff, now=datetime(2026, 12, 2, 15, 59, tzinfo=UTC))  # 23:59 local
    _registered(runtime, staff, now=datetime(2026, 12, 2, 16, 0, tzinfo=UTC))  # 12-03 00:00

    def count(start: date, end: date) -> int:
        return queries.count_cases(runtime.uow, staff.supervisor,
                                   queries.CaseFilter(registered_from=start, registered_to=end))

    assert count(date(2026, 12, 2), date(2026, 12, 2)) == 2
    assert count(date(2026, 12, 1), date(2026, 12, 1)) == 0
    assert count(date(2026, 12, 3), date(2026, 12, 3)) == 1
    listed = queries.list_cases(runtime.uow, staff.supervisor,
                                queries.CaseFilter(registered_from=date(2026, 12, 2),
                                                   registered_to=date(2026, 12, 2)))
    assert len(listed) == 2


def test_a_reversed_date_range_is_refused_with_a_message(profile) -> None:
    from datetime import date

    runtime, staff = profile
    reversed_range = queries.CaseFilter(registered_from=date(2026, 12, 5),
                                        registered_to=date(2026, 12, 1))
    for query in (queries.count_cases, queries.list_cases):
        with pytest.raises(ValidationError) as refused:
            query(runtime.uow, staff.supervisor, reversed_range)
        assert refused.value.code == "filter.reversed_range"
        assert "晚于截止日" in refused.value.message


def test_site_inspection_cannot_stop_the_clock_and_nothing_is_written(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    with pytest.raises(ValidationError) as err:
        cases.suspend(runtime.uow, staff.clerk, case.id, reason_code="site_inspection",
                      now=MONDAY + timedelta(hours=2))
    assert err.value.code == "site_inspection_counts"
    after = cases.get_case(runtime.uow, case.id)
    assert not after.suspensions and after.event_count == case.event_count


def test_the_clerk_cannot_type_in_an_evaluation(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    with pytest.raises(ValidationError) as err:
        cases.record_evaluation(runtime.uow, staff.clerk, case.id, rating="very_satisfied",
                                channel="clerk", now=MONDAY + timedelta(hours=2))
    assert err.value.code == "evaluation_not_from_applicant"
    assert cases.get_case(runtime.uow, case.id).evaluation is None
    rated = cases.record_evaluation(runtime.uow, staff.clerk, case.id, rating="satisfied",
                                    channel="qr_code", now=MONDAY + timedelta(hours=3))
    assert rated.evaluation["rating"] == "satisfied"
    assert rated.evaluation["channel"] == "qr_code"


def test_the_issued_receipt_invites_the_applicant_to_rate_by_qr_code(profile) -> None:
    import io

    import pdfplumber

    from app.print_templates import DocumentKind
    from app.services import documents

    runtime, staff = profile
    case = _registered(runtime, staff)
    with runtime.uow() as uow:
        uow.settings.set("server_url", "https://zwfw.example.gov.cn")
        uow.commit()
    receipt = documents.issue_unsealed(runtime.uow, staff.clerk, case.id, DocumentKind.RECEIPT)
    with pdfplumber.open(io.BytesIO(receipt.pdf)) as pdf:
        text = "".join((page.extract_text() or "") for page in pdf.pages).replace("\n", "")
    assert "扫码评价（好差评）" in text and "窗口人员不代为评价" in text
    assert receipt.pdf.count(b"/Type /Page") - receipt.pdf.count(b"/Type /Pages") == 1


def test_a_known_id_number_gives_the_latest_cases_name_phone_and_address(profile) -> None:
    runtime, staff = profile
    assert cases.known_applicant(runtime.uow, staff.clerk,
                                 id_number=NATURAL_APPLICANT["id_number"]) is None
    _registered(runtime, staff)
    moved = dict(NATURAL_APPLICANT, phone="13900139000", address="城关镇新华街8号")
    latest = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                                 applicant=moved, now=MONDAY + timedelta(hours=1))
    known = cases.known_applicant(runtime.uow, staff.clerk, id_number="11010519491231002x ")
    assert known is not None
    assert (known.name, known.phone, known.address, known.case_number) == (
        "张三", "13900139000", "城关镇新华街8号", latest.number)


def test_a_known_id_number_under_another_name_needs_a_reason_which_is_recorded(profile):
    runtime, staff = profile
    first = _registered(runtime, staff)
    renamed = dict(NATURAL_APPLICANT, name="张叁")
    with pytest.raises(ValidationError) as err:
        cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                            applicant=renamed, now=MONDAY + timedelta(hours=1))
    assert (err.value.code, err.value.field) == ("applicant_name_differs", "name")
    assert "张三" in err.value.message
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=renamed, name_change_reason="申请人已依法更名",
                               now=MONDAY + timedelta(hours=1))
    assert case.identity_note == {"previous_name": "张三", "reason": "申请人已依法更名",
                                  "previous_case": first.number}
    [registered] = [e for e in cases.case_history(runtime.uow, case.id)
                    if e.type.value == "registered"]
    assert registered.payload["identity_note"]["reason"] == "申请人已依法更名"
    with runtime.uow() as uow:
        audited = [r.body for r in uow.audit.records() if case.id in r.body]
    assert any("申请人已依法更名" in body for body in audited)


def test_an_agent_case_needs_the_letter_of_authorization(profile) -> None:
    runtime, staff = profile
    agent = {"name": "李四", "id_type": "resident_id", "id_number": "110105198001011238",
             "phone": "13900139000"}
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant={**NATURAL_APPLICANT, "agent": agent}, now=MONDAY)
    assert case.materials[-1]["name"] == "授权委托书"
    listed = [dict(m, received=m["name"] != "授权委托书") for m in case.materials]
    cases.record_materials(runtime.uow, staff.clerk, case.id, materials=listed, now=MONDAY)
    with pytest.raises(ValidationError) as err:
        cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=MONDAY)
    assert "授权委托书" in err.value.message
    # Rows sent without it (a script, an old station) still get it asked for.
    other = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                                applicant={**NATURAL_APPLICANT, "agent": agent},
                                materials=_all_received(case.materials[:-1]), now=MONDAY)
    assert [m["name"] for m in cases.missing_materials(other)] == ["授权委托书"]
