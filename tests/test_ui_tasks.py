"""The task runner: answers on the UI thread, a late progress dialog, safe cancel."""

from __future__ import annotations

import threading

import pytest
from PyQt6.QtCore import QThread
from PyQt6.QtWidgets import QApplication, QProgressDialog, QPushButton, QWidget

from app.domain.errors import ValidationError
from app.ui.tasks import TaskRunner
from tests.test_ui_support import GUI

pytestmark = GUI


@pytest.fixture
def runner():
    runner = TaskRunner()
    yield runner
    runner.wait_for_done()


def test_the_answer_arrives_on_the_ui_thread(qtbot, runner) -> None:
    threads = {}

    def work() -> int:
        threads["work"] = QThread.currentThread()
        return 42

    def done(value: int) -> None:
        threads["done"] = QThread.currentThread()
        threads["value"] = value

    runner.run(work, on_done=done)
    qtbot.waitUntil(lambda: "value" in threads)
    app = QApplication.instance()
    assert threads["done"] is app.thread()
    assert threads["work"] is not app.thread()
    assert threads["value"] == 42
    assert runner.idle


def test_a_domain_refusal_goes_to_on_error(qtbot, runner) -> None:
    errors = []

    def work() -> None:
        raise ValidationError("required", "请填写姓名。", field="name")

    runner.run(work, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert errors[0].field == "name"


def test_an_unexpected_error_is_reported_in_chinese(qtbot, runner) -> None:
    def work() -> None:
        raise RuntimeError("disk on fire")

    with qtbot.waitSignal(runner.unexpectedError) as blocker:
        runner.run(work)
    assert "意外错误" in blocker.args[0]
    assert "disk on fire" not in blocker.args[0]


def test_quick_work_shows_no_progress_dialog(qtbot, runner) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    runner.run(lambda: 1, label="正在统计…", parent=parent)
    qtbot.waitUntil(lambda: runner.idle)
    qtbot.wait(700)  # past the delay: the dialog must not come up afterwards
    assert not [d for d in parent.findChildren(QProgressDialog) if d.isVisible()]


def test_slow_work_shows_progress_and_may_be_cancelled(qtbot, runner) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    release = threading.Event()
    results = []
    task = runner.run(lambda: release.wait(10) and "late", on_done=results.append,
                      label="正在统计…", cancellable=True, parent=parent)
    qtbot.waitUntil(lambda: task._progress is not None and task._progress.isVisible(),
                    timeout=3000)
    with qtbot.waitSignal(task.cancelled, timeout=5000):
        task._progress.findChild(QPushButton).click()
        release.set()
    assert results == []
    qtbot.waitUntil(lambda: runner.idle)


def test_an_answer_for_a_closed_page_is_dropped(qtbot, runner) -> None:
    page = QWidget()
    release = threading.Event()
    calls = []
    runner.run(lambda: release.wait(10), on_done=lambda _r: calls.append(1), owner=page)
    page.deleteLater()
    qtbot.waitUntil(lambda: _deleted(page))
    release.set()
    qtbot.waitUntil(lambda: runner.idle)
    assert calls == []


def _deleted(obj: object) -> bool:
    from PyQt6 import sip

    return sip.isdeleted(obj)
