"""系统管理 (administrators): staff and roles, departments, seals, holidays, settings."""

from __future__ import annotations

from datetime import date
from typing import Any

from PyQt6.QtCore import QDate, Qt
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain import limits
from app.domain.calendar import CalendarSource, YearCalendar
from app.domain.catalog import Department
from app.domain.errors import DomainError, ValidationError
from app.domain.numbering import DEFAULT_DOCUMENT_PATTERN
from app.domain.roles import ROLE_LABELS, Role
from app.domain.seal import SEAL_KIND_LABELS, SEAL_STATUS_LABELS, WINDOW_COPY_MARK, SealKind
from app.forms.ab_post_tab import ABPostTab
from app.forms.dialogs import FieldSpec, FormDialog
from app.services import accounts, calendar_admin, catalog, system
from app.services.context import local_date, utc_now
from app.ui.context import AppContext, optional_service
from app.ui.documents import DocumentPreviewDialog, PreviewItem
from app.ui.page import Page
from app.ui.widgets import local_time, set_kind


def _tree(parent: QWidget, headers: list[str], name: str) -> QTreeWidget:
    # Staff, departments, seals and years are short lists: a tree widget is clearest.
    tree = QTreeWidget(parent)
    tree.setObjectName(name)
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = tree.header()
    assert header is not None
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return tree


class AdminPage(Page):
    """系统管理."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("系统管理"), parent)
        self.setObjectName("adminPage")
        self.dialog: QWidget | None = None
        self.departments: list[Department] = []
        self.users: list[dict[str, Any]] = []
        self.years: list[YearCalendar] = []
        self._station_values: dict[str, str] = {}
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("adminTabs")
        self.root_layout.addWidget(self.tabs, 1)
        self._build_staff_tab()
        self.ab_post_tab = ABPostTab(context, self.message_bar, self.tabs)
        self.tabs.addTab(self.ab_post_tab, self.tr("AB岗与顶岗"))
        self._build_departments_tab()
        self._build_seals_tab()
        self._build_calendar_tab()
        self._build_settings_tab()
        self._loaded = False
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.add_user_button.clicked.connect(self._on_add_user_button_clicked)
        self.staff_tree.currentItemChanged.connect(self._on_staff_tree_current_item_changed)
        self.edit_user_button.clicked.connect(self._on_edit_user_button_clicked)
        self.toggle_user_button.clicked.connect(self._on_toggle_user_button_clicked)
        self.unlock_user_button.clicked.connect(self._on_unlock_user_button_clicked)
        self.reset_password_button.clicked.connect(self._on_reset_password_button_clicked)
        self.add_department_button.clicked.connect(self._on_add_department_button_clicked)
        self.edit_department_button.clicked.connect(self._on_edit_department_clicked)
        self.department_tree.itemActivated.connect(self._on_department_tree_item_activated)
        self.ledger_button.clicked.connect(self._on_ledger_button_clicked)
        self.register_seal_button.clicked.connect(self._on_register_seal_button_clicked)
        self.seal_status_button.clicked.connect(self._on_seal_status_button_clicked)
        self.year_list.currentRowChanged.connect(self._on_year_list_current_row_changed)
        self.add_year_button.clicked.connect(self._on_add_year_button_clicked)
        self.add_day_button.clicked.connect(self._on_add_day_button_clicked)
        self.remove_day_button.clicked.connect(self._on_remove_day_button_clicked)
        self.publish_button.clicked.connect(self._on_publish_button_clicked)
        self.save_settings_button.clicked.connect(self._on_save_settings_button_clicked)
        self.save_station_button.clicked.connect(self._on_save_station_button_clicked)
        self.enroll_button.clicked.connect(self._on_enroll_button_clicked)
        self.sync_button.clicked.connect(self._on_sync_button_clicked)
        self.audit_button.clicked.connect(self._on_audit_button_clicked)

    # --- staff --------------------------------------------------------------------

    def _build_staff_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        self.staff_tree = _tree(tab, [self.tr("用户名"), self.tr("姓名"), self.tr("角色"),
                                      self.tr("部门"), self.tr("窗口"), self.tr("状态")],
                                "staffTree")
        layout.addWidget(self.staff_tree)
        buttons = QHBoxLayout()
        self.add_user_button = QPushButton(self.tr("添加工作人员…"), tab)
        self.add_user_button.setObjectName("addUserButton")
        set_kind(self.add_user_button, "primary")
        buttons.addWidget(self.add_user_button)
        self.edit_user_button = QPushButton(self.tr("编辑…"), tab)
        self.edit_user_button.setObjectName("editUserButton")
        self.toggle_user_button = QPushButton(self.tr("停用…"), tab)
        self.toggle_user_button.setObjectName("toggleUserButton")
        self.unlock_user_button = QPushButton(self.tr("解除锁定"), tab)
        self.unlock_user_button.setObjectName("unlockUserButton")
        self.reset_password_button = QPushButton(self.tr("重置密码…"), tab)
        self.reset_password_button.setObjectName("resetPasswordButton")
        for button in (self.edit_user_button, self.toggle_user_button,
                       self.unlock_user_button, self.reset_password_button):
            button.setEnabled(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        hint = QLabel(self.tr("离职或调离的人员请“停用”，不删除：已办件和审计记录保留其姓名。"
                              "重置的密码须由本人在下次登录时修改。"), tab)
        hint.setProperty("role", "subtle")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.tabs.addTab(tab, self.tr("人员与角色"))

    def _selected_user(self) -> dict[str, Any] | None:
        item = self.staff_tree.currentItem()
        if item is None:
            return None
        user_id = item.data(0, Qt.ItemDataRole.UserRole)
        return next((u for u in self.users if u["id"] == user_id), None)

    def _on_staff_tree_current_item_changed(self, *_args: object) -> None:
        user = self._selected_user()
        for button in (self.edit_user_button, self.toggle_user_button,
                       self.reset_password_button):
            button.setEnabled(user is not None)
        self.unlock_user_button.setEnabled(bool(user and user["locked"]))
        self.toggle_user_button.setText(
            self.tr("启用") if user and not user["active"] else self.tr("停用…"))

    def _user_fields(self, user: dict[str, Any] | None) -> list[FieldSpec]:
        departments = [("", self.tr("（无）"))] + [(d.code, d.name) for d in self.departments]
        roles = set(user["roles"]) if user else {Role.CLERK.value}
        return [
            FieldSpec("display_name", "姓名", required=True, object_name="newDisplayNameEdit",
                      default=user["display_name"] if user else None,
                      max_length=limits.PERSON_NAME),
            *[FieldSpec(f"role_{role.value}", "角色" if index == 0 else "", "check",
                        placeholder=ROLE_LABELS[role], default=role.value in roles)
              for index, role in enumerate(Role)],
            FieldSpec("department_code", "部门", "combo", options=departments,
                      default=user["department_code"] if user else None),
            FieldSpec("window_name", "窗口", placeholder="如 3号窗口", max_length=limits.WINDOW_NAME,
                      default=user["window_name"] if user else None),
        ]

    def _run_staff_act(self, work: Any, done_text: str, dialog: FormDialog | None = None
                       ) -> None:
        def done(_result: object) -> None:
            if dialog is not None:
                dialog.finish()
            self.message_bar.success(done_text)
            self._load_users()

        self.context.runner.run(work, on_done=done,
                                on_error=dialog.show_error if dialog is not None
                                else self.message_bar.show_error, owner=self)

    def _on_edit_user_button_clicked(self) -> None:
        user = self._selected_user()
        if user is None:
            return
        dialog = FormDialog(self.tr("编辑工作人员：{0}").format(user["username"]),
                            self._user_fields(user), submit_text=self.tr("保存"), parent=self)
        dialog.setObjectName("editUserDialog")
        dialog.errors.add("roles", dialog.inputs["role_clerk"], QLabel(dialog))
        dialog.errors.add("department_code", dialog.inputs["department_code"], QLabel(dialog))

        def submitted(values: dict[str, Any]) -> None:
            roles = frozenset(role for role in Role if values.get(f"role_{role.value}"))
            uow, admin = self.context.uow, self.context.user
            self._run_staff_act(
                lambda: accounts.update_user(
                    uow, admin, user_id=user["id"], display_name=values["display_name"],
                    roles=roles, department_code=values["department_code"] or None,
                    window_name=values["window_name"]),
                self.tr("已保存工作人员“{0}”。").format(values["display_name"]), dialog)

        dialog.submitted.connect(submitted)
        self.dialog = dialog
        dialog.open()

    def _on_toggle_user_button_clicked(self) -> None:
        user = self._selected_user()
        if user is None:
            return
        uow, admin = self.context.uow, self.context.user
        if not user["active"]:
            self._run_staff_act(
                lambda: accounts.set_user_active(uow, admin, user_id=user["id"], active=True),
                self.tr("已启用“{0}”。").format(user["display_name"]))
            return
        dialog = FormDialog(
            self.tr("停用工作人员"),
            [FieldSpec("reason", "停用原因", required=True, object_name="disableReasonEdit",
                       placeholder="如 调离、离职")],
            intro=self.tr("停用后“{0}”不能再登录；其办理过的办件和审计记录保留。").format(
                user["display_name"]),
            submit_text=self.tr("停用"), danger=True, parent=self)
        dialog.setObjectName("disableUserDialog")

        def submitted(values: dict[str, Any]) -> None:
            self._run_staff_act(
                lambda: accounts.set_user_active(uow, admin, user_id=user["id"], active=False,
                                                 reason=values["reason"]),
                self.tr("已停用“{0}”。").format(user["display_name"]), dialog)

        dialog.submitted.connect(submitted)
        self.dialog = dialog
        dialog.open()

    def _on_unlock_user_button_clicked(self) -> None:
        user = self._selected_user()
        if user is None:
            return
        uow, admin = self.context.uow, self.context.user
        self._run_staff_act(
            lambda: accounts.unlock_user(uow, admin, user_id=user["id"]),
            self.tr("已解除“{0}”的锁定，可以重新登录。").format(user["display_name"]))

    def _on_reset_password_button_clicked(self) -> None:
        user = self._selected_user()
        if user is None:
            return
        dialog = _ResetPasswordDialog(
            self.tr("重置密码"),
            [FieldSpec("password", "临时密码", "password", required=True,
                       object_name="resetPasswordEdit", placeholder="至少8位，含字母和数字"),
             FieldSpec("confirm", "再输一次", "password", required=True,
                       object_name="resetConfirmEdit")],
            intro=self.tr("把临时密码当面告诉“{0}”；下次登录时须由本人改为新密码。"
                          "锁定同时解除。").format(user["display_name"]),
            submit_text=self.tr("重置"), parent=self)
        dialog.setObjectName("resetPasswordDialog")
        uow, admin = self.context.uow, self.context.user

        def submitted(values: dict[str, Any]) -> None:
            self._run_staff_act(
                lambda: accounts.reset_password(uow, admin, user_id=user["id"],
                                                new_password=values["password"]),
                self.tr("已重置“{0}”的密码，下次登录时须修改。").format(user["display_name"]),
                dialog)

        dialog.submitted.connect(submitted)
        self.dialog = dialog
        dialog.open()

    def _on_users(self, users: list[dict[str, Any]]) -> None:
        self.users = users
        names = {d.code: d.name for d in self.departments}
        selected = self._selected_user()
        self.staff_tree.clear()
        for user in users:
            roles = "、".join(ROLE_LABELS[Role(r)] for r in user["roles"] if r)
            department = names.get(user["department_code"], user["department_code"])
            status = self.tr("在用") if user["active"] else self.tr("停用")
            if user["locked"]:
                status += self.tr("（已锁定）")
            elif user["must_change_password"]:
                status += self.tr("（待改密码）")
            item = QTreeWidgetItem([user["username"], user["display_name"], roles, department,
                                    user["window_name"], status])
            item.setData(0, Qt.ItemDataRole.UserRole, user["id"])
            self.staff_tree.addTopLevelItem(item)
            if selected is not None and selected["id"] == user["id"]:
                self.staff_tree.setCurrentItem(item)
        self._on_staff_tree_current_item_changed()

    def _on_add_user_button_clicked(self) -> None:
        name, *rest = self._user_fields(None)
        fields = [
            FieldSpec("username", "用户名", required=True, object_name="newUsernameEdit",
                      placeholder="字母和数字，登录时使用", max_length=limits.USERNAME),
            name,
            FieldSpec("password", "初始密码", "password", required=True,
                      object_name="newPasswordEdit", placeholder="至少8位，含字母和数字"),
            *rest,
        ]
        dialog = FormDialog(self.tr("添加工作人员"), fields, submit_text=self.tr("添加"),
                            parent=self)
        dialog.setObjectName("addUserDialog")
        dialog.errors.alias("roles", "role_clerk")

        def submitted(values: dict[str, Any]) -> None:
            roles = frozenset(role for role in Role if values.get(f"role_{role.value}"))
            uow, admin = self.context.uow, self.context.user
            self.context.runner.run(
                lambda: accounts.create_user(
                    uow, admin, username=values["username"], display_name=values["display_name"],
                    password=values["password"], roles=roles,
                    department_code=values["department_code"] or None,
                    window_name=values["window_name"]),
                on_done=lambda _id: (dialog.finish(), self.message_bar.success(
                    self.tr("已添加工作人员“{0}”。").format(values["display_name"])),
                    self._load_users()),
                on_error=dialog.show_error, owner=self)

        dialog.submitted.connect(submitted)
        self.dialog = dialog
        dialog.open()

    def _load_users(self) -> None:
        uow = self.context.uow
        self.context.runner.run(lambda: accounts.list_users(uow), on_done=self._on_users,
                                on_error=self.message_bar.show_error, owner=self)

    # --- departments --------------------------------------------------------------

    def _build_departments_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        self.department_tree = _tree(tab, [self.tr("代码"), self.tr("部门名称"),
                                           self.tr("文号示例"), self.tr("行政复议机关"),
                                           self.tr("人民法院"), self.tr("窗口电话")],
                                     "departmentTree")
        layout.addWidget(self.department_tree)
        buttons = QHBoxLayout()
        self.add_department_button = QPushButton(self.tr("添加部门…"), tab)
        self.edit_department_button = QPushButton(self.tr("修改所选部门…"), tab)
        buttons.addWidget(self.add_department_button)
        buttons.addWidget(self.edit_department_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.tabs.addTab(tab, self.tr("部门"))

    def _on_departments(self, departments: list[Department]) -> None:
        self.departments = departments
        self.department_tree.clear()
        unset = self.tr("（未设置）")
        for department in departments:
            try:
                example = dict(catalog.document_number_previews(department))["approval_decision"]
            except DomainError:
                example = self.tr("（未设置机关代字）")
            self.department_tree.addTopLevelItem(QTreeWidgetItem([
                department.code, department.name, example,
                department.reconsideration_body or unset, department.litigation_court or unset,
                department.phone]))
        self._load_users()

    def _on_add_department_button_clicked(self) -> None:
        self._edit_department(None)

    def _on_department_tree_item_activated(self, _item: QTreeWidgetItem, _column: int) -> None:
        self._on_edit_department_clicked()

    def _on_edit_department_clicked(self) -> None:
        index = self.department_tree.indexOfTopLevelItem(self.department_tree.currentItem())
        if 0 <= index < len(self.departments):
            self._edit_department(self.departments[index])

    def _edit_department(self, department: Department | None) -> None:
        fields = [
            FieldSpec("code", "部门代码", required=True,
                      default=department.code if department else ""),
            FieldSpec("name", "部门名称", required=True,
                      default=department.name if department else "",
                      placeholder="如：清河县市场监督管理局"),
            FieldSpec("document_prefix", "机关代字", required=True,
                      default=department.document_prefix if department else "",
                      object_name="departmentPrefixInput", placeholder="如：清市监"),
            FieldSpec("document_number_pattern", "文号格式", required=True,
                      default=department.document_number_pattern if department
                      else DEFAULT_DOCUMENT_PATTERN,
                      object_name="departmentPatternInput",
                      placeholder="{prefix}{kind}〔{year}〕{seq}号"),
            FieldSpec("kind_codes", "文种代字", kind="text",
                      default=catalog.format_kind_codes(department).replace("；", "；\n"),
                      object_name="departmentKindCodesInput"),
            FieldSpec("numbering_station", "编号站点",
                      default=department.numbering_station if department
                      else self.context.user.station,
                      object_name="departmentNumberingStationInput",
                      placeholder="文号不带站点代码的站点（县中心）"),
            FieldSpec("vertical", "垂直管理", kind="check",
                      default=department.vertical if department else False,
                      object_name="departmentVerticalCheck",
                      placeholder="税务、海关、金融、外汇、国家安全等实行垂直领导的机关"),
            FieldSpec("reconsideration_body", "行政复议机关",
                      default=department.reconsideration_body if department else "",
                      object_name="departmentReconsiderationInput",
                      placeholder="县政府工作部门：本级人民政府；垂直管理：上一级主管部门"),
            FieldSpec("litigation_court", "人民法院",
                      default=department.litigation_court if department else "",
                      object_name="departmentCourtInput", placeholder="如：清河县人民法院"),
            FieldSpec("phone", "窗口电话", default=department.phone if department else ""),
        ]
        dialog = FormDialog(
            self.tr("部门"), fields, submit_text=self.tr("保存"), parent=self,
            intro=self.tr("文号按 GB/T 9704—2012 编制：机关代字＋文种代字＋〔年份〕＋序号＋号，"
                          "序号不加“第”、不编虚位。编号站点以外的站点离线出具的文号，在机关代字后"
                          "加本站点代码，以免重号。行政复议机关和人民法院未设置时，不予受理通知书、"
                          "不予许可决定书等须告知救济途径的文书不能出具。"),
        )
        dialog.setMinimumWidth(640)  # room for the 文号 preview of three kinds
        if department is not None:
            code_input = dialog.inputs["code"]
            assert isinstance(code_input, QLineEdit)
            code_input.setReadOnly(True)
        preview = QLabel(dialog)
        preview.setObjectName("departmentNumberPreview")
        preview.setWordWrap(True)
        preview.setProperty("role", "subtle")
        layout = dialog.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(layout.count() - 1, preview)

        def draft() -> Department:
            values = dialog.values()
            return Department(
                values["code"], values["name"], values["document_number_pattern"],
                values["phone"], document_prefix=values["document_prefix"],
                kind_codes=catalog.parse_kind_codes(values["kind_codes"]),
                numbering_station=values["numbering_station"], vertical=values["vertical"],
                reconsideration_body=values["reconsideration_body"],
                litigation_court=values["litigation_court"],
            )

        def update_preview() -> None:
            # Pure formatting, no database: fine in the slot, shown as the user types.
            try:
                previews = dict(catalog.document_number_previews(draft()))
            except DomainError as error:
                preview.setText(self.tr("文号预览：") + error.message)
                return
            preview.setText(self.tr("文号预览：准予行政许可决定书 {0}；受理通知书 {1}；不予受理通知书 {2}")
                            .format(previews["approval_decision"],
                                    previews["acceptance_notice"],
                                    previews["rejection_notice"]))

        for name in ("document_prefix", "document_number_pattern"):
            line = dialog.inputs[name]
            assert isinstance(line, QLineEdit)
            line.textChanged.connect(update_preview)
        codes = dialog.inputs["kind_codes"]
        assert isinstance(codes, QPlainTextEdit)
        codes.textChanged.connect(update_preview)
        update_preview()

        def submitted(_values: dict[str, Any]) -> None:
            uow, admin = self.context.uow, self.context.user
            try:
                saved = draft()
            except DomainError as error:
                dialog.show_error(error)
                return
            self.context.runner.run(lambda: catalog.save_department(uow, admin, saved),
                                    on_done=lambda _r: (dialog.finish(), self._load_departments()),
                                    on_error=dialog.show_error, owner=self)

        dialog.submitted.connect(submitted)
        self.dialog = dialog
        dialog.open()

    def _load_departments(self) -> None:
        uow = self.context.uow
        self.context.runner.run(lambda: catalog.list_departments(uow),
                                on_done=self._on_departments,
                                on_error=self.message_bar.show_error, owner=self)

    # --- seals --------------------------------------------------------------------

    def _build_seals_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        self.seal_tree = _tree(tab, [self.tr("印章编号"), self.tr("印文"), self.tr("类别"),
                                     self.tr("部门"), self.tr("保管人"), self.tr("有效期"),
                                     self.tr("状态")], "sealTree")
        layout.addWidget(self.seal_tree)
        seal_buttons = QHBoxLayout()
        self.register_seal_button = QPushButton(self.tr("登记印章…"), tab)
        self.register_seal_button.setObjectName("registerSealButton")
        self.seal_status_combo = QComboBox(tab)
        self.seal_status_combo.setObjectName("sealStatusCombo")
        for status, label in SEAL_STATUS_LABELS.items():
            self.seal_status_combo.addItem(label, status.value)
        self.seal_status_button = QPushButton(self.tr("设为所选状态"), tab)
        self.seal_status_button.setObjectName("sealStatusButton")
        seal_buttons.addWidget(self.register_seal_button)
        seal_buttons.addStretch(1)
        seal_buttons.addWidget(QLabel(self.tr("所选印章："), tab))
        seal_buttons.addWidget(self.seal_status_combo)
        seal_buttons.addWidget(self.seal_status_button)
        layout.addLayout(seal_buttons)
        ledger_row = QHBoxLayout()
        ledger_row.addWidget(QLabel(self.tr("用印登记簿："), tab))
        # This month so far in Beijing days, whatever the machine's clock zone.
        today = local_date(utc_now())
        self.ledger_from = QDateEdit(QDate(today.year, today.month, 1), tab)
        self.ledger_to = QDateEdit(QDate(today.year, today.month, today.day), tab)
        for edit in (self.ledger_from, self.ledger_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        ledger_row.addWidget(self.ledger_from)
        ledger_row.addWidget(QLabel(self.tr("至"), tab))
        ledger_row.addWidget(self.ledger_to)
        # Each custodian department signs its own ledger.
        self.ledger_department_combo = QComboBox(tab)
        self.ledger_department_combo.setObjectName("ledgerDepartmentCombo")
        ledger_row.addWidget(self.ledger_department_combo)
        self.ledger_button = QPushButton(self.tr("打印用印登记簿…"), tab)
        self.ledger_button.setObjectName("sealLedgerButton")
        ledger_row.addWidget(self.ledger_button)
        ledger_row.addStretch(1)
        layout.addLayout(ledger_row)
        note = QLabel(self.tr("印章的登记、停用和更换须经中心管理员按制度办理；"
                              "每次用印都记入用印登记簿，不可修改。"), tab)
        note.setProperty("role", "subtle")
        layout.addWidget(note)
        self.tabs.addTab(tab, self.tr("印章"))
        self.seals: list[Any] = []
        available = optional_service("seals") is not None and self.context.key_store is not None
        for widget in (self.ledger_button, self.register_seal_button, self.seal_status_button):
            widget.setEnabled(available)

    def _load_seals(self) -> None:
        seals = optional_service("seals")
        if seals is None:
            return
        uow = self.context.uow
        self.context.runner.run(lambda: seals.list_seals(uow), on_done=self._on_seals,
                                on_error=self.message_bar.show_error, owner=self)

    def _on_seals(self, records: list[Any]) -> None:
        self.seals = records
        self.seal_tree.clear()
        for record in records:
            until = record.valid_to.isoformat() if record.valid_to else self.tr("长期")
            kind = record.kind.label + (f"（{record.window_name}）"
                                        if record.kind is SealKind.INTAKE else "")
            self.seal_tree.addTopLevelItem(QTreeWidgetItem([
                record.serial, record.full_title, kind, record.department_name,
                record.custodian_name, f"{record.valid_from.isoformat()} 至 {until}",
                getattr(record.status, "label", str(record.status))]))
        current = self.ledger_department_combo.currentData()
        self.ledger_department_combo.clear()
        for code, name in dict.fromkeys((r.department_code, r.department_name)
                                        for r in records):
            self.ledger_department_combo.addItem(name, code)
        if current:
            self.ledger_department_combo.setCurrentIndex(
                max(self.ledger_department_combo.findData(current), 0))

    def _on_register_seal_button_clicked(self) -> None:
        seals = optional_service("seals")
        if seals is None:
            return
        # Chief representatives keep the approval seal and the window copy; any active
        # staff member of the department may keep a window's 受理专用章.
        keepers = [(u["id"], f"{u['display_name']}（{u['username']}，"
                             f"{'首席代表' if 'chief' in u['roles'] else '窗口人员'}）")
                   for u in self.users if u["active"] and u["department_code"]
                   and ("chief" in u["roles"] or "clerk" in u["roles"])]
        if not self.departments or not keepers:
            self.message_bar.warning(self.tr("请先添加部门及其首席代表、窗口人员（印章保管人）。"))
            return
        fields = [
            FieldSpec("kind", "印章类别", "combo", object_name="sealKindCombo", options=[
                (SealKind.APPROVAL.value, SEAL_KIND_LABELS[SealKind.APPROVAL]
                 + "（核准决定，首席代表保管）"),
                (SealKind.INTAKE.value, SEAL_KIND_LABELS[SealKind.INTAKE]
                 + "（窗口当场出具的受理、告知、送达文书）"),
                (SealKind.WINDOW_COPY.value, SEAL_KIND_LABELS[SealKind.WINDOW_COPY]
                 + f"（双章制，标“{WINDOW_COPY_MARK}”，首席代表保管）"),
            ]),
            FieldSpec("department_code", "部门", "combo",
                      options=[(d.code, d.name) for d in self.departments]),
            FieldSpec("window_name", "使用窗口", object_name="sealWindowEdit",
                      placeholder="受理专用章必填，如“3号窗口”：该窗口人员凭本人密码使用"),
            FieldSpec("authority_name", "印文机关名称", required=True,
                      placeholder="刻在印章上的机关名称"),
            FieldSpec("serial", "印章编号", required=True, object_name="sealSerialEdit"),
            FieldSpec("custodian_id", "保管人", "combo", options=keepers),
            FieldSpec("valid_from", "启用日期", "date"),
            FieldSpec("valid_to", "停用日期", "optional_date", placeholder="长期有效"),
            FieldSpec("made_on", "刻制日期", "date"),
            FieldSpec("made_by", "刻制单位", required=True, placeholder="备案刻章单位"),
        ]
        dialog = FormDialog(self.tr("登记印章"), fields, submit_text=self.tr("登记"),
                            intro=self.tr("登记后生成该印章的电子签名密钥（保存在本机，不进入数据库）。"
                                          "受理通知书、不予受理通知书、一次性告知书须在受理窗口当场"
                                          "加盖该窗口的受理专用章。"),
                            parent=self)
        dialog.setObjectName("registerSealDialog")
        dialog.errors.add("custodian", dialog.inputs["custodian_id"], QLabel(dialog))

        def submitted(values: dict[str, Any]) -> None:
            uow, admin, key_store = self.context.uow, self.context.user, self.context.key_store
            self.context.runner.run(
                lambda: seals.register_seal(uow, admin, key_store, **values),
                on_done=lambda record: (dialog.finish(), self.message_bar.success(
                    self.tr("已登记印章“{0}”。").format(record.full_title)), self._load_seals()),
                on_error=dialog.show_error, label=self.tr("正在生成印章密钥…"), parent=dialog)

        dialog.submitted.connect(submitted)
        self.dialog = dialog
        dialog.open()

    def _on_seal_status_button_clicked(self) -> None:
        seals = optional_service("seals")
        index = self.seal_tree.indexOfTopLevelItem(self.seal_tree.currentItem())
        if seals is None or not 0 <= index < len(self.seals):
            self.message_bar.info(self.tr("请先在列表中选择一枚印章。"))
            return
        from app.domain.seal import SealStatus

        record = self.seals[index]
        status = SealStatus(self.seal_status_combo.currentData())
        uow, admin = self.context.uow, self.context.user
        self.context.runner.run(
            lambda: seals.set_seal_status(uow, admin, record.id, status),
            on_done=lambda _r: (self.message_bar.success(self.tr("印章“{0}”已设为{1}。").format(
                record.serial, status.label)), self._load_seals()),
            on_error=self.message_bar.show_error, owner=self)

    def _on_ledger_button_clicked(self) -> None:
        seals = optional_service("seals")
        if seals is None:
            return
        uow, user = self.context.uow, self.context.user
        start: date = self.ledger_from.date().toPyDate()
        end: date = self.ledger_to.date().toPyDate()
        department = str(self.ledger_department_combo.currentData() or "")
        self.context.runner.run(
            lambda: seals.ledger_pdf(uow, user, start=start, end=end,
                                     department_code=department),
            on_done=lambda pdf: self._show_pdf(self.tr("用印登记簿"), pdf,
                                               f"用印登记簿-{start}-{end}.pdf"),
            on_error=self.message_bar.show_error, label=self.tr("正在生成…"), parent=self)

    def _show_pdf(self, title: str, pdf: bytes, file_name: str) -> None:
        dialog = DocumentPreviewDialog([PreviewItem(title, pdf, file_name)], parent=self)
        self.dialog = dialog
        dialog.open()

    # --- calendar -----------------------------------------------------------------

    def _build_calendar_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QHBoxLayout(tab)
        left = QVBoxLayout()
        self.year_list = QListWidget(tab)
        self.year_list.setObjectName("calendarYears")
        self.year_list.setMaximumWidth(220)
        left.addWidget(self.year_list)
        self.add_year_spin = QSpinBox(tab)
        self.add_year_spin.setRange(2000, 2100)
        self.add_year_spin.setValue(QDate.currentDate().year() + 1)
        self.add_year_button = QPushButton(self.tr("新建年度"), tab)
        row = QHBoxLayout()
        row.addWidget(self.add_year_spin)
        row.addWidget(self.add_year_button)
        left.addLayout(row)
        layout.addLayout(left)
        right = QVBoxLayout()
        self.calendar_source = QLabel(tab)
        self.calendar_source.setProperty("role", "subtle")
        right.addWidget(self.calendar_source)
        lists = QHBoxLayout()
        holidays_box = QGroupBox(self.tr("放假日"), tab)
        QVBoxLayout(holidays_box).addWidget(holidays := QListWidget(holidays_box))
        workdays_box = QGroupBox(self.tr("调休上班日（周末）"), tab)
        QVBoxLayout(workdays_box).addWidget(workdays := QListWidget(workdays_box))
        self.holiday_list = holidays
        self.workday_list = workdays
        lists.addWidget(holidays_box)
        lists.addWidget(workdays_box)
        right.addLayout(lists, 1)
        edit_row = QHBoxLayout()
        self.day_edit = QDateEdit(QDate.currentDate(), tab)
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("yyyy-MM-dd")
        self.day_kind = QComboBox(tab)
        self.day_kind.addItem(self.tr("放假日"), "holiday")
        self.day_kind.addItem(self.tr("调休上班日"), "workday")
        self.add_day_button = QPushButton(self.tr("加入"), tab)
        self.remove_day_button = QPushButton(self.tr("删除所选日期"), tab)
        self.publish_button = QPushButton(self.tr("发布本年度安排"), tab)
        set_kind(self.publish_button, "primary")
        for widget in (self.day_edit, self.day_kind, self.add_day_button,
                       self.remove_day_button):
            edit_row.addWidget(widget)
        edit_row.addStretch(1)
        right.addLayout(edit_row)
        # The note beside the act it explains, wrapped: the tab fits a window at 150 %.
        publish_row = QHBoxLayout()
        note = QLabel(self.tr("发布后，所有未办结办件的办结期限按新的安排重新计算。"), tab)
        note.setProperty("role", "subtle")
        note.setWordWrap(True)
        publish_row.addWidget(note, 1)
        publish_row.addWidget(self.publish_button)
        right.addLayout(publish_row)
        layout.addLayout(right, 1)
        self.tabs.addTab(tab, self.tr("节假日"))
        self._editing: dict[str, set[date]] = {"holiday": set(), "workday": set()}

    def _load_calendar(self) -> None:
        uow = self.context.uow
        self.context.runner.run(lambda: calendar_admin.calendar_years(uow),
                                on_done=self._on_years, on_error=self.message_bar.show_error, owner=self)

    def _on_years(self, years: list[YearCalendar]) -> None:
        current = self.year_list.currentItem()
        chosen = current.text() if current else ""
        self.years = years
        self.year_list.clear()
        for year in years:
            self.year_list.addItem(str(year.year))
        texts = [str(y.year) for y in years]
        today = str(date.today().year)
        target = chosen if chosen in texts else (today if today in texts else "")
        if target:
            self.year_list.setCurrentRow(texts.index(target))
        elif years:
            self.year_list.setCurrentRow(len(years) - 1)

    def _selected_year(self) -> int | None:
        item = self.year_list.currentItem()
        return int(item.text()) if item is not None else None

    def _on_year_list_current_row_changed(self, row: int) -> None:
        if not 0 <= row < len(self.years):
            return
        year = self.years[row]
        self._editing = {"holiday": set(year.holidays), "workday": set(year.adjusted_workdays)}
        self.calendar_source.setText(self.tr("{0}年：{1}{2}").format(
            year.year, year.source.label, "" if year.published else self.tr("（未发布）")))
        self._show_days()

    def _show_days(self) -> None:
        weekdays = "一二三四五六日"
        for kind, widget in (("holiday", self.holiday_list), ("workday", self.workday_list)):
            widget.clear()
            for day in sorted(self._editing[kind]):
                widget.addItem(f"{day.isoformat()}（周{weekdays[day.weekday()]}）")

    def _on_add_year_button_clicked(self) -> None:
        year = self.add_year_spin.value()
        if any(y.year == year for y in self.years):
            self.year_list.setCurrentRow([y.year for y in self.years].index(year))
            return
        self.years.append(YearCalendar(year, frozenset(), frozenset(), CalendarSource.ADMIN,
                                       False))
        self.year_list.addItem(str(year))
        self.year_list.setCurrentRow(self.year_list.count() - 1)

    def _on_add_day_button_clicked(self) -> None:
        day = self.day_edit.date().toPyDate()
        kind = self.day_kind.currentData()
        if self._selected_year() != day.year:
            self.message_bar.error(self.tr("日期须在所选年度内。"))
            return
        other = "workday" if kind == "holiday" else "holiday"
        self._editing[other].discard(day)
        self._editing[kind].add(day)
        self._show_days()

    def _on_remove_day_button_clicked(self) -> None:
        for kind, widget in (("holiday", self.holiday_list), ("workday", self.workday_list)):
            for item in widget.selectedItems():
                self._editing[kind].discard(date.fromisoformat(item.text()[:10]))
        self._show_days()

    def _on_publish_button_clicked(self) -> None:
        year = self._selected_year()
        if year is None:
            return
        try:
            calendar = YearCalendar(year, frozenset(self._editing["holiday"]),
                                    frozenset(self._editing["workday"]), CalendarSource.ADMIN,
                                    True)
        except ValidationError as error:
            self.message_bar.error(error.message)
            return
        uow, admin = self.context.uow, self.context.user
        self.context.runner.run(
            lambda: calendar_admin.publish_year(uow, admin, calendar),
            on_done=lambda count: (self.message_bar.success(
                self.tr("已发布{0}年节假日安排，重新计算了 {1} 件办件的办结期限。").format(year, count)),
                self._load_calendar()),
            on_error=self.message_bar.show_error, label=self.tr("正在重新计算办结期限…"),
            parent=self)

    # --- settings -----------------------------------------------------------------

    def _build_settings_tab(self) -> None:
        scroll = QScrollArea(self.tabs)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        tab = QWidget(scroll)
        layout = QVBoxLayout(tab)
        box = QGroupBox(self.tr("本机设置"), tab)
        form = QFormLayout(box)
        self.idle_spin = QSpinBox(box)
        self.idle_spin.setObjectName("idleMinutesSpin")
        self.idle_spin.setRange(0, 240)
        self.idle_spin.setSuffix(self.tr(" 分钟（0 为不锁定）"))
        self.idle_spin.setMaximumWidth(260)
        self.save_settings_button = QPushButton(self.tr("保存设置"), box)
        self.save_settings_button.setObjectName("saveSettingsButton")
        form.addRow(self.tr("无操作自动锁屏"), self.idle_spin)
        form.addRow("", _right(self.save_settings_button))
        layout.addWidget(box)
        station = QGroupBox(self.tr("站点设置（文书和期限使用，全站一致）"), tab)
        station_form = QFormLayout(station)
        self.station_edits: dict[str, QLineEdit] = {}
        for key, label in system.STATION_SETTING_KEYS.items():
            edit = QLineEdit(station)
            edit.setObjectName(f"station_{key}")
            self.station_edits[key] = edit
            station_form.addRow(self.tr(label), edit)
        self.save_station_button = QPushButton(self.tr("保存站点设置"), station)
        self.save_station_button.setObjectName("saveStationSettingsButton")
        station_form.addRow("", _right(self.save_station_button))
        layout.addWidget(station)
        server = QGroupBox(self.tr("县中心服务器"), tab)
        server_form = QFormLayout(server)
        self.server_edit = QLineEdit(server)
        self.server_edit.setObjectName("serverUrlEdit")
        self.server_edit.setPlaceholderText("https://zwfw.example.gov.cn/counterdesk")
        self.enroll_code_edit = QLineEdit(server)
        self.enroll_code_edit.setObjectName("enrollCodeEdit")
        self.enroll_code_edit.setPlaceholderText(self.tr("县中心信息管理员提供的一次性登记码"))
        self.fingerprint_edit = QLineEdit(server)
        self.fingerprint_edit.setObjectName("certificateFingerprintEdit")
        self.fingerprint_edit.setPlaceholderText(
            self.tr("县中心提供的服务器证书 SHA-256 指纹（https；可不填）"))
        self.enroll_button = QPushButton(self.tr("登记到服务器"), server)
        self.enroll_button.setObjectName("enrollButton")
        self.sync_button = QPushButton(self.tr("立即同步"), server)
        server_form.addRow(self.tr("服务器地址"), self.server_edit)
        server_form.addRow(self.tr("登记码"), self.enroll_code_edit)
        server_form.addRow(self.tr("证书指纹"), self.fingerprint_edit)
        row = QHBoxLayout()
        row.addWidget(self.enroll_button)
        row.addWidget(self.sync_button)
        row.addStretch(1)
        server_form.addRow("", row)
        layout.addWidget(server)
        audit = QGroupBox(self.tr("审计"), tab)
        audit_layout = QHBoxLayout(audit)
        self.audit_button = QPushButton(self.tr("校验审计哈希链"), audit)
        self.audit_button.setObjectName("verifyAuditButton")
        self.audit_label = QLabel(audit)
        audit_layout.addWidget(self.audit_button)
        audit_layout.addWidget(self.audit_label, 1)
        layout.addWidget(audit)
        self.settings_problems = QLabel(tab)
        self.settings_problems.setProperty("role", "fieldError")
        self.settings_problems.setWordWrap(True)
        layout.addWidget(self.settings_problems)
        layout.addStretch(1)
        scroll.setWidget(tab)
        self.tabs.addTab(scroll, self.tr("系统设置"))
        has_engine = self.context.sync_engine is not None
        self.enroll_button.setEnabled(has_engine)
        self.sync_button.setEnabled(has_engine)

    def _show_settings(self) -> None:
        settings = self.context.settings
        self.idle_spin.setValue(self.context.idle_minutes)
        if settings is None:
            return
        self.server_edit.setText(str(settings.get("server_url")))
        for key, widget in (("idle_lock_minutes", self.idle_spin),
                            ("server_url", self.server_edit)):
            if settings.is_locked(key):
                widget.setEnabled(False)
                widget.setToolTip(self.tr("由站点设置文件统一设定"))
        self.settings_problems.setText("\n".join(settings.problems))

    def _on_save_settings_button_clicked(self) -> None:
        settings = self.context.settings
        if settings is None:
            return
        try:
            for key, value in (("idle_lock_minutes", self.idle_spin.value()),):
                if not settings.is_locked(key) and settings.get(key) != value:
                    settings.set(key, value)
        except (DomainError, OSError) as error:
            self.message_bar.show_error(error)
            return
        window = self.window()
        watcher = getattr(window, "idle_watcher", None)
        if watcher is not None:
            watcher.set_minutes(self.context.idle_minutes)
        self.message_bar.success(self.tr("设置已保存。"))

    def _load_station_settings(self) -> None:
        uow = self.context.uow
        self.context.runner.run(lambda: system.station_settings(uow),
                                on_done=self._on_station_settings,
                                on_error=self.message_bar.show_error, owner=self)

    def _on_station_settings(self, values: dict[str, str]) -> None:
        self._station_values = dict(values)
        for key, edit in self.station_edits.items():
            edit.setText(values.get(key, ""))

    def _on_save_station_button_clicked(self) -> None:
        # Only what the administrator changed: an untouched empty value stays "not set".
        values = {key: edit.text().strip() for key, edit in self.station_edits.items()
                  if edit.text().strip() != self._station_values.get(key, "")}
        if not values:
            self.message_bar.info(self.tr("站点设置没有改动。"))
            return
        uow, admin = self.context.uow, self.context.user
        self.save_station_button.setEnabled(False)

        def done(_result: object) -> None:
            self.save_station_button.setEnabled(True)
            self._station_values.update(values)
            self.message_bar.success(self.tr("站点设置已保存。"))

        def failed(error: BaseException) -> None:
            self.save_station_button.setEnabled(True)
            self.message_bar.show_error(error)
            field = getattr(error, "field", None)
            if field in self.station_edits:
                self.station_edits[field].setFocus()

        self.context.runner.run(lambda: system.update_station_settings(uow, admin, values),
                                on_done=done, on_error=failed, owner=self)

    def _on_enroll_button_clicked(self) -> None:
        engine = self.context.sync_engine
        if engine is None:
            return
        url, code = self.server_edit.text().strip(), self.enroll_code_edit.text().strip()
        if not url or not code:
            self.message_bar.error(self.tr("请填写服务器地址和登记码。"))
            return
        self.enroll_button.setEnabled(False)

        def done(_info: object) -> None:
            self.enroll_button.setEnabled(True)
            self.enroll_code_edit.clear()
            if self.context.settings is not None and not self.context.settings.is_locked(
                    "server_url"):
                self.context.settings.set("server_url", url)
            self.message_bar.success(self.tr("已登记到服务器，开始同步。"))
            self._on_sync_button_clicked()

        def failed(error: BaseException) -> None:
            self.enroll_button.setEnabled(True)
            self.message_bar.show_error(error)

        fingerprint = self.fingerprint_edit.text().strip()
        self.context.runner.run(lambda: engine.enroll(url, code, fingerprint=fingerprint),
                                on_done=done, on_error=failed,
                                network=True, label=self.tr("正在连接服务器…"), parent=self)

    def _on_sync_button_clicked(self) -> None:
        window = self.window()
        sync_now = getattr(window, "sync_now", None)
        if sync_now is not None:
            sync_now()

    def _on_audit_button_clicked(self) -> None:
        uow = self.context.uow
        self.audit_label.setText(self.tr("正在校验…"))
        self.context.runner.run(lambda: system.verify_audit(uow), on_done=self._on_audit,
                                on_error=self.message_bar.show_error,
                                label=self.tr("正在校验审计链…"), cancellable=True, parent=self)

    def _on_audit(self, result: tuple[int, Any]) -> None:
        checked, broken = result
        if broken is None:
            self.audit_label.setText(self.tr("审计链完整：已校验 {0} 条记录（{1}）。").format(
                checked, local_time(_now())))
        else:
            self.audit_label.setText(self.tr("审计链在第 {0} 条记录处断裂：{1}").format(
                broken.sequence, broken.reason))

    # --- page ---------------------------------------------------------------------

    def activate(self) -> None:
        if not self._loaded:
            self._loaded = True
            self._load_departments()
            self.ab_post_tab.load()
            self._load_seals()
            self._load_calendar()
            self._load_station_settings()
            self._show_settings()


class _ResetPasswordDialog(FormDialog):
    """The temporary password, typed twice."""

    def check(self, values: dict[str, Any]) -> dict[str, str]:
        if values["password"] != values["confirm"]:
            return {"confirm": self.tr("两次输入的密码不一致。")}
        return {}


def _right(widget: QWidget) -> QWidget:
    """A button at the right end of its form row."""
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addStretch(1)
    row.addWidget(widget)
    return holder


def _now() -> Any:
    from app.services.context import utc_now

    return utc_now()


def _tr(text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate("AdminPage", text)


