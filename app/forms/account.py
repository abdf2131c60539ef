"""The user's own account: changing the password, and naming a temporary deputy.

Both are :class:`FormDialog` forms: the dialog checks what only a form can (the new
password typed twice alike, a deputy chosen), the use case runs on the task runner,
and a refusal is shown by its field with everything typed kept. ``open_*`` wire a
dialog to its use case for whichever screen opens it (the system menu, the approval
and seal pages).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import QComboBox, QWidget

from app.domain.errors import DomainError
from app.domain.roles import Role
from app.forms.dialogs import FieldSpec, FormDialog
from app.services import accounts
from app.services.context import CHINA_TZ, utc_now
from app.ui.context import AppContext
from app.ui.widgets import local_time

# The services name the field "password" both for a wrong old password and for a weak
# new one; the codes tell which of this form's fields the sentence belongs to.
PASSWORD_FIELD_BY_CODE = {"wrong_password": "old_password", "weak_password": "new_password"}

# A deputy holds a chief representative's authority: staff who work cases.
DEPUTY_ROLES = frozenset({Role.CLERK.value, Role.CHIEF.value})


def _tr(text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate("AccountDialogs", text)


class ChangePasswordDialog(FormDialog):
    """The current password, then the new one twice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            _tr("修改密码"),
            [
                FieldSpec("old_password", _tr("原密码"), "password", required=True,
                          object_name="oldPasswordEdit"),
                FieldSpec("new_password", _tr("新密码"), "password", required=True,
                          object_name="newPasswordEdit",
                          placeholder=_tr("至少8位，含字母和数字")),
                FieldSpec("confirm_password", _tr("确认新密码"), "password", required=True,
                          object_name="confirmPasswordEdit"),
            ],
            intro=_tr("修改后，下次登录、解锁和用印确认都使用新密码。"),
            submit_text=_tr("修改密码"), parent=parent)
        self.setObjectName("changePasswordDialog")

    def check(self, values: dict[str, Any]) -> dict[str, str]:
        if values["new_password"] != values["confirm_password"]:
            return {"confirm_password": self.tr("两次输入的新密码不一致。")}
        return {}

    def show_error(self, error: BaseException) -> None:
        field = PASSWORD_FIELD_BY_CODE.get(error.code) if isinstance(error, DomainError) \
            else None
        if field is None:
            super().show_error(error)
            return
        assert isinstance(error, DomainError)
        self.submit_button.setEnabled(True)
        self.errors.set_error(field, error.message)
        widget = self.inputs[field]
        if field == "old_password":
            widget.clear()  # type: ignore[attr-defined]
        widget.setFocus()


def open_change_password(context: AppContext, parent: QWidget) -> ChangePasswordDialog:
    """Open the dialog; it closes (``accepted``) once the new password is saved."""
    dialog = ChangePasswordDialog(parent)

    def submitted(values: dict[str, Any]) -> None:
        uow, user = context.uow, context.user
        old, new = values["old_password"], values["new_password"]
        context.runner.run(
            lambda: accounts.change_password(uow, user, old_password=old, new_password=new),
            on_done=lambda _r: dialog.finish(), on_error=dialog.show_error,
            label=_tr("正在修改密码…"), parent=dialog)

    dialog.submitted.connect(submitted)
    dialog.open()
    return dialog


def _default_period() -> tuple[datetime, datetime]:
    """From now (to the minute) to 18:00 China time the next day."""
    start = utc_now().astimezone(CHINA_TZ).replace(second=0, microsecond=0)
    end = (start + timedelta(days=1)).replace(hour=18, minute=0)
    return start, end


class NameDeputyDialog(FormDialog):
    """A chief representative names who stands in for them, for how long and why."""

    # Emitted with the sentence to show once the delegation is recorded.
    named = pyqtSignal(str)

    def __init__(self, department: str, parent: QWidget | None = None) -> None:
        start, end = _default_period()
        super().__init__(
            _tr("指定临时代理人"),
            [
                FieldSpec("deputy", _tr("代理人"), "combo", object_name="deputyCombo"),
                FieldSpec("starts_at", _tr("代理开始"), "datetime", default=start,
                          object_name="deputyStartsEdit"),
                FieldSpec("ends_at", _tr("代理结束"), "datetime", default=end,
                          object_name="deputyEndsEdit"),
                FieldSpec("reason", _tr("代理事由"), "text", required=True,
                          object_name="deputyReasonEdit",
                          placeholder=_tr("如：外出参加培训，期间由其代为核准、用印")),
            ],
            intro=_tr("您不在岗期间，临时代理人可核准{0}的办件并使用本部门审批专用章；"
                      "时间按北京时间填写，期限届满代理自动失效。").format(department),
            submit_text=_tr("指定"), parent=parent)
        self.setObjectName("nameDeputyDialog")
        self.staff: list[dict[str, Any]] = []
        self.deputy_combo: QComboBox = self.inputs["deputy"]  # type: ignore[assignment]
        self.deputy_combo.addItem(self.tr("正在读取工作人员…"), None)
        self.submit_button.setEnabled(False)

    def set_staff(self, users: list[dict[str, Any]], chief_id: str,
                  department_code: str) -> None:
        """Fill the choice: active staff who work cases, the chief's department first."""
        eligible = [u for u in users if u["active"] and u["id"] != chief_id
                    and DEPUTY_ROLES & set(u["roles"])]
        eligible.sort(key=lambda u: u["department_code"] != department_code)
        self.staff = eligible
        self.deputy_combo.clear()
        if not eligible:
            self.deputy_combo.addItem(self.tr("（没有可指定的工作人员）"), None)
            return
        for user in eligible:
            roles = "、".join(Role(r).label for r in user["roles"] if r)
            place = "" if user["department_code"] == department_code \
                else f" · {user['department_code'] or self.tr('无部门')}"
            self.deputy_combo.addItem(
                f"{user['display_name']}（{user['username']}）· {roles}{place}", user["id"])
        self.submit_button.setEnabled(True)

    def deputy_name(self, deputy_id: str) -> str:
        return next((str(u["display_name"]) for u in self.staff if u["id"] == deputy_id), "")

    def check(self, values: dict[str, Any]) -> dict[str, str]:
        if not values["deputy"]:
            return {"deputy": self.tr("请选择代理人。")}
        return {}


def open_name_deputy(context: AppContext, parent: QWidget) -> NameDeputyDialog:
    """Open the dialog for the logged-in chief representative; ``named`` on success."""
    chief = context.user
    dialog = NameDeputyDialog(chief.department_code, parent)
    uow, runner = context.uow, context.runner
    runner.run(lambda: accounts.list_users(uow),
               on_done=lambda users: dialog.set_staff(users, chief.id, chief.department_code),
               on_error=dialog.show_error, owner=dialog)

    def submitted(values: dict[str, Any]) -> None:
        deputy_id, starts_at, ends_at = values["deputy"], values["starts_at"], values["ends_at"]
        reason = values["reason"]

        def done(_delegation_id: str) -> None:
            dialog.finish()
            dialog.named.emit(_tr("已指定{0}为临时代理人：{1} 至 {2}（北京时间），期满自动失效。")
                              .format(dialog.deputy_name(deputy_id), local_time(starts_at),
                                      local_time(ends_at)))

        runner.run(
            lambda: accounts.name_deputy(uow, chief, deputy_id=deputy_id, starts_at=starts_at,
                                         ends_at=ends_at, reason=reason),
            on_done=done, on_error=dialog.show_error, label=_tr("正在保存…"), parent=dialog)

    dialog.submitted.connect(submitted)
    dialog.open()
    return dialog
