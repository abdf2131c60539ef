"""What a second-generation resident ID card (第二代居民身份证) holds, as a reader reports it.

A reader hands over text fields (GBK strings in the "termb" SDKs) and the holder's
photo. :func:`card_from_fields` turns them into an :class:`IdCard`, checked as strictly
as typed data: the number by GB 11643 (the same validator as the form), the name by the
applicant's rules, and the card's own facts against the number (gender, birth date) and
against today (the card's validity). A card that fails is refused with a
:class:`ValidationError` that says what, so a clerk types the data instead of trusting
a bad read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain.applicant import make_applicant
from app.domain.errors import ValidationError
from app.domain.identity import IdType, validate_resident_id

# What the card prints when a card never expires (持证人满46周岁签发).
LONG_TERM = "长期"


@dataclass(frozen=True)
class IdCard:
    """The facts read from a resident ID card; ``valid_until`` None means 长期."""

    name: str
    gender: str  # 男 | 女
    ethnicity: str  # 汉, 回, 维吾尔 ... (the card prints it without 族)
    birth_date: date
    address: str
    id_number: str
    issuing_authority: str
    valid_from: date
    valid_until: date | None
    photo: bytes = b""

    @property
    def validity_text(self) -> str:
        """The validity as the card prints it: "2015.03.01-2035.03.01" or "…-长期"."""
        end = self.valid_until.strftime("%Y.%m.%d") if self.valid_until else LONG_TERM
        return f"{self.valid_from:%Y.%m.%d}-{end}"

    def facts(self) -> dict[str, Any]:
        """The card's facts for the case's registration (the photo goes separately)."""
        return {
            "name": self.name, "gender": self.gender, "ethnicity": self.ethnicity,
            "birth_date": self.birth_date.isoformat(), "address": self.address,
            "id_number": self.id_number, "issuing_authority": self.issuing_authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else LONG_TERM,
        }


def _card_date(text: str, label: str, field: str) -> date:
    digits = "".join(ch for ch in text if ch.isdigit())
    try:
        if len(digits) != 8:
            raise ValueError(text)
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise ValidationError("card_date", f"读卡所得{label}“{text}”不是有效日期，请重新读卡。",
                              field=field) from None


def _clean(text: object) -> str:
    return " ".join(str(text or "").replace("\x00", "").split())


def card_from_fields(fields: dict[str, Any], *, photo: bytes = b"",
                     today: date | None = None) -> IdCard:
    """An :class:`IdCard` from the reader's raw fields, checked; refuses a bad or expired card.

    ``fields`` holds ``name``, ``gender``, ``ethnicity``, ``birth_date`` (YYYYMMDD),
    ``address``, ``id_number``, ``issuing_authority``, ``valid_from`` and ``valid_until``
    (YYYYMMDD or 长期). Error codes: ``card_date``, ``card_gender``, ``card_birth_date``,
    ``card_expired``, ``card_not_yet_valid``, and those of the number and name checks.
    """
    today = today or date.today()
    number = validate_resident_id(_clean(fields.get("id_number")), today=today,
                                  label="读卡所得身份证号码")
    name = _clean(fields.get("name"))
    # The name by the applicant's own rules (length, characters): one rule for both.
    make_applicant(kind="natural", name=name, id_type=IdType.RESIDENT_ID, id_number=number,
                   phone="13800000000", today=today)
    gender = _clean(fields.get("gender")).removesuffix("性")
    expected_gender = "男" if int(number[16]) % 2 else "女"
    if gender != expected_gender:
        raise ValidationError("card_gender", f"读卡所得性别“{gender}”与身份证号码不符，请重新读卡。",
                              field="id_number")
    birth = _card_date(_clean(fields.get("birth_date")), "出生日期", "id_number")
    if birth.strftime("%Y%m%d") != number[6:14]:
        raise ValidationError("card_birth_date", "读卡所得出生日期与身份证号码不符，请重新读卡。",
                              field="id_number")
    valid_from = _card_date(_clean(fields.get("valid_from")), "有效期起始日期", "id_number")
    end_text = _clean(fields.get("valid_until"))
    valid_until = None if end_text == LONG_TERM else _card_date(end_text, "有效期截止日期",
                                                                "id_number")
    if valid_from > today:
        raise ValidationError("card_not_yet_valid", "该身份证尚未到有效期起始日期，请核对证件。",
                              field="id_number")
    if valid_until is not None and valid_until < today:
        raise ValidationError(
            "card_expired",
            f"该身份证已于{valid_until:%Y年%m月%d日}过期，不能作为有效身份证件；"
            "请申请人出示有效证件（如临时身份证）。",
            field="id_number", valid_until=valid_until.isoformat())
    return IdCard(
        name=name, gender=gender, ethnicity=_clean(fields.get("ethnicity")).removesuffix("族"),
        birth_date=birth, address=_clean(fields.get("address")), id_number=number,
        issuing_authority=_clean(fields.get("issuing_authority")), valid_from=valid_from,
        valid_until=valid_until, photo=photo,
    )


def check_card_matches(card_facts: dict[str, Any], applicant: dict[str, Any]) -> None:
    """The card read belongs to the person registered: the same number and name.

    Refuses (``card_mismatch``) a registration whose ID number or name was changed after
    the card was read, so the card's photo never sits on another person's case.
    """
    if str(applicant.get("id_type", "")) != IdType.RESIDENT_ID.value:
        raise ValidationError("card_mismatch", "已读取的身份证与所填证件类型不符，请重新读卡或清除读卡信息。",
                              field="id_type")
    number = "".join(str(applicant.get("id_number", "")).split()).upper()
    name = "".join(str(applicant.get("name", "")).split())
    if number != card_facts.get("id_number") or name != "".join(
            str(card_facts.get("name", "")).split()):
        raise ValidationError("card_mismatch",
                              "申请人姓名或身份证号码与所读身份证不一致，请重新读卡或清除读卡信息。",
                              field="id_number")

