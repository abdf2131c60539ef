"""The user's own account: changing the password; a chief representative's deputy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QComboBox, QDateTimeEdit, QLabel, QLineEdit, QPlainTextEdit, QPushButton

from app.domain.errors import AuthenticationError
from app.forms.account import ChangePasswordDialog, NameDeputyDialog
from app.forms.queues import ApprovalQueuePage
from app.services import accounts
from app.services.context import utc_now
from app.ui.main_window import MainWindow
from app.ui.widgets import to_qdatetime
from tests import test_ui_support
from tests.profile_fixtures import PASSWORD
from tests.test_ui_support import GUI, GuiProfile, find, reviewed, type_into, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _window(qtbot, profile: GuiProfile, user) -> MainWindow:
    context = profile.context(user)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, context)
    return window


def _nav_titles(window: MainWindow) -> list[str]:
    return [window.nav.item(i).text() for i in range(window.nav.count())]


def _password_dialog(qtbot, window: MainWindow, old: str, new: str,
                     confirm: str | None = None) -> ChangePasswordDialog:
    window.change_password_action.trigger()
    dialog = window.dialog
    assert isinstance(dialog, ChangePasswordDialog)
    type_into(qtbot, find(dialog, QLineEdit, "oldPasswordEdit"), old)
    type_into(qtbot, find(dialog, QLineEdit, "newPasswordEdit"), new)
    type_into(qtbot, find(dialog, QLineEdit, "confirmPasswordEdit"),
              new if confirm is None else confirm)
    qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window.context)
    return dialog


def test_a_wrong_old_password_is_shown_by_its_field(qtbot, gui_profile) -> None:
    window = _window(qtbot, gui_profile, gui_profile.staff.clerk)
    dialog = _password_dialog(qtbot, window, "not-my-password1", "harbour2027")
    error = find(dialog, QLabel, "oldPasswordEditError")
    assert error.isVisible()
    assert error.text() == "密码不正确，未执行操作；还可尝试4次。"
    assert not find(dialog, QLabel, "newPasswordEditError").isVisible()
    assert dialog.isVisible()
    assert find(dialog, QLineEdit, "newPasswordEdit").text() == "harbour2027"
    assert accounts.authenticate(gui_profile.runtime.uow, username="clerk", password=PASSWORD)
    dialog.close()


def test_a_weak_new_password_is_shown_by_the_new_password(qtbot, gui_profile) -> None:
    window = _window(qtbot, gui_profile, gui_profile.staff.clerk)
    dialog = _password_dialog(qtbot, window, PASSWORD, "12345678")
    assert find(dialog, QLabel, "newPasswordEditError").text() == "密码需同时包含字母和数字。"
    assert not find(dialog, QLabel, "oldPasswordEditError").isVisible()
    dialog.close()


def test_new_passwords_that_differ_are_not_submitted(qtbot, gui_profile) -> None:
    window = _window(qtbot, gui_profile, gui_profile.staff.clerk)
    dialog = _password_dialog(qtbot, window, PASSWORD, "harbour2027", "harbour2028")
    assert find(dialog, QLabel, "confirmPasswordEditError").text() == "两次输入的新密码不一致。"
    assert accounts.authenticate(gui_profile.runtime.uow, username="clerk", password=PASSWORD)
    dialog.close()


def test_the_new_password_is_the_one_that_logs_in(qtbot, gui_profile) -> None:
    window = _window(qtbot, gui_profile, gui_profile.staff.clerk)
    dialog = _password_dialog(qtbot, window, PASSWORD, "harbour2027")
    assert not dialog.isVisible()
    assert window.statusBar().currentMessage() == "密码已修改。"
    uow = gui_profile.runtime.uow
    assert accounts.authenticate(uow, username="clerk", password="harbour2027")
    with pytest.raises(AuthenticationError):
        accounts.authenticate(uow, username="clerk", password=PASSWORD)


def _open_deputy_dialog(qtbot, page: ApprovalQueuePage) -> NameDeputyDialog:
    qtbot.mouseClick(find(page, QPushButton, "nameDeputyButton"), Qt.MouseButton.LeftButton)
    dialog = page.deputy_dialog
    assert dialog is not None
    wait_idle(qtbot, page.context)
    return dialog


def _approval_page(qtbot, profile: GuiProfile, user) -> ApprovalQueuePage:
    context = profile.context(user)
    page = ApprovalQueuePage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    return page


def test_a_named_deputy_sees_the_departments_approval_queue(qtbot, gui_profile) -> None:
    staff = gui_profile.staff
    case = reviewed(gui_profile)  # reviewed by 李受理; 周受理 stands in for the chief
    page = _approval_page(qtbot, gui_profile, staff.chief)
    dialog = _open_deputy_dialog(qtbot, page)
    combo = find(dialog, QComboBox, "deputyCombo")
    assert staff.chief.id not in [combo.itemData(i) for i in range(combo.count())]
    combo.setCurrentIndex(combo.findData(staff.clerk2.id))
    find(dialog, QPlainTextEdit, "deputyReasonEdit").setPlainText("外出参加培训")
    with qtbot.waitSignal(dialog.named, timeout=10000):
        qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"),
                         Qt.MouseButton.LeftButton)
    assert "已指定周受理为临时代理人" in page.message_bar.text

    deputy = accounts.authenticate(gui_profile.runtime.uow, username="clerk2",
                                   password=PASSWORD)
    window = _window(qtbot, gui_profile, deputy)
    assert {"待我核准", "用印"} <= set(_nav_titles(window))
    assert "临时代理首席代表（SCJ）" in window.user_status.text()
    window.show_page("approve")
    wait_idle(qtbot, window.context)
    approval = window.page("approve")
    assert [s.id for s in approval.model.summaries()] == [case.id]
    assert approval.approve_button.isEnabled()
    assert not approval.findChild(QPushButton, "nameDeputyButton").isVisibleTo(approval)


def test_a_deputy_period_that_ends_before_it_starts_is_shown_by_the_end(
        qtbot, gui_profile) -> None:
    page = _approval_page(qtbot, gui_profile, gui_profile.staff.chief)
    dialog = _open_deputy_dialog(qtbot, page)
    combo = find(dialog, QComboBox, "deputyCombo")
    combo.setCurrentIndex(combo.findData(gui_profile.staff.clerk2.id))
    starts = find(dialog, QDateTimeEdit, "deputyStartsEdit")
    find(dialog, QDateTimeEdit, "deputyEndsEdit").setDateTime(starts.dateTime().addSecs(-3600))
    find(dialog, QPlainTextEdit, "deputyReasonEdit").setPlainText("外出参加培训")
    qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, page.context)
    assert find(dialog, QLabel, "deputyEndsEditError").text() == "代理结束时间必须晚于开始时间。"
    assert dialog.isVisible()
    assert find(dialog, QPlainTextEdit, "deputyReasonEdit").toPlainText() == "外出参加培训"
    dialog.close()


def test_the_period_is_typed_in_china_time_and_stored_in_utc(qtbot, gui_profile) -> None:
    from datetime import UTC, datetime

    page = _approval_page(qtbot, gui_profile, gui_profile.staff.chief)
    dialog = _open_deputy_dialog(qtbot, page)
    start = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # 09:30 in Beijing
    find(dialog, QDateTimeEdit, "deputyStartsEdit").setDateTime(to_qdatetime(start))
    assert find(dialog, QDateTimeEdit, "deputyStartsEdit").text() == "2026-11-24 09:30"
    assert dialog.values()["starts_at"] == start
    dialog.close()


def test_an_ended_delegation_takes_its_tasks_away(qtbot, gui_profile) -> None:
    staff, uow = gui_profile.staff, gui_profile.runtime.uow
    now = utc_now()
    accounts.name_deputy(uow, staff.chief, deputy_id=staff.clerk2.id,
                         starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1),
                         reason="外出参加培训", now=now - timedelta(hours=2))
    # Logged in while the delegation lasted; the window is still open after it ended.
    deputy = accounts.refresh_user(uow, staff.clerk2, now=now - timedelta(minutes=90))
    assert deputy.deputy_for_departments == frozenset({"SCJ"})
    context = gui_profile.context(deputy)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    assert "待我核准" in _nav_titles(window)
    window.show_page("approve")
    wait_idle(qtbot, context)
    assert "待我核准" not in _nav_titles(window) and "用印" not in _nav_titles(window)
    assert context.user.deputy_for_departments == frozenset()
    shown = window.stack.currentWidget()
    assert shown is window.page("register")
    assert "临时代理期限已结束" in shown.message_bar.text
    assert "临时代理" not in window.user_status.text()


def test_only_a_chief_representative_may_name_a_deputy(qtbot, gui_profile) -> None:
    clerk_window = _window(qtbot, gui_profile, gui_profile.staff.clerk)
    assert not clerk_window.name_deputy_action.isVisible()
    chief_window = _window(qtbot, gui_profile, gui_profile.staff.chief)
    assert chief_window.name_deputy_action.isVisible()
    chief_window.name_deputy_action.trigger()
    assert isinstance(chief_window.dialog, NameDeputyDialog)
    wait_idle(qtbot, chief_window.context)
    chief_window.dialog.close()
