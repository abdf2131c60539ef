"""Example contexts of every document, with made-up people and places.

Used by the tests, the benchmark and the README's example pictures, and handy in a
Python shell: ``render_pdf(sample_context(DocumentKind.ACCEPTANCE_NOTICE))``.
"""

from __future__ import annotations

import dataclasses

from app.print_templates.context import (
    AgentLedgerRow,
    DeliveryFacts,
    DocumentContext,
    DocumentKind,
    ExtensionFacts,
    FeeLine,
    GuideFacts,
    InspectionFacts,
    LabeledValue,
    LedgerRow,
    MaterialLine,
    ProcedureFacts,
    SealAppearance,
)
from app.print_templates.verification import seal_context

SAMPLE_AUTHORITY = "某某县行政审批局"
SAMPLE_SEAL = SealAppearance(authority_name=SAMPLE_AUTHORITY, serial="3201250012345")
SAMPLE_WINDOW_SEAL = SealAppearance(
    authority_name=SAMPLE_AUTHORITY, seal_title="受理专用章", serial="3201250012346"
)
SAMPLE_COUNTER_SEALED_AT = "2026年11月20日 09:41"
_AT_THE_COUNTER = frozenset({
    DocumentKind.ONE_TIME_NOTICE,
    DocumentKind.ACCEPTANCE_NOTICE,
    DocumentKind.REJECTION_NOTICE,
})
SAMPLE_DOCUMENT_ID = "5d0c1c43-8d0e-4c52-9b0a-6f1f2a7e9c31"
SAMPLE_VERIFICATION_CODE = "K7QM-XD4R-2TNB-W6HA"
"""A sample's code is made up: only a seal's key makes real ones (app.signing.codes)."""
SAMPLE_SERVER = "https://zwfw.example.gov.cn/counterdesk"
SAMPLE_SEALED_AT = "2026年11月23日 10:32"

_NUMBERS = {
    DocumentKind.RECEIPT: "某审批收〔2026〕31号",
    DocumentKind.ONE_TIME_NOTICE: "某审批补〔2026〕12号",
    DocumentKind.ACCEPTANCE_NOTICE: "某审批受〔2026〕27号",
    DocumentKind.REJECTION_NOTICE: "某审批不受〔2026〕4号",
    DocumentKind.APPROVAL_DECISION: "某审批许〔2026〕19号",
    DocumentKind.DENIAL_DECISION: "某审批不许〔2026〕2号",
    DocumentKind.RESULT_NOTICE: "某民结〔2026〕8号",
    DocumentKind.REFUSAL_NOTICE: "某民不办〔2026〕3号",
    DocumentKind.SEAL_LEDGER: "",
    DocumentKind.EXTENSION_NOTICE: "某审批延〔2026〕XC01第0003号",
    DocumentKind.SPECIAL_PROCEDURE_NOTICE: "某审批特〔2026〕XC01第0002号",
    DocumentKind.DELIVERY_RECEIPT: "某审批送〔2026〕XC01第0015号",
    DocumentKind.SERVICE_GUIDE: "",
    DocumentKind.TOLERANCE_NOTICE: "某审批容〔2026〕XC01第0004号",
    DocumentKind.TOLERANCE_PROMISE: "",
    DocumentKind.NOTIFICATION_PROMISE: "某审批承〔2026〕XC01第0006号",
    DocumentKind.JOINT_INSPECTION_RECORD: "某审批勘〔2026〕XC01第0002号",
    DocumentKind.AGENT_LEDGER: "",
}

SAMPLE_GUIDE = GuideFacts(
    matter_type_label="行政许可",
    case_type_label="承诺件",
    basis="《中华人民共和国食品安全法》第三十五条；《食品经营许可和备案管理办法》第十条",
    conditions="有与经营的食品品种、数量相适应的食品原料处理和食品加工、销售、贮存等场所；"
               "有食品安全专业技术人员、管理人员和保证食品安全的规章制度",
    procedure="申请—受理—审查（现场核查）—决定—发证",
    materials=(
        MaterialLine(name="食品经营许可申请书", form="原件", copies=1),
        MaterialLine(name="营业执照", form="复印件", copies=1),
        MaterialLine(name="经营场所平面布局图", form="原件", copies=1),
        MaterialLine(name="食品安全管理制度文本", form="原件", copies=1),
        MaterialLine(name="法定代表人（负责人）身份证明", form="复印件", copies=1,
                     note="委托办理的另附授权委托书"),
    ),
    statutory_days_text="20个工作日",
    promised_days_text="10个工作日",
    fees=(FeeLine(item="工本费", amount_text="10.00元", basis="某价费〔2020〕12号"),),
    place_and_hours="某某县政务服务中心一楼3号窗口（某某路88号）；周一至周五 9:00—12:00、"
                    "13:30—17:30，周六上午延时服务",
    form_templates=("食品经营许可申请书",),
    tolerance_names=("食品安全管理制度文本",),
    promise_names=("经营场所平面布局图",),
)

SAMPLE_INSPECTION = InspectionFacts(
    date_text="2026年11月25日",
    place="某某县某某路18号（申请人经营场所）",
    departments=(
        ("某某县行政审批局", "王芳、刘洋", "经营场所布局与申请材料一致，符合要求"),
        ("某某县消防救援大队", "陈强", "疏散通道畅通，灭火器配置符合规定"),
    ),
    conclusion="经联合踏勘，申请人经营场所符合许可条件。",
    recorded_by="王芳",
)

SAMPLE_MATERIALS = (
    MaterialLine(name="食品经营许可申请书", form="原件", copies=1),
    MaterialLine(name="营业执照", form="复印件", copies=1),
    MaterialLine(
        name="法定代表人（负责人）身份证明",
        form="复印件",
        copies=1,
        received=False,
        needed="身份证正反面复印件，须本人签字",
    ),
    MaterialLine(
        name="经营场所平面布局图",
        form="原件",
        copies=1,
        problem="未标明食品处理区与非食品处理区",
        needed="按比例绘制并标明各功能区面积",
    ),
    MaterialLine(name="食品安全管理制度文本", form="原件", copies=1),
)


def sample_context(
    kind: DocumentKind, *, sealed: bool = True, draft: bool = False
) -> DocumentContext:
    """A complete example of ``kind``; sealed when the kind requires it, unless a draft."""
    context = DocumentContext(
        kind=kind,
        document_number=_NUMBERS[kind],
        authority_name=SAMPLE_AUTHORITY,
        department_name="商事登记科",
        case_number="XC01-20261123-0007",
        applicant_name="某某县张记餐饮有限公司",
        applicant_id_masked="91320***********7X",
        agent_name="李四",
        matter_name="食品经营许可（新办）",
        matter_basis="《中华人民共和国食品安全法》第三十五条",
        date_text="2026年11月23日",
        clerk_name="王芳",
        window_name="县政务服务中心3号窗口",
        window_phone="0512-12345678",
        draft=draft,
        applied_on_text="2026年11月20日",
        accepted_on_text="2026年11月20日",
        materials=SAMPLE_MATERIALS,
        resubmission_address="某某县政务服务中心一楼3号窗口（某某路88号）",
        promised_working_days=10,
        promised_completion_text="2027年1月6日",
        completion_provisional=True,
        fees=(FeeLine(item="工本费", amount_text="10.00元", basis="某价费〔2020〕12号"),),
        tracking_text="凭受理编号登录某某县政务服务网查询，或拨打0512-12345678",
        result_collection_text="县政务服务中心3号窗口领取，或申请邮寄送达",
        reasons=(
            "申请人拟经营场所位于规划确定的居住区内，与食品经营场所选址要求不符；",
            "提交的食品安全管理人员未取得相应培训合格证明。",
        ),
        legal_basis=(
            "《中华人民共和国食品安全法》第三十三条",
            "《食品经营许可和备案管理办法》第十二条",
        ),
        redirect_authority="",
        reconsideration_body="某某县人民政府",
        litigation_court="某某县人民法院",
        certificate_name="食品经营许可证",
        permit_items=(
            LabeledValue(label="证件编号", value="JY13201250012345"),
            LabeledValue(label="有效期限", value="2026年11月23日至2031年11月22日"),
            LabeledValue(label="许可范围", value="热食类食品制售；冷食类食品制售"),
        ),
        supplement_deadline_text="2026年12月7日",
        extension=ExtensionFacts(
            reason="申请人经营场所涉及消防安全条件，需会同县消防救援大队核实",
            working_days=5,
            approval_text="经本机关负责人（局长 孙建国）批准",
            decided_on_text="2026年11月23日",
            original_completion_text="2026年12月4日",
            new_completion_text="2026年12月11日",
        ),
        procedure=ProcedureFacts(
            procedure="检验检测",
            reason="申请人自制饮用水的卫生指标需经检验检测确认",
            start_text="2026年11月23日",
            working_days=10,
            expected_end_text="2026年12月7日",
        ),
        delivery=DeliveryFacts(
            documents=("准予行政许可决定书（某审批许〔2026〕XC01第0019号）",
                       "食品经营许可证（JY13201250012345）"),
            recipient="某某县张记餐饮有限公司",
            method="窗口领取",
            place="县政务服务中心3号窗口",
            delivered_at_text="2026年11月23日 10:32",
            delivered_by="王芳",
            receiver="李四",
        ),
        guide=SAMPLE_GUIDE,
        tolerance_items=(MaterialLine(name="食品安全管理制度文本", form="原件", copies=1),),
        tolerance_deadline_text="2026年12月4日",
        promise_items=(MaterialLine(name="经营场所平面布局图", form="原件", copies=1),),
        inspection=SAMPLE_INSPECTION,
        agent_rows=tuple(
            AgentLedgerRow(
                registered_on_text=f"2026-11-{day:02d}", case_number=f"XC01-202611{day:02d}-00{day:02d}",
                villager="张三", matter_name="城乡居民养老保险参保登记",
                materials_text="申请表原件1份、户口簿复印件1份",
                hand_overs_text=f"11-{day:02d} 交乡镇站王军；11-{day + 1:02d} 交县中心赵敏",
                result_text="准予；11-25 短信通知", losses_text="" if day % 4 else "申请表原件1份（乡镇站王军保管期间）")
            for day in range(2, 12)),
        ledger_custodian_text="保管部门：某某县行政审批局；保管人：赵敏",
        ledger_period_text="2026年11月1日至2026年11月30日",
        ledger_seal_name="某某县行政审批局行政审批专用章（3201250012345）",
        ledger_rows=tuple(
            LedgerRow(
                sealed_at_text=f"2026-11-{day:02d} 10:{day:02d}",
                seal_name="某某县行政审批局受理专用章",
                case_number=f"XC01-202611{day:02d}-00{day:02d}",
                document_kind_label=DocumentKind.ACCEPTANCE_NOTICE.label,
                document_number=f"某审批受〔2026〕{day}号",
                sealed_by="赵敏",
                site="县政务服务中心3号窗口",
                document_sha256=f"{day:02d}" * 32,
                seal_kind_label="受理专用章",
                seal_serial="3201250012346",
                purpose="当场受理，出具受理通知书",
                copies=2,
            )
            for day in range(2, 12)
        ),
    )
    if kind is DocumentKind.REJECTION_NOTICE:
        context = dataclasses.replace(
            context,
            reasons=("申请事项为药品零售企业许可，依法不属于本机关职权范围。",),
            legal_basis=(),
            rejection_ground="outside_powers",
            redirect_authority="某某市市场监督管理局",
        )
    if kind is DocumentKind.AGENT_LEDGER:
        context = dataclasses.replace(context, authority_name="某某镇便民服务站",
                                      ledger_custodian_text="代办员：李梅（东关村便民服务室）")
    if kind is DocumentKind.APPROVAL_DECISION:
        # The provisions of the sample's reasons belong to the denial only.
        context = dataclasses.replace(context, legal_basis=())
    if kind in (DocumentKind.RESULT_NOTICE, DocumentKind.REFUSAL_NOTICE):
        context = dataclasses.replace(
            context,
            authority_name="某某县民政局",
            department_name="婚姻登记处",
            matter_name="婚姻登记档案查询",
            matter_type="public_service",
            matter_basis="《婚姻登记档案管理办法》第十四条",
            certificate_name="",
            permit_items=(LabeledValue(label="查询结果", value="已出具婚姻登记档案证明1份"),),
            reasons=("申请人不是婚姻当事人，也未提交当事人的授权委托书。",),
            legal_basis=(),
        )
    sealed_at = SAMPLE_SEALED_AT
    appearance = dataclasses.replace(SAMPLE_SEAL, authority_name=context.authority_name)
    if kind in _AT_THE_COUNTER:
        # Issued on the spot, the day the application came in, under the window's seal.
        context = dataclasses.replace(context, date_text="2026年11月20日")
        sealed_at = SAMPLE_COUNTER_SEALED_AT
        appearance = dataclasses.replace(SAMPLE_WINDOW_SEAL, authority_name=context.authority_name)
    if sealed and not draft and kind.requires_seal:
        context = seal_context(
            context, appearance=appearance, sealed_at_text=sealed_at,
            document_id=SAMPLE_DOCUMENT_ID, verification_code=SAMPLE_VERIFICATION_CODE,
            verification_base=SAMPLE_SERVER,
        )
    return context


def sample_missing_materials(count: int) -> tuple[MaterialLine, ...]:
    """``count`` distinct missing or defective materials, for long one-time notices."""
    return tuple(
        MaterialLine(
            name=f"第{i:02d}项申请材料",
            form="原件" if i % 2 else "复印件",
            copies=1 + i % 3,
            received=bool(i % 3),
            problem="" if not i % 3 else f"第{i:02d}项材料缺少经办人签字，且未加盖单位公章",
            needed=f"按办事指南第{i:02d}条的要求重新提供，复印件须注明“与原件一致”并签字",
        )
        for i in range(1, count + 1)
    )
