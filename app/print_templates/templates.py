"""What each document says: the wording of the seven documents, as blocks.

Each template is a function from a :class:`DocumentContext` to a :class:`Layout`. The
wording follows the 行政许可法 (第三十二条 intake, 第三十八条 decisions, 第四十五条
excluded time) and the usual county-level forms; the remedy sentence names the bodies
from configuration and falls back to a generic "有管辖权的…" when none is configured.
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
    Note,
    NumberedList,
    Para,
    Signature,
    SignLines,
    Table,
    Title,
)
from app.print_templates.context import DocumentContext, DocumentKind, MaterialLine

ADMINISTRATIVE_LICENSING_LAW = "《中华人民共和国行政许可法》"
RECONSIDERATION_LAW = "《中华人民共和国行政复议法》"
LITIGATION_LAW = "《中华人民共和国行政诉讼法》"

_DEFAULT_BASIS = {
    DocumentKind.REJECTION_NOTICE: (f"{ADMINISTRATIVE_LICENSING_LAW}第三十二条第一款",),
    DocumentKind.APPROVAL_DECISION: (f"{ADMINISTRATIVE_LICENSING_LAW}第三十八条第一款",),
    DocumentKind.DENIAL_DECISION: (f"{ADMINISTRATIVE_LICENSING_LAW}第三十八条第二款",),
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
        landscape=context.kind is DocumentKind.SEAL_LEDGER,
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


def _tail(context: DocumentContext, *notes: str, contact: bool = True) -> list[Block]:
    """Authority and date, then the 附注 lines: the document's own, then the contact
    (left out of the decisions, which must stay short enough for one page)."""
    blocks: list[Block] = [Signature(context.authority_name, context.date_text)]
    blocks.extend(Note(text) for text in (*notes, *context.notes))
    if contact and _contact(context):
        blocks.append(Note(_contact(context)))
    return blocks


def _applied_on(context: DocumentContext) -> str:
    return context.applied_on_text or context.date_text


def _accepted_on(context: DocumentContext) -> str:
    return context.accepted_on_text or _applied_on(context)


def _basis(context: DocumentContext) -> str:
    provisions = context.legal_basis or _DEFAULT_BASIS.get(context.kind, ())
    return "、".join(provisions)


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
    body = context.reconsideration_body or "有管辖权的行政复议机关"
    court = context.litigation_court or "有管辖权的人民法院"
    return Para(
        f"你（单位）如对本决定不服，可以自收到本{paper}之日起六十日内，依照"
        f"{RECONSIDERATION_LAW}的规定向{body}申请行政复议；也可以自收到本{paper}之日起"
        f"六个月内，依照{LITIGATION_LAW}的规定向{court}提起行政诉讼。"
    )


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
    blocks.append(
        Para(
            "本凭证仅证明本窗口已收到上述材料，不表示申请已被受理。申请材料不齐全或者不符合"
            "法定形式的，本机关将当场或者在五日内一次告知需要补正的全部内容；逾期不告知的，"
            "自收到申请材料之日起即为受理。"
        )
    )
    blocks.append(SignLines(("申请人（代理人）签字：", "窗口经办人签字：")))
    return blocks + _tail(context, contact=False)


def _one_time_notice(context: DocumentContext) -> list[Block]:
    missing = context.missing_materials
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
            f"（办件编号：{context.case_number}），经审查，申请材料不齐全或者不符合法定形式。"
            f"根据{ADMINISTRATIVE_LICENSING_LAW}第三十二条第一款第（四）项的规定，现将需要"
            f"补正的全部材料（共{len(missing)}项）一次性告知如下："
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
    blocks.append(
        Para(
            "以上为需要补正的全部内容。请你（单位）按照上述要求补正后，将全部材料提交至"
            f"{where}。补正材料齐全、符合法定形式的，本机关将依法予以受理。"
        )
    )
    return blocks + _tail(context)


def _acceptance_notice(context: DocumentContext) -> list[Block]:
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请，申请材料"
            f"齐全、符合法定形式。根据{ADMINISTRATIVE_LICENSING_LAW}第三十二条第一款第（五）项"
            "的规定，本机关决定予以受理。有关事项告知如下："
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
        note += "标注“暂定”的日期，系该年度法定节假日安排尚未公布时按现行工作日推算，以公布后的安排为准。"
    return blocks + _tail(context, f"（注：{note}）", contact=False)


def _rejection_notice(context: DocumentContext) -> list[Block]:
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
            f"（办件编号：{context.case_number}），经审查，不符合受理条件，理由如下："
        )
    )
    blocks.extend(_reasons(context))
    blocks.append(Para(f"根据{_basis(context)}的规定，本机关决定不予受理。"))
    if context.redirect_authority:
        blocks.append(
            Para(
                "该申请事项依法不属于本机关职权范围，请你（单位）向"
                f"{context.redirect_authority}提出申请。"
            )
        )
    blocks.append(_remedies(context, "通知书"))
    return blocks + _tail(context, contact=False)


def _approval_decision(context: DocumentContext) -> list[Block]:
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
            f"（受理编号：{context.case_number}），本机关已于{_accepted_on(context)}依法受理。"
            f"经审查，该申请符合法定条件、标准。根据{_basis(context)}的规定，本机关决定准予"
            "行政许可。"
        )
    )
    rows = tuple(((item.label, item.value),) for item in context.permit_items)
    if context.result_collection_text:
        rows += ((("领取方式", context.result_collection_text),),)
    if rows:
        blocks.append(Para("许可内容如下："))
        blocks.append(InfoTable(rows))
    blocks.append(Para("本机关将自作出本决定之日起十日内向你（单位）颁发、送达行政许可证件。"))
    return blocks + _tail(context, contact=False)


def _denial_decision(context: DocumentContext) -> list[Block]:
    blocks = _head(context)
    blocks.append(
        Para(
            f"你（单位）于{_applied_on(context)}提出的“{context.matter_name}”申请"
            f"（受理编号：{context.case_number}），本机关已于{_accepted_on(context)}依法受理。"
            "经审查，该申请不符合法定条件、标准，理由如下："
        )
    )
    blocks.extend(_reasons(context))
    blocks.append(Para(f"根据{_basis(context)}的规定，本机关决定不予行政许可。"))
    blocks.append(_remedies(context, "决定书"))
    return blocks + _tail(context, contact=False)


def _seal_ledger(context: DocumentContext) -> list[Block]:
    rows = context.ledger_rows
    blocks: list[Block] = [Title(context.title)]
    heading = []
    if context.ledger_seal_name:
        heading.append(f"印章：{context.ledger_seal_name}")
    if context.ledger_period_text:
        heading.append(f"登记期间：{context.ledger_period_text}（共{len(rows)}次）")
    blocks.extend(Para(line, indent=False, align="center") for line in heading)
    if rows:
        blocks.append(
            Table(
                columns=(
                    Column("序号", 0.8, "center"),
                    Column("用印时间", 2.0),
                    Column("印章", 1.8),
                    Column("办件编号", 2.4, whole=True),
                    Column("文书种类", 1.6),
                    Column("文号", 2.2),
                    Column("用印人", 1.1, "center"),
                    Column("站点/窗口", 1.7),
                    Column("文件摘要", 2.4, whole=True),
                ),
                rows=tuple(
                    (
                        str(i),
                        row.sealed_at_text,
                        row.seal_name,
                        row.case_number,
                        row.document_kind_label,
                        row.document_number,
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
    DocumentKind.SEAL_LEDGER: _seal_ledger,
}
