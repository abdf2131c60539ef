"""Running database and network work off the UI thread.

Like Anki's TaskManager: one worker thread for the database (SQLite serialises
writers anyway, and one thread keeps the order of a clerk's actions), one for the
network. The background function never touches a widget; its result comes back to
the UI thread by a queued signal and is handed to the caller's callback there.

A progress dialog appears only when a labelled task takes longer than
:data:`PROGRESS_DELAY_MS`, and offers cancel when the caller said cancelling is safe
(then the result is dropped; the function may poll :meth:`Task.is_cancelled`).
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PyQt6 import sip
from PyQt6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, pyqtSignal
from PyQt6.QtWidgets import QProgressDialog, QWidget

from app.domain.errors import DomainError

log = logging.getLogger(__name__)

PROGRESS_DELAY_MS = 600


class Task(QObject):
    """One piece of background work; its signals fire on the UI thread."""

    finished = pyqtSignal(object)  # the function's result
    failed = pyqtSignal(object)  # the exception it raised
    cancelled = pyqtSignal()

    def __init__(self, label: str, cancellable: bool, parent: QObject | None = None,
                 owner: QObject | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.cancellable = cancellable
        # The widget the answer is for: if it is gone (its page was closed), drop the answer.
        self.owner = owner
        self.done = False
        self._cancel_flag = threading.Event()
        self._progress: QProgressDialog | None = None

    def cancel(self) -> None:
        """Ask the work to stop; its result, if any, is dropped."""
        if self.cancellable and not self.done:
            self._cancel_flag.set()

    def is_cancelled(self) -> bool:
        return self._cancel_flag.is_set()


class _Job(QRunnable):
    def __init__(self, runner: TaskRunner, task: Task, function: Callable[[], Any]) -> None:
        super().__init__()
        self._runner = runner
        self._task = task
        self._function = function

    def run(self) -> None:
        if self._task.is_cancelled():
            self._runner._relay.emit(self._task, None, None)
            return
        try:
            result = self._function()
        except BaseException as error:  # handed to the UI thread, never lost
            if not isinstance(error, DomainError):
                log.error("background task %r failed:\n%s", self._task.label,
                          "".join(traceback.format_exception(error)))
            self._runner._relay.emit(self._task, None, error)
            return
        self._runner._relay.emit(self._task, result, None)


class TaskRunner(QObject):
    """Runs functions on the database or network worker and reports back by signal."""

    # Emitted for an exception that is not a DomainError: a bug or a broken disk.
    unexpectedError = pyqtSignal(str)
    busyChanged = pyqtSignal(bool)
    _relay = pyqtSignal(object, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = QThreadPool(self)
        self._database.setMaxThreadCount(1)
        self._network = QThreadPool(self)
        self._network.setMaxThreadCount(1)
        self._running: set[Task] = set()
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._relay.connect(self._on_relay)

    @property
    def idle(self) -> bool:
        return not self._running

    def run(
        self,
        function: Callable[[], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        label: str = "",
        cancellable: bool = False,
        parent: QWidget | None = None,
        network: bool = False,
        owner: QObject | None = None,
    ) -> Task:
        """Run ``function()`` in the background; ``on_done(result)`` on the UI thread.

        ``on_error`` receives a :class:`DomainError` (show its message by the field);
        any other exception is logged and reported through :attr:`unexpectedError`
        unless ``on_error`` is given, which then receives it too. When ``owner`` (by
        default ``parent``, or the object a bound-method ``on_done`` belongs to) has been
        deleted by the time the answer arrives, the answer is dropped.
        """
        if owner is None:
            owner = parent or _bound_qobject(on_done)
        task = Task(label, cancellable, self, owner)
        if on_done is not None:
            task.finished.connect(on_done)
        if on_error is not None:
            task.failed.connect(on_error)
        else:
            task.failed.connect(self._report_unhandled)
        was_idle = self.idle
        self._running.add(task)
        if was_idle:
            self.busyChanged.emit(True)
        if label and parent is not None:
            QTimer.singleShot(PROGRESS_DELAY_MS, lambda: self._show_progress(task, parent))
        pool = self._network if network else self._database
        pool.start(_Job(self, task, function))
        return task

    def wait_for_done(self, msecs: int = 30000) -> bool:
        """Block until the workers are idle (at shutdown; tests use waitUntil instead)."""
        if sip.isdeleted(self):
            return True
        return self._database.waitForDone(msecs) and self._network.waitForDone(msecs)

    def _show_progress(self, task: Task, parent: QWidget) -> None:
        if task.done:
            return
        dialog = QProgressDialog(parent)
        dialog.setWindowTitle(self.tr("请稍候"))
        dialog.setLabelText(task.label)
        dialog.setRange(0, 0)
        dialog.setMinimumDuration(0)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        if task.cancellable:
            dialog.setCancelButtonText(self.tr("取消"))
            dialog.canceled.connect(task.cancel)
        else:
            dialog.setCancelButton(None)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        task._progress = dialog
        dialog.show()

    def _on_relay(self, task: Task, result: object, error: object) -> None:
        task.done = True
        if task._progress is not None:
            task._progress.close()
            task._progress.deleteLater()
            task._progress = None
        self._running.discard(task)
        try:
            if task.owner is not None and sip.isdeleted(task.owner):
                return
            if task.is_cancelled():
                task.cancelled.emit()
            elif error is not None:
                task.failed.emit(error)
            else:
                task.finished.emit(result)
        finally:
            task.deleteLater()
            if self.idle:
                self.busyChanged.emit(False)

    def _report_unhandled(self, error: BaseException) -> None:
        if isinstance(error, DomainError):
            self.unexpectedError.emit(error.message)
        else:
            self.unexpectedError.emit(describe_unexpected(error))


def _bound_qobject(callback: object) -> QObject | None:
    """The QObject a bound-method callback belongs to (its answer's owner), if any."""
    owner = getattr(callback, "__self__", None)
    return owner if isinstance(owner, QObject) else None


def describe_unexpected(error: BaseException) -> str:
    """A Chinese sentence for an error nobody planned for (details are in the log)."""
    if isinstance(error, OSError):
        return f"无法读写文件或数据库（{error.strerror or error}）。请检查磁盘空间和权限后重试。"
    return "操作未完成：程序出现意外错误。您的输入仍保留在界面上，请重试；如果反复出现，请联系信息管理员并提供日志。"
