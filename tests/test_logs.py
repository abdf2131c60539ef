"""Logging: rotating files, one line per event with user and station, no personal numbers."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import logs

ID_NUMBER = "11010519491231002X"
MOBILE = "13800138000"


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    root = logging.getLogger()
    level = root.level
    yield tmp_path / "logs"
    logs.shutdown_logging()
    logs.set_log_identity()
    root.setLevel(level)
    logging.captureWarnings(False)


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_setup_logging_writes_to_a_rotating_file_in_the_given_folder(log_dir: Path) -> None:
    path = logs.setup_logging(log_dir, max_bytes=4096, backup_count=3)
    handlers = [h for h in logging.getLogger().handlers
                if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert path == log_dir / logs.LOG_FILE_NAME == logs.log_file()
    assert len(handlers) == 1
    assert Path(handlers[0].baseFilename) == path
    assert (handlers[0].maxBytes, handlers[0].backupCount) == (4096, 3)


def test_log_file_rotates_and_keeps_the_configured_generations(log_dir: Path) -> None:
    path = logs.setup_logging(log_dir, max_bytes=2000, backup_count=2)
    for number in range(200):
        logging.getLogger("app.test").info("event %d %s", number, "x" * 40)
    _flush()
    assert sorted(p.name for p in log_dir.iterdir()) == [
        "counterdesk.log", "counterdesk.log.1", "counterdesk.log.2"]
    assert path.stat().st_size <= 2000


def test_calling_setup_logging_twice_keeps_one_handler(log_dir: Path) -> None:
    logs.setup_logging(log_dir)
    logs.setup_logging(log_dir)
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "counterdesk-file"]
    assert len(ours) == 1


def test_no_id_number_or_mobile_number_reaches_the_log_file(log_dir: Path) -> None:
    path = logs.setup_logging(log_dir)
    log = logging.getLogger("app.services.cases")
    log.info("registered applicant %s phone %s", ID_NUMBER, MOBILE)
    log.info(f"inline: 身份证{ID_NUMBER}，电话{MOBILE}，另一个 110105 19491231 002x 和 138-0013-8000")
    log.warning("as an object: %r", {"id_number": ID_NUMBER, "phone": f"+86 {MOBILE}"})
    try:
        raise ValueError(f"bad id {ID_NUMBER} for {MOBILE}")
    except ValueError:
        log.exception("failed for %s", ID_NUMBER)
    _flush()
    text = path.read_text(encoding="utf-8")
    for secret in (ID_NUMBER, MOBILE, "19491231002", "0013-8000", "002x"):
        assert secret not in text
    assert text.count(logs.ID_MASK) >= 5
    assert text.count(logs.MOBILE_MASK) >= 5
    assert "Traceback" in text


def test_redaction_leaves_case_numbers_dates_and_hashes_alone() -> None:
    text = ("XZ01-20261123-0007 2026-11-23 09:14:02,117 清市监〔2026〕XZ01第0008号 "
            "sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 12345")
    assert logs.redact(text) == text


def test_each_line_carries_time_level_user_station_and_action(log_dir: Path) -> None:
    path = logs.setup_logging(log_dir)
    logs.set_log_identity(user="clerk_scj", station="XZ01")
    logging.getLogger("app.services.cases").info("accept case XZ01-20261123-0007")
    with logs.log_context(user="sync", station="XZ02"):
        logging.getLogger("app.sync").info("push 3 events\nsecond line")
    _flush()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first, second = lines
    assert " INFO user=clerk_scj station=XZ01 app.services.cases: accept case" in first
    assert first[:4].isdigit() and first[4] == "-"
    assert "user=sync station=XZ02 app.sync: push 3 events ⏎ second line" in second


def test_log_identity_reaches_worker_threads(log_dir: Path) -> None:
    path = logs.setup_logging(log_dir)
    logs.set_log_identity(user="chief_scj", station="XZ01")
    worker = threading.Thread(target=lambda: logging.getLogger("app.worker").info("sealed"))
    worker.start()
    worker.join()
    _flush()
    assert "user=chief_scj station=XZ01 app.worker: sealed" in path.read_text(encoding="utf-8")


def test_excepthook_logs_the_traceback_and_shows_the_log_path(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    path = logs.setup_logging(log_dir)
    shown: list[str] = []
    hook = logs.install_excepthook(shown.append)
    assert sys.excepthook is hook
    try:
        raise RuntimeError(f"disk on fire near {MOBILE}")
    except RuntimeError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    _flush()
    text = path.read_text(encoding="utf-8")
    assert "CRITICAL" in text and "Traceback (most recent call last)" in text
    assert "RuntimeError: disk on fire near [手机号]" in text
    assert MOBILE not in text
    assert len(shown) == 1
    assert str(path) in shown[0] and "日志" in shown[0]


def test_excepthook_handles_worker_thread_crashes(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    path = logs.setup_logging(log_dir)
    shown: list[str] = []
    logs.install_excepthook(shown.append)

    def crash() -> None:
        raise KeyError("lost")

    worker = threading.Thread(target=crash)
    worker.start()
    worker.join()
    _flush()
    assert "KeyError: 'lost'" in path.read_text(encoding="utf-8")
    assert shown and str(path) in shown[0]


def test_a_failing_show_function_does_not_hide_the_crash(
    log_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    path = logs.setup_logging(log_dir)

    def broken_dialog(_message: str) -> None:
        raise RuntimeError("no display")

    logs.install_excepthook(broken_dialog)
    error = ZeroDivisionError("division by zero")
    sys.excepthook(ZeroDivisionError, error, None)
    _flush()
    text = path.read_text(encoding="utf-8")
    assert "ZeroDivisionError" in text and "无法显示错误提示" in text
