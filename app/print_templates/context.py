"""What a document is about: plain, frozen data with every field already formatted.

The services build a :class:`DocumentContext` from a case (dates as ``2026年11月23日``,
amounts as ``120.00元``, ID numbers already masked); the templates only arrange those
strings into sentences and the renderers only lay them out. Nothing here reads a
database, a clock or a setting.

One structure serves every document: the fields every official document has
(authority, number, applicant, matter, date, clerk, window, seal) plus the fields only
some documents use, each defaulting to empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DocumentKind(StrEnum):
    """The documents CounterDesk issues; the value is the stable code used in data and CLI."""

    RECEIPT = "receipt"
    ONE_TIME_NOTICE = "one_time_notice"
    ACCEPTANCE_NOTICE = "acceptance_notice"
    REJECTION_NOTICE = "rejection_notice"
    APPROVAL_DECISION = "approval_decision"
    DENIAL_DECISION = "denial_decision"
    # The result of a matter that is not 行政许可 (行政确认, 公共服务, 备案 ...).
    RESULT_NOTICE = "result_notice"
    REFUSAL_NOTICE = "refusal_notice"
    SEAL_LEDGER = "seal_ledger"
    EXTENSION_NOTICE = "extension_notice"
    SPECIAL_PROCEDURE_NOTICE = "special_procedure_notice"
    DELIVERY_RECEIPT = "delivery_receipt"
    # Before and around intake (issue 16): the guide handed out at consultation, the
    # 容缺受理 notice and the applicant's promise, the 告知承诺书, the joint inspection.
    SERVICE_GUIDE = "service_guide"
    TOLERANCE_NOTICE = "tolerance_notice"
    TOLERANCE_PROMISE = "tolerance_promise"
    NOTIFICATION_PROMISE = "notification_promise"
    JOINT_INSPECTION_RECORD = "joint_inspection_record"
    # A 代办员's ledger (一本台账): every villager's request, its hand-overs, its result.
    AGENT_LEDGER = "agent_ledger"

    @property
    def label(self) -> str:
        """The document's Chinese name, which is also its printed title."""
        return _KIND_LABELS[self]

    @property
    def requires_seal(self) -> bool:
        """Whether a final (non-draft) copy is only valid with the approval seal."""
        return self in _SEALED_KINDS

    @property
    def states_remedies(self) -> bool:
        """Whether the document must tell the applicant about 行政复议 and 行政诉讼."""
        return self in _REMEDY_KINDS

    @property
    def licensing_only(self) -> bool:
        """Whether only a 行政许可 matter can have this document (the 行政许可决定书)."""
        return self in (DocumentKind.APPROVAL_DECISION, DocumentKind.DENIAL_DECISION)


_KIND_LABELS = {
    DocumentKind.RECEIPT: "材料接收凭证",
    DocumentKind.ONE_TIME_NOTICE: "一次性告知书",
    DocumentKind.ACCEPTANCE_NOTICE: "受理通知书",
    DocumentKind.REJECTION_NOTICE: "不予受理通知书",
    DocumentKind.APPROVAL_DECISION: "准予行政许可决定书",
    DocumentKind.DENIAL_DECISION: "不予行政许可决定书",
    DocumentKind.RESULT_NOTICE: "办结通知书",
    DocumentKind.REFUSAL_NOTICE: "不予办理告知书",
    DocumentKind.SEAL_LEDGER: "用印登记簿",
    DocumentKind.EXTENSION_NOTICE: "延长办理期限告知书",
    DocumentKind.SPECIAL_PROCEDURE_NOTICE: "特别程序告知书",
    DocumentKind.DELIVERY_RECEIPT: "送达回证",
    DocumentKind.SERVICE_GUIDE: "办事指南",
    DocumentKind.TOLERANCE_NOTICE: "容缺受理通知书",
    DocumentKind.TOLERANCE_PROMISE: "容缺受理承诺书",
    DocumentKind.NOTIFICATION_PROMISE: "告知承诺书",
    DocumentKind.JOINT_INSPECTION_RECORD: "联合踏勘记录",
    DocumentKind.AGENT_LEDGER: "代办台账",
}

_REMEDY_KINDS = frozenset(
    {DocumentKind.REJECTION_NOTICE, DocumentKind.DENIAL_DECISION, DocumentKind.REFUSAL_NOTICE}
)

_SEALED_KINDS = frozenset(
    {
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
)


@dataclass(frozen=True, kw_only=True)
class SealAppearance:
    """How a seal looks, from its seal record: drawn, never a stock picture."""

    authority_name: str
    """Along the upper arc, e.g. ``某某县行政审批局``."""
    seal_title: str = "行政审批专用章"
    """Horizontal, below the star."""
    serial: str = ""
    """The seal's registration code, small at the bottom."""


@dataclass(frozen=True, kw_only=True)
class SealMark:
    """One recorded use of a seal on this document. Present only on sealed documents."""

    appearance: SealAppearance
    verification_code: str
    """``XXXX-XXXX-XXXX-XXXX``, a MAC made with the seal's key (:mod:`app.signing.codes`)."""
    case_number: str
    sealed_at_text: str
    """``2026年11月23日 10:32``: the legal completion time of a decided case."""
    document_id: str
    """The seal use's id, the document's id on the server's verification page."""
    verification_base: str = ""
    """The county server's URL the QR code points to; empty offline (see verification)."""


@dataclass(frozen=True, kw_only=True)
class MaterialLine:
    """One material of the matter's list, as received or as still needed."""

    name: str
    """The catalog's wording, e.g. ``营业执照``."""
    form: str = "原件"
    """``原件``, ``复印件`` or ``原件及复印件``."""
    copies: int = 1
    received: bool = True
    problem: str = ""
    """What is wrong with it (one-time notice); empty when received and in order."""
    needed: str = ""
    """What to bring instead, in the catalog's wording (one-time notice)."""
    note: str = ""

    @property
    def needs_correction(self) -> bool:
        """Missing or defective: it belongs on the one-time notice."""
        return not self.received or bool(self.problem)


@dataclass(frozen=True, kw_only=True)
class FeeLine:
    """A fee of the matter, paid at the unified fee window."""

    item: str
    amount_text: str
    """Already formatted, e.g. ``120.00元``."""
    basis: str = ""
    """The document that sets the fee, e.g. ``《某省定价目录》``."""


@dataclass(frozen=True, kw_only=True)
class LabeledValue:
    """A ``label：value`` line, e.g. the contents of a permit (许可证件名称、有效期限)."""

    label: str
    value: str


@dataclass(frozen=True, kw_only=True)
class LedgerRow:
    """One line of the seal usage ledger (用印登记簿)."""

    sealed_at_text: str
    seal_name: str
    case_number: str
    document_kind_label: str
    document_number: str
    sealed_by: str
    site: str
    """Station and window, e.g. ``县政务服务中心 3号窗口``."""
    document_sha256: str
    """Full hex digest; the ledger prints its first 16 characters."""
    seal_kind_label: str = ""
    """``审批专用章``, ``受理专用章`` or ``双章制窗口用章``."""
    seal_serial: str = ""
    purpose: str = ""
    """用印事由, e.g. ``当场受理，出具受理通知书``."""
    copies: int = 1
    """份数."""


@dataclass(frozen=True, kw_only=True)
class ExtensionFacts:
    """What a 延长办理期限告知书 states (行政许可法第四十二条)."""

    reason: str
    working_days: int
    approval_text: str
    """Who approved, e.g. ``经本机关负责人（局长 赵某）批准``."""
    decided_on_text: str
    original_completion_text: str = ""
    new_completion_text: str = ""
    provisional: bool = False
    article: str = "第四十二条第一款"
    """The 行政许可法 article relied on (第二款 for a 联合办理)."""
    other_law_basis: str = ""
    """The statute that provides otherwise (另有规定), cited instead of the article."""


@dataclass(frozen=True, kw_only=True)
class ProcedureFacts:
    """What a 特别程序告知书 states (第四十五条): the procedure and the time it needs."""

    procedure: str
    """``听证``, ``检验检测``, ``检疫``, ``鉴定``, ``专家评审``…"""
    reason: str = ""
    start_text: str
    working_days: int
    expected_end_text: str = ""


@dataclass(frozen=True, kw_only=True)
class DeliveryFacts:
    """What a 送达回证 records: which document, to whom, how, when."""

    documents: tuple[str, ...]
    """Each delivered document by name and 文号, e.g. ``准予行政许可决定书（…号）``."""
    recipient: str
    """受送达人: the applicant."""
    method: str
    place: str = ""
    delivered_at_text: str
    delivered_by: str
    """送达人: the clerk."""
    receiver: str = ""
    """Who signed for it, when not the applicant (代收人)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "documents", _as_tuple(self.documents))


@dataclass(frozen=True, kw_only=True)
class GuideFacts:
    """What a matter's 办事指南 publishes ("七公开"), each field formatted."""

    matter_type_label: str
    case_type_label: str
    basis: str
    conditions: str
    procedure: str
    materials: tuple[MaterialLine, ...]
    statutory_days_text: str
    promised_days_text: str
    fees: tuple[FeeLine, ...]
    place_and_hours: str
    form_templates: tuple[str, ...] = ()
    tolerance_names: tuple[str, ...] = ()
    """Materials the catalog allows missing under 容缺受理."""
    promise_names: tuple[str, ...] = ()
    """Proofs a signed 告知承诺 replaces."""

    def __post_init__(self) -> None:
        for name in ("materials", "fees", "form_templates", "tolerance_names",
                     "promise_names"):
            object.__setattr__(self, name, _as_tuple(getattr(self, name)))


@dataclass(frozen=True, kw_only=True)
class AgentLedgerRow:
    """One villager's request in a 代办员's ledger."""

    registered_on_text: str
    case_number: str
    villager: str
    matter_name: str
    materials_text: str
    """What the villager handed in, originals counted, e.g. ``申请书原件1份、身份证复印件1份``."""
    hand_overs_text: str
    """Each leg's date and receiver, e.g. ``11-23 交乡镇站王军；11-24 交县中心赵敏``."""
    result_text: str
    losses_text: str = ""
    """Originals missing and where (red flag for the reader)."""


@dataclass(frozen=True, kw_only=True)
class InspectionFacts:
    """What a 联合踏勘记录 records: when, where, who, each department's finding."""

    date_text: str
    place: str
    departments: tuple[tuple[str, str, str], ...]
    """(department, people, finding) for each participating department."""
    conclusion: str
    recorded_by: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "departments", _as_tuple(self.departments))


def _as_tuple(value: object) -> tuple[object, ...]:
    return value if isinstance(value, tuple) else tuple(value)  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class DocumentContext:
    """Everything one document says, formatted. See the module docstring."""

    kind: DocumentKind
    authority_name: str
    """The issuing authority, e.g. ``某某县行政审批局``: signs the document."""
    date_text: str
    """The document's date (成文日期), e.g. ``2026年11月23日``."""
    document_number: str = ""
    """文号, e.g. ``某审批受〔2026〕XC01第0001号``."""
    department_name: str = ""
    case_number: str = ""
    applicant_name: str = ""
    applicant_id_masked: str = ""
    agent_name: str = ""
    matter_name: str = ""
    matter_type: str = "licensing"
    """``MatterType`` value: only ``licensing`` documents cite the 行政许可法."""
    matter_basis: str = ""
    """The matter's own legal basis (设定依据), e.g. ``《中华人民共和国食品安全法》第三十五条``."""
    clerk_name: str = ""
    window_name: str = ""
    window_phone: str = ""
    seal: SealMark | None = None
    draft: bool = False

    # -- the application
    applied_on_text: str = ""
    """When the application was submitted."""
    accepted_on_text: str = ""
    """When it was accepted (受理日期)."""

    # -- receipt and one-time notice
    materials: tuple[MaterialLine, ...] = ()
    resubmission_address: str = ""
    """Where to bring the corrected materials (one-time notice)."""

    # -- acceptance notice
    promised_working_days: int | None = None
    promised_completion_text: str = ""
    completion_provisional: bool = False
    """The holiday calendar for that year is not published yet: the date is 暂定."""
    fees: tuple[FeeLine, ...] = ()
    tracking_text: str = ""
    evaluation_url: str = ""
    """Receipt: the QR code where the applicant rates the service (好差评) later."""
    """How to follow the case, e.g. ``凭受理编号在某某县政务服务网或拨打…查询``."""
    result_collection_text: str = ""
    """How the result is delivered, e.g. ``窗口领取`` or ``邮寄送达``."""

    # -- rejection notice and decisions
    reasons: tuple[str, ...] = ()
    legal_basis: tuple[str, ...] = ()
    """Provisions, e.g. ``《中华人民共和国行政许可法》第三十二条第一款第（二）项``."""
    redirect_authority: str = ""
    """The authority to apply to instead, when the matter is not within this one's powers."""
    rejection_ground: str = ""
    """``not_licensable`` (第三十二条第一款第（一）项), ``outside_powers`` (第（二）项) or
    ``other`` (the provision is in ``legal_basis``); empty for rejections recorded before."""
    reconsideration_body: str = ""
    """The department's 行政复议机关 (a named body, never a generic phrase)."""
    litigation_court: str = ""
    """The department's competent people's court."""
    reconsideration_first: bool = False
    """复议前置 (行政复议法 第二十三条): reconsideration before any litigation."""
    permit_items: tuple[LabeledValue, ...] = ()
    """Approval decision / result notice: what is granted (编号、有效期限、许可范围 ...)."""
    certificate_name: str = ""
    """The certificate issued (e.g. 食品经营许可证); empty: the decision itself is the proof."""

    # -- seal ledger
    ledger_period_text: str = ""
    ledger_seal_name: str = ""
    ledger_rows: tuple[LedgerRow, ...] = ()
    ledger_custodian_text: str = ""
    """Who keeps the seals and signs the ledger, e.g. ``保管部门：县市场监督管理局``."""

    # -- one-time notice
    supplement_deadline_text: str = ""
    """补正期限, e.g. ``2026年12月7日``."""

    # -- the notices of 第四十二条 and 第四十五条, and the delivery receipt
    extension: ExtensionFacts | None = None
    procedure: ProcedureFacts | None = None
    delivery: DeliveryFacts | None = None

    # -- before and around intake
    guide: GuideFacts | None = None
    tolerance_items: tuple[MaterialLine, ...] = ()
    """容缺受理: the owed materials (their form and copies)."""
    tolerance_deadline_text: str = ""
    promise_items: tuple[MaterialLine, ...] = ()
    """告知承诺制: the proofs the applicant's promise replaces."""
    inspection: InspectionFacts | None = None
    agent_rows: tuple[AgentLedgerRow, ...] = ()

    notes: tuple[str, ...] = field(default=())
    """Extra 附注 lines printed below the date."""

    def __post_init__(self) -> None:
        # Accept lists from callers but keep the context immutable (and hashable).
        for name in (
            "materials",
            "fees",
            "reasons",
            "legal_basis",
            "permit_items",
            "ledger_rows",
            "notes",
            "tolerance_items",
            "promise_items",
            "agent_rows",
        ):
            object.__setattr__(self, name, _as_tuple(getattr(self, name)))
        object.__setattr__(self, "kind", DocumentKind(self.kind))
        if self.draft and self.seal is not None:
            raise ValueError("a draft carries no seal")
        if self.kind.licensing_only and not self.licensing:
            raise ValueError(f"{self.kind.label}只适用于行政许可事项")
        if self.seal is not None and self.seal.case_number != self.case_number:
            raise ValueError("the seal use belongs to another case")

    @property
    def licensing(self) -> bool:
        """Whether the matter is a 行政许可 (its documents cite the 行政许可法)."""
        return self.matter_type == "licensing"

    @property
    def title(self) -> str:
        """The printed title: issuing authority + kind (GB/T 9704 7.3.1 发文机关 + 文种);
        a service guide is the matter's (``食品经营许可办事指南``)."""
        if self.kind is DocumentKind.SERVICE_GUIDE:
            return f"{self.matter_name}{self.kind.label}"
        return f"{self.authority_name}{self.kind.label}"

    @property
    def missing_materials(self) -> tuple[MaterialLine, ...]:
        """Materials that are missing or defective, in catalog order."""
        return tuple(m for m in self.materials if m.needs_correction)

    @property
    def received_materials(self) -> tuple[MaterialLine, ...]:
        """Materials handed over at the counter."""
        return tuple(m for m in self.materials if m.received)
