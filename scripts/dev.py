#!/usr/bin/env python3
"""One entry point for a fresh machine: `run` starts CounterDesk, `test` runs the suite.

Both create .venv beside the repository (if missing), install the project into it
with the extras they need, and then hand over to the program or to pytest. Only the
standard library is used here, because nothing else is installed yet.

A warm start reads one small stamp and checks the bytecode: after a successful install
the stamp records what the install depended on (pyproject.toml and the venv's
interpreter), and while it matches, pip is not called at all; the venv's python then
replaces this process (on POSIX) instead of running beside it.
"""

from __future__ import annotations

import compileall
import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


# Each extra with the extras that include it: an install of "test" serves "run" too.
_INCLUDED_IN = {"": ("test", "dev"), "test": ("dev",), "dev": ()}


def _stamp(extra: str) -> Path:
    return VENV / f".installed-{extra or 'base'}"


def _install_key() -> str:
    """What an install depends on: the project's requirements and the interpreter the
    venv runs (pyvenv.cfg names its Python and version). Either changing means the
    packages in .venv may not fit any more."""
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    try:
        digest.update((VENV / "pyvenv.cfg").read_bytes())
    except OSError:
        pass  # no venv yet: it is made, and the key read again, before the stamp
    return digest.hexdigest()


def _installed(extra: str, key: str) -> bool:
    """Whether this extra (or one that includes it) was installed for ``key``."""
    for installed in (extra, *_INCLUDED_IN.get(extra, ())):
        try:
            if _stamp(installed).read_text() == key:
                return True
        except OSError:
            continue
    return False


def _ensure_venv(extra: str) -> None:
    if PYTHON.exists() and _installed(extra, _install_key()):
        return  # the warm path: nothing imported, nothing run
    if not PYTHON.exists():
        import venv

        print("创建虚拟环境 .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    key = _install_key()
    if _installed(extra, key):
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
    _stamp(extra).write_text(key)
    print("依赖安装完成。", flush=True)


def _hand_over(args: list[str], env: dict[str, str] | None = None) -> int:
    """Run the venv's python with ``args`` in the repository; its exit code is ours.

    On POSIX the process is replaced (no second interpreter waiting beside it, signals
    and the exit code reach the program directly). Windows has no such exec, so there
    the program runs as a child."""
    command = [str(PYTHON), *args]
    if os.name == "posix":
        sys.stdout.flush()
        os.chdir(ROOT)
        if env is None:
            os.execv(command[0], command)
        os.execve(command[0], command, env)
    return subprocess.call(command, cwd=ROOT, env=env)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test"}:
        print("用法: python3 scripts/dev.py run [程序参数] | test [pytest 参数]")
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        _ensure_venv("")
        _compile_sources()
        return _hand_over(["-m", "app", *rest])
    _ensure_venv("test")
    _compile_sources()
    return _hand_over(["-m", "pytest", *_parallel(rest), *rest],
                      dict(os.environ, QT_QPA_PLATFORM="offscreen"))


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
