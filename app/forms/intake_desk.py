"""咨询与预约: the counter's work before an application (and the 代办台账).

Three tabs; the third prints a 代办员's ledger (代办台账) of a period. 咨询登记: the matter picker (with its guide on screen), who asked (optional)
and what they were told; saved as a consultation of the staff member (首问负责人),
its one-page 办事指南 printed, and turned into a registration with the matter and the
asker carried over. 预约: the day's appointments by slot; a new one from the counter
or the phone; an arriving applicant goes to the registration with the appointment's
matter, name, phone and service mode.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QCoreApplication, QDate, Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.case import SERVICE_MODES
from app.domain.catalog import Matter
from app.forms.dialogs import FieldSpec, FormDialog
from app.forms.matter_picker import MatterPicker
from app.services import appointments, catalog, consultations, custody
from app.services.context import local_date, utc_now
from app.ui.context import AppContext
from app.ui.documents import DocumentPreviewDialog, PreviewItem
from app.ui.page import Page
from app.ui.widgets import local_time, set_kind


class IntakeDeskPage(Page):
    """Consultations and appointments; ``registerRequested`` carries one over to the
    registration page (a dict: matter, name, phone, consultation_id / appointment_id,
    service_mode)."""

    registerRequested = pyqtSignal(dict)

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("咨询与预约"), parent)
        self.setObjectName("intakeDeskPage")
        self.preview_dialog: DocumentPreviewDialog | None = None
        self.dialog: FormDialog | None = None
        self.consulted: list[consultations.Consultation] = []
        self.booked: list[appointments.Appointment] = []
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("intakeTabs")
        self.root_layout.addWidget(self.tabs, 1)
        self._build_consultation_tab()
        self._build_appointment_tab()
        self._build_ledger_tab()
        self._connect_signals()

    # --- layout -------------------------------------------------------------------

    def _build_consultation_tab(self) -> None:
        # Scrolls rather than grows: at 150 % on a 1366x768 screen the window must fit.
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        tab = QWidget(scroll)
        scroll.setWidget(tab)
        layout = QVBoxLayout(tab)
        split = QSplitter(Qt.Orientation.Horizontal, tab)
        self.picker = MatterPicker(self.context, split)
        form_box = QWidget(split)
        form = QFormLayout(form_box)
        self.asker_name_edit = QLineEdit(form_box)
        self.asker_name_edit.setObjectName("askerNameEdit")
        self.asker_name_edit.setPlaceholderText(self.tr("可不填"))
        self.asker_phone_edit = QLineEdit(form_box)
        self.asker_phone_edit.setObjectName("askerPhoneEdit")
        self.asker_phone_edit.setPlaceholderText(self.tr("可不填"))
        self.channel_combo = QComboBox(form_box)
        self.channel_combo.setObjectName("consultationChannelCombo")
        for value, label in consultations.CONSULTATION_CHANNELS.items():
            self.channel_combo.addItem(self.tr(label), value)
        self.question_edit = QPlainTextEdit(form_box)
        self.question_edit.setObjectName("questionEdit")
        self.question_edit.setPlaceholderText(self.tr("咨询的问题（可不填）"))
        self.question_edit.setMaximumHeight(70)
        self.answer_edit = QPlainTextEdit(form_box)
        self.answer_edit.setObjectName("answerEdit")
        self.answer_edit.setPlaceholderText(self.tr("告知了什么：条件、材料、时限、收费……"))
        form.addRow(self.tr("咨询人"), self.asker_name_edit)
        form.addRow(self.tr("联系电话"), self.asker_phone_edit)
        form.addRow(self.tr("咨询方式"), self.channel_combo)
        form.addRow(self.tr("咨询内容"), self.question_edit)
        form.addRow(self.tr("答复内容"), self.answer_edit)
        buttons = QHBoxLayout()
        self.save_consultation_button = QPushButton(self.tr("保存咨询记录"), form_box)
        self.save_consultation_button.setObjectName("saveConsultationButton")
        set_kind(self.save_consultation_button, "primary")
        self.print_guide_button = QPushButton(self.tr("打印办事指南"), form_box)
        self.print_guide_button.setObjectName("printGuideButton")
        buttons.addWidget(self.save_consultation_button)
        buttons.addWidget(self.print_guide_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        split.addWidget(self.picker)
        split.addWidget(form_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 3)
        self.consultation_list = QTreeWidget(tab)
        self.consultation_list.setObjectName("consultationList")
        self.consultation_list.setHeaderLabels([
            self.tr("时间"), self.tr("咨询人"), self.tr("事项"), self.tr("方式"),
            self.tr("首问负责人"), self.tr("办事指南"), self.tr("登记")])
        self.consultation_list.setRootIsDecorated(False)
        self.consultation_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.consultation_list.header()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.consultation_list, 2)
        row = QHBoxLayout()
        self.consultation_to_register_button = QPushButton(self.tr("转为受理登记"), tab)
        self.consultation_to_register_button.setObjectName("consultationToRegisterButton")
        self.consultation_guide_button = QPushButton(self.tr("为所选咨询打印办事指南"), tab)
        self.consultation_guide_button.setObjectName("consultationGuideButton")
        row.addWidget(self.consultation_to_register_button)
        row.addWidget(self.consultation_guide_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.tabs.addTab(scroll, self.tr("咨询登记"))

    def _build_appointment_tab(self) -> None:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        top = QHBoxLayout()
        self.day_edit = QDateEdit(tab)
        self.day_edit.setObjectName("appointmentDayEdit")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        today = local_date(utc_now())
        self.day_edit.setDate(QDate(today.year, today.month, today.day))
        self.book_button = QPushButton(self.tr("新增预约…"), tab)
        self.book_button.setObjectName("bookAppointmentButton")
        set_kind(self.book_button, "primary")
        top.addWidget(self.day_edit)
        top.addWidget(self.book_button)
        top.addStretch(1)
        layout.addLayout(top)
        self.appointment_list = QTreeWidget(tab)
        self.appointment_list.setObjectName("appointmentList")
        self.appointment_list.setHeaderLabels([
            self.tr("时段"), self.tr("窗口"), self.tr("事项"), self.tr("预约人"),
            self.tr("电话"), self.tr("方式"), self.tr("服务"), self.tr("状态")])
        self.appointment_list.setRootIsDecorated(False)
        header = self.appointment_list.header()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.appointment_list, 1)
        row = QHBoxLayout()
        self.arrive_button = QPushButton(self.tr("到达并登记"), tab)
        self.arrive_button.setObjectName("appointmentArriveButton")
        set_kind(self.arrive_button, "primary")
        self.cancel_button = QPushButton(self.tr("取消预约"), tab)
        self.cancel_button.setObjectName("appointmentCancelButton")
        self.no_show_button = QPushButton(self.tr("登记未到"), tab)
        self.no_show_button.setObjectName("appointmentNoShowButton")
        for button in (self.arrive_button, self.cancel_button, self.no_show_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.tabs.addTab(tab, self.tr("预约"))

    def _build_ledger_tab(self) -> None:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        form = QFormLayout()
        self.agent_edit = QLineEdit(tab)
        self.agent_edit.setObjectName("ledgerAgentEdit")
        self.agent_edit.setPlaceholderText(self.tr("代办员姓名；不填则为本站全部代办件"))
        today = local_date(utc_now())
        self.ledger_from_edit = QDateEdit(tab)
        self.ledger_to_edit = QDateEdit(tab)
        for edit, day in ((self.ledger_from_edit, today.replace(day=1)),
                          (self.ledger_to_edit, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate(day.year, day.month, day.day))
        form.addRow(self.tr("代办员"), self.agent_edit)
        form.addRow(self.tr("登记日期自"), self.ledger_from_edit)
        form.addRow(self.tr("至"), self.ledger_to_edit)
        layout.addLayout(form)
        self.ledger_button = QPushButton(self.tr("打印代办台账"), tab)
        self.ledger_button.setObjectName("printAgentLedgerButton")
        set_kind(self.ledger_button, "primary")
        row = QHBoxLayout()
        row.addWidget(self.ledger_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.tabs.addTab(tab, self.tr("代办台账"))

    def _on_ledger_button_clicked(self) -> None:
        uow, user = self.context.uow, self.context.user
        agent = self.agent_edit.text().strip()
        start = self.ledger_from_edit.date().toPyDate()
        end = self.ledger_to_edit.date().toPyDate()

        def shown(pdf: bytes) -> None:
            self.preview_dialog = DocumentPreviewDialog(
                [PreviewItem(self.tr("代办台账"), pdf, f"代办台账-{agent or user.station}.pdf")],
                parent=self)
            self.preview_dialog.open()

        self.context.runner.run(
            lambda: custody.agent_ledger_pdf(uow, user, start=start, end=end, agent_name=agent),
            on_done=shown, on_error=self.message_bar.show_error,
            label=self.tr("正在生成代办台账…"), parent=self)

    def _connect_signals(self) -> None:
        self.ledger_button.clicked.connect(self._on_ledger_button_clicked)
        self.save_consultation_button.clicked.connect(self._on_save_consultation_button_clicked)
        self.print_guide_button.clicked.connect(self._on_print_guide_button_clicked)
        self.consultation_to_register_button.clicked.connect(
            self._on_consultation_to_register_button_clicked)
        self.consultation_guide_button.clicked.connect(self._on_consultation_guide_button_clicked)
        self.day_edit.dateChanged.connect(self._on_day_edit_date_changed)
        self.book_button.clicked.connect(self._on_book_button_clicked)
        self.arrive_button.clicked.connect(self._on_arrive_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.no_show_button.clicked.connect(self._on_no_show_button_clicked)

    def activate(self) -> None:
        self.picker.load_departments()
        self.picker.search()
        self.refresh()

    # --- lists --------------------------------------------------------------------

    def refresh(self) -> None:
        uow, user = self.context.uow, self.context.user
        today = local_date(utc_now())
        day = self.day_edit.date().toPyDate()

        def work() -> tuple[list[consultations.Consultation], list[appointments.Appointment]]:
            return (consultations.consultations_on(uow, user, today),
                    appointments.day_list(uow, user, day))

        self.context.runner.run(work, on_done=self._on_lists_loaded,
                                on_error=self.message_bar.show_error, owner=self)

    def _on_lists_loaded(self, lists: tuple[list[Any], list[Any]]) -> None:
        self.consulted, self.booked = lists
        self.consultation_list.clear()
        for item in self.consulted:
            row = QTreeWidgetItem([
                local_time(item.asked_at, "%H:%M"), item.asker_name or "—", item.matter_name,
                consultations.CONSULTATION_CHANNELS.get(item.channel, item.channel),
                item.staff_name, self.tr("已打印") if item.guide_printed else "",
                self.tr("已登记") if item.registered else ""])
            self.consultation_list.addTopLevelItem(row)
        self.appointment_list.clear()
        for booked in self.booked:
            row = QTreeWidgetItem([
                booked.slot, booked.window_name, booked.matter_name, booked.applicant_name,
                booked.applicant_phone,
                appointments.APPOINTMENT_CHANNELS.get(booked.channel, booked.channel),
                SERVICE_MODES.get(booked.service_mode, ""), booked.status_label])
            self.appointment_list.addTopLevelItem(row)

    def _selected_consultation(self) -> consultations.Consultation | None:
        row = self.consultation_list.indexOfTopLevelItem(self.consultation_list.currentItem())
        return self.consulted[row] if 0 <= row < len(self.consulted) else None

    def _selected_appointment(self) -> appointments.Appointment | None:
        row = self.appointment_list.indexOfTopLevelItem(self.appointment_list.currentItem())
        return self.booked[row] if 0 <= row < len(self.booked) else None

    # --- consultations --------------------------------------------------------------

    def _on_save_consultation_button_clicked(self) -> None:
        matter = self.picker.matter
        if matter is None:
            self.message_bar.error(self.tr("请先选择咨询的事项。"))
            return
        uow, user = self.context.uow, self.context.user
        values = dict(matter_code=matter.code, answer=self.answer_edit.toPlainText(),
                      question=self.question_edit.toPlainText(),
                      asker_name=self.asker_name_edit.text(),
                      asker_phone=self.asker_phone_edit.text(),
                      channel=str(self.channel_combo.currentData()))

        def saved(_item: consultations.Consultation) -> None:
            self.message_bar.success(self.tr("已保存咨询记录（首问负责人：{0}）。").format(
                user.display_name))
            for edit in (self.question_edit, self.answer_edit):
                edit.clear()
            self.asker_name_edit.clear()
            self.asker_phone_edit.clear()
            self.refresh()

        self.context.runner.run(lambda: consultations.record_consultation(uow, user, **values),
                                on_done=saved, on_error=self.message_bar.show_error, owner=self)

    def _print_guide(self, matter_code: str, consultation_id: str = "") -> None:
        uow, user = self.context.uow, self.context.user

        def shown(pdf: bytes) -> None:
            self.preview_dialog = DocumentPreviewDialog(
                [PreviewItem(self.tr("办事指南"), pdf, f"{matter_code}-办事指南.pdf")], parent=self)
            self.preview_dialog.open()
            self.refresh()

        self.context.runner.run(
            lambda: consultations.service_guide_pdf(uow, user, matter_code=matter_code,
                                                    consultation_id=consultation_id),
            on_done=shown, on_error=self.message_bar.show_error,
            label=self.tr("正在生成办事指南…"), parent=self)

    def _on_print_guide_button_clicked(self) -> None:
        if self.picker.matter is None:
            self.message_bar.error(self.tr("请先选择事项。"))
            return
        self._print_guide(self.picker.matter.code)

    def _on_consultation_guide_button_clicked(self) -> None:
        chosen = self._selected_consultation()
        if chosen is None:
            self.message_bar.error(self.tr("请先在列表中选择一条咨询记录。"))
            return
        self._print_guide(chosen.matter_code, chosen.id)

    def _on_consultation_to_register_button_clicked(self) -> None:
        chosen = self._selected_consultation()
        if chosen is None:
            self.message_bar.error(self.tr("请先在列表中选择一条咨询记录。"))
            return
        if chosen.registered:
            self.message_bar.error(self.tr("该咨询已转为登记。"))
            return
        self._request_registration(chosen.matter_code, name=chosen.asker_name,
                                   phone=chosen.asker_phone, consultation_id=chosen.id)

    def _request_registration(self, matter_code: str, **values: str) -> None:
        uow = self.context.uow

        def found(matter: Matter) -> None:
            self.registerRequested.emit({"matter": matter, **values})

        self.context.runner.run(lambda: catalog.get_matter(uow, matter_code), on_done=found,
                                on_error=self.message_bar.show_error, owner=self)

    # --- appointments -------------------------------------------------------------

    def _on_day_edit_date_changed(self, _date: QDate) -> None:
        self.refresh()

    def _on_book_button_clicked(self) -> None:
        uow = self.context.uow

        def ready(data: tuple[tuple[str, ...], list[Matter]]) -> None:
            slots, matters = data
            self._open_booking(slots, matters)

        self.context.runner.run(lambda: (appointments.slots(uow), catalog.list_matters(uow)),
                                on_done=ready, on_error=self.message_bar.show_error, owner=self)

    def _open_booking(self, slots: tuple[str, ...], matters: list[Matter]) -> None:
        day = self.day_edit.date().toPyDate()
        fields = [
            FieldSpec("day", "预约日期", "date", default=day, object_name="bookDayEdit"),
            FieldSpec("slot", "时段", "combo", options=[(s, s) for s in slots],
                      object_name="bookSlotCombo"),
            FieldSpec("window_name", "窗口", required=True,
                      default=self.context.user.window_name, object_name="bookWindowEdit"),
            FieldSpec("matter_code", "事项", "combo",
                      options=[(m.code, f"{m.name}（{m.code}）") for m in matters],
                      object_name="bookMatterCombo"),
            FieldSpec("applicant_name", "预约人", required=True, object_name="bookNameEdit"),
            FieldSpec("applicant_phone", "联系电话", required=True, object_name="bookPhoneEdit"),
            FieldSpec("channel", "预约方式", "combo",
                      options=list(appointments.APPOINTMENT_CHANNELS.items()),
                      object_name="bookChannelCombo"),
            FieldSpec("service_mode", "服务方式", "combo",
                      options=[("", "窗口正常服务"), *SERVICE_MODES.items()],
                      object_name="bookServiceModeCombo"),
            FieldSpec("note", "备注", "text"),
            # The county centre books by phone for a township's hall: its station code.
            FieldSpec("station", "预约站点", default=self.context.user.station,
                      object_name="bookStationEdit"),
        ]
        dialog = FormDialog(self.tr("新增预约"), fields, submit_text=self.tr("预约"),
                            intro=self.tr("非工作日只能预约周末服务或上门服务；17:30以后的时段为"
                                          "延时服务。每个窗口每个时段的预约人数有上限。"
                                          "为乡镇便民服务站电话预约时，预约站点填该站代码，"
                                          "同步后该站可见。"),
                            parent=self)
        dialog.setObjectName("bookAppointmentDialog")
        uow, user = self.context.uow, self.context.user

        def submitted(values: dict[str, Any]) -> None:
            def booked(item: appointments.Appointment) -> None:
                dialog.finish()
                self.message_bar.success(self.tr("已预约：{0} {1} {2}。").format(
                    item.day.isoformat(), item.slot, item.applicant_name))
                self.day_edit.setDate(QDate(item.day.year, item.day.month, item.day.day))
                self.refresh()

            self.context.runner.run(
                lambda: appointments.book_appointment(uow, user, **values), on_done=booked,
                on_error=dialog.show_error, owner=self)

        dialog.submitted.connect(submitted)
        self.dialog = dialog
        dialog.open()

    def _on_arrive_button_clicked(self) -> None:
        chosen = self._selected_appointment()
        if chosen is None:
            self.message_bar.error(self.tr("请先在列表中选择一条预约。"))
            return
        if chosen.status != "booked" or chosen.day != local_date(utc_now()):
            self.message_bar.error(self.tr("只有今天尚未到达的预约可以登记。"))
            return
        self._request_registration(chosen.matter_code, name=chosen.applicant_name,
                                   phone=chosen.applicant_phone, appointment_id=chosen.id,
                                   service_mode=chosen.service_mode)

    def _change(self, change: Any, done_text: str) -> None:
        chosen = self._selected_appointment()
        if chosen is None:
            self.message_bar.error(self.tr("请先在列表中选择一条预约。"))
            return
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(
            lambda: change(uow, user, chosen.id),
            on_done=lambda _a: (self.message_bar.success(done_text), self.refresh()),
            on_error=self.message_bar.show_error, owner=self)

    def _on_cancel_button_clicked(self) -> None:
        self._change(appointments.cancel_appointment, self.tr("已取消预约。"))

    def _on_no_show_button_clicked(self) -> None:
        self._change(appointments.mark_no_show, self.tr("已登记未到。"))


def _tr(text: str) -> str:
    return QCoreApplication.translate("IntakeDeskPage", text)
