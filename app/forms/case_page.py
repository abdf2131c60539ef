"""The case page: everything about one case, and the actions the user may take now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from html import escape
from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.ab_post import acting_for_text
from app.domain.case import (
    APPEAL_REASONS,
    CUSTODY_LEGS,
    EVALUATION_CHANNELS,
    EVALUATION_RATINGS,
    FOLLOW_UP_METHODS,
    FORWARD_RESULTS,
    SUSPENSION_REASONS,
    Case,
    CaseState,
    category,
)
from app.domain.catalog import MaterialForm
from app.domain.errors import DomainError
from app.domain.events import Event, EventType
from app.domain.identity import ID_TYPE_LABELS, IdType, mask_id_number, mask_phone
from app.domain.roles import Action
from app.forms.case_actions import CaseAction, available_actions, seal_kinds
from app.forms.dialogs import FieldSpec, FormDialog, NoticeDialog
from app.forms.intake_actions import (
    ActionOutcome,
    inspection_summary,
    intake_actions,
    intake_overview_rows,
)
from app.print_templates import DocumentKind
from app.services import cases, custody, promises, queries
from app.services.context import local_date, utc_now
from app.services.queries import CaseSummary
from app.ui.context import AppContext, optional_service
from app.ui.documents import DocumentPreviewDialog, PreviewItem
from app.ui.feedback import MessageBar
from app.ui.widgets import (
    intake_due_text,
    iso_local_time,
    local_time,
    set_kind,
    title_label,
    yuan,
)

DOCUMENT_LABELS = {kind.value: kind.label for kind in DocumentKind}
OUTCOME_LABELS = {"approved": "准予许可", "denied": "不予许可", "rejected": "不予受理",
                  "withdrawn": "申请人撤回", "returned": "上级退回"}


@dataclass
class CaseView:
    """What the page shows, loaded in one background call."""

    case: Case
    history: list[Event]
    summary: CaseSummary | None
    documents: list[Any] = field(default_factory=list)
    # The applicant's 告知承诺 found broken on other cases, here or published by the county.
    broken_promises: list[Any] = field(default_factory=list)
    # 代办: the next hand-over and its due day (custody.LegDue), if a chain runs.
    custody_due: Any = None
    # 第三十二条: the last day to accept, refuse or give the one-time notice.
    intake_due: date | None = None


def load_case_view(context: AppContext, case_id: str) -> CaseView:
    """Runs in the background."""
    uow, user = context.uow, context.user
    case = cases.get_case(uow, case_id)
    history = cases.case_history(uow, case_id)
    summary = queries.case_summary(uow, user, case_id)
    documents = optional_service("documents")
    issued = documents.documents_for_case(uow, case_id) if documents is not None else []
    broken = promises.broken_promises(uow, user, id_number=str(case.applicant.get("id_number", "")),
                                      except_case_id=case.id)
    due = custody.next_leg_due(uow, case)
    return CaseView(case, history, summary, issued, broken, due, cases.intake_due(uow, case))


def describe_event(event: Event) -> str:
    """One line of the timeline's details column."""
    p = event.payload
    match event.type:
        case EventType.REGISTERED:
            return f"受理编号 {p.get('number', '')}" + ("（绿色通道）" if p.get("green_channel") else "")
        case EventType.MATERIALS_RECORDED:
            rows = p.get("materials", [])
            return f"已收取 {sum(1 for r in rows if r.get('received'))}/{len(rows)} 项材料"
        case EventType.NOTICE_ISSUED:
            return "需补正：" + "、".join(str(m.get("name")) for m in p.get("missing", []))
        case EventType.SUPPLEMENTED:
            return "补交：" + "、".join(str(n) for n in p.get("received", []))
        case EventType.ACCEPTED:
            deemed = ("（逾期未告知，依行政许可法第三十二条自收到材料之日起受理）"
                      if p.get("deemed_from_receipt") else "")
            return (f"受理日期 {p.get('accepted_on', '')}{deemed}，"
                    f"承诺 {p.get('promised_working_days', '')} 个工作日")
        case EventType.REJECTED:
            return f"理由：{p.get('reasons', '')}"
        case EventType.REVIEWED:
            verdict = "符合" if p.get("conforms") else "不符合"
            return f"{verdict}；{p.get('opinion', '')}"
        case EventType.COUNTERSIGNED:
            return f"{p.get('department_code', '')}：{'同意' if p.get('agree') else '不同意'}；{p.get('opinion', '')}"
        case EventType.APPROVED:
            return str(p.get("opinion", ""))
        case EventType.DENIED:
            return f"{p.get('opinion', '')}；理由：{p.get('reasons', '')}"
        case EventType.SEALED:
            kind = DOCUMENT_LABELS.get(str(p.get("document_kind")), str(p.get("document_kind")))
            return f"{kind} {p.get('document_number', '')}"
        case EventType.DELIVERED:
            receiver = f"，签收人 {p['receiver']}" if p.get("receiver") else ""
            return f"{p.get('method', '')}{receiver}"
        case EventType.FORWARDED:
            return f"上报至 {p.get('authority', '')}"
        case EventType.FORWARD_RETURNED:
            return f"{FORWARD_RESULTS.get(str(p.get('result')), '')}；{p.get('opinion', '')}"
        case EventType.WITHDRAWN:
            return str(p.get("reason", ""))
        case EventType.SUSPENDED:
            needs = (f"，所需 {p['expected_working_days']} 个工作日"
                     if p.get("expected_working_days") else "")
            return (f"{SUSPENSION_REASONS.get(str(p.get('reason_code')), '')}{needs} "
                    f"{p.get('reason', '')}").strip()
        case EventType.RESUMED:
            return f"恢复日期 {p.get('end', '')}"
        case EventType.EXTENDED:
            head = f"（经{p['head_approval']}批准）" if p.get("head_approval") else ""
            return f"延长 {p.get('working_days', '')} 个工作日{head}：{p.get('reason', '')}"
        case EventType.FEE_RECORDED:
            return "、".join(f"{i.get('name')} {int(i.get('amount_fen', 0)) / 100:.2f}元"
                            for i in p.get("items", []))
        case EventType.FEE_PAID:
            return f"{int(p.get('amount_fen', 0)) / 100:.2f}元，票据号 {p.get('receipt_number', '')}"
        case EventType.TOLERANCE_FULFILLED:
            return "补齐：" + "、".join(str(n) for n in p.get("received", []))
        case EventType.PROMISE_CHECKED:
            return f"{'承诺属实' if p.get('kept') else '承诺不实'}：{p.get('finding', '')}"
        case EventType.INSPECTION_SCHEDULED:
            late = "（晚于规定时间）" if p.get("late") else ""
            return f"{p.get('date', '')} {p.get('place', '')}{late}"
        case EventType.INSPECTION_RECORDED:
            return f"结论：{p.get('conclusion', '')}"
        case EventType.HANDED_OVER:
            return (f"{CUSTODY_LEGS.get(str(p.get('leg')), '')}：{p.get('giver', '')} → "
                    f"{p.get('receiver', '')}")
        case EventType.EVALUATED:
            return EVALUATION_RATINGS.get(str(p.get("rating")), "") + (
                f"：{p['comment']}" if p.get("comment") else "")
        case EventType.EVALUATION_FOLLOWED_UP:
            stands = "问题属实" if p.get("complaint_stands") else "问题不属实"
            return f"{FOLLOW_UP_METHODS.get(str(p.get('method')), '')}，{stands}：{p.get('result', '')}"
        case EventType.RECTIFICATION_ORDERED:
            return f"{p.get('measures', '')}（{p.get('responsible', '')}，{p.get('due', '')}前）"
        case EventType.RECTIFIED:
            return str(p.get("result", ""))
        case EventType.EVALUATION_APPEALED:
            return f"{APPEAL_REASONS.get(str(p.get('reason_code')), '')}：{p.get('reason', '')}"
        case EventType.APPEAL_DECIDED:
            upheld = "申诉成立，评价不计入考核" if p.get("upheld") else "申诉不成立"
            return f"{upheld}：{p.get('opinion', '')}"
    return ""


class CasePage(QWidget):
    """One case: who, what, which materials, what happened, when it is due, what to do."""

    backRequested = pyqtSignal()
    caseChanged = pyqtSignal(str)
    openCaseRequested = pyqtSignal(str)
    loaded = pyqtSignal(object)  # CaseView

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("casePage")
        self.view: CaseView | None = None
        self.case_id = ""
        self.dialog: QWidget | None = None
        self.preview_dialog: DocumentPreviewDialog | None = None
        self.action_buttons: dict[str, QPushButton] = {}

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        top = QHBoxLayout()
        self.back_button = QPushButton(self.tr("← 返回"), self)
        self.back_button.setObjectName("caseBackButton")
        self.back_button.setShortcut("Alt+Left")
        top.addWidget(self.back_button)
        self.title = title_label(self.tr("办件"), self)
        self.title.setObjectName("caseTitle")
        self.title.setWordWrap(True)  # a long matter name wraps instead of pushing the page wide
        top.addWidget(self.title)
        self.state_badge = QLabel(self)
        self.state_badge.setObjectName("caseStateBadge")
        self.state_badge.setProperty("role", "badge")
        top.addWidget(self.state_badge)
        top.addStretch(1)
        layout.addLayout(top)
        # The deadline on a line of its own, wrapped: at 150 % the header has no room.
        self.deadline_label = QLabel(self)
        self.deadline_label.setObjectName("caseDeadlineLabel")
        self.deadline_label.setProperty("role", "deadline")
        self.deadline_label.setWordWrap(True)
        layout.addWidget(self.deadline_label)
        self.message_bar = MessageBar(self)
        layout.addWidget(self.message_bar)
        self.actions_row = QHBoxLayout()
        self.actions_row.setSpacing(6)
        self.actions_hint = QLabel(self)
        self.actions_hint.setObjectName("caseActionsHint")
        self.actions_hint.setProperty("role", "subtle")
        actions_box = QWidget(self)
        actions_box.setObjectName("caseActions")
        actions_layout = QHBoxLayout(actions_box)
        actions_layout.setContentsMargins(0, 0, 0, 0)
        actions_layout.addLayout(self.actions_row)
        actions_layout.addStretch(1)
        actions_layout.addWidget(self.actions_hint)
        layout.addWidget(actions_box)

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("caseTabs")
        self.overview = QTextBrowser(self)
        self.overview.setObjectName("caseOverview")
        self.tabs.addTab(self.overview, self.tr("概要"))
        self.materials_view = QTextBrowser(self)
        self.materials_view.setObjectName("caseMaterials")
        self.tabs.addTab(self.materials_view, self.tr("材料"))
        self.timeline = QTreeWidget(self)
        self.timeline.setObjectName("caseTimeline")
        self.timeline.setHeaderLabels([self.tr("时间"), self.tr("环节"), self.tr("经办人"),
                                       self.tr("站点"), self.tr("内容")])
        self.timeline.setRootIsDecorated(False)
        self.timeline.setAlternatingRowColors(True)
        self.timeline.setWordWrap(True)
        timeline_header = self.timeline.header()
        assert timeline_header is not None
        timeline_header.setStretchLastSection(True)
        self.timeline.setColumnWidth(0, 140)
        self.timeline.setColumnWidth(1, 150)
        self.timeline.setColumnWidth(2, 90)
        self.timeline.setColumnWidth(3, 70)
        self.tabs.addTab(self.timeline, self.tr("办理过程"))
        self.deadline_view = QTextBrowser(self)
        self.deadline_view.setObjectName("caseDeadline")
        self.tabs.addTab(self.deadline_view, self.tr("办理时限"))
        documents_tab = QWidget(self)
        documents_layout = QVBoxLayout(documents_tab)
        self.documents_list = QTreeWidget(documents_tab)
        self.documents_list.setObjectName("caseDocuments")
        self.documents_list.setHeaderLabels([self.tr("文书"), self.tr("文号"), self.tr("出具时间"),
                                             self.tr("审批专用章")])
        self.documents_list.setRootIsDecorated(False)
        self.documents_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        documents_header = self.documents_list.header()
        assert documents_header is not None
        documents_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        documents_layout.addWidget(self.documents_list)
        documents_buttons = QHBoxLayout()
        self.open_document_button = QPushButton(self.tr("预览 / 重新打印"), documents_tab)
        self.open_document_button.setObjectName("openDocumentButton")
        self.receipt_button = QPushButton(self.tr("出具材料接收凭证"), documents_tab)
        self.receipt_button.setObjectName("issueReceiptButton")
        self.draft_button = QPushButton(self.tr("预览待用印文书草稿"), documents_tab)
        self.draft_button.setObjectName("draftPreviewButton")
        for button in (self.open_document_button, self.receipt_button, self.draft_button):
            documents_buttons.addWidget(button)
        documents_buttons.addStretch(1)
        self.documents_note = QLabel(documents_tab)
        self.documents_note.setProperty("role", "subtle")
        documents_buttons.addWidget(self.documents_note)
        documents_layout.addLayout(documents_buttons)
        self.tabs.addTab(documents_tab, self.tr("文书"))
        self.fees_view = QTextBrowser(self)
        self.fees_view.setObjectName("caseFees")
        self.tabs.addTab(self.fees_view, self.tr("收费与评价"))
        layout.addWidget(self.tabs, 1)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.back_button.clicked.connect(self.backRequested)
        self.open_document_button.clicked.connect(self._on_open_document_button_clicked)
        self.documents_list.itemActivated.connect(self._on_documents_list_item_activated)
        self.receipt_button.clicked.connect(self._on_receipt_button_clicked)
        self.draft_button.clicked.connect(self._on_draft_button_clicked)

    # --- loading ------------------------------------------------------------------

    def load(self, case_id: str) -> None:
        self.case_id = case_id
        context = self.context
        self.context.runner.run(lambda: load_case_view(context, case_id),
                                on_done=self._on_loaded, on_error=self._on_load_failed, owner=self)

    def reload(self) -> None:
        if self.case_id:
            self.load(self.case_id)

    def _on_load_failed(self, error: BaseException) -> None:
        self.message_bar.show_error(error)

    def _on_loaded(self, view: CaseView) -> None:
        if view.case.id != self.case_id:
            return
        self.view = view
        case = view.case
        self.title.setText(f"{case.number}  {case.matter.name}")
        self.title.setToolTip(self.title.text())
        self.state_badge.setText(f"{case.state.label} · {category(case).label}")
        self.state_badge.setProperty("state", case.state.value)
        self._show_deadline(view)
        self.overview.setHtml(self._overview_html(case, view.broken_promises, view.custody_due))
        if view.broken_promises:
            self.message_bar.warning(self.tr(
                "申请人曾有{0}次告知承诺经核查不实，本件不适用告知承诺，请要求提交相关证明。").format(
                len(view.broken_promises)))
        self.materials_view.setHtml(self._materials_html(case))
        self._fill_timeline(view.history)
        self.deadline_view.setHtml(self._deadline_html(view))
        self._fill_documents(view)
        self.fees_view.setHtml(self._fees_html(case))
        self._build_actions(case)
        self.loaded.emit(view)

    def _show_deadline(self, view: CaseView) -> None:
        summary = view.summary
        if view.intake_due is not None:
            self._show_intake_due(view.intake_due)
            return
        if summary is None or summary.deadline is None:
            self.deadline_label.setText("")
            self.deadline_label.setProperty("warning", "normal")
            return
        text = self.tr("办结期限 {0}").format(summary.deadline.isoformat())
        if summary.deadline_provisional:
            text += self.tr("（暂定）")
        if summary.completed_at is not None:
            text += self.tr(" · 已于 {0} 办结{1}").format(
                local_time(summary.completed_at, "%Y-%m-%d"),
                self.tr("（按时）") if summary.on_time else self.tr("（超期）")
                if summary.on_time is False else "")
        elif summary.warning != "normal":
            text += f" · {summary.warning_label}"
        self._set_deadline_text(text, summary.warning)

    def _show_intake_due(self, due: date) -> None:
        today = local_date(utc_now())
        self._set_deadline_text(intake_due_text(due, overdue=today > due),
                                "red" if today > due else "yellow" if today == due else "normal")

    def _set_deadline_text(self, text: str, warning: str) -> None:
        self.deadline_label.setText(text)
        self.deadline_label.setProperty("warning", warning)
        style = self.deadline_label.style()
        if style is not None:
            style.unpolish(self.deadline_label)
            style.polish(self.deadline_label)

    # --- content ------------------------------------------------------------------

    def _id_text(self, id_type: str, number: str) -> str:
        label = ID_TYPE_LABELS.get(IdType(id_type), id_type) if id_type in IdType._value2member_map_ \
            else id_type
        shown = number if self.context.can(Action.VIEW_FULL_ID) else mask_id_number(number)
        return f"{label} {shown}"

    def _phone_text(self, phone: str) -> str:
        return phone if self.context.can(Action.VIEW_FULL_ID) else mask_phone(phone)

    def _overview_html(self, case: Case, broken: list[Any] | None = None,
                       custody_due: Any = None) -> str:
        a = case.applicant
        rows = [
            ("申请人", escape(str(a.get("name", "")))
             + ("（法人或其他组织）" if a.get("kind") == "legal" else "（自然人）")),
            ("证件", escape(self._id_text(str(a.get("id_type", "")), str(a.get("id_number", ""))))),
            ("联系电话", escape(self._phone_text(str(a.get("phone", ""))))),
        ]
        if a.get("address"):
            rows.append(("地址", escape(str(a["address"]))))
        if a.get("legal_representative"):
            rows.append(("法定代表人", escape(str(a["legal_representative"]))))
        if case.identity_note:
            note = case.identity_note
            rows.append(("名称变更", escape(
                f"该证件此前登记为“{note.get('previous_name', '')}”"
                f"（办件 {note.get('previous_case', '')}），确认原因：{note.get('reason', '')}")))
        if case.id_card:
            card = case.id_card
            photo = "，照片已存档" if card.get("photo") else ""
            rows.append(("身份证读卡", escape(
                f"{card.get('gender', '')}，{card.get('ethnicity', '')}族，"
                f"签发机关{card.get('issuing_authority', '')}，"
                f"有效期至{card.get('valid_until', '')}{photo}")))
        if case.queue_ticket:
            rows.append(("排队号", escape(case.queue_ticket)))
        agent = a.get("agent")
        if isinstance(agent, dict) and agent.get("name"):
            rows.append(("代理人", escape(f"{agent['name']}，"
                                        + self._id_text(str(agent.get('id_type', 'resident_id')),
                                                        str(agent.get('id_number', '')))
                                        + f"，{self._phone_text(str(agent.get('phone', '')))}")))
        rows += [
            ("事项", escape(f"{case.matter.name}（{case.matter.code}）")),
            ("实施部门", escape(case.matter.department_name)),
            ("办件类型", category(case).label + ("，绿色通道" if case.green_channel else "")),
            ("登记时间", local_time(case.registered_at)),
            ("首问负责人", escape(f"{case.first_responder_name} {case.window_name}".strip())),
        ]
        if case.accepted_at:
            rows.append(("受理时间", local_time(case.accepted_at)))
        if case.rejection:
            rows.append(("不予受理理由", escape(case.rejection["reasons"])))
        if case.review:
            verdict = "符合" if case.review["conforms"] else "不符合"
            site = ""
            if case.review.get("site_inspection_done"):
                site = f"<br>现场核查：{escape(case.review.get('site_inspection_result', ''))}"
            rows.append(("审查意见", f"{verdict}：{escape(case.review['opinion'])}"
                         f"（{escape(case.review['actor_name'])}，"
                         f"{iso_local_time(case.review['at'])}）{site}"))
        for department, sign in case.countersigns.items():
            rows.append((f"会签（{escape(department)}）",
                         f"{'同意' if sign['agree'] else '不同意'}：{escape(sign['opinion'])}"
                         f"（{escape(sign['actor_name'])}）"))
        outcome_labels = OUTCOME_LABELS if case.matter.matter_type.is_licensing \
            else {**OUTCOME_LABELS, "approved": "准予办结", "denied": "不予办理"}
        if case.decision:
            outcome = outcome_labels[case.decision["outcome"]]
            reasons = f"<br>理由：{escape(case.decision['reasons'])}" \
                if case.decision.get("reasons") else ""
            results = "".join(f"<br>{escape(f['label'])}：{escape(f['value'])}"
                              for f in case.decision.get("result_fields") or [] if f["value"])
            rows.append(("核准意见", f"{outcome}：{escape(case.decision['opinion'])}"
                         f"（{escape(case.decision['actor_name'])}，"
                         f"{iso_local_time(case.decision['at'])}）{reasons}{results}"))
        if case.completed_at:
            rows.append(("办结时间", local_time(case.completed_at)
                         + (f"，{outcome_labels.get(case.outcome, case.outcome)}"
                            if case.outcome else "")))
        if case.delivery:
            rows.append(("送达", escape(f"{case.delivery['method']} "
                                      f"{case.delivery.get('receiver', '')}".strip())))
        if case.forward:
            rows.append(("上报", escape(f"{case.forward['authority']}（{case.forward['actor_name']}）")))
        if case.forward_return:
            rows.append(("上报结果", escape(
                f"{FORWARD_RESULTS.get(case.forward_return['result'], '')}："
                f"{case.forward_return['opinion']}")))
        if case.withdrawal:
            rows.append(("撤回理由", escape(case.withdrawal["reason"])))
        rows += intake_overview_rows(case, broken or [], custody_due)
        body = "".join(f"<tr><td class='k'>{k}</td><td>{v}</td></tr>" for k, v in rows)
        return ("<style>td.k{color:#52606d;white-space:nowrap;padding-right:14px;}"
                "td{padding:3px 4px;vertical-align:top;}</style>"
                f"<table>{body}</table>")

    def _materials_html(self, case: Case) -> str:
        rows = []
        for material in case.materials:
            form = str(material.get("form", ""))
            form_label = MaterialForm(form).label if form in MaterialForm._value2member_map_ \
                else form
            received = "✔ 已收取" if material.get("received") else "✘ 未收取"
            attachments = material.get("attachments") or []
            files = "<br>".join(escape(str(f.get("name", ""))) for f in attachments) or "—"
            rows.append(f"<tr><td>{escape(str(material['name']))}</td><td>{form_label}</td>"
                        f"<td align='center'>{material.get('copies', 1)}</td>"
                        f"<td>{received}</td><td>{files}</td></tr>")
        missing = ""
        if case.missing_materials:
            items = "".join(f"<li>{escape(str(m['name']))}：{escape(str(m.get('needed', '')))}</li>"
                            for m in case.missing_materials)
            missing = (f"<p><b>一次性告知需补正（第{case.notice_count}次告知）：</b></p>"
                       f"<ul>{items}</ul>")
        return ("<style>table{border-collapse:collapse;}td,th{border:1px solid #d6dde5;"
                "padding:4px 8px;}th{background:#eef2f6;text-align:left;}</style>"
                "<table width='100%'><tr><th>材料</th><th>形式</th><th>份数</th><th>收取</th>"
                "<th>扫描件</th></tr>" + "".join(rows) + "</table>" + missing)

    def _fill_timeline(self, history: list[Event]) -> None:
        self.timeline.clear()
        for event in history:
            item = QTreeWidgetItem([
                local_time(event.device_time, "%Y-%m-%d %H:%M:%S"), event.type.label,
                event.actor_name, event.station,
                describe_event(event)
                + acting_for_text(event.actor_name, event.payload.get("acting_for"))])
            item.setToolTip(4, item.text(4))
            self.timeline.addTopLevelItem(item)

    def _deadline_html(self, view: CaseView) -> str:
        case, summary = view.case, view.summary
        if case.accepted_on is None:
            return "<p>尚未受理，办理时限从受理之日起计算。</p>"
        parts = [f"<p>受理日期：{case.accepted_on.isoformat()}；承诺时限：{case.promised_working_days}"
                 "个工作日（自受理次日起按工作日计算，节假日和调休按国家安排）。</p>"]
        if summary is not None and summary.deadline is not None:
            provisional = "（该年度节假日安排尚未公布，暂按双休日计算）" \
                if summary.deadline_provisional else ""
            parts.append(f"<p><b>办结期限：{summary.deadline.isoformat()}</b>{provisional}"
                         f"　预警：{summary.warning_label}</p>")
        if case.suspensions:
            items = "".join(
                f"<li>{SUSPENSION_REASONS.get(s['reason_code'], s['reason_code'])}："
                f"{s['start']} 至 {s['end'] or '（进行中）'} {escape(s.get('reason', ''))}</li>"
                for s in case.suspensions)
            parts.append("<p>中止计时（不计入承诺时限）：</p><ul>" + items + "</ul>")
        if case.extensions:
            items = "".join(
                f"<li>延长 {e['working_days']} 个工作日：{escape(e['reason'])}（批准人 "
                f"{escape(e['approved_by'])}，{iso_local_time(e['at'])}）</li>"
                for e in case.extensions)
            parts.append("<p>延期：</p><ul>" + items + "</ul>")
        if case.completed_at is not None and summary is not None:
            on_time = {True: "按时办结", False: "超期办结", None: ""}[summary.on_time]
            parts.append(f"<p>办结：{local_time(case.completed_at)} {on_time}</p>")
        return "".join(parts)

    def _fill_documents(self, view: CaseView) -> None:
        self.documents_list.clear()
        documents = optional_service("documents")
        available = documents is not None
        for document in view.documents:
            item = QTreeWidgetItem([document.title, document.document_number,
                                    local_time(document.created_at),
                                    self.tr("已盖章") if document.sealed else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, document)
            self.documents_list.addTopLevelItem(item)
        self.open_document_button.setEnabled(bool(view.documents))
        can_print = available and self.context.can(Action.PRINT)
        has_receipt = any(getattr(d.kind, "value", "") == "receipt" for d in view.documents)
        self.receipt_button.setVisible(can_print and not has_receipt and view.case.state in (
            CaseState.REGISTERED, CaseState.AWAITING_SUPPLEMENT, CaseState.ACCEPTED))
        self.draft_button.setVisible(can_print and bool(seal_kinds(view.case)))
        self.documents_note.setText("" if available else self.tr("本机未安装文书组件。"))

    def _fees_html(self, case: Case) -> str:
        parts = []
        if case.fees:
            items = "".join(f"<li>{escape(str(f['name']))}：{yuan(int(f['amount_fen']))}"
                            f"（{escape(str(f.get('basis', '')))}）</li>" for f in case.fees)
            parts.append(f"<p><b>应收</b>：{yuan(case.fee_total_fen)}</p><ul>{items}</ul>")
        elif case.matter.fee_items:
            parts.append("<p>尚未登记收费。</p>")
        else:
            parts.append("<p>本事项不收费。</p>")
        if case.payments:
            items = "".join(f"<li>{yuan(int(p['amount_fen']))}，票据号 "
                            f"{escape(str(p['receipt_number']))}（{iso_local_time(p['at'])}）</li>"
                            for p in case.payments)
            parts.append(f"<p><b>已缴</b>：{yuan(case.paid_total_fen)}</p><ul>{items}</ul>")
        parts.append("<hr>")
        if case.evaluation:
            channel = EVALUATION_CHANNELS.get(str(case.evaluation.get("channel")), "")
            parts.append(f"<p><b>好差评</b>：{EVALUATION_RATINGS.get(case.evaluation['rating'], '')}"
                         + (f"（{channel}）" if channel else "")
                         + f"　{escape(case.evaluation.get('comment', ''))}"
                         f"（{iso_local_time(case.evaluation['at'])}）</p>")
        else:
            parts.append("<p>申请人尚未评价。</p>")
        return "".join(parts)

    # --- actions ------------------------------------------------------------------

    def _build_actions(self, case: Case) -> None:
        while self.actions_row.count():
            item = self.actions_row.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.action_buttons = {}
        for action in [*available_actions(self.context, case), *intake_actions(self.context, case)]:
            button = QPushButton(self.tr(action.label), self)
            button.setObjectName(f"caseAction_{action.key}")
            if action.kind != "normal":
                set_kind(button, action.kind)
            button.clicked.connect(lambda _c=False, a=action: self._start_action(a))
            self.actions_row.addWidget(button)
            self.action_buttons[action.key] = button
        hint = ""
        if case.state is CaseState.REVIEWED and case.reviewer_id == self.context.user.id \
                and "approve" not in self.action_buttons and self.context.chief_of(
                    case.department_code):
            hint = self.tr("一审一核：您审查了本件，须由其他首席代表核准。")
        elif not self.action_buttons:
            hint = self.tr("当前状态下您没有可办理的操作。")
        self.actions_hint.setText(hint)

    def _start_action(self, action: CaseAction) -> None:
        view = self.view
        if view is None:
            return
        case = view.case
        if action.dialog == "none":
            self._run_action(action, {}, None)
            return
        if action.dialog == "notice":
            rows = []
            required = {m.name: m for m in case.matter.materials}
            for material in case.materials:
                spec = required.get(str(material["name"]))
                rows.append({**material, "needed": spec.description if spec else ""})
            notice = NoticeDialog(rows, applicant=case.applicant_name, parent=self)
            notice.submitted.connect(lambda missing: self._run_action(
                action, {"missing": missing, **notice.values()}, notice))
            self.dialog = notice
            notice.open()
            return
        fields = list(action.fields)
        intro = action.intro
        if action.key == "countersign" and case.inspection:
            # The countersigning departments decide on the joint inspection's findings.
            intro = inspection_summary(case)
        if action.dialog == "supplement":
            fields = [FieldSpec(f"m{i}", str(m["name"]), "check", default=True,
                                placeholder=self.tr("已补交"))
                      for i, m in enumerate(case.missing_materials)]
        if action.dialog == "seal":
            fields = [FieldSpec("document_kind", "文书", "combo", options=seal_kinds(case),
                                object_name="sealKindCombo"),
                      FieldSpec("password", "本人登录密码", "password", required=True,
                                object_name="sealPasswordEdit")]
        dialog = FormDialog(
            self.tr(action.label.rstrip("…")), fields,
            intro=intro or (self.tr(
                "加盖审批专用章是法定的办结行为，用印时间即办结时间，并记入用印登记簿。"
                "请再次输入您的登录密码确认。") if action.dialog == "seal" else ""),
            submit_text=self.tr(action.label.rstrip("…")), danger=action.kind == "danger",
            parent=self)
        dialog.setObjectName(f"caseDialog_{action.key}")

        def submitted(values: dict[str, Any]) -> None:
            if action.dialog == "supplement":
                values = {"received": [str(m["name"]) for i, m in enumerate(case.missing_materials)
                                       if values.get(f"m{i}")]}
            self._run_action(action, values, dialog)

        dialog.submitted.connect(submitted)
        self.dialog = dialog
        dialog.open()

    def _run_action(self, action: CaseAction, values: dict[str, Any],
                    dialog: FormDialog | NoticeDialog | None) -> None:
        view = self.view
        assert view is not None
        case = view.case
        uow, user = self.context.uow, self.context.user
        for button in self.action_buttons.values():
            button.setEnabled(False)

        documents = optional_service("documents")

        def work() -> tuple[Any, Any]:
            result = action.run(uow, user, case, values)
            # The documents sealed with the act (a notice; a 即办件's decision and its
            # 送达回证), for the applicant to take away and sign.
            sealed = []
            if action.issues and documents is not None:
                sealed = [d for d in documents.documents_for_case(uow, case.id)
                          if d.sealed and d.id not in known]
            return result, sealed

        known = {d.id for d in view.documents}

        def done(outcome: tuple[Any, Any]) -> None:
            result, sealed = outcome
            if dialog is not None:
                dialog.finish()
            self.message_bar.success(self.tr("已{0}。").format(action.label.rstrip("…")))
            self.caseChanged.emit(case.id)
            if isinstance(result, ActionOutcome):
                if result.warning:
                    self.message_bar.warning(result.warning)
                if result.previews:
                    self._preview(result.previews)
            if action.dialog == "seal" and hasattr(result, "pdf"):
                sealed = [result]
            if sealed:
                self._preview([PreviewItem(f"{d.title}（已盖章）", d.pdf,
                                           f"{case.number}-{d.title}.pdf", d.docx,
                                           docx_is_reference_copy=True) for d in sealed])
            self.reload()

        def failed(error: BaseException) -> None:
            for button in self.action_buttons.values():
                button.setEnabled(True)
            if dialog is not None and dialog.isVisible():
                dialog.show_error(error)
            elif isinstance(error, DomainError):
                self.message_bar.error(error.message)
            else:
                self.message_bar.show_error(error)

        self.context.runner.run(work, on_done=done, on_error=failed,
                                label=self.tr("正在办理…"), parent=self)

    # --- documents ----------------------------------------------------------------

    def _preview(self, items: list[PreviewItem]) -> None:
        self.preview_dialog = DocumentPreviewDialog(items, parent=self)
        self.preview_dialog.open()

    def _on_documents_list_item_activated(self, _item: QTreeWidgetItem, _column: int) -> None:
        self._on_open_document_button_clicked()

    def _on_open_document_button_clicked(self) -> None:
        item = self.documents_list.currentItem() or self.documents_list.topLevelItem(0)
        documents = optional_service("documents")
        if item is None or documents is None or self.view is None:
            return
        document = item.data(0, Qt.ItemDataRole.UserRole)
        uow, number = self.context.uow, self.view.case.number

        def work() -> PreviewItem:
            issued = documents.reprint(uow, document.id)
            return PreviewItem(f"{issued.title} {issued.document_number}", issued.pdf,
                               f"{number}-{issued.title}.pdf", issued.docx,
                               docx_is_reference_copy=issued.sealed)

        self.context.runner.run(work, on_done=lambda preview: self._preview([preview]),
                                on_error=self.message_bar.show_error, owner=self)

    def _on_receipt_button_clicked(self) -> None:
        documents = optional_service("documents")
        if documents is None or self.view is None:
            return
        from app.print_templates import DocumentKind

        uow, user, case = self.context.uow, self.context.user, self.view.case
        self.context.runner.run(
            lambda: documents.issue_unsealed(uow, user, case.id, DocumentKind.RECEIPT),
            on_done=lambda issued: (self._preview([PreviewItem(
                issued.title, issued.pdf, f"{case.number}-{issued.title}.pdf", issued.docx)]),
                self.reload()),
            on_error=self.message_bar.show_error, label=self.tr("正在生成文书…"), parent=self)

    def _on_draft_button_clicked(self) -> None:
        documents = optional_service("documents")
        if documents is None or self.view is None:
            return
        from app.print_templates import DocumentKind

        uow, user, case = self.context.uow, self.context.user, self.view.case
        kinds = [kind for kind, _label in seal_kinds(case)]

        def work() -> list[PreviewItem]:
            return [PreviewItem(f"{DOCUMENT_LABELS[k]}（草稿）",
                                documents.preview_draft(uow, user, case.id, DocumentKind(k)),
                                f"{case.number}-{DOCUMENT_LABELS[k]}-草稿.pdf",
                                documents.preview_draft(uow, user, case.id, DocumentKind(k),
                                                        word=True)) for k in kinds]

        self.context.runner.run(work, on_done=self._preview, on_error=self.message_bar.show_error,
                                label=self.tr("正在生成草稿…"), parent=self)

