"""What each document says: the wording of every document, as blocks.

Each template is a function from a :class:`DocumentContext` to a :class:`Layout`. For a
行政许可 matter the wording follows the 行政许可法 (第三十二条 intake, 第三十八条
decisions, 第四十二条 extension, 第四十四条 certificates, 第四十五条 excluded time); any other matter type
(行政确认, 公共服务, 备案 ...) gets neutral intake wording, a 办结通知书 or a 不予办理告知书
in its own words, citing its own legal basis and never the 行政许可法. The remedy
sentence names the department's 行政复议机关 and court (行政复议法 第二十条 sixty days,
第二十三条 复议前置; 行政诉讼法 第四十五条, 第四十六条 six months); a document without
them is not made (there is no generic "有管辖权的…" fallback).
"""

from __future__ import annotations

from collections.abc import Callable

from app.print_templates.blocks import (
    Addressee,
    Block,
    Column,
    DocumentNumberLine,
    InfoTable,
    Layout,
    LinkCode,
    Note,
    NumberedList,
    Para,
    Signature,
    SignLines,
    Table,
    Title,
)
from app.print_templates.context import DocumentContext, DocumentKind, LedgerRow, MaterialLine

ADMINISTRATIVE_LICENSING_LAW = "《中华人民共和国行政许可法》"
RECONSIDERATION_LAW = "《中华人民共和国行政复议法》"
LITIGATION_LAW = "《中华人民共和国行政诉讼法》"

INTAKE_ARTICLE = f"{ADMINISTRATIVE_LICENSING_LAW}第三十二条第一款"
APPROVAL_ARTICLE = f"{ADMINISTRATIVE_LICENSING_LAW}第三十八条第一款"
DENIAL_ARTICLE = f"{ADMINISTRATIVE_LICENSING_LAW}第三十八条第二款"

# 第三十二条第一款's items a rejection names, by ``context.rejection_ground``.
REJECTION_ITEMS = {"not_licensable": "第（一）项", "outside_powers": "第（二）项"}

# A non-licensing matter's result and refusal in its own words, by MatterType value:
# (what the check found, what the authority did, what it refuses).
_RESULT_WORDS = {
    "confirmation": ("经审查，符合规定条件", "予以确认", "不予确认"),
    "benefit": ("经审核，符合给付条件", "予以给付", "不予给付"),
    "adjudication": ("经审查", "依法作出裁决", "不予裁决"),
    "other_power": ("经审查，符合规定条件", "依法办理完毕", "不予办理"),
    "public_service": ("经核实，符合办理条件", "已为你（单位）办理完毕", "不予办理"),
    "filing": ("经核对，备案材料齐全", "予以备案", "不予备案"),
}


def build_layout(context: DocumentContext) -> Layout:
    """The blocks of the document ``context.kind``, ready for any renderer.

    Raises ValueError for a document that is only valid sealed (受理、不予受理、决定书)
    but is neither sealed nor a draft: a sealed copy comes only from a recorded seal use.
    """
    if context.kind.requires_seal and not context.draft and context.seal is None:
        raise ValueError(
            f"{context.kind.label}须加盖印章：请以草稿打印，或依据用印记录生成盖章文书"
        )
    blocks = _TEMPLATES[context.kind](context)
    return Layout(
        title=context.title,
        blocks=tuple(blocks),
        landscape=context.kind in (DocumentKind.SEAL_LEDGER, DocumentKind.AGENT_LEDGER),
        seal=context.seal,
        draft=context.draft,
        subject=context.case_number,
        author=context.authority_name,
    )


# ---------------------------------------------------------------- shared pieces


def _head(context: DocumentContext) -> list[Block]:
    blocks: list[Block] = [Title(context.title)]
    if context.document_number:
        blocks.append(DocumentNumberLine(context.document_number))
    if context.applicant_name:
        blocks.append(Addressee(f"{context.applicant_name}："))
    return blocks


def _tail(context: DocumentContext, *notes: str, contact: bool = True,
          link: LinkCode | None = None) -> list[Block]:
    """Authority and date (with ``link``'s code at their left), then the 附注 lines: the
    document's own, then the contact (left out of the decisions, which must stay short
    enough for one page)."""
    blocks: list[Block] = [Signature(context.authority_name, context.date_text, link)]
    blocks.extend(Note(text) for text in (*notes, *context.notes))
    if contact and _contact(context):
        blocks.append(Note(_contact(context)))
    return blocks


# What happens when the 补正期限 passes. Not "视为放弃申请": the applicant keeps the
# right to apply again, a justified delay is excused, and the materials go back.
LAPSED_SUPPLEMENT = (
    "逾期未补正且无正当理由的，视为你（单位）撤回本次申请，本机关将退回已提交的申请材料；"
    "你（单位）仍可以依法重新提出申请。"
)

ACKNOWLEDGEMENT_LABELS = ("申请人（代理人）签收：", "签收日期：　　　年　　月　　日")


def _acknowledgement() -> SignLines:
    """The applicant's 签收 line: signature and date, written by hand on the spot."""
    return SignLines(ACKNOWLEDGEMENT_LABELS)


def _accepted_clause(context: DocumentContext) -> str:
    return (
        f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
        f"（受理编号：{context.case_number}），本机关已于{_accepted_on(context)}依法受理。"
    )


def _applied_on(context: DocumentContext) -> str:
    return context.applied_on_text or context.date_text


def _accepted_on(context: DocumentContext) -> str:
    return context.accepted_on_text or _applied_on(context)


def _provisions(*groups: tuple[str, ...] | str) -> str:
    """Provisions joined with 、, each once, in order; a matter's basis may hold several
    separated by ；."""
    seen: list[str] = []
    for group in groups:
        items = (group,) if isinstance(group, str) else group
        for item in items:
            for part in item.replace(";", "；").replace("\n", "；").split("；"):
                part = part.strip().rstrip("。")
                if part and part not in seen:
                    seen.append(part)
    return "、".join(seen)


def _rejection_basis(context: DocumentContext) -> str:
    """What a rejection cites: for 行政许可 the item of 第三十二条第一款 its ground names,
    else the provision entered at rejection; never the 行政许可法 for another matter."""
    item = REJECTION_ITEMS.get(context.rejection_ground)
    if context.licensing and item:
        return _provisions(f"{INTAKE_ARTICLE}{item}", context.legal_basis)
    if context.licensing and not context.rejection_ground:
        return _provisions(context.legal_basis or (INTAKE_ARTICLE,))
    return _provisions(context.legal_basis)


def _result_words(context: DocumentContext) -> tuple[str, str, str]:
    return _RESULT_WORDS.get(context.matter_type, _RESULT_WORDS["other_power"])


def _applicant(context: DocumentContext) -> str:
    if context.applicant_id_masked:
        return f"{context.applicant_name}（{context.applicant_id_masked}）"
    return context.applicant_name


def _contact(context: DocumentContext) -> str:
    parts = []
    if context.clerk_name:
        parts.append(f"经办人：{context.clerk_name}")
    if context.window_name:
        parts.append(f"受理窗口：{context.window_name}")
    if context.window_phone:
        parts.append(f"联系电话：{context.window_phone}")
    return "（" + "；".join(parts) + "）" if parts else ""


def _clerk_at_window(context: DocumentContext) -> str:
    if context.clerk_name and context.window_name:
        return f"{context.clerk_name}（{context.window_name}）"
    return context.clerk_name or context.window_name


def _remedies(context: DocumentContext, paper: str) -> Para:
    """The 救济途径: body, court and time limits, both named (never "有管辖权的…")."""
    body = context.reconsideration_body.strip()
    court = context.litigation_court.strip()
    if not body or not court:
        raise ValueError(f"{context.kind.label}须写明行政复议机关和人民法院")
    if context.reconsideration_first:
        return Para(
            f"依照{RECONSIDERATION_LAW}第二十三条的规定，你（单位）如对本决定不服，应当先"
            f"申请行政复议：自收到本{paper}之日起六十日内向{body}申请行政复议；对行政复议"
            f"决定不服的，可以自收到行政复议决定书之日起十五日内，依照{LITIGATION_LAW}的"
            f"规定向{court}提起行政诉讼；行政复议机关逾期不作决定的，可以自行政复议期满之日"
            "起十五日内提起行政诉讼。未经行政复议，不能直接提起行政诉讼。"
        )
    return Para(
        f"你（单位）如对本决定不服，可以自收到本{paper}之日起六十日内，依照"
        f"{RECONSIDERATION_LAW}的规定向{body}申请行政复议；也可以自收到本{paper}之日起"
        f"六个月内，依照{LITIGATION_LAW}的规定向{court}提起行政诉讼。"
    )


def _collect_certificate(context: DocumentContext, paper: str) -> str:
    """凭本决定书/通知书: where and how the certificate is collected."""
    return (f"请凭本{paper}和身份证件到原受理窗口领取《{context.certificate_name}》，"
            "或申请邮寄送达。")


def _granted_table(context: DocumentContext, holder_label: str) -> list[Block]:
    """Who gets what: the holder, the certificate and the fields entered at approval."""
    rows: tuple[tuple[tuple[str, str], ...], ...] = (
        _pairs((holder_label, _applicant(context))),
    )
    if context.certificate_name:
        rows += (_pairs(("证件名称", context.certificate_name)),)
    rows += tuple(((item.label, item.value),) for item in context.permit_items if item.value)
    return [InfoTable(tuple(row for row in rows if row))]


def _reasons(context: DocumentContext) -> list[Block]:
    """One reason is a paragraph; several are numbered."""
    reasons = [r for r in context.reasons if r.strip()]
    if len(reasons) == 1:
        return [Para(reasons[0])]
    return [NumberedList(tuple(reasons))] if reasons else []


def _form_and_copies(material: MaterialLine) -> str:
    return f"{material.form}{material.copies}份"


def _pairs(*items: tuple[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(item for item in items if item is not None and item[1])


def _info(*rows: tuple[tuple[str, str], ...]) -> InfoTable:
    """A form of the rows that have a value left (see :func:`_pairs`)."""
    return InfoTable(tuple(row for row in rows if row))


PROVISIONAL_NOTE = (
    "标注“暂定”的日期，系该年度法定节假日安排尚未公布时按现行工作日推算，以公布后的安排为准。"
)


# ---------------------------------------------------------------- the documents


def _receipt(context: DocumentContext) -> list[Block]:
    received = context.received_materials
    copies = sum(m.copies for m in received)
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）申请办理的“{context.matter_name}”事项，本窗口已于{context.date_text}"
            f"收到下列申请材料，共{len(received)}项{copies}份，特出具此凭证。"
        )
    )
    blocks.append(
        InfoTable(
            (
                _pairs(("办件编号", context.case_number), ("承办机构", context.department_name)),
                _pairs(("申请人", _applicant(context))),
                _pairs(("代理人", context.agent_name), ("经办人", context.clerk_name)),
                _pairs(("受理窗口", context.window_name), ("联系电话", context.window_phone)),
            )
        )
    )
    blocks.append(
        Table(
            columns=(
                Column("序号", 0.8, "center"),
                Column("材料名称", 5.2),
                Column("原件/复印件", 2.0, "center"),
                Column("份数", 1.0, "center"),
                Column("备注", 2.0),
            ),
            rows=tuple(
                (str(i), m.name, m.form, str(m.copies), m.note)
                for i, m in enumerate(received, start=1)
            ),
        )
    )
    if context.licensing:
        # 行政许可法 第三十二条第一款第（四）项: the five days and their consequence.
        intake_rule = (
            "申请材料不齐全或者不符合法定形式的，本机关将当场或者在五日内一次告知需要补正的"
            "全部内容；逾期不告知的，自收到申请材料之日起即为受理。"
        )
    else:
        intake_rule = "申请材料不齐全或者不符合规定形式的，本机关将一次告知需要补正的全部内容。"
    blocks.append(Para("本凭证仅证明本窗口已收到上述材料，不表示申请已被受理。" + intake_rule))
    blocks.append(SignLines(("申请人（代理人）签字：", "窗口经办人签字：")))
    link = (LinkCode(context.evaluation_url, _evaluation_caption(context))
            if context.evaluation_url else None)
    return blocks + _tail(context, contact=False, link=link)


def _evaluation_caption(context: DocumentContext) -> tuple[str, ...]:
    """Beside the receipt's rating QR code: the applicant rates, never the clerk."""
    return ("扫码评价（好差评）", f"办件编号：{context.case_number}",
            "办结后请您扫码评价本次服务，", "窗口人员不代为评价；也可凭",
            "办件编号经政务服务网或12345评价。")


def _one_time_notice(context: DocumentContext) -> list[Block]:
    missing = context.missing_materials
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
            f"（办件编号：{context.case_number}），经审查，"
            + (
                "申请材料不齐全或者不符合法定形式。根据"
                f"{INTAKE_ARTICLE}第（四）项的规定，现将需要"
                if context.licensing
                else "申请材料不齐全或者不符合规定形式。现将需要"
            )
            + f"补正的全部材料（共{len(missing)}项）一次性告知如下："
        )
    )
    blocks.append(
        Table(
            columns=(
                Column("序号", 0.8, "center"),
                Column("材料名称", 3.4),
                Column("存在问题", 3.2),
                Column("补正要求", 3.6),
            ),
            rows=tuple(
                (
                    str(i),
                    m.name,
                    m.problem or ("未提交" if not m.received else ""),
                    "；".join(part for part in (_form_and_copies(m), m.needed) if part),
                )
                for i, m in enumerate(missing, start=1)
            ),
        )
    )
    where = context.resubmission_address or context.window_name or "本窗口"
    if context.supplement_deadline_text:
        blocks.append(
            Para(
                f"以上为需要补正的全部内容。请你（单位）于{context.supplement_deadline_text}前"
                f"按照上述要求补正，将全部材料提交至{where}。补正材料齐全、符合法定形式的，"
                "本机关将依法予以受理。"
            )
        )
        blocks.append(Para(LAPSED_SUPPLEMENT))
    else:
        blocks.append(
            Para(
                "以上为需要补正的全部内容。请你（单位）按照上述要求补正后，将全部材料提交至"
                f"{where}。补正材料齐全、符合法定形式的，本机关将依法予以受理。"
            )
        )
    return blocks + _tail(context) + [_acknowledgement()]


def _acceptance_notice(context: DocumentContext) -> list[Block]:
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请，"
            + (
                f"申请材料齐全、符合法定形式。根据{INTAKE_ARTICLE}第（五）项的规定，"
                if context.licensing
                else "申请材料齐全、符合规定形式，"
            )
            + "本机关决定予以受理。有关事项告知如下："
        )
    )
    days = context.promised_working_days
    completion = context.promised_completion_text
    if completion and context.completion_provisional:
        completion += "（暂定）"
    if context.fees:
        fee = (
            "；".join(
                f"{f.item}{f.amount_text}" + (f"（依据：{f.basis}）" if f.basis else "")
                for f in context.fees
            )
            + "，请到统一收费窗口缴纳"
        )
    else:
        fee = "本事项不收费"
    blocks.append(
        InfoTable(
            tuple(
                row
                for row in (
                    _pairs(("受理编号", context.case_number), ("受理日期", _accepted_on(context))),
                    _pairs(("申请人", _applicant(context))),
                    _pairs(("申请事项", context.matter_name), ("代理人", context.agent_name)),
                    _pairs(
                        ("承诺时限", f"{days}个工作日" if days is not None else ""),
                        ("承诺办结日期", completion),
                    ),
                    _pairs(("收费", fee)),
                    _pairs(("进度查询", context.tracking_text)),
                    _pairs(("结果领取", context.result_collection_text)),
                    _pairs(
                        ("经办人", _clerk_at_window(context)), ("联系电话", context.window_phone)
                    ),
                )
                if row
            )
        )
    )
    note = (
        "依法需要听证、招标、拍卖、检验、检测、检疫、鉴定和专家评审的，所需时间不计算在"
        "承诺办结时限内。"
    )
    if context.completion_provisional:
        note += PROVISIONAL_NOTE
    return blocks + _tail(context, f"（注：{note}）", contact=False) + [_acknowledgement()]


def _rejection_notice(context: DocumentContext) -> list[Block]:
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
            f"（办件编号：{context.case_number}），经审查，不符合受理条件，理由如下："
        )
    )
    blocks.extend(_reasons(context))
    if context.licensing and context.rejection_ground == "not_licensable":
        blocks.append(Para("该申请事项依法不需要取得行政许可。"))
    basis = _rejection_basis(context)
    decided = f"根据{basis}的规定，本机关决定不予受理。" if basis else "本机关决定不予受理。"
    blocks.append(Para(decided))
    if context.redirect_authority:
        powers = "依法不属于本机关职权范围" if context.licensing else "不属于本机关职责范围"
        blocks.append(
            Para(
                f"该申请事项{powers}，请你（单位）向{context.redirect_authority}提出申请。"
            )
        )
    blocks.append(_remedies(context, "通知书"))
    return blocks + _tail(context, contact=False)


def _approval_decision(context: DocumentContext) -> list[Block]:
    blocks = _head(context)
    found = (
        f"该申请符合{_provisions(context.matter_basis)}规定的条件、标准"
        if context.matter_basis
        else "该申请符合法定条件、标准"
    )
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
            f"（受理编号：{context.case_number}），本机关已于{_accepted_on(context)}依法受理。"
            f"经审查，{found}。根据{_provisions(APPROVAL_ARTICLE, context.legal_basis)}的规定，"
            "本机关决定准予行政许可。"
        )
    )
    blocks.append(Para("准予行政许可的内容如下："))
    blocks.extend(_granted_table(context, "被许可人"))
    if context.certificate_name:
        # 第四十四条: the certificate within ten days of the decision.
        blocks.append(
            Para(
                f"本机关将自作出本决定之日起十日内向你（单位）颁发、送达《{context.certificate_name}》。"
                + _collect_certificate(context, "决定书")
            )
        )
    else:
        blocks.append(
            Para("本事项不另行颁发行政许可证件，你（单位）凭本决定书从事被许可的活动。")
        )
    return blocks + _tail(context, contact=False)


def _denial_decision(context: DocumentContext) -> list[Block]:
    blocks = _head(context)
    standard = (
        f"{_provisions(context.matter_basis)}规定的条件、标准"
        if context.matter_basis
        else "法定条件、标准"
    )
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
            f"（受理编号：{context.case_number}），本机关已于{_accepted_on(context)}依法受理。"
            f"经审查，该申请不符合{standard}，理由如下："
        )
    )
    blocks.extend(_reasons(context))
    basis = _provisions(context.matter_basis, context.legal_basis, DENIAL_ARTICLE)
    blocks.append(Para(f"根据{basis}的规定，本机关决定不予行政许可。"))
    blocks.append(_remedies(context, "决定书"))
    return blocks + _tail(context, contact=False)


def _result_notice(context: DocumentContext) -> list[Block]:
    """办结通知书: the positive result of a matter that is not 行政许可, in its own words."""
    found, done, _ = _result_words(context)
    basis = _provisions(context.matter_basis, context.legal_basis)
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
            f"（受理编号：{context.case_number}），{found}。"
            + (f"根据{basis}的规定，" if basis else "")
            + f"本机关{done}。"
        )
    )
    if context.permit_items or context.certificate_name:
        blocks.append(Para("办理结果如下："))
        blocks.extend(_granted_table(context, "申请人"))
    if context.certificate_name:
        blocks.append(Para(_collect_certificate(context, "通知书")))
    return blocks + _tail(context, contact=False)


def _refusal_notice(context: DocumentContext) -> list[Block]:
    """不予办理告知书: the negative result of a matter that is not 行政许可."""
    _, _, refused = _result_words(context)
    standard = f"{_provisions(context.matter_basis)}规定的条件" if context.matter_basis else "规定的条件"
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
            f"（受理编号：{context.case_number}），经审查，不符合{standard}，理由如下："
        )
    )
    blocks.extend(_reasons(context))
    basis = _provisions(context.matter_basis, context.legal_basis)
    blocks.append(
        Para((f"根据{basis}的规定，" if basis else "") + f"本机关决定{refused}。")
    )
    blocks.append(_remedies(context, "告知书"))
    return blocks + _tail(context, contact=False)


def _seal_ledger(context: DocumentContext) -> list[Block]:
    rows = context.ledger_rows
    blocks: list[Block] = [Title(context.title)]
    heading = []
    if context.ledger_seal_name:
        heading.append(f"印章：{context.ledger_seal_name}")
    if context.ledger_custodian_text:
        heading.append(context.ledger_custodian_text)
    if context.ledger_period_text:
        heading.append(f"登记期间：{context.ledger_period_text}（共{len(rows)}次）")
    blocks.extend(Para(line, indent=False, align="center") for line in heading)
    if rows:
        blocks.append(
            Table(
                columns=(
                    Column("序号", 0.6, "center"),
                    Column("用印时间", 1.7),
                    Column("印章（名称、类别、编号）", 2.6),
                    Column("办件编号", 2.2, whole=True),
                    Column("文书及文号", 2.4),
                    Column("用印事由", 1.9),
                    Column("份数", 0.6, "center"),
                    Column("用印人", 1.0, "center"),
                    Column("站点/窗口", 1.4),
                    Column("文件摘要", 2.0, whole=True),
                ),
                rows=tuple(
                    (
                        str(i),
                        row.sealed_at_text,
                        _ledger_seal(row),
                        row.case_number,
                        f"{row.document_kind_label} {row.document_number}".strip(),
                        row.purpose or f"出具{row.document_kind_label}",
                        str(row.copies),
                        row.sealed_by,
                        row.site,
                        row.document_sha256[:16],
                    )
                    for i, row in enumerate(rows, start=1)
                ),
            )
        )
    else:
        blocks.append(Para("本期间无用印记录。"))
    blocks.append(SignLines(("印章保管人（签字）：", "核对人（签字）：")))
    # Signed by the department that keeps the seals (the context's authority).
    blocks.append(Signature(context.authority_name, context.date_text))
    blocks.extend(Note(text) for text in context.notes)
    return blocks


def _ledger_seal(row: LedgerRow) -> str:
    details = "，".join(x for x in (row.seal_kind_label, row.seal_serial) if x)
    return f"{row.seal_name}（{details}）" if details else row.seal_name


def _extension_notice(context: DocumentContext) -> list[Block]:
    facts = context.extension
    if facts is None:
        raise ValueError("延长办理期限告知书缺少延期记录")
    blocks = _head(context)
    blocks.append(
        Para(
            f"{_accepted_clause(context)}因{facts.reason.rstrip('。；;')}，本机关不能在原定期限内"
            "作出决定。"
            # Only a 行政许可 matter's extension rests on 行政许可法 第四十二条, unless
            # another statute provides otherwise.
            + (f"根据{facts.other_law_basis}的规定，" if facts.other_law_basis
               else f"根据{ADMINISTRATIVE_LICENSING_LAW}{facts.article}的规定，"
               if context.licensing else "")
            + f"{facts.approval_text}，本件办理期限延长{facts.working_days}个工作日。"
            "现将延长期限的理由和延长后的办结日期告知如下："
        )
    )
    new_date = facts.new_completion_text
    if new_date and facts.provisional:
        new_date += "（暂定）"
    blocks.append(
        _info(
            _pairs(("受理编号", context.case_number), ("受理日期", _accepted_on(context))),
            _pairs(("延长理由", facts.reason)),
            _pairs(("批准情况", f"{facts.approval_text}（{facts.decided_on_text}）")),
            _pairs(("延长期限", f"{facts.working_days}个工作日")),
            _pairs(("原承诺办结日期", facts.original_completion_text),
                   ("延长后办结日期", new_date)),
        )
    )
    blocks.append(Para("本机关将在延长后的期限内依法作出决定，并及时告知你（单位）。"))
    notes = [f"（注：{PROVISIONAL_NOTE}）"] if facts.provisional else []
    return blocks + _tail(context, *notes)


def _special_procedure_notice(context: DocumentContext) -> list[Block]:
    facts = context.procedure
    if facts is None:
        raise ValueError("特别程序告知书缺少中止计时记录")
    blocks = _head(context)
    because = f"因{facts.reason.rstrip('。；;')}，" if facts.reason else ""
    blocks.append(
        Para(
            f"{_accepted_clause(context)}{because}本机关依法需要对该申请进行{facts.procedure}。"
            + (f"根据{ADMINISTRATIVE_LICENSING_LAW}第四十五条的规定，{facts.procedure}所需时间"
               "不计算在行政许可办理期限内。" if context.licensing
               else f"{facts.procedure}所需时间不计算在承诺办理期限内。")
            + "现将所需时间书面告知如下："
        )
    )
    blocks.append(
        _info(
            _pairs(("受理编号", context.case_number), ("程序", facts.procedure)),
            _pairs(("开始日期", facts.start_text), ("所需时间", f"{facts.working_days}个工作日")),
            _pairs(("预计完成日期", facts.expected_end_text)),
        )
    )
    blocks.append(
        Para(
            f"{facts.procedure}结束后，本机关将继续计算办理期限，并依法作出决定；"
            "承诺办结日期相应顺延。"
        )
    )
    return blocks + _tail(context)


def _delivery_receipt(context: DocumentContext) -> list[Block]:
    facts = context.delivery
    if facts is None:
        raise ValueError("送达回证缺少送达记录")
    blocks: list[Block] = [Title(context.title)]
    if context.document_number:
        blocks.append(DocumentNumberLine(context.document_number))
    blocks.append(
        _info(
            _pairs(("办件编号", context.case_number), ("申请事项", context.matter_name)),
            _pairs(("送达文书", "；".join(facts.documents))),
            _pairs(("受送达人", facts.recipient)),
            _pairs(("送达方式", facts.method), ("送达地点", facts.place)),
            _pairs(("送达人", facts.delivered_by), ("送达时间", facts.delivered_at_text)),
            _pairs(("代收人", facts.receiver)),
        )
    )
    blocks.append(
        Para(f"上列文书已于{facts.delivered_at_text}以{facts.method}方式送达受送达人，特此回证。")
    )
    labels: tuple[str, ...] = ("受送达人（签名）：", "签收日期：　　　年　　月　　日")
    blocks.append(SignLines(labels))
    if facts.receiver:
        blocks.append(SignLines(("代收人（签名）：", "代收理由及与受送达人关系：")))
    blocks.append(SignLines(("送达人（签名）：",)))
    return blocks + _tail(
        context, "（注：受送达人拒绝签收的，送达人应当在本回证上注明拒收事由和日期，并签名。）",
        contact=False,
    )


# ---------------------------------------------------------------- before and around intake

# 国办发〔2020〕42号: the 告知承诺制 the promise documents rest on.
NOTIFICATION_PROMISE_BASIS = "《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》（国办发〔2020〕42号）"


def _material_mark(context: DocumentContext, material: MaterialLine) -> str:
    guide = context.guide
    marks = [material.note] if material.note else []
    if guide is not None and material.name in guide.tolerance_names:
        marks.append("可容缺受理")
    if guide is not None and material.name in guide.promise_names:
        marks.append("可告知承诺")
    return "；".join(marks)


def _service_guide(context: DocumentContext) -> list[Block]:
    """The matter's 办事指南 on one page (一次性告知 at consultation)."""
    guide = context.guide
    if guide is None:
        raise ValueError("办事指南缺少事项信息")
    if guide.fees:
        fees = "；".join(f"{f.item}{f.amount_text}（依据：{f.basis}）" for f in guide.fees)
    else:
        fees = "不收费"
    blocks: list[Block] = [Title(context.title)]
    blocks.append(_info(
        _pairs(("实施机关", context.authority_name), ("事项类型", guide.matter_type_label)),
        _pairs(("办件类型", guide.case_type_label), ("法定时限", guide.statutory_days_text)),
        _pairs(("承诺时限", guide.promised_days_text)),
        _pairs(("设定依据", guide.basis)),
        _pairs(("申请条件", guide.conditions)),
        _pairs(("办理程序", guide.procedure)),
        _pairs(("收费标准及依据", fees)),
        _pairs(("办理地点和时间", guide.place_and_hours)),
        _pairs(("申请书格式文本", "、".join(f"《{t}》" for t in guide.form_templates)
                + ("（窗口领取）" if guide.form_templates else "")),
               ("咨询电话", context.window_phone)),
    ))
    blocks.append(Table(
        columns=(
            Column("序号", 0.8, "center"),
            Column("申请材料", 4.6),
            Column("形式", 1.8, "center"),
            Column("份数", 0.9, "center"),
            Column("说明", 3.4),
        ),
        rows=tuple(
            (str(i), m.name, m.form, str(m.copies), _material_mark(context, m))
            for i, m in enumerate(guide.materials, start=1)
        ),
    ))
    blocks.append(Note(
        f"以上为办理本事项所需的全部材料（共{len(guide.materials)}项），本窗口一次性告知。"
        "标注“可容缺受理”的材料，主要材料齐全时可凭书面承诺先行受理、限期补齐；标注"
        "“可告知承诺”的证明，可以签署告知承诺书代替。"
    ))
    # A published guide, not a letter: the authority heads its table and the page keeps
    # to one sheet; the foot says when it was printed and who answered (首问负责).
    who = f"；首问负责人：{context.clerk_name}" if context.clerk_name else ""
    return blocks + [Note(f"（{context.authority_name}　打印日期：{context.date_text}{who}）")]


def _tolerance_table(items: tuple[MaterialLine, ...]) -> Table:
    return Table(
        columns=(Column("序号", 0.8, "center"), Column("暂缺材料", 5.6),
                 Column("形式", 2.0, "center"), Column("份数", 1.0, "center")),
        rows=tuple((str(i), m.name, m.form, str(m.copies))
                   for i, m in enumerate(items, start=1)),
    )


def _tolerance_notice(context: DocumentContext) -> list[Block]:
    if not context.tolerance_items or not context.tolerance_deadline_text:
        raise ValueError("容缺受理通知书缺少暂缺材料或补齐期限")
    blocks = _head(context)
    blocks.append(Para(
        f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
        f"（受理编号：{context.case_number}），主要申请材料齐全、符合规定形式，下列非主要"
        f"材料暂缺（共{len(context.tolerance_items)}项）。根据你（单位）签署的容缺受理承诺书，"
        f"本机关已于{_accepted_on(context)}予以容缺受理。请于{context.tolerance_deadline_text}前"
        "将下列材料补齐："
    ))
    blocks.append(_tolerance_table(context.tolerance_items))
    blocks.append(Para(
        "容缺材料补齐前，本机关不作出准予决定。逾期未补齐且无正当理由的，本机关将依法作出"
        "不予决定或终止办理，并退回已提交的申请材料。"
    ))
    return blocks + _tail(context) + [_acknowledgement()]


PROMISE_SIGN_LINES = ("承诺人（签字或盖章）：", "日期：　　　年　　月　　日")


def _tolerance_promise(context: DocumentContext) -> list[Block]:
    if not context.tolerance_items or not context.tolerance_deadline_text:
        raise ValueError("容缺受理承诺书缺少暂缺材料或补齐期限")
    blocks: list[Block] = [Title(context.title), Addressee(f"{context.authority_name}：")]
    number = f"（受理编号：{context.case_number}）" if context.case_number else ""
    blocks.append(Para(
        f"本人（单位）{_applicant(context)}申请办理“{context.matter_name}”{number}，"
        "主要申请材料已齐全，下列非主要材料暂缺，申请容缺受理。现郑重承诺："
    ))
    blocks.append(_tolerance_table(context.tolerance_items))
    blocks.append(NumberedList((
        f"于{context.tolerance_deadline_text}前补齐上列全部材料，所补材料真实、有效；",
        "已提交的申请材料真实、合法、有效，如有虚假，承担相应法律责任；",
        "逾期未补齐的，同意行政机关依法作出不予决定或终止办理，由此产生的后果由本人（单位）承担。",
    )))
    return blocks + [SignLines(PROMISE_SIGN_LINES)]


def _notification_promise(context: DocumentContext) -> list[Block]:
    if not context.promise_items:
        raise ValueError("告知承诺书缺少以承诺替代的证明事项")
    blocks: list[Block] = [Title(context.title)]
    if context.document_number:
        blocks.append(DocumentNumberLine(context.document_number))
    blocks.append(Para("一、行政机关告知", indent=False))
    blocks.append(Para(
        f"根据{NOTIFICATION_PROMISE_BASIS}，申请办理“{context.matter_name}”"
        + (f"（受理编号：{context.case_number}）" if context.case_number else "")
        + "，下列证明事项实行告知承诺制，申请人书面承诺已经符合告知的条件、标准和要求的，"
        "本机关不再索要有关证明，依据书面承诺办理："
    ))
    blocks.append(Table(
        columns=(Column("序号", 0.8, "center"), Column("以承诺替代的证明", 6.0),
                 Column("形式", 2.0, "center")),
        rows=tuple((str(i), m.name, m.form) for i, m in enumerate(context.promise_items, 1)),
    ))
    blocks.append(Para(
        "本机关将依法核查承诺内容。承诺不实的，依法终止办理、责令限期整改或者撤销相关决定，"
        "并记录不实承诺，申请人此后在本县任一窗口办事须提交相关证明。"
    ))
    blocks.append(Para("二、申请人承诺", indent=False))
    blocks.append(Para(
        f"本人（单位）{_applicant(context)}郑重承诺：已知晓上述告知的全部内容，符合告知的条件、"
        "标准和要求；所作承诺真实，是本人（单位）的真实意思表示；愿意承担不实承诺的法律责任。"
    ))
    blocks.append(SignLines(PROMISE_SIGN_LINES))
    return blocks + _tail(context, "（本承诺书一式两份，申请人和行政机关各执一份。）",
                          contact=False)


def _joint_inspection_record(context: DocumentContext) -> list[Block]:
    facts = context.inspection
    if facts is None:
        raise ValueError("联合踏勘记录缺少踏勘信息")
    blocks: list[Block] = [Title(context.title)]
    if context.document_number:
        blocks.append(DocumentNumberLine(context.document_number))
    blocks.append(_info(
        _pairs(("办件编号", context.case_number), ("申请事项", context.matter_name)),
        _pairs(("申请人", _applicant(context))),
        _pairs(("踏勘日期", facts.date_text), ("踏勘地点", facts.place)),
    ))
    blocks.append(Table(
        columns=(Column("参加部门", 3.0), Column("参加人员", 2.6), Column("踏勘意见", 5.4)),
        rows=tuple(facts.departments),
    ))
    blocks.append(Para(f"踏勘结论：{facts.conclusion}"))
    blocks.append(SignLines(("参加人员签字：", "申请人（代理人）签字：")))
    return blocks + _tail(context)


def _agent_ledger(context: DocumentContext) -> list[Block]:
    """A 代办员's 一本台账 (陕西 第二十六条): request, materials, hand-overs, result."""
    rows = context.agent_rows
    blocks: list[Block] = [Title(context.title)]
    heading = [text for text in (
        context.ledger_custodian_text,
        f"登记期间：{context.ledger_period_text}（共{len(rows)}件）"
        if context.ledger_period_text else "") if text]
    blocks.extend(Para(line, indent=False, align="center") for line in heading)
    if rows:
        blocks.append(Table(
            columns=(
                Column("序号", 0.6, "center"),
                Column("登记日期", 1.2),
                Column("办件编号", 2.2, whole=True),
                Column("村民", 1.1),
                Column("代办事项", 1.8),
                Column("收取材料", 2.6),
                Column("交接记录", 3.0),
                Column("办理结果及通知", 2.0),
                Column("原件遗失", 1.6),
            ),
            rows=tuple(
                (str(i), row.registered_on_text, row.case_number, row.villager,
                 row.matter_name, row.materials_text, row.hand_overs_text, row.result_text,
                 row.losses_text or "无")
                for i, row in enumerate(rows, start=1)),
        ))
    else:
        blocks.append(Para("本期间无代办记录。"))
    blocks.append(SignLines(("代办员（签字）：", "乡镇便民服务站核对人（签字）：")))
    blocks.append(Signature(context.authority_name, context.date_text))
    blocks.extend(Note(text) for text in context.notes)
    return blocks


_TEMPLATES: dict[DocumentKind, Callable[[DocumentContext], list[Block]]] = {
    DocumentKind.RECEIPT: _receipt,
    DocumentKind.ONE_TIME_NOTICE: _one_time_notice,
    DocumentKind.ACCEPTANCE_NOTICE: _acceptance_notice,
    DocumentKind.REJECTION_NOTICE: _rejection_notice,
    DocumentKind.APPROVAL_DECISION: _approval_decision,
    DocumentKind.DENIAL_DECISION: _denial_decision,
    DocumentKind.RESULT_NOTICE: _result_notice,
    DocumentKind.REFUSAL_NOTICE: _refusal_notice,
    DocumentKind.SEAL_LEDGER: _seal_ledger,
    DocumentKind.EXTENSION_NOTICE: _extension_notice,
    DocumentKind.SPECIAL_PROCEDURE_NOTICE: _special_procedure_notice,
    DocumentKind.DELIVERY_RECEIPT: _delivery_receipt,
    DocumentKind.SERVICE_GUIDE: _service_guide,
    DocumentKind.TOLERANCE_NOTICE: _tolerance_notice,
    DocumentKind.TOLERANCE_PROMISE: _tolerance_promise,
    DocumentKind.NOTIFICATION_PROMISE: _notification_promise,
    DocumentKind.JOINT_INSPECTION_RECORD: _joint_inspection_record,
    DocumentKind.AGENT_LEDGER: _agent_ledger,
}
