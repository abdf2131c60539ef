"""同步冲突: what the county server refused of this station's work (or of another
station's work this station holds), listed so the people concerned read what changed."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services import queries
from app.ui.context import AppContext
from app.ui.feedback import MessageBar
from app.ui.widgets import local_time, set_kind


class ConflictsDialog(QDialog):
    """The unread conflicts: time, case, what was refused and why; open the case, or
    mark a conflict read once dealt with (audited)."""

    openCaseRequested = pyqtSignal(str)
    changed = pyqtSignal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("conflictsDialog")
        self.setWindowTitle(self.tr("同步冲突"))
        self.resize(860, 420)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "以下操作被县中心服务器拒绝，或服务器拒绝了本站已收到的其他站点的操作；"
            "本站已按服务器认可的记录重建有关办件，被拒绝的盖章文书已作废。"
            "请核对办件，必要时重新办理，处理后标记为已读。"), self)
        intro.setWordWrap(True)
        intro.setProperty("role", "subtle")
        layout.addWidget(intro)
        self.message_bar = MessageBar(self)
        layout.addWidget(self.message_bar)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("conflictsTree")
        self.tree.setHeaderLabels([self.tr("时间"), self.tr("受理编号"), self.tr("事项"),
                                   self.tr("说明")])
        self.tree.setRootIsDecorated(False)
        self.tree.setWordWrap(True)
        self.tree.setColumnWidth(0, 130)
        self.tree.setColumnWidth(1, 170)
        self.tree.setColumnWidth(2, 150)
        layout.addWidget(self.tree, 1)
        buttons = QHBoxLayout()
        self.open_button = QPushButton(self.tr("打开办件"), self)
        self.open_button.setObjectName("conflictOpenButton")
        self.read_button = QPushButton(self.tr("标记为已读"), self)
        self.read_button.setObjectName("conflictReadButton")
        set_kind(self.read_button, "primary")
        close = QPushButton(self.tr("关闭"), self)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.read_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.read_button.clicked.connect(self._on_read_button_clicked)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        close.clicked.connect(self.close)
        self.rows: list[queries.ConflictSummary] = []

    def reload(self) -> None:
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(lambda: queries.sync_conflicts(uow, user),
                                on_done=self._show, on_error=self.message_bar.show_error,
                                owner=self)

    def _show(self, rows: list[queries.ConflictSummary]) -> None:
        self.rows = rows
        self.tree.clear()
        for row in rows:
            item = QTreeWidgetItem([local_time(row.received_at), row.case_number or "—",
                                    row.matter_name or "—", row.reason])
            item.setToolTip(3, row.reason)
            item.setData(0, Qt.ItemDataRole.UserRole, row.event_id)
            self.tree.addTopLevelItem(item)
        if rows:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        else:
            self.message_bar.info(self.tr("没有未读的同步冲突。"))
        self._update_buttons()

    def _selected(self) -> queries.ConflictSummary | None:
        index = self.tree.indexOfTopLevelItem(self.tree.currentItem()) \
            if self.tree.currentItem() is not None else -1
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _update_buttons(self) -> None:
        chosen = self._selected()
        self.open_button.setEnabled(chosen is not None and bool(chosen.case_number))
        self.read_button.setEnabled(chosen is not None)

    def _on_open_button_clicked(self) -> None:
        chosen = self._selected()
        if chosen is not None and chosen.case_number:
            self.openCaseRequested.emit(chosen.case_id)
            self.close()

    def _on_read_button_clicked(self) -> None:
        chosen = self._selected()
        if chosen is None:
            return
        uow, user = self.context.uow, self.context.user

        def done(_result: object) -> None:
            self.changed.emit()
            self.reload()

        self.context.runner.run(lambda: queries.mark_conflict_read(uow, user, chosen.event_id),
                                on_done=done, on_error=self.message_bar.show_error, owner=self)
