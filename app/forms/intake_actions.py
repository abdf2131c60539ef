"""The case page's actions for 容缺受理, 告知承诺制 and 联合踏勘 (issue 16), in the
shape of ``case_actions.CaseAction``, and the overview lines that show them.

The services and the domain decide; these only offer what the case's state allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from html import escape
from typing import Any

from app.domain.case import (
    CUSTODY_LEGS,
    NOTIFICATION_CHANNELS,
    SERVICE_MODES,
    Case,
    CaseState,
    custody_losses,
    needs_joint_inspection,
)
from app.domain.roles import Action
from app.forms.case_actions import CaseAction, counter_seal
from app.forms.dialogs import FieldSpec, counter_password_field
from app.print_templates import DocumentKind
from app.services import cases, custody, inspections, promises
from app.services.context import local_date, utc_now
from app.ui.context import AppContext
from app.ui.documents import PreviewItem
from app.ui.widgets import iso_local_time

OPEN_STATES = (CaseState.ACCEPTED, CaseState.REVIEWED)


@dataclass(frozen=True)
class ActionOutcome:
    """What an action hands back to the page besides the updated case: documents to
    preview (the promises to sign) and a warning to show (a late inspection date)."""

    previews: list[PreviewItem] = field(default_factory=list)
    warning: str = ""


def _not_received(case: Case, codes: tuple[str, ...]) -> list[str]:
    received = {m["name"] for m in case.materials if m.get("received")}
    return [m.name for m in case.matter.materials_by_codes(codes) if m.name not in received]


def _checked(values: dict[str, Any], prefix: str, names: list[str]) -> list[str]:
    return [name for index, name in enumerate(names) if values.get(f"{prefix}{index}")]


def _promise_fields(case: Case) -> tuple[list[str], list[str], list[FieldSpec]]:
    tolerable = _not_received(case, case.matter.tolerance_materials)
    promisable = _not_received(case, case.matter.promise_materials)
    fields = [FieldSpec(f"t{i}", f"容缺：{name}", "check", default=True,
                        placeholder="暂缺，承诺限期补齐", object_name=f"toleranceCheck{i}")
              for i, name in enumerate(tolerable)]
    if tolerable:
        fields.append(FieldSpec("deadline", "补齐期限", "date",
                                default=local_date(utc_now()) + timedelta(days=14),
                                object_name="toleranceDeadlineEdit"))
    fields += [FieldSpec(f"p{i}", f"告知承诺：{name}", "check", default=True,
                         placeholder="以书面承诺代替", object_name=f"promiseCheck{i}")
               for i, name in enumerate(promisable)]
    return tolerable, promisable, fields


def intake_actions(context: AppContext, case: Case) -> list[CaseAction]:
    """The issue-16 actions this user may take on this case now."""
    actions: list[CaseAction] = []
    can = context.can
    tolerable, promisable, choice_fields = _promise_fields(case)
    if case.state is CaseState.REGISTERED and can(Action.ACCEPT) and (tolerable or promisable):
        def print_promises(u: Any, p: Any, c: Case, v: dict[str, Any]) -> ActionOutcome:
            items = []
            owed = _checked(v, "t", tolerable)
            promised = _checked(v, "p", promisable)
            if owed:
                items.append(PreviewItem("容缺受理承诺书", promises.promise_for_signature(
                    u, p, c.id, DocumentKind.TOLERANCE_PROMISE, materials=owed,
                    deadline=v.get("deadline")), f"{c.number}-容缺受理承诺书.pdf"))
            if promised:
                items.append(PreviewItem("告知承诺书", promises.promise_for_signature(
                    u, p, c.id, DocumentKind.NOTIFICATION_PROMISE, materials=promised),
                    f"{c.number}-告知承诺书.pdf"))
            return ActionOutcome(previews=items)

        actions.append(CaseAction(
            "print_promises", "打印承诺书（供签署）…", print_promises, tuple(choice_fields),
            intro="先打印承诺书交申请人签署，签署后再办理“容缺/承诺受理”。"))
        signed = []
        if tolerable:
            signed.append(FieldSpec("tolerance_signed", "容缺受理承诺书", "check",
                                    placeholder="申请人已签署", object_name="toleranceSignedCheck"))
        if promisable:
            signed.append(FieldSpec("promise_signed", "告知承诺书", "check",
                                    placeholder="申请人已签署", object_name="promiseSignedCheck"))
        actions.append(CaseAction(
            "accept_tolerance", "容缺/承诺受理…",
            lambda u, p, c, v: cases.accept(
                u, p, c.id, seal=counter_seal(context, v),
                tolerance_materials=_checked(v, "t", tolerable),
                tolerance_deadline=v.get("deadline"),
                tolerance_promise_signed=bool(v.get("tolerance_signed")),
                promise_materials=_checked(v, "p", promisable),
                promise_signed=bool(v.get("promise_signed"))),
            (*choice_fields, *signed, counter_password_field("tolerancePasswordEdit")),
            kind="primary",
            intro="主要材料齐全、所缺为办事指南列明可容缺的非主要材料，或证明事项实行告知承诺的，"
                  "凭申请人签署的承诺书受理；当场盖章出具受理通知书，并出具容缺受理通知书。",
            issues="acceptance_notice"))
    if case.tolerance_owed and case.state not in (CaseState.REJECTED, CaseState.WITHDRAWN,
                                                  CaseState.COMPLETED, CaseState.DELIVERED) \
            and can(Action.SUPPLEMENT):
        owed = case.tolerance_owed
        actions.append(CaseAction(
            "fulfil_tolerance", "补齐容缺材料…",
            lambda u, p, c, v: promises.fulfil_tolerance(
                u, p, c.id, received=_checked(v, "o", owed)),
            tuple(FieldSpec(f"o{i}", name, "check", default=True, placeholder="已补交")
                  for i, name in enumerate(owed)),
            kind="primary"))
    if case.promise and not case.promise.get("check") and can(Action.REVIEW) \
            and case.state not in (CaseState.REJECTED, CaseState.WITHDRAWN):
        actions.append(CaseAction(
            "check_promise", "核查告知承诺…",
            lambda u, p, c, v: promises.check_promise(
                u, p, c.id, kept=v["kept"] == "yes", finding=v["finding"]),
            (FieldSpec("kept", "核查结论", "combo",
                       options=[("yes", "承诺属实"), ("no", "承诺不实")],
                       object_name="promiseKeptCombo"),
             FieldSpec("finding", "核查情况", "text", required=True,
                       object_name="promiseFindingEdit")),
            intro="承诺不实的，记入申请人的不实承诺记录，其今后在任一窗口办事时都会看到。"))
    if needs_joint_inspection(case) and case.state in OPEN_STATES and can(Action.REVIEW):
        inspection = case.inspection
        if inspection is None:
            def schedule(u: Any, p: Any, c: Case, v: dict[str, Any]) -> ActionOutcome:
                _case, due = inspections.schedule_inspection(
                    u, p, c.id, on=v["date"], place=v["place"],
                    departments=parse_departments(v["departments"]))
                return ActionOutcome(warning=due.warning)

            actions.append(CaseAction(
                "schedule_inspection", "安排联合踏勘…", schedule,
                (FieldSpec("date", "踏勘日期", "date", default=_next_day(),
                           object_name="inspectionDateEdit"),
                 FieldSpec("place", "踏勘地点", required=True, object_name="inspectionPlaceEdit"),
                 FieldSpec("departments", "参加部门和人员", "text", required=True,
                           object_name="inspectionDepartmentsEdit",
                           placeholder="每行一个部门：部门名称：参加人员")),
                intro="联办件由各相关部门一次联合踏勘，原则上在受理后3个工作日内进行。"))
        elif not inspection.get("findings"):
            names = [d["name"] for d in inspection["departments"]]
            actions.append(CaseAction(
                "record_inspection", "记录踏勘意见…",
                lambda u, p, c, v: inspections.record_inspection(
                    u, p, c.id, conclusion=v["conclusion"],
                    findings={n: v[f"f{i}"] for i, n in enumerate(names)})[0],
                (*(FieldSpec(f"f{i}", f"{n}意见", "text", required=True)
                   for i, n in enumerate(names)),
                 FieldSpec("conclusion", "踏勘结论", "text", required=True)),
                kind="primary", intro="记录后出具联合踏勘记录，由参加人员签字后归档。"))
    actions += _custody_actions(context, case)
    return actions


def _notify_actions(context: AppContext, case: Case) -> list[CaseAction]:
    """代办: tell the villager the result is back (the SMS text prepared)."""
    if not case.custody or case.state not in (CaseState.COMPLETED, CaseState.DELIVERED,
                                              CaseState.REJECTED):
        return []
    text = custody.notification_text(case, station_name=context.station_name)
    return [CaseAction(
        "notify_villager", "通知村民…",
        lambda u, p, c, v: custody.notify_villager(u, p, c.id, channel=v["channel"],
                                                   phone=v["phone"], text=v["text"]),
        (FieldSpec("channel", "通知方式", "combo", options=list(NOTIFICATION_CHANNELS.items())),
         FieldSpec("phone", "电话号码", required=True,
                   default=str(case.applicant.get("phone", ""))),
         FieldSpec("text", "通知内容（短信文本）", "text", required=True, default=text)),
        intro="短信文本已按办理结果拟好，发送或电话告知后在此登记。")]


def _custody_actions(context: AppContext, case: Case) -> list[CaseAction]:
    """代办: the next hand-over of the villager's materials, originals counted."""
    legs = list(CUSTODY_LEGS)
    if len(case.custody) >= len(legs) or case.state is CaseState.WITHDRAWN \
            or not context.can(Action.REGISTER):
        return _notify_actions(context, case) if context.can(Action.REGISTER) else []
    leg = legs[len(case.custody)]
    # A chain starts with a 代办: the village 代办员 is the application's agent.
    if not case.custody and not case.applicant.get("agent"):
        return []
    if case.custody:
        names = [(i["name"], i["originals_received"], i["copies"])
                 for i in case.custody[-1]["items"]]
    else:
        names = [(str(m["name"]), int(m.get("copies", 1)) if m.get("form") != "copy" else 0,
                  int(m.get("copies", 1))) for m in case.materials if m.get("received")]
    fields = [FieldSpec("giver", "移交人", required=True, default=context.user.display_name),
              FieldSpec("receiver", "接收人", required=True),
              FieldSpec("to_station", "接收站点代码", placeholder="接收方为其他站点时填写")]
    for index, (name, originals, _copies) in enumerate(names):
        fields.append(FieldSpec(f"g{index}", f"{name}：原件移交", "spin", default=originals,
                                maximum=99))
        fields.append(FieldSpec(f"r{index}", f"{name}：原件收到", "spin", default=originals,
                                maximum=99))

    def run(u: Any, p: Any, c: Case, v: dict[str, Any]) -> Case:
        items = [{"name": name, "originals_given": int(v[f"g{i}"]),
                  "originals_received": int(v[f"r{i}"]), "copies": copies}
                 for i, (name, _o, copies) in enumerate(names)]
        return custody.hand_over(u, p, c.id, leg=leg, giver=v["giver"], receiver=v["receiver"],
                                 to_station=v["to_station"], items=items)

    return _notify_actions(context, case) + [CaseAction("hand_over", f"材料交接（{CUSTODY_LEGS[leg]}）…", run, tuple(fields),
                       intro="移交人和接收人当面清点原件份数并签字；收到的原件少于移交的，"
                             "或下一环节移交的少于本环节收到的，系统会标出遗失在哪一环节。")]


def _next_day() -> date:
    return local_date(utc_now()) + timedelta(days=1)


def parse_departments(text: str) -> list[dict[str, str]]:
    """``部门：人员`` lines (full- or half-width colon) as the event's departments."""
    rows = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, _sep, people = line.replace(":", "：").partition("：")
        rows.append({"code": "", "name": name.strip(), "people": people.strip()})
    return rows


def intake_overview_rows(case: Case, broken: list[Any],
                         custody_due: Any = None) -> list[tuple[str, str]]:
    """Overview lines: service mode, origin, 容缺, 告知承诺, joint inspection and the
    applicant's broken promises on other cases (in red)."""
    rows: list[tuple[str, str]] = []
    for record in broken:
        rows.append(("不实承诺记录", "<span style='color:#a31d1d;font-weight:bold'>"
                     + escape(f"申请人在办件 {record.case_number}（{record.matter_name}，"
                              f"{record.station}）的告知承诺经核查不实："
                              f"{record.finding}（{record.checked_on.isoformat()}）") + "</span>"))
    if case.service_mode:
        rows.append(("服务方式", escape(SERVICE_MODES.get(case.service_mode, case.service_mode))))
    if case.consultation_id:
        rows.append(("来源", "由咨询转登记"))
    if case.appointment_id:
        rows.append(("来源", "预约到达登记"))
    if case.tolerance:
        owed = case.tolerance_owed
        deadline = date.fromisoformat(case.tolerance["deadline"])
        late = bool(owed) and deadline < local_date(utc_now())
        text = (f"暂缺：{'、'.join(owed)}；补齐期限 {deadline.isoformat()}" if owed
                else f"容缺材料已全部补齐（期限 {deadline.isoformat()}）")
        if late:
            text = f"<span style='color:#a31d1d;font-weight:bold'>{escape(text)}（已逾期）</span>"
        else:
            text = escape(text)
        rows.append(("容缺受理", text))
    if case.promise:
        check = case.promise.get("check")
        text = "以告知承诺代替：" + "、".join(case.promise["materials"])
        if check:
            verdict = "属实" if check["kept"] else "不实"
            text += f"；核查{verdict}：{check['finding']}（{check['actor_name']}）"
        shown = escape(text)
        if case.promise_broken:
            shown = f"<span style='color:#a31d1d;font-weight:bold'>{shown}</span>"
        rows.append(("告知承诺", shown))
    if case.inspection:
        rows.append(("联合踏勘", inspection_summary_html(case)))
    for hand_over in case.custody:
        items = "、".join(f"{i['name']}原件{i['originals_received']}/{i['originals_given']}份"
                         for i in hand_over["items"])
        rows.append(("代办交接", escape(
            f"{CUSTODY_LEGS[hand_over['leg']]}：{hand_over['giver']} → {hand_over['receiver']}"
            f"（{iso_local_time(hand_over['at'])}）；{items}")))
    if custody_due is not None:
        colour = {"red": "#a31d1d", "yellow": "#7a5800"}.get(custody_due.level.value, "")
        text = escape(custody_due.text)
        rows.append(("下一交接", f"<span style='color:{colour};font-weight:bold'>{text}</span>"
                     if colour else text))
    for notice in case.notifications:
        rows.append(("通知村民", escape(
            f"{NOTIFICATION_CHANNELS.get(notice['channel'], '')} {notice['phone']}："
            f"{notice['text']}（{notice['actor_name']}，{iso_local_time(notice['at'])}）")))
    for lost in custody_losses(case):
        rows.append(("原件遗失", "<span style='color:#a31d1d;font-weight:bold'>" + escape(
            f"{lost['name']}原件少{lost['count']}份：{lost['where']}") + "</span>"))
    return rows


def inspection_summary(case: Case) -> str:
    """The joint inspection in plain text: what the countersigning departments read."""
    inspection = case.inspection
    if not inspection:
        return ""
    head = f"联合踏勘 {inspection['date']}，{inspection['place']}。"
    findings = inspection.get("findings") or {}
    if not findings:
        return head + "尚未记录踏勘意见。"
    lines = "；".join(f"{name}：{text}" for name, text in findings.items())
    return f"{head}{lines}。结论：{inspection.get('conclusion', '')}"


def inspection_summary_html(case: Case) -> str:
    inspection = case.inspection
    assert inspection is not None
    people = "；".join(f"{d['name']}（{d['people']}）" for d in inspection["departments"])
    parts = [escape(f"{inspection['date']} {inspection['place']}；参加：{people}")]
    for name, text in (inspection.get("findings") or {}).items():
        parts.append(escape(f"{name}：{text}"))
    if inspection.get("conclusion"):
        parts.append("<b>" + escape(f"结论：{inspection['conclusion']}") + "</b>")
    return "<br>".join(parts)
