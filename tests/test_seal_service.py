"""一审一核 and the approval seal, end to end through the services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.domain.case import CaseState
from app.domain.errors import AuthenticationError, PermissionDenied, SealRefused, TransitionError
from app.domain.seal import SealStatus
from app.print_templates import DocumentKind
from app.services import accounts, cases, documents, seals
from app.services.runtime import Runtime
from app.services.system import verify_audit
from tests.profile_fixtures import MONDAY, NATURAL_APPLICANT, PASSWORD, Staff, make_profile


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    seals.register_seal(
        runtime.uow, staff.admin, runtime.key_store, department_code="SCJ",
        authority_name="清河县市场监督管理局", serial="1305340000001", custodian_id=staff.chief.id,
        valid_from=date(2026, 1, 1), valid_to=date(2028, 12, 31), made_on=date(2025, 12, 20),
        made_by="县公安局备案刻章点",
    )
    yield runtime, staff
    runtime.close()


def _reviewed(runtime: Runtime, staff: Staff):
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=MONDAY)
    cases.record_materials(runtime.uow, staff.clerk, case.id, now=MONDAY,
                           materials=[dict(m, received=True) for m in case.materials])
    cases.accept(runtime.uow, staff.clerk, case.id, now=MONDAY)
    return cases.review(runtime.uow, staff.clerk, case.id, conforms=True, opinion="符合条件",
                        now=MONDAY + timedelta(hours=1))


def _approved(runtime: Runtime, staff: Staff):
    case = _reviewed(runtime, staff)
    return cases.approve(runtime.uow, staff.chief, case.id, opinion="同意",
                         now=MONDAY + timedelta(hours=2))


def _seal(runtime: Runtime, user, case_id: str, *, password: str = PASSWORD,
          kind: DocumentKind = DocumentKind.APPROVAL_DECISION, hours: int = 3, **extra):
    return seals.apply_seal(runtime.uow, user, case_id, document_kind=kind, password=password,
                            key_store=runtime.key_store, now=MONDAY + timedelta(hours=hours),
                            **extra)


def test_review_approve_seal_sets_the_legal_completion_time(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    issued = _seal(runtime, staff.chief, case.id)
    case = cases.get_case(runtime.uow, case.id)
    assert case.state is CaseState.COMPLETED
    assert case.completed_at == MONDAY + timedelta(hours=3)
    assert issued.document_number.startswith("县市监〔2026〕XC01第")
    [entry] = seals.ledger(runtime.uow, staff.supervisor)
    assert entry.pdf_sha256 == issued.pdf_sha256
    assert entry.case_number == case.number


def test_clerk_cannot_apply_the_seal(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    with pytest.raises(PermissionDenied):
        _seal(runtime, staff.clerk, case.id)


def test_chief_of_another_department_is_refused(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    with pytest.raises(SealRefused):
        _seal(runtime, staff.other_chief, case.id)


def test_wrong_password_is_refused_and_nothing_is_recorded(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    with pytest.raises(AuthenticationError):
        _seal(runtime, staff.chief, case.id, password="wrong-password1")
    assert seals.ledger(runtime.uow, staff.supervisor) == []
    assert cases.get_case(runtime.uow, case.id).state is CaseState.APPROVED


def test_revoked_seal_is_refused_with_the_reason(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    [seal] = seals.list_seals(runtime.uow)
    seals.set_seal_status(runtime.uow, staff.admin, seal.id, SealStatus.REVOKED)
    with pytest.raises(SealRefused) as err:
        _seal(runtime, staff.chief, case.id)
    assert err.value.code == "seal_revoked"
    assert "注销" in err.value.message


def test_suspended_seal_is_refused(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    [seal] = seals.list_seals(runtime.uow)
    seals.set_seal_status(runtime.uow, staff.admin, seal.id, SealStatus.SUSPENDED)
    with pytest.raises(SealRefused) as err:
        _seal(runtime, staff.chief, case.id)
    assert err.value.code == "seal_suspended"


def test_unsealable_state_is_refused(profile) -> None:
    runtime, staff = profile
    case = _reviewed(runtime, staff)  # not yet approved
    with pytest.raises(TransitionError):
        _seal(runtime, staff.chief, case.id)
    assert seals.ledger(runtime.uow, staff.supervisor) == []


def test_deputy_may_seal_during_the_delegation_but_not_after(profile) -> None:
    runtime, staff = profile
    accounts.name_deputy(runtime.uow, staff.chief, deputy_id=staff.clerk2.id,
                         starts_at=MONDAY, ends_at=MONDAY + timedelta(hours=4),
                         reason="首席代表外出培训", now=MONDAY)
    first = _approved(runtime, staff)
    deputy = accounts.refresh_user(runtime.uow, staff.clerk2, now=MONDAY + timedelta(hours=3))
    assert deputy.deputy_for_departments == {"SCJ"}
    _seal(runtime, deputy, first.id, hours=3)
    second = _reviewed(runtime, staff)
    cases.approve(runtime.uow, staff.chief, second.id, opinion="同意",
                  now=MONDAY + timedelta(hours=2))
    with pytest.raises(SealRefused) as err:
        _seal(runtime, deputy, second.id, hours=5)
    assert err.value.code == "delegation_expired"


def test_sealing_twice_is_refused_but_a_correction_is_a_new_recorded_use(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    first = _seal(runtime, staff.chief, case.id)
    with pytest.raises(SealRefused) as err:
        _seal(runtime, staff.chief, case.id, hours=4)
    assert err.value.code == "already_sealed"
    corrected = _seal(runtime, staff.chief, case.id, hours=4, supersedes=first.id)
    assert corrected.document_number != first.document_number
    uses = seals.ledger(runtime.uow, staff.supervisor)
    assert [u.supersedes for u in uses] == [None, first.id]
    # The legal completion time stays the first seal's.
    assert cases.get_case(runtime.uow, case.id).completed_at == MONDAY + timedelta(hours=3)


def test_reprint_gives_the_same_bytes(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    issued = _seal(runtime, staff.chief, case.id)
    [stored] = [d for d in documents.documents_for_case(runtime.uow, case.id) if d.sealed]
    assert documents.reprint(runtime.uow, stored.id).pdf == issued.pdf
    assert stored.pdf_sha256 == issued.pdf_sha256


def test_ledger_is_append_only_below_the_program(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    _seal(runtime, staff.chief, case.id)
    with runtime.engine.connect() as connection:
        with pytest.raises(Exception, match="append-only"):
            connection.execute(text("DELETE FROM seal_uses"))
        connection.rollback()
        with pytest.raises(Exception, match="append-only"):
            connection.execute(text("UPDATE seal_uses SET actor_name = 'x'"))
    assert len(seals.ledger(runtime.uow, staff.supervisor)) == 1
    assert verify_audit(runtime.uow)[1] is None


def test_ledger_is_not_shown_to_clerks(profile) -> None:
    runtime, staff = profile
    with pytest.raises(PermissionDenied):
        seals.ledger(runtime.uow, staff.clerk)


def test_verify_untouched_pdf_passes_and_one_changed_byte_fails(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    issued = _seal(runtime, staff.chief, case.id)
    assert seals.verify_document(runtime.uow, issued.pdf).valid
    tampered = bytearray(issued.pdf)
    position = issued.pdf.index(b"/Type /Page") + 2
    tampered[position] ^= 0x01
    result = seals.verify_document(runtime.uow, bytes(tampered))
    assert not result.valid
    assert "未通过" in result.summary


def test_sealed_acceptance_notice_keeps_the_case_running(profile) -> None:
    runtime, staff = profile
    case = _reviewed(runtime, staff)
    _seal(runtime, staff.chief, case.id, kind=DocumentKind.ACCEPTANCE_NOTICE, hours=2)
    assert cases.get_case(runtime.uow, case.id).state is CaseState.REVIEWED


def test_ledger_pdf_lists_the_uses(profile) -> None:
    import io

    import pdfplumber

    runtime, staff = profile
    case = _approved(runtime, staff)
    _seal(runtime, staff.chief, case.id)
    pdf = seals.ledger_pdf(runtime.uow, staff.supervisor, start=date(2026, 11, 1),
                           end=date(2026, 11, 30))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        text_content = "".join(page.extract_text() or "" for page in document.pages)
    assert case.number in text_content.replace(" ", "")


def test_registry_keeps_a_generated_image_of_the_seal(profile) -> None:
    import hashlib

    runtime, _ = profile
    [seal] = seals.list_seals(runtime.uow)
    image = seals.seal_image(runtime.uow, seal.id)
    if image is None:
        pytest.skip("no TrueType CJK font on this machine to draw the seal picture with")
    assert image.startswith(b"\x89PNG")
    assert seal.image_sha256 == hashlib.sha256(image).hexdigest()
