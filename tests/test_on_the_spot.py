"""即办件 done on the spot by one authorized window officer (衡阳 意见 四; 北票 第二十五条):
review, approval, the decision sealed with the window's 双章制 seal "2" on the officer's
password and the result handed over, in one act, accepted by the county server's rules."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from docx import Document

from app.domain.case import CaseState, apply_event, authorize_event, replay
from app.domain.catalog import CaseType
from app.domain.errors import AuthenticationError, PermissionDenied, TransitionError
from app.domain.roles import Role
from app.domain.seal import SealKind
from app.print_templates import DocumentKind
from app.services import accounts, cases, catalog, documents, queries, seals
from app.services.runtime import Runtime
from app.store.repositories import CaseFilter
from tests.profile_fixtures import (
    MONDAY,
    NATURAL_APPLICANT,
    PASSWORD,
    Staff,
    business_matter,
    counter_seal,
    make_profile,
)


def _with_on_the_spot_matters(runtime: Runtime, staff: Staff) -> None:
    """SCJ-009 may be completed by one officer, SCJ-010 is a 即办件 that may not; the
    department's approval seal and its window copy "2"; 孙即办 holds the grant."""
    catalog.save_matter(runtime.uow, staff.admin, business_matter(
        code="SCJ-009", name="食品经营许可延续", case_type=CaseType.IMMEDIATE,
        promised_working_days=0, single_officer=True))
    catalog.save_matter(runtime.uow, staff.admin, business_matter(
        code="SCJ-010", name="食品经营许可注销", case_type=CaseType.IMMEDIATE,
        promised_working_days=0, single_officer=False))
    for kind, serial, mark in ((SealKind.APPROVAL, "1305340000001", ""),
                               (SealKind.WINDOW_COPY, "1305340000002", "2")):
        seals.register_seal(
            runtime.uow, staff.admin, runtime.key_store, department_code="SCJ",
            authority_name="清河县市场监督管理局", serial=serial, custodian_id=staff.chief.id,
            valid_from=date(2026, 1, 1), valid_to=None, made_on=date(2025, 12, 20),
            made_by="县公安局备案刻章点", kind=kind, copy_mark=mark,
            title="" if kind is SealKind.WINDOW_COPY else None,
        )
    accounts.create_user(runtime.uow, staff.admin, username="officer", display_name="孙即办",
                         password=PASSWORD, roles=frozenset({Role.CLERK, Role.ON_THE_SPOT}),
                         department_code="SCJ", window_name="3号窗口")


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    _with_on_the_spot_matters(runtime, staff)
    yield runtime, staff
    runtime.close()


def _officer(runtime: Runtime):
    return accounts.authenticate(runtime.uow, username="officer", password=PASSWORD)


def _accepted(runtime: Runtime, user, matter_code: str = "SCJ-009"):
    case = cases.register_case(runtime.uow, user, matter_code=matter_code,
                               applicant=NATURAL_APPLICANT, now=MONDAY)
    rows = [dict(m, received=True) for m in case.materials]
    cases.record_materials(runtime.uow, user, case.id, materials=rows, now=MONDAY)
    return cases.accept(runtime.uow, user, case.id, seal=counter_seal(runtime), now=MONDAY)


def _event_count(runtime: Runtime) -> int:
    with runtime.uow() as uow:
        return uow.events.count()


def _word_text(runtime: Runtime, case_id: str, kind: DocumentKind) -> str:
    issued = documents.latest_issued(runtime.uow, case_id, kind)
    assert issued is not None and issued.sealed
    document = Document(io.BytesIO(documents.word_file(runtime.uow, issued.id)))
    return "".join(p.text for p in document.paragraphs)


def test_the_authorized_officer_completes_the_case_alone_in_one_act(profile) -> None:
    runtime, staff = profile
    officer = _officer(runtime)
    case = _accepted(runtime, officer)
    done = cases.complete_on_the_spot(
        runtime.uow, officer, case.id, opinion="材料齐全，符合法定条件，当场准予。",
        seal=counter_seal(runtime), receiver="张三", now=MONDAY + timedelta(minutes=10))
    assert done.state is CaseState.DELIVERED
    assert done.outcome == "approved"
    assert done.completed_at == MONDAY + timedelta(minutes=10)
    assert done.review["actor_id"] == done.decision["actor_id"] == officer.id
    decision = next(s for s in done.seals if s["document_kind"] == "approval_decision")
    assert decision["actor_id"] == officer.id
    ledger = {e.document_kind: e for e in seals.ledger(runtime.uow, staff.supervisor)}
    # The decision carries the window's 双章制 seal marked "2", used at the window.
    entry = ledger["approval_decision"]
    assert entry.seal_title == "清河县市场监督管理局（2）"
    assert entry.actor_name == "孙即办"
    assert entry.purpose.startswith("即办件当场办结")
    assert "delivery_receipt" in ledger
    assert "准予" in _word_text(runtime, case.id, DocumentKind.APPROVAL_DECISION)


def test_a_case_done_on_the_spot_is_on_time_and_not_warned(profile) -> None:
    runtime, staff = profile
    officer = _officer(runtime)
    case = _accepted(runtime, officer)
    cases.complete_on_the_spot(runtime.uow, officer, case.id, opinion="当场准予。",
                               seal=counter_seal(runtime), now=MONDAY + timedelta(minutes=5))
    monday = MONDAY + timedelta(hours=8)
    warned = queries.list_cases(runtime.uow, staff.supervisor, CaseFilter(warning="warned"),
                                now=monday)
    assert case.id not in {row.id for row in warned}
    [row] = [r for r in queries.list_cases(runtime.uow, staff.supervisor, now=monday)
             if r.id == case.id]
    assert (row.warning, row.on_time) == ("normal", True)


def test_a_wrong_password_records_nothing(profile) -> None:
    runtime, _staff = profile
    officer = _officer(runtime)
    case = _accepted(runtime, officer)
    before = _event_count(runtime)
    with pytest.raises(AuthenticationError):
        cases.complete_on_the_spot(runtime.uow, officer, case.id, opinion="当场准予。",
                                   seal=counter_seal(runtime, "wrong"), now=MONDAY)
    assert _event_count(runtime) == before
    assert cases.get_case(runtime.uow, case.id).state is CaseState.ACCEPTED


def test_a_clerk_without_the_grant_is_refused_before_the_password(profile) -> None:
    runtime, staff = profile
    case = _accepted(runtime, staff.clerk)
    before = _event_count(runtime)
    with pytest.raises(PermissionDenied) as refused:
        cases.complete_on_the_spot(runtime.uow, staff.clerk, case.id, opinion="当场准予。",
                                   seal=counter_seal(runtime, "wrong"), now=MONDAY)
    assert "无权当场办结即办件" in refused.value.message
    assert _event_count(runtime) == before


def test_a_matter_not_marked_for_one_officer_needs_the_chief(profile) -> None:
    runtime, _staff = profile
    officer = _officer(runtime)
    case = _accepted(runtime, officer, "SCJ-010")
    with pytest.raises(TransitionError) as refused:
        cases.complete_on_the_spot(runtime.uow, officer, case.id, opinion="当场准予。",
                                   seal=counter_seal(runtime), now=MONDAY)
    assert refused.value.code == "on_the_spot_not_allowed"
    assert cases.get_case(runtime.uow, case.id).state is CaseState.ACCEPTED


def test_the_grant_alone_does_not_let_the_officer_seal_the_chiefs_decisions(profile) -> None:
    """An ordinary approval by the chief stays the chief's to seal."""
    runtime, staff = profile
    officer = _officer(runtime)
    case = _accepted(runtime, officer, "SCJ-010")
    cases.review(runtime.uow, officer, case.id, conforms=True, opinion="符合。", now=MONDAY)
    cases.approve(runtime.uow, staff.chief, case.id, opinion="同意。", now=MONDAY)
    with pytest.raises(PermissionDenied):
        seals.apply_seal(runtime.uow, officer, case.id, document_kind="approval_decision",
                         password=PASSWORD, key_store=runtime.key_store, now=MONDAY)


def test_the_server_rules_accept_the_one_act_and_refuse_a_forged_one(profile) -> None:
    """The events the act records pass ``authorize_event`` replayed in order, as the
    county server checks them; the same approval without the grant is refused."""
    runtime, staff = profile
    officer = _officer(runtime)
    case = _accepted(runtime, officer)
    cases.complete_on_the_spot(runtime.uow, officer, case.id, opinion="当场准予。",
                               seal=counter_seal(runtime), now=MONDAY)
    history = cases.case_history(runtime.uow, case.id)
    actor = officer.actor()
    projected = None
    for event in history:
        authorize_event(projected, event, actor if event.actor_id == officer.id else
                        staff.clerk.actor())
        projected = apply_event(projected, event)
    assert projected == replay(history)
    assert projected.state is CaseState.DELIVERED
    approved_at = next(i for i, e in enumerate(history) if e.type.value == "approved")
    before = replay(history[:approved_at])
    plain_clerk = staff.clerk.actor()
    with pytest.raises(PermissionDenied):
        authorize_event(before, history[approved_at], plain_clerk)

