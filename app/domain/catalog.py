"""The service catalog (办事指南): matters, their required materials and fees."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from app.domain.errors import ValidationError
from app.domain.numbering import (
    DEFAULT_DOCUMENT_PATTERN,
    upgrade_legacy_pattern,
    validate_document_pattern,
    validate_document_prefix,
    validate_kind_codes,
)


class CaseType(StrEnum):
    """The seed regulations' 办件类型."""

    IMMEDIATE = "immediate"
    PROMISED = "promised"
    JOINT = "joint"
    FORWARDED = "forwarded"
    SUPPLEMENT = "supplement"
    RETURNED = "returned"
    SPECIAL = "special"

    @property
    def label(self) -> str:
        return CASE_TYPE_LABELS[self]


CASE_TYPE_LABELS: dict[CaseType, str] = {
    CaseType.IMMEDIATE: "即办件",
    CaseType.PROMISED: "承诺件",
    CaseType.JOINT: "联办件",
    CaseType.FORWARDED: "上报件",
    CaseType.SUPPLEMENT: "补办件",
    CaseType.RETURNED: "退回件",
    CaseType.SPECIAL: "特办件",
}


class MaterialForm(StrEnum):
    ORIGINAL = "original"
    COPY = "copy"
    BOTH = "both"

    @property
    def label(self) -> str:
        return {"original": "原件", "copy": "复印件", "both": "原件及复印件"}[self.value]


class MatterType(StrEnum):
    """The kind of power a matter exercises (事项类型): decides its documents' wording.

    Only 行政许可 matters get 行政许可法 documents (准予/不予行政许可决定书); every other
    type gets a result notice (办结通知书) or a refusal notice (不予办理告知书).
    """

    LICENSING = "licensing"
    CONFIRMATION = "confirmation"
    BENEFIT = "benefit"
    ADJUDICATION = "adjudication"
    OTHER_POWER = "other_power"
    PUBLIC_SERVICE = "public_service"
    FILING = "filing"

    @property
    def label(self) -> str:
        return MATTER_TYPE_LABELS[self]

    @property
    def is_licensing(self) -> bool:
        """Whether the 行政许可法 governs the matter's intake and decision."""
        return self is MatterType.LICENSING


MATTER_TYPE_LABELS: dict[MatterType, str] = {
    MatterType.LICENSING: "行政许可",
    MatterType.CONFIRMATION: "行政确认",
    MatterType.BENEFIT: "行政给付",
    MatterType.ADJUDICATION: "行政裁决",
    MatterType.OTHER_POWER: "其他行政权力",
    MatterType.PUBLIC_SERVICE: "公共服务",
    MatterType.FILING: "备案",
}


@dataclass(frozen=True)
class PermitField:
    """One field of the result the approver enters (证件编号、有效期限、许可范围 ...)."""

    code: str
    label: str
    required: bool = True
    hint: str = ""


def standard_permit_fields() -> tuple[PermitField, ...]:
    """The fields a licence certificate carries: number, validity, scope."""
    return (
        PermitField("number", "证件编号", True, "如 JY11305340012345"),
        PermitField("validity", "有效期限", True, "如 2026年12月1日至2031年11月30日"),
        PermitField("scope", "许可范围", True, "许可的项目或经营范围"),
    )


@dataclass(frozen=True)
class RequiredMaterial:
    """One material the guide asks for (名称、份数、原件/复印件, required or conditional)."""

    code: str
    name: str
    form: MaterialForm = MaterialForm.ORIGINAL
    copies: int = 1
    required: bool = True
    condition: str = ""  # for conditional materials: when it is needed
    description: str = ""  # the catalog's wording of what a valid material is


@dataclass(frozen=True)
class FeeItem:
    """A fee the matter charges, in fen, with its legal basis (收费依据)."""

    code: str
    name: str
    amount_fen: int
    basis: str


@dataclass(frozen=True)
class Matter:
    """A matter (事项) as its service guide publishes it ("七公开")."""

    code: str
    name: str
    department_code: str
    department_name: str
    case_type: CaseType
    statutory_working_days: int
    promised_working_days: int
    legal_basis: str = ""
    conditions: str = ""
    procedure: str = ""
    materials: tuple[RequiredMaterial, ...] = ()
    fee_items: tuple[FeeItem, ...] = ()
    site_inspection: bool = False
    # 即办件 the catalog marks as completed by one authorized window officer (一人办结).
    single_officer: bool = False
    # 联办件: the other departments that countersign (部门代码).
    joint_departments: tuple[str, ...] = ()
    active: bool = True
    version: int = 1
    matter_type: MatterType = MatterType.LICENSING
    # Last, so that positional catalogs (app/services/demo.py) keep their meaning.
    # The matter's legal basis excludes site inspection from the review time (otherwise
    # it is part of it, 行政许可法 第三十四条、第四十五条): only then may it stop the clock.
    site_inspection_excluded: bool = False
    # 复议前置 (行政复议法 第二十三条): a law requires reconsideration before litigation.
    reconsideration_first: bool = False
    # The certificate the result is (e.g. 食品经营许可证); empty: the decision itself.
    certificate_name: str = ""
    # What the approver enters about the result (证件编号、有效期限、许可范围 ...).
    permit_fields: tuple[PermitField, ...] = ()
    # 容缺受理: codes of the non-essential materials the case may be accepted without,
    # against the applicant's written promise (承诺书) to bring them by a deadline.
    tolerance_materials: tuple[str, ...] = ()
    # 告知承诺制 (国办发〔2020〕42号): codes of the proofs the applicant's signed promise
    # replaces; the promise is checked later and a broken one is recorded.
    promise_materials: tuple[str, ...] = ()
    # Where and when the matter is handled (办理地点和时间), as the guide prints it.
    service_place: str = ""
    # The application form templates (申请书格式文本) the guide hands out, by name.
    form_templates: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (events carry a snapshot of the matter)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Matter:
        """Rebuild a matter from :meth:`to_dict` output."""
        values = dict(data)
        values["case_type"] = CaseType(values["case_type"])
        values["materials"] = tuple(
            RequiredMaterial(**{**m, "form": MaterialForm(m["form"])})
            for m in values.get("materials", ())
        )
        values["fee_items"] = tuple(FeeItem(**f) for f in values.get("fee_items", ()))
        values["joint_departments"] = tuple(values.get("joint_departments", ()))
        # Snapshots made before matter types existed were all treated as 行政许可.
        values["matter_type"] = MatterType(values.get("matter_type") or MatterType.LICENSING)
        values["permit_fields"] = tuple(
            PermitField(**f) for f in values.get("permit_fields", ())
        )
        for name in ("tolerance_materials", "promise_materials", "form_templates"):
            values[name] = tuple(str(v) for v in values.get(name, ()) or ())
        return cls(**values)

    def materials_by_codes(self, codes: tuple[str, ...]) -> tuple[RequiredMaterial, ...]:
        """The guide's materials with these codes, in the guide's order."""
        return tuple(m for m in self.materials if m.code in codes)


# What an agent (代理人) brings besides the matter's own list (民法典 第一百六十五条:
# a written authorization names the agent, the matter, the powers and the term).
AGENT_AUTHORIZATION = RequiredMaterial(
    code="agent_authorization", name="授权委托书", form=MaterialForm.ORIGINAL, copies=1,
    required=True,
    description="申请人签名或盖章的授权委托书，载明代理人、委托事项、权限和期限",
)


def intake_materials(matter: Matter, *, with_agent: bool) -> tuple[RequiredMaterial, ...]:
    """The materials an application brings: the matter's list, plus the 授权委托书 when
    an agent applies (unless the guide already lists one)."""
    if with_agent and not any("委托书" in m.name for m in matter.materials):
        return (*matter.materials, AGENT_AUTHORIZATION)
    return matter.materials


# Vertically led bodies (行政复议法 第二十七条): their acts go to the department above.
VERTICAL_NAME_MARKS = ("税务", "海关", "金融监督管理", "外汇管理", "国家安全")


@dataclass(frozen=True)
class Department:
    """A department: its 文号 (GB/T 9704 7.2.4) and where its acts are challenged."""

    code: str
    name: str
    # 文号 pattern; placeholders {prefix} {kind} {year} {seq} (see numbering)
    document_number_pattern: str = DEFAULT_DOCUMENT_PATTERN
    phone: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    # 机关代字, e.g. 清市监 (清市监许〔2026〕6号).
    document_prefix: str = ""
    # 文种代字 overrides by document kind value (default: numbering.DEFAULT_KIND_CODES).
    kind_codes: dict[str, str] = field(default_factory=dict)
    # The station whose 文号 carry no station segment; every other station's do.
    numbering_station: str = ""
    # 行政复议机关 (第二十四条: the county government; 第二十七条: the department above).
    reconsideration_body: str = ""
    # The competent people's court (行政诉讼法 第十八条).
    litigation_court: str = ""
    # 垂直管理 (税务, 海关, 金融, 外汇, 国家安全): reconsideration goes up, not to the government.
    vertical: bool = False

    @property
    def remedies_configured(self) -> bool:
        """Whether a document that states remedies can name both bodies."""
        return bool(self.reconsideration_body.strip() and self.litigation_court.strip())

    def to_dict(self) -> dict[str, Any]:
        """The department as reference data carries it (synced to every station)."""
        data = asdict(self)
        data.pop("extra")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Department:
        """Rebuild from :meth:`to_dict`; older records lack the 文号 and remedy fields."""
        pattern, prefix = upgrade_legacy_pattern(
            str(data.get("document_number_pattern") or DEFAULT_DOCUMENT_PATTERN),
            str(data.get("document_prefix") or ""),
        )
        return cls(
            code=str(data["code"]),
            name=str(data["name"]),
            document_number_pattern=pattern,
            phone=str(data.get("phone") or ""),
            document_prefix=prefix,
            kind_codes={str(k): str(v) for k, v in (data.get("kind_codes") or {}).items()},
            numbering_station=str(data.get("numbering_station") or ""),
            reconsideration_body=str(data.get("reconsideration_body") or ""),
            litigation_court=str(data.get("litigation_court") or ""),
            vertical=bool(data.get("vertical", False)),
        )


_GENERIC_BODY_MARKS = ("有管辖权", "或", "上一级主管部门")


def validate_department(department: Department, *, require_prefix: bool = True) -> None:
    """Refuse a department whose 文号 or remedy bodies a legal officer would not sign.

    The 复议机关 is named, never a choice ("本级人民政府或上一级主管部门") nor a phrase
    ("有管辖权的行政复议机关"): 行政复议法 第二十条第三款 stretches the 60 days to a year
    when the body is not named. A county department's is the county government (第二十四条);
    a vertically led one's (第二十七条) is the department above, never a government.
    Empty bodies are allowed here; documents stating remedies are refused until set.
    """
    if not department.code.strip() or not department.name.strip():
        raise ValidationError("required", "部门编码和名称不能为空。", field="code")
    validate_document_pattern(department.document_number_pattern)
    if require_prefix or department.document_prefix:
        validate_document_prefix(department.document_prefix)
    validate_kind_codes(department.kind_codes)
    mark = next((m for m in VERTICAL_NAME_MARKS if m in department.name), "")
    if mark and not department.vertical:
        raise ValidationError(
            "department.vertical",
            f"“{department.name}”属于实行垂直领导的机关（{mark}），其行政复议机关为上一级主管部门"
            "（《中华人民共和国行政复议法》第二十七条），请勾选“垂直管理”。",
            field="vertical",
        )
    body = department.reconsideration_body.strip()
    if body:
        if any(m in body for m in _GENERIC_BODY_MARKS) and not department.vertical:
            raise ValidationError(
                "department.body_generic",
                "行政复议机关须写明具体机关名称（例如“清河县人民政府”），不能写作“有管辖权的…”"
                "或“…或…”。",
                field="reconsideration_body",
            )
        if any(m in body for m in ("有管辖权", "或")) and department.vertical:
            raise ValidationError(
                "department.body_generic",
                "行政复议机关须写明上一级主管部门的具体名称，例如“国家税务总局邢台市税务局”。",
                field="reconsideration_body",
            )
        if department.vertical and body.endswith("人民政府"):
            raise ValidationError(
                "department.body_vertical",
                "垂直管理机关的行政复议机关是上一级主管部门，不是人民政府"
                "（《中华人民共和国行政复议法》第二十七条）。",
                field="reconsideration_body",
            )
        if not department.vertical and not body.endswith("人民政府"):
            raise ValidationError(
                "department.body_government",
                "县级人民政府工作部门的行政复议机关是本级人民政府，例如“清河县人民政府”"
                "（《中华人民共和国行政复议法》第二十四条）。",
                field="reconsideration_body",
            )
    court = department.litigation_court.strip()
    if court and (not court.endswith("人民法院") or "有管辖权" in court):
        raise ValidationError(
            "department.court",
            "人民法院须写明具体名称，例如“清河县人民法院”。",
            field="litigation_court",
        )
