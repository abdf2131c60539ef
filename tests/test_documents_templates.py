"""What the documents say: the templates' blocks, without rendering."""

from __future__ import annotations

import dataclasses

import pytest

from app.print_templates import DocumentContext, DocumentKind, FeeLine, MaterialLine
from app.print_templates.blocks import (
    Addressee,
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
    column_widths,
)
from app.print_templates.samples import sample_context
from app.print_templates.templates import build_layout


def _text(layout: Layout) -> str:
    parts: list[str] = []
    for block in layout.blocks:
        match block:
            case Title(text) | DocumentNumberLine(text) | Addressee(text) | Para(text) | Note(text):
                parts.append(text)
            case NumberedList(items):
                parts.extend(items)
            case InfoTable(rows):
                parts.extend(f"{label}：{value}" for row in rows for label, value in row)
            case Table(columns, rows):
                parts.extend(c.header for c in columns)
                parts.extend(cell for row in rows for cell in row)
            case Signature(authority, date_text):
                parts.extend((authority, date_text))
    return "\n".join(parts)


def _table(layout: Layout) -> Table:
    return next(b for b in layout.blocks if isinstance(b, Table))


def test_kinds_have_their_chinese_labels() -> None:
    assert [k.label for k in DocumentKind] == [
        "材料接收凭证",
        "一次性告知书",
        "受理通知书",
        "不予受理通知书",
        "准予行政许可决定书",
        "不予行政许可决定书",
        "办结通知书",
        "不予办理告知书",
        "用印登记簿",
        "延长办理期限告知书",
        "特别程序告知书",
        "送达回证",
        "办事指南",
        "容缺受理通知书",
        "容缺受理承诺书",
        "告知承诺书",
        "联合踏勘记录",
        "代办台账",
    ]
    assert {k for k in DocumentKind if k.requires_seal} == {
        DocumentKind.ONE_TIME_NOTICE,
        DocumentKind.EXTENSION_NOTICE,
        DocumentKind.SPECIAL_PROCEDURE_NOTICE,
        DocumentKind.DELIVERY_RECEIPT,
        DocumentKind.ACCEPTANCE_NOTICE,
        DocumentKind.REJECTION_NOTICE,
        DocumentKind.APPROVAL_DECISION,
        DocumentKind.DENIAL_DECISION,
        DocumentKind.RESULT_NOTICE,
        DocumentKind.REFUSAL_NOTICE,
    }


# Signed by the applicant (the 容缺 promise) or published unsigned (the guide).
NOT_SIGNED_BY_AUTHORITY = (DocumentKind.TOLERANCE_PROMISE, DocumentKind.SERVICE_GUIDE)


@pytest.mark.parametrize("kind", [k for k in DocumentKind if k not in NOT_SIGNED_BY_AUTHORITY])
def test_every_document_starts_with_its_title_and_ends_signed(kind: DocumentKind) -> None:
    context = sample_context(kind)
    layout = build_layout(context)
    # GB/T 9704 7.3.1: 发文机关 + 文种, e.g. 某某县行政审批局准予行政许可决定书.
    assert layout.blocks[0] == Title(f"{context.authority_name}{kind.label}")
    assert layout.title == f"{context.authority_name}{kind.label}"
    signature = next(b for b in layout.blocks if isinstance(b, Signature))
    # Dated the day of its act: the counter's notices the day of intake (the 20th), the
    # others the 23rd.
    assert signature == Signature(context.authority_name, context.date_text)
    assert context.date_text in ("2026年11月20日", "2026年11月23日")
    after = layout.blocks[layout.blocks.index(signature) + 1 :]
    assert all(isinstance(b, Note | SignLines) for b in after)


@pytest.mark.parametrize(
    ("kind", "paper"),
    [(DocumentKind.REJECTION_NOTICE, "通知书"), (DocumentKind.DENIAL_DECISION, "决定书")],
)
def test_rejection_and_denial_state_the_remedies_with_configured_bodies(
    kind: DocumentKind, paper: str
) -> None:
    text = _text(build_layout(sample_context(kind)))
    assert f"自收到本{paper}之日起六十日内" in text
    assert "依照《中华人民共和国行政复议法》的规定向某某县人民政府申请行政复议" in text
    assert f"自收到本{paper}之日起六个月内" in text
    assert "依照《中华人民共和国行政诉讼法》的规定向某某县人民法院提起行政诉讼" in text


@pytest.mark.parametrize(
    "kind",
    [DocumentKind.REJECTION_NOTICE, DocumentKind.DENIAL_DECISION, DocumentKind.REFUSAL_NOTICE],
)
def test_a_remedy_document_without_its_bodies_is_not_made(kind: DocumentKind) -> None:
    for missing in ({"reconsideration_body": ""}, {"litigation_court": ""}):
        context = dataclasses.replace(sample_context(kind), **missing)
        with pytest.raises(ValueError, match="须写明行政复议机关和人民法院"):
            build_layout(context)


def test_reconsideration_first_says_to_apply_for_reconsideration_before_suing() -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.DENIAL_DECISION), reconsideration_first=True
    )
    text = _text(build_layout(context))
    assert "依照《中华人民共和国行政复议法》第二十三条的规定" in text
    assert "应当先申请行政复议" in text
    assert "自收到本决定书之日起六十日内向某某县人民政府申请行政复议" in text
    assert "自收到行政复议决定书之日起十五日内" in text
    assert "未经行政复议，不能直接提起行政诉讼" in text
    assert "也可以自收到本决定书之日起六个月内" not in text


@pytest.mark.parametrize(
    "kind",
    [
        DocumentKind.RECEIPT,
        DocumentKind.ONE_TIME_NOTICE,
        DocumentKind.ACCEPTANCE_NOTICE,
        DocumentKind.APPROVAL_DECISION,
    ],
)
def test_other_documents_state_no_remedies(kind: DocumentKind) -> None:
    assert "行政复议" not in _text(build_layout(sample_context(kind)))


def test_rejection_gives_reasons_basis_and_the_authority_to_apply_to() -> None:
    text = _text(build_layout(sample_context(DocumentKind.REJECTION_NOTICE)))
    assert "申请事项为药品零售企业许可，依法不属于本机关职权范围。" in text
    assert (
        "根据《中华人民共和国行政许可法》第三十二条第一款第（二）项的规定，本机关决定不予受理。"
        in text
    )
    assert "请你（单位）向某某市市场监督管理局提出申请。" in text


def test_several_reasons_are_numbered_and_one_is_a_paragraph() -> None:
    several = build_layout(sample_context(DocumentKind.DENIAL_DECISION))
    assert any(isinstance(b, NumberedList) and len(b.items) == 2 for b in several.blocks)
    one = build_layout(
        dataclasses.replace(sample_context(DocumentKind.DENIAL_DECISION), reasons=("唯一理由。",))
    )
    assert Para("唯一理由。") in one.blocks
    assert not any(isinstance(b, NumberedList) for b in one.blocks)


def test_decisions_cite_article_38_of_the_licensing_law() -> None:
    for kind, clause in (
        (DocumentKind.APPROVAL_DECISION, "第三十八条第一款"),
        (DocumentKind.DENIAL_DECISION, "第三十八条第二款"),
    ):
        context = dataclasses.replace(sample_context(kind), legal_basis=())
        assert f"《中华人民共和国行政许可法》{clause}的规定" in _text(build_layout(context))


def test_denial_cites_the_matters_substantive_basis_with_its_reasons() -> None:
    text = _text(build_layout(sample_context(DocumentKind.DENIAL_DECISION)))
    assert "该申请不符合《中华人民共和国食品安全法》第三十五条规定的条件、标准，理由如下" in text
    assert (
        "根据《中华人民共和国食品安全法》第三十五条、《中华人民共和国食品安全法》第三十三条、"
        "《食品经营许可和备案管理办法》第十二条、《中华人民共和国行政许可法》第三十八条第二款的规定，"
        "本机关决定不予行政许可。"
    ) in text


@pytest.mark.parametrize(
    ("ground", "legal_basis", "redirect", "cited", "sentence"),
    [
        ("outside_powers", (), "某某市市场监督管理局",
         "《中华人民共和国行政许可法》第三十二条第一款第（二）项",
         "该申请事项依法不属于本机关职权范围，请你（单位）向某某市市场监督管理局提出申请。"),
        ("not_licensable", (), "", "《中华人民共和国行政许可法》第三十二条第一款第（一）项",
         "该申请事项依法不需要取得行政许可。"),
        ("other", ("《食品经营许可和备案管理办法》第十六条",), "",
         "《食品经营许可和备案管理办法》第十六条", ""),
    ],
)
def test_rejection_names_the_item_of_article_32_its_ground_is(
    ground: str, legal_basis: tuple[str, ...], redirect: str, cited: str, sentence: str
) -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.REJECTION_NOTICE), rejection_ground=ground,
        legal_basis=legal_basis, redirect_authority=redirect,
    )
    text = _text(build_layout(context))
    assert f"根据{cited}的规定，本机关决定不予受理。" in text
    assert sentence in text
    if ground == "other":
        assert "第三十二条" not in text


def _public_service(kind: DocumentKind) -> DocumentContext:
    context = sample_context(kind)
    return dataclasses.replace(
        context, matter_type="public_service", matter_name="婚姻登记档案查询",
        matter_basis="《婚姻登记档案管理办法》第十四条", rejection_ground="outside_powers",
        redirect_authority="某某市民政局", legal_basis=(),
    )


@pytest.mark.parametrize(
    "kind",
    [
        DocumentKind.RECEIPT,
        DocumentKind.ONE_TIME_NOTICE,
        DocumentKind.ACCEPTANCE_NOTICE,
        DocumentKind.REJECTION_NOTICE,
        DocumentKind.RESULT_NOTICE,
        DocumentKind.REFUSAL_NOTICE,
    ],
)
def test_a_non_licensing_matter_never_cites_the_licensing_law(kind: DocumentKind) -> None:
    text = _text(build_layout(_public_service(kind)))
    assert "行政许可" not in text
    assert "五日内" not in text


def test_a_non_licensing_matter_has_no_licensing_decision() -> None:
    for kind in (DocumentKind.APPROVAL_DECISION, DocumentKind.DENIAL_DECISION):
        with pytest.raises(ValueError, match="只适用于行政许可事项"):
            _public_service(kind)


@pytest.mark.parametrize(
    ("matter_type", "done", "refused"),
    [
        ("public_service", "本机关已为你（单位）办理完毕。", "本机关决定不予办理。"),
        ("confirmation", "本机关予以确认。", "本机关决定不予确认。"),
        ("filing", "本机关予以备案。", "本机关决定不予备案。"),
        ("benefit", "本机关予以给付。", "本机关决定不予给付。"),
    ],
)
def test_result_and_refusal_notices_speak_the_matter_types_words(
    matter_type: str, done: str, refused: str
) -> None:
    result = dataclasses.replace(sample_context(DocumentKind.RESULT_NOTICE),
                                 matter_type=matter_type)
    refusal = dataclasses.replace(sample_context(DocumentKind.REFUSAL_NOTICE),
                                  matter_type=matter_type)
    result_text = _text(build_layout(result))
    refusal_text = _text(build_layout(refusal))
    assert f"根据《婚姻登记档案管理办法》第十四条的规定，{done}"[:-len(done)] in result_text
    assert done in result_text
    assert "查询结果：已出具婚姻登记档案证明1份" in result_text
    assert refused in refusal_text
    assert "申请人不是婚姻当事人" in refusal_text
    assert "自收到本告知书之日起六十日内" in refusal_text


def test_one_time_notice_lists_only_missing_or_defective_materials_with_what_is_needed() -> None:
    layout = build_layout(sample_context(DocumentKind.ONE_TIME_NOTICE))
    rows = _table(layout).rows
    assert [row[1] for row in rows] == ["法定代表人（负责人）身份证明", "经营场所平面布局图"]
    assert rows[0][2] == "未提交"
    assert rows[0][3] == "复印件1份；身份证正反面复印件，须本人签字"
    assert rows[1][2] == "未标明食品处理区与非食品处理区"
    text = _text(layout)
    assert "共2项" in text and "一次性告知如下" in text
    assert "某某县政务服务中心一楼3号窗口（某某路88号）" in text
    assert "经办人：王芳" in text and "联系电话：0512-12345678" in text


def test_receipt_lists_what_was_received_with_form_and_copies() -> None:
    layout = build_layout(sample_context(DocumentKind.RECEIPT))
    rows = _table(layout).rows
    assert [(r[1], r[2], r[3]) for r in rows] == [
        ("食品经营许可申请书", "原件", "1"),
        ("营业执照", "复印件", "1"),
        ("经营场所平面布局图", "原件", "1"),  # received, though it needs correcting
        ("食品安全管理制度文本", "原件", "1"),
    ]
    assert "共4项4份" in _text(layout)
    assert "不表示申请已被受理" in _text(layout)


def test_acceptance_notice_marks_a_provisional_completion_date() -> None:
    text = _text(build_layout(sample_context(DocumentKind.ACCEPTANCE_NOTICE)))
    assert "承诺办结日期：2027年1月6日（暂定）" in text
    assert "法定节假日安排尚未公布" in text
    assert "承诺时限：10个工作日" in text


def test_acceptance_notice_without_provisional_date_has_no_mark() -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.ACCEPTANCE_NOTICE), completion_provisional=False
    )
    text = _text(build_layout(context))
    assert "暂定" not in text
    assert "承诺办结日期：2027年1月6日" in text


def test_acceptance_notice_states_fees_or_that_there_are_none() -> None:
    context = sample_context(DocumentKind.ACCEPTANCE_NOTICE)
    assert "工本费10.00元（依据：某价费〔2020〕12号），请到统一收费窗口缴纳" in _text(
        build_layout(context)
    )
    free = dataclasses.replace(context, fees=())
    assert "收费：本事项不收费" in _text(build_layout(free))
    two = dataclasses.replace(
        context,
        fees=(FeeLine(item="甲", amount_text="1.00元"), FeeLine(item="乙", amount_text="2.00元")),
    )
    assert "甲1.00元；乙2.00元" in _text(build_layout(two))


def test_acceptance_notice_tells_how_to_follow_the_case_and_collect_the_result() -> None:
    text = _text(build_layout(sample_context(DocumentKind.ACCEPTANCE_NOTICE)))
    assert "进度查询：凭受理编号登录某某县政务服务网查询" in text
    assert "结果领取：县政务服务中心3号窗口领取" in text
    assert "受理编号：XC01-20261123-0007" in text
    assert "第三十二条第一款第（五）项" in text


def test_approval_decision_states_what_is_granted() -> None:
    text = _text(build_layout(sample_context(DocumentKind.APPROVAL_DECISION)))
    assert "本机关决定准予行政许可" in text
    assert "被许可人：某某县张记餐饮有限公司（91320***********7X）" in text
    assert "证件名称：食品经营许可证" in text
    assert "证件编号：JY13201250012345" in text
    assert "有效期限：2026年11月23日至2031年11月22日" in text
    assert "许可范围：热食类食品制售；冷食类食品制售" in text
    assert "十日内向你（单位）颁发、送达《食品经营许可证》" in text
    assert "请凭本决定书和身份证件到原受理窗口领取" in text


def test_approval_without_a_certificate_is_itself_the_proof() -> None:
    context = dataclasses.replace(
        sample_context(DocumentKind.APPROVAL_DECISION), certificate_name="",
        permit_items=(),
    )
    text = _text(build_layout(context))
    assert "凭本决定书从事被许可的活动" in text
    assert "颁发、送达" not in text


def test_ledger_is_landscape_and_names_each_rows_seal_purpose_and_copies() -> None:
    layout = build_layout(sample_context(DocumentKind.SEAL_LEDGER))
    assert layout.landscape
    table = _table(layout)
    assert [c.header for c in table.columns] == [
        "序号",
        "用印时间",
        "印章（名称、类别、编号）",
        "办件编号",
        "文书及文号",
        "用印事由",
        "份数",
        "用印人",
        "站点/窗口",
        "文件摘要",
    ]
    first = table.rows[0]
    assert first[2] == "某某县行政审批局受理专用章（受理专用章，3201250012346）"
    assert first[4] == "受理通知书 某审批受〔2026〕2号"
    assert (first[5], first[6]) == ("当场受理，出具受理通知书", "2")
    assert first[9] == "02" * 8
    assert len(table.rows) == 10
    assert "保管部门：某某县行政审批局；保管人：赵敏" in _text(layout)


def test_one_time_notice_states_its_deadline_what_follows_and_a_receipt_line() -> None:
    layout = build_layout(sample_context(DocumentKind.ONE_TIME_NOTICE))
    text = _text(layout)
    assert "请你（单位）于2026年12月7日前按照上述要求补正" in text
    assert "逾期未补正且无正当理由的，视为你（单位）撤回本次申请，本机关将退回已提交的申请材料" in text
    assert "仍可以依法重新提出申请" in text
    assert layout.blocks[-1] == SignLines(("申请人（代理人）签收：", "签收日期：　　　年　　月　　日"))


def test_acceptance_notice_ends_with_the_applicants_receipt_line() -> None:
    layout = build_layout(sample_context(DocumentKind.ACCEPTANCE_NOTICE))
    assert layout.blocks[-1] == SignLines(("申请人（代理人）签收：", "签收日期：　　　年　　月　　日"))


def test_extension_notice_states_reason_head_approval_and_new_date() -> None:
    text = _text(build_layout(sample_context(DocumentKind.EXTENSION_NOTICE)))
    assert "因申请人经营场所涉及消防安全条件，需会同县消防救援大队核实，本机关不能在原定期限内" in text
    assert "第四十二条第一款的规定，经本机关负责人（局长 孙建国）批准，本件办理期限延长5个工作日" in text
    assert "延长后办结日期：2026年12月11日" in text
    assert "原承诺办结日期：2026年12月4日" in text


def test_special_procedure_notice_names_the_procedure_and_its_time() -> None:
    text = _text(build_layout(sample_context(DocumentKind.SPECIAL_PROCEDURE_NOTICE)))
    assert "本机关依法需要对该申请进行检验检测" in text
    assert "第四十五条的规定，检验检测所需时间不计算在行政许可办理期限内" in text
    assert "所需时间：10个工作日" in text
    assert "预计完成日期：2026年12月7日" in text


def test_delivery_receipt_records_document_recipient_way_and_signatures() -> None:
    layout = build_layout(sample_context(DocumentKind.DELIVERY_RECEIPT))
    text = _text(layout)
    assert "送达文书：准予行政许可决定书（某审批许〔2026〕XC01第0019号）" in text
    assert "受送达人：某某县张记餐饮有限公司" in text
    assert "送达方式：窗口领取" in text
    assert "送达时间：2026年11月23日 10:32" in text
    signs = [b for b in layout.blocks if isinstance(b, SignLines)]
    assert signs[0].labels[0] == "受送达人（签名）："
    assert any("代收人（签名）：" in b.labels for b in signs)


def test_empty_ledger_says_so() -> None:
    context = dataclasses.replace(sample_context(DocumentKind.SEAL_LEDGER), ledger_rows=())
    assert "本期间无用印记录" in _text(build_layout(context))


def test_document_needing_a_seal_is_refused_when_neither_sealed_nor_draft() -> None:
    context = dataclasses.replace(sample_context(DocumentKind.REJECTION_NOTICE), seal=None)
    with pytest.raises(ValueError):
        build_layout(context)
    assert build_layout(dataclasses.replace(context, draft=True)).draft


def test_draft_cannot_carry_a_seal() -> None:
    sealed = sample_context(DocumentKind.ACCEPTANCE_NOTICE)
    with pytest.raises(ValueError, match="draft"):
        dataclasses.replace(sealed, draft=True)


def test_seal_must_belong_to_the_documents_case() -> None:
    sealed = sample_context(DocumentKind.ACCEPTANCE_NOTICE)
    with pytest.raises(ValueError, match="another case"):
        dataclasses.replace(sealed, case_number="XC01-20261123-0008")


def test_context_accepts_lists_and_stays_immutable_and_hashable() -> None:
    context = DocumentContext(
        kind="receipt",
        authority_name="某某县行政审批局",
        date_text="2026年11月23日",
        materials=[MaterialLine(name="申请书")],
        reasons=["甲"],
    )
    assert context.kind is DocumentKind.RECEIPT
    assert context.materials == (MaterialLine(name="申请书"),)
    assert hash(context)
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.case_number = "x"  # type: ignore[misc]


def test_a_whole_column_widens_to_its_longest_value_taking_room_in_proportion() -> None:
    table = Table(
        columns=(Column("甲", 1), Column("办件编号", 1, whole=True), Column("乙", 2)),
        rows=(("一", "XC01-20261123-0001", "二"), ("三", "XC01-1", "四")),
    )
    # One unit a character: the number needs 18 and 2 of padding, its weight gives 15.
    widths = column_widths(table, 60, len, padding=2)
    assert widths[1] == pytest.approx(20)
    assert sum(widths) == pytest.approx(60)
    assert widths[2] == pytest.approx(2 * widths[0])


def test_a_whole_column_takes_at_most_half_of_the_others_room() -> None:
    table = Table(columns=(Column("甲", 1), Column("摘要", 1, whole=True)),
                  rows=(("一", "0" * 500),))
    widths = column_widths(table, 100, len, padding=0)
    assert widths == pytest.approx([25, 75])


def test_columns_go_by_weight_when_every_value_fits() -> None:
    table = Table(columns=(Column("甲", 1), Column("编号", 3, whole=True)), rows=(("一", "1"),))
    assert column_widths(table, 100, len, padding=2) == pytest.approx([25, 75])


@pytest.mark.parametrize(("kind", "said"), [
    (DocumentKind.EXTENSION_NOTICE, "作出决定。经本机关负责人（局长 孙建国）批准，本件办理期限延长5个工作日"),
    (DocumentKind.SPECIAL_PROCEDURE_NOTICE, "检验检测所需时间不计算在承诺办理期限内"),
])
def test_the_notices_of_a_matter_that_is_not_licensing_cite_no_licensing_law(
    kind: DocumentKind, said: str,
) -> None:
    context = dataclasses.replace(sample_context(kind), matter_type="confirmation")
    text = _text(build_layout(context))
    assert "行政许可法" not in text and "行政许可办理期限" not in text
    assert said in text
