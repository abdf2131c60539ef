"""The applicant (申请人) of a case and the agent (代理人) who may act for them.

Values are frozen; :func:`make_applicant` (or :meth:`Applicant.validate`) checks every
field and returns a normalized copy. :meth:`Applicant.to_dict` is the JSON shape that
goes into event payloads; :meth:`Applicant.from_dict` reads it back without
re-validating, so an event recorded under older rules still replays.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.errors import ValidationError
from app.domain.identity import (
    PERSON_ID_TYPES,
    IdType,
    field_label,
    mask_id_number,
    mask_phone,
    parse_id_type,
    validate_id,
    validate_phone,
)

PERSON_NAME_LENGTH = (2, 50)
ORGANISATION_NAME_LENGTH = (2, 100)
ADDRESS_MAX_LENGTH = 200


class ApplicantKind(StrEnum):
    """Natural person (自然人) or legal person / other organisation (法人或其他组织)."""

    NATURAL = "natural"
    LEGAL = "legal"

    @property
    def label(self) -> str:
        """The Chinese name of the kind, as on application forms."""
        return {"natural": "自然人", "legal": "法人或其他组织"}[self.value]


def _clean_text(value: object, label: str, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError("bad_type", f"{label}格式不正确。", field=field)
    # Collapse runs of spaces (a foreign name may have single inner spaces).
    return " ".join(value.split())


# Ideographs of every CJK block GB 18030-2022 carries (URO, extensions A to H, the
# compatibility ideographs) and 〇: a name may use any of them, 𠮷 and 䶮 included.
_IDEOGRAPH_RANGES = (
    (0x3007, 0x3007),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
    (0x30000, 0x323AF),
)
_NAME_MARKS = frozenset("·-'. ")
"""Between the parts of a minority or foreign name (阿依古丽·买买提, Jean-Luc O'Neil)."""
_ORGANISATION_MARKS = frozenset("·-'. （）()、&＆，,")


def _is_ideograph(ch: str) -> bool:
    code = ord(ch)
    return any(low <= code <= high for low, high in _IDEOGRAPH_RANGES)


def _name_character_allowed(ch: str, *, organisation: bool) -> bool:
    if _is_ideograph(ch) or ("a" <= ch.lower() <= "z"):
        return True
    if organisation:
        return ch.isdigit() and ch.isascii() or ch in _ORGANISATION_MARKS
    return ch in _NAME_MARKS


def _check_name_characters(name: str, *, field: str, label: str, organisation: bool) -> None:
    """Refuse emoji, symbols, private-use and invisible characters in a name: they are
    no characters of GB 18030's repertoire a register or a document can carry."""
    bad = dict.fromkeys(
        ch for ch in name if not _name_character_allowed(ch, organisation=organisation)
    )
    if bad:
        shown = "、".join(
            f"“{ch}”（U+{ord(ch):04X}）" if ch.isprintable() else f"不可见字符（U+{ord(ch):04X}）"
            for ch in bad
        )
        allowed = "汉字、字母、数字和括号等常用标点" if organisation else "汉字、字母和间隔号“·”"
        raise ValidationError(
            "name_characters",
            f"{label}含有不能使用的字符：{shown}。{label}只能使用{allowed}。",
            field=field,
            characters="".join(bad),
        )


def _validate_name(
    value: object,
    *,
    field: str,
    label: str,
    length: tuple[int, int] = PERSON_NAME_LENGTH,
    organisation: bool = False,
) -> str:
    name = _clean_text(value, label, field)
    if not name:
        raise ValidationError("required", f"请填写{label}。", field=field)
    _check_name_characters(name, field=field, label=label, organisation=organisation)
    shortest, longest = length
    if not shortest <= len(name) <= longest:
        raise ValidationError(
            "name_length",
            f"{label}长度不正确：应为{shortest}至{longest}个字，实为{len(name)}个字。",
            field=field,
            length=len(name),
        )
    return name


def _validate_address(value: object, *, field: str) -> str:
    label = field_label(field, "地址")
    address = _clean_text(value, label, field)
    if len(address) > ADDRESS_MAX_LENGTH:
        raise ValidationError(
            "address_length",
            f"{label}过长：最多{ADDRESS_MAX_LENGTH}个字，实为{len(address)}个字。",
            field=field,
            length=len(address),
        )
    return address


@dataclass(frozen=True)
class Person:
    """A natural person: an agent, or the person behind a natural-person applicant."""

    name: str
    id_type: IdType
    id_number: str
    phone: str
    address: str = ""

    def validate(self, *, prefix: str = "", today: date | None = None) -> Person:
        """Check every field and return a normalized copy.

        ``prefix`` goes in front of every field name in errors ("agent_" for the
        agent), which also makes messages say 代理人 instead of 申请人.
        """
        id_type = parse_id_type(self.id_type, field=f"{prefix}id_type")
        if id_type not in PERSON_ID_TYPES:
            raise ValidationError(
                "id_type_not_for_person",
                f"{field_label(f'{prefix}id_type', '证件类型')}不能是{id_type.label}"
                "：自然人须使用身份证件。",
                field=f"{prefix}id_type",
            )
        return Person(
            name=_validate_name(
                self.name, field=f"{prefix}name", label=field_label(f"{prefix}name", "姓名")
            ),
            id_type=id_type,
            id_number=validate_id(id_type, self.id_number, field=f"{prefix}id_number", today=today),
            phone=validate_phone(self.phone, field=f"{prefix}phone"),
            address=_validate_address(self.address, field=f"{prefix}address"),
        )

    @property
    def masked_id(self) -> str:
        """The ID number with its middle hidden, for screens and printed notices."""
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        """The phone number with its middle hidden."""
        return mask_phone(self.phone)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for event payloads."""
        return {
            "name": self.name,
            "id_type": str(self.id_type),
            "id_number": self.id_number,
            "phone": self.phone,
            "address": self.address,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Person:
        """Read :meth:`to_dict`'s output back (structure only, no re-validation)."""
        return cls(
            name=str(data.get("name", "")),
            id_type=parse_id_type(data.get("id_type", IdType.RESIDENT_ID)),
            id_number=str(data.get("id_number", "")),
            phone=str(data.get("phone", "")),
            address=str(data.get("address", "")),
        )


@dataclass(frozen=True)
class Applicant:
    """The applicant of a case: a natural person, or a legal person identified by USCC."""

    kind: ApplicantKind
    name: str
    id_type: IdType
    id_number: str
    phone: str
    address: str
    legal_representative: str = ""
    agent: Person | None = None

    def validate(self, *, today: date | None = None) -> Applicant:
        """Check every field (and the agent's, as ``agent_*``) and return a normalized copy.

        A natural person needs a name of 2-50 characters and any personal ID document;
        a legal person needs a name of 2-100 characters and a 统一社会信用代码, and may
        name its legal representative.
        """
        kind = parse_applicant_kind(self.kind)
        id_type = parse_id_type(self.id_type)
        if kind is ApplicantKind.LEGAL:
            if id_type is not IdType.USCC:
                raise ValidationError(
                    "legal_requires_uscc",
                    f"申请人证件类型不能是{id_type.label}：法人或其他组织须使用统一社会信用代码。",
                    field="id_type",
                )
            name = _validate_name(
                self.name,
                field="name",
                label="申请人名称",
                length=ORGANISATION_NAME_LENGTH,
                organisation=True,
            )
            representative = _clean_text(
                self.legal_representative, "法定代表人姓名", "legal_representative"
            )
            if representative:
                representative = _validate_name(
                    representative, field="legal_representative", label="法定代表人姓名"
                )
        else:
            if id_type not in PERSON_ID_TYPES:
                raise ValidationError(
                    "id_type_not_for_person",
                    f"申请人证件类型不能是{id_type.label}：自然人须使用身份证件。",
                    field="id_type",
                )
            name = _validate_name(self.name, field="name", label="申请人姓名")
            representative = _clean_text(
                self.legal_representative, "法定代表人姓名", "legal_representative"
            )
            if representative:
                raise ValidationError(
                    "legal_representative_not_applicable",
                    "申请人是自然人，不应填写法定代表人。",
                    field="legal_representative",
                )
        agent = self.agent.validate(prefix="agent_", today=today) if self.agent else None
        return replace(
            self,
            kind=kind,
            name=name,
            id_type=id_type,
            id_number=validate_id(id_type, self.id_number, field="id_number", today=today),
            phone=validate_phone(self.phone, field="phone"),
            address=_validate_address(self.address, field="address"),
            legal_representative=representative,
            agent=agent,
        )

    @property
    def masked_id(self) -> str:
        """The ID number or credit code with its middle hidden."""
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        """The phone number with its middle hidden."""
        return mask_phone(self.phone)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for event payloads; ``agent`` is a nested dict or None."""
        return {
            "kind": str(self.kind),
            "name": self.name,
            "id_type": str(self.id_type),
            "id_number": self.id_number,
            "phone": self.phone,
            "address": self.address,
            "legal_representative": self.legal_representative,
            "agent": self.agent.to_dict() if self.agent else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Applicant:
        """Read :meth:`to_dict`'s output back (structure only, no re-validation).

        A missing ``id_type`` defaults to the kind's usual document (居民身份证 or
        统一社会信用代码); unknown kinds and document types are refused.
        """
        kind = parse_applicant_kind(data.get("kind", ApplicantKind.NATURAL))
        default_type = IdType.USCC if kind is ApplicantKind.LEGAL else IdType.RESIDENT_ID
        agent = data.get("agent")
        if agent is not None and not isinstance(agent, Mapping):
            raise ValidationError("bad_payload", "代理人信息格式不正确。", field="agent")
        return cls(
            kind=kind,
            name=str(data.get("name", "")),
            id_type=parse_id_type(data.get("id_type", default_type)),
            id_number=str(data.get("id_number", "")),
            phone=str(data.get("phone", "")),
            address=str(data.get("address", "")),
            legal_representative=str(data.get("legal_representative", "")),
            agent=Person.from_dict(agent) if agent is not None else None,
        )


def parse_applicant_kind(value: object) -> ApplicantKind:
    """The :class:`ApplicantKind` named by ``value``, refusing anything else."""
    try:
        return ApplicantKind(str(value))
    except ValueError:
        raise ValidationError(
            "applicant_kind",
            f"申请人类型“{value}”无效：应为自然人或法人或其他组织。",
            field="kind",
        ) from None


def make_applicant(
    *,
    kind: ApplicantKind | str,
    name: str,
    id_type: IdType | str,
    id_number: str,
    phone: str,
    address: str = "",
    legal_representative: str = "",
    agent: Person | None = None,
    today: date | None = None,
) -> Applicant:
    """Build an applicant from form input, validated and normalized (see
    :meth:`Applicant.validate`)."""
    return Applicant(
        kind=parse_applicant_kind(kind),
        name=name,
        id_type=parse_id_type(id_type),
        id_number=id_number,
        phone=phone,
        address=address,
        legal_representative=legal_representative,
        agent=agent,
    ).validate(today=today)


def same_name(first: str, second: str) -> bool:
    """Whether two applicant names are the same name (spaces and full-width forms aside)."""
    def fold(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).split())
    return fold(first) == fold(second)


def check_known_identity(*, previous_name: str, name: str, reason: str,
                         id_label: str) -> dict[str, str] | None:
    """The same ID number under another name needs a reason (更名、录入错误 ...).

    Returns the note the registration records (``previous_name``, ``reason``), or None
    when the names agree; refuses a different name without a reason.
    """
    if not previous_name or same_name(previous_name, name):
        return None
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError(
            "applicant_name_differs",
            f"该{id_label}此前登记的名称为“{previous_name}”，与本次填写的“{name}”不一致。"
            "请核对证件；确属更名等情况的，请填写原因并确认。",
            field="name", previous_name=previous_name,
        )
    return {"previous_name": previous_name, "reason": reason}
