"""The seal password is limited like the login: five wrong tries lock that seal's use for
that person for 15 minutes, audited, on every sealing path."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.domain.case import CaseState
from app.domain.errors import AuthenticationError
from app.print_templates import DocumentKind
from app.services import cases, seals
from app.services.runtime import Runtime
from app.services.system import verify_audit
from tests import test_seal_service
from tests.profile_fixtures import MONDAY, NATURAL_APPLICANT, PASSWORD, Staff, counter_seal

WRONG = "wrong-password1"


profile = test_seal_service.profile


def _registered(runtime: Runtime, staff: Staff):
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=MONDAY)
    return cases.record_materials(runtime.uow, staff.clerk, case.id, now=MONDAY,
                                  materials=[dict(m, received=True) for m in case.materials])


_approved = test_seal_service._approved


def _seal(runtime: Runtime, user, case_id: str, password: str, at):
    return seals.apply_seal(runtime.uow, user, case_id, password=password,
                            document_kind=DocumentKind.APPROVAL_DECISION,
                            key_store=runtime.key_store, now=at)


def _accept(runtime: Runtime, staff: Staff, case_id: str, password: str, at):
    return cases.accept(runtime.uow, staff.clerk, case_id, seal=counter_seal(runtime, password),
                        now=at)


def test_five_wrong_passwords_lock_the_approval_seal_until_a_stated_time(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    at = MONDAY + timedelta(hours=3)
    for left in (4, 3, 2, 1):
        with pytest.raises(AuthenticationError) as wrong:
            _seal(runtime, staff.chief, case.id, WRONG, at)
        assert wrong.value.code == "wrong_password" and f"再错{left}次" in wrong.value.message
    with pytest.raises(AuthenticationError) as locked:
        _seal(runtime, staff.chief, case.id, WRONG, at)
    assert locked.value.code == "seal_password_locked"
    # 12:00 Beijing time (04:00 UTC) plus 15 minutes, in local time.
    assert "暂停使用至12:15" in locked.value.message
    assert "行政审批专用章" in locked.value.message
    # Locked: even the right password seals nothing until then.
    with pytest.raises(AuthenticationError) as still:
        _seal(runtime, staff.chief, case.id, PASSWORD, at + timedelta(minutes=14))
    assert still.value.code == "seal_password_locked"
    assert cases.get_case(runtime.uow, case.id).state is CaseState.APPROVED
    _seal(runtime, staff.chief, case.id, PASSWORD, at + timedelta(minutes=15, seconds=1))
    assert cases.get_case(runtime.uow, case.id).state is CaseState.COMPLETED


def test_wrong_seal_passwords_and_the_lock_are_audited(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    at = MONDAY + timedelta(hours=3)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            _seal(runtime, staff.chief, case.id, WRONG, at)
    with runtime.uow() as uow:
        bodies = [json.loads(r.body) for r in uow.audit.records()]
    records = [b for b in bodies if b.get("kind") == "seal"]
    assert [r["action"] for r in records].count("seal_password_failed") == 5
    [lock] = [r for r in records if r["action"] == "seal_password_locked"]
    assert lock["user"] == staff.chief.id and lock["until"].startswith("2026-11-23T04:15")
    assert verify_audit(runtime.uow)[1] is None


def test_a_right_password_resets_the_count(profile) -> None:
    runtime, staff = profile
    at = MONDAY + timedelta(hours=3)
    first, second = _approved(runtime, staff), _approved(runtime, staff)
    for _ in range(4):
        with pytest.raises(AuthenticationError):
            _seal(runtime, staff.chief, first.id, WRONG, at)
    _seal(runtime, staff.chief, first.id, PASSWORD, at)
    with pytest.raises(AuthenticationError) as wrong:
        _seal(runtime, staff.chief, second.id, WRONG, at)
    assert "再错4次" in wrong.value.message


def test_the_window_seal_locks_for_the_clerk_and_not_the_chiefs_seal(profile) -> None:
    runtime, staff = profile
    approved = _approved(runtime, staff)
    case = _registered(runtime, staff)
    at = MONDAY + timedelta(hours=3)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            _accept(runtime, staff, case.id, WRONG, at)
    with pytest.raises(AuthenticationError) as locked:
        _accept(runtime, staff, case.id, PASSWORD, at)
    assert locked.value.code == "seal_password_locked" and "受理专用章" in locked.value.message
    assert cases.get_case(runtime.uow, case.id).state is CaseState.REGISTERED
    # Another person, another seal: the chief still seals.
    _seal(runtime, staff.chief, approved.id, PASSWORD, at)
    assert cases.get_case(runtime.uow, approved.id).state is CaseState.COMPLETED


def test_the_check_before_registering_counts_toward_the_window_seals_lock(profile) -> None:
    runtime, staff = profile
    case = _registered(runtime, staff)
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            cases.confirm_counter_password(runtime.uow, staff.clerk, WRONG,
                                           matter_code="SCJ-001", now=MONDAY)
    with pytest.raises(AuthenticationError) as locked:
        _accept(runtime, staff, case.id, PASSWORD, MONDAY + timedelta(minutes=1))
    assert locked.value.code == "seal_password_locked"
