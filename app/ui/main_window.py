"""The main window: navigation by task, the pages, the status bar and the idle lock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from importlib import import_module
from typing import TYPE_CHECKING

from PyQt6.QtCore import QEvent, QObject, QSize, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.domain.roles import Action, Role
from app.services import accounts, queries
from app.services.context import CurrentUser
from app.sync.schedule import Backoff
from app.ui.context import AppContext
from app.ui.feedback import show_unexpected
from app.ui.page import Page, ask_before_switching, confirm_leaving
from app.ui.resources import icon

if TYPE_CHECKING:
    from app.forms.case_page import CasePage

STATUS_REFRESH_MS = 30_000
SYNC_INTERVAL_MS = 60_000


class IdleWatcher(QObject):
    """Emits ``idle`` after ``minutes`` without a key press or mouse action anywhere."""

    idle = pyqtSignal()
    _ACTIVITY = frozenset({
        QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
        QEvent.Type.Wheel, QEvent.Type.TouchBegin,
    })

    def __init__(self, minutes: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self.set_minutes(minutes)
        self._timer.timeout.connect(self.idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self.minutes = minutes
        if minutes <= 0:
            self._timer.stop()
            return
        self._timer.setInterval(minutes * 60_000)
        self._timer.start()

    def pause(self) -> None:
        self._timer.stop()

    def restart(self) -> None:
        if self.minutes > 0:
            self._timer.start()

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        if event is not None and event.type() in self._ACTIVITY and self._timer.isActive():
            self._timer.start()
        return False

    def detach(self) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._timer.stop()


def _owned_by(widget: QWidget, window: QWidget) -> bool:
    """Whether ``widget`` (a dialog, a window of its own) belongs to ``window``."""
    parent = widget.parentWidget()
    while parent is not None:
        if parent is window:
            return True
        parent = parent.parentWidget()
    return False


@dataclass(frozen=True)
class NavEntry:
    key: str
    title: str
    icon_name: str
    page_class: str
    """The page's class as "module:Class" under app.forms, imported when first shown."""
    visible: Callable[[AppContext], bool]
    shortcut: str = ""
    """The same keys open the same page for every role (Ctrl+1 is always 受理登记)."""

    def factory(self, context: AppContext) -> Page:
        module, name = self.page_class.split(":")
        page: Page = getattr(import_module(f"app.forms.{module}"), name)(context)
        return page


def _chief_like(context: AppContext) -> bool:
    return context.has_role(Role.CHIEF) or bool(context.user.deputy_for_departments)


def navigation_entries() -> list[NavEntry]:
    """The tasks of the navigation, in order, and who sees each. A page (and what it
    imports) is built when it is first shown, not at the window's start."""
    return [
        NavEntry("register", "受理登记", "register", "registration:RegistrationPage",
                 lambda c: c.can(Action.REGISTER), "Ctrl+1"),
        NavEntry("intake", "咨询与预约", "register", "intake_desk:IntakeDeskPage",
                 lambda c: c.can(Action.REGISTER)),
        NavEntry("search", "办件查询", "search", "case_search:CaseSearchPage",
                 lambda c: c.can(Action.VIEW_CASES), "Ctrl+2"),
        NavEntry("review", "待我审查", "review", "queues:ReviewQueuePage",
                 lambda c: c.can(Action.REVIEW), "Ctrl+3"),
        NavEntry("approve", "待我核准", "approve", "queues:ApprovalQueuePage", _chief_like, "Ctrl+4"),
        NavEntry("seal", "用印", "seal", "queues:SealPage", _chief_like, "Ctrl+5"),
        NavEntry("warnings", "预警督办", "statistics", "supervision:WarningsPage",
                 lambda c: c.has_role(Role.SUPERVISOR) or c.has_role(Role.ADMIN)
                 or c.has_role(Role.CHIEF), "Ctrl+6"),
        NavEntry("statistics", "统计", "statistics", "statistics_page:StatisticsPage",
                 lambda c: c.has_role(Role.ADMIN) or c.has_role(Role.SUPERVISOR)
                 or c.has_role(Role.CHIEF), "Ctrl+7"),
        NavEntry("audit", "审计记录", "admin", "supervision:AuditPage",
                 lambda c: c.can(Action.VIEW_AUDIT), "Ctrl+8"),
        NavEntry("complaints", "投诉与差评", "review", "complaints_page:ComplaintsPage",
                 lambda c: any(c.can(a) for a in (
                     Action.HANDLE_COMPLAINT, Action.INVESTIGATE_COMPLAINT,
                     Action.FOLLOW_UP_EVALUATION, Action.APPEAL_EVALUATION))),
        NavEntry("reports", "季通报与年综合", "statistics", "reports_page:ReportsPage",
                 lambda c: c.has_role(Role.ADMIN) or c.has_role(Role.SUPERVISOR)),
        NavEntry("public_results", "办理结果公告", "catalog", "public_results_page:PublicResultsPage",
                 lambda c: c.has_role(Role.ADMIN) or c.has_role(Role.SUPERVISOR)),
        NavEntry("archive", "办件归档", "admin", "archive_page:ArchivePage",
                 lambda c: c.can(Action.ARCHIVE_CASES)),
        NavEntry("catalog", "事项目录", "catalog", "catalog_page:CatalogPage", lambda c: True, "Ctrl+9"),
        NavEntry("admin", "系统管理", "admin", "admin_page:AdminPage", lambda c: c.has_role(Role.ADMIN),
                 "Ctrl+0"),
    ]


def first_task(context: AppContext, keys: list[str]) -> str:
    """The page a role opens on: its own first task of the day."""
    for role, key in ((Role.CHIEF, "approve"), (Role.CLERK, "register"),
                      (Role.SUPERVISOR, "warnings"), (Role.ADMIN, "admin")):
        if context.has_role(role) and key in keys:
            return key
    return keys[0] if keys else ""


class MainWindow(QMainWindow):
    """Everything a logged-in user works with."""

    logoutRequested = pyqtSignal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("mainWindow")
        station = context.station_name or context.user.station
        self.setWindowTitle(self.tr("{0} — CounterDesk 政务服务窗口受理台").format(station))
        self.setWindowIcon(icon("app"))
        self._fit_to_screen()
        self.pages: dict[str, Page] = {}  # the pages built so far (on first showing)
        self._leaving_confirmed = False
        self._keys: list[str] = []
        self._entries = navigation_entries()
        self._previous_page: QWidget | None = None
        self.dialog: QDialog | None = None
        self.conflicts_dialog: QDialog | None = None
        self._sync_running = False
        self._sync_problem = ""
        self._online: bool | None = None
        self._locked = False
        self._hidden_while_locked: list[QWidget] = []
        self.unlock_dialog: QWidget | None = None
        # The window facing the applicant, when a screen is configured for it.
        self.applicant_screen: QWidget | None = None

        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        side = QWidget(central)
        side.setObjectName("sidePanel")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 12, 0, 8)
        brand = QLabel(self.tr("政务服务\n窗口受理台"), side)
        brand.setObjectName("brandLabel")
        brand.setAlignment(Qt.AlignmentFlag.AlignCenter)
        brand.setToolTip(self.tr("CounterDesk 版本 {0}").format(__version__))
        side_layout.addWidget(brand)
        self.nav = QListWidget(side)
        self.nav.setObjectName("navigationList")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        side_layout.addWidget(self.nav, 1)
        self.user_card = QLabel(side)
        self.user_card.setObjectName("userCard")
        self.user_card.setWordWrap(True)
        side_layout.addWidget(self.user_card)
        side.setFixedWidth(168)
        layout.addWidget(side)
        self.stack = QStackedWidget(central)
        self.stack.setObjectName("pageStack")
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self._case_page: CasePage | None = None  # built when the first case is opened

        self._build_menus()
        self._apply_navigation()
        # The first page's rows load on the database thread while the rest is built.
        self._open_first_task()
        self._build_status_bar()
        self.idle_watcher = IdleWatcher(context.idle_minutes, self)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_REFRESH_MS)
        # One-shot: after each round the Backoff decides the next wait (normal interval when
        # all is well, growing with jitter while the server cannot be reached).
        self._sync_timer = QTimer(self)
        self._sync_timer.setSingleShot(True)
        self._sync_timer.setInterval(SYNC_INTERVAL_MS)
        self._sync_backoff = Backoff(interval=SYNC_INTERVAL_MS / 1000)
        self._connect_signals()
        self._update_user_card()
        self.refresh_status()  # after the first page's rows (the worker answers in order)
        self._status_timer.start()
        self._start_sync()

    def _fit_to_screen(self) -> None:
        """1366x768 where the screen has room, the screen's available area where it has
        not (1366x768 at 150 % leaves 911x512): the minimum never exceeds the screen."""
        screen = self.screen() or QApplication.primaryScreen()
        available = screen.availableGeometry().size() if screen is not None \
            else QSize(1366, 768)
        self.setMinimumSize(QSize(1024, 640).boundedTo(available))
        self.resize(QSize(1366, 768).boundedTo(available))

    def _connect_signals(self) -> None:
        self.nav.currentRowChanged.connect(self._on_nav_current_row_changed)
        self.idle_watcher.idle.connect(self._on_idle_watcher_idle)
        self._status_timer.timeout.connect(self._refresh_status_and_user)
        self._sync_timer.timeout.connect(self._on_sync_timer_timeout)
        self.context.runner.unexpectedError.connect(self._on_runner_unexpected_error)

    # --- menus and status bar ----------------------------------------------------

    def _build_menus(self) -> None:
        menu_bar = self.menuBar()
        assert menu_bar is not None
        file_menu = menu_bar.addMenu(self.tr("系统(&S)"))
        assert file_menu is not None
        self.lock_action = QAction(icon("lock"), self.tr("锁定屏幕"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.change_password_action = QAction(self.tr("修改密码…"), self)
        self.change_password_action.setObjectName("changePasswordAction")
        self.name_deputy_action = QAction(self.tr("指定临时代理人…"), self)
        self.name_deputy_action.setObjectName("nameDeputyAction")
        self.name_deputy_action.setVisible(self.context.has_role(Role.CHIEF))
        self.conflicts_action = QAction(self.tr("同步冲突…"), self)
        self.conflicts_action.setObjectName("conflictsAction")
        self.conflicts_action.setVisible(self.context.can(Action.VIEW_CASES))
        self.logout_action = QAction(self.tr("注销"), self)
        self.quit_action = QAction(self.tr("退出"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        file_menu.addAction(self.lock_action)
        file_menu.addAction(self.change_password_action)
        file_menu.addAction(self.name_deputy_action)
        file_menu.addAction(self.conflicts_action)
        file_menu.addAction(self.logout_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        go_menu = menu_bar.addMenu(self.tr("转到(&G)"))
        assert go_menu is not None
        self.go_menu: QMenu = go_menu
        help_menu = menu_bar.addMenu(self.tr("帮助(&H)"))
        assert help_menu is not None
        self.guide_action = QAction(self.tr("使用说明"), self)
        self.guide_action.setObjectName("userGuideAction")
        self.guide_action.setShortcut(QKeySequence(Qt.Key.Key_F1))
        self.about_action = QAction(self.tr("关于 CounterDesk"), self)
        help_menu.addAction(self.guide_action)
        help_menu.addAction(self.about_action)
        self.lock_action.triggered.connect(self.lock)
        self.change_password_action.triggered.connect(self.change_password)
        self.name_deputy_action.triggered.connect(self.name_deputy)
        self.logout_action.triggered.connect(self._on_logout_action_triggered)
        self.quit_action.triggered.connect(self._on_quit_action_triggered)
        self.about_action.triggered.connect(self.show_about)
        self.conflicts_action.triggered.connect(self.show_conflicts)
        self.guide_action.triggered.connect(self.show_guide)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        assert bar is not None
        user = self.context.user
        self.user_status = QLabel(self)
        self.user_status.setObjectName("userStatus")
        self._update_user_status()
        station = self.context.station_name or user.station
        window = user.window_name or self.tr("未设窗口")
        self.station_status = QLabel(f"{station}（{user.station}） · {window}", self)
        self.station_status.setObjectName("stationStatus")
        self.station_status.setToolTip(self.tr("CounterDesk 版本 {0}").format(__version__))
        self.sync_status = QLabel(self.tr("同步状态读取中…"), self)
        self.sync_status.setObjectName("syncStatus")
        self.sync_status.setTextFormat(Qt.TextFormat.RichText)
        self.sync_status.linkActivated.connect(lambda _link: self.show_conflicts())
        for label in (self.user_status, self.station_status):
            bar.addWidget(label)
        bar.addPermanentWidget(self.sync_status)

    def _deputy_text(self) -> str:
        departments = "、".join(sorted(self.context.user.deputy_for_departments))
        return self.tr("临时代理首席代表（{0}）").format(departments) if departments else ""

    def _update_user_card(self) -> None:
        user = self.context.user
        deputy = self._deputy_text()
        self.user_card.setText(f"<b>{user.display_name}</b><br>{user.role_labels}"
                               + (f"<br>{deputy}" if deputy else "")
                               + (f"<br>{user.window_name}" if user.window_name else ""))

    def _update_user_status(self) -> None:
        user = self.context.user
        roles = user.role_labels
        deputy = self._deputy_text()
        if deputy:
            roles += "、" + deputy
        self.user_status.setText(self.tr("{0}（{1}）").format(user.display_name, roles))

    # --- the user's roles and delegations -----------------------------------------

    def refresh_user(self, then: Callable[[], None] | None = None) -> None:
        """Re-read the user's delegations (a deputy's authority ends by itself), then
        show or hide the tasks that depend on them, then call ``then``."""
        uow, user = self.context.uow, self.context.user

        def done(current: CurrentUser) -> None:
            self._on_user_refreshed(current)
            if then is not None:
                then()

        def failed(_error: BaseException) -> None:
            if then is not None:
                then()

        self.context.runner.run(lambda: accounts.refresh_user(uow, user), on_done=done,
                                on_error=failed, owner=self)

    def _on_user_refreshed(self, user: CurrentUser) -> None:
        if user == self.context.user:
            return
        self.context.user = user
        self.name_deputy_action.setVisible(self.context.has_role(Role.CHIEF))
        self._update_user_card()
        self._update_user_status()
        self._apply_navigation()

    def _refresh_status_and_user(self) -> None:
        self.refresh_status()
        self.refresh_user()

    def _open_first_task(self) -> None:
        """Show the role's first task and start loading it at once, so that its first
        rows come from the database while the rest of the window is built and painted.

        The delegations are re-read first all the same (the database worker answers in
        order, and a page that went away is replaced as on any refresh); only a page
        the user has by a delegation alone waits for that answer before it loads, as
        every later switch of page does."""
        if not self.nav.count():
            return
        key = first_task(self.context, self._keys)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(self._keys.index(key))
        self.nav.blockSignals(False)
        page = self.page(key)
        self.stack.setCurrentWidget(page)
        if self._by_delegation_only(key):
            self.refresh_user(then=lambda: self._activate_if_shown(page))
        else:
            self.refresh_user()
            page.activate()

    def _by_delegation_only(self, key: str) -> bool:
        """Whether the user sees the task only as a deputy (待我核准 and 用印 of a clerk)."""
        entry = next(e for e in self._entries if e.key == key)
        own = replace(self.context, user=replace(self.context.user,
                                                 deputy_for_departments=frozenset()))
        return not entry.visible(own)

    def _apply_navigation(self) -> None:
        """Make the navigation list the tasks the user may do now.

        Run at start and whenever the user's delegations change: a deputy's 待我核准
        and 用印 appear when the delegation starts and go when it ends.
        """
        visible = [e for e in self._entries if e.visible(self.context)]
        keys = [e.key for e in visible]
        if keys == self._keys:
            return
        row = self.nav.currentRow()
        current = self._keys[row] if 0 <= row < len(self._keys) else ""
        first_time = not self._keys
        removed = [e for e in self._entries if e.key in self._keys and e.key not in keys]
        added = [e for e in visible if e.key not in self._keys]
        for entry in removed:
            page = self.pages.pop(entry.key, None)
            if page is None:
                continue  # never shown
            if self._previous_page is page:
                self._previous_page = None
            self.stack.removeWidget(page)
            page.deleteLater()
        self._keys = keys
        if "register" in keys and self._applicant_screen_configured():
            self.page("register")  # the applicant's screen follows the registration form
        self.nav.blockSignals(True)
        self.nav.clear()
        for entry in visible:
            item = QListWidgetItem(icon(entry.icon_name), self.tr(entry.title))
            item.setData(Qt.ItemDataRole.UserRole, entry.key)
            item.setToolTip(self.tr("{0}（{1}）").format(self.tr(entry.title), entry.shortcut)
                            if entry.shortcut else self.tr(entry.title))
            self.nav.addItem(item)
        self.nav.blockSignals(False)
        self._fill_go_menu()
        if current in keys:
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(keys.index(current))
            self.nav.blockSignals(False)
        elif current and keys:
            # The page shown went away (a delegation ended): show the first task instead.
            first = first_task(self.context, keys)
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(keys.index(first))
            self.nav.blockSignals(False)
            if self._case_page is None or self.stack.currentWidget() is not self._case_page:
                self.stack.setCurrentWidget(self.page(first))
                self.page(first).activate()
        if not first_time:
            self._tell_about_tasks([e.title for e in added], [e.title for e in removed])

    def _tell_about_tasks(self, added: list[str], removed: list[str]) -> None:
        def names(titles: list[str]) -> str:
            return "、".join(f"“{self.tr(title)}”" for title in titles)

        if removed:
            text = self.tr("临时代理期限已结束，{0}已关闭。").format(names(removed))
        elif added:
            text = self.tr("您现为临时代理人，可在{0}中办理。").format(names(added))
        else:
            return
        current = self.stack.currentWidget()
        bar = getattr(current, "message_bar", None)
        if bar is not None:
            bar.info(text)

    def _fill_go_menu(self) -> None:
        self.go_menu.clear()
        shortcuts = {e.key: e.shortcut for e in self._entries}
        for index in range(self.nav.count()):
            item = self.nav.item(index)
            assert item is not None
            key = self._keys[index]
            action = QAction(item.icon(), item.text(), self.go_menu)
            action.setObjectName(f"goto_{key}")
            if shortcuts.get(key):
                action.setShortcut(QKeySequence(shortcuts[key]))
            action.triggered.connect(lambda _c=False, k=key: self.show_page(k))
            self.go_menu.addAction(action)

    # --- the user's own account ---------------------------------------------------

    def change_password(self) -> None:
        from app.forms.account import open_change_password

        dialog = open_change_password(self.context, self)
        dialog.accepted.connect(self._on_password_changed)
        self.dialog = dialog

    def _on_password_changed(self) -> None:
        bar = self.statusBar()
        assert bar is not None
        bar.showMessage(self.tr("密码已修改。"), 8000)

    def name_deputy(self) -> None:
        from app.forms.account import open_name_deputy

        dialog = open_name_deputy(self.context, self)
        dialog.named.connect(self._on_deputy_named)
        self.dialog = dialog

    def show_conflicts(self) -> None:
        """同步冲突: what the server refused, to read and mark read."""
        from app.forms.conflicts import ConflictsDialog

        dialog = ConflictsDialog(self.context, self)
        dialog.openCaseRequested.connect(self.open_case)
        dialog.changed.connect(self.refresh_status)
        self.conflicts_dialog = dialog
        dialog.reload()
        dialog.open()

    def _on_deputy_named(self, text: str) -> None:
        current = self.stack.currentWidget()
        bar = getattr(current, "message_bar", None)
        if bar is not None:
            bar.success(text)

    def refresh_status(self) -> None:
        uow = self.context.uow
        self.context.runner.run(lambda: queries.sync_status(uow), on_done=self._on_sync_status,
                                on_error=lambda _e: None, owner=self)

    def _on_sync_status(self, status: queries.SyncStatus) -> None:
        if not status.server_url:
            state = self.tr("离线（未配置服务器）")
        elif self._online is None:
            state = self._sync_problem or self.tr("未同步")
        else:
            state = self.tr("在线") if self._online else self.tr("离线")
        last = status.last_sync_at or "—"
        if status.last_sync_at:
            from datetime import datetime

            from app.ui.widgets import local_time
            try:
                last = local_time(datetime.fromisoformat(status.last_sync_at))
            except ValueError:
                last = status.last_sync_at
        text = self.tr("{0} · 待同步 {1} 条 · 上次同步 {2}").format(
            state, status.waiting_events, last)
        if status.conflicts and self.context.can(Action.VIEW_CASES):
            # A link: the conflicts are there to be read, not only counted.
            text += " · <a href='conflicts'>" + self.tr("冲突 {0} 件").format(
                status.conflicts) + "</a>"
        elif status.conflicts:
            text += self.tr(" · 冲突 {0} 件").format(status.conflicts)
        self.sync_status.setText(text)
        self.sync_status.setProperty("online", bool(self._online))
        tip = status.server_url or self.tr("在“系统管理”中登记到县中心服务器")
        if self._sync_problem:
            tip += "\n" + self._sync_problem
        self.sync_status.setToolTip(tip)

    # --- sync ---------------------------------------------------------------------

    def _start_sync(self) -> None:
        if self.context.sync_engine is None:
            return
        self._sync_timer.start()
        self._on_sync_timer_timeout()

    def sync_now(self) -> None:
        self._on_sync_timer_timeout()

    def _on_sync_timer_timeout(self) -> None:
        engine = self.context.sync_engine
        if engine is None or self._sync_running:
            return
        self._sync_running = True
        self.context.runner.run(engine.sync_once, on_done=self._on_synced,
                                on_error=self._on_sync_failed, network=True, owner=self)

    def _schedule_next_sync(self, *, ok: bool, unreachable: bool) -> None:
        delay = self._sync_backoff.next_delay(ok=ok, unreachable=unreachable)
        self._sync_timer.start(int(delay * 1000))

    def _on_synced(self, report: object) -> None:
        self._sync_running = False
        self._schedule_next_sync(ok=bool(getattr(report, "ok", False)),
                                 unreachable=bool(getattr(report, "unreachable", False)))
        self._sync_problem = ""
        if getattr(report, "ok", False):
            self._online = True
        elif getattr(report, "error_code", "") == "not_enrolled":
            self._online = None
            self._sync_problem = self.tr("未登记到服务器")
        else:
            self._online = not getattr(report, "unreachable", True)
            errors = getattr(report, "errors", [])
            self._sync_problem = errors[0] if errors else ""
        self.refresh_status()

    def _on_sync_failed(self, error: BaseException) -> None:
        self._sync_running = False
        self._schedule_next_sync(ok=False, unreachable=True)
        self._online = False
        self._sync_problem = getattr(error, "message", "") or self.tr("同步失败")
        self.refresh_status()

    # --- navigation ---------------------------------------------------------------

    def page(self, key: str) -> Page:
        """The page of a task the user may do, built the first time it is asked for."""
        page = self.pages.get(key)
        if page is not None:
            return page
        if key not in self._keys:
            raise KeyError(key)
        entry = next(e for e in self._entries if e.key == key)
        page = entry.factory(self.context)
        self.pages[key] = page
        if key == "register" and self.applicant_screen is None:
            from app.forms.applicant_screen import open_applicant_screen

            self.applicant_screen = open_applicant_screen(self.context, page)
        self.stack.addWidget(page)
        page.openCaseRequested.connect(self.open_case)
        page.caseChanged.connect(self._on_page_case_changed)
        if key == "intake":
            page.registerRequested.connect(self._on_intake_register_requested)
        return page

    def _applicant_screen_configured(self) -> bool:
        settings = self.context.settings
        return settings is not None and int(settings.get("applicant_screen") or 0) > 0

    def show_page(self, key: str) -> None:
        if key in self._keys:
            self.nav.setCurrentRow(self._keys.index(key))

    def _on_nav_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._keys):
            page = self.page(self._keys[row])
            leaving = self.stack.currentWidget()
            if isinstance(leaving, Page) and leaving is not page:
                choice = ask_before_switching(self, leaving, page.page_title)
                if choice == "stay":
                    back = self._keys.index(next(k for k, p in self.pages.items()
                                                 if p is leaving)) \
                        if leaving in self.pages.values() else -1
                    if back >= 0:
                        self.nav.blockSignals(True)
                        self.nav.setCurrentRow(back)
                        self.nav.blockSignals(False)
                    return
                if choice == "discard":
                    leaving.discard_work()
            self.stack.setCurrentWidget(page)
            # Delegations first: a page of an ended delegation is never loaded again.
            self.refresh_user(then=lambda: self._activate_if_shown(page))

    def _activate_if_shown(self, page: Page) -> None:
        if self.stack.currentWidget() is page:
            page.activate()

    @property
    def case_page(self) -> CasePage:
        """The page of one case (made on first use: its actions import the documents)."""
        if self._case_page is None:
            from app.forms.case_page import CasePage

            page = CasePage(self.context, self.stack)
            self.stack.addWidget(page)
            page.backRequested.connect(self._on_case_page_back_requested)
            page.caseChanged.connect(self._on_page_case_changed)
            page.openCaseRequested.connect(self.open_case)
            self._case_page = page
        return self._case_page

    def open_case(self, case_id: str) -> None:
        case_page = self.case_page
        if self.stack.currentWidget() is not case_page:
            self._previous_page = self.stack.currentWidget()
        self.stack.setCurrentWidget(case_page)
        case_page.load(case_id)

    def _on_case_page_back_requested(self) -> None:
        previous = self._previous_page
        if previous is None or self.stack.indexOf(previous) < 0:
            previous = self.page(self._keys[0]) if self._keys else None
        if previous is None:
            return
        self.stack.setCurrentWidget(previous)
        if isinstance(previous, Page):
            self.refresh_user(then=lambda: self._activate_if_shown(previous))

    def _on_intake_register_requested(self, values: dict) -> None:
        """A consultation or an appointment becomes a registration (carried over)."""
        from app.forms.registration import RegistrationPage, carry_over

        page = self.page("register") if "register" in self._keys else None
        if not isinstance(page, RegistrationPage):
            return
        self.show_page("register")
        values = dict(values)
        carry_over(page, values.pop("matter"), **values)

    def _on_page_case_changed(self, _case_id: str) -> None:
        self._refresh_status_and_user()

    # --- lock, about, errors ------------------------------------------------------

    @property
    def locked(self) -> bool:
        return self._locked

    def lock(self) -> None:
        """Hide the work behind the unlock dialog until the password is entered."""
        if self._locked:
            return
        from app.forms.login import UnlockDialog

        self._locked = True
        self.idle_watcher.pause()
        self.centralWidget().setVisible(False)  # type: ignore[union-attr]
        # Open dialogs are windows of their own: hide them too until the password.
        self._hidden_while_locked = [
            w for w in QApplication.topLevelWidgets()
            if w is not self and w.isVisible() and _owned_by(w, self)]
        for widget in self._hidden_while_locked:
            widget.hide()
        if self.applicant_screen is not None:
            self.applicant_screen.blank()  # type: ignore[attr-defined]
        dialog = UnlockDialog(self.context.uow, self.context.runner, self.context.user, self)
        dialog.unlocked.connect(self._on_unlock_dialog_unlocked)
        dialog.logoutRequested.connect(self.logoutRequested)
        self.unlock_dialog = dialog
        dialog.open()

    def _on_unlock_dialog_unlocked(self) -> None:
        self._locked = False
        self.centralWidget().setVisible(True)  # type: ignore[union-attr]
        for widget in self._hidden_while_locked:
            widget.show()
        self._hidden_while_locked = []
        self.idle_watcher.restart()
        self.unlock_dialog = None

    def _on_idle_watcher_idle(self) -> None:
        self.lock()

    def current_page_key(self) -> str:
        current = self.stack.currentWidget()
        if current is not None and current is self._case_page:
            return "case"
        return next((key for key, page in self.pages.items() if page is current), "")

    def show_guide(self) -> None:
        """F1: the user guide, open at the screen in front of the user."""
        from app.ui.guide_dialog import GuideDialog

        dialog = GuideDialog(self.current_page_key(), self)
        self.dialog = dialog
        dialog.open()

    def show_about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(self.tr("关于 CounterDesk"))
        box.setIconPixmap(icon("app").pixmap(64, 64))
        box.setText(self.tr(
            "<h3>CounterDesk 政务服务窗口受理台</h3>"
            "<p>版本 {0}</p>"
            "<p>离线可用的窗口受理、审查、核准、用印与统计程序；"
            "网络恢复后自动与县级中心同步。</p>"
            "<p>数据目录：{1}</p>").format(__version__, self.context.data_dir))
        box.setObjectName("aboutBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.open()

    def _on_runner_unexpected_error(self, message: str) -> None:
        show_unexpected(self, message, self.context.log_dir)

    def _on_logout_action_triggered(self) -> None:
        if confirm_leaving(self, self.pages.values(), self.tr("注销")):
            self.logoutRequested.emit()

    def _on_quit_action_triggered(self) -> None:
        if confirm_leaving(self, self.pages.values(), self.tr("退出")):
            self._leaving_confirmed = True
            self.close()

    def closeEvent(self, event: QCloseEvent | None) -> None:  # noqa: N802
        # The title bar's close button (a spontaneous event) asks as 退出 does; a close
        # by the program (logout, shutdown) has asked already or has nothing to ask.
        if event is not None and event.spontaneous() and not self._leaving_confirmed \
                and not confirm_leaving(self, self.pages.values(), self.tr("退出")):
            event.ignore()
            return
        self._status_timer.stop()
        self._sync_timer.stop()
        self.idle_watcher.detach()
        if self.applicant_screen is not None:
            self.applicant_screen.close()
        super().closeEvent(event)
