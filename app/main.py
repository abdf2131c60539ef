"""The composition root of the desktop program.

settings → logging and the crash hook → the profile (engine, unit-of-work factory,
seal keys) → sync engine → QApplication → first start or login → main window. Nothing
else in the program builds these; every screen receives what it needs through an
:class:`app.ui.context.AppContext`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QApplication, QMessageBox, QWidget

from app import __version__
from app.domain.errors import DomainError
from app.services.context import CurrentUser
from app.services.runtime import Runtime

log = logging.getLogger(__name__)

UI_FONT_FAMILIES = ["Microsoft YaHei UI", "Microsoft YaHei", "PingFang SC",
                    "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
                    "WenQuanYi Zen Hei", "sans-serif"]


def configure_application(app: QApplication) -> None:
    """Name, font and style sheet: the same for the program, the tests and screenshots."""
    from app.ui.resources import icon, load_style_sheet
    from app.ui.wheel_guard import install_wheel_guard

    app.setApplicationName("CounterDesk")
    app.setApplicationDisplayName("CounterDesk 政务服务窗口受理台")
    app.setOrganizationName("CounterDesk")
    app.setApplicationVersion(__version__)
    app.setWindowIcon(icon("app"))
    font = QFont(app.font())
    # The shipped faces go before the generic "sans-serif", which would otherwise match a
    # Latin-only face first.
    font.setFamilies(UI_FONT_FAMILIES[:-1] + shipped_ui_fonts() + UI_FONT_FAMILIES[-1:])
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
    app.setFont(font)
    app.setStyle("Fusion")
    app.setStyleSheet(load_style_sheet())
    install_wheel_guard(app)
    install_qt_translations(app)


_SHIPPED_UI_FAMILIES: list[str] = []


def shipped_ui_fonts() -> list[str]:
    """The families of the fonts CounterDesk ships, loaded for the screens only on a
    machine with no Chinese font of its own (a bare Linux PC), where every label would
    otherwise show boxes. Windows always has 微软雅黑 and loads nothing here."""
    from PyQt6.QtGui import QFontDatabase

    from app.resources import resource_path

    if _SHIPPED_UI_FAMILIES:
        return list(_SHIPPED_UI_FAMILIES)  # loaded already (configured once more)
    if QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese):
        return []
    families = _SHIPPED_UI_FAMILIES
    for name in ("NotoSerifSC-Regular.ttf", "NotoSerifSC-Bold.ttf"):
        font_id = QFontDatabase.addApplicationFont(str(resource_path("resources", "fonts", name)))
        if font_id < 0:
            log.warning("the shipped font %s could not be loaded", name)
            continue
        families += [f for f in QFontDatabase.applicationFontFamilies(font_id)
                     if f not in families]
    return list(families)


def install_qt_translations(app: QApplication) -> bool:
    """Qt's own words in Chinese: 确定/取消 in message boxes, the file and print dialogs.
    The translations ship with the PyQt6 wheels (and in the bundle); True once loaded."""
    from PyQt6.QtCore import QLibraryInfo, QLocale, QTranslator

    if app.findChild(QTranslator, "qtbaseChinese") is not None:
        return True
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    translator = QTranslator(app)
    translator.setObjectName("qtbaseChinese")
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not translator.load("qtbase_zh_CN", folder):
        log.warning("Qt's Chinese translations not found in %s", folder)
        return False
    app.installTranslator(translator)
    return True


def station_name(runtime: Runtime) -> str:
    """The name the first start gave this station (shown in the window title)."""
    from app.services.system import station_settings

    return station_settings(runtime.uow).get("station_name", "")


def make_sync_engine(runtime: Runtime) -> Any:
    """The station's sync engine when this build has one, else None (offline only)."""
    try:
        from app.sync.engine import SyncEngine
    except ImportError:
        return None
    try:
        return SyncEngine(runtime.uow, attachments_dir=runtime.profile.attachments_dir)
    except Exception:  # a broken keyring must not stop the counter: work offline
        log.exception("sync engine unavailable; working offline")
        return None


def make_id_card_reader(settings: Any) -> Any:
    """The ID card reader the settings name (``id_card_reader``), or None."""
    from app.devices.id_card_reader import make_reader

    if settings is None:
        return None
    values = settings.values
    return make_reader(values.id_card_reader, library_path=values.id_card_library,
                       port=values.id_card_port)


def make_queue_adapter(settings: Any) -> Any:
    """The hall's queue system the settings name (``queue_url``, ``queue_window``), or None."""
    from app.devices.queue import make_queue

    if settings is None:
        return None
    return make_queue(settings.values.queue_url, settings.values.queue_window)


def document_camera_factory(settings: Any) -> Any:
    """Opens the document camera (高拍仪) when the settings say one is fitted, else None
    (files only). Qt Multimedia is loaded only then: a counter without one never pays
    for its start."""
    if settings is None or not settings.values.document_camera:
        return None
    from app.ui.document_camera import CameraFrameSource

    return CameraFrameSource


class Controller(QObject):
    """First start or login, then the main window; logout goes back to the login."""

    def __init__(self, runtime: Runtime, *, settings: Any = None, log_dir: str = "",
                 sync_engine: Any = None,
                 make_sync_engine: Callable[[Runtime], Any] | None = None) -> None:
        super().__init__()
        from app.ui.tasks import TaskRunner

        self.runtime = runtime
        self.settings = settings
        self.log_dir = log_dir
        self.sync_engine = sync_engine
        # Made at the first login (only the main window syncs): the login window does
        # not wait for the sync stack's imports.
        self._make_sync_engine = make_sync_engine
        self.runner = TaskRunner(self)
        self.window: QWidget | None = None
        self.dialog: QWidget | None = None

    def start(self) -> None:
        from app.services.accounts import needs_first_start

        if needs_first_start(self.runtime.uow):
            self._first_start()
        else:
            self._login()

    def _first_start(self) -> None:
        from app.forms.login import FirstStartDialog

        dialog = FirstStartDialog(self.runtime.uow, self.runner)
        dialog.created.connect(self._on_logged_in)
        dialog.rejected.connect(self._on_dialog_rejected)
        self.dialog = dialog
        dialog.show()

    def _login(self) -> None:
        from app.forms.login import LoginDialog

        dialog = LoginDialog(self.runtime.uow, self.runner,
                             station_name=station_name(self.runtime))
        dialog.loggedIn.connect(self._on_logged_in)
        dialog.rejected.connect(self._on_dialog_rejected)
        self.dialog = dialog
        dialog.show()

    def _on_dialog_rejected(self) -> None:
        if self.window is None:
            QApplication.quit()

    def _on_logged_in(self, user: CurrentUser) -> None:
        from app.logs import set_log_identity
        from app.ui.context import AppContext
        from app.ui.main_window import MainWindow

        set_log_identity(user=user.username, station=user.station)
        log.info("login: %s", user.username)
        if self.sync_engine is None and self._make_sync_engine is not None:
            self.sync_engine = self._make_sync_engine(self.runtime)
            self._make_sync_engine = None
        context = AppContext(
            uow=self.runtime.uow, runner=self.runner, data_dir=self.runtime.profile.data_dir,
            user=user, station_name=station_name(self.runtime), settings=self.settings,
            key_store=self.runtime.key_store, log_dir=self.log_dir,
            sync_engine=self.sync_engine, id_card_reader=make_id_card_reader(self.settings),
            document_camera=document_camera_factory(self.settings), queue=make_queue_adapter(self.settings),
        )
        window = MainWindow(context)
        window.logoutRequested.connect(self._on_logout_requested)
        self.window = window
        self.dialog = None
        window.show()

    def _on_logout_requested(self) -> None:
        from app.logs import set_log_identity

        window = self.window
        self.window = None
        set_log_identity()
        if window is not None:
            window.close()
            window.deleteLater()
        self._login()


class CrashReporter(QObject):
    """Shows the crash hook's message on the GUI thread, whichever thread crashed.

    The hook may run on a worker thread; emitting :attr:`crashed` hands the text to this
    object, which lives on the GUI thread, by a queued connection. One box at a time.
    """

    crashed = pyqtSignal(str)

    def __init__(self) -> None:
        super().__init__()
        self.box: QMessageBox | None = None
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.crashed.connect(self._on_crashed)

    def show(self, text: str) -> None:
        """For ``install_excepthook``: callable from any thread."""
        self.crashed.emit(text)

    def _on_crashed(self, text: str) -> None:
        if self.box is not None and self.box.isVisible():
            return
        box = QMessageBox(QApplication.activeWindow())
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("CounterDesk")
        box.setText(text)
        box.setObjectName("crashBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        box.finished.connect(self._on_box_finished)
        self.box = box
        box.open()

    def _on_box_finished(self, _result: int) -> None:
        self.box = None


def run_gui(data_dir: Path) -> int:
    """Start the desktop program on the profile in ``data_dir``; returns the exit code."""
    from app.domain.calendar import configure_local_zone
    from app.logs import install_excepthook, setup_logging
    from app.services.runtime import open_runtime, start_daily_backup
    from app.settings import Settings

    settings = Settings.load()
    configure_local_zone(settings.values.time_zone)  # validated on load
    try:
        log_path = setup_logging()
        log_dir = str(log_path.parent)
    except OSError:
        log_dir = ""
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    configure_application(app)
    reporter = CrashReporter()
    install_excepthook(show=reporter.show)
    log.info("CounterDesk %s starting with profile %s", __version__, data_dir)
    try:
        runtime = open_runtime(Path(data_dir), backups=False)  # the daily one follows
    except DomainError as error:
        QMessageBox.critical(None, "CounterDesk", error.message)
        return 2
    except OSError as error:
        QMessageBox.critical(None, "CounterDesk",
                             f"无法打开数据目录 {data_dir}：{error.strerror or error}。"
                             "请检查磁盘空间和文件夹权限。")
        return 2
    controller = Controller(runtime, settings=settings, log_dir=log_dir,
                            make_sync_engine=make_sync_engine)
    controller.start()
    backup = start_daily_backup(runtime.profile)
    try:
        return app.exec()
    finally:
        controller.runner.wait_for_done(10_000)
        backup.join()
        runtime.close()
