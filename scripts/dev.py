#!/usr/bin/env python3
"""One entry point for a fresh machine: `run` starts CounterDesk, `test` runs the suite.

Both create .venv beside the repository (if missing), install the project into it
with the extras they need, and then hand over to the program or to pytest. Only the
standard library is used here, because nothing else is installed yet.
"""

from __future__ import annotations

import compileall
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


# Each extra with the extras that include it: an install of "test" serves "run" too.
_INCLUDED_IN = {"": ("test", "dev"), "test": ("dev",), "dev": ()}


def _stamp(extra: str) -> Path:
    return VENV / f".installed-{extra or 'base'}"


def _ensure_venv(extra: str) -> None:
    if not PYTHON.exists():
        print("创建虚拟环境 .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    # Reinstall only when pyproject.toml changed since the last install of this extra
    # (or of an extra that includes it).
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    for installed in (extra, *_INCLUDED_IN.get(extra, ())):
        stamp = _stamp(installed)
        if stamp.exists() and stamp.read_text() == digest:
            return
    what = f"（含 {extra} 组件）" if extra else ""
    print(f"安装依赖{what}：首次安装需下载约 300 MB，可能需要几分钟，下面是 pip 的进度 ...",
          flush=True)
    target = f".[{extra}]" if extra else "."
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check",
         "--progress-bar", "on", "-e", target],
        cwd=ROOT,
        check=True,
    )
    _stamp(extra).write_text(digest)
    print("依赖安装完成。", flush=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print("用法: python3 scripts/dev.py run [程序参数] | test [pytest 参数]")
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        _ensure_venv("")
        _compile_sources()
        return subprocess.call([str(PYTHON), "-m", "app", *rest], cwd=ROOT)
    _ensure_venv("test")
    _compile_sources()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.call([str(PYTHON), "-m", "pytest", *_parallel(rest), *rest],
                           cwd=ROOT, env=env)


def _compile_sources() -> None:
    """Write the program's bytecode where it is missing or stale. Python reads .pyc files
    even under PYTHONDONTWRITEBYTECODE (set on some machines), which otherwise has every
    start compile the whole program again (about a third of a second); a warm check
    takes a few milliseconds."""
    for package in ("app", "server"):
        compileall.compile_dir(ROOT / package, quiet=1)


def _parallel(pytest_args: list[str]) -> list[str]:
    """One test worker per core (pytest-xdist) unless the caller chose: the whole suite
    takes about 12 minutes in one process and half that on two cores."""
    chosen = any(a.startswith(("-n", "--numprocesses", "--dist")) or a == "no:xdist"
                 for a in pytest_args)
    return [] if chosen else ["-n", "auto"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
