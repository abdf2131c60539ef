"""Administration: staff, seals, settings."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import QLineEdit, QPushButton

from app.domain.seal import SealKind
from app.forms.admin_page import AdminPage
from app.services import accounts, seals
from app.settings import Settings
from tests import test_ui_support
from tests.test_ui_support import GUI, GuiProfile, find, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _page(qtbot, profile: GuiProfile, **extra) -> AdminPage:
    context = profile.context(profile.staff.admin, **extra)
    page = AdminPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    return page


def test_adding_a_clerk(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    assert page.staff_tree.topLevelItemCount() == 6
    page.add_user_button.click()
    dialog = page.dialog
    find(dialog, QLineEdit, "newUsernameEdit").setText("clerk3")
    find(dialog, QLineEdit, "newDisplayNameEdit").setText("吴受理")
    find(dialog, QLineEdit, "newPasswordEdit").setText("short")
    dialog.set_value("department_code", "SCJ")
    dialog.set_value("window_name", "4号窗口")
    find(dialog, QPushButton, "dialogSubmitButton").click()
    wait_idle(qtbot, page.context)
    assert dialog.isVisible()
    assert "至少需要8位" in dialog.errors.errors()["password"]
    find(dialog, QLineEdit, "newPasswordEdit").setText("counter2027")
    find(dialog, QPushButton, "dialogSubmitButton").click()
    wait_idle(qtbot, page.context)
    assert not dialog.isVisible()
    users = {u["username"]: u for u in accounts.list_users(gui_profile.runtime.uow)}
    assert users["clerk3"]["roles"] == ["clerk"]
    assert users["clerk3"]["window_name"] == "4号窗口"
    assert page.staff_tree.topLevelItemCount() == 7


def _register_seal(qtbot, page, **values: str):
    """Fill the register-seal dialog (SCJ's authority and carver) and submit it."""
    page.register_seal_button.click()
    dialog = page.dialog
    for name, value in {"department_code": "SCJ", "authority_name": "县市场监督管理局",
                        "made_by": "县公安局备案刻章点", **values}.items():
        dialog.set_value(name, value)
    find(dialog, QPushButton, "dialogSubmitButton").click()
    return dialog


def _seal_with_serial(gui_profile, serial: str):
    [record] = [s for s in seals.list_seals(gui_profile.runtime.uow) if s.serial == serial]
    return record


def test_registering_the_departments_seal(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    dialog = _register_seal(qtbot, page, serial="1305340000019",
                            custodian_id=gui_profile.staff.chief.id)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    record = _seal_with_serial(gui_profile, "1305340000019")
    assert record.kind is SealKind.APPROVAL
    assert record.valid_to is None
    wait_idle(qtbot, page.context)
    # The profile's window seal and the new approval seal.
    assert page.seal_tree.topLevelItemCount() == 2


def test_registering_a_windows_intake_seal_names_its_window(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    dialog = _register_seal(qtbot, page, kind="intake", window_name="5号窗口",
                            serial="1305340000029", custodian_id=gui_profile.staff.clerk.id)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=20000)
    record = _seal_with_serial(gui_profile, "1305340000029")
    assert (record.kind, record.window_name, record.custodian_name) == (
        SealKind.INTAKE, "5号窗口", "李受理")
    wait_idle(qtbot, page.context)
    kinds = [page.seal_tree.topLevelItem(i).text(2)
             for i in range(page.seal_tree.topLevelItemCount())]
    assert "受理专用章（5号窗口）" in kinds


def test_a_clerk_cannot_keep_the_approval_seal(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    dialog = _register_seal(qtbot, page, kind="approval", serial="1305340000039",
                            custodian_id=gui_profile.staff.clerk.id)
    wait_idle(qtbot, page.context)
    assert dialog.isVisible()
    assert "首席代表" in dialog.errors.errors()["custodian"]


def test_the_idle_lock_minutes_are_saved_in_the_users_settings(qtbot, gui_profile,
                                                                tmp_path: Path) -> None:
    settings = Settings(tmp_path / "settings.json")
    page = _page(qtbot, gui_profile, settings=settings)
    assert page.idle_spin.value() == 10
    page.idle_spin.setValue(3)
    page.save_settings_button.click()
    assert Settings(tmp_path / "settings.json").get("idle_lock_minutes") == 3
    assert page.message_bar.level == "success"


def test_station_settings_are_saved_for_the_whole_station(qtbot, gui_profile) -> None:
    from app.services import system

    page = _page(qtbot, gui_profile)
    assert page.station_edits["station_name"].text() == "城关镇便民服务站"
    page.station_edits["resubmission_address"].setText("城关镇便民服务站1号窗口")
    page.station_edits["yellow_working_days"].setText("x")
    page.save_station_button.click()
    wait_idle(qtbot, page.context)
    assert page.message_bar.level == "error"
    page.station_edits["yellow_working_days"].setText("3")
    page.save_station_button.click()
    wait_idle(qtbot, page.context)
    assert page.message_bar.text == "站点设置已保存。", page.message_bar.text
    values = system.station_settings(gui_profile.runtime.uow)
    assert values["resubmission_address"] == "城关镇便民服务站1号窗口"
    assert values["yellow_working_days"] == "3"


def test_editing_a_departments_numbering_shows_the_preview_and_the_remedy_bodies(
    qtbot, gui_profile
) -> None:
    from PyQt6.QtWidgets import QLabel

    from app.services import catalog

    page = _page(qtbot, gui_profile)
    page.department_tree.setCurrentItem(page.department_tree.topLevelItem(0))
    page.edit_department_button.click()
    dialog = page.dialog
    preview = find(dialog, QLabel, "departmentNumberPreview")
    assert "县市监许〔2026〕6号" in preview.text()
    pattern = find(dialog, QLineEdit, "departmentPatternInput")
    pattern.setText("{prefix}{kind}〔{year}〕第{seq}号")
    assert "不加“第”字" in preview.text()
    pattern.setText("{prefix}{kind}〔{year}〕{seq}号")
    find(dialog, QLineEdit, "departmentPrefixInput").setText("清市监")
    assert "清市监许〔2026〕6号" in preview.text()
    find(dialog, QLineEdit, "departmentReconsiderationInput").setText("本级人民政府或上一级主管部门")
    find(dialog, QPushButton, "dialogSubmitButton").click()
    wait_idle(qtbot, page.context)
    assert dialog.isVisible()
    assert "具体机关名称" in dialog.errors.errors()["reconsideration_body"]
    find(dialog, QLineEdit, "departmentReconsiderationInput").setText("清河县人民政府")
    find(dialog, QLineEdit, "departmentCourtInput").setText("清河县人民法院")
    find(dialog, QPushButton, "dialogSubmitButton").click()
    wait_idle(qtbot, page.context)
    assert not dialog.isVisible()
    saved = next(d for d in catalog.list_departments(gui_profile.runtime.uow) if d.code == "SCJ")
    assert (saved.document_prefix, saved.reconsideration_body, saved.litigation_court) == (
        "清市监", "清河县人民政府", "清河县人民法院")
    item = page.department_tree.topLevelItem(0)
    assert item.text(2) == "清市监许〔2026〕6号" and item.text(3) == "清河县人民政府"


def _select_user(page: AdminPage, username: str) -> None:
    tree = page.staff_tree
    for index in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(index)
        if item.text(0) == username:
            tree.setCurrentItem(item)
            return
    raise AssertionError(username)


def _status_of(page: AdminPage, username: str) -> str:
    tree = page.staff_tree
    return next(tree.topLevelItem(i).text(5) for i in range(tree.topLevelItemCount())
                if tree.topLevelItem(i).text(0) == username)


def test_editing_a_clerks_name_window_and_roles(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    assert not page.edit_user_button.isEnabled()
    _select_user(page, "clerk")
    page.edit_user_button.click()
    dialog = page.dialog
    assert find(dialog, QLineEdit, "newDisplayNameEdit").text() == \
        gui_profile.staff.clerk.display_name
    find(dialog, QLineEdit, "newDisplayNameEdit").setText("张受理")
    dialog.set_value("window_name", "6号窗口")
    dialog.set_value("role_chief", True)
    dialog.set_value("department_code", "")
    find(dialog, QPushButton, "dialogSubmitButton").click()
    wait_idle(qtbot, page.context)
    assert dialog.isVisible()
    assert "部门" in dialog.errors.errors()["department_code"]
    dialog.set_value("department_code", "SCJ")
    find(dialog, QPushButton, "dialogSubmitButton").click()
    wait_idle(qtbot, page.context)
    assert not dialog.isVisible()
    users = {u["username"]: u for u in accounts.list_users(gui_profile.runtime.uow)}
    assert users["clerk"]["display_name"] == "张受理"
    assert users["clerk"]["window_name"] == "6号窗口"
    assert "chief" in users["clerk"]["roles"]
    assert "张受理" in page.message_bar.text


def test_disabling_a_departed_clerk_keeps_the_account(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _select_user(page, "clerk2")
    page.toggle_user_button.click()
    dialog = page.dialog
    find(dialog, QPushButton, "dialogSubmitButton").click()
    assert "停用原因" in dialog.errors.errors()["reason"]
    find(dialog, QLineEdit, "disableReasonEdit").setText("调离")
    find(dialog, QPushButton, "dialogSubmitButton").click()
    wait_idle(qtbot, page.context)
    assert not dialog.isVisible()
    assert _status_of(page, "clerk2") == "停用"
    assert page.staff_tree.topLevelItemCount() == 6
    assert page.toggle_user_button.text() == "启用"


def test_unlocking_a_locked_clerk_and_resetting_a_password(qtbot, gui_profile) -> None:
    import pytest

    from app.domain.errors import AuthenticationError

    uow = gui_profile.runtime.uow
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(uow, username="clerk", password="nope-nope1")
    page = _page(qtbot, gui_profile)
    assert _status_of(page, "clerk") == "在用（已锁定）"
    _select_user(page, "clerk")
    assert page.unlock_user_button.isEnabled()
    page.unlock_user_button.click()
    wait_idle(qtbot, page.context)
    assert _status_of(page, "clerk") == "在用"
    assert not page.unlock_user_button.isEnabled()
    page.reset_password_button.click()
    dialog = page.dialog
    find(dialog, QLineEdit, "resetPasswordEdit").setText("Temp2026xx")
    find(dialog, QLineEdit, "resetConfirmEdit").setText("Temp2026xy")
    find(dialog, QPushButton, "dialogSubmitButton").click()
    assert "不一致" in dialog.errors.errors()["confirm"]
    find(dialog, QLineEdit, "resetConfirmEdit").setText("Temp2026xx")
    find(dialog, QPushButton, "dialogSubmitButton").click()
    wait_idle(qtbot, page.context)
    assert not dialog.isVisible()
    assert _status_of(page, "clerk") == "在用（待改密码）"
    with pytest.raises(AuthenticationError) as err:
        accounts.authenticate(uow, username="clerk", password="Temp2026xx")
    assert err.value.code == "password_change_required"


def test_a_name_longer_than_every_table_holds_cannot_be_typed(qtbot, gui_profile) -> None:
    from app.domain import limits

    page = _page(qtbot, gui_profile)
    page.add_user_button.click()
    dialog = page.dialog
    name = find(dialog, QLineEdit, "newDisplayNameEdit")
    name.insert("王" * (limits.PERSON_NAME + 10))  # as an input method commits it
    assert name.text() == "王" * limits.PERSON_NAME
    username = find(dialog, QLineEdit, "newUsernameEdit")
    qtbot.keyClicks(username, "a" * (limits.USERNAME + 5))
    assert len(username.text()) == limits.USERNAME
