"""受理登记 through the real widgets: type, tick, click; check the result through the services."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
)

from app.domain.case import CaseState
from app.forms.case_page import CasePage
from app.forms.registration import RegistrationPage
from app.services import cases, queries
from tests import test_ui_support
from tests.profile_fixtures import PASSWORD
from tests.test_ui_support import GUI, GuiProfile, find, type_into, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile

VALID_ID = "11010519491231002X"
BAD_CHECK_DIGIT = "110105194912310021"


def _page(qtbot, gui_profile: GuiProfile) -> RegistrationPage:
    context = gui_profile.context(gui_profile.staff.clerk)
    page = RegistrationPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    return page


def _choose_matter(qtbot, page: RegistrationPage) -> None:
    search = find(page, QLineEdit, "matterSearchEdit")
    type_into(qtbot, search, "gtgshdj")
    qtbot.waitUntil(lambda: page.picker.result_list.count() == 1
                    and page.picker.matter is not None)
    assert page.picker.matter.name == "个体工商户登记"


def _fill_applicant(qtbot, page: RegistrationPage, id_number: str = VALID_ID) -> None:
    type_into(qtbot, find(page, QLineEdit, "applicantNameEdit"), "张三")
    type_into(qtbot, find(page, QLineEdit, "applicantIdEdit"), id_number)
    type_into(qtbot, find(page, QLineEdit, "applicantPhoneEdit"), "13800138000")
    type_into(qtbot, find(page, QLineEdit, "applicantAddressEdit"), "城关镇人民路1号")


def _receive(page: RegistrationPage, *indexes: int) -> None:
    for index, row in enumerate(page.materials.rows):
        if row.received_check.isChecked() != (index in indexes):
            row.received_check.click()


def _accept(qtbot, page: RegistrationPage, password: str = PASSWORD) -> None:
    """Click 受理, confirm sealing the acceptance notice with the password."""
    qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
    dialog = page.accept_dialog
    assert dialog is not None and dialog.isVisible()
    find(dialog, QLineEdit, "acceptPasswordEdit").setText(password)
    qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"), Qt.MouseButton.LeftButton)


def _count(gui_profile: GuiProfile) -> int:
    return queries.count_cases(gui_profile.runtime.uow, gui_profile.staff.clerk)


def test_pinyin_initials_find_the_matter_and_show_its_guide(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    assert "经营场所使用证明" in page.picker.guide_view.toPlainText()
    assert [row.material.name for row in page.materials.rows] == [
        "个体工商户登记申请书", "经营者身份证明", "经营场所使用证明"]


def test_registering_and_accepting_through_the_form(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    _receive(page, 0, 1, 2)
    with qtbot.waitSignal(page.registered, timeout=20000) as blocker:
        _accept(qtbot, page)
    outcome = blocker.args[0]
    assert outcome.error is None
    case = cases.get_case(gui_profile.runtime.uow, outcome.case.id)
    assert case.state is CaseState.ACCEPTED
    # The applicant leaves with the acceptance notice sealed now, not with a draft.
    assert [item.title for item in outcome.documents] == ["材料接收凭证", "受理通知书（已盖章）"]
    assert [s["document_kind"] for s in case.seals] == ["acceptance_notice"]
    assert case.applicant["id_number"] == VALID_ID
    assert case.first_responder_id == gui_profile.staff.clerk.id
    assert all(m["received"] for m in case.materials)
    assert case.number in page.message_bar.text
    assert page.applicant.name_edit.text() == ""  # ready for the next applicant
    wait_idle(qtbot, page.context)
    if page.preview_dialog is not None:
        page.preview_dialog.close()


def test_an_invalid_id_number_is_marked_as_typed_and_accept_saves_nothing(
        qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page, BAD_CHECK_DIGIT)
    error = find(page, QLabel, "applicantIdEditError")
    assert error.isVisible()
    assert "校验位不符" in error.text()
    _receive(page, 0, 1, 2)
    qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, page.context)
    assert page.message_bar.level == "error"
    assert error.isVisible()
    assert QApplication.focusWidget() in (None, page.applicant.id_edit)
    assert _count(gui_profile) == 0
    assert page.applicant.name_edit.text() == "张三"  # nothing typed is lost


def test_a_partial_id_number_is_not_nagged_about_until_complete(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    type_into(qtbot, page.applicant.id_edit, "1101051949")
    assert not find(page, QLabel, "applicantIdEditError").isVisible()
    assert page.applicant.id_hint.text() == "10/18"


def test_accept_with_a_material_missing_is_refused_and_points_to_the_notice(
        qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    _receive(page, 0, 1)
    qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, page.context)
    assert "一次性告知" in page.message_bar.text
    assert "经营场所使用证明" in page.message_bar.text
    assert _count(gui_profile) == 0


def test_one_time_notice_then_supplement_then_accept(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    _receive(page, 0)
    qtbot.mouseClick(find(page, QPushButton, "noticeButton"), Qt.MouseButton.LeftButton)
    dialog = page.notice_dialog
    assert dialog is not None and dialog.isVisible()
    assert [c.isChecked() for c in dialog.checks] == [False, True, True]
    find(dialog, QLineEdit, "noticePasswordEdit").setText(PASSWORD)
    with qtbot.waitSignal(page.registered, timeout=20000) as blocker:
        qtbot.mouseClick(find(dialog, QPushButton, "noticeSubmitButton"),
                         Qt.MouseButton.LeftButton)
    case_id = blocker.args[0].case.id
    uow = gui_profile.runtime.uow
    case = cases.get_case(uow, case_id)
    assert case.state is CaseState.AWAITING_SUPPLEMENT
    assert [m["name"] for m in case.missing_materials] == ["经营者身份证明", "经营场所使用证明"]
    assert not dialog.isVisible()
    wait_idle(qtbot, page.context)
    if page.preview_dialog is not None:
        page.preview_dialog.close()

    case_page = CasePage(page.context)
    qtbot.addWidget(case_page)
    case_page.show()
    with qtbot.waitSignal(case_page.loaded, timeout=10000):
        case_page.load(case_id)
    case_page.action_buttons["supplement"].click()
    supplement = case_page.dialog
    with qtbot.waitSignal(case_page.loaded, timeout=10000):
        qtbot.mouseClick(find(supplement, QPushButton, "dialogSubmitButton"),
                         Qt.MouseButton.LeftButton)
    assert cases.get_case(uow, case_id).state is CaseState.REGISTERED
    case_page.action_buttons["accept"].click()
    accept = case_page.dialog
    find(accept, QLineEdit, "acceptPasswordEdit").setText(PASSWORD)
    with qtbot.waitSignal(case_page.loaded, timeout=20000):
        qtbot.mouseClick(find(accept, QPushButton, "dialogSubmitButton"),
                         Qt.MouseButton.LeftButton)
    case = cases.get_case(uow, case_id)
    assert case.state is CaseState.ACCEPTED
    assert [s["document_kind"] for s in case.seals] == ["one_time_notice", "acceptance_notice"]
    assert case.supplement_deadline is not None
    wait_idle(qtbot, page.context)
    assert case_page.preview_dialog is not None  # the sealed notice, to hand over
    case_page.preview_dialog.close()
    wait_idle(qtbot, page.context)


def test_reject_needs_a_reason(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    qtbot.mouseClick(find(page, QPushButton, "rejectButton"), Qt.MouseButton.LeftButton)
    dialog = page.reject_dialog
    assert dialog is not None and dialog.isVisible()
    submit = find(dialog, QPushButton, "dialogSubmitButton")
    qtbot.mouseClick(submit, Qt.MouseButton.LeftButton)
    assert find(dialog, QLabel, "rejectReasonsEditError").isVisible()
    assert _count(gui_profile) == 0
    find(dialog, QPlainTextEdit, "rejectReasonsEdit").setPlainText("申请事项不属于本机关职权范围")
    find(dialog, QLineEdit, "rejectPasswordEdit").setText(PASSWORD)
    # 第三十二条第一款第（二）项 (the first ground) needs the authority to apply to.
    assert find(dialog, QComboBox, "rejectGroundCombo").currentData() == "outside_powers"
    qtbot.mouseClick(submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: find(dialog, QLabel, "rejectRedirectEditError").isVisible(),
                    timeout=10000)
    assert "应当向哪个机关申请" in find(dialog, QLabel, "rejectRedirectEditError").text()
    find(dialog, QLineEdit, "rejectRedirectEdit").setText("市市场监督管理局")
    with qtbot.waitSignal(page.registered, timeout=20000) as blocker:
        qtbot.mouseClick(submit, Qt.MouseButton.LeftButton)
    case = cases.get_case(gui_profile.runtime.uow, blocker.args[0].case.id)
    assert case.state is CaseState.REJECTED
    assert case.rejection["reasons"] == "申请事项不属于本机关职权范围"
    assert case.rejection["ground"] == "outside_powers"
    assert case.rejection["redirect_authority"] == "市市场监督管理局"
    wait_idle(qtbot, page.context)
    if page.preview_dialog is not None:
        page.preview_dialog.close()


def test_a_legal_person_with_an_agent_whose_phone_is_wrong(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    page.legal_radio.click()
    assert [page.applicant.id_type_combo.itemData(i)
            for i in range(page.applicant.id_type_combo.count())] == ["uscc"]
    type_into(qtbot, page.applicant.name_edit, "城关镇好运来商店")
    type_into(qtbot, page.applicant.id_edit, "91110000100000000A")
    assert "统一社会信用代码" in find(page, QLabel, "applicantIdEditError").text()
    type_into(qtbot, page.applicant.id_edit, "91110000100000000R")
    type_into(qtbot, page.applicant.phone_edit, "0571-87654321")
    find(page, type(page.agent_check), "agentCheck").click()
    type_into(qtbot, find(page, QLineEdit, "agentNameEdit"), "李四")
    type_into(qtbot, find(page, QLineEdit, "agentIdEdit"), VALID_ID)
    type_into(qtbot, find(page, QLineEdit, "agentPhoneEdit"), "12345")
    _receive(page, 0, 1, 2, 3)
    qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
    assert "代理人" in find(page, QLabel, "agentPhoneEditError").text()
    assert _count(gui_profile) == 0
    type_into(qtbot, find(page, QLineEdit, "agentPhoneEdit"), "13900139000")
    with qtbot.waitSignal(page.registered, timeout=20000) as blocker:
        _accept(qtbot, page)
    case = cases.get_case(gui_profile.runtime.uow, blocker.args[0].case.id)
    assert case.applicant["kind"] == "legal"
    assert case.applicant["agent"]["name"] == "李四"
    wait_idle(qtbot, page.context)
    if page.preview_dialog is not None:
        page.preview_dialog.close()


def test_enter_moves_on_through_the_applicant_fields(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    page.activateWindow()
    _choose_matter(qtbot, page)
    qtbot.keyClick(page.picker.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.applicant.name_edit)
    type_into(qtbot, page.applicant.name_edit, "张三")
    qtbot.keyClick(page.applicant.name_edit, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is page.applicant.id_type_combo
    qtbot.keyClick(page.applicant.id_type_combo, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is page.applicant.id_edit


def test_a_refused_outcome_after_registration_never_registers_twice(
        qtbot, gui_profile, monkeypatch) -> None:
    from app.domain.errors import TransitionError

    def refuse(*_args, **_kwargs):
        raise TransitionError("illegal_transition", "办件状态已变化，不能受理。")

    monkeypatch.setattr(cases, "accept", refuse)
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    _receive(page, 0, 1, 2)
    with qtbot.waitSignal(page.registered, timeout=20000) as blocker:
        _accept(qtbot, page)
    outcome = blocker.args[0]
    assert outcome.error is not None
    assert page.message_bar.level == "warning"
    assert "办件状态已变化" in page.message_bar.text
    assert outcome.case.number in page.message_bar.text
    assert page.applicant.name_edit.text() == ""
    assert _count(gui_profile) == 1


def _wheel(widget, steps: int = -3) -> None:
    """A real wheel event over ``widget``, delivered as Qt delivers the mouse's."""
    from PyQt6.QtCore import QPoint, QPointF
    from PyQt6.QtGui import QWheelEvent

    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_over_the_form_never_changes_a_material_or_an_id_type(
    qtbot, gui_profile
) -> None:
    from PyQt6.QtWidgets import QComboBox, QSpinBox

    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    form = find(page, QComboBox, "materialForm0")
    copies = find(page, QSpinBox, "materialCopies0")
    id_type = find(page, QComboBox, "applicantIdTypeCombo")
    before = (form.currentIndex(), copies.value(), id_type.currentIndex())
    find(page, QLineEdit, "applicantNameEdit").setFocus()
    for widget in (form, copies, id_type):
        _wheel(widget, -3)
        _wheel(widget, 2)
    assert (form.currentIndex(), copies.value(), id_type.currentIndex()) == before
    assert not any(w.hasFocus() for w in (form, copies, id_type))


def test_the_wheel_changes_a_field_the_clerk_has_clicked_into(qtbot, gui_profile) -> None:
    from PyQt6.QtWidgets import QSpinBox

    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    copies = find(page, QSpinBox, "materialCopies0")
    qtbot.mouseClick(copies, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(copies.hasFocus)
    start = copies.value()
    _wheel(copies, 1)
    assert copies.value() == start + 1


def test_a_wrong_password_registers_nothing_and_keeps_the_dialog(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    _receive(page, 0, 1, 2)
    _accept(qtbot, page, password="not-my-password")
    wait_idle(qtbot, page.context)
    assert page.accept_dialog is not None and page.accept_dialog.isVisible()
    assert "密码不正确" in page.accept_dialog.errors.errors()["password"]
    assert _count(gui_profile) == 0
    assert page.applicant.name_edit.text() == "张三"


def test_accepting_without_a_window_seal_says_what_to_register(qtbot, gui_profile) -> None:
    from app.domain.seal import SealStatus
    from app.services import seals

    [window_seal] = seals.list_seals(gui_profile.runtime.uow)
    seals.set_seal_status(gui_profile.runtime.uow, gui_profile.staff.admin, window_seal.id,
                          SealStatus.REVOKED)
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    _receive(page, 0, 1, 2)
    with qtbot.waitSignal(page.registered, timeout=20000) as blocker:
        _accept(qtbot, page)
    outcome = blocker.args[0]
    assert outcome.error is not None and outcome.error.code == "seal_revoked"
    # Registered, not accepted: no unsealed notice was issued.
    case = cases.get_case(gui_profile.runtime.uow, outcome.case.id)
    assert case.state is CaseState.REGISTERED and case.seals == []


def test_a_known_id_number_fills_name_phone_and_address(qtbot, gui_profile) -> None:
    test_ui_support.register(gui_profile, phone="13900139000", address="城关镇新华街8号")
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    type_into(qtbot, find(page, QLineEdit, "applicantIdEdit"), VALID_ID)
    qtbot.waitUntil(lambda: page.applicant.name_edit.text() == "张三")
    assert page.applicant.phone_edit.text() == "13900139000"
    assert page.address_edit.text() == "城关镇新华街8号"
    label = find(page, QLabel, "knownApplicantLabel")
    assert label.isVisible() and "本站已办理过该申请人" in label.text()


def test_a_known_id_number_under_another_name_warns_and_asks_for_a_reason(
    qtbot, gui_profile
) -> None:
    test_ui_support.register(gui_profile)
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    type_into(qtbot, find(page, QLineEdit, "applicantNameEdit"), "张叁")
    type_into(qtbot, find(page, QLineEdit, "applicantIdEdit"), VALID_ID)
    label = find(page, QLabel, "knownApplicantLabel")
    qtbot.waitUntil(lambda: label.isVisible() and "张三" in label.text())
    assert "不一致" in label.text()
    assert page.applicant.name_edit.text() == "张叁"  # what the clerk typed stays
    _receive(page, 0, 1, 2)
    before = _count(gui_profile)
    _accept(qtbot, page)
    qtbot.waitUntil(lambda: page.identity_dialog is not None and page.identity_dialog.isVisible())
    assert _count(gui_profile) == before
    assert "张三" in page.errors.errors()["name"]  # next to the name, and in the banner
    assert page.message_bar.isVisible()
    dialog = page.identity_dialog
    qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"), Qt.MouseButton.LeftButton)
    assert "请填写原因" in dialog.errors.errors()["reason"]
    dialog.inputs["reason"].setPlainText("申请人已依法更名")
    with qtbot.waitSignal(page.registered, timeout=20000) as blocker:
        qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"),
                         Qt.MouseButton.LeftButton)
    case = cases.get_case(gui_profile.runtime.uow, blocker.args[0].case.id)
    assert case.applicant_name == "张叁"
    assert case.identity_note["reason"] == "申请人已依法更名"
    assert case.identity_note["previous_name"] == "张三"
    wait_idle(qtbot, page.context)
    if page.preview_dialog is not None:
        page.preview_dialog.close()


def test_an_agent_case_asks_for_the_letter_of_authorization(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    _receive(page, 0, 1, 2)
    find(page, type(page.agent_check), "agentCheck").click()
    names = [row.material.name for row in page.materials.rows]
    assert names[-1] == "授权委托书" and len(names) == 4
    assert all(row.received_check.isChecked() for row in page.materials.rows[:3])  # kept
    type_into(qtbot, find(page, QLineEdit, "agentNameEdit"), "李四")
    type_into(qtbot, find(page, QLineEdit, "agentIdEdit"), "110105198001011238")
    type_into(qtbot, find(page, QLineEdit, "agentPhoneEdit"), "13900139000")
    qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
    assert "授权委托书" in page.message_bar.text and _count(gui_profile) == 0
    page.materials.rows[3].received_check.click()
    with qtbot.waitSignal(page.registered, timeout=20000) as blocker:
        _accept(qtbot, page)
    case = cases.get_case(gui_profile.runtime.uow, blocker.args[0].case.id)
    assert case.state is CaseState.ACCEPTED
    letter = next(m for m in case.materials if m["name"] == "授权委托书")
    assert letter["received"] is True
    wait_idle(qtbot, page.context)
    if page.preview_dialog is not None:
        page.preview_dialog.close()


def test_the_success_banner_goes_when_the_next_registration_begins(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    _receive(page, 0, 1, 2)
    with qtbot.waitSignal(page.registered, timeout=20000):
        _accept(qtbot, page)
    wait_idle(qtbot, page.context)
    if page.preview_dialog is not None:
        page.preview_dialog.close()
    assert page.message_bar.isVisible() and page.message_bar.level == "success"
    type_into(qtbot, find(page, QLineEdit, "matterSearchEdit"), "gtgshdj")
    assert not page.message_bar.isVisible()


def test_a_field_error_and_its_banner_go_when_the_field_is_fixed(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    find(page, QLineEdit, "applicantNameEdit").clear()
    _receive(page, 0, 1, 2)
    qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
    assert "请填写申请人姓名" in page.errors.errors()["name"]
    assert page.message_bar.isVisible() and "1处需要更正" in page.message_bar.text
    type_into(qtbot, find(page, QLineEdit, "applicantNameEdit"), "张三")
    assert "name" not in page.errors.errors()
    assert not find(page, QLabel, "applicantNameEditError").isVisible()
    assert not page.message_bar.isVisible()
    _receive(page, 0, 1)
    qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
    assert "经营场所使用证明" in page.errors.errors()["materials"]
    assert "经营场所使用证明" in page.message_bar.text  # beside the list and in the banner
    page.materials.rows[2].received_check.click()
    assert "materials" not in page.errors.errors() and not page.message_bar.isVisible()


def test_accepting_shows_what_will_happen_and_enter_goes_on(qtbot, gui_profile):
    from PyQt6.QtWidgets import QLabel

    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    _receive(page, 0, 1, 2)
    qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
    dialog = page.accept_dialog
    assert dialog is not None and dialog.isVisible()
    summary = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "个体工商户登记" in summary and "张三" in summary and "已收材料3项" in summary
    assert "受理后不能撤销" in summary and "承诺时限" in summary
    assert dialog.submit_button.isDefault()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # back to the form: nothing saved
    qtbot.waitUntil(lambda: not dialog.isVisible())
    wait_idle(qtbot, page.context)
    assert _count(gui_profile) == 0 and page.applicant.name_edit.text() == "张三"
    qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
    dialog = page.accept_dialog
    type_into(qtbot, find(dialog, QLineEdit, "acceptPasswordEdit"), PASSWORD)
    with qtbot.waitSignal(page.registered, timeout=20000):
        qtbot.keyClick(find(dialog, QLineEdit, "acceptPasswordEdit"), Qt.Key.Key_Return)
    assert _count(gui_profile) == 1
    wait_idle(qtbot, page.context)
    if page.preview_dialog is not None:
        page.preview_dialog.close()
