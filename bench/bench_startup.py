"""Start-up benchmark: from process start to an interactive main window with rows.

    .venv/bin/python bench/bench_million_cases.py --keep /tmp/million   # once: 1M cases
    .venv/bin/python bench/bench_startup.py /tmp/million [--repeat 5]

Each run is a fresh process (offscreen Qt), timed from just before it starts until it
prints READY: the profile is open, the main window is shown and the case list shows its
first page. Reported beside the floor of an empty PyQt6 window shown the same way, with
each process's peak resident memory. No assertions: issue 6's targets are start under
1.5 s, first rows of any search under 100 ms, under 250 MB resident.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FLOOR = """
import resource, sys
from PyQt6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv)
window = QWidget()
window.resize(1366, 768)
window.show()
app.processEvents()
print("READY", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
"""

COUNTERDESK = """
import os, resource, sys
from pathlib import Path
from PyQt6.QtCore import QTimer
from PyQt6.QtWidgets import QApplication, QTableView
from app.domain.roles import Role
from app.services.context import CurrentUser
from app.services.runtime import open_runtime
from app.ui.context import AppContext
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner

app = QApplication(sys.argv)
runtime = open_runtime(Path(sys.argv[1]), backups=False)
with runtime.uow() as uow:
    station = uow.settings.get("station_code", "XZ01")
    station_name = uow.settings.get("station_name", "")
user = CurrentUser(id="bench", username="bench", display_name="基准", station=station,
                   roles=frozenset({Role.SUPERVISOR}))
context = AppContext(uow=runtime.uow, runner=TaskRunner(), data_dir=Path(sys.argv[1]),
                     user=user, station_name=station_name, key_store=runtime.key_store)
window = MainWindow(context)
window.resize(1366, 768)
window.show()

def poll():
    tables = [t for t in window.findChildren(QTableView) if t.isVisible() and t.model()]
    if any(t.model().rowCount() > 0 for t in tables):
        print("READY", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
        os._exit(0)  # measured; skip the teardown
    else:
        QTimer.singleShot(5, poll)

QTimer.singleShot(0, poll)
QTimer.singleShot(30000, lambda: app.exit(3))
sys.exit(app.exec())
"""


def _run(code: str, *args: str) -> tuple[float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *args], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait(timeout=60)
    if not line.startswith("READY"):
        raise SystemExit(f"the window never became ready (exit {process.returncode})")
    return elapsed * 1000, int(line.split()[1]) / 1024  # ms, MB (ru_maxrss is KiB)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    rows = []
    for label, code, extra in (("empty PyQt6 window (floor)", FLOOR, []),
                               ("CounterDesk main window, first rows", COUNTERDESK,
                                [str(args.data_dir)])):
        runs = [_run(code, *extra) for _ in range(args.repeat)]
        times = [t for t, _ in runs]
        rows.append((label, statistics.median(times), max(times), max(m for _, m in runs)))
    print("| start-up, fresh process | median ms | max ms | peak RSS MB |")
    print("|---|--:|--:|--:|")
    for label, median, worst, memory in rows:
        print(f"| {label} | {median:.0f} | {worst:.0f} | {memory:.0f} |")

    return 0


if __name__ == "__main__":
    sys.exit(main())
