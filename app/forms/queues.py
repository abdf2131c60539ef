"""Work queues: 待我审查 (review), 待我核准 (approval) and 用印 (the approval seal).

Each is a list of the cases waiting for this user, oldest deadline first, beside the
selected case's essentials and the form to act on it, so a chief representative can
work through the queue from the keyboard.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PyQt6.QtCore import QItemSelection, QModelIndex, Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.case import Case, single_officer_allowed
from app.domain.errors import DomainError
from app.domain.roles import Role
from app.forms.account import NameDeputyDialog, open_name_deputy
from app.forms.case_actions import act_summary, seal_kinds
from app.forms.dialogs import ask_to_confirm
from app.services import cases, queries
from app.services.queries import CaseSummary
from app.ui.case_model import COLUMN_INDEX, CaseTableModel, list_loader
from app.ui.context import AppContext, optional_service
from app.ui.documents import DocumentPreviewDialog, PreviewItem
from app.ui.feedback import FieldErrors
from app.ui.page import Page
from app.ui.widgets import field_with_error, iso_local_time, local_time, set_kind

QUEUE_COLUMNS = ("number", "matter", "applicant", "deadline", "warning")


def _tr(context: str, text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate(context, text)


class QueuePage(Page):
    """A queue of cases on the left, the selected case and its form on the right."""

    selectedCaseLoaded = pyqtSignal(object)  # Case
    queueLoaded = pyqtSignal(int)

    empty_text = "没有待办的办件。"

    def __init__(self, context: AppContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(context, title, parent)
        self.case: Case | None = None
        self._selected_id = ""
        # The confirmation of an act that cannot be taken back, while it is open.
        self.confirm_box: QMessageBox | None = None
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setChildrenCollapsible(False)
        left = QWidget(splitter)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.header_row = QHBoxLayout()
        self.count_label = QLabel(left)
        self.count_label.setProperty("role", "subtle")
        self.header_row.addWidget(self.count_label, 1)
        left_layout.addLayout(self.header_row)
        self.model = CaseTableModel(context.runner, server_sort=False, page_size=500, parent=self)
        self.table = QTableView(left)
        self.table.setObjectName("queueTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)  # type: ignore[union-attr]
        header = self.table.horizontalHeader()
        assert header is not None
        # Oldest deadline first, as the queue arrives; enabling sorting sorts by the indicator.
        header.setSortIndicator(COLUMN_INDEX["deadline"], Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COLUMN_INDEX["matter"], QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        for key, index in COLUMN_INDEX.items():
            self.table.setColumnHidden(index, key not in QUEUE_COLUMNS)
        for key, width in (("number", 150), ("applicant", 100), ("deadline", 124),
                           ("warning", 120)):
            self.table.setColumnWidth(COLUMN_INDEX[key], width)
        left_layout.addWidget(self.table)
        splitter.addWidget(left)

        right = QWidget(splitter)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        self.detail = QTextBrowser(right)
        self.detail.setObjectName("queueDetail")
        self.detail.setPlaceholderText(self.tr("在左侧选择一件办件。"))
        right_layout.addWidget(self.detail, 3)
        self.form_box = QGroupBox(right)
        self.form_box.setEnabled(False)
        right_layout.addWidget(self.form_box, 2)
        self.open_button = QPushButton(self.tr("打开办件详情"), right)
        self.open_button.setObjectName("queueOpenCaseButton")
        open_row = QHBoxLayout()
        open_row.addStretch(1)
        open_row.addWidget(self.open_button)
        right_layout.addLayout(open_row)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([640, 520])
        self.root_layout.addWidget(splitter, 1)
        self.errors = FieldErrors()
        self._queue_connected = False

    def _connect_queue_signals(self) -> None:
        selection = self.table.selectionModel()
        assert selection is not None
        selection.selectionChanged.connect(self._on_table_selection_changed)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.model.pageLoaded.connect(self._on_model_page_loaded)
        self.model.loadFailed.connect(self.message_bar.error)

    def load_queue(self) -> list[CaseSummary]:  # runs in the background
        raise NotImplementedError

    def activate(self) -> None:
        if not self._queue_connected:
            self._queue_connected = True
            self._connect_queue_signals()
        self.reload()

    def reload(self) -> None:
        self.model.set_loader(list_loader(self.load_queue))

    def _on_model_page_loaded(self, count: int) -> None:
        text = (self.tr("共 {0} 件，按办结期限排序").format(count) if count
                else self.tr(self.empty_text))
        covered: dict[str, int] = {}
        for summary in self.model.summaries():
            if summary.acting_for_name:
                covered[summary.acting_for_name] = covered.get(summary.acting_for_name, 0) + 1
        if covered:
            # 顶岗补位: whose queue is shown beside one's own, and how much of it.
            text += self.tr("；其中顶岗代{0}").format("、".join(
                self.tr("{0} {1} 件").format(name, n) for name, n in covered.items()))
        self.count_label.setText(text)
        ids = [s.id for s in self.model.summaries()]
        if self._selected_id in ids:
            self.table.selectRow(ids.index(self._selected_id))
        elif ids:
            self.table.selectRow(0)
        else:
            self._show_case(None)
        self.queueLoaded.emit(count)

    def selected_summary(self) -> CaseSummary | None:
        rows = self.table.selectionModel().selectedRows()  # type: ignore[union-attr]
        return self.model.summary(rows[0].row()) if rows else None

    def _on_table_selection_changed(self, _selected: QItemSelection,
                                    _deselected: QItemSelection) -> None:
        summary = self.selected_summary()
        if summary is None:
            return
        if summary.id == self._selected_id and self.case is not None \
                and self.case.id == summary.id:
            return
        self._selected_id = summary.id
        uow, case_id = self.context.uow, summary.id
        self.context.runner.run(lambda: cases.get_case(uow, case_id),
                                on_done=self._on_case_loaded,
                                on_error=self.message_bar.show_error, owner=self)

    def _on_case_loaded(self, case: Case) -> None:
        if case.id != self._selected_id:
            return
        self._show_case(case)
        self.selectedCaseLoaded.emit(case)

    def _show_case(self, case: Case | None) -> None:
        self.case = case
        self.errors.clear()
        self.form_box.setEnabled(case is not None)
        self.detail.setHtml(self.detail_html(case) if case else "")
        self.case_shown(case)

    def case_shown(self, case: Case | None) -> None:
        """Subclasses prepare their form for ``case``."""

    def detail_html(self, case: Case) -> str:
        applicant = case.applicant
        rows = [
            ("受理编号", case.number),
            ("事项", f"{case.matter.name}（{case.matter.department_name}）"),
            ("申请人", str(applicant.get("name", ""))),
            ("状态", case.state.label),
            ("受理时间", local_time(case.accepted_at)),
            ("首问负责人", case.first_responder_name),
        ]
        summary = self.selected_summary()
        if summary is not None and summary.acting_for_name:
            # 顶岗补位: say before the act that the record will name the absent A岗.
            rows.append(("顶岗", f"{summary.acting_for_name}不在岗，您是{case.window_name}的B岗；"
                                 f"您的办理记录将注明“顶岗代{summary.acting_for_name}”"))
        received = [str(m["name"]) for m in case.materials if m.get("received")]
        rows.append(("已收材料", "、".join(received) or "—"))
        if case.review:
            verdict = "符合" if case.review["conforms"] else "不符合"
            rows.append(("审查意见", f"{verdict}：{case.review['opinion']}（"
                         f"{case.review['actor_name']}，{iso_local_time(case.review['at'])}）"))
            if case.review.get("site_inspection_done"):
                rows.append(("现场核查", str(case.review.get("site_inspection_result", ""))))
        if case.decision:
            outcome = "准予许可" if case.decision["outcome"] == "approved" else "不予许可"
            rows.append(("核准意见", f"{outcome}：{case.decision['opinion']}（"
                         f"{case.decision['actor_name']}）"))
        body = "".join(f"<tr><td style='color:#52606d;padding-right:12px'>{escape(k)}</td>"
                       f"<td>{escape(v)}</td></tr>" for k, v in rows)
        return f"<h3>{escape(case.matter.name)}</h3><table cellpadding='3'>{body}</table>"

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        summary = self.model.summary(index.row())
        if summary is not None:
            self.openCaseRequested.emit(summary.id)

    def _on_open_button_clicked(self) -> None:
        summary = self.selected_summary()
        if summary is not None:
            self.openCaseRequested.emit(summary.id)

    def run_on_case(self, function: Any, success: str, buttons: list[QPushButton]) -> None:
        """Run a use case on the selected case; show the refusal by its field."""
        case = self.case
        if case is None:
            return
        for button in buttons:
            button.setEnabled(False)

        def done(_result: Any) -> None:
            for button in buttons:
                button.setEnabled(True)
            self.message_bar.success(success.format(number=case.number))
            self._selected_id = ""
            self.case = None
            self.caseChanged.emit(case.id)
            self.after_success(case, _result)
            self.reload()

        def failed(error: BaseException) -> None:
            for button in buttons:
                button.setEnabled(True)
            if isinstance(error, DomainError):
                self.errors.show_domain_error(error, self.message_bar)
            else:
                self.message_bar.show_error(error)

        self.context.runner.run(function, on_done=done, on_error=failed,
                                label=self.tr("正在提交…"), parent=self)

    def after_success(self, case: Case, result: Any) -> None:
        """Subclasses may show what the action produced."""

    def add_name_deputy_button(self) -> None:
        """A chief representative names their stand-in from the queue (not a deputy)."""
        self.name_deputy_button = QPushButton(self.tr("指定临时代理人…"), self)
        self.name_deputy_button.setObjectName("nameDeputyButton")
        self.name_deputy_button.setToolTip(self.tr(
            "外出期间，由代理人核准本部门办件并使用审批专用章，期满自动失效"))
        self.name_deputy_button.setVisible(self.context.has_role(Role.CHIEF))
        self.header_row.addWidget(self.name_deputy_button)
        self.name_deputy_button.clicked.connect(self._on_name_deputy_button_clicked)
        self.deputy_dialog: NameDeputyDialog | None = None

    def _on_name_deputy_button_clicked(self) -> None:
        self.deputy_dialog = open_name_deputy(self.context, self)
        self.deputy_dialog.named.connect(self.message_bar.success)


def _text_edit(object_name: str, placeholder: str = "") -> QPlainTextEdit:
    edit = QPlainTextEdit()
    edit.setObjectName(object_name)
    edit.setTabChangesFocus(True)
    edit.setPlaceholderText(placeholder)
    edit.setFixedHeight(70)
    return edit


class ReviewQueuePage(QueuePage):
    """待我审查: write the review opinion (审查意见) of accepted cases."""

    empty_text = "没有待审查的办件。"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("ReviewQueuePage", "待我审查"), parent)
        self.setObjectName("reviewQueuePage")
        self.form_box.setTitle(self.tr("审查意见"))
        form = QFormLayout(self.form_box)
        self.conforms_combo = QComboBox(self.form_box)
        self.conforms_combo.setObjectName("reviewConformsCombo")
        self.conforms_combo.addItem(self.tr("符合法定条件、标准"), True)
        self.conforms_combo.addItem(self.tr("不符合法定条件、标准"), False)
        form.addRow(self.tr("审查结论"), self.conforms_combo)
        self.opinion_edit = _text_edit("reviewOpinionEdit", self.tr("审查意见"))
        box, error = field_with_error(self.opinion_edit)
        self.errors.add("opinion", self.opinion_edit, error)
        form.addRow(self.tr("审查意见"), box)
        self.site_check = QCheckBox(self.tr("已完成现场核查"), self.form_box)
        self.site_check.setObjectName("siteInspectionCheck")
        box, error = field_with_error(self.site_check)
        self.errors.add("site_inspection_done", self.site_check, error)
        form.addRow(self.tr("现场核查"), box)
        self.site_edit = QLineEdit(self.form_box)
        self.site_edit.setObjectName("siteInspectionEdit")
        self.site_edit.setPlaceholderText(self.tr("核查时间、地点、结果"))
        box, error = field_with_error(self.site_edit)
        self.errors.add("site_inspection_result", self.site_edit, error)
        form.addRow(self.tr("核查结果"), box)
        self.submit_button = QPushButton(self.tr("提交审查意见"), self.form_box)
        self.submit_button.setObjectName("reviewSubmitButton")
        set_kind(self.submit_button, "primary")
        submit_row = QHBoxLayout()
        submit_row.addStretch(1)
        submit_row.addWidget(self.submit_button)
        form.addRow(submit_row)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.submit_button.clicked.connect(self._on_submit_button_clicked)
        self.conforms_combo.currentIndexChanged.connect(self._on_conforms_combo_changed)

    def load_queue(self) -> list[CaseSummary]:
        return queries.review_queue(self.context.uow, self.context.user)

    def case_shown(self, case: Case | None) -> None:
        self.opinion_edit.clear()
        self.site_check.setChecked(False)
        self.site_edit.clear()
        self.conforms_combo.setCurrentIndex(0)
        self._on_conforms_combo_changed(0)
        if case is not None and case.matter.site_inspection:
            self.site_check.setText(self.tr("已完成现场核查（本事项必须现场核查）"))
        else:
            self.site_check.setText(self.tr("已完成现场核查"))

    def _on_conforms_combo_changed(self, _index: int) -> None:
        if not self.opinion_edit.toPlainText().strip() or \
                self.opinion_edit.property("suggested"):
            conforms = bool(self.conforms_combo.currentData())
            self.opinion_edit.setPlainText(
                self.tr("申请材料齐全，符合法定形式，经审查符合法定条件、标准，建议准予许可。")
                if conforms else self.tr("经审查，不符合法定条件、标准，建议不予许可。理由："))
            self.opinion_edit.setProperty("suggested", True)

    def _on_submit_button_clicked(self) -> None:
        case = self.case
        if case is None:
            return
        self.errors.clear()
        opinion = self.opinion_edit.toPlainText().strip()
        if not opinion:
            self.errors.set_error("opinion", self.tr("请填写审查意见。"))
            return
        uow, user = self.context.uow, self.context.user
        conforms = bool(self.conforms_combo.currentData())
        site_done = self.site_check.isChecked()
        site_result = self.site_edit.text().strip()
        self.run_on_case(
            lambda: cases.review(uow, user, case.id, conforms=conforms, opinion=opinion,
                                 site_inspection_done=site_done,
                                 site_inspection_result=site_result),
            self.tr("已提交 {number} 的审查意见，等待首席代表核准。"), [self.submit_button])


class ApprovalQueuePage(QueuePage):
    """待我核准: the chief representative approves or denies reviewed cases (一审一核)."""

    empty_text = "没有待核准的办件。"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("ApprovalQueuePage", "待我核准"), parent)
        self.setObjectName("approvalQueuePage")
        self.add_name_deputy_button()
        self.form_box.setTitle(self.tr("核准"))
        form = QFormLayout(self.form_box)
        self.opinion_edit = _text_edit("approvalOpinionEdit", self.tr("核准意见"))
        box, error = field_with_error(self.opinion_edit)
        self.errors.add("opinion", self.opinion_edit, error)
        form.addRow(self.tr("核准意见"), box)
        self.reasons_edit = _text_edit("denyReasonsEdit", self.tr("不予许可时必须填写理由"))
        box, error = field_with_error(self.reasons_edit)
        self.errors.add("reasons", self.reasons_edit, error)
        form.addRow(self.tr("不予许可理由"), box)
        self.legal_basis_edit = QLineEdit(self.form_box)
        self.legal_basis_edit.setObjectName("denyLegalBasisEdit")
        form.addRow(self.tr("法律依据"), self.legal_basis_edit)
        # The matter's result fields (证件编号、有效期限 ...), rebuilt for each case.
        self.result_box = QGroupBox(self.tr("准予时载明的结果"), self.form_box)
        self.result_box.setObjectName("resultFieldsBox")
        self.result_form = QFormLayout(self.result_box)
        self.result_edits: dict[str, QLineEdit] = {}
        self.result_box.hide()
        form.addRow(self.result_box)
        self.same_person_label = QLabel(self.form_box)
        self.same_person_label.setObjectName("samePersonLabel")
        self.same_person_label.setProperty("role", "fieldError")
        self.same_person_label.setWordWrap(True)
        self.same_person_label.hide()
        form.addRow(self.same_person_label)
        buttons = QHBoxLayout()
        self.approve_button = QPushButton(self.tr("准予许可"), self.form_box)
        self.approve_button.setObjectName("approveButton")
        set_kind(self.approve_button, "primary")
        self.deny_button = QPushButton(self.tr("不予许可"), self.form_box)
        self.deny_button.setObjectName("denyButton")
        set_kind(self.deny_button, "danger")
        buttons.addStretch(1)
        buttons.addWidget(self.deny_button)
        buttons.addWidget(self.approve_button)
        form.addRow(buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.approve_button.clicked.connect(self._on_approve_button_clicked)
        self.deny_button.clicked.connect(self._on_deny_button_clicked)

    def load_queue(self) -> list[CaseSummary]:
        return queries.approval_queue(self.context.uow, self.context.user)

    def _show_result_fields(self, case: Case | None) -> None:
        while self.result_form.rowCount():
            self.result_form.removeRow(0)
        self.result_edits = {}
        fields = case.matter.permit_fields if case is not None else ()
        for spec in fields:
            edit = QLineEdit(self.result_box)
            edit.setObjectName(f"resultField_{spec.code}")
            edit.setPlaceholderText(spec.hint)
            box, error = field_with_error(edit)
            self.errors.add(spec.code, edit, error)
            self.result_form.addRow(spec.label + ("（必填）" if spec.required else ""), box)
            self.result_edits[spec.code] = edit
        self.result_box.setVisible(bool(fields))
        if case is not None and case.matter.certificate_name:
            self.result_box.setTitle(self.tr("《{0}》").format(case.matter.certificate_name))
        else:
            self.result_box.setTitle(self.tr("准予时载明的结果"))

    def case_shown(self, case: Case | None) -> None:
        self.opinion_edit.clear()
        self.reasons_edit.clear()
        self.legal_basis_edit.clear()
        self._show_result_fields(case)
        licensing = case is None or case.matter.matter_type.is_licensing
        self.approve_button.setText(self.tr("准予许可") if licensing else self.tr("准予办结"))
        self.deny_button.setText(self.tr("不予许可") if licensing else self.tr("不予办理"))
        same = case is not None and case.reviewer_id == self.context.user.id \
            and not single_officer_allowed(case)
        self.same_person_label.setVisible(same)
        self.same_person_label.setText(self.tr(
            "一审一核：本件由您审查，不能由您核准，请交其他首席代表或临时代理人核准。"))
        self.approve_button.setEnabled(not same)
        self.deny_button.setEnabled(not same)
        if case is not None and case.review and not same:
            self.opinion_edit.setPlainText(
                self.tr("同意审查意见，准予许可。") if case.review["conforms"]
                else self.tr("同意审查意见，不予许可。"))

    def _on_approve_button_clicked(self) -> None:
        case = self.case
        if case is None:
            return
        self.errors.clear()
        opinion = self.opinion_edit.toPlainText().strip()
        if not opinion:
            self.errors.set_error("opinion", self.tr("请填写核准意见。"))
            return
        uow, user = self.context.uow, self.context.user
        results = {code: edit.text().strip() for code, edit in self.result_edits.items()}
        self.confirm_box = ask_to_confirm(
            self, self.approve_button.text(), act_summary(case, "approve"),
            self.tr("确认{0}").format(self.approve_button.text()),
            lambda: self.run_on_case(
                lambda: cases.approve(uow, user, case.id, opinion=opinion, result_fields=results),
                self.tr("已核准 {number}（%s），请加盖审批专用章后办结。")
                % self.approve_button.text(),
                [self.approve_button, self.deny_button]))

    def _on_deny_button_clicked(self) -> None:
        case = self.case
        if case is None:
            return
        self.errors.clear()
        opinion = self.opinion_edit.toPlainText().strip()
        reasons = self.reasons_edit.toPlainText().strip()
        problems = False
        if not opinion:
            self.errors.set_error("opinion", self.tr("请填写核准意见。"))
            problems = True
        if not reasons:
            self.errors.set_error("reasons", self.tr("不予许可必须说明理由。"))
            problems = True
        if problems:
            return
        uow, user = self.context.uow, self.context.user
        legal_basis = self.legal_basis_edit.text().strip()
        self.confirm_box = ask_to_confirm(
            self, self.deny_button.text(), act_summary(case, "deny"),
            self.tr("确认{0}").format(self.deny_button.text()),
            lambda: self.run_on_case(
                lambda: cases.deny(uow, user, case.id, opinion=opinion, reasons=reasons,
                                   legal_basis=legal_basis),
                self.tr("已决定 {number} %s，请加盖审批专用章后办结。") % self.deny_button.text(),
                [self.approve_button, self.deny_button]))


class SealPage(QueuePage):
    """用印: decisions waiting for the approval seal; the custodian re-enters the password."""

    empty_text = "没有待用印的决定书。"

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("SealPage", "用印"), parent)
        self.setObjectName("sealPage")
        self.add_name_deputy_button()
        self.preview_dialog: DocumentPreviewDialog | None = None
        self.form_box.setTitle(self.tr("加盖审批专用章"))
        form = QFormLayout(self.form_box)
        note = QLabel(self.tr("用印时间即办件的法定办结时间；每次用印记入用印登记簿。"
                              "请核对文书内容后，输入本人登录密码确认。"), self.form_box)
        note.setWordWrap(True)
        note.setProperty("role", "subtle")
        form.addRow(note)
        self.kind_combo = QComboBox(self.form_box)
        self.kind_combo.setObjectName("sealKindCombo")
        form.addRow(self.tr("文书"), self.kind_combo)
        self.password_edit = QLineEdit(self.form_box)
        self.password_edit.setObjectName("sealPasswordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        box, error = field_with_error(self.password_edit)
        self.errors.add("password", self.password_edit, error)
        form.addRow(self.tr("登录密码"), box)
        buttons = QHBoxLayout()
        self.draft_button = QPushButton(self.tr("预览草稿"), self.form_box)
        self.draft_button.setObjectName("sealDraftButton")
        self.seal_button = QPushButton(self.tr("用印"), self.form_box)
        self.seal_button.setObjectName("sealButton")
        set_kind(self.seal_button, "primary")
        buttons.addStretch(1)
        buttons.addWidget(self.draft_button)
        buttons.addWidget(self.seal_button)
        form.addRow(buttons)
        self.unavailable = optional_service("seals") is None or context.key_store is None
        if self.unavailable:
            self.form_box.setTitle(self.tr("加盖审批专用章（本机未安装用印组件）"))
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.seal_button.clicked.connect(self._on_seal_button_clicked)
        self.password_edit.returnPressed.connect(self._on_seal_button_clicked)
        self.draft_button.clicked.connect(self._on_draft_button_clicked)

    def load_queue(self) -> list[CaseSummary]:
        user = self.context.user
        departments = {d for d in {user.department_code, *user.deputy_for_departments}
                       if d and self.context.chief_of(d)}
        rows = queries.sealing_queue(self.context.uow, user)
        return [s for s in rows if s.department_code in departments]

    def case_shown(self, case: Case | None) -> None:
        self.password_edit.clear()
        self.kind_combo.clear()
        if case is not None:
            for kind, label in seal_kinds(case):
                self.kind_combo.addItem(label, kind)
        self.seal_button.setEnabled(case is not None and not self.unavailable)

    def _on_seal_button_clicked(self) -> None:
        case = self.case
        seals = optional_service("seals")
        if case is None or seals is None or self.unavailable:
            return
        self.errors.clear()
        password = self.password_edit.text()
        if not password:
            self.errors.set_error("password", self.tr("请输入本人登录密码以确认用印。"))
            return
        uow, user, key_store = self.context.uow, self.context.user, self.context.key_store
        kind = self.kind_combo.currentData()
        self.password_edit.clear()
        self.confirm_box = ask_to_confirm(
            self, self.tr("用印"), act_summary(case, "seal", document_kind=kind),
            self.tr("确认用印"),
            lambda: self.run_on_case(
                lambda: seals.apply_seal(uow, user, case.id, document_kind=kind,
                                         password=password, key_store=key_store),
                self.tr("已为 {number} 用印。"), [self.seal_button]))

    def after_success(self, case: Case, result: Any) -> None:
        if hasattr(result, "pdf"):
            self.preview_dialog = DocumentPreviewDialog(
                [PreviewItem(f"{result.title}（已盖章）", result.pdf,
                             f"{case.number}-{result.title}.pdf", result.docx,
                             docx_is_reference_copy=True)], parent=self)
            self.preview_dialog.open()

    def _on_draft_button_clicked(self) -> None:
        case = self.case
        documents = optional_service("documents")
        if case is None or documents is None:
            return
        from app.print_templates import DocumentKind

        kind = DocumentKind(self.kind_combo.currentData())
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(
            lambda: (documents.preview_draft(uow, user, case.id, kind),
                     documents.preview_draft(uow, user, case.id, kind, word=True)),
            on_done=lambda files: self._show_draft(case, kind.label, *files),
            on_error=self.message_bar.show_error, label=self.tr("正在生成草稿…"), parent=self)

    def _show_draft(self, case: Case, title: str, pdf: bytes, docx: bytes) -> None:
        self.preview_dialog = DocumentPreviewDialog(
            [PreviewItem(f"{title}（草稿）", pdf, f"{case.number}-{title}-草稿.pdf", docx)],
            parent=self)
        self.preview_dialog.open()
