"""受理登记, part ①: search the catalog (name, code or pinyin initials) and read the
matter's guide; the chosen matter goes to the registration page."""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.catalog import Department, Matter
from app.services import catalog
from app.ui.context import AppContext
from app.ui.guide import matter_guide_html

SEARCH_DELAY_MS = 180


class MatterPicker(QWidget):
    """Search the catalog and read the guide; emits the chosen matter."""

    matterChosen = pyqtSignal(object)  # Matter | None
    confirmed = pyqtSignal()  # Enter on a result: move on to the applicant

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.matters: list[Matter] = []
        self.matter: Matter | None = None
        self._search_generation = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        caption = QLabel(self.tr("<b>① 选择事项</b>"), self)
        layout.addWidget(caption)
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("matterSearchEdit")
        self.search_edit.setPlaceholderText(self.tr("事项名称、编码或拼音首字母（如 gtgshdj）"))
        self.search_edit.setClearButtonEnabled(True)
        layout.addWidget(self.search_edit)
        self.department_combo = QComboBox(self)
        self.department_combo.setObjectName("departmentCombo")
        self.department_combo.addItem(self.tr("全部部门"), "")
        layout.addWidget(self.department_combo)
        self.result_list = QListWidget(self)
        self.result_list.setObjectName("matterList")
        self.result_list.setMinimumHeight(120)
        layout.addWidget(self.result_list, 1)
        self.guide_view = QTextBrowser(self)
        self.guide_view.setObjectName("guideView")
        self.guide_view.setOpenExternalLinks(False)
        self.guide_view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.guide_view.setPlaceholderText(self.tr("选择事项后在此显示办事指南。"))
        layout.addWidget(self.guide_view, 4)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self.search_edit.installEventFilter(self)
        self.result_list.installEventFilter(self)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.search_edit.textEdited.connect(self._on_search_edit_text_edited)
        self.department_combo.currentIndexChanged.connect(
            self._on_department_combo_current_index_changed)
        self._timer.timeout.connect(self.search)
        self.result_list.currentRowChanged.connect(self._on_result_list_current_row_changed)
        self.result_list.itemActivated.connect(self._on_result_list_item_activated)

    def load_departments(self) -> None:
        uow = self.context.uow
        self.context.runner.run(lambda: catalog.list_departments(uow),
                                on_done=self._on_departments, owner=self)

    def _on_departments(self, departments: list[Department]) -> None:
        current = self.department_combo.currentData()
        self.department_combo.blockSignals(True)
        self.department_combo.clear()
        self.department_combo.addItem(self.tr("全部部门"), "")
        for department in departments:
            self.department_combo.addItem(department.name, department.code)
        self.department_combo.setCurrentIndex(max(self.department_combo.findData(current), 0))
        self.department_combo.blockSignals(False)

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        if event is not None and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if watched is self.search_edit and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                if self.result_list.count():
                    self.result_list.setFocus()
                    if self.result_list.currentRow() < 0:
                        self.result_list.setCurrentRow(0)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and watched in (
                    self.search_edit, self.result_list):
                if watched is self.search_edit and self._timer.isActive():
                    self._timer.stop()
                    self.search(confirm=True)
                    return True
                self._confirm_current()
                return True
        return super().eventFilter(watched, event)

    def _confirm_current(self) -> None:
        if self.result_list.count() and self.result_list.currentRow() < 0:
            self.result_list.setCurrentRow(0)
        if self.matter is not None:
            self.confirmed.emit()

    def _on_search_edit_text_edited(self, _text: str) -> None:
        self._timer.start()

    def _on_department_combo_current_index_changed(self, _index: int) -> None:
        self.search()

    def search(self, confirm: bool = False) -> None:
        text = self.search_edit.text().strip()
        department = self.department_combo.currentData() or ""
        self._search_generation += 1
        generation = self._search_generation
        uow = self.context.uow
        self.context.runner.run(
            lambda: catalog.search_matters(uow, text, department_code=department),
            on_done=lambda matters: self._on_results(generation, matters, confirm), owner=self)

    def _on_results(self, generation: int, matters: list[Matter], confirm: bool) -> None:
        if generation != self._search_generation:
            return
        self.matters = [m for m in matters if m.active]
        chosen = self.matter.code if self.matter else ""
        self.result_list.blockSignals(True)
        self.result_list.clear()
        for matter in self.matters:
            item = QListWidgetItem(f"{matter.name}")
            item.setToolTip(f"{matter.code} · {matter.department_name} · {matter.case_type.label}")
            item.setData(Qt.ItemDataRole.UserRole, matter.code)
            self.result_list.addItem(item)
        self.result_list.blockSignals(False)
        codes = [m.code for m in self.matters]
        if chosen in codes:
            self.result_list.setCurrentRow(codes.index(chosen))
        elif len(self.matters) == 1 or (confirm and self.matters):
            self.result_list.setCurrentRow(0)
        if confirm:
            self._confirm_current()

    def _on_result_list_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.matters):
            self.set_matter(self.matters[row])

    def _on_result_list_item_activated(self, _item: QListWidgetItem) -> None:
        self._confirm_current()

    def set_matter(self, matter: Matter | None) -> None:
        if matter is not None and matter == self.matter:
            return  # a refreshed result list: keep what the clerk ticked
        self.matter = matter
        if matter is None:
            self.guide_view.clear()
        else:
            self.guide_view.setHtml(matter_guide_html(matter))
        self.matterChosen.emit(matter)

    def reset(self) -> None:
        self.search_edit.clear()
        self.result_list.clearSelection()
        self.set_matter(None)
        self.search()
