"""Login, first start and the idle lock's unlock dialog."""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.domain import limits
from app.domain.errors import DomainError
from app.services import accounts
from app.services.context import CurrentUser
from app.ui.context import UnitOfWorkFactory
from app.ui.feedback import FieldErrors, MessageBar
from app.ui.resources import icon
from app.ui.tasks import TaskRunner
from app.ui.widgets import EnterMovesFocus, add_field, field_with_error, set_kind, title_label


class LoginDialog(QDialog):
    """User name and password; wrong passwords are counted by the service."""

    loggedIn = pyqtSignal(object)  # CurrentUser

    def __init__(self, uow: UnitOfWorkFactory, runner: TaskRunner, *, station_name: str = "",
                 last_username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._uow = uow
        self._runner = runner
        self.user: CurrentUser | None = None
        self.setObjectName("loginDialog")
        self.setWindowTitle(self.tr("登录 — CounterDesk 政务服务窗口受理台"))
        self.setWindowIcon(icon("app"))
        self.setMinimumWidth(420)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(10)
        heading = title_label(self.tr("政务服务窗口受理台"), self, role="hero")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(heading)
        station = QLabel(station_name or self.tr("CounterDesk"), self)
        station.setObjectName("loginStation")
        station.setProperty("role", "subtle")
        station.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(station)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.username_edit = QLineEdit(last_username, self)
        self.username_edit.setObjectName("usernameEdit")
        self.username_edit.setPlaceholderText(self.tr("工号或用户名"))
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("passwordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        # Each error under the field it is about (the login's answer under 密码).
        self.errors = FieldErrors()
        self._rows: dict[str, QWidget] = {}
        self._add_row(form, self.tr("用户名"), "username", self.username_edit)
        self._add_row(form, self.tr("密码"), "password", self.password_edit)
        # Shown only after the administrator reset the password: the new one, twice.
        self.new_password_edit = QLineEdit(self)
        self.new_password_edit.setObjectName("loginNewPasswordEdit")
        self.new_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_password_edit.setPlaceholderText(self.tr("至少8位，含字母和数字"))
        self.confirm_password_edit = QLineEdit(self)
        self.confirm_password_edit.setObjectName("loginConfirmPasswordEdit")
        self.confirm_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self._add_row(form, self.tr("新密码"), "new_password", self.new_password_edit)
        self._add_row(form, self.tr("确认新密码"), "confirm_password", self.confirm_password_edit)
        self._form = form
        self._show_new_password(False)
        layout.addLayout(form)
        self.error_label = self.errors.label("password")
        assert self.error_label is not None
        self.error_label.setObjectName("loginError")

        self.login_button = QPushButton(self.tr("登录"), self)
        self.login_button.setObjectName("loginButton")
        set_kind(self.login_button, "primary")
        self.login_button.setDefault(True)
        layout.addWidget(self.login_button)
        version = QLabel(self.tr("版本 {0}").format(__version__), self)
        version.setProperty("role", "subtle")
        version.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(version)

        self._enter = EnterMovesFocus([self.username_edit, self.password_edit], self._submit,
                                      self)
        self._connect_signals()
        if last_username:
            self.password_edit.setFocus()

    def _add_row(self, form: QFormLayout, label: str, name: str, edit: QLineEdit) -> None:
        box, error = field_with_error(edit, self)
        self.errors.add(name, edit, error)
        form.addRow(label, box)
        self._rows[name] = box

    def _connect_signals(self) -> None:
        self.login_button.clicked.connect(self._on_login_button_clicked)

    def _on_login_button_clicked(self) -> None:
        self._submit()

    def _submit(self) -> None:
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        self.errors.clear()
        if not username or not password:
            if not username:
                self._show_error(self.tr("请输入用户名。"), "username")
            if not password:
                self._show_error(self.tr("请输入密码。"), "password")
            (self.username_edit if not username else self.password_edit).setFocus()
            return
        new_password: str | None = None
        if self.new_password_edit.isVisible():
            new_password = self.new_password_edit.text()
            if new_password != self.confirm_password_edit.text():
                self._show_error(self.tr("两次输入的新密码不一致。"), "confirm_password")
                self.confirm_password_edit.setFocus()
                return
        self.login_button.setEnabled(False)
        uow = self._uow
        self._runner.run(
            lambda: accounts.authenticate(uow, username=username, password=password,
                                          new_password=new_password),
            on_done=self._on_authenticated, on_error=self._on_failed,
            label=self.tr("正在验证…"), parent=self,
        )

    def _on_authenticated(self, user: CurrentUser) -> None:
        self.login_button.setEnabled(True)
        self.user = user
        self.loggedIn.emit(user)
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        self.login_button.setEnabled(True)
        message = error.message if isinstance(error, DomainError) else \
            self.tr("登录失败：无法读取本机数据库。请联系信息管理员。")
        code = getattr(error, "code", "")
        if code == "password_change_required":
            self._show_new_password(True)
            self._show_error(message, "new_password")
            self.new_password_edit.setFocus()
            return
        if self.new_password_edit.isVisible() and getattr(error, "field", "") == \
                "new_password":
            self._show_error(message, "new_password")
            self.new_password_edit.setFocus()
            return
        # Whether the name or the password was wrong is not told (one answer for both).
        self._show_error(message, "password")
        self.password_edit.clear()
        self.password_edit.setFocus()

    def _show_new_password(self, shown: bool) -> None:
        for name, edit in (("new_password", self.new_password_edit),
                           ("confirm_password", self.confirm_password_edit)):
            self._form.setRowVisible(self._rows[name], shown)
            if not shown:
                edit.clear()
                self.errors.clear(name)

    def _show_error(self, message: str, field: str) -> None:
        self.errors.set_error(field, message)


class FirstStartDialog(QDialog):
    """The first start: name the station and the window, create the administrator."""

    created = pyqtSignal(object)  # CurrentUser

    def __init__(self, uow: UnitOfWorkFactory, runner: TaskRunner,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._uow = uow
        self._runner = runner
        self.user: CurrentUser | None = None
        self.setObjectName("firstStartDialog")
        self.setWindowTitle(self.tr("首次启动 — CounterDesk"))
        self.setWindowIcon(icon("app"))
        self.setMinimumWidth(520)
        self.errors = FieldErrors()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(title_label(self.tr("欢迎使用政务服务窗口受理台"), self, role="hero"))
        intro = QLabel(self.tr("本机尚未初始化。请填写本服务中心（或便民服务站）的信息，"
                               "并创建第一个管理员账户。以后可在“系统管理”中添加工作人员。"), self)
        intro.setWordWrap(True)
        intro.setProperty("role", "subtle")
        layout.addWidget(intro)
        self.message_bar = MessageBar(self)
        layout.addWidget(self.message_bar)

        station_box = QGroupBox(self.tr("站点"), self)
        station_form = QFormLayout(station_box)
        self.station_code_edit = QLineEdit(self)
        self.station_code_edit.setObjectName("stationCodeEdit")
        self.station_code_edit.setPlaceholderText(self.tr("如 XC01（2–12 位大写字母或数字）"))
        self.station_name_edit = QLineEdit(self)
        self.station_name_edit.setMaxLength(limits.STATION_NAME)
        self.station_name_edit.setObjectName("stationNameEdit")
        self.station_name_edit.setPlaceholderText(self.tr("如 城关镇便民服务站"))
        self.window_name_edit = QLineEdit(self)
        self.window_name_edit.setMaxLength(limits.WINDOW_NAME)
        self.window_name_edit.setObjectName("windowNameEdit")
        self.window_name_edit.setPlaceholderText(self.tr("如 1号窗口"))
        add_field(station_form, self.tr("站点代码"), self.station_code_edit, self.errors,
                  "station_code", required=True)
        add_field(station_form, self.tr("站点名称"), self.station_name_edit, self.errors,
                  "station_name", required=True)
        add_field(station_form, self.tr("窗口"), self.window_name_edit, self.errors,
                  "window_name")
        # The station code starts every case number: show what the numbers will look like.
        self.case_number_preview = QLabel(self)
        self.case_number_preview.setObjectName("caseNumberPreview")
        self.case_number_preview.setProperty("role", "subtle")
        station_form.addRow("", self.case_number_preview)
        self._update_case_number_preview()
        layout.addWidget(station_box)

        admin_box = QGroupBox(self.tr("管理员账户"), self)
        admin_form = QFormLayout(admin_box)
        self.admin_user_edit = QLineEdit("admin", self)
        self.admin_user_edit.setMaxLength(limits.USERNAME)
        self.admin_user_edit.setObjectName("adminUserEdit")
        self.admin_name_edit = QLineEdit(self)
        self.admin_name_edit.setMaxLength(limits.PERSON_NAME)
        self.admin_name_edit.setObjectName("adminNameEdit")
        self.admin_password_edit = QLineEdit(self)
        self.admin_password_edit.setObjectName("adminPasswordEdit")
        self.admin_password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.admin_password_edit.setPlaceholderText(self.tr("至少8位，含字母和数字"))
        self.admin_confirm_edit = QLineEdit(self)
        self.admin_confirm_edit.setObjectName("adminPasswordConfirmEdit")
        self.admin_confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
        add_field(admin_form, self.tr("用户名"), self.admin_user_edit, self.errors, "username",
                  required=True)
        add_field(admin_form, self.tr("姓名"), self.admin_name_edit, self.errors,
                  "display_name", required=True)
        add_field(admin_form, self.tr("密码"), self.admin_password_edit, self.errors,
                  "password", required=True)
        add_field(admin_form, self.tr("确认密码"), self.admin_confirm_edit, self.errors,
                  "password_confirm", required=True)
        layout.addWidget(admin_box)

        buttons = QDialogButtonBox(self)
        self.create_button = buttons.addButton(self.tr("完成初始化"),
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        assert self.create_button is not None
        self.create_button.setObjectName("createButton")
        set_kind(self.create_button, "primary")
        self.cancel_button = buttons.addButton(self.tr("退出"),
                                               QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(buttons)
        self._enter = EnterMovesFocus(
            [self.station_code_edit, self.station_name_edit, self.window_name_edit,
             self.admin_user_edit, self.admin_name_edit, self.admin_password_edit,
             self.admin_confirm_edit], self._submit, self)
        self._connect_signals()

    def _connect_signals(self) -> None:
        assert self.create_button is not None and self.cancel_button is not None
        self.create_button.clicked.connect(self._on_create_button_clicked)
        self.station_code_edit.textChanged.connect(self._on_station_code_edit_text_changed)
        self.cancel_button.clicked.connect(self.reject)

    def _on_station_code_edit_text_changed(self, _text: str) -> None:
        self._update_case_number_preview()

    def _update_case_number_preview(self) -> None:
        from app.domain.errors import ValidationError
        from app.domain.numbering import format_case_number, validate_station_code
        from app.services.context import local_date, utc_now

        try:
            code = validate_station_code(self.station_code_edit.text())
        except ValidationError:
            self.case_number_preview.setText(
                self.tr("受理编号格式：站点代码-登记日期-当日序号，如 XC01-20261123-0001"))
            return
        self.case_number_preview.setText(self.tr("受理编号预览：{0}").format(
            format_case_number(code, local_date(utc_now()), 1)))

    def _on_create_button_clicked(self) -> None:
        self._submit()

    def _submit(self) -> None:
        self.errors.clear()
        self.message_bar.hide()
        if self.admin_password_edit.text() != self.admin_confirm_edit.text():
            self.errors.set_error("password_confirm", self.tr("两次输入的密码不一致。"))
            self.admin_confirm_edit.setFocus()
            return
        values = dict(
            username=self.admin_user_edit.text().strip(),
            display_name=self.admin_name_edit.text().strip(),
            password=self.admin_password_edit.text(),
            station_code=self.station_code_edit.text().strip(),
            station_name=self.station_name_edit.text().strip(),
            window_name=self.window_name_edit.text().strip(),
        )
        assert self.create_button is not None
        self.create_button.setEnabled(False)
        uow = self._uow
        self._runner.run(lambda: accounts.create_first_administrator(uow, **values),
                         on_done=self._on_created, on_error=self._on_failed,
                         label=self.tr("正在初始化…"), parent=self)

    def _on_created(self, user: CurrentUser) -> None:
        assert self.create_button is not None
        self.create_button.setEnabled(True)
        self.user = user
        self.created.emit(user)
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        assert self.create_button is not None
        self.create_button.setEnabled(True)
        if isinstance(error, DomainError):
            self.errors.show_domain_error(error, self.message_bar)
        else:
            self.message_bar.show_error(error)


class UnlockDialog(QDialog):
    """The idle lock: the screen stays hidden until the user's password is entered."""

    unlocked = pyqtSignal()
    logoutRequested = pyqtSignal()

    def __init__(self, uow: UnitOfWorkFactory, runner: TaskRunner, user: CurrentUser,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._uow = uow
        self._runner = runner
        self._user = user
        self.setObjectName("unlockDialog")
        self.setWindowTitle(self.tr("已锁定"))
        self.setModal(True)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.addWidget(title_label(self.tr("屏幕已锁定"), self))
        info = QLabel(self.tr("长时间无操作，屏幕已锁定。{0}（{1}）请输入密码解锁。").format(
            user.display_name, user.username), self)
        info.setWordWrap(True)
        layout.addWidget(info)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("unlockPasswordEdit")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.password_edit)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("unlockError")
        self.error_label.setProperty("role", "fieldError")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        buttons = QDialogButtonBox(self)
        self.unlock_button = buttons.addButton(self.tr("解锁"),
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        assert self.unlock_button is not None
        self.unlock_button.setObjectName("unlockButton")
        set_kind(self.unlock_button, "primary")
        self.unlock_button.setDefault(True)
        self.logout_button = buttons.addButton(self.tr("注销"),
                                               QDialogButtonBox.ButtonRole.DestructiveRole)
        layout.addWidget(buttons)
        self._connect_signals()

    def _connect_signals(self) -> None:
        assert self.unlock_button is not None and self.logout_button is not None
        self.unlock_button.clicked.connect(self._on_unlock_button_clicked)
        self.logout_button.clicked.connect(self._on_logout_button_clicked)

    def reject(self) -> None:
        # Escape must not dismiss the lock.
        return

    def _on_logout_button_clicked(self) -> None:
        self.logoutRequested.emit()
        self.done(QDialog.DialogCode.Rejected)

    def _on_unlock_button_clicked(self) -> None:
        password = self.password_edit.text()
        assert self.unlock_button is not None
        self.unlock_button.setEnabled(False)
        uow, user = self._uow, self._user
        self._runner.run(lambda: accounts.confirm_password(uow, user, password),
                         on_done=self._on_confirmed, on_error=self._on_failed, owner=self)

    def _on_confirmed(self, _result: object) -> None:
        assert self.unlock_button is not None
        self.unlock_button.setEnabled(True)
        self.unlocked.emit()
        self.done(QDialog.DialogCode.Accepted)

    def _on_failed(self, error: BaseException) -> None:
        assert self.unlock_button is not None
        self.unlock_button.setEnabled(True)
        self.error_label.setText(error.message if isinstance(error, DomainError)
                                 else self.tr("无法验证密码，请重试。"))
        self.error_label.show()
        self.password_edit.clear()
        self.password_edit.setFocus()
