"""系统管理 › AB岗与顶岗: each window's A and B officers, the recorded absences, and the
chief representatives' deputies, in one list of who covers whom (陕西 第十条、第二十二条).

A tab of its own module: the admin page composes it and hands it its message bar.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain import limits
from app.domain.ab_post import ABSENCE_KINDS
from app.forms.dialogs import FieldSpec, FormDialog
from app.services import ab_posts, accounts
from app.services.context import local_date, utc_now
from app.ui.context import AppContext
from app.ui.feedback import MessageBar
from app.ui.widgets import list_tree, set_kind


class ABPostTab(QWidget):
    """AB岗与顶岗: set a window's posts, record / end / cancel absences, see deputies."""

    def __init__(self, context: AppContext, message_bar: MessageBar,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("abPostTab")
        self.context = context
        self.message_bar = message_bar
        self.dialog: FormDialog | None = None
        self.users: list[dict[str, Any]] = []
        self.cover: ab_posts.CoverList | None = None
        # Three lists and a note: on a 768-line screen at 150 % they scroll, not the window.
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        content = QWidget(scroll)
        layout = QVBoxLayout(content)

        posts_box = QGroupBox(self.tr("窗口AB岗"), self)
        posts_layout = QVBoxLayout(posts_box)
        self.post_tree = list_tree(posts_box, "abPostTree", [
            self.tr("窗口"), self.tr("A岗（本窗口）"), self.tr("B岗（顶岗）"), self.tr("今日")])
        posts_layout.addWidget(self.post_tree)
        row = QHBoxLayout()
        self.set_post_button = QPushButton(self.tr("设置AB岗…"), posts_box)
        self.set_post_button.setObjectName("setPostButton")
        set_kind(self.set_post_button, "primary")
        self.clear_post_button = QPushButton(self.tr("取消该窗口AB岗"), posts_box)
        self.clear_post_button.setObjectName("clearPostButton")
        self.clear_post_button.setEnabled(False)
        row.addWidget(self.set_post_button)
        row.addWidget(self.clear_post_button)
        row.addStretch(1)
        posts_layout.addLayout(row)
        layout.addWidget(posts_box, 3)

        absence_box = QGroupBox(self.tr("请假、公出、培训登记"), self)
        absence_layout = QVBoxLayout(absence_box)
        self.absence_tree = list_tree(absence_box, "absenceTree", [
            self.tr("人员"), self.tr("类别"), self.tr("起止日期"), self.tr("事由"),
            self.tr("登记人"), self.tr("状态")])
        absence_layout.addWidget(self.absence_tree)
        row = QHBoxLayout()
        self.record_absence_button = QPushButton(self.tr("登记请假/公出/培训…"), absence_box)
        self.record_absence_button.setObjectName("recordAbsenceButton")
        self.end_absence_button = QPushButton(self.tr("提前结束…"), absence_box)
        self.end_absence_button.setObjectName("endAbsenceButton")
        self.cancel_absence_button = QPushButton(self.tr("取消登记…"), absence_box)
        self.cancel_absence_button.setObjectName("cancelAbsenceButton")
        for button in (self.end_absence_button, self.cancel_absence_button):
            button.setEnabled(False)
        for button in (self.record_absence_button, self.end_absence_button,
                       self.cancel_absence_button):
            row.addWidget(button)
        row.addStretch(1)
        absence_layout.addLayout(row)
        layout.addWidget(absence_box, 3)

        deputy_box = QGroupBox(self.tr("首席代表临时代理（核准环节的顶岗）"), self)
        deputy_layout = QVBoxLayout(deputy_box)
        self.delegation_tree = list_tree(deputy_box, "coverDelegationTree", [
            self.tr("首席代表"), self.tr("临时代理人"), self.tr("部门"), self.tr("期限"),
            self.tr("事由"), self.tr("状态")])
        deputy_layout.addWidget(self.delegation_tree)
        layout.addWidget(deputy_box, 2)
        hint = QLabel(self.tr(
            "A岗不在岗（已登记请假、公出、培训）期间，B岗的“待我审查”列出A岗窗口受理的办件，"
            "B岗的办理记录注明“顶岗代A岗姓名”。临时代理由首席代表本人在“待我核准”中指定。"
            "登记不删除：提前返岗请“提前结束”，尚未开始的可“取消登记”。"), self)
        hint.setProperty("role", "subtle")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        for tree in (self.post_tree, self.absence_tree, self.delegation_tree):
            # Short lists: they share the height the screen has and scroll only below it.
            tree.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
            tree.setMinimumHeight(80)
        scroll.setWidget(content)
        outer.addWidget(scroll)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.set_post_button.clicked.connect(self._on_set_post_button_clicked)
        self.clear_post_button.clicked.connect(self._on_clear_post_button_clicked)
        self.post_tree.currentItemChanged.connect(self._on_post_tree_current_item_changed)
        self.record_absence_button.clicked.connect(self._on_record_absence_button_clicked)
        self.end_absence_button.clicked.connect(self._on_end_absence_button_clicked)
        self.cancel_absence_button.clicked.connect(self._on_cancel_absence_button_clicked)
        self.absence_tree.currentItemChanged.connect(
            self._on_absence_tree_current_item_changed)

    # --- loading ------------------------------------------------------------------

    def load(self) -> None:
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(
            lambda: (accounts.list_users(uow), ab_posts.cover_list(uow, user)),
            on_done=self._on_loaded, on_error=self.message_bar.show_error, owner=self)

    def _on_loaded(self, result: tuple[list[dict[str, Any]], ab_posts.CoverList]) -> None:
        self.users, self.cover = result
        self.post_tree.clear()
        for post in self.cover.posts:
            today = (self.tr("A岗{0}，B岗顶岗").format(post.absence_text)
                     if post.a_absent_today else self.tr("A岗在岗"))
            item = QTreeWidgetItem([post.window_name, post.a_staff_name, post.b_staff_name,
                                    today])
            item.setData(0, Qt.ItemDataRole.UserRole, post.window_name)
            self.post_tree.addTopLevelItem(item)
        self.absence_tree.clear()
        for absence in self.cover.absences:
            item = QTreeWidgetItem([absence.staff_name, absence.kind, absence.period_text,
                                    absence.reason, absence.recorded_by_name, absence.status])
            item.setData(0, Qt.ItemDataRole.UserRole, absence.id)
            self.absence_tree.addTopLevelItem(item)
        self.delegation_tree.clear()
        for deputy in self.cover.delegations:
            period = f"{deputy.starts_at:%Y-%m-%d %H:%M}至{deputy.ends_at:%Y-%m-%d %H:%M}"
            self.delegation_tree.addTopLevelItem(QTreeWidgetItem([
                deputy.chief_name, deputy.deputy_name, deputy.department_name, period,
                deputy.reason, self.tr("生效中") if deputy.current else self.tr("未生效或已结束")]))
        self._on_post_tree_current_item_changed()
        self._on_absence_tree_current_item_changed()

    def _on_post_tree_current_item_changed(self, *_args: object) -> None:
        self.clear_post_button.setEnabled(self.post_tree.currentItem() is not None)

    def _selected_absence(self) -> ab_posts.AbsenceLine | None:
        item = self.absence_tree.currentItem()
        if item is None or self.cover is None:
            return None
        absence_id = item.data(0, Qt.ItemDataRole.UserRole)
        return next((a for a in self.cover.absences if a.id == absence_id), None)

    def _on_absence_tree_current_item_changed(self, *_args: object) -> None:
        absence = self._selected_absence()
        open_one = absence is not None and absence.status != "已取消"
        self.end_absence_button.setEnabled(open_one)
        self.cancel_absence_button.setEnabled(open_one)

    # --- acts ---------------------------------------------------------------------

    def _run(self, work: Any, done_text: str, dialog: FormDialog) -> None:
        def done(_result: object) -> None:
            dialog.finish()
            self.message_bar.success(done_text)
            self.load()

        self.context.runner.run(work, on_done=done, on_error=dialog.show_error, owner=self)

    def _open(self, dialog: FormDialog, name: str, submitted: Any) -> None:
        dialog.setObjectName(name)
        dialog.submitted.connect(submitted)
        self.dialog = dialog
        dialog.open()

    def _clerks(self) -> list[tuple[str, str]]:
        return [(u["id"], f"{u['display_name']}（{u['window_name'] or '未设窗口'}）")
                for u in self.users if u["active"] and "clerk" in u["roles"]]

    def _on_set_post_button_clicked(self) -> None:
        clerks = [("", self.tr("（请选择）")), *self._clerks()]
        item = self.post_tree.currentItem()
        dialog = FormDialog(self.tr("设置窗口AB岗"), [
            FieldSpec("window_name", "窗口", required=True, object_name="postWindowEdit",
                      placeholder="如 3号窗口", max_length=limits.WINDOW_NAME,
                      default=item.text(0) if item is not None else None),
            FieldSpec("a_staff_id", "A岗（本窗口人员）", "combo", options=clerks),
            FieldSpec("b_staff_id", "B岗（顶岗人员）", "combo", options=clerks),
        ], intro=self.tr("A岗不在岗时，由B岗顶岗办理该窗口的办件。"), submit_text=self.tr("保存"),
            parent=self)
        for name in ("a_staff_id", "b_staff_id"):
            dialog.errors.add(name, dialog.inputs[name], QLabel(dialog))
        uow, admin = self.context.uow, self.context.user

        def submitted(values: dict[str, Any]) -> None:
            self._run(lambda: ab_posts.set_window_post(
                uow, admin, window_name=values["window_name"],
                a_staff_id=values["a_staff_id"] or "", b_staff_id=values["b_staff_id"] or ""),
                self.tr("已设置“{0}”的AB岗。").format(values["window_name"]), dialog)

        self._open(dialog, "setPostDialog", submitted)

    def _on_clear_post_button_clicked(self) -> None:
        item = self.post_tree.currentItem()
        if item is None:
            return
        window = item.text(0)
        uow, admin = self.context.uow, self.context.user
        self.context.runner.run(
            lambda: ab_posts.clear_window_post(uow, admin, window_name=window),
            on_done=lambda _r: (self.message_bar.success(
                self.tr("已取消“{0}”的AB岗。").format(window)), self.load()),
            on_error=self.message_bar.show_error, owner=self)

    def _on_record_absence_button_clicked(self) -> None:
        today = local_date(utc_now())
        staff = [(u["id"], u["display_name"]) for u in self.users if u["active"]]
        dialog = FormDialog(self.tr("登记请假、公出、培训"), [
            FieldSpec("staff_id", "人员", "combo", options=staff),
            FieldSpec("kind", "类别", "combo", options=[(k, k) for k in ABSENCE_KINDS]),
            FieldSpec("first_day", "开始日期", "date", default=today),
            FieldSpec("last_day", "结束日期（含）", "date", default=today),
            FieldSpec("reason", "事由", object_name="absenceReasonEdit",
                      placeholder="如 病假、参加县业务培训"),
        ], submit_text=self.tr("登记"), parent=self)
        for name in ("staff_id", "kind", "first_day", "last_day"):
            dialog.errors.add(name, dialog.inputs[name], QLabel(dialog))
        uow, user = self.context.uow, self.context.user

        def submitted(values: dict[str, Any]) -> None:
            self._run(lambda: ab_posts.record_absence(
                uow, user, staff_id=values["staff_id"], first_day=values["first_day"],
                last_day=values["last_day"], kind=values["kind"], reason=values["reason"]),
                self.tr("已登记。"), dialog)

        self._open(dialog, "recordAbsenceDialog", submitted)

    def _on_end_absence_button_clicked(self) -> None:
        absence = self._selected_absence()
        if absence is None:
            return
        yesterday = local_date(utc_now()) - timedelta(days=1)
        dialog = FormDialog(self.tr("提前结束"), [
            FieldSpec("last_day", "最后一天（含）", "date",
                      default=max(yesterday, absence.first_day)),
            FieldSpec("reason", "原因", object_name="endAbsenceReasonEdit",
                      placeholder="如 提前返岗"),
        ], intro=self.tr("{0}的{1}（{2}）提前结束；原定日期保留在记录中。").format(
            absence.staff_name, absence.kind, absence.period_text),
            submit_text=self.tr("提前结束"), parent=self)
        dialog.errors.add("last_day", dialog.inputs["last_day"], QLabel(dialog))
        uow, user = self.context.uow, self.context.user

        def submitted(values: dict[str, Any]) -> None:
            self._run(lambda: ab_posts.end_absence_early(
                uow, user, absence_id=absence.id, last_day=values["last_day"],
                reason=values["reason"]), self.tr("已提前结束。"), dialog)

        self._open(dialog, "endAbsenceDialog", submitted)

    def _on_cancel_absence_button_clicked(self) -> None:
        absence = self._selected_absence()
        if absence is None:
            return
        dialog = FormDialog(self.tr("取消登记"), [
            FieldSpec("reason", "取消原因", required=True, object_name="cancelAbsenceReasonEdit"),
        ], intro=self.tr("取消{0}的{1}（{2}）；记录保留并注明已取消。").format(
            absence.staff_name, absence.kind, absence.period_text),
            submit_text=self.tr("取消登记"), danger=True, parent=self)
        uow, user = self.context.uow, self.context.user

        def submitted(values: dict[str, Any]) -> None:
            self._run(lambda: ab_posts.cancel_absence(
                uow, user, absence_id=absence.id, reason=values["reason"]),
                self.tr("已取消登记。"), dialog)

        self._open(dialog, "cancelAbsenceDialog", submitted)
