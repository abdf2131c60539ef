"""统计: the monthly window assessment, with a chart and export to Excel and PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QWidget,
)

from app.services import statistics
from app.services.statistics import AssessmentRow, MonthlyAssessment
from app.ui.chart import BarChart, Series
from app.ui.context import AppContext
from app.ui.documents import in_documents_folder
from app.ui.page import Page
from app.ui.widgets import set_kind

COLUMNS = statistics.HEADERS


class AssessmentModel(QAbstractTableModel):
    """Rows of an assessment table; the total row (if any) is bold."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[AssessmentRow] = []
        self.total: AssessmentRow | None = None
        self._cells: list[list[Any]] = []

    def set_rows(self, rows: list[AssessmentRow], total: AssessmentRow | None) -> None:
        self.beginResetModel()
        self.rows = rows + ([total] if total is not None else [])
        self.total = total
        self._cells = statistics.table_rows(self.rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(COLUMNS[section])
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(self._cells[index.row()][index.column()])
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return int(Qt.AlignmentFlag.AlignCenter)
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.FontRole and row is self.total:
            from PyQt6.QtGui import QFont

            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and index.column() in (4, 5) \
                and self._cells[index.row()][index.column()]:
            from PyQt6.QtGui import QBrush, QColor

            return QBrush(QColor("#a31d1d"))
        return None


def assessment_table(parent: QWidget, model: AssessmentModel, name: str) -> QTableView:
    """The table of an assessment's rows: whole rows selected, the label column first."""
    table = QTableView(parent)
    table.setObjectName(name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)  # type: ignore[union-attr]
    header = table.horizontalHeader()
    assert header is not None
    header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
    table.setColumnWidth(0, 160)
    return table


class StatisticsPage(Page):
    """统计."""

    computed = pyqtSignal(object)  # MonthlyAssessment

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("统计 — 月度窗口考核"), parent)
        self.setObjectName("statisticsPage")
        self.assessment: MonthlyAssessment | None = None
        controls = QHBoxLayout()
        today = date.today()
        default_year, default_month = today.year, today.month
        self.year_spin = QSpinBox(self)
        self.year_spin.setObjectName("statisticsYear")
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(default_year)
        self.year_spin.setSuffix(self.tr(" 年"))
        self.month_combo = QComboBox(self)
        self.month_combo.setObjectName("statisticsMonth")
        for month in range(1, 13):
            self.month_combo.addItem(self.tr("{0} 月").format(month), month)
        self.month_combo.setCurrentIndex(default_month - 1)
        self.compute_button = QPushButton(self.tr("统计"), self)
        self.compute_button.setObjectName("computeStatisticsButton")
        set_kind(self.compute_button, "primary")
        self.excel_button = QPushButton(self.tr("导出 Excel…"), self)
        self.excel_button.setObjectName("exportExcelButton")
        self.pdf_button = QPushButton(self.tr("导出 PDF…"), self)
        self.pdf_button.setObjectName("exportPdfButton")
        for widget in (QLabel(self.tr("统计月份"), self), self.year_spin, self.month_combo,
                       self.compute_button):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.excel_button)
        controls.addWidget(self.pdf_button)
        self.root_layout.addLayout(controls)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("statisticsSummary")
        self.summary_label.setProperty("role", "banner")
        self.summary_label.setWordWrap(True)
        self.root_layout.addWidget(self.summary_label)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.chart = BarChart(splitter)
        self.tabs = QTabWidget(splitter)
        self.window_model = AssessmentModel(self)
        self.person_model = AssessmentModel(self)
        self.window_table = self._table(self.window_model, "windowAssessmentTable")
        self.person_table = self._table(self.person_model, "personAssessmentTable")
        self.tabs.addTab(self.window_table, self.tr("按窗口"))
        self.tabs.addTab(self.person_table, self.tr("按人员（首问负责人）"))
        splitter.addWidget(self.chart)
        splitter.addWidget(self.tabs)
        splitter.setSizes([260, 300])
        self.root_layout.addWidget(splitter, 1)
        note = QLabel(self.tr("按时办结率 = 按时办结 ÷（按时办结 + 超期办结）；"
                              "满意率 = 非常满意、满意、基本满意 ÷ 评价数；"
                              "办结以加盖审批专用章（或上级准予/不予）的时间为准。"), self)
        note.setWordWrap(True)
        note.setProperty("role", "subtle")
        self.root_layout.addWidget(note)
        self._set_export_enabled(False)
        self._loaded = False
        self._connect_signals()

    def _table(self, model: AssessmentModel, name: str) -> QTableView:
        return assessment_table(self, model, name)

    def _connect_signals(self) -> None:
        self.compute_button.clicked.connect(self.compute)
        self.excel_button.clicked.connect(self._on_excel_button_clicked)
        self.pdf_button.clicked.connect(self._on_pdf_button_clicked)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)

    def activate(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.compute()

    def set_month(self, year: int, month: int) -> None:
        self.year_spin.setValue(year)
        self.month_combo.setCurrentIndex(month - 1)

    def compute(self) -> None:
        year, month = self.year_spin.value(), int(self.month_combo.currentData())
        uow, user = self.context.uow, self.context.user
        self.compute_button.setEnabled(False)
        self.context.runner.run(
            lambda: statistics.monthly_assessment(uow, user, year=year, month=month),
            on_done=self._on_computed, on_error=self._on_failed,
            label=self.tr("正在统计…"), cancellable=True, parent=self)

    def _on_failed(self, error: BaseException) -> None:
        self.compute_button.setEnabled(True)
        self.message_bar.show_error(error)

    def _on_computed(self, assessment: MonthlyAssessment) -> None:
        self.compute_button.setEnabled(True)
        self.message_bar.hide()
        self.assessment = assessment
        self.window_model.set_rows(list(assessment.by_window), assessment.total)
        self.person_model.set_rows(list(assessment.by_person), None)
        total = assessment.total
        rate = "—" if total.on_time_rate is None else f"{total.on_time_rate * 100:.1f}%"
        satisfaction = "—" if total.satisfaction_rate is None \
            else f"{total.satisfaction_rate * 100:.1f}%"
        self.summary_label.setText(self.tr(
            "{0}年{1}月：收件 {2} 件，办结 {3} 件，按时办结率 {4}，超期 {5} 件，退回 {6} 件，"
            "评价 {7} 条，满意率 {8}。").format(
            assessment.year, assessment.month, total.received, total.completed, rate,
            total.overdue, total.returned, total.evaluation_count, satisfaction))
        self._update_chart()
        self._set_export_enabled(True)
        self.computed.emit(assessment)

    def _update_chart(self) -> None:
        if self.assessment is None:
            return
        rows = (self.assessment.by_window if self.tabs.currentIndex() == 0
                else self.assessment.by_person)[:12]
        self.chart.set_data(
            [r.label for r in rows],
            [Series(self.tr("收件"), "#4a7fb5", tuple(r.received for r in rows)),
             Series(self.tr("办结"), "#3f9a6b", tuple(r.completed for r in rows)),
             Series(self.tr("超期"), "#d64545", tuple(r.overdue for r in rows)),
             Series(self.tr("退回"), "#d9a21b", tuple(r.returned for r in rows))])

    def _on_tabs_current_changed(self, _index: int) -> None:
        self._update_chart()

    def _set_export_enabled(self, enabled: bool) -> None:
        self.excel_button.setEnabled(enabled)
        self.pdf_button.setEnabled(enabled)

    def _file_name(self, suffix: str) -> str:
        assert self.assessment is not None
        return f"窗口考核-{self.assessment.year}年{self.assessment.month:02d}月.{suffix}"

    def _on_excel_button_clicked(self) -> None:
        if self.assessment is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出 Excel"),
                                              in_documents_folder(self._file_name("xlsx")),
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.export(Path(path), "xlsx")

    def _on_pdf_button_clicked(self) -> None:
        if self.assessment is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出 PDF"),
                                              in_documents_folder(self._file_name("pdf")),
                                              self.tr("PDF 文件 (*.pdf)"))
        if path:
            self.export(Path(path), "pdf")

    def export(self, path: Path, kind: str) -> None:
        """Write the shown assessment to ``path`` in the background."""
        assessment = self.assessment
        assert assessment is not None
        uow = self.context.uow

        def work() -> Path:
            if kind == "xlsx":
                data = statistics.export_excel(assessment)
            else:
                data = statistics.export_pdf(assessment,
                                             font_path=statistics.statistics_font_path(uow))
            path.write_bytes(data)
            return path

        self.context.runner.run(
            work, on_done=lambda written: self.message_bar.success(
                self.tr("已导出：{0}").format(written)),
            on_error=self.message_bar.show_error, label=self.tr("正在导出…"), parent=self)


def _tr(text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate("StatisticsPage", text)
