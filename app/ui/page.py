"""The base of every screen in the main window's navigation."""

from __future__ import annotations

from collections.abc import Iterable

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

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

    def unsaved_work(self) -> str:
        """What leaving now would throw away, in a few words ("" when nothing): the
        main window asks before 注销 or 退出 while a page says something here."""
        return ""

    def discard_work(self) -> None:
        """Throw away what :meth:`unsaved_work` names (the user chose to)."""

    def activate(self) -> None:
        """Called each time the page is shown: refresh what may have changed."""


def confirm_leaving(parent: QWidget, pages: Iterable[Page], what: str) -> bool:
    """Ask before ``what`` (注销, 退出) throws away unsaved work; True to go on.

    Synchronous on purpose: the window is about to close or log out and needs the
    answer now. The safe choice (go back to the form) is the default button."""
    unsaved = [text for text in (page.unsaved_work() for page in pages) if text]
    if not unsaved:
        return True
    box = QMessageBox(QMessageBox.Icon.Warning, parent.tr("尚未提交"),
                      parent.tr("以下内容尚未提交，{0}后将丢失：").format(what), parent=parent)
    box.setObjectName("leaveConfirmBox")
    box.setInformativeText("\n".join(unsaved))
    leave = box.addButton(parent.tr("放弃并{0}").format(what), QMessageBox.ButtonRole.DestructiveRole)
    stay = box.addButton(parent.tr("返回继续填写"), QMessageBox.ButtonRole.RejectRole)
    assert leave is not None and stay is not None
    leave.setObjectName("leaveConfirmButton")
    stay.setObjectName("leaveStayButton")
    box.setDefaultButton(stay)
    box.setEscapeButton(stay)
    box.exec()
    return box.clickedButton() is leave


def ask_before_switching(parent: QWidget, page: Page, target: str) -> str:
    """Before going from ``page`` to the page ``target`` while ``page`` holds unsaved
    work: "keep" (go, the form waits as it is), "discard" (go, the form is cleared) or
    "stay". Going back to the form is the default, so a stray Enter loses nothing."""
    unsaved = page.unsaved_work()
    if not unsaved:
        return "keep"
    box = QMessageBox(QMessageBox.Icon.Question, parent.tr("尚未提交"),
                      parent.tr("{0}尚未提交。").format(unsaved), parent=parent)
    box.setObjectName("switchConfirmBox")
    box.setInformativeText(parent.tr("转到“{0}”前，保留已填写的内容还是放弃？").format(target))
    keep = box.addButton(parent.tr("保留并转到“{0}”").format(target),
                         QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton(parent.tr("放弃已填写的内容"), QMessageBox.ButtonRole.DestructiveRole)
    stay = box.addButton(parent.tr("返回继续填写"), QMessageBox.ButtonRole.RejectRole)
    assert keep is not None and discard is not None and stay is not None
    keep.setObjectName("switchKeepButton")
    discard.setObjectName("switchDiscardButton")
    stay.setObjectName("switchStayButton")
    box.setDefaultButton(stay)
    box.setEscapeButton(stay)
    box.exec()
    clicked = box.clickedButton()
    return "keep" if clicked is keep else "discard" if clicked is discard else "stay"
