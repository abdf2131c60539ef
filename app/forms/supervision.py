"""电子监察 (supervisor): the warnings page (yellow and red cases) and the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Any

from PyQt6.QtCore import QDate, Qt
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
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.domain.events import EVENT_LABELS, EventType
from app.forms.case_search import CaseSearchPage
from app.services import accounts, system
from app.services.queries import CaseFilter
from app.ui.case_model import COLUMN_INDEX
from app.ui.context import AppContext
from app.ui.feedback import FieldErrors
from app.ui.page import Page
from app.ui.widgets import local_time, set_kind


class WarningsPage(CaseSearchPage):
    """预警督办: every running case near (yellow) or past (red) its deadline, and every
    licensing application still without its intake decision five working days after its
    materials (第三十二条, red), the most urgent first. The case search's list, with the
    filters a supervisor needs."""

    def __init__(self, context: AppContext, parent: QWidget | None = None,
                 *, page_size: int = 100) -> None:
        super().__init__(context, parent, page_size=page_size)
        self.setObjectName("warningsPage")
        self.page_title = self.tr("预警督办")
        self.title_label.setText(self.page_title)
        self.warning_combo.blockSignals(True)
        self.warning_combo.clear()
        self.warning_combo.addItem(self.tr("黄牌和红牌"), "warned")
        self.warning_combo.addItem(self.tr("红牌超期"), "red")
        self.warning_combo.addItem(self.tr("黄牌预警"), "yellow")
        self.warning_combo.addItem(self.tr("受理逾期（五个工作日内未作受理决定）"), "intake")
        self.warning_combo.addItem(self.tr("容缺材料逾期"), "tolerance")
        self.warning_combo.blockSignals(False)
        # A warning is about a running case: its state and registration date do not
        # narrow it usefully, the department does.
        for widget in (self.state_combo, self.category_combo, self.date_check,
                       self.from_edit, self.to_edit):
            widget.hide()
        for child in self.findChildren(QLabel):
            if child.text() == self.tr("至"):
                child.hide()
        header = self.table.horizontalHeader()
        assert header is not None
        # Nearest deadline first: the red ones are on top.
        header.setSortIndicator(COLUMN_INDEX["deadline"], Qt.SortOrder.AscendingOrder)
        self.text_edit.setPlaceholderText(
            self.tr("在预警办件中查找：受理编号、申请人、证件号码末4位、事项名称"))

    def current_filter(self) -> CaseFilter:
        base = super().current_filter()
        return CaseFilter(text=base.text, department_code=base.department_code,
                          warning=base.warning or "warned")


AUDIT_ACTION_LABELS = {
    ("auth", "login"): "登录",
    ("auth", "login_failed"): "登录失败（密码错误）",
    ("auth", "password_changed"): "修改本人密码",
    ("admin", "first_start"): "首次启动，创建管理员",
    ("admin", "create_user"): "添加工作人员",
    ("admin", "update_user"): "修改工作人员信息",
    ("admin", "disable_user"): "停用工作人员",
    ("admin", "enable_user"): "启用工作人员",
    ("admin", "unlock_user"): "解除账户锁定",
    ("admin", "reset_password"): "重置工作人员密码",
    ("admin", "settings"): "修改设置",
    ("admin", "delegation"): "指定临时代理人",
    ("admin", "window_post"): "设置AB岗",
    ("admin", "window_post_removed"): "取消AB岗",
    ("admin", "absence_recorded"): "登记请假/公出/培训",
    ("admin", "absence_ended_early"): "提前结束请假/公出/培训",
    ("admin", "absence_cancelled"): "取消请假/公出/培训",
    ("document", ""): "出具文书",
}
AUDIT_KIND_LABELS = {
    "admin": "系统管理", "auth": "登录", "document": "出具文书", "seal_registry": "印章管理",
    "sync": "同步", "sync_conflict": "同步冲突", "legal": "法制", "event": "办件",
}


def audit_action_label(entry: system.AuditEntry) -> str:
    """The act of an audit record in Chinese."""
    if entry.kind == "event":
        try:
            return EVENT_LABELS[EventType(entry.action)]
        except ValueError:
            return entry.action
    label = AUDIT_ACTION_LABELS.get((entry.kind, entry.action)) \
        or AUDIT_ACTION_LABELS.get((entry.kind, ""))
    if label:
        return label
    kind = AUDIT_KIND_LABELS.get(entry.kind, entry.kind)
    return f"{kind}：{entry.action}" if entry.action else kind


class AuditPage(Page):
    """审计记录: who did what, on which case, when; and whether the chain is intact."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("审计记录"), parent)
        self.setObjectName("auditPage")
        self._loaded = False
        self.errors = FieldErrors()

        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("人员"), self))
        self.person_combo = QComboBox(self)
        self.person_combo.setObjectName("auditPersonFilter")
        self.person_combo.addItem(self.tr("全部人员"), "")
        row.addWidget(self.person_combo, 1)
        row.addWidget(QLabel(self.tr("受理编号"), self))
        self.case_edit = QLineEdit(self)
        self.case_edit.setObjectName("auditCaseEdit")
        self.case_edit.setPlaceholderText(self.tr("完整受理编号，如 XC01-20261123-0001"))
        self.case_edit.setClearButtonEnabled(True)
        row.addWidget(self.case_edit, 2)
        self.date_check = QCheckBox(self.tr("日期"), self)
        self.date_check.setObjectName("auditDateCheck")
        row.addWidget(self.date_check)
        today = QDate.currentDate()
        self.from_edit = QDateEdit(today.addDays(-7), self)
        self.from_edit.setObjectName("auditFromEdit")
        self.to_edit = QDateEdit(today, self)
        self.to_edit.setObjectName("auditToEdit")
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        row.addWidget(self.from_edit)
        row.addWidget(QLabel(self.tr("至"), self))
        row.addWidget(self.to_edit)
        self.search_button = QPushButton(self.tr("查询"), self)
        self.search_button.setObjectName("auditSearchButton")
        set_kind(self.search_button, "primary")
        row.addWidget(self.search_button)
        self.root_layout.addLayout(row)
        error_row = QHBoxLayout()
        self.case_error = QLabel(self)
        self.errors.add("case_number", self.case_edit, self.case_error)
        self.date_error = QLabel(self)
        self.errors.add("date_from", self.from_edit, self.date_error)
        error_row.addWidget(self.case_error, 1)
        error_row.addWidget(self.date_error, 1)
        self.root_layout.addLayout(error_row)

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("auditTree")
        self.tree.setHeaderLabels([self.tr("序号"), self.tr("时间"), self.tr("人员"),
                                   self.tr("操作"), self.tr("受理编号"), self.tr("涉及人员")])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.root_layout.addWidget(self.tree, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel(self)
        self.count_label.setObjectName("auditCountLabel")
        self.count_label.setProperty("role", "subtle")
        bottom.addWidget(self.count_label, 1)
        self.chain_label = QLabel(self)
        self.chain_label.setObjectName("auditChainLabel")
        self.chain_label.setWordWrap(True)
        bottom.addWidget(self.chain_label, 2)
        self.verify_button = QPushButton(self.tr("校验审计链"), self)
        self.verify_button.setObjectName("verifyAuditButton")
        bottom.addWidget(self.verify_button)
        self.root_layout.addLayout(bottom)
        hint = QLabel(self.tr("每条记录都与上一条以哈希相连；“校验审计链”可发现任何删改。"
                              "双击带受理编号的记录打开办件。"), self)
        hint.setProperty("role", "subtle")
        hint.setWordWrap(True)
        self.root_layout.addWidget(hint)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.search_button.clicked.connect(self._on_search_button_clicked)
        self.case_edit.returnPressed.connect(self._on_search_button_clicked)
        self.case_edit.textEdited.connect(self._on_case_edit_text_edited)
        self.person_combo.currentIndexChanged.connect(self._on_filter_changed)
        self.date_check.toggled.connect(self._on_filter_changed)
        self.from_edit.dateChanged.connect(self._on_date_changed)
        self.to_edit.dateChanged.connect(self._on_date_changed)
        self.verify_button.clicked.connect(self._on_verify_button_clicked)
        self.tree.itemActivated.connect(self._on_tree_item_activated)

    def activate(self) -> None:
        if not self._loaded:
            self._loaded = True
            uow = self.context.uow
            self.context.runner.run(lambda: accounts.list_users(uow), on_done=self._on_users,
                                    on_error=self.message_bar.show_error, owner=self)
        self.search()

    def _on_users(self, users: list[dict[str, Any]]) -> None:
        for user in users:
            label = user["display_name"] if user["active"] else \
                self.tr("{0}（已停用）").format(user["display_name"])
            self.person_combo.addItem(f"{label}（{user['username']}）", user["id"])

    def _on_filter_changed(self, *_args: object) -> None:
        self.search()

    def _on_date_changed(self, _date: QDate) -> None:
        if self.date_check.isChecked():
            self.search()

    def _on_search_button_clicked(self) -> None:
        self.search()

    def _on_case_edit_text_edited(self, _text: str) -> None:
        self.errors.clear("case_number")

    def search(self) -> None:
        date_from: date | None = None
        date_to: date | None = None
        if self.date_check.isChecked():
            date_from = self.from_edit.date().toPyDate()
            date_to = self.to_edit.date().toPyDate()
        person = self.person_combo.currentData() or ""
        case_number = self.case_edit.text().strip()
        uow, user = self.context.uow, self.context.user
        self.errors.clear()
        self.message_bar.hide()
        self.count_label.setText(self.tr("正在查询…"))
        self.context.runner.run(
            lambda: system.audit_trail(uow, user, person_id=person, case_number=case_number,
                                       date_from=date_from, date_to=date_to),
            on_done=self._on_trail, on_error=self._on_trail_failed, owner=self)

    def _on_trail_failed(self, error: BaseException) -> None:
        from app.domain.errors import DomainError

        self.count_label.clear()
        if isinstance(error, DomainError):
            self.errors.show_domain_error(error, self.message_bar)
        else:
            self.message_bar.show_error(error)

    def _on_trail(self, trail: system.AuditTrail) -> None:
        self.tree.clear()
        for entry in trail.entries:
            item = QTreeWidgetItem([
                str(entry.sequence), local_time(entry.at) if entry.at else "—",
                entry.person_name or "—", audit_action_label(entry),
                entry.case_number or "", entry.subject_name])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.case_id)
            self.tree.addTopLevelItem(item)
        if trail.total > len(trail.entries):
            self.count_label.setText(self.tr("共 {0} 条，显示最新 {1} 条；请缩小条件").format(
                trail.total, len(trail.entries)))
        else:
            self.count_label.setText(self.tr("共 {0} 条").format(trail.total))

    def _on_tree_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        case_id = item.data(0, Qt.ItemDataRole.UserRole)
        if case_id:
            self.openCaseRequested.emit(case_id)

    def _on_verify_button_clicked(self) -> None:
        uow = self.context.uow
        self.chain_label.setText(self.tr("正在校验…"))
        self.verify_button.setEnabled(False)
        self.context.runner.run(lambda: system.verify_audit(uow), on_done=self._on_verified,
                                on_error=self._on_verify_failed,
                                label=self.tr("正在校验审计链…"), cancellable=True, parent=self)

    def _on_verify_failed(self, error: BaseException) -> None:
        self.verify_button.setEnabled(True)
        self.chain_label.clear()
        self.message_bar.show_error(error)

    def _on_verified(self, result: tuple[int, Any]) -> None:
        self.verify_button.setEnabled(True)
        checked, broken = result
        if broken is None:
            self.chain_label.setProperty("role", "")
            self.chain_label.setText(self.tr("审计链完整：已校验 {0} 条记录。").format(checked))
            self.message_bar.success(self.chain_label.text())
        else:
            self.chain_label.setText(self.tr("审计链在第 {0} 条记录处断裂：{1}").format(
                broken.sequence, broken.reason))
            self.message_bar.error(self.chain_label.text())


def _tr(text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate("AuditPage", text)
