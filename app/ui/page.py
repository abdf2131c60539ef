"""The base of every screen in the main window's navigation."""

from __future__ import annotations

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from app.ui.context import AppContext
from app.ui.feedback import MessageBar
from app.ui.widgets import title_label


class Page(QWidget):
    """A screen: a title, a message bar, and its content.

    ``openCaseRequested`` asks the main window to show a case; ``caseChanged`` tells
    it that a case was written (status bar and queues refresh).
    """

    openCaseRequested = pyqtSignal(str)
    caseChanged = pyqtSignal(str)

    def __init__(self, context: AppContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.page_title = title
        self.root_layout = QVBoxLayout(self)
        self.root_layout.setContentsMargins(18, 14, 18, 12)
        self.root_layout.setSpacing(8)
        self.title_label = title_label(title, self)
        self.root_layout.addWidget(self.title_label)
        self.message_bar = MessageBar(self)
        self.root_layout.addWidget(self.message_bar)

    def activate(self) -> None:
        """Called each time the page is shown: refresh what may have changed."""
