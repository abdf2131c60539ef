"""办件查询: search by number, name, ID number, phone or matter; filter; page through."""

from __future__ import annotations

from datetime import date
from typing import Any

from PyQt6.QtCore import QDate, QModelIndex, Qt, QTimer
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QWidget,
)

from app.domain.case import STATE_LABELS
from app.domain.catalog import CASE_TYPE_LABELS, Department
from app.services import catalog, queries
from app.services.queries import CaseFilter
from app.ui.case_model import COLUMN_INDEX, CaseTableModel
from app.ui.context import AppContext
from app.ui.page import Page
from app.ui.widgets import set_kind

SEARCH_DELAY_MS = 250


class CaseSearchPage(Page):
    """办件查询."""

    def __init__(self, context: AppContext, parent: QWidget | None = None,
                 *, page_size: int = 100) -> None:
        super().__init__(context, _tr("办件查询"), parent)
        self.setObjectName("caseSearchPage")
        self._loaded_once = False
        self._departments_loaded = False

        row1 = QHBoxLayout()
        self.text_edit = QLineEdit(self)
        self.text_edit.setObjectName("caseSearchEdit")
        self.text_edit.setPlaceholderText(
            self.tr("受理编号、申请人姓名或拼音首字母、证件号码或末4位、联系电话、事项名称"))
        self.text_edit.setClearButtonEnabled(True)
        row1.addWidget(self.text_edit, 3)
        self.state_combo = QComboBox(self)
        self.state_combo.setObjectName("stateFilter")
        self.state_combo.addItem(self.tr("全部状态"), "")
        for state, label in STATE_LABELS.items():
            self.state_combo.addItem(label, state.value)
        row1.addWidget(self.state_combo, 1)
        self.category_combo = QComboBox(self)
        self.category_combo.setObjectName("categoryFilter")
        self.category_combo.addItem(self.tr("全部类型"), "")
        for case_type, label in CASE_TYPE_LABELS.items():
            self.category_combo.addItem(label, case_type.value)
        row1.addWidget(self.category_combo, 1)
        self.department_combo = QComboBox(self)
        self.department_combo.setObjectName("departmentFilter")
        self.department_combo.addItem(self.tr("全部部门"), "")
        row1.addWidget(self.department_combo, 1)
        self.root_layout.addLayout(row1)

        row2 = QHBoxLayout()
        self.date_check = QCheckBox(self.tr("登记日期"), self)
        self.date_check.setObjectName("dateFilterCheck")
        row2.addWidget(self.date_check)
        today = QDate.currentDate()
        self.from_edit = QDateEdit(today.addMonths(-1), self)
        self.from_edit.setObjectName("dateFromEdit")
        self.from_edit.setCalendarPopup(True)
        self.from_edit.setDisplayFormat("yyyy-MM-dd")
        self.to_edit = QDateEdit(today, self)
        self.to_edit.setObjectName("dateToEdit")
        self.to_edit.setCalendarPopup(True)
        self.to_edit.setDisplayFormat("yyyy-MM-dd")
        row2.addWidget(self.from_edit)
        row2.addWidget(QLabel(self.tr("至"), self))
        row2.addWidget(self.to_edit)
        row2.addSpacing(16)
        self.warning_combo = QComboBox(self)
        self.warning_combo.setObjectName("warningFilter")
        self.warning_combo.addItem(self.tr("全部预警"), "")
        self.warning_combo.addItem(self.tr("正常"), "normal")
        self.warning_combo.addItem(self.tr("黄牌预警"), "yellow")
        self.warning_combo.addItem(self.tr("红牌超期"), "red")
        row2.addWidget(self.warning_combo)
        row2.addStretch(1)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("caseCountLabel")
        self.count_label.setProperty("role", "subtle")
        row2.addWidget(self.count_label)
        self.reset_button = QPushButton(self.tr("重置条件"), self)
        self.search_button = QPushButton(self.tr("查询"), self)
        self.search_button.setObjectName("caseSearchButton")
        set_kind(self.search_button, "primary")
        row2.addWidget(self.reset_button)
        row2.addWidget(self.search_button)
        self.root_layout.addLayout(row2)

        self.model = CaseTableModel(context.runner, page_size=page_size, parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("caseTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)  # type: ignore[union-attr]
        header = self.table.horizontalHeader()
        assert header is not None
        # The indicator first: enabling sorting sorts by it (the newest cases on top).
        header.setSortIndicator(COLUMN_INDEX["registered"], Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COLUMN_INDEX["matter"], QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for key, width in (("number", 165), ("applicant", 150), ("id", 150),
                           ("category", 70), ("state", 110), ("registered", 130),
                           ("deadline", 130), ("warning", 76)):
            self.table.setColumnWidth(COLUMN_INDEX[key], width)
        self.root_layout.addWidget(self.table, 1)
        hint = QLabel(self.tr("双击或按 Enter 打开办件；证件号码在列表中隐去中间位。"), self)
        hint.setProperty("role", "subtle")
        self.root_layout.addWidget(hint)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.text_edit.textEdited.connect(self._on_text_edit_text_edited)
        self.text_edit.returnPressed.connect(self.search)
        self._timer.timeout.connect(self.search)
        for combo in (self.state_combo, self.category_combo, self.department_combo,
                      self.warning_combo):
            combo.currentIndexChanged.connect(self._on_filter_changed)
        self.date_check.toggled.connect(self._on_filter_changed)
        self.from_edit.dateChanged.connect(self._on_date_changed)
        self.to_edit.dateChanged.connect(self._on_date_changed)
        self.search_button.clicked.connect(self.search)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.table.activated.connect(self._on_table_activated)
        self.model.loadFailed.connect(self.message_bar.error)
        self.model.loadingChanged.connect(self._on_model_loading_changed)

    def activate(self) -> None:
        # The rows first (the database thread answers in order), the filter's list of
        # departments after them.
        if not self._loaded_once:
            self._loaded_once = True
            self.search()
        else:
            self.model.reload()
            self._count()
        if not self._departments_loaded:
            self._departments_loaded = True
            uow = self.context.uow
            self.context.runner.run(lambda: catalog.list_departments(uow),
                                    on_done=self._on_departments, owner=self)
        self.text_edit.setFocus()

    def _on_departments(self, departments: list[Department]) -> None:
        for department in departments:
            self.department_combo.addItem(department.name, department.code)

    def current_filter(self) -> CaseFilter:
        registered_from: date | None = None
        registered_to: date | None = None
        if self.date_check.isChecked():
            registered_from = self.from_edit.date().toPyDate()
            registered_to = self.to_edit.date().toPyDate()
        state = self.state_combo.currentData()
        category = self.category_combo.currentData()
        return CaseFilter(
            text=self.text_edit.text().strip(),
            states=(state,) if state else (),
            categories=(category,) if category else (),
            department_code=self.department_combo.currentData() or "",
            registered_from=registered_from,
            registered_to=registered_to,
            warning=self.warning_combo.currentData() or "",
        )

    def search(self) -> None:
        self._timer.stop()
        case_filter = self.current_filter()
        uow, user = self.context.uow, self.context.user

        def load(offset: int, limit: int, sort: str, descending: bool,
                 after: Any) -> list[Any]:
            # The next page from the last row shown (keyset), not by skipping offset rows.
            return queries.list_cases(uow, user, case_filter, after=after, limit=limit,
                                      sort=sort, descending=descending)

        self.message_bar.hide()
        self.model.set_loader(load)
        self._count(case_filter)

    def _count(self, case_filter: CaseFilter | None = None) -> None:
        case_filter = case_filter or self.current_filter()
        uow, user = self.context.uow, self.context.user
        self.count_label.setText(self.tr("正在统计…"))
        self.context.runner.run(lambda: queries.count_cases(uow, user, case_filter),
                                on_done=self._on_counted,
                                on_error=self._on_count_failed, owner=self)

    def _on_count_failed(self, error: BaseException) -> None:
        self.count_label.clear()
        self.message_bar.show_error(error)  # a reversed date range, say: tell the clerk

    def _on_counted(self, count: int) -> None:
        self.count_label.setText(self.tr("共 {0} 件").format(count))

    def _on_text_edit_text_edited(self, _text: str) -> None:
        self._timer.start()

    def _on_filter_changed(self, *_args: object) -> None:
        self.search()

    def _on_date_changed(self, _date: QDate) -> None:
        if self.date_check.isChecked():
            self.search()

    def _on_reset_button_clicked(self) -> None:
        for combo in (self.state_combo, self.category_combo, self.department_combo,
                      self.warning_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.date_check.blockSignals(True)
        self.date_check.setChecked(False)
        self.date_check.blockSignals(False)
        self.text_edit.clear()
        self.search()

    def _on_model_loading_changed(self, loading: bool) -> None:
        if loading and self.model.rowCount() == 0:
            self.count_label.setText(self.tr("正在查询…"))

    def _on_table_activated(self, index: QModelIndex) -> None:
        summary = self.model.summary(index.row())
        if summary is not None:
            self.openCaseRequested.emit(summary.id)


def _tr(text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate("CaseSearchPage", text)
