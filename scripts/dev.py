#!/usr/bin/env python3
"""One entry point for a fresh machine: `run` starts CounterDesk, `test` runs the suite.

Both create .venv beside the repository (if missing), install the project into it
with the extras they need, and then hand over to the program or to pytest. Only the
standard library is used here, because nothing else is installed yet.
"""

from __future__ import annotations

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


def _ensure_venv(extra: str) -> None:
    if not PYTHON.exists():
        print("创建虚拟环境 .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    # Reinstall only when pyproject.toml changed since the last install of this extra.
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / f".installed-{extra or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("安装依赖 ...", flush=True)
    target = f".[{extra}]" if extra else "."
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q",
         "-e", target],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print("用法: python3 scripts/dev.py run [程序参数] | test [pytest 参数]")
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        _ensure_venv("")
        return subprocess.call([str(PYTHON), "-m", "app", *rest], cwd=ROOT)
    _ensure_venv("test")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.call([str(PYTHON), "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
