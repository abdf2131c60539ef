"""Start-up benchmark: a fresh process to the main window with rows, and to the login.

    .venv/bin/python bench/bench_million_cases.py --keep /tmp/million   # once: 1M cases
    .venv/bin/python bench/bench_startup.py /tmp/million [--repeat 7]
        [--scaling /tmp/10k /tmp/100k /tmp/million]

Each run is a fresh process (offscreen Qt), timed from just before it starts until it
prints READY. Three measurements, their rounds interleaved so that a drift of the
machine's speed falls on all of them alike:

- the main window: the profile is opened (``open_runtime``), the main window of a
  supervisor is shown and its first page (预警督办) shows its first rows; beside the
  floor of an empty PyQt6 window shown the same way;
- the login window through the README's command, warm (``.venv`` installed, the day's
  backup made): ``python3 scripts/dev.py run --data-dir DIR`` as a user types it, the
  same with ``python3`` resolved to its binary (a pyenv shim or a launcher costs its
  own start), and the floor: ``.venv/bin/python -m app --data-dir DIR`` directly. A
  ``sitecustomize`` on PYTHONPATH (this benchmark's, written to a temporary folder)
  prints READY once a login dialog is visible;
- with ``--scaling``, the main window on each profile given, with its number of cases:
  the time should not grow with the data.

Every process reports its peak resident memory. Bytecode is cached and used, as on a
user's machine (PYTHONDONTWRITEBYTECODE is removed from the children's environment).
No assertions: the targets are in bench/RESULTS.md (issue 19).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

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

# Imported by every Python started with this folder on PYTHONPATH (the wrapper's too,
# where it does nothing): once PyQt6.QtWidgets is loaded, QApplication.exec first
# schedules a poll that prints READY when a login (or first start) dialog is visible.
LOGIN_PROBE = '''
import importlib.abc, importlib.util, os, sys

class _Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "PyQt6.QtWidgets":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module
        def exec_module(module):
            load(module)
            _patch(module)
        spec.loader.exec_module = exec_module
        return spec

def _patch(widgets):
    from PyQt6.QtCore import QTimer
    run = widgets.QApplication.exec
    def poll():
        if any(w.isVisible() and type(w).__name__ in ("LoginDialog", "FirstStartDialog")
               for w in widgets.QApplication.topLevelWidgets()):
            import resource
            print("READY", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
            os._exit(0)
        QTimer.singleShot(5, poll)
    def exec_(*_self):  # QApplication.exec is static: app.exec() or QApplication.exec()
        QTimer.singleShot(0, poll)
        return run()
    widgets.QApplication.exec = exec_

sys.meta_path.insert(0, _Hook())
'''


def _environment(**extra: str) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _run(command: Sequence[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float]:
    """One fresh process until it prints READY: (ms, peak resident MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.wait(timeout=60)
    if not line.startswith("READY"):
        raise SystemExit(f"{' '.join(command)}: never became ready "
                         f"(exit {process.returncode})")
    return elapsed * 1000, int(line.split()[1]) / 1024  # ms, MB (ru_maxrss is KiB)


Row = tuple[list[str], dict[str, str]] | tuple[list[str], dict[str, str], Path]


def _measure(rows: dict[str, Row], repeat: int) -> dict[str, list[tuple[float, float]]]:
    """Each command ``repeat`` times, the rounds interleaved; a first untimed round
    fills the disk cache. A row's third item is the checkout to run it in."""
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in rows}
    for round_number in range(repeat + 1):
        for label, (command, env, *cwd) in rows.items():
            result = _run(command, env, *cwd)
            if round_number:
                runs[label].append(result)
    return runs


def _table(title: str, runs: dict[str, list[tuple[float, float]]],
           extra: dict[str, str] | None = None) -> None:
    extra = extra or {}
    head = f"| {title} |" + (" cases |" if extra else "")
    print(head + " median ms | min ms | max ms | peak RSS MB (median) |")
    print("|---|" + ("--:|" if extra else "") + "--:|--:|--:|--:|")
    for label, results in runs.items():
        times = [t for t, _ in results]
        memory = statistics.median(m for _, m in results)
        cases = f" {extra[label]} |" if extra else ""
        print(f"| {label} |{cases} {statistics.median(times):.0f} | {min(times):.0f} | "
              f"{max(times):.0f} | {memory:.0f} |")
    print()


def _case_count(data_dir: Path) -> str:
    connection = sqlite3.connect(f"file:{data_dir / 'counterdesk.sqlite3'}?mode=ro", uri=True)
    try:
        return f"{connection.execute('SELECT count(*) FROM cases').fetchone()[0]:,}"
    finally:
        connection.close()


def _warm(data_dir: Path, python3: str) -> None:
    """The state a warm start meets: .venv installed and stamped, the day's backup
    made (the program makes it on a thread of its own; the probe would cut it short)."""
    from app.store.database import Profile, daily_backup

    subprocess.run([python3, "scripts/dev.py", "run", "--version"], cwd=ROOT, check=True,
                   env=_environment(), stdout=subprocess.DEVNULL)
    daily_backup(Profile(data_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", type=Path, help="a profile (1,000,000 cases)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--scaling", type=Path, nargs="*", default=[],
                        help="profiles to start the main window on, smallest first")
    parser.add_argument("--no-login", action="store_true",
                        help="skip the login window through the README's command")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout (say main's) whose main window is timed in "
                             "the same rounds, for a before/after in one run")
    args = parser.parse_args(argv)
    python = sys.executable
    rows: dict[str, Row] = {
        "empty PyQt6 window (floor)": ([python, "-c", FLOOR], _environment()),
        "CounterDesk main window, first rows": (
            [python, "-c", COUNTERDESK, str(args.data_dir)], _environment()),
    }
    if args.against is not None:
        # ``python -c`` imports ``app`` from the current directory: the other checkout's.
        rows[f"the same, {args.against}"] = (
            [python, "-c", COUNTERDESK, str(args.data_dir)],
            _environment(PYTHONPATH=str(args.against.resolve())), args.against.resolve())
    _table("start-up to the main window, fresh process", _measure(rows, args.repeat))

    if not args.no_login:
        python3 = shutil.which("python3") or "python3"
        binary = subprocess.run([python3, "-c", "import sys; print(sys.executable)"],
                                capture_output=True, text=True, check=True).stdout.strip()
        venv_python = ROOT / ".venv" / ("Scripts" if os.name == "nt" else "bin") / \
            ("python.exe" if os.name == "nt" else "python")
        _warm(args.data_dir, python3)
        with tempfile.TemporaryDirectory(prefix="counterdesk-probe-") as probe:
            (Path(probe) / "sitecustomize.py").write_text(LOGIN_PROBE, encoding="utf-8")
            env = _environment(PYTHONPATH=probe)
            profile = ["--data-dir", str(args.data_dir)]
            _table("to the login window, warm", _measure({
                f"`python3 scripts/dev.py run` ({python3})": (
                    [python3, "scripts/dev.py", "run", *profile], env),
                f"the same, python3 as its binary ({binary})": (
                    [binary, "scripts/dev.py", "run", *profile], env),
                "`.venv/bin/python -m app` directly (floor)": (
                    [str(venv_python), "-m", "app", *profile], env),
            }, args.repeat))

    if args.scaling:
        _table("main window, first rows, by profile size", _measure({
            str(folder): ([python, "-c", COUNTERDESK, str(folder)], _environment())
            for folder in args.scaling
        }, args.repeat), {str(folder): _case_count(folder) for folder in args.scaling})
    return 0


if __name__ == "__main__":
    sys.exit(main())
