"""季通报 / 年综合: the quarterly bulletin and the annual summary with a chart, the
红旗窗口 / 先进工作者 reference ranking, and export to Excel and PDF
(``app.services.reports``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.forms.statistics_page import AssessmentModel, assessment_table
from app.services import reports, statistics
from app.ui.chart import BarChart, Series
from app.ui.context import AppContext
from app.ui.documents import in_documents_folder
from app.ui.page import Page
from app.ui.widgets import list_tree, set_kind


def _tr(text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate("ReportsPage", text)


class ReportsPage(Page):
    """季通报与年综合 per window and person, ranked for the 红旗窗口 / 先进工作者 selection."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("季通报与年综合"), parent)
        self.setObjectName("reportsPage")
        self.report: reports.PeriodReport | None = None
        today = date.today()
        controls = QHBoxLayout()
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("reportKind")
        self.kind_combo.addItem(self.tr("季度通报"), "quarter")
        self.kind_combo.addItem(self.tr("年度综合"), "year")
        self.year_spin = QSpinBox(self)
        self.year_spin.setObjectName("reportYear")
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(today.year)
        self.year_spin.setSuffix(self.tr(" 年"))
        self.quarter_combo = QComboBox(self)
        self.quarter_combo.setObjectName("reportQuarter")
        for quarter in range(1, 5):
            self.quarter_combo.addItem(self.tr("第{0}季度").format(quarter), quarter)
        self.quarter_combo.setCurrentIndex((today.month - 1) // 3)
        self.compute_button = QPushButton(self.tr("生成"), self)
        self.compute_button.setObjectName("computeReportButton")
        set_kind(self.compute_button, "primary")
        self.excel_button = QPushButton(self.tr("导出 Excel…"), self)
        self.excel_button.setObjectName("reportExcelButton")
        self.pdf_button = QPushButton(self.tr("导出 PDF…"), self)
        self.pdf_button.setObjectName("reportPdfButton")
        for widget in (self.kind_combo, self.year_spin, self.quarter_combo, self.compute_button):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.excel_button)
        controls.addWidget(self.pdf_button)
        self.root_layout.addLayout(controls)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("reportSummary")
        self.summary_label.setProperty("role", "banner")
        self.summary_label.setWordWrap(True)
        self.root_layout.addWidget(self.summary_label)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.chart = BarChart(splitter)
        self.tabs = QTabWidget(splitter)
        self.window_model = AssessmentModel(self)
        self.person_model = AssessmentModel(self)
        self.tabs.addTab(assessment_table(self, self.window_model, "reportWindowTable"), self.tr("按窗口"))
        self.tabs.addTab(assessment_table(self, self.person_model, "reportPersonTable"), self.tr("按人员"))
        self.window_rank = self._rank_tree("windowRankTree")
        self.person_rank = self._rank_tree("personRankTree")
        self.tabs.addTab(self.window_rank, self.tr("红旗窗口参考排名"))
        self.tabs.addTab(self.person_rank, self.tr("先进工作者参考排名"))
        splitter.addWidget(self.chart)
        splitter.addWidget(self.tabs)
        splitter.setSizes([240, 320])
        self.root_layout.addWidget(splitter, 1)
        note = QLabel(self.tr("期间数为各月之和，超期未办结为期末数。排名按按时办结率、投诉属实"
                              "（少者在前）、满意率、办结量排序，仅供评选参考，由管理员决定；"
                              "考勤未在本系统记录。"), self)
        note.setWordWrap(True)
        note.setProperty("role", "subtle")
        self.root_layout.addWidget(note)
        self._set_export_enabled(False)
        self._connect_signals()

    def _rank_tree(self, name: str) -> QTreeWidget:
        return list_tree(self, name, list(reports.RANK_HEADERS))

    def _connect_signals(self) -> None:
        self.kind_combo.currentIndexChanged.connect(self._on_kind_combo_changed)
        self.compute_button.clicked.connect(self.compute)
        self.excel_button.clicked.connect(self._on_excel_button_clicked)
        self.pdf_button.clicked.connect(self._on_pdf_button_clicked)

    def _on_kind_combo_changed(self, _index: int) -> None:
        self.quarter_combo.setVisible(self.kind_combo.currentData() == "quarter")

    def compute(self) -> None:
        year, quarter = self.year_spin.value(), int(self.quarter_combo.currentData())
        kind = self.kind_combo.currentData()
        uow, user = self.context.uow, self.context.user

        def work() -> reports.PeriodReport:
            if kind == "quarter":
                return reports.quarterly_bulletin(uow, user, year=year, quarter=quarter)
            return reports.annual_summary(uow, user, year=year)

        self.compute_button.setEnabled(False)
        self.context.runner.run(work, on_done=self._on_computed, on_error=self._on_failed,
                                label=self.tr("正在汇总…"), cancellable=True, parent=self)

    def _on_failed(self, error: BaseException) -> None:
        self.compute_button.setEnabled(True)
        self.message_bar.show_error(error)

    def _on_computed(self, report: reports.PeriodReport) -> None:
        self.compute_button.setEnabled(True)
        self.report = report
        self.window_model.set_rows(list(report.by_window), report.total)
        self.person_model.set_rows(list(report.by_person), None)
        for tree, rows in ((self.window_rank, report.by_window),
                           (self.person_rank, report.by_person)):
            tree.clear()
            for values in reports.rank_rows(reports.ranking(rows)):
                tree.addTopLevelItem(QTreeWidgetItem([str(v) for v in values]))
        total = report.total
        rate = "—" if total.on_time_rate is None else f"{total.on_time_rate * 100:.1f}%"
        self.summary_label.setText(self.tr(
            "{0}（{1}）：收件 {2} 件，办结 {3} 件，按时办结率 {4}，投诉 {5} 件（属实 {6} 件），"
            "差评 {7} 条。").format(report.title, report.span, total.received, total.completed,
                                   rate, total.complaints, total.complaints_substantiated,
                                   total.unsatisfied))
        rows = list(report.by_window)[:12]
        self.chart.set_data(
            [r.label for r in rows],
            [Series(self.tr("办结"), "#3f9a6b", tuple(r.completed for r in rows)),
             Series(self.tr("按时办结"), "#4a7fb5", tuple(r.on_time for r in rows)),
             Series(self.tr("投诉"), "#d64545", tuple(r.complaints for r in rows))])
        self._set_export_enabled(True)

    def _set_export_enabled(self, enabled: bool) -> None:
        self.excel_button.setEnabled(enabled)
        self.pdf_button.setEnabled(enabled)

    def _ask_path(self, suffix: str, caption: str, pattern: str) -> Path | None:
        assert self.report is not None
        path, _ = QFileDialog.getSaveFileName(
            self, caption, in_documents_folder(f"{self.report.title}.{suffix}"), pattern)
        return Path(path) if path else None

    def _on_excel_button_clicked(self) -> None:
        if self.report is not None:
            path = self._ask_path("xlsx", self.tr("导出 Excel"), self.tr("Excel 工作簿 (*.xlsx)"))
            if path:
                self.export(path, "xlsx")

    def _on_pdf_button_clicked(self) -> None:
        if self.report is not None:
            path = self._ask_path("pdf", self.tr("导出 PDF"), self.tr("PDF 文件 (*.pdf)"))
            if path:
                self.export(path, "pdf")

    def export(self, path: Path, kind: str) -> None:
        """Write the shown report to ``path`` in the background."""
        report = self.report
        assert report is not None
        uow = self.context.uow

        def work() -> Path:
            data = (reports.export_excel(report) if kind == "xlsx" else reports.export_pdf(
                report, font_path=statistics.statistics_font_path(uow)))
            path.write_bytes(data)
            return path

        self.context.runner.run(
            work, on_done=lambda written: self.message_bar.success(
                self.tr("已导出：{0}").format(written)),
            on_error=self.message_bar.show_error, label=self.tr("正在导出…"), parent=self)
