"""The approval seal: its registry, each recorded use, the ledger and verification.

Applying the seal is an explicit act by the custodian (or their deputy while the
delegation lasts), confirmed with the password. One transaction writes the seal usage
record, the sealed document (signed PAdES PDF and Word file), the SEALED event and the
audit record; a decision's seal time is the case's legal completion time.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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
    resolve_fonts,
    seal_context,
)
from app.print_templates.seal import seal_png
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
from app.signing import SealKeyStore, certificate_fingerprint, ensure_seal_key
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

SEALABLE = {
    DocumentKind.ACCEPTANCE_NOTICE,
    DocumentKind.REJECTION_NOTICE,
    DocumentKind.APPROVAL_DECISION,
    DocumentKind.DENIAL_DECISION,
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
        key_pair = ensure_seal_key(key_store, record.id, f"{authority_name}{title}",
                                   authority_name)
        # The registry keeps the generated image of the seal (a scan may replace it).
        image = seal_png(
            SealAppearance(authority_name=record.authority_name, seal_title=record.title,
                           serial=record.serial),
            resolve_fonts(font_path(uow)).raster_file,
        )
        if image is not None:
            record = dataclasses.replace(record, image_sha256=sha256_hex(image))
        uow.seals.save(models.Seal(
            id=record.id, department_code=department_code, serial=record.serial,
            status=record.status.value, data=record.to_dict(), image=image,
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


def seal_image(uow_factory: UnitOfWorkFactory, seal_id: str) -> bytes | None:
    """The registry's picture of the seal (generated, or a scan), as PNG."""
    with uow_factory() as uow:
        row = uow.seals.get(seal_id)
        if row is None:
            raise NotFound("seal_not_found", "印章不存在。")
        return row.image


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
                              supersedes)
        apply_event(case, probe)  # refuses an unsealable state before anything is rendered
        number = allocate_document_number(
            uow, department_code=case.department_code, station=user.station,
            year=local_date(now).year,
        )
        context = build_context(uow, case, kind, user=user, document_number=number,
                                issued_at=now)
        sealed_context = seal_context(
            context,
            appearance=SealAppearance(authority_name=seal.authority_name, seal_title=seal.title,
                                      serial=seal.serial),
            sealed_at_text=_moment_text(now),
        )
        fonts = font_path(uow)
        key_pair = ensure_seal_key(key_store, seal.id, f"{seal.authority_name}{seal.title}",
                                   seal.authority_name)
        if row.cert_pem and certificate_fingerprint(key_pair.cert) != certificate_fingerprint(
            x509.load_pem_x509_certificate(row.cert_pem.encode("ascii"))
        ):
            raise SealRefused("seal_key_mismatch",
                              "本机的印章密钥与印章登记不符，不能用印，请联系中心管理员。")
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
            pdf=pdf, pdf_sha256=digest, docx=render_docx(sealed_context, font_path=fonts),
            seal_use_id=use_id, created_at=now,
        ))
        event = _sealed_event(user, case.id, now, kind, number, seal.id, use_id, digest,
                              supersedes)
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
                  supersedes: str | None) -> Event:
    return Event(
        case_id=case_id, type=EventType.SEALED, actor_id=user.id,
        actor_name=user.display_name, station=user.station, device_time=now,
        payload={"document_kind": kind.value, "document_number": number, "seal_id": seal_id,
                 "seal_use_id": use_id, "pdf_sha256": digest, "supersedes": supersedes},
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


@dataclass(frozen=True)
class DocumentVerification:
    valid: bool
    summary: str


def verify_document(uow_factory: UnitOfWorkFactory, pdf: bytes) -> DocumentVerification:
    """Check a sealed PDF: its hash in the seal usage records and its signature."""
    digest = sha256_hex(pdf)
    with uow_factory() as uow:
        use = next((u for u in uow.seals.uses() if u.pdf_sha256 == digest), None)
        seal_row = uow.seals.get(use.seal_id) if use else None
    trusted = (x509.load_pem_x509_certificate(seal_row.cert_pem.encode("ascii"))
               if seal_row is not None and seal_row.cert_pem else None)
    from app.signing.pades import verify_pdf_signature  # see apply_seal

    check = verify_pdf_signature(pdf, trusted_cert=trusted)
    if use is None:
        detail = "电子签名完好，" if check.valid else "电子签名无效或文件已被改动，"
        return DocumentVerification(
            False, f"未通过：用印登记中没有与该文件一致的记录（{detail}文件可能被改动或不是本系统出具）。"
        )
    if not check.valid or not check.trusted:
        return DocumentVerification(
            False, f"未通过：用印登记存在（{use.document_number}），但电子签名校验失败："
                   f"{check.problem or '签名不可信'}。"
        )
    return DocumentVerification(
        True,
        f"通过：{DocumentKind(use.document_kind).label} {use.document_number}，办件 "
        f"{use.case_number}，{use.actor_name}于{_moment_text(use.used_at)}用印，"
        f"电子签名完好，文件未被改动。",
    )
