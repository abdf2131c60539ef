"""受理登记: find the matter, register the applicant and the materials, decide at intake.

Left, the catalog search (name, code or pinyin initials) and the matter's guide; right,
the applicant (natural or legal person, optional agent) validated as the clerk types,
and the materials checklist built from the matter. Three outcomes, one button each:
accept (受理), one-time notice of the missing materials (一次性告知), reject (不予受理).
Each registers the case and records the outcome in the background, then shows the
document it issued. When saving fails nothing typed is lost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QEvent, QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.case import Case, check_rejection
from app.domain.catalog import Department, MaterialForm, Matter
from app.domain.errors import DomainError, ValidationError
from app.domain.identity import (
    ID_TYPE_LABELS,
    IdType,
    gender_from_resident_id,
    validate_id,
    validate_phone,
)
from app.domain.roles import Action
from app.forms.case_actions import counter_seal
from app.forms.dialogs import FormDialog, NoticeDialog, counter_password_field, reject_fields
from app.services import cases, catalog
from app.ui.context import AppContext, optional_service
from app.ui.documents import DocumentPreviewDialog, PreviewItem
from app.ui.feedback import FieldErrors
from app.ui.guide import matter_guide_html
from app.ui.page import Page
from app.ui.widgets import EnterMovesFocus, field_with_error, set_kind

PERSON_ID_TYPES = [t for t in IdType if t is not IdType.USCC]
FULL_LENGTH = {IdType.RESIDENT_ID: 18, IdType.HK_MACAO_RESIDENCE: 18, IdType.USCC: 18,
               IdType.HK_MACAO_PERMIT: 9, IdType.TAIWAN_PERMIT: 8}
SEARCH_DELAY_MS = 180


@dataclass
class Outcome:
    """What the background registration produced, for the page to report."""

    action: str  # accept | notice | reject
    case: Case | None = None
    error: BaseException | None = None  # the outcome failed after the case was registered
    documents: list[PreviewItem] = field(default_factory=list)
    document_error: str = ""


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


class MaterialRow(QObject):
    """One material of the checklist: received?, original or copy, copies, attachments.

    Its widgets live in the checklist's grid (``host``); this object holds them together.
    """

    changed = pyqtSignal()

    def __init__(self, index: int, material: Any, host: QWidget) -> None:
        super().__init__(host)
        self.material = material
        self.attachments: list[dict[str, Any]] = []
        label = material.name + ("" if material.required else self.tr("（视情形）"))
        self.received_check = QCheckBox(label, host)
        self.received_check.setObjectName(f"materialReceived{index}")
        tip = material.description or ""
        if material.condition:
            tip = (tip + "\n" if tip else "") + self.tr("适用情形：") + material.condition
        self.received_check.setToolTip(tip)
        self.form_combo = QComboBox(host)
        self.form_combo.setObjectName(f"materialForm{index}")
        for form in MaterialForm:
            self.form_combo.addItem(form.label, form.value)
        self.form_combo.setCurrentIndex(self.form_combo.findData(material.form.value))
        self.copies_spin = QSpinBox(host)
        self.copies_spin.setObjectName(f"materialCopies{index}")
        self.copies_spin.setRange(0, 99)
        self.copies_spin.setValue(material.copies)
        self.copies_spin.setSuffix(self.tr(" 份"))
        self.attach_button = QPushButton(self.tr("附件…"), host)
        self.attach_button.setObjectName(f"materialAttach{index}")
        self.attach_button.setToolTip(self.tr("选择扫描件或照片，也可以把文件拖到这一行"))
        self.attachments_label = QLabel(host)
        self.attachments_label.setProperty("role", "subtle")
        self.attachments_label.setMinimumWidth(60)

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.received_check, self.form_combo, self.copies_spin, self.attach_button,
                self.attachments_label)

    def add_attachment(self, info: dict[str, Any]) -> None:
        if any(a["sha256"] == info["sha256"] for a in self.attachments):
            return
        self.attachments.append(info)
        self._update_label()
        if not self.received_check.isChecked():
            self.received_check.setChecked(True)
        self.changed.emit()

    def clear_attachments(self) -> None:
        self.attachments = []
        self._update_label()

    def _update_label(self) -> None:
        count = len(self.attachments)
        self.attachments_label.setText(self.tr("{0} 个文件").format(count) if count else "")
        self.attachments_label.setToolTip("\n".join(a["name"] for a in self.attachments))

    def row_payload(self) -> dict[str, Any]:
        return {
            "code": self.material.code,
            "name": self.material.name,
            "form": self.form_combo.currentData(),
            "copies": self.copies_spin.value(),
            "received": self.received_check.isChecked(),
            "required": self.material.required,
            "needed": self.material.description or "",
            "attachments": list(self.attachments),
        }


def file_fingerprint(path: str) -> dict[str, Any]:
    """Name, size and SHA-256 of a scanned file (read in the background)."""
    digest = hashlib.sha256()
    file_path = Path(path)
    with file_path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"name": file_path.name, "path": str(file_path), "size": file_path.stat().st_size,
            "sha256": digest.hexdigest()}


class MaterialsChecklist(QGroupBox):
    """The matter's materials as rows; scans are attached by picker or drag and drop."""

    attachRequested = pyqtSignal(int, list)  # row index, file paths

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_tr("MaterialsChecklist", "③ 申请材料"), parent)
        self.setObjectName("materialsBox")
        self.setAcceptDrops(True)
        self.rows: list[MaterialRow] = []
        self._headers: list[QLabel] = []
        self._grid = QGridLayout(self)
        self._grid.setColumnStretch(0, 1)
        self._grid.setHorizontalSpacing(10)
        self._empty = QLabel(self.tr("请先选择事项，材料清单将按办事指南列出。"), self)
        self._empty.setProperty("role", "subtle")
        self._grid.addWidget(self._empty, 0, 0, 1, 5)

    def set_matter(self, matter: Matter | None) -> None:
        for row in self.rows:
            for widget in row.widgets():
                self._grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
            row.deleteLater()
        for header in self._headers:
            self._grid.removeWidget(header)
            header.deleteLater()
        self._headers = []
        self.rows = []
        if matter is None or not matter.materials:
            self._empty.setText(self.tr("请先选择事项，材料清单将按办事指南列出。")
                                if matter is None else self.tr("本事项无需提交材料。"))
            self._empty.show()
            return
        self._empty.hide()
        headers = [self.tr("已收取"), self.tr("形式"), self.tr("份数"), "", ""]
        for column, text in enumerate(headers):
            if text:
                header = QLabel(f"<b>{text}</b>", self)
                self._headers.append(header)
                self._grid.addWidget(header, 0, column)
        for index, material in enumerate(matter.materials):
            row = MaterialRow(index, material, self)
            self.rows.append(row)
            for column, widget in enumerate(row.widgets()):
                widget.setAcceptDrops(True)
                widget.setProperty("materialRow", index)
                widget.installEventFilter(self)
                self._grid.addWidget(widget, index + 1, column)
                widget.show()
            row.attach_button.clicked.connect(
                lambda _checked=False, i=index: self._on_attach_clicked(i))

    def _on_attach_clicked(self, index: int) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("选择材料扫描件或照片"), "",
            self.tr("扫描件和照片 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.bmp);;所有文件 (*)"))
        if paths:
            self.attachRequested.emit(index, paths)

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        if event is None or watched is None:
            return False
        if event.type() == QEvent.Type.DragEnter:
            assert isinstance(event, QDragEnterEvent)
            if event.mimeData() and event.mimeData().hasUrls():  # type: ignore[union-attr]
                event.acceptProposedAction()
                return True
        if event.type() == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            index = watched.property("materialRow")
            mime = event.mimeData()
            if index is not None and mime is not None and mime.hasUrls():
                paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
                if paths:
                    self.attachRequested.emit(int(index), paths)
                event.acceptProposedAction()
                return True
        return False

    def dragEnterEvent(self, event: QDragEnterEvent | None) -> None:  # noqa: N802
        if event is not None and event.mimeData() and event.mimeData().hasUrls():  # type: ignore[union-attr]
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent | None) -> None:  # noqa: N802
        # Dropped on the box, not on a row: the first material not yet received.
        if event is None or not self.rows:
            return
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        target = next((i for i, r in enumerate(self.rows) if not r.received_check.isChecked()), 0)
        if paths:
            self.attachRequested.emit(target, paths)
        event.acceptProposedAction()

    def payload(self) -> list[dict[str, Any]]:
        return [row.row_payload() for row in self.rows]

    def missing_required(self) -> list[str]:
        return [row.material.name for row in self.rows
                if row.material.required and not row.received_check.isChecked()]

    def focus_widgets(self) -> list[QWidget]:
        return [row.received_check for row in self.rows]

    def tab_chain(self) -> list[QWidget]:
        return [w for row in self.rows for w in row.widgets()[:4]]


class PersonFields:
    """Name, ID document and phone of a person (the applicant or the agent), validated as typed."""

    def __init__(self, owner: QWidget, form: QFormLayout, errors: FieldErrors, *, prefix: str,
                 object_prefix: str, id_types: list[IdType]) -> None:
        self.prefix = prefix
        self.errors = errors
        self.name_edit = QLineEdit(owner)
        self.name_edit.setObjectName(f"{object_prefix}NameEdit")
        self.id_type_combo = QComboBox(owner)
        self.id_type_combo.setObjectName(f"{object_prefix}IdTypeCombo")
        self.set_id_types(id_types)
        self.id_edit = QLineEdit(owner)
        self.id_edit.setObjectName(f"{object_prefix}IdEdit")
        self.id_edit.setMaxLength(30)
        self.id_hint = QLabel(owner)
        self.id_hint.setObjectName(f"{object_prefix}IdHint")
        self.id_hint.setProperty("role", "fieldOk")
        self.phone_edit = QLineEdit(owner)
        self.phone_edit.setObjectName(f"{object_prefix}PhoneEdit")
        self.phone_edit.setPlaceholderText(owner.tr("手机号码或带区号的固定电话"))
        self.name_caption = self._add(form, owner.tr("姓名"), self.name_edit, "name")
        self._add(form, owner.tr("证件类型"), self.id_type_combo, "id_type")
        id_row = QWidget(owner)
        id_layout = QHBoxLayout(id_row)
        id_layout.setContentsMargins(0, 0, 0, 0)
        id_layout.addWidget(self.id_edit, 1)
        id_layout.addWidget(self.id_hint)
        box, error = field_with_error(id_row)
        errors.add(f"{prefix}id_number", self.id_edit, error)
        self.id_caption = QLabel(owner.tr("证件号码") + "<span style='color:#c0392b'> *</span>")
        self.id_caption.setBuddy(self.id_edit)
        form.addRow(self.id_caption, box)
        self._add(form, owner.tr("联系电话"), self.phone_edit, "phone")
        self.id_edit.textEdited.connect(self._on_id_edit_text_edited)
        self.id_edit.editingFinished.connect(self._on_id_edit_editing_finished)
        self.id_type_combo.currentIndexChanged.connect(self._on_id_type_combo_changed)
        self.phone_edit.textEdited.connect(self._on_phone_edit_text_edited)
        self.phone_edit.editingFinished.connect(self._on_phone_edit_editing_finished)
        self.name_edit.textEdited.connect(lambda _t: self.errors.clear(f"{prefix}name"))

    def _add(self, form: QFormLayout, label: str, widget: QWidget, name: str) -> QLabel:
        box, error = field_with_error(widget)
        self.errors.add(f"{self.prefix}{name}", widget, error)
        caption = QLabel(label + "<span style='color:#c0392b'> *</span>")
        caption.setBuddy(widget)
        form.addRow(caption, box)
        return caption

    def set_id_types(self, id_types: list[IdType]) -> None:
        self.id_type_combo.blockSignals(True)
        self.id_type_combo.clear()
        for id_type in id_types:
            self.id_type_combo.addItem(ID_TYPE_LABELS[id_type], id_type.value)
        self.id_type_combo.blockSignals(False)

    @property
    def id_type(self) -> IdType:
        return IdType(self.id_type_combo.currentData())

    def widgets(self) -> list[QWidget]:
        return [self.name_edit, self.id_type_combo, self.id_edit, self.phone_edit]

    # --- inline validation -------------------------------------------------------------

    def check_id(self, *, finished: bool) -> bool:
        """Validate the ID number; while typing, only once it has its full length."""
        field_name = f"{self.prefix}id_number"
        text = "".join(self.id_edit.text().split())
        self.id_hint.clear()
        if not text:
            self.errors.clear(field_name)
            return False
        expected = FULL_LENGTH.get(self.id_type)
        if not finished and expected and len(text) < expected:
            self.errors.clear(field_name)
            self.id_hint.setText(f"{len(text)}/{expected}")
            self.id_hint.setProperty("role", "subtle")
            return False
        try:
            number = validate_id(self.id_type, text, field=field_name)
        except ValidationError as error:
            self.errors.set_error(field_name, error.message)
            return False
        self.errors.clear(field_name)
        hint = "✓"
        if self.id_type is IdType.RESIDENT_ID:
            hint += f" {gender_from_resident_id(number)} {number[6:10]}-{number[10:12]}-{number[12:14]}"
        self.id_hint.setText(hint)
        self.id_hint.setProperty("role", "fieldOk")
        return True

    def check_phone(self, *, finished: bool) -> bool:
        field_name = f"{self.prefix}phone"
        text = self.phone_edit.text().strip()
        if not text:
            self.errors.clear(field_name)
            return False
        digits = "".join(c for c in text if c.isdigit())
        if not finished and len(digits) < 11:
            self.errors.clear(field_name)
            return False
        try:
            validate_phone(text, field=field_name)
        except ValidationError as error:
            self.errors.set_error(field_name, error.message)
            return False
        self.errors.clear(field_name)
        return True

    def _on_id_edit_text_edited(self, _text: str) -> None:
        self.check_id(finished=False)

    def _on_id_edit_editing_finished(self) -> None:
        self.check_id(finished=True)

    def _on_id_type_combo_changed(self, _index: int) -> None:
        self.errors.clear(f"{self.prefix}id_type")
        if self.id_edit.text().strip():
            self.check_id(finished=True)

    def _on_phone_edit_text_edited(self, _text: str) -> None:
        self.check_phone(finished=False)

    def _on_phone_edit_editing_finished(self) -> None:
        self.check_phone(finished=True)

    def check_all(self, owner_label: str) -> list[str]:
        """Every problem of these fields, marked by each field; [] when all are valid."""
        problems = []
        name = " ".join(self.name_edit.text().split())
        if not name:
            self.errors.set_error(f"{self.prefix}name", f"请填写{owner_label}姓名或名称。")
            problems.append(f"{self.prefix}name")
        if not self.id_edit.text().strip():
            self.errors.set_error(f"{self.prefix}id_number", f"请填写{owner_label}证件号码。")
            problems.append(f"{self.prefix}id_number")
        elif not self.check_id(finished=True):
            problems.append(f"{self.prefix}id_number")
        if not self.phone_edit.text().strip():
            self.errors.set_error(f"{self.prefix}phone", f"请填写{owner_label}联系电话。")
            problems.append(f"{self.prefix}phone")
        elif not self.check_phone(finished=True):
            problems.append(f"{self.prefix}phone")
        return problems

    def values(self) -> dict[str, str]:
        return {
            "name": " ".join(self.name_edit.text().split()),
            "id_type": self.id_type.value,
            "id_number": "".join(self.id_edit.text().split()),
            "phone": self.phone_edit.text().strip(),
        }

    def clear(self) -> None:
        self.name_edit.clear()
        self.id_edit.clear()
        self.phone_edit.clear()
        self.id_hint.clear()
        self.id_type_combo.setCurrentIndex(0)


class RegistrationPage(Page):
    """受理登记."""

    registered = pyqtSignal(object)  # Outcome

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("RegistrationPage", "受理登记"), parent)
        self.setObjectName("registrationPage")
        self.errors = FieldErrors()
        self._busy = False
        self.last_outcome: Outcome | None = None
        self.notice_dialog: NoticeDialog | None = None
        self.reject_dialog: FormDialog | None = None
        self.accept_dialog: FormDialog | None = None
        self.preview_dialog: DocumentPreviewDialog | None = None

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        self.picker = MatterPicker(context, splitter)
        self.picker.setMinimumWidth(300)
        splitter.addWidget(self.picker)

        scroll = QScrollArea(splitter)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget(scroll)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(6, 0, 6, 0)
        self.matter_label = QLabel(self.tr("尚未选择事项"), body)
        self.matter_label.setObjectName("chosenMatterLabel")
        self.matter_label.setProperty("role", "banner")
        body_layout.addWidget(self.matter_label)
        self.errors.add("matter", self.picker.search_edit, QLabel(body))
        body_layout.addWidget(self.errors.label("matter"))  # type: ignore[arg-type]

        applicant_box = QGroupBox(self.tr("② 申请人"), body)
        applicant_layout = QVBoxLayout(applicant_box)
        kind_row = QHBoxLayout()
        self.natural_radio = QRadioButton(self.tr("自然人"), applicant_box)
        self.natural_radio.setObjectName("naturalRadio")
        self.legal_radio = QRadioButton(self.tr("法人或其他组织"), applicant_box)
        self.legal_radio.setObjectName("legalRadio")
        self.natural_radio.setChecked(True)
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.natural_radio)
        self.kind_group.addButton(self.legal_radio)
        kind_row.addWidget(self.natural_radio)
        kind_row.addWidget(self.legal_radio)
        kind_row.addStretch(1)
        applicant_layout.addLayout(kind_row)
        applicant_form = QFormLayout()
        applicant_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.applicant = PersonFields(applicant_box, applicant_form, self.errors, prefix="",
                                      object_prefix="applicant", id_types=PERSON_ID_TYPES)
        self.address_edit = QLineEdit(applicant_box)
        self.address_edit.setObjectName("applicantAddressEdit")
        box, error = field_with_error(self.address_edit)
        self.errors.add("address", self.address_edit, error)
        applicant_form.addRow(self.tr("地址"), box)
        self.representative_edit = QLineEdit(applicant_box)
        self.representative_edit.setObjectName("legalRepresentativeEdit")
        box, error = field_with_error(self.representative_edit)
        self.errors.add("legal_representative", self.representative_edit, error)
        self.representative_caption = QLabel(self.tr("法定代表人"))
        applicant_form.addRow(self.representative_caption, box)
        self._representative_box = box
        applicant_layout.addLayout(applicant_form)
        body_layout.addWidget(applicant_box)

        self.agent_check = QCheckBox(self.tr("由代理人（代办人）办理"), body)
        self.agent_check.setObjectName("agentCheck")
        body_layout.addWidget(self.agent_check)
        self.agent_box = QGroupBox(self.tr("代理人"), body)
        agent_form = QFormLayout(self.agent_box)
        agent_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.agent = PersonFields(self.agent_box, agent_form, self.errors, prefix="agent_",
                                  object_prefix="agent", id_types=PERSON_ID_TYPES)
        self.agent_box.hide()
        body_layout.addWidget(self.agent_box)

        self.materials = MaterialsChecklist(body)
        self.errors.add("materials", self.materials, QLabel(body))
        body_layout.addWidget(self.materials)
        body_layout.addWidget(self.errors.label("materials"))  # type: ignore[arg-type]

        options = QHBoxLayout()
        self.green_check = QCheckBox(self.tr("绿色通道（特办件）"), body)
        self.green_check.setObjectName("greenChannelCheck")
        options.addWidget(self.green_check)
        options.addStretch(1)
        self.responder_label = QLabel(
            self.tr("首问负责人：{0}（{1}）").format(
                context.user.display_name, context.user.window_name or self.tr("未设窗口")), body)
        self.responder_label.setObjectName("firstResponderLabel")
        self.responder_label.setProperty("role", "subtle")
        options.addWidget(self.responder_label)
        body_layout.addLayout(options)
        body_layout.addStretch(1)
        scroll.setWidget(body)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 5)
        splitter.setSizes([360, 800])
        self.root_layout.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        self.clear_button = QPushButton(self.tr("清空(&C)"), self)
        self.clear_button.setObjectName("clearButton")
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        self.reject_button = QPushButton(self.tr("不予受理(&R)…"), self)
        self.reject_button.setObjectName("rejectButton")
        set_kind(self.reject_button, "danger")
        self.notice_button = QPushButton(self.tr("一次性告知(&N)…"), self)
        self.notice_button.setObjectName("noticeButton")
        set_kind(self.notice_button, "warning")
        self.accept_button = QPushButton(self.tr("受理(&A)"), self)
        self.accept_button.setObjectName("acceptButton")
        set_kind(self.accept_button, "primary")
        self.accept_button.setToolTip(self.tr("材料齐全、符合法定形式：受理并出具凭证（Ctrl+Enter）"))
        for button in (self.reject_button, self.notice_button, self.accept_button):
            button.setMinimumWidth(130)
            buttons.addWidget(button)
        self.root_layout.addLayout(buttons)

        for button, action in ((self.accept_button, Action.ACCEPT),
                               (self.notice_button, Action.ISSUE_NOTICE),
                               (self.reject_button, Action.REJECT)):
            button.setVisible(context.can(action))
        self._accept_shortcut = QShortcut(QKeySequence("Ctrl+Return"), self)
        self._accept_shortcut_enter = QShortcut(QKeySequence("Ctrl+Enter"), self)
        self._search_shortcut = QShortcut(QKeySequence("F3"), self)
        self._enter: EnterMovesFocus | None = None
        self._update_kind()
        self._connect_signals()
        self._rebuild_enter_chain()

    def _connect_signals(self) -> None:
        self.picker.matterChosen.connect(self._on_picker_matter_chosen)
        self.picker.confirmed.connect(self._on_picker_confirmed)
        self.natural_radio.toggled.connect(self._on_natural_radio_toggled)
        self.agent_check.toggled.connect(self._on_agent_check_toggled)
        self.materials.attachRequested.connect(self._on_materials_attach_requested)
        self.accept_button.clicked.connect(self._on_accept_button_clicked)
        self.notice_button.clicked.connect(self._on_notice_button_clicked)
        self.reject_button.clicked.connect(self._on_reject_button_clicked)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        self._accept_shortcut.activated.connect(self._on_accept_button_clicked)
        self._accept_shortcut_enter.activated.connect(self._on_accept_button_clicked)
        self._search_shortcut.activated.connect(self._on_search_shortcut_activated)
        self.message_bar.linkActivated.connect(self._on_message_bar_link_activated)

    def activate(self) -> None:
        if not self.picker.matters:
            self.picker.load_departments()
            self.picker.search()
        if self.picker.matter is None:
            self.picker.search_edit.setFocus()

    # --- form state ---------------------------------------------------------------

    def _update_kind(self) -> None:
        legal = self.legal_radio.isChecked()
        self.applicant.set_id_types([IdType.USCC] if legal else PERSON_ID_TYPES)
        self.applicant.name_caption.setText(
            (self.tr("名称") if legal else self.tr("姓名")) + "<span style='color:#c0392b'> *</span>")
        self.representative_caption.setVisible(legal)
        self._representative_box.setVisible(legal)
        if not legal:
            self.representative_edit.clear()
        self.errors.clear("id_type")
        if self.applicant.id_edit.text().strip():
            self.applicant.check_id(finished=True)
        self._rebuild_enter_chain()

    def _rebuild_enter_chain(self) -> None:
        widgets: list[QWidget] = self.applicant.widgets() + [self.address_edit]
        if self.legal_radio.isChecked():
            widgets.append(self.representative_edit)
        if self.agent_check.isChecked():
            widgets += self.agent.widgets()
        if self._enter is not None:
            for widget in self._enter._widgets:
                widget.removeEventFilter(self._enter)
            self._enter.deleteLater()
        self._enter = EnterMovesFocus(widgets, self._on_enter_chain_end, self)

    def _on_enter_chain_end(self) -> None:
        targets = self.materials.focus_widgets()
        (targets[0] if targets else self.accept_button).setFocus()

    def _on_natural_radio_toggled(self, _checked: bool) -> None:
        self._update_kind()

    def _on_agent_check_toggled(self, checked: bool) -> None:
        self.agent_box.setVisible(checked)
        if checked:
            self.agent.name_edit.setFocus()
        else:
            self.errors.clear()
        self._rebuild_enter_chain()

    def _on_picker_matter_chosen(self, matter: Matter | None) -> None:
        self.errors.clear("matter")
        self.materials.set_matter(matter)
        self._fix_tab_order()
        if matter is None:
            self.matter_label.setText(self.tr("尚未选择事项"))
        else:
            days = (self.tr("即办") if matter.promised_working_days == 0 else
                    self.tr("承诺{0}个工作日").format(matter.promised_working_days))
            self.matter_label.setText(f"{matter.name} · {matter.department_name} · "
                                      f"{matter.case_type.label} · {days}")

    def _fix_tab_order(self) -> None:
        """Materials rows are built after the buttons; put them back in reading order."""
        chain: list[QWidget] = [*self.agent.widgets(), *self.materials.tab_chain(),
                                self.green_check, self.accept_button, self.notice_button,
                                self.reject_button, self.clear_button]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _on_picker_confirmed(self) -> None:
        self.applicant.name_edit.setFocus()

    def _on_search_shortcut_activated(self) -> None:
        self.picker.search_edit.setFocus()
        self.picker.search_edit.selectAll()

    def _on_materials_attach_requested(self, index: int, paths: list[str]) -> None:
        row = self.materials.rows[index] if index < len(self.materials.rows) else None
        if row is None:
            return

        def fingerprints() -> list[dict[str, Any]]:
            return [file_fingerprint(p) for p in paths]

        self.context.runner.run(
            fingerprints,
            on_done=lambda infos: [row.add_attachment(info) for info in infos],
            on_error=lambda error: self.message_bar.error(
                self.tr("无法读取附件：{0}").format(error)),
            label=self.tr("正在读取附件…"), parent=self,
        )

    def applicant_payload(self) -> dict[str, Any]:
        values: dict[str, Any] = dict(self.applicant.values())
        values["kind"] = "legal" if self.legal_radio.isChecked() else "natural"
        values["address"] = self.address_edit.text().strip()
        values["legal_representative"] = (self.representative_edit.text().strip()
                                          if self.legal_radio.isChecked() else "")
        if self.agent_check.isChecked():
            agent = self.agent.values()
            agent["address"] = ""
            values["agent"] = agent
        else:
            values["agent"] = None
        return values

    def check_form(self) -> bool:
        """Mark every problem by its field; True when the form may be submitted."""
        self.errors.clear()
        problems: list[str] = []
        if self.picker.matter is None:
            self.errors.set_error("matter", self.tr("请先在左侧选择申请的事项。"))
            problems.append("matter")
        owner = self.tr("申请人")
        problems += self.applicant.check_all(owner)
        if self.agent_check.isChecked():
            problems += self.agent.check_all(self.tr("代理人"))
        if problems:
            first = self.errors.widget(problems[0])
            if first is not None:
                first.setFocus()
            count = len(problems)
            self.message_bar.error(self.tr("有{0}处需要更正，请按红色提示修改后再提交。").format(count))
            return False
        return True

    # --- outcomes -----------------------------------------------------------------

    def _on_accept_button_clicked(self) -> None:
        if self._busy or not self.accept_button.isVisible():
            return
        if not self.check_form():
            return
        missing = self.materials.missing_required()
        if missing:
            self.errors.set_error("materials", self.tr("尚未收取：{0}。").format("、".join(missing)))
            self.message_bar.error(self.tr(
                "材料不齐全，不能受理：缺少{0}。请点击“一次性告知”一次性告知申请人需补正的全部材料。"
            ).format("、".join(missing)))
            return
        # 第三十二条第二款: the acceptance notice is sealed and dated now, at the counter.
        dialog = FormDialog(self.tr("受理"), [counter_password_field("acceptPasswordEdit")],
                            intro=self.tr("受理后当场加盖本窗口受理专用章出具受理通知书，注明受理"
                                          "日期，交申请人签收。请输入本人登录密码确认用印。"),
                            submit_text=self.tr("受理并盖章"), parent=self)
        dialog.setObjectName("acceptDialog")
        dialog.submitted.connect(self._on_accept_dialog_submitted)
        self.accept_dialog = dialog
        dialog.open()

    def _on_accept_dialog_submitted(self, values: dict[str, Any]) -> None:
        self._submit("accept", password=str(values["password"]))

    def _on_notice_button_clicked(self) -> None:
        if self._busy or not self.check_form():
            return
        rows = self.materials.payload()
        dialog = NoticeDialog(rows, applicant=self.applicant.values()["name"], parent=self)
        dialog.submitted.connect(self._on_notice_dialog_submitted)
        self.notice_dialog = dialog
        dialog.open()

    def _on_notice_dialog_submitted(self, missing: list[dict[str, Any]]) -> None:
        assert self.notice_dialog is not None
        values = self.notice_dialog.values()
        self._submit("notice", missing=missing, password=str(values["password"]),
                     supplement_working_days=int(values["supplement_working_days"]))

    def _on_reject_button_clicked(self) -> None:
        if self._busy or not self.check_form():
            return
        dialog = FormDialog(self.tr("不予受理"), reject_fields(self.picker.matter),
                            intro=self.tr("不予受理通知书将载明理由，并告知申请人依法申请行政复议"
                                          "或提起行政诉讼的权利。"),
                            submit_text=self.tr("不予受理"), danger=True, parent=self)
        dialog.setObjectName("rejectDialog")
        dialog.submitted.connect(self._on_reject_dialog_submitted)
        self.reject_dialog = dialog
        dialog.open()

    def _on_reject_dialog_submitted(self, values: dict[str, Any]) -> None:
        values = dict(values)
        password = str(values.pop("password", ""))
        matter = self.picker.matter
        if matter is not None and self.reject_dialog is not None:
            # Checked before registering: a refused rejection must not leave a case behind.
            try:
                check_rejection(matter, ground=values["ground"],
                                legal_basis=values["legal_basis"],
                                redirect_authority=values["redirect_authority"])
            except DomainError as error:
                self.reject_dialog.show_error(error)
                return
        self._submit("reject", rejection=values, password=password)

    def _submit(self, action: str, *, password: str, missing: list[dict[str, Any]] | None = None,
                rejection: dict[str, Any] | None = None,
                supplement_working_days: int | None = None) -> None:
        matter = self.picker.matter
        assert matter is not None
        uow, user = self.context.uow, self.context.user
        try:
            seal = counter_seal(self.context, {"password": password})
        except DomainError as error:
            self._on_failed(error)
            return
        applicant = self.applicant_payload()
        materials = self.materials.payload()
        green = self.green_check.isChecked()
        documents = optional_service("documents")

        def work() -> Outcome:
            # A wrong password refuses before anything is registered: nothing typed is lost.
            cases.confirm_counter_password(uow, user, password, matter_code=matter.code)
            case = cases.register_case(uow, user, matter_code=matter.code, applicant=applicant,
                                       materials=materials, green_channel=green)
            outcome = Outcome(action, case)
            try:
                if action == "accept":
                    outcome.case = cases.accept(uow, user, case.id, seal=seal)
                elif action == "notice":
                    outcome.case = cases.issue_one_time_notice(
                        uow, user, case.id, missing=missing or [], seal=seal,
                        supplement_working_days=supplement_working_days)
                else:
                    outcome.case = cases.reject(uow, user, case.id, seal=seal,
                                                **(rejection or {}))
            except DomainError as error:
                outcome.error = error
                return outcome
            if documents is not None:
                try:
                    outcome.documents = _issue_documents(documents, uow, user, outcome.case,
                                                         action)
                except Exception as error:  # the decision stands; the print can be redone
                    outcome.document_error = (error.message if isinstance(error, DomainError)
                                              else str(error))
            return outcome

        self._set_busy(True)
        self.context.runner.run(work, on_done=self._on_submitted, on_error=self._on_failed,
                                label=self.tr("正在登记…"), parent=self)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for button in (self.accept_button, self.notice_button, self.reject_button):
            button.setEnabled(not busy)

    def _on_failed(self, error: BaseException) -> None:
        """Nothing was saved: keep every input and show why by the field."""
        self._set_busy(False)
        for dialog in (self.notice_dialog, self.reject_dialog, self.accept_dialog):
            if dialog is not None and dialog.isVisible():
                dialog.show_error(error)
        if isinstance(error, DomainError):
            self.errors.show_domain_error(error, self.message_bar)
        else:
            self.message_bar.show_error(error)

    def _on_submitted(self, outcome: Outcome) -> None:
        self._set_busy(False)
        self.last_outcome = outcome
        case = outcome.case
        assert case is not None
        self.caseChanged.emit(case.id)
        link = f"<a href='case:{case.id}'>{self.tr('打开办件')}</a>"
        if outcome.error is not None:
            # The case exists now: continue on its page, never register it a second time.
            message = outcome.error.message if isinstance(outcome.error, DomainError) \
                else str(outcome.error)
            for dialog in (self.notice_dialog, self.reject_dialog, self.accept_dialog):
                if dialog is not None and dialog.isVisible():
                    dialog.finish()
            self.reset_form()
            self.message_bar.warning(self.tr(
                "已登记收件，编号 {0}，但未能完成：{1} 请在办件页继续办理。{2}").format(
                case.number, message, link))
            self.registered.emit(outcome)
            return
        for dialog in (self.notice_dialog, self.reject_dialog, self.accept_dialog):
            if dialog is not None and dialog.isVisible():
                dialog.finish()
        text = {
            "accept": self.tr("已受理，受理编号 {0}；受理通知书已当场盖章，请交申请人签收。"),
            "notice": self.tr("已盖章出具一次性告知书，编号 {0}；请交申请人签收，补齐材料后在办件中"
                              "登记补正。"),
            "reject": self.tr("已决定不予受理，编号 {0}；不予受理通知书已当场盖章，请交申请人签收。"),
        }[outcome.action].format(case.number)
        if outcome.document_error:
            self.message_bar.warning(text + self.tr(" 文书未能生成：{0}（可在办件页重新打印） {1}")
                                     .format(outcome.document_error, link))
        else:
            self.message_bar.success(text + " " + link)
        self.reset_form()
        if outcome.documents:
            self.preview_dialog = DocumentPreviewDialog(
                outcome.documents, title=self.tr("文书预览 — {0}").format(case.number), parent=self)
            self.preview_dialog.open()
        self.registered.emit(outcome)

    def _on_message_bar_link_activated(self, link: str) -> None:
        if link.startswith("case:"):
            self.openCaseRequested.emit(link.removeprefix("case:"))

    def _on_clear_button_clicked(self) -> None:
        self.reset_form()
        self.message_bar.hide()

    def reset_form(self) -> None:
        """Ready for the next applicant."""
        self.errors.clear()
        self.applicant.clear()
        self.agent.clear()
        self.agent_check.setChecked(False)
        self.natural_radio.setChecked(True)
        self.address_edit.clear()
        self.representative_edit.clear()
        self.green_check.setChecked(False)
        self.picker.reset()
        self.picker.search_edit.setFocus()


def _tr(context: str, text: str) -> str:
    """Text needed before ``super().__init__`` gives ``self.tr`` (still found by Linguist)."""
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate(context, text)


def _issue_documents(documents: Any, uow: Any, user: Any, case: Case,
                     action: str) -> list[PreviewItem]:
    """The documents of an intake outcome (runs in the background)."""
    from app.print_templates import DocumentKind

    items: list[PreviewItem] = []
    if action == "accept":
        receipt = documents.issue_unsealed(uow, user, case.id, DocumentKind.RECEIPT)
        items.append(PreviewItem(receipt.title, receipt.pdf, f"{case.number}-材料接收凭证.pdf"))
    kind = {"accept": DocumentKind.ACCEPTANCE_NOTICE, "notice": DocumentKind.ONE_TIME_NOTICE,
            "reject": DocumentKind.REJECTION_NOTICE}[action]
    sealed = documents.latest_issued(uow, case.id, kind)
    if sealed is not None:
        items.append(PreviewItem(f"{sealed.title}（已盖章）", sealed.pdf,
                                 f"{case.number}-{sealed.title}.pdf"))
    return items
