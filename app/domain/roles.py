"""Roles and what each may do. The services call :func:`authorize` on every use case."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from app.domain.errors import PermissionDenied


class Role(StrEnum):
    CLERK = "clerk"
    CHIEF = "chief"
    ADMIN = "admin"
    SUPERVISOR = "supervisor"
    # A window officer the department has authorized to complete a 即办件 alone, from
    # acceptance to the sealed result (衡阳 意见 四; 敖汉 第十四条(二) "根据本部门授权").
    ON_THE_SPOT = "on_the_spot"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CLERK: "窗口受理员",
    Role.CHIEF: "首席代表",
    Role.ADMIN: "中心管理员",
    Role.SUPERVISOR: "电子监察",
    Role.ON_THE_SPOT: "即办件授权（一人办结）",
}


class Action(StrEnum):
    REGISTER = "register"
    RECORD_MATERIALS = "record_materials"
    ISSUE_NOTICE = "issue_notice"
    SUPPLEMENT = "supplement"
    ACCEPT = "accept"
    REJECT = "reject"
    REVIEW = "review"
    COUNTERSIGN = "countersign"
    APPROVE = "approve"
    DENY = "deny"
    SEAL = "seal"
    SEAL_AT_COUNTER = "seal_at_counter"
    COMPLETE_ON_SPOT = "complete_on_spot"
    DELIVER = "deliver"
    FORWARD = "forward"
    RETURN_FORWARD = "return_forward"
    WITHDRAW = "withdraw"
    SUSPEND = "suspend"
    EXTEND = "extend"
    RECORD_FEE = "record_fee"
    RECORD_EVALUATION = "record_evaluation"
    HANDLE_COMPLAINT = "handle_complaint"
    INVESTIGATE_COMPLAINT = "investigate_complaint"
    FOLLOW_UP_EVALUATION = "follow_up_evaluation"
    RECORD_RECTIFICATION = "record_rectification"
    APPEAL_EVALUATION = "appeal_evaluation"
    DECIDE_APPEAL = "decide_appeal"
    ARCHIVE_CASES = "archive_cases"
    VIEW_CASES = "view_cases"
    VIEW_FULL_ID = "view_full_id"
    VIEW_AUDIT = "view_audit"
    PRINT = "print"
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_STAFF = "manage_staff"
    MANAGE_CALENDAR = "manage_calendar"
    MANAGE_SEALS = "manage_seals"
    MANAGE_SETTINGS = "manage_settings"

    @property
    def label(self) -> str:
        return ACTION_LABELS.get(self, self.value)


ACTION_LABELS = {
    Action.REGISTER: "受理登记",
    Action.RECORD_MATERIALS: "登记材料",
    Action.ISSUE_NOTICE: "出具一次性告知书",
    Action.SUPPLEMENT: "补正材料",
    Action.ACCEPT: "受理",
    Action.REJECT: "不予受理",
    Action.REVIEW: "审查",
    Action.COUNTERSIGN: "会签",
    Action.APPROVE: "核准",
    Action.DENY: "不予许可",
    Action.SEAL: "用印",
    Action.SEAL_AT_COUNTER: "窗口当场用印",
    Action.COMPLETE_ON_SPOT: "当场办结即办件",
    Action.DELIVER: "送达",
    Action.FORWARD: "上报",
    Action.RETURN_FORWARD: "登记上报结果",
    Action.WITHDRAW: "申请人撤回",
    Action.SUSPEND: "中止计时",
    Action.EXTEND: "延期",
    Action.RECORD_FEE: "登记收费",
    Action.RECORD_EVALUATION: "登记评价",
    Action.HANDLE_COMPLAINT: "受理和答复投诉",
    Action.INVESTIGATE_COMPLAINT: "调查核实投诉",
    Action.FOLLOW_UP_EVALUATION: "差评回访和整改督办",
    Action.RECORD_RECTIFICATION: "登记整改结果",
    Action.APPEAL_EVALUATION: "差评申诉",
    Action.DECIDE_APPEAL: "决定差评申诉",
    Action.ARCHIVE_CASES: "办件归档",
    Action.VIEW_CASES: "查询办件",
    Action.VIEW_FULL_ID: "查看完整证件号码",
    Action.VIEW_AUDIT: "查看审计记录",
    Action.PRINT: "打印文书",
    Action.MANAGE_CATALOG: "管理事项目录",
    Action.MANAGE_STAFF: "管理人员",
    Action.MANAGE_CALENDAR: "管理节假日",
    Action.MANAGE_SEALS: "管理印章",
    Action.MANAGE_SETTINGS: "管理系统设置",
}

_COUNTER_WORK = frozenset(
    {
        Action.REGISTER, Action.RECORD_MATERIALS, Action.ISSUE_NOTICE, Action.SUPPLEMENT,
        Action.ACCEPT, Action.REJECT, Action.REVIEW, Action.DELIVER, Action.FORWARD,
        Action.RETURN_FORWARD, Action.WITHDRAW, Action.SUSPEND, Action.RECORD_FEE,
        Action.RECORD_EVALUATION, Action.VIEW_CASES, Action.VIEW_FULL_ID, Action.PRINT,
        Action.SEAL_AT_COUNTER,
    }
)
_CHIEF_WORK = _COUNTER_WORK | {
    Action.COUNTERSIGN, Action.APPROVE, Action.DENY, Action.SEAL, Action.EXTEND,
    Action.INVESTIGATE_COMPLAINT, Action.RECORD_RECTIFICATION,
    # The chief representative answers for the window: they appeal a rating for it.
    Action.APPEAL_EVALUATION,
}
_ADMIN_WORK = frozenset(
    {
        Action.VIEW_CASES, Action.VIEW_AUDIT, Action.PRINT, Action.MANAGE_CATALOG,
        Action.MANAGE_STAFF, Action.MANAGE_CALENDAR, Action.MANAGE_SEALS,
        Action.MANAGE_SETTINGS, Action.HANDLE_COMPLAINT, Action.INVESTIGATE_COMPLAINT,
        Action.FOLLOW_UP_EVALUATION, Action.RECORD_RECTIFICATION, Action.ARCHIVE_CASES,
    }
)
# 电子监察 reads everything and runs the complaint desk and the 差评 follow-up (敖汉
# 第四条（七）、第四十四条); it alone decides an appeal against a rating.
_SUPERVISOR_WORK = frozenset({
    Action.VIEW_CASES, Action.VIEW_AUDIT, Action.PRINT, Action.HANDLE_COMPLAINT,
    Action.INVESTIGATE_COMPLAINT, Action.FOLLOW_UP_EVALUATION, Action.RECORD_RECTIFICATION,
    Action.DECIDE_APPEAL,
})

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.CLERK: _COUNTER_WORK,
    Role.CHIEF: _CHIEF_WORK,
    Role.ADMIN: _ADMIN_WORK,
    Role.SUPERVISOR: _SUPERVISOR_WORK,
    # Only the grant: the officer also holds the clerk's role for the counter's work.
    Role.ON_THE_SPOT: frozenset({Action.COMPLETE_ON_SPOT}),
}


def can(roles: Iterable[Role | str], action: Action) -> bool:
    """Whether ``roles`` allow ``action`` (for showing or hiding UI)."""
    # Checked for every event a server or a station applies: no sets built.
    return any(action in PERMISSIONS[Role(role)] for role in roles)


def authorize(roles: Iterable[Role | str], action: Action, *, who: str = "") -> None:
    """Raise :class:`PermissionDenied` unless ``roles`` allow ``action``."""
    roles = list(roles)
    if not can(roles, action):
        role_text = "、".join(Role(r).label for r in roles) or "无角色"
        raise PermissionDenied(
            "permission.role",
            f"{who or '当前用户'}（{role_text}）无权{action.label}。",
            action=action.value,
        )
