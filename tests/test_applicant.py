"""Applicants and agents: validation of every field, payload round trips, masking."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest

from app.domain.applicant import Applicant, ApplicantKind, Person, make_applicant
from app.domain.errors import ValidationError
from app.domain.identity import IdType

TODAY = date(2026, 11, 23)
RESIDENT_ID = "11010519491231002X"
AGENT_ID = "440304199003070018"  # check character computed by GB 11643
USCC = "91350100M000100Y43"


def natural(**overrides: Any) -> Applicant:
    values: dict[str, Any] = dict(
        kind="natural",
        name="张三",
        id_type=IdType.RESIDENT_ID,
        id_number=RESIDENT_ID,
        phone="13800138000",
        address="某县城关镇人民路1号",
        today=TODAY,
    )
    values.update(overrides)
    return make_applicant(**values)


def legal(**overrides: Any) -> Applicant:
    values: dict[str, Any] = dict(
        kind="legal",
        name="某县某某食品有限公司",
        id_type="uscc",
        id_number=USCC,
        phone="0571-87654321",
        address="某县工业园区2号",
        legal_representative="李四",
        agent=Person("王五", IdType.RESIDENT_ID, AGENT_ID, "13912345678"),
        today=TODAY,
    )
    values.update(overrides)
    return make_applicant(**values)


def refusal(**overrides: Any) -> ValidationError:
    builder = legal if overrides.get("kind") == "legal" else natural
    with pytest.raises(ValidationError) as caught:
        builder(**overrides)
    return caught.value


def test_natural_person_applicant_is_normalized() -> None:
    applicant = natural(
        name="  张三 ", id_number="11010519491231002x", phone="138 0013 8000", address=" 某路 1号 "
    )
    assert applicant.kind is ApplicantKind.NATURAL
    assert applicant.id_type is IdType.RESIDENT_ID
    assert applicant.name == "张三"
    assert applicant.id_number == RESIDENT_ID
    assert applicant.phone == "13800138000"
    assert applicant.address == "某路 1号"


def test_agent_number_in_fixture_is_valid() -> None:
    assert natural(id_number=AGENT_ID).id_number == AGENT_ID


def test_legal_person_applicant_with_credit_code_and_agent_is_accepted() -> None:
    applicant = legal()
    assert applicant.kind is ApplicantKind.LEGAL
    assert applicant.id_type is IdType.USCC
    assert applicant.legal_representative == "李四"
    assert applicant.agent == Person("王五", IdType.RESIDENT_ID, AGENT_ID, "13912345678", "")


def test_applicant_kinds_have_chinese_labels() -> None:
    assert ApplicantKind.NATURAL.label == "自然人"
    assert ApplicantKind.LEGAL.label == "法人或其他组织"


@pytest.mark.parametrize(
    ("id_type", "id_number"),
    [
        (IdType.PASSPORT, "X1234567"),
        (IdType.HK_MACAO_PERMIT, "H12345678"),
        (IdType.TAIWAN_PERMIT, "12345678"),
        (IdType.HK_MACAO_RESIDENCE, "810000199001010019"),
    ],
)
def test_natural_person_may_use_any_personal_document(id_type: IdType, id_number: str) -> None:
    assert natural(id_type=id_type, id_number=id_number).id_type is id_type


def test_applicant_name_is_required() -> None:
    error = refusal(name="   ")
    assert (error.code, error.field, error.message) == ("required", "name", "请填写申请人姓名。")


@pytest.mark.parametrize("name", ["张", "名" * 51])
def test_person_name_must_have_two_to_fifty_characters(name: str) -> None:
    error = refusal(name=name)
    assert error.code == "name_length"
    assert error.message.startswith("申请人姓名长度不正确")


def test_person_name_of_fifty_characters_and_foreign_name_are_accepted() -> None:
    assert natural(name="名" * 50).name == "名" * 50
    assert natural(name="John   Smith", id_type="passport", id_number="533380006").name == (
        "John Smith"
    )


def test_organisation_name_may_be_longer_than_a_person_name() -> None:
    name = "某" * 60 + "有限公司"
    assert legal(name=name).name == name
    assert refusal(kind="legal", name="某" * 101).code == "name_length"


def test_legal_person_without_credit_code_is_refused() -> None:
    error = refusal(kind="legal", id_type=IdType.RESIDENT_ID, id_number=RESIDENT_ID)
    assert error.code == "legal_requires_uscc"
    assert error.field == "id_type"
    assert "统一社会信用代码" in error.message


def test_natural_person_with_credit_code_is_refused() -> None:
    error = refusal(id_type=IdType.USCC, id_number=USCC)
    assert error.code == "id_type_not_for_person"
    assert error.field == "id_type"


def test_natural_person_with_legal_representative_is_refused() -> None:
    error = refusal(legal_representative="李四")
    assert error.code == "legal_representative_not_applicable"
    assert error.field == "legal_representative"


def test_legal_representative_name_is_validated_when_given() -> None:
    error = refusal(kind="legal", legal_representative="李")
    assert (error.code, error.field) == ("name_length", "legal_representative")
    assert legal(legal_representative="").legal_representative == ""


def test_applicant_id_number_is_validated_for_its_type() -> None:
    error = refusal(id_number="110105194912310025")
    assert (error.code, error.field) == ("id_check_digit", "id_number")
    assert error.message.startswith("申请人身份证号码校验位不符")
    assert "X" not in error.message


def test_credit_code_of_legal_person_is_validated() -> None:
    error = refusal(kind="legal", id_number="91350100M000100Y44")
    assert (error.code, error.field) == ("uscc_check_digit", "id_number")


def test_applicant_phone_is_validated() -> None:
    error = refusal(phone="12345")
    assert error.field == "phone"
    assert error.message.startswith("申请人联系电话")


def test_future_birth_date_is_judged_against_the_given_day() -> None:
    born_tomorrow = "110105202611240010"
    error = refusal(id_number=born_tomorrow)
    assert error.code == "id_birth_date"
    assert natural(id_number=born_tomorrow, today=date(2026, 11, 24)).id_number == born_tomorrow


def test_address_longer_than_two_hundred_characters_is_refused() -> None:
    error = refusal(address="路" * 201)
    assert (error.code, error.field) == ("address_length", "address")


def test_unknown_applicant_kind_is_refused() -> None:
    error = refusal(kind="robot")
    assert (error.code, error.field) == ("applicant_kind", "kind")


def test_unknown_document_type_is_refused() -> None:
    error = refusal(id_type="driving_licence")
    assert (error.code, error.field) == ("id_type", "id_type")


def test_agent_with_wrong_check_digit_is_refused_on_agent_field() -> None:
    agent = Person("王五", IdType.RESIDENT_ID, "440304199003070010", "13912345678")
    error = refusal(kind="legal", agent=agent)
    assert (error.code, error.field) == ("id_check_digit", "agent_id_number")
    assert error.message.startswith("代理人身份证号码校验位不符")


@pytest.mark.parametrize(
    ("agent", "field"),
    [
        (Person("", IdType.RESIDENT_ID, AGENT_ID, "13912345678"), "agent_name"),
        (Person("王五", IdType.RESIDENT_ID, AGENT_ID, "139"), "agent_phone"),
        (Person("王五", IdType.USCC, USCC, "13912345678"), "agent_id_type"),
        (Person("王五", IdType.RESIDENT_ID, AGENT_ID, "13912345678", "路" * 201), "agent_address"),
    ],
)
def test_every_agent_field_is_validated_under_its_prefixed_name(agent: Person, field: str) -> None:
    error = refusal(agent=agent)
    assert error.field == field
    assert error.message.startswith(("代理人", "请填写代理人"))


def test_agent_is_normalized() -> None:
    agent = Person(" 王五 ", IdType.RESIDENT_ID, AGENT_ID, "139 1234 5678", " 某村 ")
    assert natural(agent=agent).agent == Person(
        "王五", IdType.RESIDENT_ID, AGENT_ID, "13912345678", "某村"
    )


def test_applicant_round_trips_through_json_payload() -> None:
    applicant = legal()
    payload = json.loads(json.dumps(applicant.to_dict(), ensure_ascii=False))
    assert payload["kind"] == "legal"
    assert payload["id_type"] == "uscc"
    assert payload["agent"]["id_number"] == AGENT_ID
    assert Applicant.from_dict(payload) == applicant


def test_applicant_without_agent_round_trips() -> None:
    applicant = natural()
    assert applicant.to_dict()["agent"] is None
    assert Applicant.from_dict(applicant.to_dict()) == applicant


def test_payload_is_read_back_without_revalidation() -> None:
    # Events recorded under older rules must still replay.
    payload = natural().to_dict() | {"id_number": "110105194912310025"}
    assert Applicant.from_dict(payload).id_number == "110105194912310025"


def test_minimal_payload_defaults_document_type_by_kind() -> None:
    assert Applicant.from_dict({"name": "张三", "kind": "natural"}).id_type is IdType.RESIDENT_ID
    assert Applicant.from_dict({"name": "某公司", "kind": "legal"}).id_type is IdType.USCC


def test_payload_with_unknown_kind_or_document_type_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Applicant.from_dict({"name": "张三", "kind": "alien"})
    assert caught.value.code == "applicant_kind"
    with pytest.raises(ValidationError) as caught:
        Applicant.from_dict({"name": "张三", "kind": "natural", "id_type": "card"})
    assert caught.value.code == "id_type"


def test_masked_id_hides_the_middle_of_the_number() -> None:
    assert natural().masked_id == "110105********002X"
    agent = legal().agent
    assert agent is not None
    assert agent.masked_id == "440304********0018"
    assert natural().masked_phone == "138****8000"


def test_applicant_is_immutable() -> None:
    applicant = natural()
    with pytest.raises(dataclasses.FrozenInstanceError):
        applicant.name = "李四"  # type: ignore[misc]


@pytest.mark.parametrize("name", ["张三😀", "李\ue000四", "王\u200d五", "赵★六"])
def test_emoji_symbols_and_private_use_characters_are_refused_in_a_name(name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        natural(name=name)
    assert refused.value.code == "name_characters"
    assert refused.value.field == "name"
    [bad] = [ch for ch in name if ch not in "张三李四王五赵六"]
    assert f"U+{ord(bad):04X}" in refused.value.message


@pytest.mark.parametrize("name", ["𠮷野家", "王䶮", "张喆", "阿依古丽·买买提", "Jean-Luc O'Neil", "〇一"])
def test_rare_characters_and_name_marks_are_accepted(name: str) -> None:
    assert natural(name=name).name == name


def test_an_organisation_name_may_have_digits_and_brackets() -> None:
    assert legal(name="某某（上海）58科技有限公司").name == "某某（上海）58科技有限公司"
