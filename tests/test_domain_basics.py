"""Numbering, roles, events and the audit chain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from app.domain.audit import GENESIS_HASH, AuditRecord, chain_hash, verify_chain
from app.domain.errors import PermissionDenied, ValidationError
from app.domain.events import Event, EventType
from app.domain.numbering import (
    DEFAULT_DOCUMENT_PATTERN,
    format_case_number,
    format_document_number,
    kind_code,
    parse_case_number,
    preview_document_number,
    upgrade_legacy_pattern,
    validate_document_pattern,
    validate_kind_codes,
    validate_station_code,
)
from app.domain.roles import Action, Role, authorize, can


def test_case_number_is_station_date_and_sequence() -> None:
    number = format_case_number("XC01", date(2026, 11, 23), 7)
    assert number == "XC01-20261123-0007"
    assert parse_case_number(number) == ("XC01", date(2026, 11, 23), 7)


def test_case_numbers_of_two_stations_on_the_same_day_never_collide() -> None:
    day = date(2026, 11, 23)
    first = {format_case_number("XC01", day, n) for n in range(1, 200)}
    second = {format_case_number("XC02", day, n) for n in range(1, 200)}
    assert not first & second


def test_station_code_must_be_upper_alphanumeric() -> None:
    with pytest.raises(ValidationError):
        validate_station_code("xc-1")


def test_unparseable_case_number_gives_none() -> None:
    assert parse_case_number("20261123-7") is None


def test_document_number_follows_gb_t_9704() -> None:
    number = format_document_number(
        DEFAULT_DOCUMENT_PATTERN, prefix="清市监", kind="许", year=2026, sequence=6
    )
    assert number == "清市监许〔2026〕6号"


def test_document_number_of_another_station_carries_its_code_after_the_prefix() -> None:
    plain = {format_document_number(DEFAULT_DOCUMENT_PATTERN, prefix="清市监", kind="受",
                                    year=2026, sequence=n) for n in range(1, 300)}
    other = {format_document_number(DEFAULT_DOCUMENT_PATTERN, prefix="清市监", kind="受",
                                    year=2026, sequence=n, station="XZ02")
             for n in range(1, 300)}
    assert "清市监XZ02受〔2026〕3号" in other
    assert not plain & other


@pytest.mark.parametrize(
    ("pattern", "code"),
    [
        ("〔{year}〕第号", "document_pattern.missing"),
        ("{prefix}{kind}〔{year}〕{seq:04d}号", "document_pattern.padding"),
        ("{prefix}{kind}〔{year}〕第{seq}号", "document_pattern.di"),
        ("{prefix}{kind}({year}){seq}号", "document_pattern.brackets"),
        ("{prefix}{kind}[{year}]{seq}号", "document_pattern.brackets"),
        ("{prefix}〔{year}〕{seq}号", "document_pattern.missing"),
        ("{kind}{prefix}〔{year}〕{seq}号", "document_pattern.order"),
        ("{prefix}{kind}〔{year}〕{seq}号文", "document_pattern.order"),
        ("{prefix}{kind}{station}〔{year}〕{seq}号", "document_pattern.unknown"),
    ],
)
def test_document_pattern_against_the_standard_is_refused(pattern: str, code: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_document_pattern(pattern)
    assert err.value.code == code
    assert err.value.field == "document_number_pattern"


def test_document_pattern_preview_shows_the_number_an_approval_gets() -> None:
    assert preview_document_number(DEFAULT_DOCUMENT_PATTERN, "清市监") == "清市监许〔2026〕6号"
    assert preview_document_number(DEFAULT_DOCUMENT_PATTERN, "清市监", kind="rejection_notice",
                                   overrides={"rejection_notice": "不予受"}) == "清市监不予受〔2026〕6号"


def test_two_kinds_with_the_same_code_are_refused() -> None:
    with pytest.raises(ValidationError) as err:
        validate_kind_codes({"denial_decision": "许"})
    assert err.value.code == "kind_code.duplicate"


def test_a_legacy_pattern_keeps_its_prefix() -> None:
    assert upgrade_legacy_pattern("清市监〔{year}〕{station}第{seq:04d}号") == (
        DEFAULT_DOCUMENT_PATTERN, "清市监")
    assert kind_code("hearing_notice", {}, fallback_label="听证告知书") == "听证"
    assert kind_code("extension_notice", {}) == "延"


def test_supervisor_is_read_only() -> None:
    assert can([Role.SUPERVISOR], Action.VIEW_AUDIT)
    assert not can([Role.SUPERVISOR], Action.REGISTER)
    with pytest.raises(PermissionDenied) as err:
        authorize([Role.SUPERVISOR], Action.APPROVE, who="监察员")
    assert "监察员" in err.value.message


def test_clerk_cannot_seal_but_chief_can() -> None:
    assert not can([Role.CLERK], Action.SEAL)
    assert can([Role.CHIEF], Action.SEAL)


def test_administrator_manages_catalog_but_does_not_approve() -> None:
    assert can([Role.ADMIN], Action.MANAGE_CATALOG)
    assert not can([Role.ADMIN], Action.APPROVE)


def test_event_round_trips_through_its_wire_form() -> None:
    original = Event(
        case_id="6f1c2a4e-0000-4000-8000-000000000001",
        type=EventType.ACCEPTED,
        actor_id="u1",
        actor_name="张三",
        station="XC01",
        device_time=datetime(2026, 11, 23, 1, tzinfo=UTC),
        payload={"accepted_on": "2026-11-23"},
    )
    assert Event.from_dict(original.to_dict()) == original


def test_event_without_time_zone_is_refused() -> None:
    data = Event(
        case_id="6f1c2a4e-0000-4000-8000-000000000001",
        type=EventType.ACCEPTED,
        actor_id="u1",
        actor_name="",
        station="XC01",
        device_time=datetime(2026, 11, 23, tzinfo=UTC),
    ).to_dict()
    data["device_time"] = "2026-11-23T09:00:00"
    with pytest.raises(ValueError):
        Event.from_dict(data)


def _chain(bodies: list[str]) -> list[AuditRecord]:
    records, previous = [], GENESIS_HASH
    for sequence, body in enumerate(bodies, start=1):
        digest = chain_hash(previous, body)
        records.append(AuditRecord(sequence, body, previous, digest))
        previous = digest
    return records


def test_intact_audit_chain_verifies() -> None:
    assert verify_chain(_chain(["a", "b", "c"])) is None


def test_edited_audit_record_is_detected() -> None:
    records = _chain(["a", "b", "c"])
    records[1] = replace(records[1], body="B")
    broken = verify_chain(records)
    assert broken is not None and broken.sequence == 2


def test_deleted_audit_record_is_detected() -> None:
    records = _chain(["a", "b", "c"])
    del records[1]
    broken = verify_chain(records)
    assert broken is not None and broken.sequence == 2
    assert "删除" in broken.reason
