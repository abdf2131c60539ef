"""The approval seal's rules: who may apply which seal to what, and when."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from app.domain.errors import SealRefused, ValidationError
from app.domain.seal import (
    MAX_DELEGATION_DAYS,
    Delegation,
    SealableDocument,
    SealKind,
    SealRecord,
    SealStatus,
    SealUse,
    check_seal_use,
    china_date,
    seal_use_authority,
)

# 2026-11-23 10:00 in Beijing.
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CHIEF = "chief-wang"
DEPUTY = "deputy-li"


def make_seal(**overrides: Any) -> SealRecord:
    values: dict[str, Any] = dict(
        id="seal-1",
        authority_name="某某县行政审批局",
        department_code="SCJ",
        department_name="县市场监督管理局",
        serial="3301230000001",
        custodian_id=CHIEF,
        custodian_name="王首席",
        valid_from=date(2026, 1, 1),
        valid_to=date(2028, 12, 31),
        status=SealStatus.IN_USE,
        replaced_by=None,
        made_on=date(2025, 12, 20),
        made_by="某某县公安局备案刻章点",
        image_sha256="ab" * 32,
    )
    values.update(overrides)
    return SealRecord(**values)


def make_delegation(**overrides: Any) -> Delegation:
    values: dict[str, Any] = dict(
        id="dlg-1",
        chief_id=CHIEF,
        deputy_id=DEPUTY,
        deputy_name="李代理",
        department_code="SCJ",
        starts_at=NOW - timedelta(days=1),
        ends_at=NOW + timedelta(days=2),
        reason="首席代表外出培训",
    )
    values.update(overrides)
    return Delegation(**values)


def use(seal: SealRecord | None = None, **overrides: Any) -> str:
    arguments: dict[str, Any] = dict(
        actor_id=CHIEF,
        actor_department_code="SCJ",
        actor_is_chief=True,
        delegations=(),
        document_kind=SealableDocument.APPROVAL_DECISION,
        case_department_code="SCJ",
        at=NOW,
    )
    arguments.update(overrides)
    return seal_use_authority(seal or make_seal(), **arguments)


def refusal_code(seal: SealRecord | None = None, **overrides: Any) -> str:
    with pytest.raises(SealRefused) as refused:
        use(seal, **overrides)
    assert refused.value.message  # a sentence the UI can show as is
    return refused.value.code


# -- allowed ------------------------------------------------------------------------


def test_custodian_may_apply_their_seal():
    assert use() == "custodian"


def test_check_seal_use_returns_none_when_allowed():
    seal = make_seal()
    assert (
        check_seal_use(
            seal,
            actor_id=CHIEF,
            actor_department_code="SCJ",
            actor_is_chief=True,
            delegations=(),
            document_kind="acceptance_notice",
            case_department_code="SCJ",
            at=NOW,
        )
        is None
    )


@pytest.mark.parametrize("kind", list(SealableDocument))
def test_every_sealable_document_kind_is_accepted(kind):
    assert use(document_kind=kind) == "custodian"


def test_active_deputy_may_apply_the_seal():
    authority = use(actor_id=DEPUTY, actor_is_chief=False, delegations=[make_delegation()])
    assert authority == "deputy"


def test_deputy_is_allowed_when_one_of_several_delegations_is_active():
    expired = make_delegation(
        id="old", starts_at=NOW - timedelta(days=30), ends_at=NOW - timedelta(days=20)
    )
    assert use(actor_id=DEPUTY, delegations=[expired, make_delegation()]) == "deputy"


def test_seal_is_usable_on_its_first_and_last_day_in_china_time():
    seal = make_seal(valid_from=date(2026, 11, 23), valid_to=date(2026, 11, 23))
    # 00:30 and 23:30 in Beijing are 16:30 the day before and 15:30 in UTC.
    assert use(seal, at=datetime(2026, 11, 22, 16, 30, tzinfo=UTC)) == "custodian"
    assert use(seal, at=datetime(2026, 11, 23, 15, 30, tzinfo=UTC)) == "custodian"


def test_seal_without_end_date_stays_valid():
    assert use(make_seal(valid_to=None), at=NOW + timedelta(days=3650)) == "custodian"


# -- refused: the seal ----------------------------------------------------------------


def test_revoked_seal_is_refused():
    assert refusal_code(make_seal(status=SealStatus.REVOKED)) == "seal_revoked"


def test_suspended_seal_is_refused():
    assert refusal_code(make_seal(status=SealStatus.SUSPENDED)) == "seal_suspended"


def test_replaced_seal_is_refused_naming_its_successor():
    seal = make_seal(status=SealStatus.REPLACED, replaced_by="seal-2")
    with pytest.raises(SealRefused) as refused:
        use(seal)
    assert refused.value.code == "seal_replaced"
    assert refused.value.params["replaced_by"] == "seal-2"


def test_seal_past_its_validity_is_refused():
    seal = make_seal(valid_to=date(2026, 11, 22))
    assert refusal_code(seal) == "seal_expired"


def test_seal_before_its_validity_is_refused():
    seal = make_seal(valid_from=date(2026, 11, 24))
    assert refusal_code(seal) == "seal_expired"


def test_seal_validity_ends_at_midnight_china_time_not_utc():
    seal = make_seal(valid_to=date(2026, 11, 22))
    # 2026-11-22 16:30 UTC is already 11-23 00:30 in Beijing.
    assert refusal_code(seal, at=datetime(2026, 11, 22, 16, 30, tzinfo=UTC)) == "seal_expired"


def test_seal_state_is_checked_before_the_person():
    seal = make_seal(status=SealStatus.REVOKED)
    assert refusal_code(seal, actor_id="stranger") == "seal_revoked"


# -- refused: the document and the case ------------------------------------------------


@pytest.mark.parametrize("kind", ["receipt", "seal_ledger", ""])
def test_document_that_is_not_sealable_is_refused(kind):
    assert refusal_code(document_kind=kind) == "document_not_sealable"


def test_seal_of_another_department_is_refused():
    assert refusal_code(case_department_code="GTJ") == "seal_foreign_department"


def test_actor_of_another_department_is_refused():
    assert refusal_code(actor_department_code="GTJ") == "actor_foreign_department"


# -- refused: the person ----------------------------------------------------------------


def test_someone_else_is_refused_as_not_custodian():
    assert refusal_code(actor_id="clerk-zhao", actor_is_chief=False) == "not_custodian"


def test_another_chief_of_the_same_department_is_not_custodian():
    assert refusal_code(actor_id="chief-chen") == "not_custodian"


def test_custodian_who_is_no_longer_chief_is_refused():
    assert refusal_code(actor_is_chief=False) == "custodian_not_chief"


def test_expired_delegation_is_refused():
    expired = make_delegation(starts_at=NOW - timedelta(days=5), ends_at=NOW - timedelta(minutes=1))
    assert refusal_code(actor_id=DEPUTY, delegations=[expired]) == "delegation_expired"


def test_delegation_ends_exactly_at_its_end_time():
    delegation = make_delegation(ends_at=NOW)
    assert refusal_code(actor_id=DEPUTY, delegations=[delegation]) == "delegation_expired"


def test_delegation_not_yet_started_is_refused():
    future = make_delegation(starts_at=NOW + timedelta(hours=1), ends_at=NOW + timedelta(days=1))
    assert refusal_code(actor_id=DEPUTY, delegations=[future]) == "delegation_not_started"


def test_delegation_from_another_chief_does_not_count():
    other = make_delegation(chief_id="chief-chen")
    assert refusal_code(actor_id=DEPUTY, delegations=[other]) == "not_custodian"


def test_delegation_for_another_department_does_not_count():
    other = make_delegation(department_code="GTJ")
    assert refusal_code(actor_id=DEPUTY, delegations=[other]) == "not_custodian"


def test_delegation_to_someone_else_does_not_count():
    code = refusal_code(actor_id="clerk-zhao", delegations=[make_delegation()])
    assert code == "not_custodian"


def test_refusal_names_the_seal():
    with pytest.raises(SealRefused) as refused:
        use(make_seal(status=SealStatus.SUSPENDED))
    assert refused.value.params["seal_id"] == "seal-1"
    assert "暂停使用" in refused.value.message


def test_naive_time_is_a_programming_error():
    with pytest.raises(ValueError):
        use(at=datetime(2026, 11, 23, 10, 0))


# -- delegation validation ----------------------------------------------------------------


def test_delegation_must_end_after_it_starts():
    with pytest.raises(ValidationError) as invalid:
        make_delegation(starts_at=NOW, ends_at=NOW)
    assert invalid.value.code == "delegation.period_reversed"
    assert invalid.value.field == "ends_at"


def test_delegation_may_not_exceed_the_maximum_period():
    with pytest.raises(ValidationError) as invalid:
        make_delegation(starts_at=NOW, ends_at=NOW + timedelta(days=MAX_DELEGATION_DAYS, seconds=1))
    assert invalid.value.code == "delegation.period_too_long"


def test_delegation_of_exactly_the_maximum_period_is_allowed():
    make_delegation(starts_at=NOW, ends_at=NOW + timedelta(days=MAX_DELEGATION_DAYS))


def test_chief_may_not_name_themselves_deputy():
    with pytest.raises(ValidationError) as invalid:
        make_delegation(deputy_id=CHIEF)
    assert invalid.value.code == "delegation.deputy_is_chief"


def test_delegation_needs_a_deputy_and_a_reason():
    with pytest.raises(ValidationError) as no_deputy:
        make_delegation(deputy_id=" ")
    with pytest.raises(ValidationError) as no_reason:
        make_delegation(reason="")
    assert no_deputy.value.code == "delegation.deputy_missing"
    assert no_reason.value.code == "delegation.reason_missing"


def test_delegation_needs_timezone_aware_times():
    with pytest.raises(ValueError):
        make_delegation(starts_at=datetime(2026, 11, 23, 9, 0))


def test_delegation_is_active_from_start_until_just_before_end():
    delegation = make_delegation(starts_at=NOW, ends_at=NOW + timedelta(days=1))
    assert not delegation.is_active(NOW - timedelta(seconds=1))
    assert delegation.is_active(NOW)
    assert delegation.is_active(NOW + timedelta(hours=23, minutes=59))
    assert not delegation.is_active(NOW + timedelta(days=1))


def test_delegation_round_trips_through_a_dict():
    delegation = make_delegation()
    assert Delegation.from_dict(delegation.to_dict()) == delegation


# -- the seal record and the usage record ------------------------------------------------


def test_seal_status_labels_are_chinese():
    assert [s.label for s in SealStatus] == ["在用", "暂停使用", "已注销", "已更换"]


def test_seal_record_round_trips_through_a_dict():
    seal = make_seal(status=SealStatus.REPLACED, replaced_by="seal-2")
    assert SealRecord.from_dict(seal.to_dict()) == seal


def test_seal_record_defaults_to_the_approval_seal_title():
    seal = make_seal()
    assert seal.title == "行政审批专用章"
    assert seal.full_title == "某某县行政审批局行政审批专用章"


def test_seal_record_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_seal().status = SealStatus.REVOKED  # type: ignore[misc]


def test_seal_validity_may_not_end_before_it_starts():
    with pytest.raises(ValidationError) as invalid:
        make_seal(valid_from=date(2026, 1, 2), valid_to=date(2026, 1, 1))
    assert invalid.value.field == "valid_to"


def make_use(**overrides: Any) -> SealUse:
    values: dict[str, Any] = dict(
        id="use-2",
        seal_id="seal-1",
        case_id="6f1c2a4e-0000-4000-8000-000000000001",
        case_number="XC01-20261123-0007",
        document_kind=SealableDocument.APPROVAL_DECISION,
        document_number="某审批〔2026〕XC01第0007号",
        pdf_sha256="0f" * 32,
        actor_id=DEPUTY,
        actor_name="李代理",
        station="XC01",
        window="3号窗口",
        used_at=NOW,
        supersedes="use-1",
        acting_as="deputy",
    )
    values.update(overrides)
    return SealUse(**values)


def test_seal_use_round_trips_through_a_dict():
    seal_use = make_use()
    data = seal_use.to_dict()
    assert data["used_at"] == "2026-11-23T02:00:00+00:00"
    assert SealUse.from_dict(data) == seal_use


def test_seal_use_needs_a_sha256_of_the_pdf():
    with pytest.raises(ValidationError) as invalid:
        make_use(pdf_sha256="not-a-hash")
    assert invalid.value.field == "pdf_sha256"


def test_seal_use_cannot_supersede_itself():
    with pytest.raises(ValidationError):
        make_use(supersedes="use-2")


def test_china_date_of_a_utc_evening_is_the_next_day():
    assert china_date(datetime(2026, 11, 22, 16, 0, tzinfo=UTC)) == date(2026, 11, 23)


# -- seal kinds: the window's 受理专用章 and the 双章制 window copy ------------------------

CLERK = "clerk-li"


def intake_seal(**overrides: Any) -> SealRecord:
    values: dict[str, Any] = dict(
        id="seal-intake", kind=SealKind.INTAKE, title="受理专用章", window_name="3号窗口",
        serial="3301230000002", custodian_id="clerk-head", custodian_name="陈窗口",
    )
    values.update(overrides)
    return make_seal(**values)


def clerk_use(seal: SealRecord, **overrides: Any) -> str:
    arguments: dict[str, Any] = dict(actor_id=CLERK, actor_is_chief=False,
                                     actor_window_name="3号窗口",
                                     document_kind=SealableDocument.ACCEPTANCE_NOTICE)
    arguments.update(overrides)
    return use(seal, **arguments)


@pytest.mark.parametrize("kind", ["one_time_notice", "acceptance_notice", "rejection_notice",
                                  "special_procedure_notice", "delivery_receipt"])
def test_a_clerk_of_the_window_applies_its_intake_seal_to_counter_documents(kind):
    assert clerk_use(intake_seal(), document_kind=kind) == "window"


@pytest.mark.parametrize("kind", ["approval_decision", "denial_decision", "extension_notice"])
def test_the_intake_seal_never_goes_on_a_decision_or_an_extension(kind):
    with pytest.raises(SealRefused) as refused:
        clerk_use(intake_seal(), document_kind=kind)
    assert refused.value.code == "seal_kind_not_for_document"
    assert "审批专用章" in refused.value.message


def test_a_clerk_of_another_window_may_not_use_the_intake_seal():
    with pytest.raises(SealRefused) as refused:
        clerk_use(intake_seal(), actor_window_name="5号窗口")
    assert refused.value.code == "actor_foreign_window"
    assert "3号窗口" in refused.value.message


def test_a_clerk_of_another_department_may_not_use_the_intake_seal():
    with pytest.raises(SealRefused) as refused:
        clerk_use(intake_seal(), actor_department_code="GTJ")
    assert refused.value.code == "actor_foreign_department"


def test_an_intake_seal_needs_its_window():
    with pytest.raises(ValidationError) as refused:
        intake_seal(window_name=" ")
    assert refused.value.code == "seal.window_missing"


def test_the_window_copy_is_marked_2_and_kept_by_the_chief():
    seal = make_seal(id="seal-copy", kind=SealKind.WINDOW_COPY, title="", copy_mark="2")
    assert seal.full_title == "某某县行政审批局（2）"
    assert seal.drawn_title == "2"
    assert use(seal) == "custodian"
    with pytest.raises(SealRefused) as refused:
        use(seal, actor_id=CLERK, actor_is_chief=False, actor_window_name="3号窗口")
    assert refused.value.code == "not_custodian"
    with pytest.raises(ValidationError):
        make_seal(kind=SealKind.WINDOW_COPY, title="", copy_mark="")


def test_a_seal_record_round_trips_its_kind_and_an_old_record_is_an_approval_seal():
    seal = intake_seal()
    assert SealRecord.from_dict(seal.to_dict()) == seal
    old = make_seal().to_dict()
    for key in ("kind", "window_name", "copy_mark"):
        old.pop(key)
    assert SealRecord.from_dict(old).kind is SealKind.APPROVAL
    assert "受理专用章，3号窗口，编号 3301230000002" in seal.description
