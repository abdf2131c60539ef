"""Review, approval and seal queues, and delivery: 一审一核 through the real screens."""

from __future__ import annotations

from datetime import date

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton

from app.domain.case import CaseState
from app.forms.case_page import CasePage
from app.forms.queues import ApprovalQueuePage, ReviewQueuePage, SealPage
from app.services import cases, seals
from tests import test_ui_support
from tests.profile_fixtures import counter_seal
from tests.test_ui_support import (
    GUI,
    GuiProfile,
    accepted,
    confirm_act,
    find,
    reviewed,
    wait_idle,
)

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _open(qtbot, page_class, profile: GuiProfile, user):
    context = profile.context(user)
    page = page_class(context)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: context.runner.idle and (page.case is not None
                                                     or page.model.exhausted))
    wait_idle(qtbot, context)
    return page


def test_review_through_the_review_queue(qtbot, gui_profile) -> None:
    case = accepted(gui_profile)
    page = _open(qtbot, ReviewQueuePage, gui_profile, gui_profile.staff.clerk2)
    assert page.case is not None and page.case.id == case.id
    opinion = find(page, QPlainTextEdit, "reviewOpinionEdit")
    opinion.setPlainText("申请材料齐全，经审查符合法定条件。")
    with qtbot.waitSignal(page.caseChanged, timeout=10000):
        qtbot.mouseClick(find(page, QPushButton, "reviewSubmitButton"), Qt.MouseButton.LeftButton)
    reviewed_case = cases.get_case(gui_profile.runtime.uow, case.id)
    assert reviewed_case.state is CaseState.REVIEWED
    assert reviewed_case.reviewer_id == gui_profile.staff.clerk2.id
    wait_idle(qtbot, page.context)
    assert page.model.rowCount() == 0


def test_approval_through_the_approval_page(qtbot, gui_profile) -> None:
    case = reviewed(gui_profile)
    page = _open(qtbot, ApprovalQueuePage, gui_profile, gui_profile.staff.chief)
    assert page.model.rowCount() == 1
    assert "材料齐全，符合法定条件" in page.detail.toPlainText()
    opinion = find(page, QPlainTextEdit, "approvalOpinionEdit")
    opinion.setPlainText("同意，准予许可。")
    qtbot.mouseClick(find(page, QPushButton, "approveButton"), Qt.MouseButton.LeftButton)
    # Nothing is recorded until the summary is confirmed (Enter: the act is the default).
    assert cases.get_case(gui_profile.runtime.uow, case.id).state is CaseState.REVIEWED
    with qtbot.waitSignal(page.caseChanged, timeout=10000):
        confirm_act(qtbot, page, expect=case.number)
    approved = cases.get_case(gui_profile.runtime.uow, case.id)
    assert approved.state is CaseState.APPROVED
    assert approved.decision["opinion"] == "同意，准予许可。"
    assert "准予许可" in page.message_bar.text


def test_deny_needs_reasons_and_keeps_the_opinion(qtbot, gui_profile) -> None:
    case = reviewed(gui_profile)
    page = _open(qtbot, ApprovalQueuePage, gui_profile, gui_profile.staff.chief)
    find(page, QPlainTextEdit, "approvalOpinionEdit").setPlainText("不同意。")
    qtbot.mouseClick(find(page, QPushButton, "denyButton"), Qt.MouseButton.LeftButton)
    assert find(page, QLabel, "denyReasonsEditError").isVisible()
    assert cases.get_case(gui_profile.runtime.uow, case.id).state is CaseState.REVIEWED
    assert find(page, QPlainTextEdit, "approvalOpinionEdit").toPlainText() == "不同意。"
    find(page, QPlainTextEdit, "denyReasonsEdit").setPlainText("经营场所不符合规定。")
    qtbot.mouseClick(find(page, QPushButton, "denyButton"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.caseChanged, timeout=10000):
        confirm_act(qtbot, page, expect="不予许可")
    assert cases.get_case(gui_profile.runtime.uow, case.id).state is CaseState.DENIED


def test_the_chief_who_reviewed_may_not_approve_it(qtbot, gui_profile) -> None:
    reviewed(gui_profile, reviewer=gui_profile.staff.chief)
    page = _open(qtbot, ApprovalQueuePage, gui_profile, gui_profile.staff.chief)
    assert find(page, QLabel, "samePersonLabel").isVisible()
    assert not find(page, QPushButton, "approveButton").isEnabled()


@pytest.fixture
def sealed_profile(gui_profile):
    staff = gui_profile.staff
    seals.register_seal(
        gui_profile.runtime.uow, staff.admin, gui_profile.runtime.key_store,
        department_code="SCJ", authority_name="县市场监督管理局", serial="1305340000001",
        custodian_id=staff.chief.id, valid_from=date(2026, 1, 1), valid_to=None,
        made_on=date(2025, 12, 20), made_by="县公安局备案刻章点",
    )
    return gui_profile


def test_seal_then_deliver(qtbot, sealed_profile) -> None:
    profile = sealed_profile
    case = reviewed(profile)
    cases.approve(profile.runtime.uow, profile.staff.chief, case.id, opinion="同意")
    page = _open(qtbot, SealPage, profile, profile.staff.chief)
    assert page.model.rowCount() == 1
    assert page.kind_combo.currentData() == "approval_decision"
    password = find(page, QLineEdit, "sealPasswordEdit")
    password.setText("wrong-password9")
    qtbot.mouseClick(find(page, QPushButton, "sealButton"), Qt.MouseButton.LeftButton)
    confirm_act(qtbot, page)
    wait_idle(qtbot, page.context)
    assert "密码不正确" in find(page, QLabel, "sealPasswordEditError").text()
    assert cases.get_case(profile.runtime.uow, case.id).state is CaseState.APPROVED
    password.setText("counter2026")
    qtbot.mouseClick(find(page, QPushButton, "sealButton"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.caseChanged, timeout=30000):
        confirm_act(qtbot, page, expect="用印时间即本件的法定办结时间")
    sealed = cases.get_case(profile.runtime.uow, case.id)
    assert sealed.state is CaseState.COMPLETED
    assert sealed.completed_at is not None
    wait_idle(qtbot, page.context)
    assert page.preview_dialog is not None
    # Straight after sealing, the Word reference copy is there to save beside the PDF.
    [item] = page.preview_dialog.items
    assert item.docx and item.docx_is_reference_copy
    assert page.preview_dialog.save_word_button.isVisible()
    page.preview_dialog.close()

    context = profile.context(profile.staff.clerk)
    case_page = CasePage(context)
    qtbot.addWidget(case_page)
    case_page.show()
    with qtbot.waitSignal(case_page.loaded, timeout=10000):
        case_page.load(case.id)
    # The acceptance notice sealed at the counter, and the decision.
    assert case_page.documents_list.topLevelItemCount() == 2
    case_page.action_buttons["deliver"].click()
    dialog = case_page.dialog
    dialog.inputs["receiver"].setText("张三")
    find(dialog, QLineEdit, "deliverPasswordEdit").setText("counter2026")
    with qtbot.waitSignal(case_page.loaded, timeout=20000):
        qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"),
                         Qt.MouseButton.LeftButton)
    delivered = cases.get_case(profile.runtime.uow, case.id)
    assert delivered.state is CaseState.DELIVERED
    assert delivered.delivery["receiver"] == "张三"
    assert delivered.seals[-1]["document_kind"] == "delivery_receipt"
    wait_idle(qtbot, case_page.context)
    assert case_page.preview_dialog is not None  # the 送达回证, for the recipient to sign
    case_page.preview_dialog.close()


def test_a_clerk_has_no_seal_page_work(qtbot, sealed_profile) -> None:
    profile = sealed_profile
    case = reviewed(profile)
    cases.approve(profile.runtime.uow, profile.staff.chief, case.id, opinion="同意")
    page = _open(qtbot, SealPage, profile, profile.staff.clerk)
    assert page.model.rowCount() == 0


def test_a_sealed_document_is_saved_as_word_only_as_a_copy_without_the_seal(
    qtbot, sealed_profile, tmp_path, monkeypatch
) -> None:
    import io
    import zipfile

    from PyQt6.QtWidgets import QFileDialog

    from app.print_templates import DocumentKind

    profile = sealed_profile
    case = reviewed(profile)
    cases.approve(profile.runtime.uow, profile.staff.chief, case.id, opinion="同意")
    seals.apply_seal(profile.runtime.uow, profile.staff.chief, case.id,
                     document_kind=DocumentKind.APPROVAL_DECISION, password="counter2026",
                     key_store=profile.runtime.key_store)
    context = profile.context(profile.staff.clerk)
    case_page = CasePage(context)
    qtbot.addWidget(case_page)
    case_page.show()
    with qtbot.waitSignal(case_page.loaded, timeout=10000):
        case_page.load(case.id)
    case_page.documents_list.setCurrentItem(case_page.documents_list.topLevelItem(0))
    find(case_page, QPushButton, "openDocumentButton").click()
    qtbot.waitUntil(lambda: case_page.preview_dialog is not None, timeout=10000)
    dialog = case_page.preview_dialog
    offered: list[str] = []
    target = tmp_path / "decision.docx"

    def save_as(_parent, _caption, _name, filters):
        offered.extend(filters.split(";;"))
        return str(target), offered[-1]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_as)
    find(dialog, QPushButton, "saveDocumentButton").click()
    said = dialog.status_label.text()
    dialog.close()
    assert offered[-1].startswith("Word 参考副本，不含印章")
    assert "参考副本（不含印章" in said and str(target) in said
    media = [n for n in zipfile.ZipFile(io.BytesIO(target.read_bytes())).namelist()
             if n.startswith("word/media/")]
    assert len(media) == 1  # the QR code; no picture of the seal


def test_approving_a_licence_asks_for_the_certificate_fields(qtbot, gui_profile) -> None:
    from app.domain.catalog import standard_permit_fields
    from app.services import catalog
    from tests.profile_fixtures import business_matter

    catalog.save_matter(gui_profile.runtime.uow, gui_profile.staff.admin, business_matter(
        certificate_name="营业执照", permit_fields=standard_permit_fields()))
    case = reviewed(gui_profile)
    page = _open(qtbot, ApprovalQueuePage, gui_profile, gui_profile.staff.chief)
    assert page.result_box.isVisible() and page.result_box.title() == "《营业执照》"
    find(page, QPlainTextEdit, "approvalOpinionEdit").setPlainText("同意，准予许可。")
    qtbot.mouseClick(find(page, QPushButton, "approveButton"), Qt.MouseButton.LeftButton)
    confirm_act(qtbot, page)
    qtbot.waitUntil(lambda: find(page, QLabel, "resultField_numberError").isVisible(),
                    timeout=10000)
    assert "请填写证件编号" in find(page, QLabel, "resultField_numberError").text()
    assert cases.get_case(gui_profile.runtime.uow, case.id).state is CaseState.REVIEWED
    find(page, QLineEdit, "resultField_number").setText("92130534MA0XXXXX1A")
    find(page, QLineEdit, "resultField_validity").setText("长期")
    find(page, QLineEdit, "resultField_scope").setText("日用百货零售")
    qtbot.mouseClick(find(page, QPushButton, "approveButton"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.caseChanged, timeout=10000):
        confirm_act(qtbot, page)
    approved = cases.get_case(gui_profile.runtime.uow, case.id)
    assert approved.state is CaseState.APPROVED
    assert [f["value"] for f in approved.decision["result_fields"]] == [
        "92130534MA0XXXXX1A", "长期", "日用百货零售"]


def _legacy_rejection(profile: GuiProfile):
    """A case rejected before notices were sealed at the counter (as a station that ran
    an older CounterDesk pushes it): its rejection notice still waits for the seal."""
    from app.domain.events import Event, EventType
    from app.services.context import utc_now
    from app.sync import local
    from tests.test_ui_support import register

    case = register(profile)
    clerk = profile.staff.clerk
    event = Event(case_id=case.id, type=EventType.REJECTED, actor_id=clerk.id,
                  actor_name=clerk.display_name, station=clerk.station, device_time=utc_now(),
                  payload={"reasons": "不属于本机关职权", "ground": "outside_powers",
                           "redirect_authority": "县自然资源局"})
    with profile.runtime.uow() as uow:
        # The registration was pushed long ago; the rejection comes from the server.
        held = [e.id for e in uow.events.for_case(case.id)]
        for number, event_id in enumerate(held, start=1):
            uow.events.set_server_sequence(event_id, number)
        uow.events.remove_from_outbox(held)
        local.store_pulled(uow, event, len(held) + 1)
        uow.commit()
    return case


def test_every_document_waiting_for_a_seal_is_in_the_seal_queue(qtbot, sealed_profile) -> None:
    from app.services import queries
    from app.services.context import utc_now
    from tests.test_ui_support import register

    profile = sealed_profile
    legacy = _legacy_rejection(profile)
    sealed_at_counter = register(profile)
    cases.reject(profile.runtime.uow, profile.staff.clerk, sealed_at_counter.id,
                 reasons="不属于本机关职权", ground="outside_powers",
                 redirect_authority="县自然资源局", seal=counter_seal(profile.runtime))
    decided = reviewed(profile)
    cases.approve(profile.runtime.uow, profile.staff.chief, decided.id, opinion="同意",
                  now=utc_now())
    queued = {s.id for s in queries.sealing_queue(profile.runtime.uow, profile.staff.chief)}
    assert queued == {legacy.id, decided.id}
    page = _open(qtbot, SealPage, profile, profile.staff.chief)
    rows = [s.id for s in page.model.summaries()]
    assert set(rows) == {legacy.id, decided.id}
    page.table.selectRow(rows.index(legacy.id))
    qtbot.waitUntil(lambda: page.case is not None and page.case.id == legacy.id)
    assert [page.kind_combo.itemData(i) for i in range(page.kind_combo.count())] == [
        "rejection_notice"]
