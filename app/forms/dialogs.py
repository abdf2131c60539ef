"""Small dialogs that collect what an action needs: reasons, opinions, amounts, the notice.

A dialog never calls a service itself. It checks that required fields are filled and
emits ``submitted(values)``; the page runs the use case and either closes the dialog
(:meth:`FormDialog.accept`) or shows the refusal by its field
(:meth:`FormDialog.show_error`), so nothing typed is lost when saving fails.
Dialogs are opened with ``open()``, never ``exec()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from PyQt6.QtCore import QDate, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.catalog import Matter
from app.domain.errors import DomainError
from app.services.context import utc_now
from app.ui.feedback import FieldErrors, MessageBar
from app.ui.widgets import add_field, china_time_zone, from_qdatetime, set_kind, to_qdatetime


@dataclass
class FieldSpec:
    """One input of a :class:`FormDialog`."""

    name: str
    label: str
    # line | text | password | combo | check | spin | date | optional_date | datetime
    # (a datetime is typed in China time and read back as an aware UTC datetime)
    kind: str = "line"
    required: bool = False
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    default: Any = None
    object_name: str = ""
    placeholder: str = ""
    minimum: int = 0
    maximum: int = 999999
    # A line's longest text (app/domain/limits.py); 0: Qt's own limit.
    max_length: int = 0


class FormDialog(QDialog):
    """A titled form of :class:`FieldSpec` inputs with a submit and a cancel button."""

    submitted = pyqtSignal(dict)

    def __init__(self, title: str, fields: list[FieldSpec], *, intro: str = "",
                 submit_text: str = "确定", danger: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.errors = FieldErrors()
        self.inputs: dict[str, QWidget] = {}
        self._specs = fields
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        if intro:
            label = QLabel(intro, self)
            label.setWordWrap(True)
            label.setProperty("role", "subtle")
            layout.addWidget(label)
        self.message_bar = MessageBar(self)
        layout.addWidget(self.message_bar)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for spec in fields:
            widget = self._make_input(spec)
            widget.setObjectName(spec.object_name or f"{spec.name}Input")
            self.inputs[spec.name] = widget
            add_field(form, spec.label, widget, self.errors, spec.name, required=spec.required)
        layout.addLayout(form)
        buttons = QDialogButtonBox(self)
        submit = buttons.addButton(submit_text, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        assert submit is not None and cancel is not None
        self.submit_button: QPushButton = submit
        self.cancel_button: QPushButton = cancel
        submit.setObjectName("dialogSubmitButton")
        set_kind(submit, "danger" if danger else "primary")
        submit.setDefault(True)
        layout.addWidget(buttons)
        self._connect_signals()
        if fields:
            self.inputs[fields[0].name].setFocus()

    def _connect_signals(self) -> None:
        self.submit_button.clicked.connect(self._on_submit_button_clicked)
        self.cancel_button.clicked.connect(self.reject)

    def _make_input(self, spec: FieldSpec) -> QWidget:
        if spec.kind == "text":
            text = QPlainTextEdit(self)
            text.setTabChangesFocus(True)
            text.setPlaceholderText(spec.placeholder)
            text.setFixedHeight(84)
            if spec.default:
                text.setPlainText(str(spec.default))
            return text
        if spec.kind == "combo":
            combo = QComboBox(self)
            for value, label in spec.options:
                combo.addItem(label, value)
            if spec.default is not None:
                index = combo.findData(spec.default)
                combo.setCurrentIndex(max(index, 0))
            return combo
        if spec.kind == "check":
            check = QCheckBox(spec.placeholder, self)
            check.setChecked(bool(spec.default))
            return check
        if spec.kind in ("date", "optional_date"):
            edit = QDateEdit(self)
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            if spec.kind == "optional_date":
                # The earliest date reads as "none" (e.g. a seal valid without end).
                edit.setMinimumDate(QDate(2000, 1, 1))
                edit.setSpecialValueText(spec.placeholder or "—")
            value = spec.default
            edit.setDate(QDate(value.year, value.month, value.day) if value
                         else (edit.minimumDate() if spec.kind == "optional_date"
                               else QDate.currentDate()))
            return edit
        if spec.kind == "datetime":
            moment = spec.default if isinstance(spec.default, datetime) else utc_now()
            stamp = QDateTimeEdit(self)
            stamp.setCalendarPopup(True)
            stamp.setTimeZone(china_time_zone())
            stamp.setDisplayFormat("yyyy-MM-dd HH:mm")
            stamp.setDateTime(to_qdatetime(moment))
            return stamp
        if spec.kind == "spin":
            spin = QSpinBox(self)
            spin.setRange(spec.minimum, spec.maximum)
            spin.setValue(int(spec.default or spec.minimum))
            return spin
        line = QLineEdit(self)
        line.setPlaceholderText(spec.placeholder)
        if spec.max_length:
            line.setMaxLength(spec.max_length)
        if spec.kind == "password":
            line.setEchoMode(QLineEdit.EchoMode.Password)
        if spec.default:
            line.setText(str(spec.default))
        return line

    def values(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for spec in self._specs:
            widget = self.inputs[spec.name]
            if isinstance(widget, QPlainTextEdit):
                result[spec.name] = widget.toPlainText().strip()
            elif isinstance(widget, QComboBox):
                result[spec.name] = widget.currentData()
            elif isinstance(widget, QCheckBox):
                result[spec.name] = widget.isChecked()
            elif isinstance(widget, QSpinBox):
                result[spec.name] = widget.value()
            elif isinstance(widget, QDateTimeEdit) and spec.kind == "datetime":
                result[spec.name] = from_qdatetime(widget.dateTime())
            elif isinstance(widget, QDateEdit):
                empty = spec.kind == "optional_date" and widget.date() == widget.minimumDate()
                result[spec.name] = None if empty else widget.date().toPyDate()
            elif isinstance(widget, QLineEdit):
                result[spec.name] = widget.text() if spec.kind == "password" \
                    else widget.text().strip()
        return result

    def set_value(self, name: str, value: Any) -> None:
        widget = self.inputs[name]
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(str(value))
        elif isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(widget.findData(value), 0))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QSpinBox):
            widget.setValue(int(value))
        elif isinstance(widget, QDateTimeEdit) and not isinstance(widget, QDateEdit) \
                and isinstance(value, datetime):
            widget.setDateTime(to_qdatetime(value))
        elif isinstance(widget, QLineEdit):
            widget.setText(str(value))

    def _on_submit_button_clicked(self) -> None:
        self.errors.clear()
        self.message_bar.hide()
        values = self.values()
        missing = [s for s in self._specs
                   if s.required and s.kind in ("line", "text", "password")
                   and not values[s.name]]
        for spec in missing:
            self.errors.set_error(spec.name, self.tr("请填写{0}。").format(spec.label))
        if missing:
            self.inputs[missing[0].name].setFocus()
            return
        problems = self.check(values)
        for name, message in problems.items():
            self.errors.set_error(name, message)
        if problems:
            self.inputs[next(iter(problems))].setFocus()
            return
        self.submit_button.setEnabled(False)
        self.submitted.emit(values)

    def check(self, values: dict[str, Any]) -> dict[str, str]:
        """What only the form can tell before submitting (e.g. two entries differ):
        field name → message. The use case checks everything else."""
        return {}

    def show_error(self, error: BaseException) -> None:
        """The use case refused: show why, keep every input, let the user fix it."""
        self.submit_button.setEnabled(True)
        if isinstance(error, DomainError):
            self.errors.show_domain_error(error, self.message_bar)
        else:
            self.message_bar.show_error(error)

    def finish(self) -> None:
        self.submit_button.setEnabled(True)
        self.accept()


class NoticeDialog(QDialog):
    """The one-time notice: every missing or defective material, pre-filled, on one page.

    ``materials`` are the case's rows (code, name, form, copies, received, required,
    needed); the rows not received come ticked, and each can carry a note on what is
    wrong or needed.
    """

    submitted = pyqtSignal(list)

    def __init__(self, materials: list[dict[str, Any]], *, applicant: str = "",
                 supplement_working_days: int = 10, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeDialog")
        self.setWindowTitle(self.tr("一次性告知（补正材料通知）"))
        self.setMinimumSize(620, 420)
        self._materials = materials
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        intro = QLabel(self.tr(
            "请一次性列明申请人{0}需要补正的全部材料。已勾选的是尚未收到的材料，"
            "可补充说明缺少或不符合要求之处。").format(f"“{applicant}”" if applicant else ""),
            self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.message_bar = MessageBar(self)
        layout.addWidget(self.message_bar)
        area = QScrollArea(self)
        area.setWidgetResizable(True)
        inner = QWidget(area)
        grid = QGridLayout(inner)
        grid.setColumnStretch(1, 1)
        grid.addWidget(QLabel(self.tr("<b>需补正的材料</b>")), 0, 0)
        grid.addWidget(QLabel(self.tr("<b>问题及要求</b>")), 0, 1)
        self.checks: list[QCheckBox] = []
        self.notes: list[QLineEdit] = []
        for row, material in enumerate(materials, start=1):
            check = QCheckBox(str(material["name"]), inner)
            check.setObjectName(f"noticeCheck{row - 1}")
            check.setChecked(not material.get("received"))
            note = QLineEdit(inner)
            note.setObjectName(f"noticeNote{row - 1}")
            note.setText(str(material.get("needed") or ""))
            note.setPlaceholderText(self.tr("如：未提交；复印件不清晰；需加盖公章"))
            grid.addWidget(check, row, 0)
            grid.addWidget(note, row, 1)
            self.checks.append(check)
            self.notes.append(note)
        grid.setRowStretch(len(materials) + 1, 1)
        area.setWidget(inner)
        layout.addWidget(area)
        # The notice states its 补正期限 and is sealed with the window's 受理专用章 now.
        form = QFormLayout()
        self.days_spin = QSpinBox(self)
        self.days_spin.setObjectName("noticeDaysSpin")
        self.days_spin.setRange(1, 60)
        self.days_spin.setValue(supplement_working_days)
        self.days_spin.setSuffix(self.tr(" 个工作日"))
        form.addRow(self.tr("补正期限"), self.days_spin)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("noticePasswordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText(self.tr("当场加盖本窗口受理专用章，请输入本人登录密码"))
        form.addRow(self.tr("本人登录密码"), self.password_edit)
        layout.addLayout(form)
        buttons = QDialogButtonBox(self)
        submit = buttons.addButton(self.tr("盖章出具一次性告知书"),
                                   QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        assert submit is not None and cancel is not None
        self.submit_button: QPushButton = submit
        self.cancel_button: QPushButton = cancel
        submit.setObjectName("noticeSubmitButton")
        set_kind(submit, "primary")
        layout.addWidget(buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.submit_button.clicked.connect(self._on_submit_button_clicked)
        self.cancel_button.clicked.connect(self.reject)

    def missing_rows(self) -> list[dict[str, Any]]:
        rows = []
        for material, check, note in zip(self._materials, self.checks, self.notes, strict=True):
            if not check.isChecked():
                continue
            received = bool(material.get("received"))
            rows.append({
                "code": material.get("code", ""), "name": material["name"],
                "form": material.get("form", "original"),
                "copies": int(material.get("copies", 1)),
                "problem": "不符合要求" if received else "未提交",
                "needed": note.text().strip() or f"{material.get('copies', 1)}份",
            })
        return rows

    def values(self) -> dict[str, Any]:
        """What the use case takes besides the rows: the 补正期限 and the password."""
        return {"supplement_working_days": self.days_spin.value(),
                "password": self.password_edit.text()}

    def _on_submit_button_clicked(self) -> None:
        rows = self.missing_rows()
        if not rows:
            self.message_bar.error(self.tr("请至少勾选一项需要补正的材料。"))
            return
        if not self.password_edit.text():
            self.message_bar.error(self.tr("请输入本人登录密码，确认当场加盖受理专用章。"))
            self.password_edit.setFocus()
            return
        self.submit_button.setEnabled(False)
        self.submitted.emit(rows)

    def show_error(self, error: BaseException) -> None:
        self.submit_button.setEnabled(True)
        self.message_bar.show_error(error)

    def finish(self) -> None:
        self.submit_button.setEnabled(True)
        self.accept()


def rejection_grounds(matter: Matter | None) -> list[tuple[str, str]]:
    """The grounds a rejection may name (行政许可法 第三十二条第一款 for a 行政许可)."""
    if matter is None or matter.matter_type.is_licensing:
        return [
            ("outside_powers", "依法不属于本机关职权范围（第三十二条第一款第（二）项）"),
            ("not_licensable", "依法不需要取得行政许可（第三十二条第一款第（一）项）"),
            ("other", "其他法定情形（须填写所依据的法律条款）"),
        ]
    return [
        ("outside_powers", "不属于本机关职责范围（须告知应向哪个机关申请）"),
        ("other", "其他情形（须填写所依据的规定）"),
    ]


def reject_fields(matter: Matter | None = None) -> list[FieldSpec]:
    """What a rejection at intake (不予受理) asks for: its ground, reasons and basis."""
    licensing = matter is None or matter.matter_type.is_licensing
    return [
        FieldSpec("ground", "不予受理情形", "combo", required=True,
                  options=rejection_grounds(matter), object_name="rejectGroundCombo"),
        FieldSpec("reasons", "不予受理理由", "text", required=True,
                  object_name="rejectReasonsEdit",
                  placeholder="如：申请事项依法不属于本机关职权范围"),
        FieldSpec("legal_basis", "法律依据", object_name="rejectLegalBasisEdit",
                  placeholder="“其他情形”时必填，如：《食品经营许可和备案管理办法》第十六条"
                  if licensing else "“其他情形”时必填：本事项自身的依据"),
        FieldSpec("redirect_authority", "应向哪个机关申请", object_name="rejectRedirectEdit",
                  placeholder="不属于本机关职权时必填"),
        counter_password_field("rejectPasswordEdit"),
    ]


def counter_password_field(object_name: str = "counterPasswordEdit",
                           required: bool = True) -> FieldSpec:
    """The password that confirms sealing a notice at the counter, there and then."""
    return FieldSpec("password", "本人登录密码", "password", required=required,
                     object_name=object_name,
                     placeholder="当场盖章出具文书，请输入本人登录密码确认用印")


def ask_to_confirm(parent: QWidget, title: str, summary: str, act_text: str,
                   then: Any) -> QMessageBox:
    """Before an act that cannot be taken back (核准, 用印): say what it will record and
    call ``then()`` only on the act's button. The act is the default button, so Enter
    goes on once the summary has been read; Esc goes back. Opened, never exec'd."""
    box = QMessageBox(QMessageBox.Icon.Question, title, summary, parent=parent)
    box.setObjectName("confirmActBox")
    box.setInformativeText(parent.tr("此操作记入审计记录，完成后不能撤回。"))
    act = box.addButton(act_text, QMessageBox.ButtonRole.AcceptRole)
    back = box.addButton(parent.tr("返回核对"), QMessageBox.ButtonRole.RejectRole)
    assert act is not None and back is not None
    act.setObjectName("confirmActButton")
    back.setObjectName("confirmBackButton")
    box.setDefaultButton(act)
    box.setEscapeButton(back)
    act.clicked.connect(then)
    box.open()
    return box
