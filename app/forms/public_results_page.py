"""办理结果公告: the published results, the hall display (full screen, refreshing itself),
the website export (HTML, CSV) and, for the administrator, what each matter publishes
(``app.services.public_results``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QFont, QKeyEvent
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.publication import APPLICANT_DISPLAY, DEFAULT_RULE, PublicationRule
from app.domain.roles import Action
from app.services import catalog, public_results
from app.services.context import utc_now
from app.ui.context import AppContext
from app.ui.documents import in_documents_folder
from app.ui.page import Page
from app.ui.widgets import list_tree, local_time, set_kind

HALL_REFRESH_SECONDS = 60


def _tr(text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate("PublicResultsPage", text)


def _result_tree(parent: QWidget, name: str) -> QTreeWidget:
    tree = list_tree(parent, name, list(public_results.CSV_HEADERS), stretch=True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    return tree


def _fill(tree: QTreeWidget, results: list[public_results.PublicResult]) -> None:
    tree.clear()
    for r in results:
        tree.addTopLevelItem(QTreeWidgetItem([
            r.case_number, r.matter_name, r.department_name, r.applicant or "—", r.result,
            r.completed_on.isoformat(), r.document_number]))


class HallDisplay(QWidget):
    """The hall screen: full screen, large type, reloading the results by itself every
    ``refresh_seconds``; Esc closes it."""

    def __init__(self, context: AppContext, *, refresh_seconds: int = HALL_REFRESH_SECONDS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.context = context
        self.setObjectName("hallDisplay")
        self.setWindowTitle(_tr("办理结果公告"))
        self.setStyleSheet("#hallDisplay { background: #0b3a6e; } "
                           "#hallDisplay QLabel { color: white; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 24, 40, 24)
        self.title = QLabel(_tr("办理结果公告"), self)
        self.title.setObjectName("hallTitle")
        font = QFont(self.font())
        font.setPointSize(32)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.title)
        self.stamp = QLabel(self)
        self.stamp.setObjectName("hallStamp")
        self.stamp.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.stamp)
        self.tree = _result_tree(self, "hallTree")
        big = QFont(self.font())
        big.setPointSize(18)
        self.tree.setFont(big)
        header = self.tree.header()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        # Read from across the hall: light text on the hall's dark blue, large headings.
        self.tree.setStyleSheet(
            "QTreeWidget { background: #0f4580; alternate-background-color: #0b3a6e;"
            " color: white; border: none; }"
            " QHeaderView::section { background: #14508f; color: white; font-size: 18pt;"
            " font-weight: bold; padding: 8px; border: none; }")
        layout.addWidget(self.tree, 1)
        self.timer = QTimer(self)
        self.timer.setObjectName("hallTimer")
        self.timer.setInterval(refresh_seconds * 1000)
        self.timer.timeout.connect(self.refresh)

    def start(self) -> None:
        """Show full screen, load now and then every interval."""
        self.showFullScreen()
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(lambda: public_results.public_results(uow, user, limit=30),
                                on_done=self._on_results, owner=self)

    def _on_results(self, results: list[public_results.PublicResult]) -> None:
        _fill(self.tree, results)
        self.stamp.setText(_tr("更新时间：{0}　申请人个人信息已按规定隐去").format(
            local_time(utc_now())))

    def keyPressEvent(self, event: QKeyEvent | None) -> None:  # noqa: N802
        if event is not None and event.key() == Qt.Key.Key_Escape:
            self.timer.stop()
            self.close()
            return
        super().keyPressEvent(event)


class PublicResultsPage(Page):
    """办理结果公告: what the hall and the website show."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("办理结果公告"), parent)
        self.setObjectName("publicResultsPage")
        self.hall: HallDisplay | None = None
        self._results: list[public_results.PublicResult] = []
        row = QHBoxLayout()
        self.hall_button = QPushButton(self.tr("大厅显示屏"), self)
        self.hall_button.setObjectName("hallDisplayButton")
        set_kind(self.hall_button, "primary")
        self.html_button = QPushButton(self.tr("导出网页（HTML）…"), self)
        self.html_button.setObjectName("exportHtmlButton")
        self.csv_button = QPushButton(self.tr("导出 CSV…"), self)
        self.csv_button.setObjectName("exportCsvButton")
        for button in (self.hall_button, self.html_button, self.csv_button):
            row.addWidget(button)
        row.addStretch(1)
        self.root_layout.addLayout(row)
        self.tree = _result_tree(self, "publicResultsTree")
        self.root_layout.addWidget(self.tree, 2)
        self.rules_title = QLabel(self.tr("各事项公示内容（管理员设置；默认只公示准予结果，"
                                          "不含申请人信息）"), self)
        self.root_layout.addWidget(self.rules_title)
        self.rules_tree = list_tree(self, "publicationRulesTree", [
            self.tr("事项"), self.tr("公示"), self.tr("含不予结果"), self.tr("申请人")])
        self.root_layout.addWidget(self.rules_tree, 1)
        self.editable = context.can(Action.MANAGE_CATALOG)
        self.rules_title.setVisible(self.editable)
        self.rules_tree.setVisible(self.editable)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.hall_button.clicked.connect(self._on_hall_button_clicked)
        self.html_button.clicked.connect(self._on_html_button_clicked)
        self.csv_button.clicked.connect(self._on_csv_button_clicked)
        self.rules_tree.itemChanged.connect(self._on_rules_tree_item_changed)

    def activate(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(lambda: public_results.public_results(uow, user),
                                on_done=self._on_results, on_error=self.message_bar.show_error,
                                owner=self)
        if self.editable:
            self.context.runner.run(
                lambda: (catalog.list_matters(uow), public_results.publication_rules(uow)),
                on_done=self._on_rules, on_error=self.message_bar.show_error, owner=self)

    def _on_results(self, results: list[public_results.PublicResult]) -> None:
        self._results = results
        _fill(self.tree, results)

    def _on_rules(self, loaded: tuple[list[Any], dict[str, PublicationRule]]) -> None:
        matters, rules = loaded
        self.rules_tree.blockSignals(True)
        self.rules_tree.clear()
        for matter in matters:
            rule = rules.get(matter.code, DEFAULT_RULE)
            item = QTreeWidgetItem([f"{matter.code} {matter.name}", "", "", ""])
            item.setData(0, Qt.ItemDataRole.UserRole, matter.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            for column, on in ((1, rule.publish), (2, rule.include_denied)):
                item.setCheckState(column, Qt.CheckState.Checked if on
                                   else Qt.CheckState.Unchecked)
            self.rules_tree.addTopLevelItem(item)
            combo = QComboBox(self.rules_tree)
            combo.setObjectName(f"applicantDisplay_{matter.code}")
            for key, label in APPLICANT_DISPLAY.items():
                combo.addItem(label, key)
            combo.setCurrentIndex(max(combo.findData(rule.applicant), 0))
            combo.currentIndexChanged.connect(
                lambda _i, it=item: self._on_rules_tree_item_changed(it, 3))
            self.rules_tree.setItemWidget(item, 3, combo)
        self.rules_tree.blockSignals(False)

    def rule_of(self, item: QTreeWidgetItem) -> PublicationRule:
        combo = self.rules_tree.itemWidget(item, 3)
        applicant = combo.currentData() if isinstance(combo, QComboBox) else "none"
        return PublicationRule(
            publish=item.checkState(1) == Qt.CheckState.Checked,
            include_denied=item.checkState(2) == Qt.CheckState.Checked,
            applicant=str(applicant))

    def _on_rules_tree_item_changed(self, item: QTreeWidgetItem, _column: int) -> None:
        code = str(item.data(0, Qt.ItemDataRole.UserRole))
        rule = self.rule_of(item)
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(
            lambda: public_results.set_publication_rule(uow, user, code, rule),
            on_done=lambda _r: self._on_rule_saved(), on_error=self.message_bar.show_error,
            owner=self)

    def _on_rule_saved(self) -> None:
        self.message_bar.success(self.tr("公示设置已保存。"))
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(lambda: public_results.public_results(uow, user),
                                on_done=self._on_results, owner=self)

    def _on_hall_button_clicked(self) -> None:
        self.open_hall_display()

    def open_hall_display(self) -> HallDisplay:
        if self.hall is not None:
            self.hall.close()
        self.hall = HallDisplay(self.context)
        self.hall.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.hall.destroyed.connect(self._on_hall_destroyed)
        self.hall.start()
        return self.hall

    def _on_hall_destroyed(self, _object: object = None) -> None:
        self.hall = None

    def _on_html_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出网页"),
                                              in_documents_folder("办理结果公告.html"),
                                              self.tr("网页 (*.html)"))
        if path:
            self.export(Path(path), "html")

    def _on_csv_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出 CSV"),
                                              in_documents_folder("办理结果公告.csv"),
                                              self.tr("CSV 文件 (*.csv)"))
        if path:
            self.export(Path(path), "csv")

    def export(self, path: Path, kind: str) -> None:
        """Write the shown results to ``path`` (the website's copy)."""
        results = list(self._results)
        title = self.tr("{0}办理结果公告").format(self.context.station_name)

        def work() -> Path:
            if kind == "csv":
                path.write_bytes(public_results.export_csv(results))
            else:
                path.write_text(public_results.export_html(
                    results, title=title, generated_at=utc_now()), encoding="utf-8")
            return path

        self.context.runner.run(work, on_done=lambda written: self.message_bar.success(
            self.tr("已导出：{0}").format(written)), on_error=self.message_bar.show_error,
            owner=self)
