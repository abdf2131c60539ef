"""The 150 % check, run in a process of its own (the scale is fixed before QApplication):

    QT_SCALE_FACTOR=1.5 python tests/scaling_probe.py DATA_DIR [SHOT_DIR]

Offscreen on one 1366x768 screen (``offscreen:configfile``), on a demo profile: for
every role, the main window at the screen's available size, then each page of its
navigation and the case page. Prints one JSON object: the screen, the window's
minimum size, and every primary button that is not wholly inside the window and
unclipped by its parents (``problems``). With SHOT_DIR, saves a PNG of each page.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SCREEN = {"screens": [{"name": "counter", "x": 0, "y": 0, "width": 1366, "height": 768,
                       "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}


def _settle(runner, seconds: float = 20.0) -> None:
    # A probe's wait for queued work and repaints, not the program's.
    from PyQt6.QtWidgets import QApplication

    deadline = time.monotonic() + seconds
    quiet = 0
    while time.monotonic() < deadline:
        QApplication.processEvents()
        quiet = quiet + 1 if runner.idle else 0
        if quiet > 10:
            return
        time.sleep(0.01)


def _problems(window, page, where: str) -> list[str]:
    from PyQt6.QtWidgets import QAbstractButton

    found = []
    for button in page.findChildren(QAbstractButton):
        if button.property("kind") != "primary" or not button.isVisibleTo(window):
            continue
        top_left = button.mapTo(window, button.rect().topLeft())
        rect = button.rect().translated(top_left)
        visible = button.visibleRegion().boundingRect()
        if not window.rect().contains(rect) or visible.size() != button.size():
            found.append(f"{where}: “{button.text()}” at {rect.x()},{rect.y()} "
                         f"{rect.width()}x{rect.height()}, visible {visible.width()}x"
                         f"{visible.height()}, window {window.width()}x{window.height()}")
    return found


def main(data_dir: Path, shots: Path | None) -> dict:
    from PyQt6.QtWidgets import QApplication, QTabWidget

    from app.main import configure_application

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)
    from app.services.accounts import authenticate
    from app.services.demo import DEMO_PASSWORD, create_demo
    from app.services.runtime import open_runtime
    from app.ui.context import AppContext
    from app.ui.main_window import MainWindow
    from app.ui.tasks import TaskRunner

    runtime = open_runtime(data_dir, backups=False)
    summary = create_demo(runtime.uow, runtime.key_store)
    runner = TaskRunner()
    screen = app.primaryScreen()
    available = screen.availableGeometry()
    result: dict = {"screen": [available.width(), available.height()],
                    "scale": screen.devicePixelRatio(), "windows": {}, "problems": []}
    del summary
    from app.services import accounts

    # One account of each role (the demo has a clerk and a chief per department).
    seen: set[str] = set()
    for user_row in accounts.list_users(runtime.uow):
        role = ",".join(sorted(user_row["roles"]))
        if not user_row["active"] or role in seen:
            continue
        seen.add(role)
        user = authenticate(runtime.uow, username=user_row["username"], password=DEMO_PASSWORD)
        context = AppContext(uow=runtime.uow, runner=runner, user=user,
                             data_dir=data_dir, station_name="城关镇便民服务站",
                             key_store=runtime.key_store)
        window = MainWindow(context)
        window.resize(available.size())
        window.show()
        _settle(runner)
        minimum = window.minimumSizeHint().expandedTo(window.minimumSize())
        result["windows"][user.username] = {
            "size": [window.width(), window.height()],
            "minimum": [minimum.width(), minimum.height()]}
        if window.width() > available.width() or window.height() > available.height():
            result["problems"].append(f"{user.username}: window {window.width()}x"
                                      f"{window.height()} larger than the screen")
        for key in list(window._keys):
            window.show_page(key)
            _settle(runner)
            page = window.page(key)
            hint = page.minimumSizeHint()
            result["windows"][user.username][key] = [hint.width(), hint.height()]
            room = window.stack.size()
            if hint.width() > room.width() or hint.height() > room.height():
                result["problems"].append(
                    f"{user.username}/{key}: needs {hint.width()}x{hint.height()}, "
                    f"has {room.width()}x{room.height()}")
            tabs = page.findChild(QTabWidget)
            if tabs is not None:
                for index in range(tabs.count()):
                    tab_hint = tabs.widget(index).minimumSizeHint()
                    result["windows"][user.username][f"{key}/{tabs.tabText(index)}"] = [
                        tab_hint.width(), tab_hint.height()]
            result["problems"] += _problems(window, page, f"{user.username}/{key}")
            if shots is not None:
                window.grab().save(str(shots / f"{user.username}-{key}.png"))
        # The case page, on the case this role meets first (the newest it may see).
        from app.services import queries

        [first] = queries.list_cases(runtime.uow, user, limit=1) or [None]
        if first is not None:
            window.open_case(first.id)
            _settle(runner)
            hint = window.case_page.minimumSizeHint()
            room = window.stack.size()
            if hint.width() > room.width() or hint.height() > room.height():
                result["problems"].append(
                    f"{user.username}/case: needs {hint.width()}x{hint.height()}, "
                    f"has {room.width()}x{room.height()}")
            result["problems"] += _problems(window, window.case_page, f"{user.username}/case")
            if shots is not None:
                window.grab().save(str(shots / f"{user.username}-case.png"))
        window.close()
        window.deleteLater()
        _settle(runner)
    runner.wait_for_done()
    runtime.close()
    return result


if __name__ == "__main__":
    config = Path(tempfile.mkdtemp(prefix="counterdesk-screen-")) / "screen.json"
    config.write_text(json.dumps(SCREEN))
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    shot_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    if shot_dir is not None:
        shot_dir.mkdir(parents=True, exist_ok=True)
    print(json.dumps(main(Path(sys.argv[1]), shot_dir), ensure_ascii=False))
