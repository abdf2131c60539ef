"""投诉与差评: the complaint desk (投诉) and the 差评 follow-up (回访、整改、申诉).

Two tabs over the services of ``app.services.complaints`` and ``app.services.evaluations``.
Each act opens a :class:`FormDialog`; the service decides, and a refusal is shown in
the dialog by its field with everything typed kept. The lists show no contact details:
a complaint's phone number is shown only to the desk and the person it was assigned to,
in the detail pane.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.case import APPEAL_REASONS, FOLLOW_UP_METHODS
from app.domain.complaint import (
    ANSWER_METHODS,
    COMPLAINANT_REPLIES,
    COMPLAINT_CHANNELS,
    COMPLAINT_FINDINGS,
    Complaint,
    ComplaintState,
)
from app.domain.roles import Action
from app.forms.dialogs import FieldSpec, FormDialog
from app.services import accounts, complaints, evaluations
from app.ui.context import AppContext
from app.ui.page import Page
from app.ui.widgets import format_date, list_tree, local_time, set_kind

_STATE_LABELS = {state.value: state.label for state in ComplaintState}


def _tr(text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate("ComplaintsPage", text)


class ComplaintsPage(Page):
    """投诉与差评: complaints registered, assigned, investigated and answered; 差评 called
    back, rectified or appealed."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("投诉与差评"), parent)
        self.setObjectName("complaintsPage")
        self._dialog: FormDialog | None = None
        self._staff: list[dict[str, Any]] = []
        self._complaint: Complaint | None = None
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("supervisionTabs")
        self.tabs.addTab(self._complaints_tab(), self.tr("投诉"))
        self.tabs.addTab(self._follow_up_tab(), self.tr("差评回访整改"))
        if not context.can(Action.HANDLE_COMPLAINT) and not context.can(
                Action.INVESTIGATE_COMPLAINT):
            self.tabs.setTabVisible(0, False)
        self.root_layout.addWidget(self.tabs, 1)
        self._connect_signals()

    # --- building ----------------------------------------------------------------

    def _button(self, text: str, name: str, row: QHBoxLayout, kind: str = "") -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        if kind:
            set_kind(button, kind)
        row.addWidget(button)
        return button

    def _complaints_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.register_button = self._button(self.tr("登记投诉…"), "registerComplaintButton",
                                            row, "primary")
        self.register_button.setVisible(self.context.can(Action.HANDLE_COMPLAINT))
        self.assign_button = self._button(self.tr("交办…"), "assignComplaintButton", row)
        self.investigate_button = self._button(self.tr("登记核实结果…"),
                                               "investigateComplaintButton", row)
        self.answer_button = self._button(self.tr("答复投诉人…"), "answerComplaintButton", row)
        self.reply_button = self._button(self.tr("登记投诉人反馈…"), "replyComplaintButton", row)
        self.close_button = self._button(self.tr("匿名投诉办结…"), "closeComplaintButton", row)
        row.addStretch(1)
        layout.addLayout(row)
        splitter = QSplitter(Qt.Orientation.Vertical, tab)
        self.complaint_tree = list_tree(self, "complaintTree", [
            self.tr("投诉编号"), self.tr("登记时间"), self.tr("渠道"), self.tr("投诉人"),
            self.tr("被投诉对象"), self.tr("状态"), self.tr("承办人"), self.tr("答复期限"),
            self.tr("核实结论")])
        splitter.addWidget(self.complaint_tree)
        self.complaint_detail = QPlainTextEdit(tab)
        self.complaint_detail.setObjectName("complaintDetail")
        self.complaint_detail.setReadOnly(True)
        splitter.addWidget(self.complaint_detail)
        splitter.setSizes([400, 220])
        layout.addWidget(splitter, 1)
        # The filter sits with the count, below the list: the acts' row is wide enough.
        bottom = QHBoxLayout()
        self.complaint_count = QLabel(tab)
        self.complaint_count.setObjectName("complaintCountLabel")
        self.complaint_count.setProperty("role", "subtle")
        bottom.addWidget(self.complaint_count, 1)
        self.open_only_check = QCheckBox(self.tr("只看未办结"), self)
        self.open_only_check.setObjectName("complaintsOpenOnly")
        bottom.addWidget(self.open_only_check)
        self.deadlines_button = QPushButton(self.tr("期限设置…"), self)
        self.deadlines_button.setObjectName("complaintDeadlinesButton")
        self.deadlines_button.setVisible(self.context.can(Action.MANAGE_SETTINGS))
        bottom.addWidget(self.deadlines_button)
        layout.addLayout(bottom)
        return tab

    def _follow_up_tab(self) -> QWidget:
        tab = QWidget(self)
        layout = QVBoxLayout(tab)
        row = QHBoxLayout()
        self.follow_up_button = self._button(self.tr("登记回访…"), "followUpButton", row,
                                             "primary")
        self.rectify_order_button = self._button(self.tr("下达整改…"), "orderRectificationButton",
                                                 row)
        self.rectified_button = self._button(self.tr("登记整改结果…"), "rectifiedButton", row)
        self.appeal_button = self._button(self.tr("申诉…"), "appealButton", row)
        self.decide_button = self._button(self.tr("决定申诉…"), "decideAppealButton", row)
        self.open_case_button = self._button(self.tr("打开办件"), "openRatedCaseButton", row)
        row.addStretch(1)
        layout.addLayout(row)
        self.follow_tree = list_tree(self, "followUpTree", [
            self.tr("受理编号"), self.tr("事项"), self.tr("窗口"), self.tr("评价"),
            self.tr("评价日"), self.tr("回访期限"), self.tr("回访"), self.tr("整改"),
            self.tr("申诉"), self.tr("评价内容")])
        layout.addWidget(self.follow_tree, 1)
        bottom = QHBoxLayout()
        self.follow_count = QLabel(tab)
        self.follow_count.setObjectName("followUpCountLabel")
        self.follow_count.setProperty("role", "subtle")
        bottom.addWidget(self.follow_count, 1)
        self.follow_open_check = QCheckBox(self.tr("只看未完成"), self)
        self.follow_open_check.setObjectName("followUpOpenOnly")
        bottom.addWidget(self.follow_open_check)
        layout.addLayout(bottom)
        hint = QLabel(self.tr("每一条不满意、非常不满意评价都要回访；经回访问题属实的下达整改并"
                              "限期登记结果。窗口可对误评、恶意差评申诉，由电子监察决定，"
                              "申诉成立的评价不计入考核。"), tab)
        hint.setWordWrap(True)
        hint.setProperty("role", "subtle")
        layout.addWidget(hint)
        return tab

    def _connect_signals(self) -> None:
        self.register_button.clicked.connect(self._on_register_button_clicked)
        self.assign_button.clicked.connect(self._on_assign_button_clicked)
        self.investigate_button.clicked.connect(self._on_investigate_button_clicked)
        self.answer_button.clicked.connect(self._on_answer_button_clicked)
        self.reply_button.clicked.connect(self._on_reply_button_clicked)
        self.close_button.clicked.connect(self._on_close_button_clicked)
        self.open_only_check.toggled.connect(self._on_filter_toggled)
        self.deadlines_button.clicked.connect(self._on_deadlines_button_clicked)
        self.follow_open_check.toggled.connect(self._on_filter_toggled)
        self.complaint_tree.currentItemChanged.connect(self._on_complaint_tree_current_changed)
        self.follow_tree.currentItemChanged.connect(self._on_follow_tree_current_changed)
        self.follow_tree.itemActivated.connect(self._on_follow_tree_item_activated)
        self.follow_up_button.clicked.connect(self._on_follow_up_button_clicked)
        self.rectify_order_button.clicked.connect(self._on_rectify_order_button_clicked)
        self.rectified_button.clicked.connect(self._on_rectified_button_clicked)
        self.appeal_button.clicked.connect(self._on_appeal_button_clicked)
        self.decide_button.clicked.connect(self._on_decide_button_clicked)
        self.open_case_button.clicked.connect(self._on_open_case_button_clicked)

    # --- loading -----------------------------------------------------------------

    def activate(self) -> None:
        uow = self.context.uow
        if not self._staff:
            self.context.runner.run(lambda: accounts.list_users(uow), on_done=self._on_staff,
                                    on_error=self.message_bar.show_error, owner=self)
        self.refresh()

    def refresh(self) -> None:
        uow, user = self.context.uow, self.context.user
        open_only = self.open_only_check.isChecked()
        follow_open = self.follow_open_check.isChecked()
        if self.tabs.isTabVisible(0):
            self.context.runner.run(
                lambda: complaints.list_complaints(uow, user, open_only=open_only),
                on_done=self._on_complaints, on_error=self.message_bar.show_error, owner=self)
        self.context.runner.run(
            lambda: evaluations.follow_up_list(uow, user, open_only=follow_open),
            on_done=self._on_follow_ups, on_error=self.message_bar.show_error, owner=self)

    def _on_staff(self, users: list[dict[str, Any]]) -> None:
        self._staff = [u for u in users if u["active"]]

    def _on_filter_toggled(self, _checked: bool) -> None:
        self.refresh()

    def _on_complaints(self, listed: list[complaints.ComplaintListing]) -> None:
        selected = self._selected_complaint_id()
        self.complaint_tree.clear()
        overdue = 0
        for entry in listed:
            state = _STATE_LABELS.get(entry.state, entry.state)
            if entry.overdue:
                state = self.tr("{0}（已超期）").format(state)
                overdue += 1
            elif entry.on_time is False:
                state = self.tr("{0}（超期答复）").format(state)
            item = QTreeWidgetItem([
                entry.number, local_time(entry.registered_at),
                COMPLAINT_CHANNELS.get(entry.channel, entry.channel), entry.complainant,
                entry.subject, state, entry.assignee_name or "—", format_date(entry.answer_due),
                COMPLAINT_FINDINGS.get(entry.finding, "—")])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.id)
            if entry.overdue:
                item.setForeground(5, Qt.GlobalColor.red)
            self.complaint_tree.addTopLevelItem(item)
            if entry.id == selected:
                self.complaint_tree.setCurrentItem(item)
        self.complaint_count.setText(self.tr("共 {0} 件投诉，其中超期未答复 {1} 件").format(
            len(listed), overdue))
        self._update_complaint_buttons()

    def _on_follow_ups(self, items: list[evaluations.FollowUpItem]) -> None:
        self._follow_items = {i.case_id: i for i in items}
        selected = self._selected_case_id()
        self.follow_tree.clear()
        for entry in items:
            if entry.followed_up:
                follow = self.tr("已回访") if entry.followed_up_on_time else self.tr("超期回访")
            else:
                follow = self.tr("已超期") if entry.overdue else self.tr("待回访")
            if entry.rectification_due is None:
                rectify = "—" if entry.complaint_stands is not True else self.tr("待下达")
            elif entry.rectified:
                rectify = self.tr("已整改")
            else:
                rectify = self.tr("整改中（{0}前）").format(format_date(entry.rectification_due))
            item = QTreeWidgetItem([
                entry.case_number, entry.matter_name, entry.window_name or "—",
                entry.rating_label, format_date(entry.rated_on),
                format_date(entry.follow_up_due), follow, rectify, entry.appeal_state or "—",
                entry.comment])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.case_id)
            if entry.overdue:
                item.setForeground(6, Qt.GlobalColor.red)
            self.follow_tree.addTopLevelItem(item)
            if entry.case_id == selected:
                self.follow_tree.setCurrentItem(item)
        pending = sum(1 for i in items if not i.done)
        self.follow_count.setText(self.tr("共 {0} 条差评，未完成 {1} 条").format(
            len(items), pending))
        self._update_follow_buttons()

    # --- selection ---------------------------------------------------------------

    def _selected_complaint_id(self) -> str:
        item = self.complaint_tree.currentItem()
        return str(item.data(0, Qt.ItemDataRole.UserRole)) if item else ""

    def _selected_case_id(self) -> str:
        item = self.follow_tree.currentItem()
        return str(item.data(0, Qt.ItemDataRole.UserRole)) if item else ""

    def _on_complaint_tree_current_changed(self, current: QTreeWidgetItem | None,
                                           _previous: object) -> None:
        self._complaint = None
        self.complaint_detail.clear()
        self._update_complaint_buttons()
        if current is None:
            return
        complaint_id = str(current.data(0, Qt.ItemDataRole.UserRole))
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(lambda: complaints.get_complaint(uow, user, complaint_id),
                                on_done=self._on_complaint_loaded,
                                on_error=self.message_bar.show_error, owner=self)

    def _on_complaint_loaded(self, complaint: Complaint) -> None:
        if complaint.id != self._selected_complaint_id():
            return
        self._complaint = complaint
        self.complaint_detail.setPlainText(complaint_text(complaint))
        self._update_complaint_buttons()

    def _update_complaint_buttons(self) -> None:
        complaint = self._complaint
        state = complaint.state if complaint else None
        desk = self.context.can(Action.HANDLE_COMPLAINT)
        mine = complaint is not None and complaint.assignee_id == self.context.user.id
        self.assign_button.setEnabled(desk and state in (ComplaintState.REGISTERED,
                                                         ComplaintState.ASSIGNED))
        self.investigate_button.setEnabled(state is ComplaintState.ASSIGNED and (desk or mine))
        anonymous = bool(complaint and complaint.anonymous)
        self.answer_button.setEnabled(desk and state is ComplaintState.INVESTIGATED
                                      and not anonymous)
        self.close_button.setEnabled(desk and state is ComplaintState.INVESTIGATED and anonymous)
        self.reply_button.setEnabled(desk and state is ComplaintState.ANSWERED
                                     and complaint is not None and complaint.reply is None)

    def _on_follow_tree_current_changed(self, _current: object, _previous: object) -> None:
        self._update_follow_buttons()

    def _on_follow_tree_item_activated(self, _item: QTreeWidgetItem, _column: int) -> None:
        self._on_open_case_button_clicked()

    def _current_follow_up(self) -> evaluations.FollowUpItem | None:
        return getattr(self, "_follow_items", {}).get(self._selected_case_id())

    def _update_follow_buttons(self) -> None:
        entry = self._current_follow_up()
        can = self.context.can
        evaluation = (entry.case.evaluation or {}) if entry else {}
        excluded = bool(evaluation.get("excluded"))
        appeal = evaluation.get("appeal")
        self.follow_up_button.setEnabled(bool(
            entry and can(Action.FOLLOW_UP_EVALUATION) and not entry.followed_up
            and not excluded))
        self.rectify_order_button.setEnabled(bool(
            entry and can(Action.FOLLOW_UP_EVALUATION) and entry.complaint_stands
            and entry.rectification_due is None and not excluded))
        self.rectified_button.setEnabled(bool(
            entry and can(Action.RECORD_RECTIFICATION) and entry.rectification_due is not None
            and not entry.rectified))
        self.appeal_button.setVisible(can(Action.APPEAL_EVALUATION))
        self.appeal_button.setEnabled(bool(entry and appeal is None and not excluded))
        self.decide_button.setVisible(can(Action.DECIDE_APPEAL))
        self.decide_button.setEnabled(bool(
            entry and appeal is not None and appeal.get("decision") is None
            and appeal.get("actor_id") != self.context.user.id))
        self.open_case_button.setEnabled(entry is not None)

    # --- acts --------------------------------------------------------------------

    def _ask(self, title: str, fields: list[FieldSpec],
             act: Callable[[dict[str, Any]], Any], *, intro: str = "",
             submit_text: str = "确定") -> FormDialog:
        dialog = FormDialog(title, fields, intro=intro, submit_text=submit_text, parent=self)
        dialog.setObjectName("supervisionDialog")
        self._dialog = dialog

        def submitted(values: dict[str, Any]) -> None:
            self.context.runner.run(lambda: act(values), on_done=lambda _r: self._done(dialog),
                                    on_error=dialog.show_error, owner=self)

        dialog.submitted.connect(submitted)
        dialog.open()
        return dialog

    def _done(self, dialog: FormDialog) -> None:
        dialog.finish()
        self.message_bar.success(self.tr("已保存：{0}").format(dialog.windowTitle()))
        self.refresh()
        current = self.complaint_tree.currentItem()
        if current is not None:
            self._on_complaint_tree_current_changed(current, None)

    def _staff_options(self, *, exclude: str = "") -> list[tuple[str, str]]:
        return [(u["id"], f"{u['display_name']}（{u.get('window_name') or '无窗口'}）")
                for u in self._staff if u["id"] != exclude]

    def _on_register_button_clicked(self) -> None:
        uow, user = self.context.uow, self.context.user
        people = [("", self.tr("（不针对个人）")), *self._staff_options()]
        fields = [
            FieldSpec("channel", self.tr("投诉渠道"), "combo", True,
                      list(COMPLAINT_CHANNELS.items()), "complaint_window"),
            FieldSpec("anonymous", self.tr("匿名"), "check", placeholder=self.tr("投诉人不留姓名")),
            FieldSpec("name", self.tr("投诉人姓名")),
            FieldSpec("phone", self.tr("联系电话")),
            FieldSpec("window_name", self.tr("被投诉窗口"), placeholder=self.tr("如 3号窗口")),
            FieldSpec("staff_id", self.tr("被投诉人"), "combo", options=people),
            FieldSpec("case_number", self.tr("所涉办件"),
                      placeholder=self.tr("受理编号，可不填")),
            FieldSpec("content", self.tr("投诉内容"), "text", True),
        ]

        def act(values: dict[str, Any]) -> Any:
            complainant = ({"anonymous": True} if values["anonymous"]
                           else {"name": values["name"], "phone": values["phone"]})
            return complaints.register_complaint(
                uow, user, channel=values["channel"], complainant=complainant,
                content=values["content"], window_name=values["window_name"],
                staff_id=values["staff_id"] or "", case_number=values["case_number"])

        self._ask(self.tr("登记投诉"), fields, act, submit_text=self.tr("登记"),
                  intro=self.tr("实名投诉必须在答复期限内答复投诉人；答复期限按系统设置的"
                                "工作日自登记之日起计算。"))

    def _on_deadlines_button_clicked(self) -> None:
        uow = self.context.uow
        self.context.runner.run(lambda: complaints.deadline_settings(uow),
                                on_done=self._ask_deadlines, on_error=self.message_bar.show_error,
                                owner=self)

    def _ask_deadlines(self, current: tuple[int, int]) -> None:
        uow, user = self.context.uow, self.context.user
        answer_days, follow_up_days = current

        def act(values: dict[str, Any]) -> None:
            complaints.set_answer_working_days(uow, user, values["answer_days"])
            evaluations.set_follow_up_working_days(uow, user, values["follow_up_days"])

        self._ask(self.tr("投诉和差评期限"), [
            FieldSpec("answer_days", self.tr("投诉答复期限（工作日）"), "spin",
                      default=answer_days, minimum=1, maximum=60),
            FieldSpec("follow_up_days", self.tr("差评回访期限（工作日）"), "spin",
                      default=follow_up_days, minimum=1, maximum=30),
        ], act, intro=self.tr("新登记的投诉按新的答复期限计算；已登记的投诉保持登记时的期限。"))

    def _complaint_act(self, title: str, fields: list[FieldSpec],
                       call: Callable[..., Any], intro: str = "") -> None:
        complaint = self._complaint
        if complaint is None:
            return
        uow, user = self.context.uow, self.context.user
        self._ask(title, fields, lambda v: call(uow, user, complaint.id, **v), intro=intro)

    def _on_assign_button_clicked(self) -> None:
        exclude = self._complaint.staff_id if self._complaint else ""
        self._complaint_act(self.tr("交办投诉"), [
            FieldSpec("assignee_id", self.tr("承办人"), "combo", True,
                      self._staff_options(exclude=exclude)),
            FieldSpec("instructions", self.tr("交办意见"), "text"),
        ], complaints.assign_complaint)

    def _on_investigate_button_clicked(self) -> None:
        self._complaint_act(self.tr("登记核实结果"), [
            FieldSpec("finding", self.tr("核实结论"), "combo", True,
                      list(COMPLAINT_FINDINGS.items())),
            FieldSpec("facts", self.tr("调查核实情况"), "text", True),
            FieldSpec("measures", self.tr("处理意见"), "text"),
        ], complaints.investigate_complaint)

    def _on_answer_button_clicked(self) -> None:
        self._complaint_act(self.tr("答复投诉人"), [
            FieldSpec("method", self.tr("答复方式"), "combo", True, list(ANSWER_METHODS.items())),
            FieldSpec("text", self.tr("答复内容"), "text", True),
        ], complaints.answer_complaint)

    def _on_reply_button_clicked(self) -> None:
        self._complaint_act(self.tr("登记投诉人反馈"), [
            FieldSpec("opinion", self.tr("投诉人意见"), "combo", True,
                      list(COMPLAINANT_REPLIES.items())),
            FieldSpec("remarks", self.tr("反馈内容"), "text"),
        ], complaints.record_reply)

    def _on_close_button_clicked(self) -> None:
        self._complaint_act(self.tr("匿名投诉办结"), [
            FieldSpec("remarks", self.tr("办结说明"), "text", True),
        ], complaints.close_anonymous, intro=self.tr("匿名投诉无法答复投诉人，核实后登记办结。"))

    def _case_act(self, title: str, fields: list[FieldSpec], call: Callable[..., Any],
                  convert: Callable[[dict[str, Any]], dict[str, Any]] = dict,
                  intro: str = "") -> None:
        case_id = self._selected_case_id()
        if not case_id:
            return
        uow, user = self.context.uow, self.context.user
        self._ask(title, fields, lambda v: call(uow, user, case_id, **convert(v)), intro=intro)

    def _on_follow_up_button_clicked(self) -> None:
        self._case_act(self.tr("登记差评回访"), [
            FieldSpec("method", self.tr("回访方式"), "combo", True,
                      list(FOLLOW_UP_METHODS.items())),
            FieldSpec("complaint_stands", self.tr("核实结论"), "combo", True,
                      [("yes", self.tr("反映问题属实，需整改")),
                       ("no", self.tr("反映问题不属实或已当场解决"))]),
            FieldSpec("result", self.tr("回访情况"), "text", True),
        ], evaluations.record_follow_up,
            lambda v: {**v, "complaint_stands": v["complaint_stands"] == "yes"})

    def _on_rectify_order_button_clicked(self) -> None:
        self._case_act(self.tr("下达差评整改"), [
            FieldSpec("measures", self.tr("整改要求"), "text", True),
            FieldSpec("responsible", self.tr("整改责任人"), required=True),
            FieldSpec("due", self.tr("整改期限"), "date",
                      default=date.today() + timedelta(days=14)),
        ], evaluations.order_rectification)

    def _on_rectified_button_clicked(self) -> None:
        self._case_act(self.tr("登记整改结果"), [
            FieldSpec("result", self.tr("整改结果"), "text", True),
        ], evaluations.record_rectification)

    def _on_appeal_button_clicked(self) -> None:
        self._case_act(self.tr("差评申诉"), [
            FieldSpec("reason_code", self.tr("申诉理由"), "combo", True,
                      list(APPEAL_REASONS.items())),
            FieldSpec("reason", self.tr("事实和依据"), "text", True),
        ], evaluations.appeal, intro=self.tr("同一评价只能申诉一次，由电子监察审核决定。"))

    def _on_decide_button_clicked(self) -> None:
        self._case_act(self.tr("决定差评申诉"), [
            FieldSpec("upheld", self.tr("决定"), "combo", True,
                      [("yes", self.tr("申诉成立，评价不计入考核")),
                       ("no", self.tr("申诉不成立"))]),
            FieldSpec("opinion", self.tr("审核意见"), "text", True),
        ], evaluations.decide_appeal, lambda v: {**v, "upheld": v["upheld"] == "yes"})

    def _on_open_case_button_clicked(self) -> None:
        case_id = self._selected_case_id()
        if case_id:
            self.openCaseRequested.emit(case_id)


def complaint_text(complaint: Complaint) -> str:
    """The detail pane: the whole complaint as the desk reads it."""
    who = _tr("匿名") if complaint.anonymous else _tr("{0}，电话 {1}").format(
        complaint.complainant.get("name", ""), complaint.complainant.get("phone", ""))
    subject = "，".join(p for p in (complaint.window_name, complaint.staff_name,
                                    complaint.case_number) if p)
    lines = [
        _tr("投诉编号：{0}　状态：{1}").format(complaint.number, complaint.state.label),
        _tr("投诉人：{0}　渠道：{1}").format(who, COMPLAINT_CHANNELS.get(complaint.channel, "")),
        _tr("被投诉对象：{0}").format(subject),
        _tr("投诉内容：{0}").format(complaint.content),
        _tr("登记：{0} {1}；答复期限 {2}（{3}个工作日）").format(
            local_time(complaint.registered_at), complaint.registered_by,
            format_date(complaint.answer_due), complaint.answer_working_days),
    ]
    if complaint.assignment:
        lines.append(_tr("交办：{0}，{1}").format(complaint.assignment["assignee_name"],
                                              complaint.assignment.get("instructions") or "—"))
    if complaint.investigation:
        lines.append(_tr("核实结论：{0}；{1}").format(
            COMPLAINT_FINDINGS[complaint.finding], complaint.investigation["facts"]))
    if complaint.answer:
        lines.append(_tr("答复（{0}）：{1}").format(
            ANSWER_METHODS.get(complaint.answer["method"], ""), complaint.answer["text"]))
    if complaint.reply:
        lines.append(_tr("投诉人意见：{0}").format(
            COMPLAINANT_REPLIES.get(complaint.reply["opinion"], "")))
    if complaint.closure:
        lines.append(_tr("办结：{0}").format(complaint.closure["remarks"]))
    return "\n".join(lines)

