"""Screenshots of every main screen on the demo profile: ``python -m app.ui.screenshots DIR``.

Runs offscreen on a temporary demo profile (``app.services.demo``), drives each screen
the way a clerk would and grabs it with ``QWidget.grab()``. A CJK font must be
installed (``fonts-noto-cjk``), or the Chinese text renders as boxes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1366, 768


def _settle(runner: Any, seconds: float = 20.0) -> None:
    """Let queued work and repaints finish (a tool's wait, not the program's)."""
    from PyQt6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    quiet = 0
    while time.monotonic() < deadline:
        QApplication.processEvents()
        quiet = quiet + 1 if runner.idle else 0
        if quiet > 15:
            return
        time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", type=Path, nargs="?", default=Path("docs/screenshots"))
    parser.add_argument("--scale", type=float, default=1.0,
                        help="device pixel ratio (1.5 for the 150 % check)")
    parser.add_argument("--size", default=f"{WIDTH}x{HEIGHT}",
                        help="logical window size, e.g. 1280x720 (1920x1080 at 150 %%)")
    parser.add_argument("--only", default="", help="comma-separated shot names")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.lower().split("x"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    from PyQt6.QtWidgets import QApplication

    from app.main import configure_application

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    configure_application(app)
    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="counterdesk-shots-") as folder:
        Shooter(Path(folder), args.output, suffix="" if args.scale == 1.0 else
                f"@{args.scale:g}x", size=(width, height),
                only=frozenset(n for n in args.only.split(",") if n)).run()
    return 0


class Shooter:
    def __init__(self, data_dir: Path, output: Path, suffix: str = "",
                 size: tuple[int, int] = (WIDTH, HEIGHT),
                 only: frozenset[str] = frozenset()) -> None:
        from app.services.demo import DEMO_PASSWORD, create_demo
        from app.services.runtime import open_runtime
        from app.ui.tasks import TaskRunner

        self.data_dir = data_dir
        self.output = output
        self.suffix = suffix
        self.size = size
        self.only = only
        self.runtime = open_runtime(data_dir, backups=False)
        self.summary = create_demo(self.runtime.uow, self.runtime.key_store)
        self.password = DEMO_PASSWORD
        self.runner = TaskRunner()
        self.saved: list[Path] = []

    def user(self, username: str) -> Any:
        from app.services.accounts import authenticate

        return authenticate(self.runtime.uow, username=username, password=self.password)

    def context(self, username: str) -> Any:
        from app.ui.context import AppContext

        return AppContext(uow=self.runtime.uow, runner=self.runner, data_dir=self.data_dir,
                          user=self.user(username), station_name="清河县政务服务中心",
                          key_store=self.runtime.key_store)

    def save(self, widget: Any, name: str) -> None:
        if self.only and name not in self.only:
            return
        _settle(self.runner)
        path = self.output / f"{name}{self.suffix}.png"
        widget.grab().save(str(path), "PNG")
        self.saved.append(path)
        print(path)

    def window(self, username: str, page: str, prepare: Callable[[Any], None] | None = None,
               name: str = "") -> Any:
        from app.ui.main_window import MainWindow

        name = name or page
        if self.only and name not in self.only:
            return None
        window = MainWindow(self.context(username))
        window.resize(*self.size)
        window.show()
        window.show_page(page)
        _settle(self.runner)
        if prepare is not None:
            prepare(window)
            _settle(self.runner)
        self.save(window, name)
        return window

    def run(self) -> None:
        from app.forms.login import FirstStartDialog, LoginDialog

        login = LoginDialog(self.runtime.uow, self.runner, station_name="清河县政务服务中心",
                            last_username="clerk_scj")
        login.show()
        self.save(login, "login")
        login.close()
        first = FirstStartDialog(self.runtime.uow, self.runner)
        first.show()
        self.save(first, "first-start")
        first.close()

        def registration(window: Any) -> None:
            page = window.page("register")
            page.picker.search_edit.setText("gtgshdj")
            page.picker.search()
            _settle(self.runner)
            page.picker.result_list.setCurrentRow(0)
            page.applicant.name_edit.setText("张建国")
            page.applicant.id_edit.setText("11010519491231002X")
            page.applicant.check_id(finished=True)
            page.applicant.phone_edit.setText("13800138000")
            page.address_edit.setText("清河县城关镇人民路1号")
            if page.materials.rows:
                page.materials.rows[0].received_check.setChecked(True)
                page.materials.rows[1].received_check.setChecked(True)

        self.window("clerk_scj", "register", registration, "registration")

        def invalid(window: Any) -> None:
            registration(window)
            page = window.page("register")
            page.applicant.id_edit.setText("110105194912310021")
            page.applicant.check_id(finished=True)
            page.accept_button.click()

        self.window("clerk_scj", "register", invalid, "registration-invalid-id")

        def notice(window: Any) -> None:
            registration(window)
            page = window.page("register")
            page.notice_button.click()

        if not self.only or "one-time-notice-dialog" in self.only:
            only, self.only = self.only, frozenset({"notice-main"})
            shown = self.window("clerk_scj", "register", notice, "notice-main")
            self.only = only
            dialog = shown.page("register").notice_dialog
            if dialog is not None:
                self.save(dialog, "one-time-notice-dialog")
                dialog.close()
            main_shot = self.output / f"notice-main{self.suffix}.png"
            self.saved.remove(main_shot)
            main_shot.unlink(missing_ok=True)

        self.window("supervisor", "search", name="case-search")

        def open_busy_case(window: Any) -> None:
            model = window.page("search").model
            rows = model.summaries()
            target = max(rows, key=lambda s: (s.state == "accepted", s.warning == "red"))
            window.open_case(target.id)
            _settle(self.runner)
            window.case_page.tabs.setCurrentIndex(0)

        self.window("chief_scj", "search", open_busy_case, "case-page")

        def timeline(window: Any) -> None:
            open_busy_case(window)
            window.case_page.tabs.setCurrentIndex(2)

        self.window("chief_scj", "search", timeline, "case-timeline")
        def documents(window: Any) -> None:
            rows = window.page("search").model.summaries()
            target = next(s for s in rows if s.state in ("completed", "delivered")
                          and s.category != "immediate")
            window.open_case(target.id)
            _settle(self.runner)
            window.case_page.tabs.setCurrentIndex(4)

        shown = self.window("chief_scj", "search", documents, "case-documents")
        if shown is not None and (not self.only or "document-preview" in self.only):
            page = shown.case_page
            page.documents_list.setCurrentItem(page.documents_list.topLevelItem(
                page.documents_list.topLevelItemCount() - 1))
            page.open_document_button.click()
            _settle(self.runner)
            if page.preview_dialog is not None:
                page.preview_dialog.resize(900, 720)
                _settle(self.runner)
                self.save(page.preview_dialog, "document-preview")
                page.preview_dialog.close()
        self._intake_shots()
        self.window("clerk_scj", "review", name="review-queue")
        # 顶岗补位: the housing officer covers the market regulator's window today.
        self.window("clerk_zjj", "review", name="review-queue-covering")
        self.window("chief_zjj", "approve", name="approval-queue")
        self.window("chief_scj", "seal", name="seal")
        self.window("admin", "statistics", name="statistics")
        self.window("admin", "catalog", name="catalog")
        self.window("admin", "admin", name="administration")

        def ab_posts(window: Any) -> None:
            admin = window.page("admin")
            admin.tabs.setCurrentWidget(admin.ab_post_tab)

        self.window("admin", "admin", ab_posts, "administration-ab-posts")

        def calendar(window: Any) -> None:
            window.page("admin").tabs.setCurrentIndex(4)

        self.window("admin", "admin", calendar, "administration-calendar")

        def settings(window: Any) -> None:
            window.page("admin").tabs.setCurrentIndex(5)

        self.window("admin", "admin", settings, "administration-settings")
        self.window("supervisor", "warnings", name="warnings")

        def audit_of_a_case(window: Any) -> None:
            page = window.page("audit")
            rows = window.page("warnings").model.summaries() if "warnings" in window.pages \
                else []
            if rows:
                page.case_edit.setText(rows[0].number)
                page.search()

        shown = self.window("supervisor", "audit", audit_of_a_case, "audit-trail")
        if shown is not None:  # F1 on the audit trail
            shown.show_guide()
            _settle(self.runner)
            self.save(shown.dialog, "user-guide")
            shown.dialog.close()
        self.runner.wait_for_done()
        self.runtime.close()

    def _intake_shots(self) -> None:
        """咨询与预约, a 容缺 case, a broken promise's next case, the joint inspection."""

        def consultations(window: Any) -> None:
            page = window.page("intake")
            page.picker.search_edit.setText("spjyxk")
            page.picker.search()
            _settle(self.runner)
            page.picker.result_list.setCurrentRow(0)
            page.asker_name_edit.setText("刘洋")
            page.answer_edit.setPlainText("告知食品经营许可的条件、5项材料和现场核查程序；"
                                          "食品安全管理制度文本可容缺受理。")

        self.window("clerk_scj", "intake", consultations, "intake-consultations")

        def appointments(window: Any) -> None:
            from PyQt6.QtCore import QDate

            from app.services.context import local_date, utc_now
            from app.services.recording import load_calendar

            page = window.page("intake")
            page.tabs.setCurrentIndex(1)
            with self.runtime.uow() as uow:
                day, _ = load_calendar(uow).add_working_days(local_date(utc_now()), 1)
            page.day_edit.setDate(QDate(day.year, day.month, day.day))

        self.window("clerk_scj", "intake", appointments, "intake-appointments")

        def case_with(predicate: Callable[[Any], bool]) -> Callable[[Any], None]:
            def open_it(window: Any) -> None:
                from app.services import cases

                rows = window.page("search").model.summaries()
                target = next(s for s in rows
                              if predicate(cases.get_case(self.runtime.uow, s.id)))
                window.open_case(target.id)
                _settle(self.runner)
                window.case_page.tabs.setCurrentIndex(0)
            return open_it

        self.window("clerk_scj", "search", case_with(lambda c: bool(c.tolerance)),
                    "case-tolerance")
        self.window("clerk_scj", "search", case_with(lambda c: c.promise_broken),
                    "case-promise-broken")
        self.window("chief_zjj", "search",
                    case_with(lambda c: bool(c.inspection and c.inspection.get("findings"))),
                    "case-joint-inspection")
        self.window("clerk_scj", "search", case_with(lambda c: bool(c.custody)), "case-custody")


if __name__ == "__main__":
    sys.exit(main())
