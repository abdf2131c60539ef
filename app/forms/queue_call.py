"""受理登记: "下一位" calls the next ticket of this window from the hall's queue system.

Absent without a queue system (settings ``queue_url`` and ``queue_window``). The ticket
called goes with the registration onto the case, and to the applicant's screen.
"""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from app.services import queue_calls
from app.ui.context import AppContext


class QueueCallBar(QWidget):
    """The 下一位 button and the ticket being served."""

    called = pyqtSignal(object)  # app.devices.queue.Ticket
    callFailed = pyqtSignal(object)  # DomainError
    nobodyWaiting = pyqtSignal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueCallBar")
        self.context = context
        self.ticket: object | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.ticket_label = QLabel(self)
        self.ticket_label.setObjectName("queueTicketLabel")
        layout.addWidget(self.ticket_label)
        self.next_button = QPushButton(self.tr("下一位(F4)"), self)
        self.next_button.setObjectName("nextTicketButton")
        layout.addWidget(self.next_button)
        self.setVisible(context.queue is not None)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.next_button.clicked.connect(self.call_next)

    def call_next(self) -> None:
        """Ask the queue system for the next ticket (in the background)."""
        queue = self.context.queue
        if queue is None or not self.next_button.isEnabled():
            return
        self.next_button.setEnabled(False)
        self.context.runner.run(lambda: queue_calls.call_next(queue), on_done=self._on_done,
                                on_error=self._on_error, network=True,
                                label=self.tr("正在叫号…"), parent=self)

    def _on_done(self, ticket: object | None) -> None:
        self.next_button.setEnabled(True)
        if ticket is None:
            self.nobodyWaiting.emit()
            return
        self.ticket = ticket
        self.ticket_label.setText(self.tr("当前号：<b>{0}</b>").format(ticket.number))  # type: ignore[attr-defined]
        self.called.emit(ticket)

    def _on_error(self, error: BaseException) -> None:
        self.next_button.setEnabled(True)
        self.callFailed.emit(error)

    @property
    def ticket_number(self) -> str:
        return str(getattr(self.ticket, "number", ""))

    def clear(self) -> None:
        self.ticket = None
        self.ticket_label.clear()
