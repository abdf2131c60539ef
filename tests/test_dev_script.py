"""scripts/dev.py, the README's two commands: what they install, and when."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    spec = importlib.util.spec_from_file_location("dev_script", ROOT / "scripts" / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    monkeypatch.setattr(module, "VENV", venv)
    monkeypatch.setattr(module, "PYTHON", venv / "bin" / "python")
    installs: list[list[str]] = []
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    monkeypatch.setattr(module.subprocess, "run", lambda args, **_: installs.append(args))
    module.installs = installs
    return module


def test_run_after_test_installs_nothing_more(dev) -> None:
    (dev.VENV / ".installed-test").write_text(dev._install_key())
    dev._ensure_venv("")
    assert dev.installs == []


def test_test_after_run_installs_the_test_extra(dev, capsys) -> None:
    (dev.VENV / ".installed-base").write_text(dev._install_key())
    dev._ensure_venv("test")
    [install] = dev.installs
    assert install[-1] == ".[test]" and "-q" not in install  # pip shows its progress
    assert "安装依赖" in capsys.readouterr().out
    assert (dev.VENV / ".installed-test").read_text() == dev._install_key()


def test_a_changed_pyproject_reinstalls(dev) -> None:
    (dev.VENV / ".installed-test").write_text("an older pyproject")
    dev._ensure_venv("")
    assert len(dev.installs) == 1


def test_the_programs_bytecode_is_written_even_where_python_writes_none(
    dev, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util as util

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    for package in ("app", "server"):
        (tmp_path / package / "forms").mkdir(parents=True)
        (tmp_path / package / "forms" / "page.py").write_text("PAGE = 1\n")
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    dev._compile_sources()
    for package in ("app", "server"):
        assert Path(util.cache_from_source(str(tmp_path / package / "forms" / "page.py"))).exists()


def test_the_suite_runs_one_worker_per_core_unless_told_otherwise(dev) -> None:
    assert dev._parallel(["-q"]) == ["-n", "auto"]
    assert dev._parallel(["-n", "0", "tests/test_store.py"]) == []
    assert dev._parallel(["-p", "no:xdist"]) == []


def test_a_venv_on_another_python_reinstalls(dev) -> None:
    (dev.VENV / ".installed-base").write_text(dev._install_key())
    (dev.VENV / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.12.1\n")
    dev._ensure_venv("")
    assert len(dev.installs) == 1


class _Replaced(Exception):
    """Stands for exec: the process would now be the venv's python."""


def _record_exec(dev, monkeypatch: pytest.MonkeyPatch, name: str) -> list[tuple]:
    """What os.execv or os.execve was asked to run (then :class:`_Replaced`)."""
    handed: list[tuple] = []

    def replace(*args: object) -> None:
        handed.append(args)
        raise _Replaced

    monkeypatch.setattr(dev.os, "chdir", lambda _path: None)
    monkeypatch.setattr(dev.os, name, replace)
    monkeypatch.setattr(dev, "_compile_sources", lambda: None)
    return handed


@pytest.mark.skipif(os.name != "posix", reason="Windows runs the program as a child")
def test_a_warm_run_hands_over_to_the_program_without_pip(dev, monkeypatch, capsys) -> None:
    (dev.VENV / ".installed-base").write_text(dev._install_key())
    handed = _record_exec(dev, monkeypatch, "execv")
    with pytest.raises(_Replaced):
        dev.main(["run", "--data-dir", "/tmp/profile"])
    assert dev.installs == []
    assert handed == [(str(dev.PYTHON), [str(dev.PYTHON), "-m", "app", "--data-dir",
                                         "/tmp/profile"])]
    assert capsys.readouterr().out == ""  # no install messages on a warm start


@pytest.mark.skipif(os.name != "posix", reason="Windows runs pytest as a child")
def test_the_test_command_runs_pytest_offscreen(dev, monkeypatch) -> None:
    (dev.VENV / ".installed-test").write_text(dev._install_key())
    handed = _record_exec(dev, monkeypatch, "execve")
    with pytest.raises(_Replaced):
        dev.main(["test", "-q", "tests/test_dev_script.py"])
    [(_path, args, env)] = handed
    assert args[1:] == ["-m", "pytest", "-n", "auto", "-q", "tests/test_dev_script.py"]
    assert env["QT_QPA_PLATFORM"] == "offscreen"
    assert dev.installs == []


def test_a_fresh_clone_makes_the_venv_then_installs(dev, monkeypatch, capsys) -> None:
    import venv

    os.remove(dev.PYTHON)
    (dev.VENV / "pyvenv.cfg").unlink()

    class Builder:
        def __init__(self, **_options: object) -> None:
            pass

        def create(self, directory: Path) -> None:
            (Path(directory) / "bin" / "python").write_text("")
            (Path(directory) / "pyvenv.cfg").write_text("version = 3.11.7\n")

    monkeypatch.setattr(venv, "EnvBuilder", Builder)
    dev._ensure_venv("")
    [install] = dev.installs
    assert install[-2:] == ["-e", "."]
    assert "创建虚拟环境" in capsys.readouterr().out
    # The stamp names the venv just made: the next run installs nothing.
    dev._ensure_venv("")
    assert len(dev.installs) == 1
