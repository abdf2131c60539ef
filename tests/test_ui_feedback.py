"""Inline errors: beside their field, never floating over the form or clipped."""

from __future__ import annotations

from PyQt6.QtCore import QRect
from PyQt6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from app.domain.errors import ValidationError
from app.forms.admin_page import AdminPage
from app.forms.dialogs import FormDialog, reject_fields
from app.services import catalog
from tests import test_ui_support
from tests.test_ui_support import GUI, find, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile
LONG = "这是一条较长的错误提示，用来检查它会在字段下方完整换行显示，不挤压也不遮挡其他字段。"


def _rect(widget: QWidget, top: QWidget) -> QRect:
    return QRect(widget.mapTo(top, widget.rect().topLeft()), widget.size())


def _assert_clear_of_fields(dialog: QWidget, errors) -> None:
    inputs = [w for w in dialog.findChildren(QWidget)
              if isinstance(w, QLineEdit | QPlainTextEdit | QComboBox | QAbstractButton)
              and w.isVisible()]
    shown = [label for label in dialog.findChildren(QLabel)
             if label.property("role") == "fieldError" and label.isVisible()]
    assert shown
    for label in shown:
        area = _rect(label, dialog)
        assert dialog.rect().contains(area), label.objectName()
        # Tall enough for every wrapped line of its message.
        assert label.height() >= label.heightForWidth(label.width()), label.objectName()
        for widget in inputs:
            assert not area.intersects(_rect(widget, dialog)), (label.objectName(),
                                                                widget.objectName())


def test_the_add_staff_dialog_shows_role_and_department_errors_under_their_fields(
    qtbot, gui_profile
) -> None:
    context = gui_profile.context(gui_profile.staff.admin)
    page = AdminPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    page.add_user_button.click()
    dialog = page.dialog
    dialog.errors.show_domain_error(ValidationError("roles", LONG, field="roles"))
    dialog.errors.show_domain_error(ValidationError("dept", LONG, field="department_code"))
    qtbot.waitUntil(lambda: all(label.height() >= label.heightForWidth(label.width())
                                for label in dialog.findChildren(QLabel)
                                if label.isVisible() and label.property("role") == "fieldError"))
    roles_label = dialog.errors.label("roles")
    assert roles_label is dialog.errors.label("role_clerk")
    assert roles_label.isVisible() and roles_label.text() == LONG
    # Under the first role box, not over the top of the form.
    assert _rect(roles_label, dialog).top() > _rect(dialog.inputs["role_clerk"], dialog).top()
    _assert_clear_of_fields(dialog, dialog.errors)
    dialog.close()


def test_the_rejection_dialog_wraps_every_error_under_its_field(qtbot, gui_profile) -> None:
    matter = catalog.get_matter(gui_profile.runtime.uow, "SCJ-001")
    dialog = FormDialog("不予受理", reject_fields(matter), submit_text="不予受理", danger=True)
    qtbot.addWidget(dialog)
    dialog.show()
    for name in ("ground", "reasons", "legal_basis", "redirect_authority"):
        dialog.errors.set_error(name, LONG)
    qtbot.waitUntil(lambda: all(label.height() >= label.heightForWidth(label.width())
                                for label in dialog.findChildren(QLabel)
                                if label.isVisible() and label.property("role") == "fieldError"))
    _assert_clear_of_fields(dialog, dialog.errors)
    assert find(dialog, QPushButton, "dialogSubmitButton").isVisible()


def _answer_leave_box(qtbot, button_name: str) -> list[str]:
    """Click ``button_name`` on the leave box as soon as it is up; returns its text."""
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication, QMessageBox

    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "leaveConfirmBox":
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text() + "\n" + box.informativeText())
        assert box.defaultButton() is find(box, QPushButton, "leaveStayButton")
        find(box, QPushButton, button_name).click()

    QTimer.singleShot(0, answer)
    return seen


def _window_with_a_half_filled_registration(qtbot, gui_profile):
    from app.ui.main_window import MainWindow
    from tests.test_ui_support import type_into

    context = gui_profile.context(gui_profile.staff.clerk)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, context)
    page = window.page("register") if "register" in window.pages else next(
        p for p in window.pages.values() if p.objectName() == "registrationPage")
    type_into(qtbot, find(page, QLineEdit, "applicantNameEdit"), "张三")
    return window, page


def test_logging_out_with_a_half_filled_registration_asks_first(qtbot, gui_profile) -> None:
    window, page = _window_with_a_half_filled_registration(qtbot, gui_profile)
    with qtbot.assertNotEmitted(window.logoutRequested):
        seen = _answer_leave_box(qtbot, "leaveStayButton")
        window.logout_action.trigger()
    assert "张三" in seen[0] and "注销" in seen[0]
    assert page.applicant.name_edit.text() == "张三"  # still there
    with qtbot.waitSignal(window.logoutRequested, timeout=5000):
        _answer_leave_box(qtbot, "leaveConfirmButton")
        window.logout_action.trigger()


def test_quitting_with_a_half_filled_registration_asks_and_can_stay(qtbot, gui_profile) -> None:
    window, _page = _window_with_a_half_filled_registration(qtbot, gui_profile)
    seen = _answer_leave_box(qtbot, "leaveStayButton")
    window.quit_action.trigger()
    assert seen and "退出" in seen[0]
    assert window.isVisible()


def test_an_empty_registration_logs_out_without_asking(qtbot, gui_profile) -> None:
    from app.ui.main_window import MainWindow

    window = MainWindow(gui_profile.context(gui_profile.staff.clerk))
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.logoutRequested, timeout=2000):
        window.logout_action.trigger()


def _answer_switch_box(qtbot, button_name: str) -> list[str]:
    """Click ``button_name`` on the page-switch box as soon as it is up; its text."""
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication, QMessageBox

    seen: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.objectName() != "switchConfirmBox":
            QTimer.singleShot(10, answer)
            return
        seen.append(box.text() + "\n" + box.informativeText())
        assert box.defaultButton() is find(box, QPushButton, "switchStayButton")
        find(box, QPushButton, button_name).click()

    QTimer.singleShot(0, answer)
    return seen


def test_going_to_another_page_with_a_half_filled_registration_asks(qtbot, gui_profile) -> None:
    window, page = _window_with_a_half_filled_registration(qtbot, gui_profile)
    search = window._keys.index("search")
    register_row = window.nav.currentRow()
    # Stay: still on the form, nav back on 受理登记, nothing lost.
    seen = _answer_switch_box(qtbot, "switchStayButton")
    window.nav.setCurrentRow(search)
    assert seen and "张三" in seen[0] and "办件查询" in seen[0]
    assert window.stack.currentWidget() is page and window.nav.currentRow() == register_row
    # Keep: the other page shows, the form waits as it was.
    _answer_switch_box(qtbot, "switchKeepButton")
    window.nav.setCurrentRow(search)
    assert window.stack.currentWidget() is window.page("search")
    assert page.applicant.name_edit.text() == "张三"
    window.nav.setCurrentRow(register_row)  # nothing unsaved on the search page: no box
    assert window.stack.currentWidget() is page
    # Discard: the form is cleared for the next applicant.
    _answer_switch_box(qtbot, "switchDiscardButton")
    window.nav.setCurrentRow(search)
    assert window.stack.currentWidget() is window.page("search")
    assert page.applicant.name_edit.text() == ""
    assert page.unsaved_work() == ""
