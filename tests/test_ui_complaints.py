"""The 投诉与差评 page driven like the complaint desk and the window would."""

from __future__ import annotations

from PyQt6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QPushButton, QTreeWidget

from app.forms.complaints_page import ComplaintsPage
from app.services import cases, complaints, evaluations
from tests import test_ui_support
from tests.profile_fixtures import NATURAL_APPLICANT
from tests.test_ui_support import GUI, GuiProfile, find, type_into, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _page(qtbot, profile: GuiProfile, user) -> ComplaintsPage:
    context = profile.context(user)
    page = ComplaintsPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 760)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    return page


def _dialog(qtbot, page: ComplaintsPage):
    qtbot.waitUntil(lambda: page._dialog is not None and page._dialog.isVisible())
    return page._dialog


def test_registering_a_complaint_through_the_dialog_lists_it(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile, gui_profile.staff.supervisor)
    find(page, QPushButton, "registerComplaintButton").click()
    dialog = _dialog(qtbot, page)
    type_into(qtbot, find(dialog, QLineEdit, "nameInput"), "孙投诉")
    type_into(qtbot, find(dialog, QLineEdit, "phoneInput"), "13900139000")
    people = find(dialog, QComboBox, "staff_idInput")
    people.setCurrentIndex(people.findData(gui_profile.staff.clerk.id))
    find(dialog, QPlainTextEdit, "contentInput").setPlainText("窗口人员态度生硬")
    dialog.submit_button.click()
    tree = find(page, QTreeWidget, "complaintTree")
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1, timeout=10000)
    item = tree.topLevelItem(0)
    assert item.text(3) == "孙投诉" and "李受理" in item.text(4)
    assert item.text(5) == "已登记待交办"
    assert not dialog.isVisible()


def test_a_named_complaint_without_phone_is_refused_in_the_dialog(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile, gui_profile.staff.supervisor)
    find(page, QPushButton, "registerComplaintButton").click()
    dialog = _dialog(qtbot, page)
    type_into(qtbot, find(dialog, QLineEdit, "nameInput"), "孙投诉")
    type_into(qtbot, find(dialog, QLineEdit, "window_nameInput"), "3号窗口")
    find(dialog, QPlainTextEdit, "contentInput").setPlainText("推诿")
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: dialog.submit_button.isEnabled())
    assert dialog.isVisible()
    assert "联系电话" in dialog.errors.label("phone").text()
    assert find(dialog, QLineEdit, "nameInput").text() == "孙投诉"


def test_the_assignee_records_the_finding_and_the_desk_answers(qtbot, gui_profile) -> None:
    staff = gui_profile.staff
    uow = gui_profile.runtime.uow
    complaint = complaints.register_complaint(
        uow, staff.supervisor, channel="phone", complainant={"name": "孙投诉", "phone": "139"},
        content="推诿", staff_id=staff.clerk.id)
    complaints.assign_complaint(uow, staff.supervisor, complaint.id, assignee_id=staff.chief.id)
    chief_page = _page(qtbot, gui_profile, staff.chief)
    tree = find(chief_page, QTreeWidget, "complaintTree")
    assert tree.topLevelItemCount() == 1
    tree.setCurrentItem(tree.topLevelItem(0))
    button = find(chief_page, QPushButton, "investigateComplaintButton")
    qtbot.waitUntil(button.isEnabled, timeout=10000)
    assert not find(chief_page, QPushButton, "answerComplaintButton").isEnabled()
    button.click()
    dialog = _dialog(qtbot, chief_page)
    find(dialog, QPlainTextEdit, "factsInput").setPlainText("调取录像，属实")
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: "已核实待答复" in tree.topLevelItem(0).text(5), timeout=10000)

    desk = _page(qtbot, gui_profile, staff.supervisor)
    tree = find(desk, QTreeWidget, "complaintTree")
    tree.setCurrentItem(tree.topLevelItem(0))
    answer = find(desk, QPushButton, "answerComplaintButton")
    qtbot.waitUntil(answer.isEnabled, timeout=10000)
    detail = find(desk, QPlainTextEdit, "complaintDetail")
    assert "139" in detail.toPlainText() and "属实" in detail.toPlainText()


def test_a_bad_rating_is_called_back_from_the_follow_up_tab(qtbot, gui_profile) -> None:
    staff = gui_profile.staff
    uow = gui_profile.runtime.uow
    case = cases.register_case(uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT)
    cases.record_evaluation(uow, staff.clerk, case.id, rating="unsatisfied",
                            channel="rating_device", comment="排队太久")
    page = _page(qtbot, gui_profile, staff.supervisor)
    page.tabs.setCurrentIndex(1)
    tree = find(page, QTreeWidget, "followUpTree")
    assert tree.topLevelItem(0).text(6) == "待回访"
    tree.setCurrentItem(tree.topLevelItem(0))
    find(page, QPushButton, "followUpButton").click()
    dialog = _dialog(qtbot, page)
    find(dialog, QPlainTextEdit, "resultInput").setPlainText("申请人反映高峰排队久")
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1
                    and tree.topLevelItem(0).text(6) == "已回访", timeout=10000)
    assert tree.topLevelItem(0).text(7) == "待下达"
    [item] = evaluations.follow_up_list(uow, staff.supervisor)
    assert item.complaint_stands is True


def test_the_chief_appeals_a_rating_but_does_not_call_back(qtbot, gui_profile) -> None:
    staff = gui_profile.staff
    uow = gui_profile.runtime.uow
    case = cases.register_case(uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT)
    cases.record_evaluation(uow, staff.clerk, case.id, rating="very_unsatisfied",
                            channel="qr_code")
    page = _page(qtbot, gui_profile, staff.chief)
    page.tabs.setCurrentIndex(1)
    tree = find(page, QTreeWidget, "followUpTree")
    tree.setCurrentItem(tree.topLevelItem(0))
    assert not find(page, QPushButton, "followUpButton").isEnabled()
    assert not find(page, QPushButton, "decideAppealButton").isVisible()
    appeal = find(page, QPushButton, "appealButton")
    assert appeal.isEnabled()
    appeal.click()
    dialog = _dialog(qtbot, page)
    find(dialog, QPlainTextEdit, "reasonInput").setPlainText("评价器记录显示为误触")
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: tree.topLevelItem(0).text(8) == "待决定", timeout=10000)
    assert not appeal.isEnabled()


def test_the_administrator_sets_the_deadlines(qtbot, gui_profile) -> None:
    from PyQt6.QtWidgets import QSpinBox

    supervisor_page = _page(qtbot, gui_profile, gui_profile.staff.supervisor)
    assert not find(supervisor_page, QPushButton, "complaintDeadlinesButton").isVisibleTo(
        supervisor_page)
    page = _page(qtbot, gui_profile, gui_profile.staff.admin)
    find(page, QPushButton, "complaintDeadlinesButton").click()
    dialog = _dialog(qtbot, page)
    answer = find(dialog, QSpinBox, "answer_daysInput")
    assert answer.value() == 5
    answer.setValue(3)
    find(dialog, QSpinBox, "follow_up_daysInput").setValue(2)
    dialog.submit_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
    assert complaints.deadline_settings(gui_profile.runtime.uow) == (3, 2)
