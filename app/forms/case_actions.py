"""Which actions a user may take on a case now, and what each one asks for.

The domain and the services decide and enforce; this only chooses which buttons to
show, so that a role that must not do something does not even see it. Everything
shown here is still checked again below the UI when the button is pressed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.domain.case import (
    DECISION_DOCUMENTS as DECISION_KINDS,
)
from app.domain.case import (
    FORWARD_RESULTS,
    MAX_EXTENSION_DAYS,
    Case,
    CaseState,
    ExtensionRule,
    decision_document,
    documents_awaiting_seal,
    extended_days,
    extension_rule,
    pending_countersigns,
    single_officer_allowed,
    suspension_reasons,
)
from app.domain.catalog import CaseType
from app.domain.errors import SealRefused
from app.domain.roles import Action
from app.domain.seal import SealableDocument
from app.forms.dialogs import FieldSpec, counter_password_field, reject_fields
from app.services import cases
from app.services.context import CurrentUser
from app.ui.context import AppContext, UnitOfWorkFactory, optional_service

OPEN_CLOCK_STATES = (CaseState.ACCEPTED, CaseState.REVIEWED)
# The acceptance notice is offered for the seal while the case runs (the domain would
# also take it later; after completion it only clutters the page).
DELIVERY_METHODS = [("窗口领取", "窗口领取"), ("邮寄送达", "邮寄送达"),
                    ("电子送达", "电子送达"), ("代办员送达", "代办员送达")]

# (uow, user, case, dialog values) -> the updated case (or an issued document)
Runner = Callable[[UnitOfWorkFactory, CurrentUser, Case, dict[str, Any]], Any]


@dataclass(frozen=True)
class CaseAction:
    """A button on the case page: its label, its dialog's fields and the use case."""

    key: str
    label: str
    run: Runner
    fields: tuple[FieldSpec, ...] = ()
    intro: str = ""
    kind: str = "normal"  # normal | primary | danger
    dialog: str = "form"  # form | notice | supplement | seal | none
    issues: str = ""  # the DocumentKind sealed with the act, shown when it is done


def seal_kinds(case: Case) -> list[tuple[str, str]]:
    """The documents of this case the chief representative may now seal: (kind, label)
    (``documents_awaiting_seal``, the rule the sealing queue lists cases by)."""
    return [(kind, SealableDocument(kind).label) for kind in documents_awaiting_seal(case)]


def counter_seal(context: AppContext, values: dict[str, Any]) -> cases.CounterSeal:
    """The sealing confirmation the counter's acts take, from the dialog's password."""
    if context.key_store is None:
        raise SealRefused("no_key_store", "本机没有印章密钥存储，不能盖章出具文书；请联系中心管理员。")
    return cases.CounterSeal(password=str(values.get("password", "")),
                             key_store=context.key_store)


def _optional_counter_seal(context: AppContext, values: dict[str, Any]) -> Any:
    return counter_seal(context, values) if values.get("password") else None


def _fen(text: str) -> int:
    try:
        value = round(float(text.replace("元", "").replace(",", "").strip()) * 100)
    except ValueError:
        from app.domain.errors import ValidationError

        raise ValidationError("bad_amount", "请输入金额，如 10.00。", field="amount") from None
    return int(value)


def available_actions(context: AppContext, case: Case) -> list[CaseAction]:
    """The actions this user may take on this case in its current state."""
    user = context.user
    state = case.state
    actions: list[CaseAction] = []
    chief = context.chief_of(case.department_code)

    def allowed(action: Action) -> bool:
        return context.can(action)

    if state is CaseState.REGISTERED:
        if allowed(Action.ACCEPT):
            actions.append(CaseAction(
                "accept", "受理…",
                lambda u, p, c, v: cases.accept(u, p, c.id, seal=counter_seal(context, v)),
                (counter_password_field("acceptPasswordEdit"),), kind="primary",
                intro="受理后当场加盖本窗口受理专用章出具受理通知书，注明受理日期，交申请人签收。",
                issues="acceptance_notice"))
        if allowed(Action.ISSUE_NOTICE):
            actions.append(CaseAction(
                "notice", "一次性告知…",
                lambda u, p, c, v: cases.issue_one_time_notice(
                    u, p, c.id, missing=v["missing"], seal=counter_seal(context, v),
                    supplement_working_days=v.get("supplement_working_days")),
                dialog="notice", issues="one_time_notice"))
    if state is CaseState.AWAITING_SUPPLEMENT and allowed(Action.SUPPLEMENT):
        actions.append(CaseAction(
            "supplement", "登记补正材料…",
            lambda u, p, c, v: cases.supplement(u, p, c.id, received=v["received"]),
            kind="primary", dialog="supplement"))
    if state in (CaseState.REGISTERED, CaseState.AWAITING_SUPPLEMENT) and allowed(Action.REJECT):
        actions.append(CaseAction(
            "reject", "不予受理…",
            lambda u, p, c, v: cases.reject(
                u, p, c.id, seal=counter_seal(context, v),
                **{key: value for key, value in v.items() if key != "password"}),
            tuple(reject_fields(case.matter)), kind="danger",
            intro="不予受理通知书将载明理由，并告知申请人申请行政复议或提起行政诉讼的权利；"
                  "当场加盖本窗口受理专用章，交申请人签收。",
            issues="rejection_notice"))
    if state is CaseState.ACCEPTED and allowed(Action.COMPLETE_ON_SPOT) \
            and single_officer_allowed(case) and not case.suspended \
            and case.department_code == user.department_code:
        actions.append(CaseAction(
            "on_the_spot", "当场办结…",
            lambda u, p, c, v: cases.complete_on_the_spot(
                u, p, c.id, opinion=v["opinion"], result_fields=result_values(c, v),
                method=v["method"], receiver=v["receiver"], seal=counter_seal(context, v)),
            (FieldSpec("opinion", "审查核准意见", "text", required=True,
                       object_name="onTheSpotOpinionEdit",
                       default="申请材料齐全，符合法定条件，当场准予。"
                       if case.matter.matter_type.is_licensing else "符合办理条件，当场办结。"),
             *result_fields(case),
             FieldSpec("method", "送达方式", "combo", options=DELIVERY_METHODS),
             FieldSpec("receiver", "签收人", default=case.applicant_name,
                       placeholder="申请人本人或受托人姓名"),
             counter_password_field("onTheSpotPasswordEdit")),
            kind="primary", intro=_on_the_spot_summary(case), issues="delivery_receipt"))
    if state is CaseState.ACCEPTED and allowed(Action.REVIEW) and not case.suspended:
        actions.append(CaseAction(
            "review", "审查…",
            lambda u, p, c, v: cases.review(
                u, p, c.id, conforms=v["conforms"] == "yes", opinion=v["opinion"],
                site_inspection_done=v["site_inspection_done"],
                site_inspection_result=v["site_inspection_result"]),
            review_fields(case), kind="primary"))
    if state is CaseState.REVIEWED:
        pending = [d for d in pending_countersigns(case) if context.chief_of(d)]
        if case.matter.case_type is CaseType.JOINT and pending and allowed(Action.COUNTERSIGN):
            actions.append(CaseAction(
                "countersign", "会签…",
                lambda u, p, c, v: cases.countersign(
                    u, p, c.id, department_code=v["department_code"], agree=v["agree"] == "yes",
                    opinion=v["opinion"]),
                (FieldSpec("department_code", "会签部门", "combo",
                           options=[(d, d) for d in pending]),
                 FieldSpec("agree", "会签意见", "combo", options=[("yes", "同意"), ("no", "不同意")]),
                 FieldSpec("opinion", "意见说明", "text", required=True))))
        same_person = case.reviewer_id == user.id and not single_officer_allowed(case)
        if chief and not same_person and not pending_countersigns(case):
            licensing = case.matter.matter_type.is_licensing
            actions.append(CaseAction(
                "approve", "核准（准予）…" if licensing else "核准（办结）…",
                lambda u, p, c, v: cases.approve(u, p, c.id, opinion=v["opinion"],
                                                 result_fields=result_values(c, v)),
                (FieldSpec("opinion", "核准意见", "text", required=True,
                           default="经审核，申请材料齐全，符合法定条件，同意准予许可。"
                           if licensing else "经审核，符合办理条件，同意办结。",
                           object_name="approveOpinionEdit"), *result_fields(case)),
                kind="primary",
                intro=_approval_summary(case)))
            actions.append(CaseAction(
                "deny", "不予许可…" if licensing else "不予办理…",
                lambda u, p, c, v: cases.deny(u, p, c.id, **v),
                deny_fields(), kind="danger",
                intro=("不予行政许可决定书" if licensing else "不予办理告知书")
                + "将载明理由及本事项的依据，并告知申请人申请行政复议或提起行政诉讼的权利。"))
    if (chief or user.deputy_for_departments) and optional_service("seals") is not None \
            and context.key_store is not None and seal_kinds(case):
        kinds = seal_kinds(case)
        actions.append(CaseAction(
            "seal", "加盖审批专用章…", _apply_seal(context), kind="primary", dialog="seal",
            intro=act_summary(case, "seal", document_kind=kinds[0][0] if len(kinds) == 1 else "")
            + "\n请核对后输入本人登录密码确认。"))
    if state is CaseState.COMPLETED and allowed(Action.DELIVER):
        actions.append(CaseAction(
            "deliver", "送达…",
            lambda u, p, c, v: cases.deliver(u, p, c.id, method=v["method"],
                                             receiver=v["receiver"],
                                             seal=counter_seal(context, v)),
            (FieldSpec("method", "送达方式", "combo", options=DELIVERY_METHODS),
             FieldSpec("receiver", "签收人", placeholder="申请人本人或受托人姓名"),
             counter_password_field("deliverPasswordEdit")),
            kind="primary", intro="送达时当场盖章出具送达回证，由受送达人签名、注明日期。",
            issues="delivery_receipt"))
    if state in (CaseState.REGISTERED, CaseState.ACCEPTED) and allowed(Action.FORWARD):
        actions.append(CaseAction(
            "forward", "上报…", lambda u, p, c, v: cases.forward(u, p, c.id, **v),
            (FieldSpec("authority", "上报机关", required=True, placeholder="如 市行政审批局"),
             FieldSpec("to_station", "接收站点代码", placeholder="县中心或上级站点代码（可不填）"),
             FieldSpec("reason", "上报理由", "text"))))
    if state is CaseState.FORWARDED and allowed(Action.RETURN_FORWARD):
        actions.append(CaseAction(
            "forward_return", "登记上报结果…",
            lambda u, p, c, v: cases.record_forward_return(u, p, c.id, **v),
            (FieldSpec("result", "办理结果", "combo", options=list(FORWARD_RESULTS.items())),
             FieldSpec("opinion", "上级意见", "text", required=True),
             FieldSpec("document_number", "文号")), kind="primary"))
    if state in OPEN_CLOCK_STATES and allowed(Action.SUSPEND):
        if case.suspended:
            actions.append(CaseAction("resume", "恢复计时",
                                      lambda u, p, c, v: cases.resume(u, p, c.id), dialog="none"))
        else:
            actions.append(CaseAction(
                "suspend", "中止计时…",
                lambda u, p, c, v: cases.suspend(
                    u, p, c.id, reason_code=v["reason_code"], reason=v["reason"],
                    expected_working_days=v["expected_working_days"],
                    seal=_optional_counter_seal(context, v)),
                (FieldSpec("reason_code", "中止原因", "combo",
                           options=suspension_reasons(case.matter),
                           object_name="suspendReasonCombo"),
                 FieldSpec("reason", "说明", "text"),
                 FieldSpec("expected_working_days", "所需时间（工作日）", "spin", default=10,
                           minimum=1, maximum=250, object_name="expectedDaysSpin"),
                 counter_password_field("suspendPasswordEdit", required=False)),
                intro=_suspension_intro(case),
                issues="special_procedure_notice"))
    if state in OPEN_CLOCK_STATES and chief:
        rule = extension_rule(case)
        left = rule.limit_days - extended_days(case)
        actions.append(CaseAction(
            "extend", "批准延期…",
            lambda u, p, c, v: cases.extend(
                u, p, c.id, working_days=v["working_days"], reason=v["reason"],
                head_approval=v["head_approval"], other_law_basis=v["other_law_basis"],
                seal=counter_seal(context, v)),
            (FieldSpec("working_days", "延长工作日", "spin", default=min(5, max(left, 1)),
                       minimum=1, maximum=MAX_EXTENSION_DAYS, object_name="extendDaysSpin"),
             FieldSpec("reason", "延期理由", "text", required=True),
             FieldSpec("head_approval", f"批准的{rule.approver}", required=True,
                       object_name="headApprovalEdit", placeholder="如：局长 王建国"),
             FieldSpec("other_law_basis", "另有规定的法律、法规", object_name="otherLawEdit",
                       placeholder="法律、法规对延长期限另有规定时填写，如：《某某条例》第十条"),
             counter_password_field("extendPasswordEdit")),
            intro=_extension_intro(rule, left),
            issues="extension_notice"))
    closed = state in (CaseState.REJECTED, CaseState.WITHDRAWN)
    if not closed and case.matter.fee_items and allowed(Action.RECORD_FEE):
        charged = {str(f.get("code")) for f in case.fees}
        uncharged = [f for f in case.matter.fee_items if f.code not in charged]
        if uncharged:
            actions.append(CaseAction(
                "fee", "登记收费…",
                lambda u, p, c, v: cases.record_fee(
                    u, p, c.id, fee_codes=[k.removeprefix("fee_") for k, on in v.items() if on]),
                tuple(FieldSpec(f"fee_{f.code}", f.name, "check", default=True,
                                placeholder=f"{f.amount_fen / 100:.2f} 元（{f.basis}）")
                      for f in uncharged)))
    if case.fee_total_fen > case.paid_total_fen and allowed(Action.RECORD_FEE):
        due = case.fee_total_fen - case.paid_total_fen
        actions.append(CaseAction(
            "payment", "登记缴费…",
            lambda u, p, c, v: cases.record_payment(
                u, p, c.id, amount_fen=_fen(v["amount"]), receipt_number=v["receipt_number"]),
            (FieldSpec("amount", "缴费金额（元）", required=True, default=f"{due / 100:.2f}"),
             FieldSpec("receipt_number", "缴费票据号", required=True)),
            intro="在统一收费窗口缴费后，登记票据号。"))
    # No 好差评 here: the applicant rates (the receipt's QR code, the rating device),
    # the clerk never types a rating in (cases.record_evaluation refuses it).
    if state in (CaseState.REGISTERED, CaseState.AWAITING_SUPPLEMENT, CaseState.ACCEPTED,
                 CaseState.REVIEWED) and allowed(Action.WITHDRAW):
        actions.append(CaseAction(
            "withdraw", "申请人撤回…", lambda u, p, c, v: cases.withdraw(u, p, c.id, **v),
            (FieldSpec("reason", "撤回理由", "text", required=True),), kind="danger"))
    return actions


def _extension_intro(rule: ExtensionRule, left: int) -> str:
    if rule.article:
        allowance = (f"行政许可法{rule.article}：经{rule.approver}批准可以延长{rule.limit_days}个"
                     f"工作日，本件还可延长{max(left, 0)}个工作日（法律、法规另有规定的，填写其依据）。")
    else:
        allowance = f"延长办理期限须经{rule.approver}批准。"
    return (allowance + "延长期限的理由须书面告知申请人：加盖审批专用章出具延长办理期限告知书。")


def _suspension_intro(case: Case) -> str:
    intro = ("依法需要听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审的，所需时间不计入办理期限，"
             "须书面告知申请人（行政许可法第四十五条）：当场盖章出具特别程序告知书。")
    if case.matter.site_inspection_excluded:
        return intro + "本事项的法定依据规定现场核查时间也不计入；现场核查无需告知书，可不填密码。"
    return intro + "现场核查属于审查时间，不中止计时。"


def review_fields(case: Case) -> tuple[FieldSpec, ...]:
    return (
        FieldSpec("conforms", "审查结论", "combo",
                  options=[("yes", "符合法定条件、标准"), ("no", "不符合法定条件、标准")],
                  object_name="reviewConformsCombo"),
        FieldSpec("opinion", "审查意见", "text", required=True, object_name="reviewOpinionEdit",
                  default="申请材料齐全，符合法定形式，经审查符合法定条件，建议准予许可。"),
        FieldSpec("site_inspection_done", "现场核查", "check",
                  default=False, placeholder="已完成现场核查"
                  + ("（本事项必须现场核查）" if case.matter.site_inspection else ""),
                  object_name="siteInspectionCheck"),
        FieldSpec("site_inspection_result", "核查结果", object_name="siteInspectionEdit"),
    )


def result_fields(case: Case) -> tuple[FieldSpec, ...]:
    """The matter's result fields (证件编号、有效期限 ...) as inputs of the approval."""
    return tuple(
        FieldSpec(f"result_{f.code}", f.label, required=f.required, placeholder=f.hint,
                  object_name=f"resultField_{f.code}")
        for f in case.matter.permit_fields
    )


def result_values(case: Case, values: dict[str, Any]) -> dict[str, str]:
    """The approval dialog's result entries, by field code."""
    return {f.code: str(values.get(f"result_{f.code}", "")) for f in case.matter.permit_fields}


def act_summary(case: Case, act: str, *, document_kind: str = "") -> str:
    """What an act that cannot be taken back will record, for the confirmation before it:
    ``approve``, ``deny`` or ``seal`` (of ``document_kind``)."""
    head = f"{case.number}　{case.applicant_name}　“{case.matter.name}”（{case.matter.department_name}）"
    if act == "approve":
        return head + "\n" + _approval_summary(case)
    if act == "deny":
        document = SealableDocument(decision_document(case.matter, "denied")).label
        return (head + f"\n决定不予{'许可' if case.matter.matter_type.is_licensing else '办理'}："
                f"将生成载明理由和救济途径的{document}，加盖审批专用章后办结；决定后不能撤回。")
    document = SealableDocument(document_kind).label if document_kind else "文书"
    decision = document_kind in DECISION_KINDS
    return (head + f"\n加盖印章出具{document}：记入用印登记簿，文书编号随即生成。"
            + ("用印时间即本件的法定办结时间。" if decision else ""))


def _approval_summary(case: Case) -> str:
    """What 核准（准予） does, before the chief commits to it: it cannot be taken back."""
    document = SealableDocument(decision_document(case.matter, "approved")).label
    summary = (f"核准准予{case.applicant_name}申请的“{case.matter.name}”（{case.number}）："
               f"将生成{document}，加盖审批专用章后办结，用印时间即办结时间；核准后不能撤回。")
    intro = _result_intro(case)
    return summary + ("\n" + intro if intro else "")


def _on_the_spot_summary(case: Case) -> str:
    """What 当场办结 does in one act, before the officer's password: it cannot be undone."""
    document = SealableDocument(decision_document(case.matter, "approved")).label
    summary = (f"即办件当场办结：{case.applicant_name}申请的“{case.matter.name}”（{case.number}）。"
               f"由您一人完成审查和核准，当场加盖本窗口用章（双章制“2”）出具{document}，"
               "并出具送达回证交申请人签收；用印时间即办结时间，办结后不能撤回。")
    intro = _result_intro(case)
    return summary + ("\n" + intro if intro else "")


def _result_intro(case: Case) -> str:
    document = SealableDocument(decision_document(case.matter, "approved")).label
    if case.matter.certificate_name:
        return f"{document}将载明《{case.matter.certificate_name}》的以下内容，请按证件填写。"
    return f"{document}将载明以下办理结果。" if case.matter.permit_fields else ""


def deny_fields() -> tuple[FieldSpec, ...]:
    return (
        FieldSpec("opinion", "核准意见", "text", required=True, object_name="denyOpinionEdit"),
        FieldSpec("reasons", "不予许可理由", "text", required=True, object_name="denyReasonsEdit"),
        FieldSpec("legal_basis", "法律依据", object_name="denyLegalBasisEdit"),
    )


def _apply_seal(context: AppContext) -> Runner:
    key_store = context.key_store

    def run(uow: UnitOfWorkFactory, user: CurrentUser, case: Case,
            values: dict[str, Any]) -> Any:
        seals = optional_service("seals")
        assert seals is not None
        return seals.apply_seal(uow, user, case.id, document_kind=values["document_kind"],
                                password=values["password"], key_store=key_store)

    return run
