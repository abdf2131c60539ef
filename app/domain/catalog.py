"""The service catalog (办事指南): matters, their required materials and fees."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


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
        return cls(**values)


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    # 文号 pattern; placeholders {year} {station} {seq} (see numbering.format_document_number)
    document_number_pattern: str = "〔{year}〕{station}第{seq:04d}号"
    phone: str = ""
    extra: dict[str, str] = field(default_factory=dict)
