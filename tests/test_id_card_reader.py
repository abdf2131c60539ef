"""The ID card reader: the termb adapter against a fake library built from C here, the
card's data checked like typed data, the photo kept with the case."""

from __future__ import annotations

from datetime import date

import pytest

from app.devices import DeviceError
from app.devices.id_card_reader import SimulatedReader, TermbReader, make_reader
from app.domain.errors import ValidationError
from app.domain.id_card import card_from_fields
from app.services import cases, id_cards
from tests.device_fixtures import (
    CARD,
    NO_CARD,
    NO_READER,
    READ_FAILS,
    REMOVED_MID_READ,
    fake_termb,
    fake_termb_library,
)
from tests.profile_fixtures import make_profile

__all__ = ["fake_termb", "fake_termb_library"]
TODAY = date(2026, 12, 2)


def test_reading_a_card_gives_every_field_and_the_photo(fake_termb) -> None:
    card = TermbReader(str(fake_termb.path), port=1001).read(today=TODAY)
    assert (card.name, card.gender, card.ethnicity) == ("王小丫", "女", "汉")
    assert card.birth_date == date(1949, 12, 31)
    assert card.address == CARD["address"]
    assert card.id_number == "11010519491231002X"
    assert card.issuing_authority == "北京市公安局朝阳分局"
    assert card.valid_from == date(2015, 3, 1) and card.valid_until is None
    assert card.validity_text == "2015.03.01-长期"
    assert card.photo.startswith(b"BM")
    assert fake_termb.open_port == 0  # the port is closed again after the read


def test_the_port_comes_from_the_settings(fake_termb) -> None:
    with pytest.raises(DeviceError) as raised:
        TermbReader(str(fake_termb.path), port=1005).read(today=TODAY)
    assert raised.value.code == "reader_not_found"
    assert "1005" in raised.value.message


@pytest.mark.parametrize(("state", "code", "words"), [
    (NO_READER, "reader_not_found", "未连接身份证阅读器"),
    (NO_CARD, "no_card", "没有身份证"),
    (READ_FAILS, "read_failed", "读卡失败"),
    (REMOVED_MID_READ, "card_removed", "身份证被移开"),
])
def test_a_failed_read_says_why_in_chinese_and_closes_the_port(
        fake_termb, state, code, words) -> None:
    fake_termb.set_state(state)
    closes = fake_termb.close_calls
    with pytest.raises(DeviceError) as raised:
        TermbReader(str(fake_termb.path)).read(today=TODAY)
    assert raised.value.code == code
    assert words in raised.value.message
    assert fake_termb.open_port == 0
    if state != NO_READER:
        assert fake_termb.close_calls == closes + 1


def test_a_missing_library_is_refused_with_its_path(tmp_path) -> None:
    missing = tmp_path / "termb.dll"
    with pytest.raises(DeviceError) as raised:
        TermbReader(str(missing)).read(today=TODAY)
    assert raised.value.code == "reader_library_missing"
    assert str(missing) in raised.value.message


def test_a_card_with_a_bad_number_is_refused_like_a_typed_one(fake_termb) -> None:
    fake_termb.put_card(id_number="110105194912310021")
    with pytest.raises(ValidationError) as raised:
        TermbReader(str(fake_termb.path)).read(today=TODAY)
    assert raised.value.code == "id_check_digit"


def test_an_expired_card_is_refused(fake_termb) -> None:
    fake_termb.put_card(valid_from="20061201", valid_until="20261201")
    with pytest.raises(ValidationError) as raised:
        TermbReader(str(fake_termb.path)).read(today=TODAY)
    assert raised.value.code == "card_expired"
    assert "2026年12月01日过期" in raised.value.message


def test_a_gender_that_contradicts_the_number_is_refused() -> None:
    with pytest.raises(ValidationError) as raised:
        card_from_fields({**CARD, "gender": "男"}, today=TODAY)
    assert raised.value.code == "card_gender"


def test_no_reader_configured_is_a_message_not_a_crash() -> None:
    assert make_reader("") is None
    with pytest.raises(DeviceError) as raised:
        id_cards.read_card(None)
    assert raised.value.code == "reader_not_configured"


def test_the_simulator_reads_a_valid_specimen_card() -> None:
    card = SimulatedReader().read(today=TODAY)
    assert card.id_number == "11010519491231002X"
    assert card.photo.startswith(b"BM") and len(card.photo) > 30_000


def test_the_photo_is_kept_as_an_attachment_of_the_registered_case(fake_termb,
                                                                    tmp_path) -> None:
    runtime, staff = make_profile(tmp_path / "profile")
    with runtime:
        card = TermbReader(str(fake_termb.path)).read(today=TODAY)
        photo = id_cards.keep_photo(runtime.profile.data_dir, card)
        applicant = {"kind": "natural", "name": card.name, "id_type": "resident_id",
                     "id_number": card.id_number, "phone": "13800138000",
                     "address": card.address, "agent": None}
        case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                                   applicant=applicant,
                                   id_card=id_cards.card_registration(card, photo))
        stored = cases.get_case(runtime.uow, case.id)
        assert stored.id_card["ethnicity"] == "汉"
        assert stored.id_card["valid_until"] == "长期"
        kept = runtime.profile.attachments_dir / stored.id_card["photo"]["sha256"]
        assert kept.read_bytes() == card.photo
        from app.store import models
        with runtime.uow() as uow:
            row = uow.session.get(models.Attachment, photo["sha256"])
            assert row is not None and not row.uploaded


def test_a_card_read_for_someone_else_is_refused_at_registration(fake_termb,
                                                                 tmp_path) -> None:
    runtime, staff = make_profile(tmp_path / "profile")
    with runtime:
        card = TermbReader(str(fake_termb.path)).read(today=TODAY)
        applicant = {"kind": "natural", "name": "李四", "id_type": "resident_id",
                     "id_number": card.id_number, "phone": "13800138000", "agent": None}
        with pytest.raises(ValidationError) as raised:
            cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                                applicant=applicant,
                                id_card=id_cards.card_registration(card, None))
        assert raised.value.code == "card_mismatch"
