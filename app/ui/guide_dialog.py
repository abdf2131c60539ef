"""The user guide (使用说明, F1): one page per screen, opened at the current one."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.ui.guide import USER_GUIDE, user_guide_html


class GuideDialog(QDialog):
    """Pages of the guide on the left, the chosen page on the right."""

    def __init__(self, key: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userGuideDialog")
        self.setWindowTitle(self.tr("使用说明 — CounterDesk 政务服务窗口受理台"))
        self.resize(760, 520)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.pages = QListWidget(self)
        self.pages.setObjectName("guidePageList")
        self.pages.setFixedWidth(150)
        for page_key, title, _body in USER_GUIDE:
            item = QListWidgetItem(title)
            item.setData(Qt.ItemDataRole.UserRole, page_key)
            self.pages.addItem(item)
        row.addWidget(self.pages)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("guideBrowser")
        self.browser.setOpenExternalLinks(False)
        row.addWidget(self.browser, 1)
        layout.addLayout(row, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self._connect_signals()
        keys = [page_key for page_key, _title, _body in USER_GUIDE]
        self.pages.setCurrentRow(keys.index(key) if key in keys else 0)

    def _connect_signals(self) -> None:
        self.pages.currentRowChanged.connect(self._on_pages_current_row_changed)

    @property
    def current_key(self) -> str:
        item = self.pages.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else ""

    def _on_pages_current_row_changed(self, _row: int) -> None:
        self.browser.setHtml(user_guide_html(self.current_key))
