"""The main window: what each role sees, the status bar, the lock, the size of a counter PC."""

from __future__ import annotations

from app import __version__
from app.ui.main_window import MainWindow
from tests import test_ui_support
from tests.test_ui_support import GUI, GuiProfile, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _nav_titles(window: MainWindow) -> list[str]:
    return [window.nav.item(i).text() for i in range(window.nav.count())]


def test_main_window_renders_at_1366_by_768(qtbot, gui_profile: GuiProfile) -> None:
    context = gui_profile.context(gui_profile.staff.clerk)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    wait_idle(qtbot, context)
    pixmap = window.grab()
    assert (pixmap.width(), pixmap.height()) == (1366, 768)
    assert "城关镇便民服务站" in window.windowTitle()
    assert window.minimumSizeHint().width() <= 1366
    assert window.minimumSizeHint().height() <= 768


def test_a_clerk_sees_the_counter_tasks_only(qtbot, gui_profile: GuiProfile) -> None:
    window = MainWindow(gui_profile.context(gui_profile.staff.clerk))
    qtbot.addWidget(window)
    assert _nav_titles(window) == ["受理登记", "咨询与预约", "办件查询", "待我审查", "事项目录"]


def test_a_chief_sees_approval_and_seal(qtbot, gui_profile: GuiProfile) -> None:
    window = MainWindow(gui_profile.context(gui_profile.staff.chief))
    qtbot.addWidget(window)
    titles = _nav_titles(window)
    assert {"待我核准", "用印", "统计"} <= set(titles)
    assert "系统管理" not in titles


def test_the_administrator_sees_administration_but_no_counter_work(
        qtbot, gui_profile: GuiProfile) -> None:
    window = MainWindow(gui_profile.context(gui_profile.staff.admin))
    qtbot.addWidget(window)
    titles = _nav_titles(window)
    assert "系统管理" in titles
    assert "受理登记" not in titles and "待我核准" not in titles


def test_status_bar_shows_user_station_window_and_sync(qtbot, gui_profile: GuiProfile) -> None:
    context = gui_profile.context(gui_profile.staff.clerk)
    window = MainWindow(context)
    qtbot.addWidget(window)
    wait_idle(qtbot, context)
    assert "李受理" in window.user_status.text()
    assert "窗口受理员" in window.user_status.text()
    assert "城关镇便民服务站" in window.station_status.text()
    assert "3号窗口" in window.station_status.text()
    assert "待同步" in window.sync_status.text()
    assert "离线" in window.sync_status.text()
    assert __version__ in window.station_status.toolTip()


def test_idle_lock_hides_the_work_until_the_password(qtbot, gui_profile: GuiProfile) -> None:
    from PyQt6.QtWidgets import QLineEdit, QMessageBox, QPushButton

    context = gui_profile.context(gui_profile.staff.clerk)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.show_page("register")
    window.show_about()
    about = window.findChild(QMessageBox, "aboutBox")
    assert about is not None and about.isVisible()
    with qtbot.waitSignal(window.idle_watcher.idle, timeout=2000):
        window.idle_watcher.set_minutes(1)
        window.idle_watcher._timer.setInterval(50)
        window.idle_watcher._timer.start()
    assert window.locked
    assert not window.centralWidget().isVisible()
    assert not about.isVisible()
    dialog = window.unlock_dialog
    assert dialog is not None
    dialog.findChild(QLineEdit, "unlockPasswordEdit").setText("wrong-password1")
    dialog.findChild(QPushButton, "unlockButton").click()
    wait_idle(qtbot, context)
    assert window.locked
    assert "密码不正确" in dialog.findChild(type(dialog.error_label), "unlockError").text()
    dialog.findChild(QLineEdit, "unlockPasswordEdit").setText("counter2026")
    dialog.findChild(QPushButton, "unlockButton").click()
    wait_idle(qtbot, context)
    assert not window.locked
    assert window.centralWidget().isVisible()
    assert about.isVisible()
    about.close()


def test_every_page_of_every_role_opens(qtbot, gui_profile: GuiProfile) -> None:
    staff = gui_profile.staff
    for user in (staff.clerk, staff.chief, staff.admin, staff.supervisor):
        context = gui_profile.context(user)
        window = MainWindow(context)
        qtbot.addWidget(window)
        window.show()
        for row in range(window.nav.count()):
            window.nav.setCurrentRow(row)
            wait_idle(qtbot, context)
            assert not window.stack.currentWidget().message_bar.isVisible() or \
                window.stack.currentWidget().message_bar.level != "error"
        window.close()


def test_the_composition_root_logs_in_and_out(qtbot, gui_profile: GuiProfile) -> None:
    from app.forms.login import LoginDialog
    from app.main import Controller

    controller = Controller(gui_profile.runtime)
    controller.start()
    dialog = controller.dialog
    assert isinstance(dialog, LoginDialog)
    qtbot.addWidget(dialog)
    dialog.username_edit.setText("clerk")
    dialog.password_edit.setText("counter2026")
    dialog.login_button.click()
    qtbot.waitUntil(lambda: controller.window is not None, timeout=10000)
    window = controller.window
    qtbot.addWidget(window)
    assert "城关镇便民服务站" in window.windowTitle()
    window.logoutRequested.emit()
    assert controller.window is None
    assert isinstance(controller.dialog, LoginDialog)
    qtbot.addWidget(controller.dialog)
    controller.dialog.close()
    qtbot.waitUntil(lambda: controller.runner.idle)
    controller.runner.wait_for_done()


def test_opening_a_case_from_the_list_and_going_back(qtbot, gui_profile: GuiProfile) -> None:
    from tests.test_ui_support import register

    case = register(gui_profile)
    context = gui_profile.context(gui_profile.staff.clerk)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.show_page("search")
    wait_idle(qtbot, context)
    page = window.page("search")
    index = page.model.index(0, 0)
    with qtbot.waitSignal(window.case_page.loaded, timeout=10000):
        page.table.activated.emit(index)
    assert window.stack.currentWidget() is window.case_page
    assert case.number in window.case_page.title.text()
    window.case_page.back_button.click()
    assert window.stack.currentWidget() is page


def test_a_scan_attached_to_a_material_goes_with_the_case(qtbot, gui_profile, tmp_path) -> None:
    import hashlib

    from PyQt6.QtWidgets import QLineEdit, QPushButton

    from app.forms.registration import RegistrationPage
    from app.services import cases
    from tests.profile_fixtures import PASSWORD

    scan = tmp_path / "营业场所租赁合同.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned contract")
    context = gui_profile.context(gui_profile.staff.clerk)
    page = RegistrationPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    page.picker.search_edit.setText("SCJ-001")
    page.picker.search(confirm=True)
    qtbot.waitUntil(lambda: page.picker.matter is not None)
    page.materials.attachRequested.emit(2, [str(scan)])
    wait_idle(qtbot, context)
    row = page.materials.rows[2]
    assert row.received_check.isChecked()
    assert row.attachments_label.text() == "1 个文件"
    page.applicant.name_edit.setText("张三")
    page.applicant.id_edit.setText("11010519491231002X")
    page.applicant.phone_edit.setText("13800138000")
    for other in page.materials.rows[:2]:
        other.received_check.setChecked(True)
    page.findChild(QPushButton, "acceptButton").click()
    page.accept_dialog.findChild(QLineEdit, "acceptPasswordEdit").setText(PASSWORD)
    with qtbot.waitSignal(page.registered, timeout=20000) as blocker:
        page.accept_dialog.findChild(QPushButton, "dialogSubmitButton").click()
    case = cases.get_case(gui_profile.runtime.uow, blocker.args[0].case.id)
    [attachment] = case.materials[2]["attachments"]
    assert attachment["sha256"] == hashlib.sha256(scan.read_bytes()).hexdigest()
    assert attachment["name"] == "营业场所租赁合同.pdf"
    wait_idle(qtbot, context)
    if page.preview_dialog is not None:
        page.preview_dialog.close()


def test_a_crash_on_a_worker_thread_is_shown_on_the_gui_thread(qtbot) -> None:
    import threading

    from app.main import CrashReporter

    reporter = CrashReporter()
    worker = threading.Thread(target=reporter.show, args=("程序遇到意外错误。",))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: reporter.box is not None)
    assert reporter.box.text() == "程序遇到意外错误。"
    reporter.box.close()


def test_the_screens_have_a_chinese_font_even_on_a_machine_without_one(
        qtbot, gui_profile: GuiProfile) -> None:
    """A bare Linux PC has no Chinese font: the shipped face is loaded for the screens, so
    a label draws 受理 rather than boxes (with a Chinese font installed, it is used)."""
    from PyQt6.QtGui import QFontDatabase, QRawFont
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    chinese = set(QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese))
    usable = [family for family in app.font().families() if family in chinese]
    assert usable, app.font().families()
    from PyQt6.QtGui import QFont

    raw = QRawFont.fromFont(QFont(usable[0], 12))
    assert all(raw.supportsCharacter(char) for char in "受理通知书")


def test_the_status_bar_links_to_the_conflicts_to_read(qtbot, gui_profile: GuiProfile) -> None:
    """A conflict the server sent is a link in the status bar; the dialog names the case
    and why, opens it, and marks it read."""
    from datetime import UTC, datetime

    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QPushButton

    from app.store import models
    from tests.test_ui_support import accepted

    case = accepted(gui_profile)
    with gui_profile.runtime.uow() as uow:
        uow.session.add(models.SyncConflict(
            event_id="e-1", case_id=case.id, code="illegal_transition",
            reason="核准被服务器拒绝：本件已由其他首席代表核准（XZ01）。",
            received_at=datetime(2026, 12, 2, 2, 0, tzinfo=UTC)))
        uow.commit()
    context = gui_profile.context(gui_profile.staff.chief)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "冲突 1 件" in window.sync_status.text(), timeout=10000)
    assert "<a " in window.sync_status.text()
    window.sync_status.linkActivated.emit("conflicts")
    dialog = window.conflicts_dialog
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 1, timeout=10000)
    item = dialog.tree.topLevelItem(0)
    assert item.text(1) == case.number and "其他首席代表" in item.text(3)
    dialog.grab().save("/tmp/conflicts.png")
    qtbot.mouseClick(dialog.findChild(QPushButton, "conflictReadButton"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.tree.topLevelItemCount() == 0, timeout=10000)
    qtbot.waitUntil(lambda: "冲突" not in window.sync_status.text(), timeout=10000)


STARTS_WITHOUT = ("reportlab", "docx", "openpyxl", "pyhanko", "alembic", "pypinyin",
                  "qrcode", "requests")


def test_an_existing_profile_opens_to_the_case_list_without_the_document_stacks(
    tmp_path,
) -> None:
    """What a start does not need it does not load: the document, signing, spreadsheet,
    migration and HTTP stacks wait for the first use (the start stays quick)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    from app.services.runtime import open_runtime

    open_runtime(tmp_path / "profile", backups=False).close()  # made and migrated here
    code = f"""
import json, sys
from pathlib import Path
from PyQt6.QtWidgets import QApplication
from app.domain.roles import Role
from app.services.context import CurrentUser
from app.services.runtime import open_runtime
from app.ui.context import AppContext
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner
app = QApplication(sys.argv)
runtime = open_runtime(Path({str(tmp_path / "profile")!r}), backups=False)
user = CurrentUser(id="u", username="u", display_name="监察", station="XZ01",
                   roles=frozenset({{Role.SUPERVISOR, Role.CLERK, Role.CHIEF}}))
runner = TaskRunner()
window = MainWindow(AppContext(uow=runtime.uow, runner=runner, data_dir=runtime.profile.data_dir,
                               user=user, station_name="", key_store=runtime.key_store))
window.show()
app.processEvents()
runner.wait_for_done(10000)
print(json.dumps(sorted(m for m in {list(STARTS_WITHOUT)!r} if m in sys.modules)), flush=True)
import os
os._exit(0)  # Qt's teardown without a window system is not what is tested
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_first_task_loads_while_the_window_is_built(qtbot, gui_profile: GuiProfile,
                                                         monkeypatch) -> None:
    context = gui_profile.context(gui_profile.staff.supervisor)
    asked: list[str] = []
    run = context.runner.run

    def recording(function, **kwargs):
        asked.append(function.__qualname__)
        return run(function, **kwargs)

    monkeypatch.setattr(context.runner, "run", recording)
    window = MainWindow(context)
    qtbot.addWidget(window)
    # Before the event loop has run once: the delegations are re-read, then the page's
    # first rows are asked for, and only then the status bar's counts.
    page = window.page("warnings")
    assert window.stack.currentWidget() is page
    assert page.model.loading
    assert asked[:2] == ["MainWindow.refresh_user.<locals>.<lambda>",
                         "CaseTableModel._fetch_page.<locals>.<lambda>"]
    assert asked.index("MainWindow.refresh_status.<locals>.<lambda>") > 1
    wait_idle(qtbot, context)
    assert not page.model.loading


def test_a_task_held_only_by_a_delegation_waits_for_the_delegations(
        qtbot, gui_profile: GuiProfile) -> None:
    from datetime import timedelta

    from app.services import accounts
    from app.services.context import utc_now

    staff, uow = gui_profile.staff, gui_profile.runtime.uow
    now = utc_now()
    accounts.name_deputy(uow, staff.chief, deputy_id=staff.clerk2.id,
                         starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1),
                         reason="外出参加培训", now=now - timedelta(hours=1))
    deputy = accounts.refresh_user(uow, staff.clerk2, now=now)
    window = MainWindow(gui_profile.context(deputy))
    qtbot.addWidget(window)
    # 待我核准 and 用印 are the clerk's by the delegation alone: at start such a page is
    # loaded only after the delegations were re-read, as on every switch of page.
    assert window._by_delegation_only("approve") and window._by_delegation_only("seal")
    assert not window._by_delegation_only("register")
    chief = MainWindow(gui_profile.context(staff.chief))
    qtbot.addWidget(chief)
    assert not chief._by_delegation_only("approve")
    wait_idle(qtbot, window.context)
    wait_idle(qtbot, chief.context)
