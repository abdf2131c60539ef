"""受理登记, part ②: a person's name, ID document and phone (the applicant or the agent),
validated as the clerk types."""

from __future__ import annotations

from PyQt6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QWidget

from app.domain.errors import ValidationError
from app.domain.identity import (
    ID_TYPE_LABELS,
    IdType,
    gender_from_resident_id,
    validate_id,
    validate_phone,
)
from app.ui.feedback import FieldErrors
from app.ui.widgets import field_with_error

PERSON_ID_TYPES = [t for t in IdType if t is not IdType.USCC]
FULL_LENGTH = {IdType.RESIDENT_ID: 18, IdType.HK_MACAO_RESIDENCE: 18, IdType.USCC: 18,
               IdType.HK_MACAO_PERMIT: 9, IdType.TAIWAN_PERMIT: 8}


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
