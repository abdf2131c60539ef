"""Applicant identity: ID document numbers, credit codes and telephone numbers.

Every validator takes what a clerk typed or a card reader produced, returns it in
normal form (upper case, no spaces, full-width characters folded to ASCII), and
refuses anything malformed with a :class:`ValidationError` whose ``code`` says what is
wrong, whose ``field`` names the form field, and whose message names the field in
Chinese ("申请人身份证号码校验位不符…"; never the character that would pass).

Standards followed:

- 居民身份证号码: GB 11643-1999 (ISO 7064 MOD 11-2 check character);
- 统一社会信用代码: GB 32100-2015 (MOD 31 check character);
- travel documents and passports have no public checksum, only a format.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum

from app.domain.errors import ValidationError


class IdType(StrEnum):
    """Kinds of identity document accepted at the counter (证件类型)."""

    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAO_PERMIT = "hk_macao_permit"
    TAIWAN_PERMIT = "taiwan_permit"
    HK_MACAO_RESIDENCE = "hk_macao_residence"
    USCC = "uscc"

    @property
    def label(self) -> str:
        """The document's Chinese name as printed on forms."""
        return ID_TYPE_LABELS[self]


ID_TYPE_LABELS: dict[IdType, str] = {
    IdType.RESIDENT_ID: "居民身份证",
    IdType.PASSPORT: "护照",
    IdType.HK_MACAO_PERMIT: "港澳居民来往内地通行证",
    IdType.TAIWAN_PERMIT: "台湾居民来往大陆通行证",
    IdType.HK_MACAO_RESIDENCE: "港澳居民居住证",
    IdType.USCC: "统一社会信用代码",
}

# Documents a natural person can identify with; USCC identifies organisations only.
PERSON_ID_TYPES: frozenset[IdType] = frozenset(set(IdType) - {IdType.USCC})

# The noun used in messages for each document's number.
_NUMBER_NOUNS: dict[IdType, str] = {
    IdType.RESIDENT_ID: "身份证号码",
    IdType.PASSPORT: "护照号码",
    IdType.HK_MACAO_PERMIT: "港澳居民来往内地通行证号码",
    IdType.TAIWAN_PERMIT: "台湾居民来往大陆通行证号码",
    IdType.HK_MACAO_RESIDENCE: "港澳居民居住证号码",
    IdType.USCC: "统一社会信用代码",
}

# Field-name prefixes and whose data the field holds, so that one validator can
# name "申请人…" or "代理人…" in its message.
_FIELD_OWNERS: tuple[tuple[str, str], ...] = (
    ("agent_", "代理人"),
    ("legal_representative_", "法定代表人"),
)


def field_label(field: str, noun: str) -> str:
    """The Chinese name of a form field: whose it is (from the field's prefix) plus ``noun``.

    ``field_label("agent_phone", "联系电话")`` is "代理人联系电话"; a field without a
    known prefix belongs to the applicant.
    """
    for prefix, owner in _FIELD_OWNERS:
        if field.startswith(prefix):
            return owner + noun
    return "申请人" + noun


def _normalize(value: str) -> str:
    """Fold full-width characters to ASCII, drop every space, upper-case."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(folded.split()).upper()


def _require(value: object, label: str, field: str) -> str:
    if not isinstance(value, str):
        raise ValidationError("bad_type", f"{label}格式不正确。", field=field)
    normalized = _normalize(value)
    if not normalized:
        raise ValidationError("required", f"请填写{label}。", field=field)
    return normalized


# --- 居民身份证 (GB 11643-1999) ---------------------------------------------------

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_CHARS = "10X98765432"

# First two digits of GB/T 2260 region codes: the 31 mainland provinces, Taiwan,
# Hong Kong and Macao.
PROVINCE_CODES: frozenset[str] = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23"}
    | {"31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54"}
    | {"61", "62", "63", "64", "65", "71", "81", "82"}
)
# 港澳居民居住证 numbers use the GB 11643 layout with these fixed region prefixes.
HK_MACAO_RESIDENCE_REGIONS: frozenset[str] = frozenset({"810000", "820000"})

_EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character (0-9 or X) for the first 17 digits of an ID number."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True)
    )
    return RESIDENT_ID_CHECK_CHARS[total % 11]


def _validate_gb11643(
    value: object,
    *,
    field: str,
    label: str,
    today: date | None,
    regions: frozenset[str] | None,
) -> str:
    number = _require(value, label, field)
    if len(number) != 18:
        raise ValidationError(
            "id_length",
            f"{label}位数错误：应为18位，实为{len(number)}位。",
            field=field,
            length=len(number),
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            "id_chars",
            f"{label}含有无效字符：前17位应为数字，最后一位应为数字或X。",
            field=field,
        )
    if regions is None:
        if number[:2] not in PROVINCE_CODES:
            raise ValidationError(
                "id_region",
                f"{label}地址码错误：“{number[:6]}”不是有效的行政区划代码。",
                field=field,
                region=number[:6],
            )
    elif number[:6] not in regions:
        expected = "或".join(sorted(regions))
        raise ValidationError(
            "id_region",
            f"{label}地址码错误：应为{expected}，实为{number[:6]}。",
            field=field,
            region=number[:6],
        )
    today = today or date.today()
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth = None
    if birth is None or not _EARLIEST_BIRTH_DATE <= birth <= today:
        raise ValidationError(
            "id_birth_date",
            f"{label}出生日期错误：“{number[6:14]}”不是有效的出生日期。",
            field=field,
            birth_date=number[6:14],
        )
    expected_check = resident_id_check_char(number[:17])
    if number[17] != expected_check:
        raise ValidationError(
            "id_check_digit",
            # Never the "right" character: a clerk would change the last digit to it and
            # so turn a mistyped number into a valid-looking wrong one.
            f"{label}校验位不符，号码有误：请对照证件逐位核对后重新输入。",
            field=field,
        )
    return number


def validate_resident_id(
    value: str, *, field: str = "id_number", today: date | None = None, label: str | None = None
) -> str:
    """Validate an 18-character 居民身份证号码 (GB 11643-1999) and return it normalized.

    Checked in order, each with its own error code: length (``id_length``), characters
    (``id_chars``: 17 digits then a digit or X; lower-case x is accepted), region
    prefix (``id_region``: a real province code), birth date (``id_birth_date``: a real
    date from 1900 up to ``today``), and the MOD 11-2 check character
    (``id_check_digit``). ``label`` overrides the field's Chinese name in messages.
    """
    return _validate_gb11643(
        value,
        field=field,
        label=label or field_label(field, "身份证号码"),
        today=today,
        regions=None,
    )


def validate_hk_macao_residence(
    value: str, *, field: str = "id_number", today: date | None = None, label: str | None = None
) -> str:
    """Validate a 港澳居民居住证 number: GB 11643 layout with region 810000 or 820000."""
    return _validate_gb11643(
        value,
        field=field,
        label=label or field_label(field, "港澳居民居住证号码"),
        today=today,
        regions=HK_MACAO_RESIDENCE_REGIONS,
    )


def birth_date_from_resident_id(value: str, *, today: date | None = None) -> date:
    """The holder's date of birth, read from a valid resident ID number."""
    number = validate_resident_id(value, today=today)
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def gender_from_resident_id(value: str, *, today: date | None = None) -> str:
    """The holder's gender, "男" or "女": the 17th digit is odd for men, even for women."""
    number = validate_resident_id(value, today=today)
    return "男" if int(number[16]) % 2 else "女"


# --- 统一社会信用代码 (GB 32100-2015) ---------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authority codes (登记管理部门代码): 1 机构编制 … 9 工商, A-G for
# authorities added by the standard's maintenance, N 农业农村 (rural collective
# economic organisations, N1-N3 codes are issued), Y 其他.
USCC_AUTHORITY_CODES = frozenset("123456789ABCDEFGNY")
# Organisation type codes (机构类别代码) assigned under every authority are digits.
USCC_TYPE_CODES = frozenset("123456789")


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    total = sum(
        USCC_ALPHABET.index(char) * weight
        for char, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str, *, field: str = "id_number", label: str | None = None) -> str:
    """Validate an 18-character 统一社会信用代码 (GB 32100-2015) and return it normalized.

    Error codes: ``uscc_length``, ``uscc_chars`` (only 0-9 and A-Z without I, O, Z, S,
    V), ``uscc_authority`` (first character), ``uscc_type`` (second character),
    ``uscc_region`` (characters 3-8 must be digits) and ``uscc_check_digit``.
    """
    label = label or field_label(field, "统一社会信用代码")
    code = _require(value, label, field)
    if len(code) != 18:
        raise ValidationError(
            "uscc_length",
            f"{label}位数错误：应为18位，实为{len(code)}位。",
            field=field,
            length=len(code),
        )
    bad = sorted({char for char in code if char not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            "uscc_chars",
            f"{label}含有无效字符：{'、'.join(bad)}（不使用I、O、Z、S、V）。",
            field=field,
            chars=bad,
        )
    if code[0] not in USCC_AUTHORITY_CODES:
        raise ValidationError(
            "uscc_authority",
            f"{label}第1位登记管理部门代码“{code[0]}”无效。",
            field=field,
            authority=code[0],
        )
    if code[1] not in USCC_TYPE_CODES:
        raise ValidationError(
            "uscc_type",
            f"{label}第2位机构类别代码“{code[1]}”无效。",
            field=field,
            type_code=code[1],
        )
    if not code[2:8].isdigit():
        raise ValidationError(
            "uscc_region",
            f"{label}第3至8位行政区划码应为数字，实为“{code[2:8]}”。",
            field=field,
            region=code[2:8],
        )
    expected_check = uscc_check_char(code[:17])
    if code[17] != expected_check:
        raise ValidationError(
            "uscc_check_digit",
            f"{label}校验位不符，代码有误：请对照营业执照逐位核对后重新输入。",
            field=field,
        )
    return code


# --- passports and travel permits (format only) ---------------------------------

# Chinese passports: ordinary e-passports E + 8 digits, E + letter + 7 digits once the
# E-numbers ran out, older G + 8 digits; diplomatic/service/public-affairs D, S, P.
CHINESE_PASSPORT_RE = re.compile(r"^(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7}|[DSP]E?\d{7})$")
# Any passport in the world: ICAO 9303 allows up to 9 characters in the MRZ, but
# national numbers printed on the page may be longer; 5-17 letters and digits.
PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,17}$")
# 回乡证: H (Hong Kong) or M (Macao) + 8 digits; old booklets + 10 digits.
HK_MACAO_PERMIT_RE = re.compile(r"^[HM](?:\d{8}|\d{10})$")
# 台胞证: 8 digits on the card since 2015; old booklets 10 characters.
TAIWAN_PERMIT_RE = re.compile(r"^\d{8}(?:[0-9A-Z]{2})?$")


def validate_passport(
    value: str, *, field: str = "id_number", chinese: bool = False, label: str | None = None
) -> str:
    """Validate a passport number: 5-17 letters and digits; a Chinese one by its series.

    With ``chinese=True`` the number must be a People's Republic of China passport
    (E or G + 8 digits, E + letter + 7 digits, or D/S/P official series). Error code
    ``passport_format``.
    """
    label = label or field_label(field, "护照号码")
    number = _require(value, label, field)
    pattern, expected = (
        (CHINESE_PASSPORT_RE, "E或G加8位数字") if chinese else (PASSPORT_RE, "5至17位字母或数字")
    )
    if not pattern.match(number):
        raise ValidationError(
            "passport_format", f"{label}格式不正确：应为{expected}。", field=field
        )
    return number


def validate_hk_macao_permit(
    value: str, *, field: str = "id_number", label: str | None = None
) -> str:
    """Validate a 港澳居民来往内地通行证 number: H or M + 8 (or old 10) digits."""
    label = label or field_label(field, "港澳居民来往内地通行证号码")
    number = _require(value, label, field)
    if not HK_MACAO_PERMIT_RE.match(number):
        raise ValidationError(
            "hk_macao_permit_format",
            f"{label}格式不正确：应为H或M加8位（旧证10位）数字。",
            field=field,
        )
    return number


def validate_taiwan_permit(
    value: str, *, field: str = "id_number", label: str | None = None
) -> str:
    """Validate a 台湾居民来往大陆通行证 number: 8 digits (old booklets: 10 characters)."""
    label = label or field_label(field, "台湾居民来往大陆通行证号码")
    number = _require(value, label, field)
    if not TAIWAN_PERMIT_RE.match(number):
        raise ValidationError(
            "taiwan_permit_format",
            f"{label}格式不正确：应为8位数字（旧证10位）。",
            field=field,
        )
    return number


def parse_id_type(value: object, *, field: str = "id_type") -> IdType:
    """The :class:`IdType` named by ``value`` (its code), refusing unknown kinds."""
    try:
        return IdType(str(value))
    except ValueError:
        raise ValidationError(
            "id_type", f"{field_label(field, '证件类型')}“{value}”无效。", field=field
        ) from None


def validate_id(
    id_type: IdType | str, value: str, *, field: str = "id_number", today: date | None = None
) -> str:
    """Validate ``value`` as a number of the given document type and return it normalized."""
    type_field = (
        field.removesuffix("id_number") + "id_type" if field.endswith("id_number") else "id_type"
    )
    kind = parse_id_type(id_type, field=type_field)
    label = field_label(field, _NUMBER_NOUNS[kind])
    match kind:
        case IdType.RESIDENT_ID:
            return validate_resident_id(value, field=field, today=today, label=label)
        case IdType.HK_MACAO_RESIDENCE:
            return validate_hk_macao_residence(value, field=field, today=today, label=label)
        case IdType.PASSPORT:
            return validate_passport(value, field=field, label=label)
        case IdType.HK_MACAO_PERMIT:
            return validate_hk_macao_permit(value, field=field, label=label)
        case IdType.TAIWAN_PERMIT:
            return validate_taiwan_permit(value, field=field, label=label)
        case IdType.USCC:
            return validate_uscc(value, field=field, label=label)
    raise AssertionError(kind)  # pragma: no cover - every IdType is handled above


# --- telephone numbers ----------------------------------------------------------

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Area codes: 010 and 02x have three digits, every other (03xx-09xx) four. The
# local number starts with 2-9; an extension follows "-" or "转".
LANDLINE_RE = re.compile(
    r"^\(?(?P<area>010|02\d|0[3-9]\d{2})\)?-?(?P<number>[2-9]\d{6,7})"
    r"(?:(?:-|转)(?P<extension>\d{1,6}))?$"
)


def _phone_text(value: object, label: str, field: str) -> str:
    text = _require(value, label, field)
    for prefix in ("+86", "0086"):
        if text.startswith(prefix) and len(text) > len(prefix) + 10:
            text = text.removeprefix(prefix)
    return text


def validate_mobile(value: str, *, field: str = "phone", label: str | None = None) -> str:
    """Validate a mainland mobile number: 11 digits starting 13-19; spaces, hyphens and a
    +86 prefix are dropped. Error code ``mobile_format``."""
    label = label or field_label(field, "手机号码")
    text = _phone_text(value, label, field)
    digits = text.replace("-", "")
    if not MOBILE_RE.match(digits):
        raise ValidationError(
            "mobile_format",
            f"{label}格式不正确：应为以13至19开头的11位数字。",
            field=field,
        )
    return digits


def validate_landline(value: str, *, field: str = "phone", label: str | None = None) -> str:
    """Validate a fixed-line number with area code, e.g. "0571-87654321转123".

    The area code (010, 02x or 0xxx) may be followed by a hyphen or wrapped in
    brackets; the local number has 7 or 8 digits; an optional extension follows "-"
    or "转". Returned as "区号-号码" plus "转分机". Error code ``landline_format``.
    """
    label = label or field_label(field, "固定电话")
    text = _phone_text(value, label, field)
    match = LANDLINE_RE.match(text)
    if not match:
        raise ValidationError(
            "landline_format",
            f"{label}格式不正确：应为区号加7至8位号码，如0571-87654321。",
            field=field,
        )
    normalized = f"{match['area']}-{match['number']}"
    if match["extension"]:
        normalized += f"转{match['extension']}"
    return normalized


def validate_phone(value: str, *, field: str = "phone", label: str | None = None) -> str:
    """Validate a contact number that may be a mobile or a landline; return it normalized.

    A number starting with 1 is judged as a mobile, one starting with 0 (or a bracket)
    as a landline, so the message says what is wrong with the number actually typed.
    Anything else is refused with ``phone_format``.
    """
    label = label or field_label(field, "联系电话")
    text = _phone_text(value, label, field)
    if text.startswith("1"):
        return validate_mobile(text, field=field, label=label)
    if text.startswith(("0", "(")):
        return validate_landline(text, field=field, label=label)
    raise ValidationError(
        "phone_format",
        f"{label}格式不正确：应为11位手机号码或带区号的固定电话。",
        field=field,
    )


# --- masking for display and print ----------------------------------------------


def mask_id_number(value: str) -> str:
    """Hide the middle of an ID number: "110101********1234" for 18 characters.

    Numbers of 15 or more characters keep their first 6 and last 4 (the region code
    and the tail, as is customary); shorter ones (passports, permits) keep 2 and 2,
    very short ones 1 and 1, so at least half of the number is always hidden.
    """
    number = "".join(value.split())
    length = len(number)
    if length >= 15:
        head, tail = 6, 4
    elif length >= 7:
        head, tail = 2, 2
    elif length >= 3:
        head, tail = 1, 1
    else:
        return "*" * length
    return number[:head] + "*" * (length - head - tail) + number[length - tail :]


def id_number_tail(value: str) -> str:
    """The last 4 characters of an ID number, upper case: what the masked list shows of
    a long number and what a clerk types to find it ("123X")."""
    number = "".join(value.split()).upper()
    return number[-4:] if len(number) >= 15 else ""


def mask_phone(value: str) -> str:
    """Hide the middle of a phone number: "138****5678"; landlines keep their area code
    and the last 4 digits ("0571-****4321")."""
    text = "".join(unicodedata.normalize("NFKC", value).split())
    digits = text.replace("-", "")
    if MOBILE_RE.match(digits):
        return digits[:3] + "****" + digits[7:]
    match = LANDLINE_RE.match(text)
    if match:
        number = match["number"]
        masked = f"{match['area']}-" + "*" * (len(number) - 4) + number[-4:]
        if match["extension"]:
            masked += f"转{match['extension']}"
        return masked
    if len(text) > 4:
        return "*" * (len(text) - 4) + text[-4:]
    return "*" * len(text)


def mask_name(name: str, *, organisation: bool = False) -> str:
    """A person's name as a public page may show it: "张*", "张*明", "欧阳**锋".

    The first character and, from three characters on, the last stay; an
    organisation's name is public (it is on its licence) and stays whole."""
    text = "".join(name.split()) if not organisation else name.strip()
    if organisation or len(text) <= 1:
        return text
    if len(text) == 2:
        return text[0] + "*"
    return text[0] + "*" * (len(text) - 2) + text[-1]
