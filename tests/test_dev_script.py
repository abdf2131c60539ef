"""scripts/dev.py, the README's two commands: what they install, and when."""

from __future__ import annotations

import hashlib
import importlib.util
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
    monkeypatch.setattr(module.subprocess, "run", lambda args, **_: installs.append(args))
    module.installs = installs
    return module


def _digest() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def test_run_after_test_installs_nothing_more(dev) -> None:
    (dev.VENV / ".installed-test").write_text(_digest())
    dev._ensure_venv("")
    assert dev.installs == []


def test_test_after_run_installs_the_test_extra(dev, capsys) -> None:
    (dev.VENV / ".installed-base").write_text(_digest())
    dev._ensure_venv("test")
    [install] = dev.installs
    assert install[-1] == ".[test]" and "-q" not in install  # pip shows its progress
    assert "安装依赖" in capsys.readouterr().out
    assert (dev.VENV / ".installed-test").read_text() == _digest()


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
