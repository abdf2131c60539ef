"""The approval seal: its registry, each recorded use, the ledger and verification.

Applying the seal is an explicit act by the custodian (or their deputy while the
delegation lasts), confirmed with the password. One transaction writes the seal usage
record, the sealed document (the signed PAdES PDF, and a Word reference copy that
carries no seal), the SEALED event and the audit record; a decision's seal time is the
case's legal completion time. The registry keeps no picture of a seal: documents draw
it from the record.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from app.domain.calendar import format_chinese_date
from app.domain.case import apply_event, effective_roles
from app.domain.errors import DomainError, NotFound, SealRefused, ValidationError
from app.domain.events import Event, EventType
from app.domain.roles import Action, Role, authorize
from app.domain.seal import Delegation, SealRecord, SealStatus, check_seal_use
from app.print_templates import (
    DocumentContext,
    DocumentKind,
    LedgerRow,
    SealAppearance,
    render_docx,
    render_pdf,
    seal_context,
)
from app.services.accounts import confirm_password
from app.services.cases import current_actor
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now
from app.services.documents import (
    IssuedDocument,
    _moment_text,
    allocate_document_number,
    build_context,
    font_path,
    sha256_hex,
)
from app.services.recording import load_case, record_local
from app.signing import (
    CertificateNotValidAt,
    SealKeyPair,
    SealKeyStore,
    certificate_fingerprint,
    check_signing_time,
    ensure_seal_key,
)
from app.signing.codes import DocumentIdentity, code_matches, verification_code
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

SEALABLE = {
    DocumentKind.ACCEPTANCE_NOTICE,
    DocumentKind.REJECTION_NOTICE,
    DocumentKind.APPROVAL_DECISION,
    DocumentKind.DENIAL_DECISION,
    DocumentKind.RESULT_NOTICE,
    DocumentKind.REFUSAL_NOTICE,
}


def _record(row: models.Seal) -> SealRecord:
    return SealRecord.from_dict(row.data)


def register_seal(
    uow_factory: UnitOfWorkFactory,
    admin: CurrentUser,
    key_store: SealKeyStore,
    *,
    department_code: str,
    authority_name: str,
    serial: str,
    custodian_id: str,
    valid_from: date,
    valid_to: date | None,
    made_on: date,
    made_by: str,
    title: str = "行政审批专用章",
    now: datetime | None = None,
) -> SealRecord:
    """Enter a seal in the registry and create its signing key (kept out of the database)."""
    authorize(admin.roles, Action.MANAGE_SEALS, who=admin.display_name)
    now = now or utc_now()
    with uow_factory() as uow:
        department = uow.catalog.department(department_code)
        if department is None:
            raise NotFound("department_not_found", f"部门{department_code}不存在。")
        custodian = uow.users.get(custodian_id)
        if custodian is None or "chief" not in custodian.roles.split(","):
            raise ValidationError("custodian_not_chief", "印章保管人必须是该部门的首席代表。",
                                  field="custodian")
        if custodian.department_code != department_code:
            raise ValidationError("custodian_foreign", "印章保管人不属于该部门。",
                                  field="custodian")
        if any(s.serial == serial for s in uow.seals.all()):
            raise ValidationError("duplicate_serial", f"印章编号{serial}已登记。", field="serial")
        record = SealRecord(
            id=str(uuid.uuid4()), authority_name=authority_name.strip(),
            department_code=department_code, department_name=department.name,
            serial=serial.strip(), custodian_id=custodian.id,
            custodian_name=custodian.display_name, valid_from=valid_from, valid_to=valid_to,
            status=SealStatus.IN_USE, replaced_by=None, made_on=made_on, made_by=made_by,
            image_sha256=None, title=title,
        )
        # No picture of the seal is kept: every document draws it from this record, and a
        # stored image would be a seal anyone could paste onto anything.
        key_pair = _seal_key(key_store, record, now)
        uow.seals.save(models.Seal(
            id=record.id, department_code=department_code, serial=record.serial,
            status=record.status.value, data=record.to_dict(),
            cert_pem=key_pair.cert.public_bytes(Encoding.PEM).decode("ascii"), updated_at=now,
        ))
        uow.audit.append({"kind": "seal_registry", "action": "register", "seal": record.id,
                          "serial": record.serial, "by": admin.id, "at": now.isoformat()})
        uow.commit()
        return record


def set_seal_status(
    uow_factory: UnitOfWorkFactory,
    admin: CurrentUser,
    seal_id: str,
    status: SealStatus,
    *,
    replaced_by: str | None = None,
    now: datetime | None = None,
) -> SealRecord:
    """Suspend, revoke, replace or put back in use a seal; recorded in the audit chain."""
    authorize(admin.roles, Action.MANAGE_SEALS, who=admin.display_name)
    now = now or utc_now()
    with uow_factory() as uow:
        row = uow.seals.get(seal_id)
        if row is None:
            raise NotFound("seal_not_found", "印章不存在。")
        record = dataclasses.replace(_record(row), status=status, replaced_by=replaced_by)
        row.data = record.to_dict()
        row.status = status.value
        row.updated_at = now
        uow.audit.append({"kind": "seal_registry", "action": "status", "seal": seal_id,
                          "status": status.value, "by": admin.id, "at": now.isoformat()})
        uow.commit()
        return record


def list_seals(uow_factory: UnitOfWorkFactory) -> list[SealRecord]:
    with uow_factory() as uow:
        return [_record(r) for r in uow.seals.all()]


def _seal_key(key_store: SealKeyStore, seal: SealRecord, now: datetime) -> SealKeyPair:
    """The seal's key pair, made on first use with a certificate that covers the seal's
    validity from its first day (so a use dated on that day can be signed)."""
    return ensure_seal_key(
        key_store, seal.id, seal.full_title, seal.authority_name, clock=lambda: now,
        valid_from=datetime.combine(seal.valid_from, time.min, CHINA_TZ),
    )


def _delegations(uow: UnitOfWork, user_id: str) -> list[Delegation]:
    result = []
    for row in uow.users.delegations_for(user_id):
        deputy = uow.users.get(row.deputy_id)
        result.append(Delegation(
            id=row.id, chief_id=row.chief_id, deputy_id=row.deputy_id,
            deputy_name=deputy.display_name if deputy else "", department_code=row.department_code,
            starts_at=row.starts_at, ends_at=row.ends_at, reason=row.reason or "临时代理",
        ))
    return result


def _seal_for(uow: UnitOfWork, department_code: str, seal_id: str | None) -> models.Seal:
    if seal_id:
        row = uow.seals.get(seal_id)
        if row is None:
            raise NotFound("seal_not_found", "印章不存在。")
        return row
    rows = uow.seals.for_department(department_code)
    in_use = [r for r in rows if r.status == SealStatus.IN_USE.value]
    if in_use:
        return sorted(in_use, key=lambda r: r.data.get("valid_from", ""))[-1]
    if rows:
        return rows[-1]  # let check_seal_use explain why it cannot be used
    raise SealRefused("no_seal", "该部门尚未登记审批专用章，请联系中心管理员。")


def apply_seal(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    case_id: str,
    *,
    document_kind: DocumentKind | str,
    password: str,
    key_store: SealKeyStore,
    seal_id: str | None = None,
    supersedes: str | None = None,
    now: datetime | None = None,
) -> IssuedDocument:
    """Seal a decision or notice: checks, renders, signs, records — or refuses, writing nothing."""
    kind = DocumentKind(document_kind)
    if kind not in SEALABLE:
        raise SealRefused("document_not_sealable", f"{kind.label}不能加盖审批专用章。")
    authorize(effective_roles(user.actor()), Action.SEAL, who=user.display_name)
    confirm_password(uow_factory, user, password)
    now = now or utc_now()
    try:
        return _apply_seal(uow_factory, user, case_id, kind=kind, key_store=key_store,
                           seal_id=seal_id, supersedes=supersedes, now=now)
    except DomainError as error:
        log.info("seal refused on case %s for user %s: %s", case_id, user.id, error.code)
        raise


def _apply_seal(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    case_id: str,
    *,
    kind: DocumentKind,
    key_store: SealKeyStore,
    seal_id: str | None,
    supersedes: str | None,
    now: datetime,
) -> IssuedDocument:
    with uow_factory() as uow:
        case = load_case(uow, case_id)
        row = _seal_for(uow, case.department_code, seal_id)
        seal = _record(row)
        check_seal_use(
            seal, actor_id=user.id, actor_department_code=user.department_code,
            actor_is_chief=Role.CHIEF in user.roles, delegations=_delegations(uow, user.id),
            document_kind=kind.value, case_department_code=case.department_code, at=now,
        )
        already = [s for s in case.seals if s["document_kind"] == kind.value]
        if already and supersedes is None:
            raise SealRefused("already_sealed",
                              f"本件的{kind.label}已盖章，请重新打印原文书；更正须作为新的用印登记。")
        if supersedes is not None and uow.seals.use(supersedes) is None:
            raise NotFound("seal_use_not_found", "被更正的用印记录不存在。")
        use_id = str(uuid.uuid4())
        probe = _sealed_event(user, case.id, now, kind, "-", seal.id, use_id, "0" * 64,
                              supersedes, code="", cert_sha256="")
        apply_event(case, probe)  # refuses an unsealable state before anything is rendered
        key_pair = _seal_key(key_store, seal, now)
        fingerprint = certificate_fingerprint(key_pair.cert)
        if row.cert_pem is None:
            # A seal registered elsewhere (the county server) gets its certificate here,
            # on its first use, and keeps it: a later, different key is refused.
            row.cert_pem = key_pair.cert.public_bytes(Encoding.PEM).decode("ascii")
        elif fingerprint != certificate_fingerprint(
            x509.load_pem_x509_certificate(row.cert_pem.encode("ascii"))
        ):
            raise SealRefused("seal_key_mismatch",
                              "本机的印章密钥与印章登记不符，不能用印，请联系中心管理员。")
        try:
            check_signing_time(key_pair.cert, now)
        except CertificateNotValidAt as error:
            raise SealRefused(
                "seal_certificate_not_valid",
                f"用印时间{_moment_text(now)}不在{seal.full_title}电子证书的有效期"
                f"（{_moment_text(error.not_before)}至{_moment_text(error.not_after)}）内，"
                "不能用印。请核对本机时钟，或请中心管理员为该印章更换证书。",
                seal_id=seal.id, at=now.isoformat(),
            ) from None
        number = allocate_document_number(
            uow, department_code=case.department_code, station=user.station,
            year=local_date(now).year, kind=kind,
        )
        code = verification_code(key_pair.key, DocumentIdentity(
            document_id=use_id, seal_id=seal.id, case_number=case.number,
            document_kind=kind.value, document_number=number, sealed_at=now,
        ))
        context = build_context(uow, case, kind, user=user, document_number=number,
                                issued_at=now)
        sealed_context = seal_context(
            context,
            appearance=SealAppearance(authority_name=seal.authority_name, seal_title=seal.title,
                                      serial=seal.serial),
            sealed_at_text=_moment_text(now),
            document_id=use_id,
            verification_code=code,
            verification_base=uow.settings.get("server_url", ""),
        )
        fonts = font_path(uow)
        # Imported here: pyHanko (and the aiohttp it brings) would add 0.3 s to every
        # start of the program for a step only sealing needs.
        from app.signing.pades import sign_pdf

        pdf = sign_pdf(render_pdf(sealed_context, font_path=fonts), key_pair.key, key_pair.cert,
                       reason=f"{kind.label} {number}", location=user.station,
                       signing_time=now)
        digest = sha256_hex(pdf)
        uow.seals.add_use(models.SealUse(
            id=use_id, seal_id=seal.id, case_id=case.id, case_number=case.number,
            document_kind=kind.value, document_number=number, pdf_sha256=digest,
            actor_id=user.id, actor_name=user.display_name, station=user.station,
            window_name=user.window_name, used_at=now, supersedes=supersedes,
        ))
        uow.documents.add(models.Document(
            id=str(uuid.uuid4()), case_id=case.id, kind=kind.value, document_number=number,
            # The Word file of a sealed document is its reference copy: no seal, and it
            # says the signed PDF is the original.
            pdf=pdf, pdf_sha256=digest, docx=render_docx(sealed_context, font_path=fonts),
            seal_use_id=use_id, created_at=now,
        ))
        event = _sealed_event(user, case.id, now, kind, number, seal.id, use_id, digest,
                              supersedes, code=code, cert_sha256=fingerprint)
        record_local(uow, case, event, current_actor(uow, user, now), now=now)
        uow.commit()
        log.info("seal %s used on case %s (%s) by user %s", seal.id, case.id, kind.value,
                 user.id)
        return IssuedDocument(
            id=use_id, case_id=case.id, kind=kind, document_number=number, pdf=pdf,
            pdf_sha256=digest, sealed=True, created_at=now,
        )


def _sealed_event(user: CurrentUser, case_id: str, now: datetime, kind: DocumentKind,
                  number: str, seal_id: str, use_id: str, digest: str,
                  supersedes: str | None, *, code: str, cert_sha256: str) -> Event:
    # The verification code and the signer's certificate travel with the event: the
    # county server answers a scanned QR code from them, without any seal key, and
    # other stations check a document of this station against them.
    return Event(
        case_id=case_id, type=EventType.SEALED, actor_id=user.id,
        actor_name=user.display_name, station=user.station, device_time=now,
        payload={"document_kind": kind.value, "document_number": number, "seal_id": seal_id,
                 "seal_use_id": use_id, "pdf_sha256": digest, "supersedes": supersedes,
                 "verification_code": code, "cert_sha256": cert_sha256},
    )


@dataclass(frozen=True)
class LedgerEntry:
    used_at: datetime
    seal_serial: str
    seal_title: str
    case_number: str
    document_kind: str
    document_number: str
    actor_name: str
    station: str
    window_name: str
    pdf_sha256: str
    supersedes: str | None


def ledger(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    *,
    start: date | None = None,
    end: date | None = None,
    seal_id: str = "",
) -> list[LedgerEntry]:
    """The seal usage ledger (用印登记簿) for a period; read-only for everyone."""
    authorize(user.roles, Action.VIEW_AUDIT, who=user.display_name)
    begin = datetime.combine(start, datetime.min.time(), CHINA_TZ) if start else None
    finish = (datetime.combine(end + timedelta(days=1), datetime.min.time(), CHINA_TZ)
              if end else None)
    with uow_factory() as uow:
        seals = {r.id: _record(r) for r in uow.seals.all()}
        return [
            LedgerEntry(
                used_at=u.used_at, seal_serial=seals[u.seal_id].serial,
                seal_title=seals[u.seal_id].full_title, case_number=u.case_number,
                document_kind=u.document_kind, document_number=u.document_number,
                actor_name=u.actor_name, station=u.station, window_name=u.window_name,
                pdf_sha256=u.pdf_sha256, supersedes=u.supersedes,
            )
            for u in uow.seals.uses(start=begin, end=finish, seal_id=seal_id)
        ]


def ledger_pdf(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    *,
    start: date,
    end: date,
    now: datetime | None = None,
) -> bytes:
    """The ledger for a period as a printable PDF table."""
    entries = ledger(uow_factory, user, start=start, end=end)
    with uow_factory() as uow:
        authority = uow.settings.get("station_name", user.station)
        fonts = font_path(uow)
    rows = tuple(
        LedgerRow(
            sealed_at_text=_moment_text(e.used_at), seal_name=e.seal_serial,
            case_number=e.case_number, document_kind_label=DocumentKind(e.document_kind).label,
            document_number=e.document_number, sealed_by=e.actor_name,
            site=f"{e.station} {e.window_name}".strip(), document_sha256=e.pdf_sha256,
        )
        for e in entries
    )
    context = DocumentContext(
        kind=DocumentKind.SEAL_LEDGER, authority_name=authority,
        date_text=format_chinese_date(local_date(now or utc_now())),
        ledger_period_text=f"{format_chinese_date(start)}至{format_chinese_date(end)}",
        ledger_seal_name="行政审批专用章", ledger_rows=rows,
    )
    return render_pdf(context, font_path=fonts)


def verification_code_matches(
    uow_factory: UnitOfWorkFactory, key_store: SealKeyStore, *, document_id: str, code: str
) -> bool:
    """Whether ``code`` is the verification code of the seal use ``document_id``, by this
    station's key of its seal (the QR code's ``document_id`` and ``c``).

    False for an unknown use, a seal whose key this station does not hold, or any other
    code: only the seal's key makes the right one.
    """
    with uow_factory() as uow:
        use = uow.seals.use(document_id)
    if use is None:
        return False
    key_pair = key_store.load(use.seal_id)
    if key_pair is None:
        return False
    return code_matches(key_pair.key, DocumentIdentity(
        document_id=use.id, seal_id=use.seal_id, case_number=use.case_number,
        document_kind=use.document_kind, document_number=use.document_number,
        sealed_at=use.used_at,
    ), code)


class VerificationStatus(StrEnum):
    """What ``verify-doc`` found, from best to worst."""

    VALID = "valid"
    """Sealed here, unchanged, in force."""
    VALID_ELSEWHERE = "valid_elsewhere"
    """Sealed at another station with a seal this profile knows, unchanged."""
    SUPERSEDED = "superseded"
    """Genuine, but replaced by a corrected document (更正文书)."""
    UNSEALED = "unsealed"
    """A genuine document that carries no seal (the receipt, the one-time notice)."""
    ALTERED = "altered"
    """The signature is broken or content was added after sealing."""
    UNKNOWN = "unknown"
    """Not a document this profile can vouch for: no record, no known seal."""


@dataclass(frozen=True)
class DocumentVerification:
    """The verdict on a file, and one Chinese sentence saying it."""

    status: VerificationStatus
    summary: str

    @property
    def valid(self) -> bool:
        """A sealed document in force: sealed here, or at another station by a known seal."""
        return self.status in (VerificationStatus.VALID, VerificationStatus.VALID_ELSEWHERE)


@dataclass(frozen=True)
class _SealedRecord:
    """A seal use as this profile knows it: from its own ledger or a pulled SEALED event."""

    use_id: str
    seal_id: str
    case_number: str
    document_kind: str
    document_number: str
    actor_name: str
    station: str
    used_at: datetime
    cert_sha256: str
    local: bool


def _sealed_record(uow: UnitOfWork, digest: str) -> _SealedRecord | None:
    use = uow.seals.use_by_sha256(digest)
    if use is not None:
        return _SealedRecord(use.id, use.seal_id, use.case_number, use.document_kind,
                             use.document_number, use.actor_name, use.station, use.used_at,
                             "", True)
    event = uow.events.first_sealed(payload_key="pdf_sha256", value=digest)
    if event is None:
        return None
    payload = event.payload
    case = uow.cases.get(event.case_id)
    return _SealedRecord(
        str(payload.get("seal_use_id", "")), str(payload.get("seal_id", "")),
        case.number if case is not None else "", str(payload.get("document_kind", "")),
        str(payload.get("document_number", "")), event.actor_name, event.station,
        event.device_time, str(payload.get("cert_sha256") or ""), False,
    )


def _correction_of(uow: UnitOfWork, use_id: str) -> tuple[str, datetime] | None:
    """(文号, time) of the document that corrects the seal use ``use_id``, if any."""
    use = uow.seals.correction_of(use_id)
    if use is not None:
        return use.document_number, use.used_at
    event = uow.events.first_sealed(payload_key="supersedes", value=use_id)
    if event is not None:
        return str(event.payload.get("document_number", "")), event.device_time
    return None


def _registry_certificates(uow: UnitOfWork) -> dict[str, models.Seal]:
    """The registry's seals by their certificate's SHA-256 fingerprint."""
    known = {}
    for row in uow.seals.all():
        if row.cert_pem:
            cert = x509.load_pem_x509_certificate(row.cert_pem.encode("ascii"))
            known[certificate_fingerprint(cert)] = row
    return known


def _label(kind: str) -> str:
    return DocumentKind(kind).label if kind in DocumentKind._value2member_map_ else "文书"


def verify_document(uow_factory: UnitOfWorkFactory, pdf: bytes) -> DocumentVerification:
    """Check a file: its seal signature, then what the ledger and the case events say.

    The signed revision is looked up, not the file: bytes after it that are no PDF
    revision (padding a mail gateway added) change nothing shown and are ignored. A
    document sealed here is valid unless a corrected document superseded it; one
    sealed at another station (known from the synced SEALED events, or only from a
    seal certificate in the registry) is valid with its station named; a genuine
    unsealed document (the receipt of materials) is said to be unsealed, not forged.
    """
    # Imported here: see apply_seal.
    from app.signing.pades import verify_pdf_signature

    check = verify_pdf_signature(pdf)
    with uow_factory() as uow:
        if not check.signed:
            return _verify_unsealed(uow, pdf)
        if not check.intact or check.changed_after_signing or check.signed_length is None:
            what = "盖章后被追加修改" if check.intact else "电子签名校验失败，文件内容已被改动"
            return DocumentVerification(VerificationStatus.ALTERED, f"未通过：{what}。")
        record = _sealed_record(uow, sha256_hex(pdf[: check.signed_length]))
        signer = check.signer_fingerprint or ""
        padding = (f"（文件末尾另有{check.trailing_bytes}个字节不属于签名范围，不影响文书内容）"
                   if check.trailing_bytes else "")
        if record is None:
            seal_row = _registry_certificates(uow).get(signer)
            if seal_row is None:
                return DocumentVerification(
                    VerificationStatus.UNKNOWN,
                    "未通过：文件自签名后未被改动，但签名证书不属于本机登记的任何印章"
                    f"（{check.signer_common_name or '未知'}），也没有对应的用印记录，"
                    "不能确认为本系统出具的文书。",
                )
            seal = _record(seal_row)
            station = check.location or "未知站点"
            return DocumentVerification(
                VerificationStatus.VALID_ELSEWHERE,
                f"通过：该文书为其他站点（{station}）出具，由{seal.full_title}（编号{seal.serial}）"
                f"于{_moment_text(check.signing_time) if check.signing_time else '（时间不详）'}"
                f"签名，电子签名完好，文件未被改动{padding}。本机用印登记中没有该文书，"
                "是否已被更正请向出具机关或县中心核验。",
            )
        seal_row = uow.seals.get(record.seal_id)
        expected = (certificate_fingerprint(x509.load_pem_x509_certificate(
            seal_row.cert_pem.encode("ascii"))) if seal_row is not None and seal_row.cert_pem
            else record.cert_sha256)
        if not expected or signer != expected:
            return DocumentVerification(
                VerificationStatus.UNKNOWN,
                f"未通过：用印记录存在（{record.document_number}），但电子签名不是"
                f"{_record(seal_row).full_title if seal_row is not None else '该印章'}的证书所签"
                + ("。" if expected else "（本机没有该印章的证书）。"),
            )
        what = (f"{_label(record.document_kind)} {record.document_number}，办件 "
                f"{record.case_number}，{record.actor_name}于{_moment_text(record.used_at)}用印")
        correction = _correction_of(uow, record.use_id)
    if correction is not None:
        number, at = correction
        return DocumentVerification(
            VerificationStatus.SUPERSEDED,
            f"已失效：{what}；该文书已被更正文书 {number}（{_moment_text(at)}用印）取代，"
            "请以更正后的文书为准。",
        )
    if record.local:
        return DocumentVerification(
            VerificationStatus.VALID,
            f"通过：{what}，电子签名完好，文件未被改动{padding}。",
        )
    return DocumentVerification(
        VerificationStatus.VALID_ELSEWHERE,
        f"通过：{what}，由其他站点（{record.station}）出具并登记，电子签名完好，"
        f"文件未被改动{padding}。",
    )


def _verify_unsealed(uow: UnitOfWork, pdf: bytes) -> DocumentVerification:
    row = uow.documents.by_sha256(sha256_hex(pdf))
    if row is not None and row.seal_use_id is None:
        case = uow.cases.get(row.case_id)
        return DocumentVerification(
            VerificationStatus.UNSEALED,
            f"未盖章：该文件是本机出具的{_label(row.kind)} {row.document_number}"
            f"{f'（办件 {case.number}）' if case is not None else ''}，与存档原件一致；"
            "该文书不加盖审批专用章，没有电子签名。",
        )
    return DocumentVerification(
        VerificationStatus.UNKNOWN,
        "未通过：文件没有本系统的电子印章签名，也不是本机出具的未盖章文书"
        "（盖章文书的签名可能已被去除，或文件不是本系统出具）。",
    )
