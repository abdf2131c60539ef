"""First start and login."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QLineEdit, QPushButton

from app.domain.roles import Role
from app.forms.login import FirstStartDialog, LoginDialog
from app.services import accounts
from app.services.runtime import open_runtime
from app.ui.tasks import TaskRunner
from tests import test_ui_support
from tests.test_ui_support import GUI, find, type_into

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def test_first_start_creates_the_administrator_and_names_the_station(qtbot, tmp_path: Path):
    runtime = open_runtime(tmp_path / "new", backups=False)
    runner = TaskRunner()
    try:
        assert accounts.needs_first_start(runtime.uow)
        dialog = FirstStartDialog(runtime.uow, runner)
        qtbot.addWidget(dialog)
        dialog.show()
        type_into(qtbot, find(dialog, QLineEdit, "stationCodeEdit"), "XC09")
        type_into(qtbot, find(dialog, QLineEdit, "stationNameEdit"), "河西镇便民服务站")
        type_into(qtbot, find(dialog, QLineEdit, "windowNameEdit"), "综合窗口")
        type_into(qtbot, find(dialog, QLineEdit, "adminUserEdit"), "admin")
        type_into(qtbot, find(dialog, QLineEdit, "adminNameEdit"), "周管理")
        type_into(qtbot, find(dialog, QLineEdit, "adminPasswordEdit"), "station2026")
        type_into(qtbot, find(dialog, QLineEdit, "adminPasswordConfirmEdit"), "station2026")
        with qtbot.waitSignal(dialog.created, timeout=10000) as blocker:
            qtbot.mouseClick(find(dialog, QPushButton, "createButton"), Qt.MouseButton.LeftButton)
        user = blocker.args[0]
        assert user.roles == frozenset({Role.ADMIN})
        assert user.station == "XC09"
        assert not accounts.needs_first_start(runtime.uow)
        assert accounts.authenticate(runtime.uow, username="admin", password="station2026")
    finally:
        runner.wait_for_done()
        runtime.close()


def test_first_start_shows_a_weak_password_by_its_field(qtbot, tmp_path: Path) -> None:
    runtime = open_runtime(tmp_path / "new", backups=False)
    runner = TaskRunner()
    try:
        dialog = FirstStartDialog(runtime.uow, runner)
        qtbot.addWidget(dialog)
        dialog.show()
        type_into(qtbot, dialog.station_code_edit, "XC09")
        type_into(qtbot, dialog.station_name_edit, "河西镇便民服务站")
        type_into(qtbot, dialog.admin_name_edit, "周管理")
        type_into(qtbot, dialog.admin_password_edit, "short")
        type_into(qtbot, dialog.admin_confirm_edit, "short")
        dialog.create_button.click()
        qtbot.waitUntil(lambda: runner.idle and dialog.create_button.isEnabled())
        error = find(dialog, QLabel, "adminPasswordEditError")
        assert "至少需要8位" in error.text()
        assert accounts.needs_first_start(runtime.uow)
    finally:
        runner.wait_for_done()
        runtime.close()


def test_login_with_a_wrong_password_shows_the_message(qtbot, gui_profile) -> None:
    runner = TaskRunner()
    gui_profile.runners.append(runner)
    dialog = LoginDialog(gui_profile.runtime.uow, runner, station_name="城关镇便民服务站")
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, find(dialog, QLineEdit, "usernameEdit"), "clerk")
    type_into(qtbot, find(dialog, QLineEdit, "passwordEdit"), "not-the-password1")
    qtbot.mouseClick(find(dialog, QPushButton, "loginButton"), Qt.MouseButton.LeftButton)
    error = find(dialog, QLabel, "loginError")
    qtbot.waitUntil(lambda: error.isVisible())
    assert error.text() == "用户名或密码错误，还可尝试4次。"
    assert dialog.user is None
    assert dialog.password_edit.text() == ""


def test_login_with_the_right_password_logs_in(qtbot, gui_profile) -> None:
    runner = TaskRunner()
    gui_profile.runners.append(runner)
    dialog = LoginDialog(gui_profile.runtime.uow, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.username_edit, "chief")
    type_into(qtbot, dialog.password_edit, "counter2026")
    with qtbot.waitSignal(dialog.loggedIn, timeout=10000) as blocker:
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert blocker.args[0].display_name == "王首席"


def test_after_a_password_reset_the_login_asks_for_a_new_password(qtbot, gui_profile) -> None:
    uow = gui_profile.runtime.uow
    accounts.reset_password(uow, gui_profile.staff.admin, user_id=gui_profile.staff.clerk.id,
                            new_password="Temp2026xx")
    runner = TaskRunner()
    gui_profile.runners.append(runner)
    dialog = LoginDialog(uow, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    new_edit = find(dialog, QLineEdit, "loginNewPasswordEdit")
    assert not new_edit.isVisible()
    type_into(qtbot, dialog.username_edit, "clerk")
    type_into(qtbot, dialog.password_edit, "Temp2026xx")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: new_edit.isVisible())
    assert "设置新密码" in find(dialog, QLabel, "loginNewPasswordEditError").text()
    assert dialog.user is None
    type_into(qtbot, new_edit, "Mine2026bb")
    type_into(qtbot, find(dialog, QLineEdit, "loginConfirmPasswordEdit"), "Mine2026bb")
    with qtbot.waitSignal(dialog.loggedIn, timeout=10000):
        qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    assert accounts.authenticate(uow, username="clerk", password="Mine2026bb").username == \
        "clerk"


def test_first_start_previews_the_case_numbers_of_the_station_code(qtbot, tmp_path) -> None:
    from app.services.context import local_date, utc_now

    runtime = open_runtime(tmp_path / "new", backups=False)
    runner = TaskRunner()
    try:
        dialog = FirstStartDialog(runtime.uow, runner)
        qtbot.addWidget(dialog)
        dialog.show()
        preview = find(dialog, QLabel, "caseNumberPreview")
        assert "站点代码-登记日期-当日序号" in preview.text()
        type_into(qtbot, find(dialog, QLineEdit, "stationCodeEdit"), "xc09")
        today = local_date(utc_now())
        assert preview.text() == f"受理编号预览：XC09-{today:%Y%m%d}-0001"
    finally:
        runner.wait_for_done()
        runtime.close()


def test_login_errors_stand_under_the_field_they_are_about(qtbot, gui_profile) -> None:
    runner = TaskRunner()
    gui_profile.runners.append(runner)
    dialog = LoginDialog(gui_profile.runtime.uow, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.password_edit, "whatever9")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    username_error = find(dialog, QLabel, "usernameEditError")
    assert username_error.isVisible() and username_error.text() == "请输入用户名。"
    assert not find(dialog, QLabel, "loginError").isVisible()

    def top(widget) -> int:
        return widget.mapTo(dialog, widget.rect().topLeft()).y()

    assert top(dialog.username_edit) < top(username_error) < top(dialog.password_edit)
    type_into(qtbot, dialog.username_edit, "clerk")
    assert not username_error.isVisible()  # fixed: its error goes
    type_into(qtbot, dialog.password_edit, "not-the-password1")
    qtbot.mouseClick(dialog.login_button, Qt.MouseButton.LeftButton)
    error = find(dialog, QLabel, "loginError")
    qtbot.waitUntil(error.isVisible, timeout=10000)
    assert top(dialog.password_edit) < top(error) < top(dialog.login_button)
