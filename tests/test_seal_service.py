"""一审一核 and the approval seal, end to end through the services."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from app.domain.case import CaseState
from app.domain.errors import AuthenticationError, PermissionDenied, SealRefused, TransitionError
from app.domain.seal import SealKind, SealStatus
from app.print_templates import DocumentKind
from app.services import accounts, cases, documents, seals
from app.services.runtime import Runtime
from app.services.system import verify_audit
from tests.profile_fixtures import (
    MONDAY,
    NATURAL_APPLICANT,
    PASSWORD,
    Staff,
    counter_seal,
    make_profile,
)


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


def _uses(runtime: Runtime, staff: Staff, kind: str) -> list[seals.LedgerEntry]:
    return [e for e in seals.ledger(runtime.uow, staff.supervisor) if e.document_kind == kind]


def _approval_seals(runtime: Runtime) -> list:
    return [s for s in seals.list_seals(runtime.uow) if s.kind is SealKind.APPROVAL]


def _reviewed(runtime: Runtime, staff: Staff):
    case = cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant=NATURAL_APPLICANT, now=MONDAY)
    cases.record_materials(runtime.uow, staff.clerk, case.id, now=MONDAY,
                           materials=[dict(m, received=True) for m in case.materials])
    cases.accept(runtime.uow, staff.clerk, case.id, seal=counter_seal(runtime), now=MONDAY)
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
    assert issued.document_number == "县市监许〔2026〕1号"
    [entry] = _uses(runtime, staff, "approval_decision")
    assert entry.pdf_sha256 == issued.pdf_sha256
    assert (entry.seal_kind_label, entry.purpose, entry.copies) == (
        "审批专用章", "作出准予行政许可决定", 2)
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
    assert _uses(runtime, staff, "approval_decision") == []
    assert cases.get_case(runtime.uow, case.id).state is CaseState.APPROVED


def test_revoked_seal_is_refused_with_the_reason(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    [seal] = _approval_seals(runtime)
    seals.set_seal_status(runtime.uow, staff.admin, seal.id, SealStatus.REVOKED)
    with pytest.raises(SealRefused) as err:
        _seal(runtime, staff.chief, case.id)
    assert err.value.code == "seal_revoked"
    assert "注销" in err.value.message


def test_suspended_seal_is_refused(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    [seal] = _approval_seals(runtime)
    seals.set_seal_status(runtime.uow, staff.admin, seal.id, SealStatus.SUSPENDED)
    with pytest.raises(SealRefused) as err:
        _seal(runtime, staff.chief, case.id)
    assert err.value.code == "seal_suspended"


def test_unsealable_state_is_refused(profile) -> None:
    runtime, staff = profile
    case = _reviewed(runtime, staff)  # not yet approved
    with pytest.raises(TransitionError):
        _seal(runtime, staff.chief, case.id)
    assert _uses(runtime, staff, "approval_decision") == []


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
    uses = _uses(runtime, staff, "approval_decision")
    assert [u.supersedes for u in uses] == [None, first.id]
    assert uses[1].purpose == "更正准予行政许可决定书"
    # The legal completion time stays the first seal's.
    assert cases.get_case(runtime.uow, case.id).completed_at == MONDAY + timedelta(hours=3)


def test_reprint_gives_the_same_bytes(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    issued = _seal(runtime, staff.chief, case.id)
    [stored] = [d for d in documents.documents_for_case(runtime.uow, case.id)
                if d.kind is DocumentKind.APPROVAL_DECISION]
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
    assert len(seals.ledger(runtime.uow, staff.supervisor)) == 2  # the notice, the decision
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


def test_the_acceptance_notice_sealed_at_the_counter_is_not_sealed_again_later(profile) -> None:
    runtime, staff = profile
    case = _reviewed(runtime, staff)
    with pytest.raises(SealRefused) as err:
        _seal(runtime, staff.chief, case.id, kind=DocumentKind.ACCEPTANCE_NOTICE, hours=2)
    assert err.value.code == "already_sealed"
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


def test_registry_keeps_no_picture_of_the_seal(profile) -> None:
    runtime, _ = profile
    assert all(seal.image_sha256 is None for seal in seals.list_seals(runtime.uow))
    assert not hasattr(seals, "seal_image")
    with runtime.uow() as uow:
        columns = {row[1] for row in uow.session.execute(text("PRAGMA table_info(seals)"))}
    assert "image" not in columns


# ---------------------------------------------------------------- verify-doc


def test_qr_code_carries_the_seal_use_and_a_code_only_the_seal_key_makes(profile) -> None:
    import io

    import pypdf

    from app.print_templates import parse_verification_url
    from app.signing.codes import DocumentIdentity, code_matches

    runtime, staff = profile
    with runtime.uow() as uow:
        uow.settings.set("server_url", "https://zwfw.qinghe.gov.cn/counterdesk")
        uow.commit()
    case = _approved(runtime, staff)
    issued = _seal(runtime, staff.chief, case.id)
    keywords = pypdf.PdfReader(io.BytesIO(issued.pdf)).metadata["/Keywords"]
    assert keywords.startswith(f"https://zwfw.qinghe.gov.cn/counterdesk/v/{issued.id}?c=")
    document_id, code = parse_verification_url(keywords)
    [seal] = _approval_seals(runtime)
    identity = DocumentIdentity(
        document_id=document_id, seal_id=seal.id, case_number=case.number,
        document_kind="approval_decision", document_number=issued.document_number,
        sealed_at=issued.created_at,
    )
    key = runtime.key_store.load(seal.id).key
    assert code_matches(key, identity, code)
    [sealed] = [s for s in cases.get_case(runtime.uow, case.id).seals
                if s["document_kind"] == "approval_decision"]
    with runtime.uow() as uow:
        event = uow.events.first_sealed(payload_key="pdf_sha256", value=issued.pdf_sha256)
    assert event.payload["verification_code"] == code  # what the server page compares
    assert sealed["seal_use_id"] == document_id


def test_verify_doc_says_which_corrected_document_supersedes_a_document(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    first = _seal(runtime, staff.chief, case.id)
    corrected = _seal(runtime, staff.chief, case.id, hours=4, supersedes=first.id)
    old = seals.verify_document(runtime.uow, first.pdf)
    assert old.status is seals.VerificationStatus.SUPERSEDED and not old.valid
    assert f"已被更正文书 {corrected.document_number}" in old.summary
    assert "取代" in old.summary
    assert seals.verify_document(runtime.uow, corrected.pdf).valid


def test_verify_doc_ignores_padding_after_the_signed_document(profile) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    issued = _seal(runtime, staff.chief, case.id)
    result = seals.verify_document(runtime.uow, issued.pdf + b"\r\n\x00\x00")
    assert result.status is seals.VerificationStatus.VALID
    assert issued.document_number in result.summary
    assert "另有4个字节" in result.summary


def test_verify_doc_refuses_a_document_changed_after_sealing(profile) -> None:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    runtime, staff = profile
    case = _approved(runtime, staff)
    issued = _seal(runtime, staff.chief, case.id)
    writer = IncrementalPdfFileWriter(io.BytesIO(issued.pdf))
    writer.root["/PageMode"] = writer.root["/PageMode"]
    writer.update_root()
    appended = io.BytesIO()
    writer.write(appended)
    result = seals.verify_document(runtime.uow, appended.getvalue())
    assert result.status is seals.VerificationStatus.ALTERED
    assert "未通过" in result.summary


def test_verify_doc_reports_a_genuine_receipt_as_unsealed(profile) -> None:
    runtime, staff = profile
    case = _reviewed(runtime, staff)
    receipt = documents.issue_unsealed(runtime.uow, staff.clerk, case.id, DocumentKind.RECEIPT)
    result = seals.verify_document(runtime.uow, receipt.pdf)
    assert result.status is seals.VerificationStatus.UNSEALED
    assert "未盖章" in result.summary and receipt.document_number in result.summary
    assert "改动" not in result.summary
    forged = seals.verify_document(runtime.uow, receipt.pdf.replace(b"/Type /Page", b"/Type /Page ", 1))
    assert forged.status is seals.VerificationStatus.UNKNOWN


def _other_station(tmp_path: Path, source: Runtime, *, with_event: bool, with_cert: bool):
    """A second profile that knows the first one's seal (as sync would bring it)."""
    from app.store import models

    other, _ = make_profile(tmp_path / "other")
    with source.uow() as uow:
        # The approval seal that sealed the decision (the window's seal sealed the notice).
        [seal] = [s for s in uow.seals.all() if s.data["kind"] == SealKind.APPROVAL.value]
        seal_row = dict(id=seal.id, department_code=seal.department_code, serial=seal.serial,
                        status=seal.status, data=dict(seal.data),
                        cert_pem=seal.cert_pem if with_cert else None,
                        updated_at=seal.updated_at)
        events = [dict(id=e.id, case_id=e.case_id, type=e.type, actor_id=e.actor_id,
                       actor_name=e.actor_name, station=e.station, device_time=e.device_time,
                       payload=dict(e.payload), recorded_at=e.recorded_at)
                  for e in uow.session.query(models.EventRow).filter_by(type="sealed")
                  if e.payload["seal_id"] == seal.id]
    with other.uow() as uow:
        uow.session.query(models.Seal).delete()
        uow.seals.save(models.Seal(**seal_row))
        if with_event:
            for event in events:
                uow.session.add(models.EventRow(**event))
        uow.commit()
    return other


@pytest.mark.parametrize("with_event,with_cert", [(True, False), (True, True), (False, True)],
                         ids=["synced-event", "event-and-certificate", "certificate-only"])
def test_verify_doc_names_the_station_of_an_intact_document_sealed_elsewhere(
    profile, tmp_path: Path, with_event: bool, with_cert: bool
) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    issued = _seal(runtime, staff.chief, case.id)
    other = _other_station(tmp_path, runtime, with_event=with_event, with_cert=with_cert)
    try:
        result = seals.verify_document(other.uow, issued.pdf)
    finally:
        other.close()
    assert result.status is seals.VerificationStatus.VALID_ELSEWHERE and result.valid
    assert "其他站点（XC01）" in result.summary
    assert "改动" in result.summary and "未被改动" in result.summary


def test_verify_doc_of_a_document_signed_by_an_unknown_seal_fails(profile, tmp_path) -> None:
    runtime, staff = profile
    case = _approved(runtime, staff)
    issued = _seal(runtime, staff.chief, case.id)
    other = _other_station(tmp_path, runtime, with_event=False, with_cert=False)
    try:
        result = seals.verify_document(other.uow, issued.pdf)
    finally:
        other.close()
    assert result.status is seals.VerificationStatus.UNKNOWN
    assert "未通过" in result.summary


def test_sealing_after_the_seal_certificate_expired_is_refused_and_writes_nothing(
    tmp_path: Path,
) -> None:
    runtime, staff = make_profile(tmp_path / "profile")
    try:
        seals.register_seal(
            runtime.uow, staff.admin, runtime.key_store, department_code="SCJ",
            authority_name="清河县市场监督管理局", serial="1305340000002",
            custodian_id=staff.chief.id, valid_from=date(2026, 1, 1), valid_to=None,
            made_on=date(2025, 12, 20), made_by="县公安局备案刻章点",
        )
        case = _approved(runtime, staff)
        with pytest.raises(SealRefused) as refused:
            _seal(runtime, staff.chief, case.id, hours=24 * 365 * 11)
        assert refused.value.code == "seal_certificate_not_valid"
        assert "电子证书的有效期" in refused.value.message
        assert _uses(runtime, staff, "approval_decision") == []
        assert cases.get_case(runtime.uow, case.id).state is CaseState.APPROVED
    finally:
        runtime.close()


def test_a_station_checks_a_typed_code_with_its_seal_key(profile) -> None:
    import pypdf

    from app.print_templates import parse_verification_url

    runtime, staff = profile
    case = _approved(runtime, staff)
    issued = _seal(runtime, staff.chief, case.id)
    url = pypdf.PdfReader(io.BytesIO(issued.pdf)).metadata["/Keywords"]
    document_id, code = parse_verification_url(url)
    assert url.startswith("counterdesk:v/")  # no server configured: the offline form
    assert seals.verification_code_matches(runtime.uow, runtime.key_store,
                                           document_id=document_id, code=code.lower())
    other = "".join("B" if c == "A" else "A" if c.isalpha() else c for c in code)
    assert not seals.verification_code_matches(runtime.uow, runtime.key_store,
                                               document_id=document_id, code=other)
    assert not seals.verification_code_matches(runtime.uow, runtime.key_store,
                                               document_id="0" * 36, code=code)
