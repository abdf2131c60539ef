"""受理登记: find the matter, register the applicant and the materials, decide at intake.

Left, the catalog search (name, code or pinyin initials) and the matter's guide; right,
the applicant (natural or legal person, optional agent) validated as the clerk types,
and the materials checklist built from the matter. Three outcomes, one button each:
accept (受理), one-time notice of the missing materials (一次性告知), reject (不予受理).
Each registers the case and records the outcome in the background, then shows the
document it issued. When saving fails nothing typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QKeySequence, QShortcut
from PyQt6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.domain.applicant import same_name
from app.domain.case import SERVICE_MODES, Case, check_rejection
from app.domain.catalog import Matter
from app.domain.errors import DomainError, ValidationError
from app.domain.id_card import IdCard
from app.domain.identity import IdType, validate_id
from app.domain.roles import Action
from app.forms.camera_dialog import DocumentCameraDialog
from app.forms.case_actions import counter_seal
from app.forms.dialogs import (
    FieldSpec,
    FormDialog,
    NoticeDialog,
    counter_password_field,
    reject_fields,
)
from app.forms.id_card_panel import IdCardPanel
from app.forms.materials_checklist import MaterialsChecklist, file_fingerprint
from app.forms.matter_picker import MatterPicker
from app.forms.person_fields import PERSON_ID_TYPES, PersonFields
from app.forms.queue_call import QueueCallBar
from app.services import cases, id_cards
from app.ui.context import AppContext, optional_service
from app.ui.documents import DocumentPreviewDialog, PreviewItem
from app.ui.feedback import FieldErrors, restyle
from app.ui.page import Page
from app.ui.widgets import EnterMovesFocus, field_with_error, set_kind


@dataclass
class Outcome:
    """What the background registration produced, for the page to report."""

    action: str  # accept | notice | reject
    case: Case | None = None
    error: BaseException | None = None  # the outcome failed after the case was registered
    documents: list[PreviewItem] = field(default_factory=list)
    document_error: str = ""


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
        self.identity_dialog: FormDialog | None = None
        self.preview_dialog: DocumentPreviewDialog | None = None
        # The applicant as the station's latest case has them (known by ID number).
        self.known: cases.KnownApplicant | None = None
        self._looked_up = ""
        self._pending: dict[str, Any] = {}

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
        self.card_panel = IdCardPanel(context, applicant_box)
        applicant_layout.addWidget(self.card_panel)
        applicant_form = QFormLayout()
        applicant_form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.applicant = PersonFields(applicant_box, applicant_form, self.errors, prefix="",
                                      object_prefix="applicant", id_types=PERSON_ID_TYPES)
        self.known_label = QLabel(applicant_box)
        self.known_label.setObjectName("knownApplicantLabel")
        self.known_label.setWordWrap(True)
        self.known_label.hide()
        applicant_layout.addWidget(self.known_label)
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
        self.materials.enable_camera(context.document_camera is not None)
        self.camera_dialog: DocumentCameraDialog | None = None
        self.errors.add("materials", self.materials, QLabel(body))
        body_layout.addWidget(self.materials)
        body_layout.addWidget(self.errors.label("materials"))  # type: ignore[arg-type]

        options = QHBoxLayout()
        self.green_check = QCheckBox(self.tr("绿色通道（特办件）"), body)
        self.green_check.setObjectName("greenChannelCheck")
        options.addWidget(self.green_check)
        # 延时服务 / 周末服务 / 上门服务 (issue 16): recorded on the case and counted.
        self.service_mode_combo = QComboBox(body)
        self.service_mode_combo.setObjectName("serviceModeCombo")
        self.service_mode_combo.addItem(self.tr("窗口正常服务"), "")
        for mode, label in SERVICE_MODES.items():
            self.service_mode_combo.addItem(self.tr(label), mode)
        options.addWidget(self.service_mode_combo)
        # The consultation or appointment this registration carries over (carry_over).
        self.origin: dict[str, str] = {}
        options.addStretch(1)
        self.responder_label = QLabel(
            self.tr("首问负责人：{0}（{1}）").format(
                context.user.display_name, context.user.window_name or self.tr("未设窗口")), body)
        self.responder_label.setObjectName("firstResponderLabel")
        self.responder_label.setProperty("role", "subtle")
        options.addWidget(self.responder_label)
        self.queue_bar = QueueCallBar(context, body)
        options.addWidget(self.queue_bar)
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
        self._read_card_shortcut = QShortcut(QKeySequence("F2"), self)
        self._next_ticket_shortcut = QShortcut(QKeySequence("F4"), self)
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
        self.materials.cameraRequested.connect(self._on_materials_camera_requested)
        self.materials.materialsChanged.connect(self._on_materials_materials_changed)
        self.picker.search_edit.textEdited.connect(self._on_picker_search_edit_text_edited)
        self.picker.result_list.itemClicked.connect(self._on_picker_result_list_item_clicked)
        self.accept_button.clicked.connect(self._on_accept_button_clicked)
        self.notice_button.clicked.connect(self._on_notice_button_clicked)
        self.reject_button.clicked.connect(self._on_reject_button_clicked)
        self.clear_button.clicked.connect(self._on_clear_button_clicked)
        self._accept_shortcut.activated.connect(self._on_accept_button_clicked)
        self._accept_shortcut_enter.activated.connect(self._on_accept_button_clicked)
        self._search_shortcut.activated.connect(self._on_search_shortcut_activated)
        self._read_card_shortcut.activated.connect(self._on_read_card_shortcut_activated)
        self.card_panel.cardRead.connect(self._on_card_panel_card_read)
        self._next_ticket_shortcut.activated.connect(self.queue_bar.call_next)
        self.queue_bar.callFailed.connect(self.message_bar.show_error)
        self.queue_bar.nobodyWaiting.connect(self._on_queue_bar_nobody_waiting)
        self.card_panel.readFailed.connect(self._on_card_panel_read_failed)
        self.message_bar.linkActivated.connect(self._on_message_bar_link_activated)
        self.applicant.id_edit.textEdited.connect(self._on_applicant_id_edit_text_edited)
        self.applicant.id_edit.editingFinished.connect(self._on_applicant_id_edit_editing_finished)
        self.applicant.name_edit.textEdited.connect(self._on_applicant_name_edit_text_edited)

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
        if self.picker.matter is not None:
            self.materials.set_matter(self.picker.matter, with_agent=checked)
            self._fix_tab_order()
        if checked:
            self.agent.name_edit.setFocus()
        else:
            self.errors.clear()
        self._rebuild_enter_chain()

    def _on_materials_materials_changed(self) -> None:
        self.errors.field_changed("materials")

    def _on_picker_search_edit_text_edited(self, _text: str) -> None:
        self._drop_success()

    def _drop_success(self) -> None:
        """The next registration has begun: the last one's success is news no more."""
        if self.message_bar.isVisible() and self.message_bar.level == "success":
            self.message_bar.hide()

    def _on_picker_result_list_item_clicked(self, _item: QListWidgetItem) -> None:
        self._drop_success()

    def _on_picker_matter_chosen(self, matter: Matter | None) -> None:
        self.errors.clear("matter")
        self.materials.set_matter(matter, with_agent=self.agent_check.isChecked())
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

    def _on_materials_camera_requested(self, index: int) -> None:
        factory = self.context.document_camera
        if factory is None or index >= len(self.materials.rows):
            return
        row = self.materials.rows[index]
        dialog = DocumentCameraDialog(self.context, factory(), row.material.name, self)
        dialog.scanned.connect(row.add_attachment)
        self.camera_dialog = dialog
        dialog.open()

    def _on_queue_bar_nobody_waiting(self) -> None:
        self.message_bar.info(self.tr("暂无等候的号。"))

    # --- the ID card reader -----------------------------------------------------------

    def _on_read_card_shortcut_activated(self) -> None:
        if self.context.id_card_reader is None:
            self.message_bar.warning(self.tr("本机未配置身份证阅读器，请手工录入。"))
            return
        self.card_panel.read()

    def _on_card_panel_card_read(self, card: IdCard) -> None:
        """Fill the applicant from the card, checked as typed data is."""
        self._drop_success()
        self.natural_radio.setChecked(True)
        combo = self.applicant.id_type_combo
        combo.setCurrentIndex(combo.findData(IdType.RESIDENT_ID.value))
        self.applicant.name_edit.setText(card.name)
        self.applicant.id_edit.setText(card.id_number)
        self.address_edit.setText(card.address)
        self.errors.clear("name")
        self.errors.clear("address")
        self.applicant.check_id(finished=True)
        self._look_up_applicant()
        self.applicant.phone_edit.setFocus()

    def _on_card_panel_read_failed(self, error: BaseException) -> None:
        # Whatever was typed stays; the clerk may go on typing.
        self.message_bar.show_error(error)

    # --- known applicants ------------------------------------------------------------

    def _on_applicant_id_edit_text_edited(self, _text: str) -> None:
        self._drop_success()
        self.card_panel.clear()  # the card read no longer describes the form
        self._look_up_applicant()

    def _on_applicant_id_edit_editing_finished(self) -> None:
        self._look_up_applicant()

    def _on_applicant_name_edit_text_edited(self, _text: str) -> None:
        self._drop_success()
        self.card_panel.clear()
        self._show_known()

    def _look_up_applicant(self) -> None:
        """Once the ID number is valid, ask in the background whether it is known."""
        number = self.applicant.values()["id_number"]
        try:
            number = validate_id(self.applicant.id_type, number)
        except ValidationError:
            if number != self._looked_up:
                self.known, self._looked_up = None, ""
                self._show_known()
            return
        if number == self._looked_up:
            return
        self._looked_up = number
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(
            lambda: cases.known_applicant(uow, user, id_number=number),
            on_done=lambda known: self._on_known_applicant(number, known),
            on_error=self.message_bar.show_error,
            label=self.tr("正在查找申请人…"), parent=self,
        )

    def _on_known_applicant(self, number: str, known: cases.KnownApplicant | None) -> None:
        if number != self._looked_up:
            return  # the clerk has typed another number since
        self.known = known
        if known is not None:
            fills = ((self.applicant.name_edit, known.name),
                     (self.applicant.phone_edit, known.phone),
                     (self.address_edit, known.address))
            if self.legal_radio.isChecked():
                fills += ((self.representative_edit, known.legal_representative),)
            for edit, value in fills:
                if not edit.text().strip() and value:
                    edit.setText(value)
            self.applicant.check_phone(finished=True)
        self._show_known()

    def _show_known(self) -> None:
        known = self.known
        if known is None:
            self.known_label.hide()
            return
        name = self.applicant.values()["name"]
        if name and not same_name(name, known.name):
            self.known_label.setProperty("role", "fieldWarning")
            self.known_label.setText(self.tr(
                "注意：该证件号码此前登记的名称为“{0}”（办件 {1}），与本次填写的不一致。"
                "请核对证件；提交时需说明原因。").format(known.name, known.case_number))
        else:
            self.known_label.setProperty("role", "fieldOk")
            self.known_label.setText(self.tr(
                "本站已办理过该申请人（最近办件 {0}），已带出姓名、电话和地址，请核对。"
            ).format(known.case_number))
        restyle(self.known_label)
        self.known_label.show()

    def _ask_name_change_reason(self, error: DomainError) -> None:
        """The ID number is known under another name: go on only with a reason."""
        dialog = FormDialog(
            self.tr("证件号码与名称不一致"),
            [FieldSpec("reason", self.tr("原因"), "text", required=True,
                       object_name="nameChangeReasonEdit",
                       placeholder=self.tr("如：申请人已依法更名；原登记名称有误"))],
            intro=error.message + self.tr("原因将记入办件和审计记录。"),
            submit_text=self.tr("确认并继续"), parent=self)
        dialog.setObjectName("nameChangeDialog")
        dialog.submitted.connect(self._on_identity_dialog_submitted)
        self.identity_dialog = dialog
        dialog.open()

    def _on_identity_dialog_submitted(self, values: dict[str, Any]) -> None:
        reason = " ".join(str(values.get("reason", "")).split())
        if not reason:
            if self.identity_dialog is not None:
                self.identity_dialog.show_error(ValidationError(
                    "required", self.tr("请填写原因。"), field="reason"))
            return
        if self.identity_dialog is not None:
            self.identity_dialog.finish()
        pending = dict(self._pending)
        action = pending.pop("action", "")
        if action:
            self._submit(action, **pending, name_change_reason=reason)

    def unsaved_work(self) -> str:
        """A registration typed but not yet submitted (its applicant, or its matter)."""
        typed = [w.text().strip() for w in (
            self.applicant.name_edit, self.applicant.id_edit, self.applicant.phone_edit,
            self.address_edit, self.representative_edit, self.agent.name_edit,
            self.agent.id_edit, self.agent.phone_edit)]
        ticked = any(row.received_check.isChecked() for row in self.materials.rows)
        if not any(typed) and not ticked:
            return ""
        name = self.applicant.values()["name"]
        matter = self.picker.matter.name if self.picker.matter else self.tr("未选事项")
        return self.tr("受理登记：{0}（{1}）").format(name or self.tr("申请人未填姓名"), matter)

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
            self.errors.report(self.message_bar, self.tr(
                "有{0}处需要更正，请按红色提示修改后再提交。").format(count))
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
            self.errors.report(self.message_bar, self.tr(
                "材料不齐全，不能受理：缺少{0}。请点击“一次性告知”一次性告知申请人需补正的全部材料。"
            ).format("、".join(missing)))
            return
        # 第三十二条第二款: the acceptance notice is sealed and dated now, at the counter.
        dialog = FormDialog(self.tr("受理"), [counter_password_field("acceptPasswordEdit")],
                            intro=self._acceptance_summary(),
                            submit_text=self.tr("受理并盖章"), parent=self)
        dialog.setObjectName("acceptDialog")
        dialog.submitted.connect(self._on_accept_dialog_submitted)
        self.accept_dialog = dialog
        dialog.open()

    def _acceptance_summary(self) -> str:
        """受理 cannot be undone: what it does, shown before the password (Enter submits)."""
        matter = self.picker.matter
        assert matter is not None
        applicant = self.applicant.values()["name"]
        received = [row.material.name for row in self.materials.rows
                    if row.received_check.isChecked()]
        days = (self.tr("即办件，当场办结") if matter.promised_working_days == 0 else
                self.tr("承诺时限{0}个工作日，自受理之日起计算").format(matter.promised_working_days))
        lines = [
            self.tr("事项：{0}（{1}）").format(matter.name, matter.department_name),
            self.tr("申请人：{0}").format(applicant)
            + (self.tr("，代理人：{0}").format(self.agent.values()["name"])
               if self.agent_check.isChecked() else ""),
            self.tr("已收材料{0}项：{1}").format(len(received), "、".join(received) or "—"),
            days,
            self.tr("受理后当场加盖本窗口受理专用章出具受理通知书，注明受理日期，交申请人签收；"
                    "受理后不能撤销。请输入本人登录密码确认用印。"),
        ]
        return "\n".join(lines)

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
                supplement_working_days: int | None = None,
                name_change_reason: str = "") -> None:
        matter = self.picker.matter
        assert matter is not None
        self._pending = {"action": action, "password": password, "missing": missing,
                         "rejection": rejection,
                         "supplement_working_days": supplement_working_days}
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
        origin = {**self.origin, "service_mode": str(self.service_mode_combo.currentData() or "")}
        card, data_dir = self.card_panel.card, self.context.data_dir
        ticket = self.queue_bar.ticket_number

        def work() -> Outcome:
            # A wrong password refuses before anything is registered: nothing typed is lost.
            cases.confirm_counter_password(uow, user, password, matter_code=matter.code)
            id_card = None if card is None else id_cards.card_registration(
                card, id_cards.keep_photo(data_dir, card) if card.photo else None)
            case = cases.register_case(uow, user, matter_code=matter.code, applicant=applicant,
                                       materials=materials, green_channel=green,
                                       name_change_reason=name_change_reason,
                                       id_card=id_card, queue_ticket=ticket, **origin)
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
            if error.code == "applicant_name_differs":
                self._ask_name_change_reason(error)
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

    def discard_work(self) -> None:
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
        self.service_mode_combo.setCurrentIndex(0)
        self.origin = {}
        self.known, self._looked_up, self._pending = None, "", {}
        self.known_label.hide()
        self.card_panel.clear()
        self.queue_bar.clear()
        self.picker.reset()
        self.picker.search_edit.setFocus()


def carry_over(page: RegistrationPage, matter: Matter, *, name: str, phone: str,
               consultation_id: str = "", appointment_id: str = "",
               service_mode: str = "") -> None:
    """Start a registration from a consultation or an appointment: its matter, the
    asker's name and phone, its service mode; the registration names where it came from."""
    page.reset_form()
    page.picker.set_matter(matter)
    page.applicant.name_edit.setText(name)
    page.applicant.phone_edit.setText(phone)
    index = page.service_mode_combo.findData(service_mode)
    page.service_mode_combo.setCurrentIndex(max(index, 0))
    page.origin = {key: value for key, value in (("consultation_id", consultation_id),
                                                 ("appointment_id", appointment_id)) if value}
    source = page.tr("预约") if appointment_id else page.tr("咨询")
    page.message_bar.info(page.tr("已从{0}带入事项“{1}”和申请人信息，请核对证件并登记材料。")
                          .format(source, matter.name))


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
        items.append(PreviewItem(receipt.title, receipt.pdf, f"{case.number}-材料接收凭证.pdf",
                                 receipt.docx))
    kind = {"accept": DocumentKind.ACCEPTANCE_NOTICE, "notice": DocumentKind.ONE_TIME_NOTICE,
            "reject": DocumentKind.REJECTION_NOTICE}[action]
    sealed = documents.latest_issued(uow, case.id, kind)
    if sealed is not None:
        items.append(PreviewItem(f"{sealed.title}（已盖章）", sealed.pdf,
                                 f"{case.number}-{sealed.title}.pdf", sealed.docx,
                                 docx_is_reference_copy=sealed.sealed))
    return items
