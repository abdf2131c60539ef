"""Before and around intake, through the services on a real profile: consultations and
their guide, appointments, 容缺受理, 告知承诺制, joint inspection, monthly figures."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pdfplumber
import pytest

from app.domain.case import CaseState
from app.domain.catalog import CaseType
from app.domain.errors import NotFound, TransitionError, ValidationError
from app.print_templates import DocumentKind
from app.services import (
    appointments,
    cases,
    catalog,
    consultations,
    documents,
    inspections,
    promises,
    queries,
    statistics,
)
from app.services.runtime import Runtime
from tests.profile_fixtures import (
    MONDAY,
    NATURAL_APPLICANT,
    TOLERANT,
    Staff,
    business_matter,
    counter_seal,
    make_profile,
)


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    catalog.save_matter(runtime.uow, staff.admin, TOLERANT)
    yield runtime, staff
    runtime.close()


def _text(pdf: bytes) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return re.sub(r"\s+", "", "".join(p.extract_text() or "" for p in document.pages))


def _pages(pdf: bytes) -> int:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def _registered(runtime: Runtime, staff: Staff, *, received=("A", "B"), **extra):
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-009",
                               applicant=NATURAL_APPLICANT, now=MONDAY, **extra)
    return cases.record_materials(
        runtime.uow, staff.clerk, case.id, now=MONDAY,
        materials=[dict(m, received=m["code"] in received) for m in case.materials])


# --- consultation ----------------------------------------------------------------------


def test_consultation_is_recorded_without_an_application_and_counts_for_its_first_responder(
        profile) -> None:
    runtime, staff = profile
    consultations.record_consultation(runtime.uow, staff.clerk, matter_code="SCJ-009",
                                      answer="告知需提交4项材料", now=MONDAY)
    consultations.record_consultation(runtime.uow, staff.clerk2, matter_code="SCJ-001",
                                      answer="告知办理条件", asker_name="王五", now=MONDAY)
    listed = consultations.consultations_on(runtime.uow, staff.clerk, MONDAY.date())
    assert {c.staff_name for c in listed} == {"李受理", "周受理"}
    assert queries.count_cases(runtime.uow, staff.supervisor) == 0
    figures = statistics.monthly_assessment(runtime.uow, staff.chief, year=2026, month=11,
                                            now=MONDAY)
    people = {row.label: row.consultations for row in figures.by_person}
    assert people == {"李受理": 1, "周受理": 1}
    assert figures.total.consultations == 2


def test_consultation_without_an_answer_is_refused(profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError) as err:
        consultations.record_consultation(runtime.uow, staff.clerk, matter_code="SCJ-009",
                                          answer="  ", now=MONDAY)
    assert err.value.field == "answer"
    assert consultations.consultations_on(runtime.uow, staff.clerk, MONDAY.date()) == []


def test_service_guide_prints_every_published_item_on_one_page(profile) -> None:
    runtime, staff = profile
    asked = consultations.record_consultation(runtime.uow, staff.clerk, matter_code="SCJ-009",
                                              answer="已一次性告知", now=MONDAY)
    pdf = consultations.service_guide_pdf(runtime.uow, staff.clerk, matter_code="SCJ-009",
                                          consultation_id=asked.id, now=MONDAY)
    assert _pages(pdf) == 1
    text = _text(pdf)
    for expected in ("食品小作坊登记办事指南", "《促进个体工商户发展条例》第八条", "15个工作日",
                     "3个工作日", "工本费10.00元", "《县行政事业性收费目录》",
                     "城关镇便民服务站3号窗口", "《食品小作坊登记申请书》", "从业人员健康证明",
                     "可容缺受理", "可告知承诺", "首问负责人：李受理"):
        assert expected in text, expected
    assert consultations.get_consultation(runtime.uow, asked.id).guide_printed


def test_consultation_turns_into_a_registration_once(profile) -> None:
    runtime, staff = profile
    asked = consultations.record_consultation(runtime.uow, staff.clerk, matter_code="SCJ-009",
                                              answer="可以办理", asker_name="张三", now=MONDAY)
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-009",
                               applicant=NATURAL_APPLICANT, consultation_id=asked.id,
                               now=MONDAY)
    assert case.consultation_id == asked.id
    assert consultations.get_consultation(runtime.uow, asked.id).case_id == case.id
    with pytest.raises(TransitionError):
        cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-009",
                            applicant=NATURAL_APPLICANT, consultation_id=asked.id, now=MONDAY)
    assert queries.count_cases(runtime.uow, staff.supervisor) == 1


# --- appointments and service modes ----------------------------------------------------


def _book(runtime, staff, day=date(2026, 11, 24), slot="09:00-10:00", **extra):
    values = dict(day=day, slot=slot, window_name="3号窗口", matter_code="SCJ-009",
                  applicant_name="张三", applicant_phone="13800138000", now=MONDAY)
    values.update(extra)
    return appointments.book_appointment(runtime.uow, staff.clerk, **values)


def test_a_booking_for_another_halls_window_is_kept_for_that_hall(profile) -> None:
    runtime, staff = profile
    for_township = _book(runtime, staff, channel="phone", station="xc02")
    assert for_township.id and appointments.day_list(
        runtime.uow, staff.clerk, date(2026, 11, 24)) == []
    [listed] = appointments.day_list(runtime.uow, staff.clerk, date(2026, 11, 24),
                                     station="XC02")
    assert listed.id == for_township.id
    _book(runtime, staff)  # the slot counts per hall: this hall's is still free
    _book(runtime, staff, applicant_name="李四")
    with pytest.raises(ValidationError) as err:
        _book(runtime, staff, station="城关镇")
    assert err.value.code == "bad_station" and "站点代码" in err.value.message


def test_a_full_slot_is_refused_and_the_days_list_shows_the_booked(profile) -> None:
    runtime, staff = profile
    _book(runtime, staff)
    _book(runtime, staff, channel="phone", applicant_name="李四")
    with pytest.raises(ValidationError) as err:
        _book(runtime, staff, applicant_name="王五")
    assert err.value.code == "slot_full"
    listed = appointments.day_list(runtime.uow, staff.clerk, date(2026, 11, 24))
    assert [a.applicant_name for a in listed] == ["张三", "李四"]
    assert [a.channel for a in listed] == ["counter", "phone"]


def test_weekend_and_after_hours_slots_need_their_service_mode(profile) -> None:
    runtime, staff = profile
    saturday = date(2026, 11, 28)
    with pytest.raises(ValidationError) as err:
        _book(runtime, staff, day=saturday)
    assert err.value.code == "day_not_working"
    assert _book(runtime, staff, day=saturday, service_mode="weekend").service_mode == "weekend"
    with pytest.raises(ValidationError) as err:
        _book(runtime, staff, slot="17:30-18:30")
    assert err.value.code == "slot_needs_extended_hours"
    with pytest.raises(ValidationError):
        _book(runtime, staff, day=date(2026, 11, 20))  # the past


def test_arriving_appointment_becomes_a_registration_and_its_service_mode_counts(
        profile) -> None:
    runtime, staff = profile
    booked = _book(runtime, staff, day=MONDAY.date(), slot="17:30-18:30",
                   service_mode="extended_hours")
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-009",
                               applicant=NATURAL_APPLICANT, appointment_id=booked.id,
                               service_mode=booked.service_mode, now=MONDAY)
    assert case.service_mode == "extended_hours"
    assert appointments.get_appointment(runtime.uow, booked.id).status == "arrived"
    cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                        applicant=NATURAL_APPLICANT, service_mode="home_visit", now=MONDAY)
    figures = statistics.monthly_assessment(runtime.uow, staff.chief, year=2026, month=11,
                                            now=MONDAY)
    assert figures.total.service_modes == {"extended_hours": 1, "home_visit": 1}
    with pytest.raises(TransitionError):  # arrived once
        cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-009",
                            applicant=NATURAL_APPLICANT, appointment_id=booked.id, now=MONDAY)


def test_an_appointment_of_another_day_does_not_register_today(profile) -> None:
    runtime, staff = profile
    booked = _book(runtime, staff)
    with pytest.raises(TransitionError):
        cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-009",
                            applicant=NATURAL_APPLICANT, appointment_id=booked.id, now=MONDAY)
    assert queries.count_cases(runtime.uow, staff.supervisor) == 0


# --- 容缺受理 ----------------------------------------------------------------------------


def _accept_tolerated(runtime, staff, **extra):
    case = _registered(runtime, staff, received=("A", "B", "D"))
    values = dict(tolerance_materials=["从业人员健康证明"],
                  tolerance_deadline=date(2026, 12, 4), tolerance_promise_signed=True)
    values.update(extra)
    return cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime),
                        now=MONDAY, **values)


def _red(color: object) -> bool:
    return isinstance(color, tuple | list) and len(color) == 3 and color[0] > 0.6 > color[1]


def _seal_drawn(pdf: bytes) -> bool:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return any(_red(c.get("stroking_color")) for p in document.pages for c in p.curves)


def _docx_text(data: bytes) -> str:
    from docx import Document

    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return re.sub(r"\s+", "", "".join(parts))


def test_tolerance_acceptance_seals_its_notice_listing_what_is_owed_and_by_when(
        profile) -> None:
    runtime, staff = profile
    case = _accept_tolerated(runtime, staff)
    assert case.state is CaseState.ACCEPTED
    assert case.tolerance_owed == ["从业人员健康证明"]
    notice = documents.latest_issued(runtime.uow, case.id, DocumentKind.TOLERANCE_NOTICE)
    assert notice is not None and notice.sealed
    text = _text(notice.pdf)
    assert "容缺受理通知书" in text and "从业人员健康证明" in text
    assert "2026年12月4日前" in text
    assert notice.document_number == "县市监容〔2026〕1号"
    assert notice.document_number in text
    assert "用印时间：2026年11月23日09:00" in text and "扫码核验" in text
    assert _seal_drawn(notice.pdf)
    word = _docx_text(documents.word_file(runtime.uow, notice.id))
    assert "容缺受理通知书" in word and "从业人员健康证明" in word and "参考副本" in word
    # Sealed with the acceptance notice, in the same act, by the same window seal.
    kinds = [s["document_kind"] for s in case.seals]
    assert kinds == ["acceptance_notice", "tolerance_notice"]
    assert len({s["seal_id"] for s in case.seals}) == 1
    from app.services import seals

    [entry] = [e for e in seals.ledger(runtime.uow, staff.supervisor)
               if e.document_kind == "tolerance_notice"]
    assert (entry.purpose, entry.document_number, entry.seal_kind_label) == (
        "容缺受理，出具容缺受理通知书", notice.document_number, "受理专用章")
    # The applicant's own promise is theirs to sign: no seal.
    promise = documents.latest_issued(runtime.uow, case.id, DocumentKind.TOLERANCE_PROMISE)
    assert promise is not None and not promise.sealed
    assert "承诺人（签字或盖章）" in _text(promise.pdf) and not _seal_drawn(promise.pdf)


def test_a_wrong_password_accepts_nothing_and_seals_no_tolerance_notice(profile) -> None:
    from app.services.sealing import CounterSeal

    runtime, staff = profile
    case = _registered(runtime, staff, received=("A", "B", "D"))
    with pytest.raises(Exception) as err:
        cases.accept(runtime.uow, staff.clerk, case.id, now=MONDAY,
                     seal=CounterSeal(password="wrong", key_store=runtime.key_store),
                     tolerance_materials=["从业人员健康证明"],
                     tolerance_deadline=date(2026, 12, 4), tolerance_promise_signed=True)
    assert "密码" in str(err.value)
    assert documents.documents_for_case(runtime.uow, case.id) == []
    assert cases.get_case(runtime.uow, case.id).state is CaseState.REGISTERED


def test_tolerance_needs_the_signed_promise_a_marked_material_and_a_near_deadline(
        profile) -> None:
    runtime, staff = profile
    with pytest.raises(ValidationError) as err:
        _accept_tolerated(runtime, staff, tolerance_promise_signed=False)
    assert err.value.code == "tolerance_promise_required"
    case = _registered(runtime, staff, received=("B", "C", "D"))
    with pytest.raises(ValidationError) as err:  # the application form is essential
        cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=MONDAY,
                     tolerance_materials=["登记申请书"], tolerance_deadline=date(2026, 12, 4),
                     tolerance_promise_signed=True)
    assert err.value.code == "not_tolerance_materials"
    with pytest.raises(ValidationError) as err:
        _accept_tolerated(runtime, staff, tolerance_deadline=date(2027, 3, 1))
    assert err.value.code == "tolerance_deadline_far"
    assert queries.count_cases(runtime.uow, staff.supervisor,
                               ) == 3  # registered, none accepted
    assert all(s.state == "registered"
               for s in queries.list_cases(runtime.uow, staff.supervisor, now=MONDAY))


def test_a_tolerated_case_cannot_be_approved_before_the_materials_arrive(profile) -> None:
    runtime, staff = profile
    case = _accept_tolerated(runtime, staff)
    cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合", now=MONDAY)
    with pytest.raises(TransitionError) as err:
        cases.approve(runtime.uow, staff.chief, case.id, opinion="同意", now=MONDAY)
    assert err.value.code == "tolerance_owed"
    promises.fulfil_tolerance(runtime.uow, staff.clerk, case.id,
                              received=["从业人员健康证明"], now=MONDAY + timedelta(days=2))
    case = cases.approve(runtime.uow, staff.chief, case.id, opinion="同意",
                         now=MONDAY + timedelta(days=2))
    assert case.state is CaseState.APPROVED


def test_an_overdue_promise_shows_red_and_is_counted(profile) -> None:
    runtime, staff = profile
    case = _accept_tolerated(runtime, staff)
    later = MONDAY + timedelta(days=12)  # 2026-12-05, past the 4th
    [summary] = queries.list_cases(runtime.uow, staff.supervisor, now=later)
    assert summary.tolerance_overdue
    [before] = queries.list_cases(runtime.uow, staff.supervisor, now=MONDAY)
    assert not before.tolerance_overdue
    from app.services.queries import CaseFilter

    [listed] = queries.list_cases(runtime.uow, staff.supervisor,
                                  CaseFilter(warning="tolerance"), now=later)
    assert listed.id == case.id
    assert queries.list_cases(runtime.uow, staff.supervisor, CaseFilter(warning="tolerance"),
                              now=MONDAY) == []
    figures = statistics.monthly_assessment(runtime.uow, staff.chief, year=2026, month=12,
                                            now=later)
    assert figures.total.tolerance_overdue == 1
    promises.fulfil_tolerance(runtime.uow, staff.clerk, case.id,
                              received=["从业人员健康证明"], now=later)
    [after] = queries.list_cases(runtime.uow, staff.supervisor, now=later)
    assert not after.tolerance_overdue


# --- 告知承诺制 --------------------------------------------------------------------------


def _accept_promised(runtime, staff):
    case = _registered(runtime, staff, received=("A", "B", "C"))
    return cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime),
                        now=MONDAY, promise_materials=["经营场所使用证明"], promise_signed=True)


def test_promise_replaces_the_proof_and_its_document_is_kept(profile) -> None:
    runtime, staff = profile
    case = _accept_promised(runtime, staff)
    assert case.promise["materials"] == ["经营场所使用证明"]
    kept = documents.latest_issued(runtime.uow, case.id, DocumentKind.NOTIFICATION_PROMISE)
    assert kept is not None
    text = _text(kept.pdf)
    assert "国办发〔2020〕42号" in text and "经营场所使用证明" in text and "申请人承诺" in text


def test_an_unsigned_promise_replaces_nothing(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff, received=("A", "B", "C"))
    with pytest.raises(ValidationError) as err:
        cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=MONDAY,
                     promise_materials=["经营场所使用证明"], promise_signed=False)
    assert err.value.code == "promise_signature_required"


def test_a_broken_promise_refuses_approval_and_shows_on_the_applicants_next_case(
        profile) -> None:
    runtime, staff = profile
    case = _accept_promised(runtime, staff)
    promises.check_promise(runtime.uow, staff.clerk, case.id, kept=False,
                           finding="经营场所租赁合同系伪造", now=MONDAY + timedelta(days=1))
    cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合",
                 now=MONDAY + timedelta(days=1))
    with pytest.raises(TransitionError) as err:
        cases.approve(runtime.uow, staff.chief, case.id, opinion="同意",
                      now=MONDAY + timedelta(days=1))
    assert err.value.code == "promise_broken"
    later = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                                applicant=NATURAL_APPLICANT, now=MONDAY + timedelta(days=3))
    [record] = promises.broken_promises(runtime.uow, staff.clerk,
                                        id_number=NATURAL_APPLICANT["id_number"],
                                        except_case_id=later.id)
    assert record.case_number == case.number
    assert record.finding == "经营场所租赁合同系伪造"
    with pytest.raises(TransitionError):
        promises.check_promise(runtime.uow, staff.clerk, case.id, kept=True, finding="复核",
                               now=MONDAY + timedelta(days=2))


# --- 联合踏勘 ----------------------------------------------------------------------------


JOINT = business_matter(code="ZJJ-001", name="建筑工程施工许可证核发", department_code="SCJ",
                        case_type=CaseType.JOINT, joint_departments=("ZJJ",),
                        site_inspection=True)
TEAMS = [{"code": "SCJ", "name": "县市场监督管理局", "people": "李受理"},
         {"code": "ZJJ", "name": "县住房和城乡建设局", "people": "赵工"}]


def _joint_accepted(runtime, staff):
    catalog.save_matter(runtime.uow, staff.admin, JOINT)
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="ZJJ-001",
                               applicant=NATURAL_APPLICANT, now=MONDAY)
    cases.record_materials(runtime.uow, staff.clerk, case.id, now=MONDAY,
                           materials=[dict(m, received=True) for m in case.materials])
    return cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime),
                        now=MONDAY)


def test_joint_inspection_past_three_working_days_is_scheduled_with_a_warning(profile) -> None:
    runtime, staff = profile
    case = _joint_accepted(runtime, staff)
    _, due = inspections.schedule_inspection(runtime.uow, staff.clerk, case.id,
                                             on=date(2026, 11, 25), place="城关镇人民路1号",
                                             departments=TEAMS, now=MONDAY)
    assert not due.late and due.due == date(2026, 11, 26)
    other = _joint_accepted(runtime, staff)
    _, due = inspections.schedule_inspection(runtime.uow, staff.clerk, other.id,
                                             on=date(2026, 11, 30), place="城关镇人民路1号",
                                             departments=TEAMS, now=MONDAY)
    assert due.late and "3个工作日" in due.warning


def test_joint_inspection_needs_two_departments_and_every_finding(profile) -> None:
    runtime, staff = profile
    case = _joint_accepted(runtime, staff)
    with pytest.raises(ValidationError):
        inspections.schedule_inspection(runtime.uow, staff.clerk, case.id,
                                        on=date(2026, 11, 25), place="现场",
                                        departments=TEAMS[:1], now=MONDAY)
    inspections.schedule_inspection(runtime.uow, staff.clerk, case.id, on=date(2026, 11, 25),
                                    place="城关镇人民路1号", departments=TEAMS, now=MONDAY)
    with pytest.raises(ValidationError) as err:
        inspections.record_inspection(runtime.uow, staff.clerk, case.id,
                                      findings={"县市场监督管理局": "符合"}, conclusion="符合",
                                      now=MONDAY + timedelta(days=2))
    assert "县住房和城乡建设局" in err.value.message


def test_joint_inspection_record_is_printed_and_kept_with_each_finding(profile) -> None:
    runtime, staff = profile
    case = _joint_accepted(runtime, staff)
    inspections.schedule_inspection(runtime.uow, staff.clerk, case.id, on=date(2026, 11, 25),
                                    place="城关镇人民路1号", departments=TEAMS, now=MONDAY)
    case, record = inspections.record_inspection(
        runtime.uow, staff.clerk, case.id, conclusion="符合施工许可条件",
        findings={"县市场监督管理局": "主体资格合法", "县住房和城乡建设局": "现场具备施工条件"},
        now=MONDAY + timedelta(days=2))
    text = _text(record.pdf)
    for expected in ("联合踏勘记录", "2026年11月25日", "城关镇人民路1号", "主体资格合法",
                     "现场具备施工条件", "踏勘结论：符合施工许可条件", "参加人员签字"):
        assert expected in text, expected
    assert case.inspection["findings"]["县住房和城乡建设局"] == "现场具备施工条件"


def test_a_matter_without_joint_inspection_refuses_one(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff, received=("A", "B", "C", "D"))
    case = cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime),
                        now=MONDAY)
    with pytest.raises(TransitionError):
        inspections.schedule_inspection(runtime.uow, staff.clerk, case.id,
                                        on=date(2026, 11, 25), place="现场", departments=TEAMS,
                                        now=MONDAY)


def test_an_unknown_consultation_registers_nothing(profile) -> None:
    runtime, staff = profile
    with pytest.raises(NotFound):
        cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-009",
                            applicant=NATURAL_APPLICANT, consultation_id="nope", now=MONDAY)
    assert queries.count_cases(runtime.uow, staff.supervisor) == 0


def test_the_exported_assessment_has_consultations_tolerance_and_service_columns(
        profile) -> None:
    from openpyxl import load_workbook

    runtime, staff = profile
    consultations.record_consultation(runtime.uow, staff.clerk, matter_code="SCJ-009",
                                      answer="已告知", now=MONDAY)
    cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                        applicant=NATURAL_APPLICANT, service_mode="weekend", now=MONDAY)
    figures = statistics.monthly_assessment(runtime.uow, staff.chief, year=2026, month=11,
                                            now=MONDAY)
    sheet = load_workbook(io.BytesIO(statistics.export_excel(figures)))["按人员"]
    header = [c.value for c in sheet[3]]
    row = {header[i]: c.value for i, c in enumerate(sheet[4])}
    assert (row["咨询"], row["容缺逾期"], row["延时/周末/上门"]) == (1, 0, 1)
    text = _text(statistics.export_pdf(figures))
    assert "咨询" in text and "容缺逾期" in text


# --- 代办 chain of custody -------------------------------------------------------------


def _leg(runtime, staff, case_id, leg, given, received, *, name="登记申请书"):
    from app.services import custody

    return custody.hand_over(runtime.uow, staff.clerk, case_id, leg=leg, giver="甲", receiver="乙",
                             items=[{"name": name, "originals_given": given,
                                     "originals_received": received, "copies": 1}],
                             now=MONDAY)


def test_custody_traces_a_loss_on_the_way_and_one_while_held(profile) -> None:
    from app.services import custody

    runtime, staff = profile
    case = _registered(runtime, staff)
    _leg(runtime, staff, case.id, "village_to_township", 3, 2)   # 1 lost on the way
    case = _leg(runtime, staff, case.id, "township_to_county", 1, 1)  # 1 lost while held
    found = custody.losses(case)
    assert [(x["count"], x["where"]) for x in found] == [
        (1, "村便民服务室 → 乡镇便民服务站途中（甲移交给乙）"),
        (1, "乙保管期间（村便民服务室 → 乡镇便民服务站之后）"),
    ]


def test_an_item_left_out_of_the_next_hand_over_is_lost_with_its_holder(profile) -> None:
    from app.services import custody

    runtime, staff = profile
    case = _registered(runtime, staff)
    _leg(runtime, staff, case.id, "village_to_township", 1, 1)
    case = _leg(runtime, staff, case.id, "township_to_county", 1, 1, name="经营者身份证明")
    assert [x["name"] for x in custody.losses(case)] == ["登记申请书"]


def test_hand_overs_go_in_order_and_results_go_back_only_when_done(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff)
    with pytest.raises(TransitionError):
        _leg(runtime, staff, case.id, "township_to_county", 1, 1)
    _leg(runtime, staff, case.id, "village_to_township", 1, 1)
    _leg(runtime, staff, case.id, "township_to_county", 1, 1)
    with pytest.raises(TransitionError) as err:
        _leg(runtime, staff, case.id, "county_to_township", 1, 1)
    assert err.value.code == "result_not_ready"
    other = _registered(runtime, staff)
    with pytest.raises(ValidationError):
        _leg(runtime, staff, other.id, "village_to_township", 1, 2)  # more received than given


def test_each_leg_has_its_working_day_deadline_shown_yellow_then_red(profile) -> None:
    from app.services import custody

    runtime, staff = profile
    case = _registered(runtime, staff)
    case = _leg(runtime, staff, case.id, "village_to_township", 1, 1)  # Monday
    due = custody.next_leg_due(runtime.uow, case, now=MONDAY)
    assert (due.leg, due.due, due.level.value) == ("township_to_county", date(2026, 11, 25),
                                                  "normal")
    assert custody.next_leg_due(runtime.uow, case,
                                now=MONDAY + timedelta(days=1)).level.value == "yellow"
    assert custody.next_leg_due(runtime.uow, case,
                                now=MONDAY + timedelta(days=3)).level.value == "red"


def test_the_villager_is_told_of_the_result_only_once_there_is_one(profile) -> None:
    from app.services import custody

    runtime, staff = profile
    case = _registered(runtime, staff, received=("A", "B", "C", "D"))
    text = custody.notification_text(case, station_name="东关村便民服务室")
    with pytest.raises(TransitionError):
        custody.notify_villager(runtime.uow, staff.clerk, case.id, channel="sms",
                                phone="13800138000", text=text, now=MONDAY)
    case = cases.reject(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime),
                        reasons="不属于本机关职权", ground="outside_powers",
                        redirect_authority="市市场监督管理局", now=MONDAY)
    text = custody.notification_text(case, station_name="东关村便民服务室")
    assert "张三您好" in text and case.number in text and "不予受理" in text
    case = custody.notify_villager(runtime.uow, staff.clerk, case.id, channel="sms",
                                   phone="13800138000", text=text, now=MONDAY)
    assert case.notifications[0]["text"] == text


def test_the_agents_ledger_lists_each_request_its_hand_overs_and_losses(profile) -> None:
    from app.services import custody

    runtime, staff = profile
    case = _registered(runtime, staff)
    _leg(runtime, staff, case.id, "village_to_township", 2, 1)
    other = _registered(runtime, staff)
    custody.hand_over(runtime.uow, staff.clerk, other.id, leg="village_to_township",
                    giver="另一代办员", receiver="乙", now=MONDAY,
                    items=[{"name": "登记申请书", "originals_given": 1,
                            "originals_received": 1, "copies": 0}])
    pdf = custody.agent_ledger_pdf(runtime.uow, staff.clerk, start=MONDAY.date(),
                                   end=MONDAY.date(), agent_name="甲", now=MONDAY)
    text = _text(pdf)
    assert "代办台账" in text and "代办员：甲" in text and case.number in text
    assert other.number not in text
    # (a cell's wrapped lines interleave with its neighbours' in the extracted text)
    assert "登记申请书原件1份（村便民服务室" in text and "服务站途中（甲移交给乙）" in text
