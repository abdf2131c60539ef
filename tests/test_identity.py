"""ID numbers, credit codes and phone numbers: valid and invalid vectors from the standards.

Check characters are computed here from the published algorithms (GB 11643-1999,
GB 32100-2015), independently of the module under test.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.errors import ValidationError
from app.domain.identity import (
    ID_TYPE_LABELS,
    PERSON_ID_TYPES,
    IdType,
    birth_date_from_resident_id,
    gender_from_resident_id,
    mask_id_number,
    mask_phone,
    validate_hk_macao_permit,
    validate_hk_macao_residence,
    validate_id,
    validate_landline,
    validate_mobile,
    validate_passport,
    validate_phone,
    validate_resident_id,
    validate_taiwan_permit,
    validate_uscc,
)

TODAY = date(2026, 11, 23)


def gb11643(first17: str) -> str:
    """The full number: ISO 7064 MOD 11-2 with the weights 2^(17-i) mod 11."""
    weights = [pow(2, 17 - i, 11) for i in range(17)]
    assert weights == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    remainder = sum(int(c) * w for c, w in zip(first17, weights, strict=True)) % 11
    return first17 + "10X98765432"[remainder]


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def gb32100(first17: str) -> str:
    """The full code: weights 3^i mod 31, check = (31 - sum mod 31) mod 31."""
    weights = [pow(3, i, 31) for i in range(17)]
    assert weights == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, weights, strict=True))
    return first17 + USCC_CHARS[(31 - total % 31) % 31]


def refusal(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- document types ---------------------------------------------------------------


def test_every_id_type_has_its_chinese_label() -> None:
    assert IdType.RESIDENT_ID.label == "居民身份证"
    assert IdType.PASSPORT.label == "护照"
    assert IdType.HK_MACAO_PERMIT.label == "港澳居民来往内地通行证"
    assert IdType.TAIWAN_PERMIT.label == "台湾居民来往大陆通行证"
    assert IdType.HK_MACAO_RESIDENCE.label == "港澳居民居住证"
    assert IdType.USCC.label == "统一社会信用代码"
    assert set(ID_TYPE_LABELS) == set(IdType)


def test_credit_code_is_not_a_personal_document() -> None:
    assert IdType.USCC not in PERSON_ID_TYPES
    assert IdType.RESIDENT_ID in PERSON_ID_TYPES


# --- 居民身份证 ------------------------------------------------------------------------


def test_published_example_resident_id_is_valid() -> None:
    assert gb11643("11010519491231002") == "11010519491231002X"
    assert validate_resident_id("11010519491231002X", today=TODAY) == "11010519491231002X"


def test_resident_id_with_lowercase_x_is_accepted_and_upper_cased() -> None:
    assert validate_resident_id("11010519491231002x", today=TODAY) == "11010519491231002X"


def test_resident_id_typed_with_spaces_or_full_width_digits_is_normalized() -> None:
    assert validate_resident_id(" 110105 19491231 002X ", today=TODAY) == "11010519491231002X"
    assert validate_resident_id("１１０１０５１９４９１２３１００２ｘ", today=TODAY) == (
        "11010519491231002X"
    )


@pytest.mark.parametrize("sequence", ["001", "002", "123", "456", "789", "998", "999", "500"])
def test_resident_ids_with_computed_check_characters_are_valid(sequence: str) -> None:
    number = gb11643("44030419900307" + sequence)
    assert validate_resident_id(number, today=TODAY) == number


def test_resident_id_with_wrong_check_digit_is_refused_naming_the_field() -> None:
    error = refusal(validate_resident_id, "110105194912310025", today=TODAY)
    assert error.code == "id_check_digit"
    assert error.field == "id_number"
    assert error.message == "申请人身份证号码校验位不符，号码有误：请对照证件逐位核对后重新输入。"
    assert "X" not in error.message and error.params == {}  # never the passing character


def test_every_wrong_check_character_is_refused() -> None:
    number = gb11643("32010619851012201")
    for wrong in "0123456789X".replace(number[-1], ""):
        assert refusal(validate_resident_id, number[:17] + wrong, today=TODAY).code == (
            "id_check_digit"
        )


def test_agent_resident_id_refusal_names_the_agent_field() -> None:
    error = refusal(
        validate_resident_id, "110105194912310025", field="agent_id_number", today=TODAY
    )
    assert error.field == "agent_id_number"
    assert error.message.startswith("代理人身份证号码校验位不符")


@pytest.mark.parametrize("value", ["11010519491231002", "1101051949123100211", "110105491231002"])
def test_resident_id_of_wrong_length_is_refused(value: str) -> None:
    error = refusal(validate_resident_id, value, today=TODAY)
    assert error.code == "id_length"
    assert f"实为{len(value)}位" in error.message


@pytest.mark.parametrize(
    "value", ["1101051949123100A2", "X10105194912310021", "11010519491231002Y"]
)
def test_resident_id_with_letters_other_than_final_x_is_refused(value: str) -> None:
    assert refusal(validate_resident_id, value, today=TODAY).code == "id_chars"


@pytest.mark.parametrize("province", ["00", "10", "16", "39", "72", "83", "99"])
def test_resident_id_with_unknown_province_is_refused(province: str) -> None:
    number = gb11643(province + "010519491231002")
    error = refusal(validate_resident_id, number, today=TODAY)
    assert error.code == "id_region"
    assert error.params["region"] == number[:6]


@pytest.mark.parametrize("province", ["11", "31", "46", "65", "71", "81", "82"])
def test_resident_id_from_every_kind_of_province_is_accepted(province: str) -> None:
    number = gb11643(province + "010519491231002")
    assert validate_resident_id(number, today=TODAY) == number


@pytest.mark.parametrize(
    "birth", ["19490230", "19491301", "19490001", "18991231", "20261124", "20300101"]
)
def test_resident_id_with_impossible_birth_date_is_refused(birth: str) -> None:
    number = gb11643("110105" + birth + "002")
    error = refusal(validate_resident_id, number, today=TODAY)
    assert error.code == "id_birth_date"
    assert birth in error.message


def test_resident_id_of_a_baby_born_today_is_accepted() -> None:
    number = gb11643("11010520261123001")
    assert validate_resident_id(number, today=TODAY) == number


def test_resident_id_born_on_first_day_of_1900_is_accepted() -> None:
    number = gb11643("11010519000101001")
    assert validate_resident_id(number, today=TODAY) == number


def test_empty_resident_id_asks_for_the_number() -> None:
    error = refusal(validate_resident_id, "  ", today=TODAY)
    assert error.code == "required"
    assert error.message == "请填写申请人身份证号码。"


def test_resident_id_checks_region_before_check_digit() -> None:
    # Unknown province and a wrong check character: the first problem is reported.
    assert refusal(validate_resident_id, "990105194912310025", today=TODAY).code == "id_region"


def test_birth_date_is_read_from_resident_id() -> None:
    assert birth_date_from_resident_id("11010519491231002X", today=TODAY) == date(1949, 12, 31)


def test_gender_is_read_from_the_seventeenth_digit() -> None:
    assert gender_from_resident_id("11010519491231002X", today=TODAY) == "女"
    assert gender_from_resident_id(gb11643("11010519491231001"), today=TODAY) == "男"


def test_birth_date_of_an_invalid_number_is_refused() -> None:
    assert refusal(birth_date_from_resident_id, "110105194912310025").code == "id_check_digit"


def test_hk_macao_residence_permit_uses_hong_kong_or_macao_region() -> None:
    for region in ("810000", "820000"):
        number = gb11643(region + "19900101001")
        assert validate_hk_macao_residence(number, today=TODAY) == number


def test_hk_macao_residence_permit_with_mainland_region_is_refused() -> None:
    error = refusal(validate_hk_macao_residence, gb11643("11010519900101001"), today=TODAY)
    assert error.code == "id_region"
    assert error.message.startswith("申请人港澳居民居住证号码地址码错误")


# --- 统一社会信用代码 -------------------------------------------------------------------


def test_published_example_credit_code_is_valid() -> None:
    assert gb32100("91350100M000100Y4") == "91350100M000100Y43"
    assert validate_uscc("91350100M000100Y43") == "91350100M000100Y43"


def test_credit_code_in_lower_case_with_spaces_is_normalized() -> None:
    assert validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    "first17",
    [
        "91110108MA01ABCDE",  # 工商 enterprise
        "92330106MA2H12345",  # 个体工商户
        "93330106MA2H12345",  # 农民专业合作社
        "12100000400000402",  # 机构编制 public institution
        "51330000MJ8812345",  # 民政 social organisation
        "N2330106MF1234567",  # 农村集体经济组织
        "Y1330106MA2H12345",  # 其他
    ],
)
def test_credit_codes_with_computed_check_characters_are_valid(first17: str) -> None:
    code = gb32100(first17)
    assert validate_uscc(code) == code


def test_credit_code_check_character_can_be_zero() -> None:
    # Search the sequence for a code whose check value is 0 (the (31 - 0) % 31 case).
    code = next(
        gb32100(f"9133010600000{n:04d}")
        for n in range(10000)
        if gb32100(f"9133010600000{n:04d}").endswith("0")
    )
    assert validate_uscc(code) == code


def test_credit_code_with_wrong_check_character_is_refused_naming_the_field() -> None:
    error = refusal(validate_uscc, "91350100M000100Y44")
    assert error.code == "uscc_check_digit"
    assert error.field == "id_number"
    assert error.message == "申请人统一社会信用代码校验位不符，代码有误：请对照营业执照逐位核对后重新输入。"
    assert "3" not in error.message


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V"])
def test_credit_code_with_excluded_letter_is_refused(letter: str) -> None:
    error = refusal(validate_uscc, "91350100M000100" + letter + "43")
    assert error.code == "uscc_chars"
    assert letter in error.message


@pytest.mark.parametrize("value", ["91350100M000100Y4", "91350100M000100Y433", "9"])
def test_credit_code_of_wrong_length_is_refused(value: str) -> None:
    assert refusal(validate_uscc, value).code == "uscc_length"


def test_credit_code_with_unknown_registration_authority_is_refused() -> None:
    error = refusal(validate_uscc, gb32100("H1350100M000100Y4"))
    assert error.code == "uscc_authority"
    assert "第1位" in error.message


def test_credit_code_with_letter_as_organisation_type_is_refused() -> None:
    assert refusal(validate_uscc, gb32100("9A350100M000100Y4")).code == "uscc_type"


def test_credit_code_with_letters_in_region_is_refused() -> None:
    error = refusal(validate_uscc, gb32100("9135A100M000100Y4"))
    assert error.code == "uscc_region"
    assert "35A100" in error.message


# --- passports and travel permits -------------------------------------------------------


@pytest.mark.parametrize("value", ["E12345678", "G12345678", "EA1234567", "DE1234567"])
def test_chinese_passport_numbers_are_accepted(value: str) -> None:
    assert validate_passport(value, chinese=True) == value


@pytest.mark.parametrize("value", ["E1234567", "X12345678", "EI1234567", "E123456789"])
def test_malformed_chinese_passport_numbers_are_refused(value: str) -> None:
    error = refusal(validate_passport, value, chinese=True)
    assert error.code == "passport_format"
    assert error.message.startswith("申请人护照号码格式不正确")


@pytest.mark.parametrize("value", ["x1234567", "533380006", "C01X00T47", "AB12345"])
def test_foreign_passport_numbers_are_accepted(value: str) -> None:
    assert validate_passport(value) == value.upper()


@pytest.mark.parametrize("value", ["1234", "A" * 18, "AB-123456", "护照123456"])
def test_malformed_passport_numbers_are_refused(value: str) -> None:
    assert refusal(validate_passport, value).code == "passport_format"


@pytest.mark.parametrize("value", ["H12345678", "M12345678", "H1234567801", "h12345678"])
def test_hk_macao_travel_permits_are_accepted(value: str) -> None:
    assert validate_hk_macao_permit(value) == value.upper()


@pytest.mark.parametrize("value", ["H1234567", "A12345678", "H123456789", "12345678"])
def test_malformed_hk_macao_travel_permits_are_refused(value: str) -> None:
    error = refusal(validate_hk_macao_permit, value)
    assert error.code == "hk_macao_permit_format"
    assert "港澳居民来往内地通行证号码" in error.message


@pytest.mark.parametrize("value", ["12345678", "1234567890", "12345678B1"])
def test_taiwan_travel_permits_are_accepted(value: str) -> None:
    assert validate_taiwan_permit(value) == value


@pytest.mark.parametrize("value", ["1234567", "123456789", "T1234567"])
def test_malformed_taiwan_travel_permits_are_refused(value: str) -> None:
    assert refusal(validate_taiwan_permit, value).code == "taiwan_permit_format"


@pytest.mark.parametrize(
    ("id_type", "value", "normalized"),
    [
        (IdType.RESIDENT_ID, "11010519491231002x", "11010519491231002X"),
        ("passport", "e12345678", "E12345678"),
        (IdType.HK_MACAO_PERMIT, "H12345678", "H12345678"),
        (IdType.TAIWAN_PERMIT, "12345678", "12345678"),
        (IdType.HK_MACAO_RESIDENCE, gb11643("81000019900101001"), gb11643("81000019900101001")),
        (IdType.USCC, "91350100M000100Y43", "91350100M000100Y43"),
    ],
)
def test_validate_id_dispatches_on_document_type(id_type, value: str, normalized: str) -> None:
    assert validate_id(id_type, value, today=TODAY) == normalized


def test_validate_id_names_the_document_in_its_message() -> None:
    error = refusal(validate_id, IdType.TAIWAN_PERMIT, "1", field="agent_id_number")
    assert error.field == "agent_id_number"
    assert error.message.startswith("代理人台湾居民来往大陆通行证号码格式不正确")


def test_validate_id_refuses_unknown_document_type_on_its_field() -> None:
    error = refusal(validate_id, "driving_licence", "123456", field="agent_id_number")
    assert error.code == "id_type"
    assert error.field == "agent_id_type"


# --- telephone numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["13800138000", "138 0013 8000", "138-0013-8000", "+86 13800138000", "１３８００１３８０００"],
)
def test_mobile_numbers_are_normalized_to_eleven_digits(value: str) -> None:
    assert validate_mobile(value) == "13800138000"


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_mobile_numbers_with_every_current_prefix_are_accepted(prefix: str) -> None:
    assert validate_mobile(prefix + "012345678") == prefix + "012345678"


@pytest.mark.parametrize("value", ["12800138000", "1380013800", "138001380001", "23800138000"])
def test_malformed_mobile_numbers_are_refused(value: str) -> None:
    error = refusal(validate_mobile, value)
    assert error.code == "mobile_format"
    assert error.message.startswith("申请人手机号码格式不正确")


@pytest.mark.parametrize(
    ("value", "normalized"),
    [
        ("0571-87654321", "0571-87654321"),
        ("057187654321", "0571-87654321"),
        ("010-62345678", "010-62345678"),
        ("0755 2345678", "0755-2345678"),
        ("（0571）87654321", "0571-87654321"),
        ("0571-87654321-123", "0571-87654321转123"),
        ("0571-87654321转123", "0571-87654321转123"),
    ],
)
def test_landline_numbers_are_normalized(value: str, normalized: str) -> None:
    assert validate_landline(value) == normalized


@pytest.mark.parametrize(
    "value", ["87654321", "0571-123456", "0571-07654321", "01112345678", "0571-876543210"]
)
def test_malformed_landline_numbers_are_refused(value: str) -> None:
    assert refusal(validate_landline, value).code == "landline_format"


def test_phone_accepts_mobile_or_landline() -> None:
    assert validate_phone(" 139 1234 5678 ") == "13912345678"
    assert validate_phone("0571 8765 4321") == "0571-87654321"


def test_phone_that_looks_like_a_mobile_gets_the_mobile_message() -> None:
    error = refusal(validate_phone, "1391234567", field="agent_phone")
    assert error.code == "mobile_format"
    assert error.field == "agent_phone"
    assert error.message.startswith("代理人联系电话格式不正确")


def test_phone_that_is_neither_mobile_nor_landline_is_refused() -> None:
    error = refusal(validate_phone, "87654321")
    assert error.code == "phone_format"
    assert error.message.startswith("申请人联系电话格式不正确")


def test_empty_phone_asks_for_the_number() -> None:
    error = refusal(validate_phone, "")
    assert (error.code, error.message) == ("required", "请填写申请人联系电话。")


# --- masking ----------------------------------------------------------------------------


def test_eighteen_character_id_keeps_first_six_and_last_four() -> None:
    assert mask_id_number("110101199003071234") == "110101********1234"
    assert mask_id_number("91350100M000100Y43") == "913501********0Y43"


def test_short_ids_are_masked_in_proportion() -> None:
    assert mask_id_number("E12345678") == "E1*****78"
    assert mask_id_number("12345678") == "12****78"
    assert mask_id_number("H1234567801") == "H1*******01"
    assert mask_id_number("12345") == "1***5"
    assert mask_id_number("12") == "**"
    assert mask_id_number("") == ""


def test_mobile_is_masked_in_the_middle() -> None:
    assert mask_phone("13812345678") == "138****5678"


def test_landline_keeps_area_code_and_last_four_digits() -> None:
    assert mask_phone("0571-87654321") == "0571-****4321"
    assert mask_phone("010-6234567转8") == "010-***4567转8"


def test_unrecognised_phone_keeps_only_last_four() -> None:
    assert mask_phone("+44 20 7946 0958") == "*********0958"
