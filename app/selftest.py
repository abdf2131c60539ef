"""``--self-test``: prove that this installation works, offscreen, in well under a minute.

Against a fresh data directory it creates the demo profile, opens the main window
offscreen for several roles and grabs it, renders every document kind (checking each
PDF and its Chinese text), verifies a sealed document's signature, the audit chain and
the database, makes a backup, and reports which keyring backend loaded. One line per
check, then a summary; exit 0 when everything passed, 1 naming what failed, 2 when the
data directory was refused. The same command runs from the source tree and from the
PyInstaller bundle, so a bundle missing a module, a data file or a Qt plugin is caught
before anyone ships it.

The data directory must be empty, or hold only what an earlier self-test left there
(marked by :data:`MARKER`); the program's real per-user data directory is never used: a
temporary folder is used instead and removed afterwards.
"""

from __future__ import annotations

import faulthandler
import io
import json
import logging
import os
import platform
import re
import shutil
import sys
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

from app import __version__

log = logging.getLogger(__name__)

MARKER = ".counterdesk-selftest"
MANIFEST_NAME = "counterdesk-manifest.json"  # written into the bundle by build_installer.spec
OUTPUT_DIR = "selftest"
# What a self-test leaves in its data directory; anything else means "not ours".
SELF_TEST_NAMES = frozenset({
    MARKER, OUTPUT_DIR, "counterdesk.sqlite3", "counterdesk.sqlite3-wal",
    "counterdesk.sqlite3-shm", "counterdesk.sqlite3-journal", "backups", "attachments",
    "keys", "logs", "config", "counterdesk-ui.ini",
})
RARE_NAME_CHARACTERS = "𠮷䶮喆"
"""Name characters of GB 18030-2022 (extension B, extension A, URO) every face chain needs."""
MAIN_WINDOW_USERS = ("admin", "clerk_scj", "chief_scj", "supervisor")
WINDOW_SETTLE_SECONDS = 15.0
REDACTION_PROBE_ID = "11010519491231002X"
REDACTION_PROBE_PHONE = "13800138000"
_CJK = re.compile(r"[\u4e00-\u9fff]")

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"


class SelfTestRefused(Exception):
    """The data directory holds something the self-test did not make."""


class CheckFailed(Exception):
    """A check found something wrong; the message says what."""


@dataclass
class CheckResult:
    name: str
    status: str
    detail: str
    seconds: float

    def line(self) -> str:
        return f"{self.status} {self.name}: {self.detail} ({self.seconds:.1f}s)"


@dataclass
class _State:
    """What earlier checks made for later ones."""

    runtime: Any = None
    users: dict[str, Any] = field(default_factory=dict)
    documents: dict[str, Any] = field(default_factory=dict)
    sealed_pdf: bytes | None = None
    settings: Any = None


def run_self_test(data_dir: Path | None, *, out: TextIO | None = None) -> int:
    """Run every check against ``data_dir`` (None: a temporary folder); 0 when all pass."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    stream = out or sys.stdout
    if sys.stderr is not None and not faulthandler.is_enabled():
        # A hard crash (Qt abort, segfault) still names the check it happened in.
        faulthandler.enable()
    temporary = data_dir is None or _is_user_data_dir(Path(data_dir))
    folder = Path(tempfile.mkdtemp(prefix="counterdesk-selftest-")) if temporary \
        else Path(data_dir)  # type: ignore[arg-type]
    test = SelfTest(folder, stream)
    try:
        code = test.run()
    finally:
        test.close()
    if temporary and code == 0:
        shutil.rmtree(folder, ignore_errors=True)
    elif temporary:
        print(f"数据保留以便排查：{folder}", file=stream, flush=True)
    return code


def _is_user_data_dir(path: Path) -> bool:
    """Whether ``path`` is the program's real per-user data directory."""
    from platformdirs import user_data_dir

    try:
        return path.resolve() == Path(user_data_dir("CounterDesk", appauthor=False)).resolve()
    except OSError:
        return False


def prepare_data_dir(data_dir: Path) -> str:
    """Make ``data_dir`` an empty, marked folder; refuse one with foreign contents."""
    if data_dir.exists() and not data_dir.is_dir():
        raise SelfTestRefused(f"{data_dir} 不是文件夹。")
    entries = sorted(p.name for p in data_dir.iterdir()) if data_dir.exists() else []
    if entries:
        foreign = [name for name in entries if name not in SELF_TEST_NAMES]
        if MARKER not in entries or foreign:
            shown = "、".join(foreign[:5] or entries[:5])
            raise SelfTestRefused(
                f"数据目录 {data_dir} 不是空的（{shown}），自检不会改动已有数据。"
                "请指定一个空目录。"
            )
        for name in entries:
            path = data_dir / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text(
        f"CounterDesk {__version__} self-test data; safe to delete.\n", encoding="utf-8"
    )
    return f"{data_dir}（{'已清空上次自检数据' if entries else '新目录'}）"


class SelfTest:
    """The checks, in order; each prints its line as soon as it is done."""

    def __init__(self, data_dir: Path, out: TextIO) -> None:
        self.data_dir = data_dir
        self.out = out
        self.results: list[CheckResult] = []
        self.state = _State()
        self._logging_installed = False
        self._application: Any = None

    # --- running ------------------------------------------------------------------

    def run(self) -> int:
        started = time.monotonic()
        self._print(f"CounterDesk {__version__} 自检 self-test: {self.data_dir}")
        if self.check("data-dir", lambda: prepare_data_dir(self.data_dir)).status != PASS:
            self._print("self-test REFUSED: data-dir")
            return 2
        self.check("logging", self._check_logging)  # first: later failures go to the log
        self.check("program", self._check_program)
        self.check("resources", self._check_resources)
        self.check("settings", self._check_settings)
        self.check("keyring", self._check_keyring)
        self.check("database", self._check_database)
        self.check("demo-profile", self._check_demo, needs=("database",))
        self.check("main-window", self._check_main_window, needs=("demo-profile",))
        self.check("icons-and-style", self._check_icons_and_style)
        self.check("qt-platforms", self._check_qt_platforms)
        self.check("fonts", self._check_fonts, needs=("demo-profile",))
        from app.print_templates import DocumentKind

        for kind in DocumentKind:
            self.check(f"document:{kind.value}", lambda k=kind: self._check_document(k),
                       needs=("demo-profile",))
        self.check("word-files", self._check_word_files, needs=("demo-profile",))
        self.check("seal-signature", self._check_seal_signature,
                   needs=("document:approval_decision",))
        self.check("audit-chain", self._check_audit, needs=("demo-profile",))
        self.check("integrity", self._check_integrity, needs=("database",))
        self.check("backup", self._check_backup, needs=("database",))
        failed = [r.name for r in self.results if r.status != PASS]
        elapsed = time.monotonic() - started
        if failed:
            self._print(f"self-test FAILED ({elapsed:.1f}s): {', '.join(failed)}")
            return 1
        self._print(f"self-test passed: {len(self.results)} checks ({elapsed:.1f}s)")
        return 0

    def check(self, name: str, function: Callable[[], str],
              needs: tuple[str, ...] = ()) -> CheckResult:
        missing = [n for n in needs if not any(r.name == n and r.status == PASS
                                               for r in self.results)]
        started = time.monotonic()
        if missing:
            result = CheckResult(name, SKIP, f"needs {', '.join(missing)}", 0.0)
        else:
            try:
                result = CheckResult(name, PASS, function(), 0.0)
            except Exception as error:  # every failure becomes a line, never a crash
                log.error("self-test check %s failed", name, exc_info=True)
                result = CheckResult(name, FAIL, _describe(error), 0.0)
        result.seconds = time.monotonic() - started
        self.results.append(result)
        self._print(result.line())
        return result

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def close(self) -> None:
        if self.state.runtime is not None:
            self.state.runtime.close()
            self.state.runtime = None
        if self._logging_installed:
            from app.logs import shutdown_logging

            shutdown_logging()

    # --- environment ----------------------------------------------------------------

    def _check_program(self) -> str:
        from app.resources import is_frozen

        kind = "安装包 bundle" if is_frozen() else "源码 source"
        return (f"CounterDesk {__version__}, {kind}, Python {platform.python_version()}, "
                f"{platform.system()} {platform.release()} {platform.machine()}")

    def _check_resources(self) -> str:
        from app.resources import is_frozen, resource_path, resource_root
        from app.store.database import MIGRATIONS_DIR, head_revision

        needed = [
            resource_path("app", "store", "migrations", "env.py"),
            resource_path("app", "store", "migrations", "script.py.mako"),
            MIGRATIONS_DIR / "env.py",
        ]
        manifest = resource_path(MANIFEST_NAME)
        listed: list[str] = []
        if manifest.is_file():
            listed = json.loads(manifest.read_text(encoding="utf-8"))
            needed += [resource_path(*Path(name).parts) for name in listed]
        elif is_frozen():
            raise CheckFailed(f"安装包缺少文件清单 {manifest}")
        missing = [str(p) for p in needed if not p.is_file()]
        versions = list((MIGRATIONS_DIR / "versions").glob("*.py"))
        if not versions:
            missing.append(str(MIGRATIONS_DIR / "versions" / "*.py"))
        if missing:
            raise CheckFailed(f"缺少 {len(missing)} 个运行文件：" + "；".join(missing[:5]))
        shipped = f"清单中 {len(listed)} 个文件齐全" if listed else "源码目录"
        return (f"{resource_root()}: {shipped}，{len(versions)} 个数据库迁移"
                f"（最新 {head_revision()}）")

    def _check_logging(self) -> str:
        from app.logs import log_context, setup_logging

        path = setup_logging(self.data_dir / "logs")
        self._logging_installed = True
        with log_context(user="selftest", station="SELFTEST"):
            logging.getLogger("app.selftest").info(
                "redaction probe: 身份证 %s 手机 %s", REDACTION_PROBE_ID, REDACTION_PROBE_PHONE
            )
        for handler in logging.getLogger().handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        if REDACTION_PROBE_ID in text or REDACTION_PROBE_PHONE in text:
            raise CheckFailed(f"日志中出现了身份证号或手机号：{path}")
        if "user=selftest station=SELFTEST" not in text:
            raise CheckFailed(f"日志行缺少用户和站点：{path}")
        return f"{path}（身份证号、手机号已屏蔽）"

    def _check_settings(self) -> str:
        import json

        from app.settings import Settings, SettingsError, find_station_file

        config = self.data_dir / "config"
        config.mkdir(exist_ok=True)
        station_file = config / "station.json"
        station_file.write_text(json.dumps({"idle_lock_minutes": 5}), encoding="utf-8")
        settings = Settings.load(config, station_file=station_file)
        settings.set("backups_kept", 7)
        try:
            settings.set("idle_lock_minutes", 30)
        except SettingsError:
            pass
        else:
            raise CheckFailed("站点锁定的设置项被用户修改了。")
        again = Settings.load(config, station_file=station_file)
        if (again.values.backups_kept, again.values.idle_lock_minutes) != (7, 5):
            raise CheckFailed(f"设置未保存或锁定无效：{again.values}")
        self.state.settings = again
        in_use = find_station_file()
        return ("用户设置可保存，站点设置锁定有效；本机站点设置文件："
                + (str(in_use) if in_use else "无"))

    def _check_keyring(self) -> str:
        from importlib.metadata import entry_points

        import keyring
        import keyring.backend

        declared = sorted(ep.name for ep in entry_points(group="keyring.backends"))
        if not declared:
            raise CheckFailed("keyring 后端入口点缺失（安装包未包含 keyring 元数据）")
        expected = {"win32": "keyring.backends.Windows", "darwin": "keyring.backends.macOS"}
        module = expected.get(sys.platform, "keyring.backends.SecretService")
        __import__(module)
        backend = keyring.get_keyring()
        name = f"{type(backend).__module__}.{type(backend).__name__}"
        viable = [type(b).__name__ for b in keyring.backend.get_all_keyring()]
        note = ""
        if type(backend).__module__ == "keyring.backends.fail":
            note = "；本机没有可用的系统密钥环，印章密钥使用数据目录中的文件存储"
        return (f"loaded {name}; available {', '.join(viable) or 'none'}; "
                f"entry points {', '.join(declared)}; {module} importable{note}")

    # --- the profile ----------------------------------------------------------------

    def _check_database(self) -> str:
        from app.services.runtime import open_runtime
        from app.store.database import current_revision, head_revision

        runtime = open_runtime(self.data_dir)
        self.state.runtime = runtime
        revision = current_revision(runtime.engine)
        if revision != head_revision():
            raise CheckFailed(f"数据库结构版本 {revision}，应为 {head_revision()}")
        return f"{runtime.profile.database_path} at revision {revision}"

    def _check_demo(self) -> str:
        from argon2 import PasswordHasher

        from app.services import accounts
        from app.services.demo import DEMO_PASSWORD, create_demo

        runtime = self.state.runtime
        # The program's password hashing, once, as a login does it...
        program_hasher = accounts._hasher
        started = time.monotonic()
        program_hasher.verify(program_hasher.hash(DEMO_PASSWORD), DEMO_PASSWORD)
        hashing = time.monotonic() - started
        # ...then cheap parameters for the demo's dozens of accounts and seal
        # confirmations (as the test suite does): the self-test must stay well under a
        # minute on an old counter PC, and this profile is thrown away.
        accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        try:
            summary = create_demo(runtime.uow, runtime.key_store)
            for username in {"admin", "supervisor", "clerk_scj", "chief_scj",
                             *MAIN_WINDOW_USERS}:
                self.state.users[username] = accounts.authenticate(
                    runtime.uow, username=username, password=DEMO_PASSWORD
                )
        finally:
            accounts._hasher = program_hasher
        return (f"{summary.matters} 个事项、{summary.departments} 个部门、{summary.users} 名"
                f"工作人员、{summary.cases} 件办件；argon2 口令校验 {hashing * 1000:.0f} ms")

    # --- the window -----------------------------------------------------------------

    def _qt_application(self) -> Any:
        """The QApplication, configured as the program configures it (style, fonts)."""
        from PyQt6.QtCore import QtMsgType, qInstallMessageHandler
        from PyQt6.QtWidgets import QApplication

        existing = QApplication.instance()
        if existing is not None:
            return existing
        qt_log = logging.getLogger("qt")

        def _on_qt_message(kind: QtMsgType, _context: object, message: str | None) -> None:
            level = logging.WARNING if kind != QtMsgType.QtDebugMsg else logging.DEBUG
            qt_log.log(level, "%s", message)

        qInstallMessageHandler(_on_qt_message)
        # Kept on self: a QApplication that Python collects takes every widget with it.
        self._application = QApplication([sys.argv[0]])
        try:
            from app.main import configure_application
        except ImportError:  # a build without the composition root: plain Qt look
            return self._application
        configure_application(self._application)
        return self._application

    def _check_main_window(self) -> str:
        import importlib.util

        if importlib.util.find_spec("app.ui.main_window") is None:
            raise CheckFailed("主窗口不存在：本版本缺少 app.ui.main_window")
        from PyQt6.QtWidgets import QApplication, QWidget

        from app.ui.main_window import MainWindow

        self._qt_application()
        output = self.data_dir / OUTPUT_DIR
        output.mkdir(exist_ok=True)
        shots = []
        version_visible = False
        for username in MAIN_WINDOW_USERS:
            with self._main_window(MainWindow, username) as window:
                pixmap = window.grab()
                if pixmap.isNull() or pixmap.width() < 200 or pixmap.height() < 200:
                    raise CheckFailed(f"{username} 的主窗口截图为空")
                target = output / f"main-window-{username}.png"
                if not pixmap.save(str(target), "PNG"):
                    raise CheckFailed(f"无法保存截图 {target}")
                texts = [window.windowTitle(), window.toolTip()] + [
                    w.toolTip() for w in window.findChildren(QWidget)
                ]
                version_visible |= any(__version__ in t for t in texts)
                shots.append(f"{username} {pixmap.width()}x{pixmap.height()}")
        return (f"{QApplication.platformName()}: {', '.join(shots)}；版本号"
                f"{'可见' if version_visible else '未在标题或提示中出现'}；截图在 {output}")

    def _check_qt_platforms(self) -> str:
        """The platform plugin the counter's desktop needs is there: the offscreen one
        proves nothing about the real screen, and PyInstaller silently leaves out a
        plugin whose libraries the build machine lacks (libqxcb without libxcb-*)."""
        from PyQt6.QtCore import QLibraryInfo

        folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
        needed = {"win32": ["qwindows.dll"], "darwin": ["libqcocoa.dylib"]}.get(
            sys.platform, ["libqxcb.so"])
        present = sorted(p.name for p in folder.glob("*") if p.is_file())
        missing = [name for name in needed if name not in present]
        if missing:
            raise CheckFailed(f"缺少 Qt 平台插件 {'、'.join(missing)}（{folder}），"
                              "程序在桌面上无法打开窗口；构建机器需安装该插件依赖的库后重新打包")
        return f"{folder}: {', '.join(present)}"

    def _check_icons_and_style(self) -> str:
        """Every shipped SVG icon draws (Qt's SVG plugins are in the build) and the
        style sheet loads."""
        from PyQt6.QtGui import QIcon, QImageReader

        from app.resources import resource_path

        self._qt_application()
        icons = sorted(resource_path("resources", "icons").glob("*.svg"))
        formats = {bytes(f).decode() for f in QImageReader.supportedImageFormats()}
        if icons and "svg" not in formats:
            raise CheckFailed("Qt 缺少 SVG 图像插件（imageformats/qsvg），图标无法显示")
        broken = [p.name for p in icons if QIcon(str(p)).pixmap(24, 24).isNull()]
        if broken:
            raise CheckFailed(f"图标无法绘制：{'、'.join(broken)}")
        style = resource_path("resources", "style.qss")
        sheet = ""
        if style.is_file():
            from app.ui.resources import load_style_sheet

            sheet = load_style_sheet()
            if not sheet:
                raise CheckFailed(f"样式表 {style} 读取失败")
        return (f"{len(icons)} 个 SVG 图标可绘制；样式表"
                f"{f'{len(sheet)} 字符' if sheet else '未提供'}")

    @contextmanager
    def _main_window(self, window_class: type, username: str) -> Iterator[Any]:
        from PyQt6.QtWidgets import QApplication

        from app.logs import log_file
        from app.ui.context import AppContext
        from app.ui.tasks import TaskRunner

        runtime = self.state.runtime
        user = self.state.users[username]
        runner = TaskRunner()
        context = AppContext(
            uow=runtime.uow, runner=runner, data_dir=self.data_dir, user=user,
            station_name="清河县政务服务中心", settings=self.state.settings,
            key_store=runtime.key_store, log_dir=str(log_file().parent) if log_file() else "",
        )
        window = window_class(context)
        try:
            window.show()
            _settle(runner, WINDOW_SETTLE_SECONDS)
            yield window
        finally:
            window.close()
            _settle(runner, WINDOW_SETTLE_SECONDS)
            runner.wait_for_done(int(WINDOW_SETTLE_SECONDS * 1000))
            window.deleteLater()
            runner.deleteLater()
            QApplication.processEvents()

    # --- documents ------------------------------------------------------------------

    def _check_fonts(self) -> str:
        """The faces documents print with here, and the same glyph check as issuing:
        every kind of document, and the rare name characters of GB 18030-2022."""
        import dataclasses

        from app.print_templates import DocumentKind, resolve_fonts
        from app.print_templates.coverage import check_layout
        from app.print_templates.samples import sample_context
        from app.print_templates.templates import build_layout
        from app.services.documents import font_path

        with self.state.runtime.uow() as uow:
            configured = font_path(uow)
        fonts = resolve_fonts(configured)
        for kind in DocumentKind:
            context = sample_context(kind)
            check_layout(build_layout(context), fonts)
        rare = dataclasses.replace(sample_context(DocumentKind.ACCEPTANCE_NOTICE),
                                   applicant_name=RARE_NAME_CHARACTERS)
        check_layout(build_layout(rare), fonts)
        faces = [Path(f.path).name for f in fonts.body_chain.loaded_files()]
        return f"正文字体 {' > '.join(faces)}；{len(DocumentKind)} 种文书及{RARE_NAME_CHARACTERS}字形齐全"

    def _check_document(self, kind: Any) -> str:
        from app.print_templates import DocumentKind

        runtime = self.state.runtime
        users = self.state.users
        if kind is DocumentKind.SEAL_LEDGER:
            from app.services.context import local_date, utc_now
            from app.services.seals import ledger_pdf

            today = local_date(utc_now())
            department = self._case_in("completed").department_code
            pdf = ledger_pdf(runtime.uow, users["supervisor"], start=today - timedelta(days=366),
                             end=today, department_code=department)
            return _check_pdf(pdf, kind.label, f"台账 ledger_pdf {department}")
        if kind is DocumentKind.RECEIPT:
            from app.services.documents import issue_unsealed

            case = self._case_in("registered")
            clerk = self._clerk_for(case)
            issued = issue_unsealed(runtime.uow, clerk, case.id, kind)
            self.state.documents[kind.value] = issued
            return _check_pdf(issued.pdf, kind.label, f"issue_unsealed {issued.document_number}",
                              (issued.document_number, case.number))
        if kind is DocumentKind.AGENT_LEDGER:
            from app.services.context import local_date, utc_now
            from app.services.custody import agent_ledger_pdf

            today = local_date(utc_now())
            pdf = agent_ledger_pdf(runtime.uow, users["supervisor"],
                                   start=today - timedelta(days=60), end=today)
            return _check_pdf(pdf, kind.label, "代办台账 agent_ledger_pdf")
        if kind is DocumentKind.SERVICE_GUIDE:
            from app.services.consultations import service_guide_pdf

            matter = self._case_in("registered").matter_code
            pdf = service_guide_pdf(runtime.uow, users["supervisor"], matter_code=matter)
            return _check_pdf(pdf, kind.label, f"办事指南 {matter}")
        if kind in (DocumentKind.TOLERANCE_PROMISE, DocumentKind.NOTIFICATION_PROMISE, DocumentKind.JOINT_INSPECTION_RECORD):
            return self._kept_document(kind)
        # Every other document is sealed: the decisions by the chief representative, the
        # notices at the counter when the demo recorded their acts.
        issued = self._sealed_document(kind)
        self.state.documents[kind.value] = issued
        if kind is DocumentKind.APPROVAL_DECISION:
            self.state.sealed_pdf = issued.pdf
        return _check_pdf(issued.pdf, kind.label, f"已盖章 {issued.document_number}",
                          (issued.document_number,))

    def _kept_document(self, kind: Any) -> str:
        """A document the demo issued unsealed and kept with its act (容缺受理承诺书, 告知承诺书,
        联合踏勘记录)."""
        from app.print_templates import DocumentKind
        from app.services.documents import documents_for_case

        for summary in self._cases():
            for issued in documents_for_case(self.state.runtime.uow, summary.id):
                if issued.kind is kind:
                    self.state.documents[kind.value] = issued
                    # The applicant's own promise prints no 文号 (it is theirs, not ours).
                    numbers = (() if kind is DocumentKind.TOLERANCE_PROMISE
                               else (issued.document_number,))
                    return _check_pdf(issued.pdf, kind.label, f"已出具 {issued.document_number}",
                                      numbers)
        raise CheckFailed(f"演示数据中没有{kind.label}")

    def _cases(self, states: tuple[str, ...] = ()) -> list[Any]:
        from app.services.queries import CaseFilter, list_cases

        return list_cases(self.state.runtime.uow, self.state.users["supervisor"],
                          CaseFilter(states=states), limit=1000)

    def _case_in(self, state: str) -> Any:
        found = self._cases((state,))
        if not found:
            raise CheckFailed(f"演示数据中没有状态为 {state} 的办件")
        return found[0]

    def _clerk_for(self, case: Any) -> Any:
        from app.services import accounts
        from app.services.demo import DEMO_PASSWORD

        username = f"clerk_{case.department_code.lower()}"
        if username not in self.state.users:
            self.state.users[username] = accounts.authenticate(
                self.state.runtime.uow, username=username, password=DEMO_PASSWORD
            )
        return self.state.users[username]

    def _sealed_document(self, kind: Any) -> Any:
        from app.services.documents import documents_for_case

        for case in self._cases():
            for document in documents_for_case(self.state.runtime.uow, case.id):
                if document.kind is kind and document.sealed:
                    return document
        raise CheckFailed(f"演示数据中没有已盖章的{kind.label}")

    def _check_word_files(self) -> str:
        from app.services.documents import word_file

        checked = []
        for key in ("receipt", "approval_decision"):
            issued = self.state.documents.get(key)
            if issued is None:
                raise CheckFailed(f"没有可检查的 {key} 文书")
            data = word_file(self.state.runtime.uow, issued.id) if key == "receipt" \
                else self._sealed_word(issued)
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                body = archive.read("word/document.xml").decode("utf-8")
                pictures = [n for n in archive.namelist() if n.startswith("word/media/")]
            text = re.sub(r"<[^>]+>", "", body)
            if issued.kind.label not in text:
                raise CheckFailed(f"{issued.kind.label}的 Word 文件中没有标题")
            if key == "approval_decision" and (len(pictures) != 1 or "参考副本" not in text):
                # A sealed document's Word copy: the QR code only, no seal, and it says so.
                raise CheckFailed(f"已盖章{issued.kind.label}的 Word 文件含有印章图片或未注明参考副本")
            checked.append(f"{issued.kind.label} {len(data) // 1024} KB")
        return "，".join(checked)

    def _sealed_word(self, issued: Any) -> bytes:
        with self.state.runtime.uow() as uow:
            for row in uow.documents.for_case(issued.case_id):
                if row.pdf_sha256 == issued.pdf_sha256 and row.docx:
                    return bytes(row.docx)
        raise CheckFailed(f"{issued.kind.label}没有 Word 版本")

    def _check_seal_signature(self) -> str:
        from app.services.seals import verify_document

        assert self.state.sealed_pdf is not None
        result = verify_document(self.state.runtime.uow, self.state.sealed_pdf)
        if not result.valid:
            raise CheckFailed(result.summary)
        return f"{result.summary.rstrip('。')}；{self._qr_code_summary(self.state.sealed_pdf)}"

    def _qr_code_summary(self, pdf: bytes) -> str:
        """The QR code's URL parses, and its code is the seal key's."""
        import pypdf

        from app.print_templates import parse_verification_url
        from app.services.seals import verification_code_matches

        runtime = self.state.runtime
        url = str((pypdf.PdfReader(io.BytesIO(pdf)).metadata or {}).get("/Keywords", ""))
        parsed = parse_verification_url(url)
        if parsed is None:
            raise CheckFailed(f"盖章文书的二维码内容不是核验网址：{url!r}")
        document_id, code = parsed
        if not verification_code_matches(runtime.uow, runtime.key_store,
                                         document_id=document_id, code=code):
            raise CheckFailed(f"二维码中的核验码 {code} 与印章密钥算出的不符")
        forged = code[:-1] + ("A" if code[-1] != "A" else "B")
        if verification_code_matches(runtime.uow, runtime.key_store,
                                     document_id=document_id, code=forged):
            raise CheckFailed("改动过的核验码也被接受")
        return f"二维码 {url} 的核验码与印章密钥相符"

    # --- integrity ------------------------------------------------------------------

    def _check_audit(self) -> str:
        from app.services.system import verify_audit

        checked, broken = verify_audit(self.state.runtime.uow)
        if broken is not None:
            raise CheckFailed(f"审计链在第 {broken.sequence} 条断裂：{broken.reason}")
        return f"审计链完整，{checked} 条记录"

    def _check_integrity(self) -> str:
        from sqlalchemy import text

        with self.state.runtime.engine.connect() as connection:
            result = connection.execute(text("PRAGMA integrity_check")).scalar()
            journal = connection.execute(text("PRAGMA journal_mode")).scalar()
        if result != "ok":
            raise CheckFailed(f"PRAGMA integrity_check: {result}")
        return f"integrity_check ok, journal_mode {journal}"

    def _check_backup(self) -> str:
        from app.store.database import backup, is_profile_database

        path = backup(self.state.runtime.profile, reason="selftest")
        if not is_profile_database(path):
            raise CheckFailed(f"备份 {path} 不是有效的 CounterDesk 数据库")
        return f"{path.name}（{path.stat().st_size // 1024} KB）"


def _check_pdf(pdf: bytes, title: str, how: str, expected: tuple[str, ...] = ()) -> str:
    """A real PDF, every font embedded, whose extractable text holds ``title``, other
    Chinese text and each of ``expected`` (numbers and dates: every digit)."""
    import pypdf

    if not pdf.startswith(b"%PDF"):
        raise CheckFailed(f"{title}：不是 PDF 文件（开头 {pdf[:8]!r}）")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/FontFile2" not in font.get("/FontDescriptor", {}):
                raise CheckFailed(f"{title}：字体 {font['/BaseFont']} 未嵌入")
    text = "".join(page.extract_text() or "" for page in reader.pages)
    compact = re.sub(r"\s+", "", text)
    if title not in compact:
        raise CheckFailed(f"{title}：PDF 中提取不到标题文字（提取到 {compact[:40]!r}）")
    unreadable = [value for value in expected if re.sub(r"\s+", "", value) not in compact]
    if unreadable:
        raise CheckFailed(f"{title}：PDF 中提取不到 {'、'.join(unreadable)}")
    chinese = len(_CJK.findall(compact))
    if chinese < 20:
        raise CheckFailed(f"{title}：PDF 中只提取到 {chinese} 个汉字")
    return (f"{title}，{how}，{len(reader.pages)} 页，{len(pdf) // 1024} KB，"
            f"{chinese} 个汉字可提取")


def _settle(runner: Any, timeout: float) -> None:
    """Let the window's background work finish (and its results arrive) or time out."""
    from PyQt6.QtCore import QEventLoop
    from PyQt6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout
    QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    while not runner.idle:
        if time.monotonic() > deadline:
            raise CheckFailed(f"主窗口的后台任务 {timeout:.0f} 秒内未完成")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)
    QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)


def _describe(error: BaseException) -> str:
    if isinstance(error, CheckFailed | SelfTestRefused):
        return str(error)
    message = getattr(error, "message", None) or str(error)
    where = traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    place = f" at {Path(where[0].filename).name}:{where[0].lineno}" if where else ""
    return f"{type(error).__name__}: {message}{place}"
