"""Notices sealed and dated at the counter, with their act (行政许可法第三十二条第二款),
and the written notices of 第四十二条, 第四十五条 and delivery, through the services.

Documents are read back from their Word files (python-docx) and the ledger from its PDF
(pdfplumber): what the applicant and the custodian would read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document

from app.domain.case import CaseState, apply_event
from app.domain.errors import (
    AuthenticationError,
    PermissionDenied,
    SealRefused,
    TransitionError,
    ValidationError,
)
from app.domain.events import Event, EventType
from app.domain.roles import Role
from app.domain.seal import SealKind, SealStatus
from app.print_templates import DocumentKind
from app.services import accounts, cases, documents, seals
from app.services.runtime import Runtime
from tests.profile_fixtures import (
    MONDAY,
    NATURAL_APPLICANT,
    PASSWORD,
    Staff,
    counter_seal,
    make_profile,
)

TUESDAY = MONDAY + timedelta(days=1)
CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    seals.register_seal(
        runtime.uow, staff.admin, runtime.key_store, department_code="SCJ",
        authority_name="清河县市场监督管理局", serial="1305340000001", custodian_id=staff.chief.id,
        valid_from=date(2026, 1, 1), valid_to=None, made_on=date(2025, 12, 20),
        made_by="县公安局备案刻章点",
    )
    yield runtime, staff
    runtime.close()


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "".join("".join(parts).split())


def _pdf_text(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as document:
        return "".join("".join((page.extract_text() or "").split()) for page in document.pages)


def _word(runtime: Runtime, case_id: str, kind: DocumentKind) -> str:
    issued = documents.latest_issued(runtime.uow, case_id, kind)
    assert issued is not None and issued.sealed
    return _text(documents.word_file(runtime.uow, issued.id))


def _registered(runtime: Runtime, staff: Staff, *, complete: bool = True, now=MONDAY):
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=now)
    rows = [dict(m, received=complete or i == 0) for i, m in enumerate(case.materials)]
    return cases.record_materials(runtime.uow, staff.clerk, case.id, materials=rows, now=now)


def _accepted(runtime: Runtime, staff: Staff, now=MONDAY):
    case = _registered(runtime, staff, now=now)
    return cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=now)


def _ledger(runtime: Runtime, staff: Staff, kind: str) -> list[seals.LedgerEntry]:
    return [e for e in seals.ledger(runtime.uow, staff.supervisor) if e.document_kind == kind]


def _event_count(runtime: Runtime) -> int:
    with runtime.uow() as uow:
        return uow.events.count()


# --- acceptance and rejection: sealed by the clerk, then and there -------------------


def test_accepting_seals_the_acceptance_notice_with_the_windows_seal_in_one_go(
    profile,
) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    assert case.state is CaseState.ACCEPTED
    [seal] = case.seals
    assert (seal["document_kind"], seal["actor_id"], seal["at"]) == (
        "acceptance_notice", staff.clerk.id, MONDAY.isoformat())
    [entry] = _ledger(runtime, staff, "acceptance_notice")
    assert entry.seal_title == "清河县市场监督管理局受理专用章"
    assert (entry.seal_kind_label, entry.actor_name, entry.window_name) == (
        "受理专用章", "李受理", "3号窗口")
    assert (entry.purpose, entry.copies) == ("当场受理，出具受理通知书", 2)
    assert entry.used_at == MONDAY


def test_the_acceptance_notice_states_the_acceptance_date_and_a_receipt_line(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    text = _word(runtime, case.id, DocumentKind.ACCEPTANCE_NOTICE)
    assert "受理日期2026年11月23日" in text
    assert text.count("2026年11月23日") >= 2  # the acceptance and the document's date
    assert "申请人（代理人）签收：" in text and "签收日期：" in text
    assert "草稿" not in text
    issued = documents.latest_issued(runtime.uow, case.id, DocumentKind.ACCEPTANCE_NOTICE)
    assert issued is not None
    printed = _pdf_text(issued.pdf)
    assert "受理日期2026年11月23日" in printed and case.number in printed
    assert "用印时间：2026年11月23日09:00" in printed  # sealed then, at the counter
    assert "申请人（代理人）签收：" in printed


def test_a_reprint_days_later_is_the_same_document(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    first = documents.latest_issued(runtime.uow, case.id, DocumentKind.ACCEPTANCE_NOTICE)
    assert first is not None
    again = documents.document_for_case(runtime.uow, staff.clerk, case.number,
                                        DocumentKind.ACCEPTANCE_NOTICE,
                                        now=MONDAY + timedelta(days=9))
    assert again.issued and again.data == first.pdf


def test_without_a_window_seal_accepting_is_refused_naming_what_to_register(profile) -> None:
    runtime, staff = profile
    [window_seal] = [s for s in seals.list_seals(runtime.uow) if s.kind is SealKind.INTAKE]
    seals.set_seal_status(runtime.uow, staff.admin, window_seal.id, SealStatus.REPLACED)
    case = _registered(runtime, staff)
    before = _event_count(runtime)
    with pytest.raises(SealRefused) as refused:
        cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=MONDAY)
    assert refused.value.code == "seal_replaced"
    assert _event_count(runtime) == before
    assert cases.get_case(runtime.uow, case.id).state is CaseState.REGISTERED
    assert documents.documents_for_case(runtime.uow, case.id) == []


def test_a_window_with_no_seal_of_its_own_is_told_what_the_administrator_must_register(
    profile,
) -> None:
    runtime, staff = profile
    user_id = accounts.create_user(runtime.uow, staff.admin, username="clerk5",
                                   display_name="吴受理", password=PASSWORD,
                                   roles=frozenset({Role.CLERK}), department_code="SCJ",
                                   window_name="5号窗口")
    assert user_id
    clerk5 = accounts.authenticate(runtime.uow, username="clerk5", password=PASSWORD)
    case = _registered(runtime, staff)
    with pytest.raises(SealRefused) as refused:
        cases.accept(runtime.uow, clerk5, case.id, seal=counter_seal(runtime), now=MONDAY)
    assert refused.value.code == "no_window_seal"
    assert "请中心管理员" in refused.value.message
    assert "县市场监督管理局“5号窗口”登记受理专用章" in refused.value.message
    assert cases.get_case(runtime.uow, case.id).state is CaseState.REGISTERED


def test_a_wrong_password_accepts_nothing(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff)
    before = _event_count(runtime)
    with pytest.raises(AuthenticationError):
        cases.accept(runtime.uow, staff.clerk, case.id,
                     seal=counter_seal(runtime, "wrong-password1"), now=MONDAY)
    assert _event_count(runtime) == before
    assert _ledger(runtime, staff, "acceptance_notice") == []


def test_rejecting_seals_the_rejection_notice_at_the_counter(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff)
    case = cases.reject(runtime.uow, staff.clerk, case.id, reasons="申请事项不属于本机关职权范围",
                        ground="outside_powers", redirect_authority="市市场监督管理局",
                        seal=counter_seal(runtime), now=MONDAY)
    assert case.state is CaseState.REJECTED
    text = _word(runtime, case.id, DocumentKind.REJECTION_NOTICE)
    assert "申请事项不属于本机关职权范围" in text and "2026年11月23日" in text
    with pytest.raises(SealRefused) as again:
        seals.apply_seal(runtime.uow, staff.chief, case.id, document_kind="rejection_notice",
                         password=PASSWORD, key_store=runtime.key_store, now=TUESDAY)
    assert again.value.code == "already_sealed"


def test_an_acceptance_sealed_at_the_counter_cannot_get_a_later_dated_notice() -> None:
    from tests.builders import event, registered

    case = registered()
    case = apply_event(case, event(EventType.ACCEPTED, accepted_on="2026-11-23",
                                   notice_at_counter=True))
    later = Event(case_id=case.id, type=EventType.SEALED, actor_id="chief", actor_name="王首席",
                  station="XC01", device_time=datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
                  payload={"document_kind": "acceptance_notice", "document_number": "1号",
                           "seal_id": "s", "seal_use_id": "u", "pdf_sha256": "0" * 64})
    with pytest.raises(TransitionError) as refused:
        apply_event(case, later)
    assert refused.value.code == "seal_not_on_act_day"
    # An acceptance recorded before notices were sealed at the counter keeps its history.
    legacy = apply_event(registered(), event(EventType.ACCEPTED, accepted_on="2026-11-23"))
    assert apply_event(legacy, later).seals[0]["document_kind"] == "acceptance_notice"


# --- dates of the act ------------------------------------------------------------------


def test_a_receipt_printed_days_later_states_the_day_the_materials_were_received(
    profile,
) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff)
    issued = documents.issue_unsealed(runtime.uow, staff.clerk, case.id, DocumentKind.RECEIPT,
                                      now=MONDAY + timedelta(days=3))
    text = _text(documents.word_file(runtime.uow, issued.id))
    assert "2026年11月23日收到下列申请材料" in text
    assert "2026年11月26日" not in text


# --- the one-time notice -----------------------------------------------------------------


def test_the_one_time_notice_is_sealed_with_its_deadline_and_what_follows(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff, complete=False)
    case = cases.issue_one_time_notice(runtime.uow, staff.clerk, case.id,
                                       missing=cases.missing_materials(case),
                                       seal=counter_seal(runtime), now=MONDAY)
    # Ten working days after Monday 23 November 2026.
    assert case.supplement_deadline == date(2026, 12, 7)
    text = _word(runtime, case.id, DocumentKind.ONE_TIME_NOTICE)
    assert "请你（单位）于2026年12月7日前按照上述要求补正" in text
    assert "逾期未补正且无正当理由的，视为你（单位）撤回本次申请，本机关将退回已提交的申请材料" in text
    assert "申请人（代理人）签收：" in text
    [entry] = _ledger(runtime, staff, "one_time_notice")
    assert entry.seal_kind_label == "受理专用章"


def test_a_supplement_deadline_on_the_day_of_the_notice_is_refused(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff, complete=False)
    with pytest.raises(ValidationError) as refused:
        cases.issue_one_time_notice(runtime.uow, staff.clerk, case.id,
                                    missing=cases.missing_materials(case),
                                    supplement_deadline=date(2026, 11, 23),
                                    seal=counter_seal(runtime), now=MONDAY)
    assert refused.value.field == "supplement_deadline"
    assert cases.get_case(runtime.uow, case.id).state is CaseState.REGISTERED


# --- 第四十五条: the special procedure notice ------------------------------------------------


def test_a_hearing_needs_its_time_and_its_sealed_notice(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    with pytest.raises(ValidationError) as no_days:
        cases.suspend(runtime.uow, staff.clerk, case.id, reason_code="hearing",
                      seal=counter_seal(runtime), now=TUESDAY)
    assert no_days.value.field == "expected_working_days"
    with pytest.raises(ValidationError) as no_seal:
        cases.suspend(runtime.uow, staff.clerk, case.id, reason_code="hearing",
                      expected_working_days=15, now=TUESDAY)
    assert no_seal.value.code == "seal_required"
    case = cases.suspend(runtime.uow, staff.clerk, case.id, reason_code="hearing",
                         reason="申请事项直接关系他人重大利益", expected_working_days=15,
                         seal=counter_seal(runtime), now=TUESDAY)
    assert case.suspended
    text = _word(runtime, case.id, DocumentKind.SPECIAL_PROCEDURE_NOTICE)
    assert "本机关依法需要对该申请进行听证" in text
    assert "第四十五条的规定，听证所需时间不计算在行政许可办理期限内" in text
    assert "所需时间15个工作日" in text
    assert "开始日期2026年11月24日" in text
    [entry] = _ledger(runtime, staff, "special_procedure_notice")
    assert entry.used_at == TUESDAY


def test_a_site_inspection_stops_the_clock_without_a_notice(profile) -> None:
    # Only where the matter's legal basis excludes it from the time limit (issue 13).
    from dataclasses import replace

    from app.services import catalog

    runtime, staff = profile
    matter = catalog.get_matter(runtime.uow, "SCJ-001")
    catalog.save_matter(runtime.uow, staff.admin, replace(matter, site_inspection_excluded=True))
    case = _accepted(runtime, staff)
    case = cases.suspend(runtime.uow, staff.clerk, case.id, reason_code="site_inspection",
                         now=TUESDAY)
    assert case.suspended
    assert _ledger(runtime, staff, "special_procedure_notice") == []


# --- 第三十二条: five days to accept, refuse or give the one-time notice -----------------------


def test_an_acceptance_after_five_working_days_counts_from_the_receipt(profile) -> None:
    runtime, staff = profile
    registered = _registered(runtime, staff)
    received = MONDAY.astimezone(CHINA).date()
    assert cases.intake_due(runtime.uow, registered) == received + timedelta(days=7)
    late = MONDAY + timedelta(days=8)  # Tuesday a week later: the sixth working day
    accepted = cases.accept(runtime.uow, staff.clerk, registered.id, seal=counter_seal(runtime),
                            now=late)
    assert accepted.accepted_on == received and accepted.deemed_accepted
    assert cases.intake_due(runtime.uow, accepted) is None
    [event] = [e for e in cases.case_history(runtime.uow, accepted.id)
               if e.type is EventType.ACCEPTED]
    assert event.payload["deemed_from_receipt"] is True


def test_an_acceptance_within_the_five_days_counts_from_that_day(profile) -> None:
    runtime, staff = profile
    registered = _registered(runtime, staff)
    on_time = MONDAY + timedelta(days=7)  # the fifth working day
    accepted = cases.accept(runtime.uow, staff.clerk, registered.id, seal=counter_seal(runtime),
                            now=on_time)
    assert accepted.accepted_on == on_time.astimezone(CHINA).date()
    assert not accepted.deemed_accepted


# --- 第四十二条: the extension notice ----------------------------------------------------------


def test_an_extension_names_the_heads_approval_and_the_new_date(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    with pytest.raises(ValidationError) as no_head:
        cases.extend(runtime.uow, staff.chief, case.id, working_days=5, reason="需会同消防核实",
                     head_approval=" ", seal=counter_seal(runtime), now=TUESDAY)
    assert no_head.value.field == "head_approval"
    with pytest.raises(PermissionDenied):
        cases.extend(runtime.uow, staff.clerk, case.id, working_days=5, reason="需会同消防核实",
                     head_approval="局长 王建国", seal=counter_seal(runtime), now=TUESDAY)
    case = cases.extend(runtime.uow, staff.chief, case.id, working_days=5,
                        reason="需会同县消防救援大队核实消防安全条件", head_approval="局长 王建国",
                        seal=counter_seal(runtime), now=TUESDAY)
    text = _word(runtime, case.id, DocumentKind.EXTENSION_NOTICE)
    assert "因需会同县消防救援大队核实消防安全条件，本机关不能在原定期限内作出决定" in text
    assert "经本机关负责人（局长王建国）批准，本件办理期限延长5个工作日" in text
    # Three working days from Monday 23 November end on the 26th; five more on 3 December.
    assert "原承诺办结日期2026年11月26日" in text
    assert "延长后办结日期2026年12月3日" in text
    [entry] = _ledger(runtime, staff, "extension_notice")
    assert entry.seal_kind_label == "审批专用章"  # the head's approval: not the window seal


def test_a_second_extension_past_the_statutory_ten_days_writes_nothing(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    cases.extend(runtime.uow, staff.chief, case.id, working_days=8, reason="需现场核查",
                 head_approval="局长 王建国", seal=counter_seal(runtime), now=TUESDAY)
    events = _event_count(runtime)
    with pytest.raises(ValidationError) as over:
        cases.extend(runtime.uow, staff.chief, case.id, working_days=5, reason="仍需核实",
                     head_approval="局长 王建国", seal=counter_seal(runtime), now=TUESDAY)
    assert "最多还能延长2个工作日" in over.value.message
    assert _event_count(runtime) == events
    assert len(_ledger(runtime, staff, "extension_notice")) == 1


def test_an_extension_on_another_statute_cites_it_instead_of_article_42(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff)
    case = cases.extend(runtime.uow, staff.chief, case.id, working_days=20, reason="需专家评审",
                        head_approval="局长 王建国", other_law_basis="《某某管理条例》第二十条",
                        seal=counter_seal(runtime), now=TUESDAY)
    text = _word(runtime, case.id, DocumentKind.EXTENSION_NOTICE)
    assert "根据《某某管理条例》第二十条的规定" in text
    assert "第四十二条" not in text
    assert "本件办理期限延长20个工作日" in text


# --- delivery -------------------------------------------------------------------------------


def _approved(runtime: Runtime, staff: Staff):
    case = _accepted(runtime, staff)
    cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合条件",
                 now=MONDAY + timedelta(hours=1))
    return cases.approve(runtime.uow, staff.chief, case.id, opinion="同意",
                         now=MONDAY + timedelta(hours=2))


def _completed(runtime: Runtime, staff: Staff):
    case = _approved(runtime, staff)
    return seals.apply_seal(runtime.uow, staff.chief, case.id,
                            document_kind="approval_decision", password=PASSWORD,
                            key_store=runtime.key_store, now=MONDAY + timedelta(hours=3))


def test_delivery_seals_a_receipt_naming_the_decision_recipient_and_way(profile) -> None:
    runtime, staff = profile
    decision = _completed(runtime, staff)
    case = cases.deliver(runtime.uow, staff.clerk, decision.case_id, method="窗口领取",
                         receiver="李四", seal=counter_seal(runtime), now=TUESDAY)
    assert case.state is CaseState.DELIVERED
    text = _word(runtime, case.id, DocumentKind.DELIVERY_RECEIPT)
    assert f"送达文书准予行政许可决定书（{decision.document_number}）" in text
    assert "受送达人张三" in text and "送达方式窗口领取" in text and "代收人李四" in text
    assert "送达时间2026年11月24日09:00" in text
    assert "受送达人（签名）：" in text
    [entry] = _ledger(runtime, staff, "delivery_receipt")
    assert entry.copies == 1


# --- the 双章制 window copy -------------------------------------------------------------------


def test_the_window_copy_marked_2_seals_a_decision_as_a_seal_of_its_own(profile) -> None:
    runtime, staff = profile
    copy = seals.register_seal(
        runtime.uow, staff.admin, runtime.key_store, department_code="SCJ",
        authority_name="清河县市场监督管理局", serial="1305340000002", custodian_id=staff.chief.id,
        valid_from=date(2026, 1, 1), valid_to=None, made_on=date(2025, 12, 20),
        made_by="县公安局备案刻章点", kind=SealKind.WINDOW_COPY,
    )
    assert (copy.copy_mark, copy.full_title) == ("2", "清河县市场监督管理局（2）")
    case = _approved(runtime, staff)
    seals.apply_seal(runtime.uow, staff.chief, case.id, document_kind="approval_decision",
                     password=PASSWORD, key_store=runtime.key_store, seal_id=copy.id,
                     now=MONDAY + timedelta(hours=3))
    [entry] = _ledger(runtime, staff, "approval_decision")
    assert (entry.seal_title, entry.seal_kind_label, entry.seal_serial) == (
        "清河县市场监督管理局（2）", "双章制窗口用章", "1305340000002")


def test_the_window_seal_never_goes_on_a_decision(profile) -> None:
    runtime, staff = profile
    [window_seal] = [s for s in seals.list_seals(runtime.uow) if s.kind is SealKind.INTAKE]
    case = _approved(runtime, staff)
    with pytest.raises(SealRefused) as refused:
        seals.apply_seal(runtime.uow, staff.chief, case.id, document_kind="approval_decision",
                         password=PASSWORD, key_store=runtime.key_store, seal_id=window_seal.id,
                         now=MONDAY + timedelta(hours=3))
    assert refused.value.code == "seal_kind_not_for_document"


# --- the ledger ----------------------------------------------------------------------------


def test_the_ledger_pdf_names_each_seal_and_is_signed_by_its_department(profile) -> None:
    import pdfplumber

    runtime, staff = profile
    _completed(runtime, staff)
    pdf = seals.ledger_pdf(runtime.uow, staff.supervisor, start=date(2026, 11, 1),
                           end=date(2026, 11, 30), now=datetime(2026, 12, 5, 2, tzinfo=UTC))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text = "".join("".join((page.extract_text() or "").split()) for page in document.pages)
        cells = ["".join((cell or "").split()) for page in document.pages
                 for table in page.extract_tables() for row in table for cell in row]
    assert "保管部门：县市场监督管理局；保管人：王首席（审批专用章、受理专用章）" in text
    assert "当场受理，出具受理通知书" in cells and "作出准予行政许可决定" in cells
    assert any(c.startswith("清河县市场监督管理局受理专用章（受理专用章") for c in cells)
    # Signed by the custodian department, dated the period's last day.
    assert "县市场监督管理局2026年11月30日" in text


def test_the_default_ledger_period_is_this_month_in_beijing() -> None:
    # 20:00 UTC on 30 November is already 1 December in Beijing.
    assert seals.default_ledger_period(datetime(2026, 11, 30, 20, 0, tzinfo=UTC)) == (
        date(2026, 12, 1), date(2026, 12, 1))
