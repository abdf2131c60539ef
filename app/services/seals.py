"""The seal registry, each recorded use, the ledger and verification.

Applying a seal is an explicit act confirmed with the password: a decision by the
custodian of the approval seal (or their deputy while the delegation lasts), a notice
at the counter by the clerk of the window whose 受理专用章 it is (see
``app.services.cases``). One transaction writes the seal usage record, the sealed
document (the signed PAdES PDF, and a Word reference copy that carries no seal), the
SEALED event and the audit record; a decision's seal time is the case's legal
completion time. The registry keeps no picture of a seal: documents draw it from the
record.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from app.domain.calendar import format_chinese_date
from app.domain.case import effective_roles
from app.domain.errors import DomainError, NotFound, SealRefused, ValidationError
from app.domain.roles import Action, authorize
from app.domain.seal import (
    COUNTER_DOCUMENTS,
    WINDOW_COPY_MARK,
    SealableDocument,
    SealKind,
    SealRecord,
    SealStatus,
)
from app.print_templates import DocumentContext, DocumentKind, LedgerRow, render_pdf
from app.services.cases import current_actor
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now
from app.services.documents import IssuedDocument, _moment_text, font_path, sha256_hex
from app.services.recording import load_case
from app.services.sealing import (
    confirm_seal_use,
    purpose_of,
    seal_document,
    seal_key,
    seal_record,
)
from app.signing import SealKeyStore, certificate_fingerprint
from app.signing.codes import DocumentIdentity, code_matches
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

SEALABLE = {DocumentKind(kind.value) for kind in SealableDocument}


_record = seal_record


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
    title: str | None = None,
    kind: SealKind | str = SealKind.APPROVAL,
    window_name: str = "",
    copy_mark: str = "",
    now: datetime | None = None,
) -> SealRecord:
    """Enter a seal in the registry and create its signing key (kept out of the database).

    ``kind`` is the 审批专用章 (custodian: a chief representative of the department), the
    window's 受理专用章 (``window_name`` required; custodian: any staff member of the
    department, its window's clerks apply it) or the 双章制 window copy (``copy_mark``,
    "2" by default; custodian: a chief representative). ``title`` defaults to the kind's.
    """
    authorize(admin.roles, Action.MANAGE_SEALS, who=admin.display_name)
    now = now or utc_now()
    kind = SealKind(kind)
    if kind is SealKind.WINDOW_COPY and not copy_mark.strip():
        copy_mark = WINDOW_COPY_MARK
    with uow_factory() as uow:
        department = uow.catalog.department(department_code)
        if department is None:
            raise NotFound("department_not_found", f"部门{department_code}不存在。")
        custodian = uow.users.get(custodian_id)
        if custodian is None:
            raise ValidationError("custodian_missing", "请选择印章保管人。", field="custodian")
        if kind.kept_by_chief and "chief" not in custodian.roles.split(","):
            raise ValidationError("custodian_not_chief",
                                  f"{kind.label}的保管人必须是该部门的首席代表。",
                                  field="custodian")
        if custodian.department_code != department_code:
            raise ValidationError("custodian_foreign", "印章保管人不属于该部门。",
                                  field="custodian")
        if any(s.serial == serial.strip() for s in uow.seals.all()):
            raise ValidationError("duplicate_serial", f"印章编号{serial}已登记。", field="serial")
        record = SealRecord(
            id=str(uuid.uuid4()), authority_name=authority_name.strip(),
            department_code=department_code, department_name=department.name,
            serial=serial.strip(), custodian_id=custodian.id,
            custodian_name=custodian.display_name, valid_from=valid_from, valid_to=valid_to,
            status=SealStatus.IN_USE, replaced_by=None, made_on=made_on, made_by=made_by,
            image_sha256=None, title=kind.default_title if title is None else title.strip(),
            kind=kind, window_name=window_name.strip(), copy_mark=copy_mark.strip(),
        )
        if kind is SealKind.INTAKE and any(
            r.kind is SealKind.INTAKE and r.window_name == record.window_name
            and r.status is SealStatus.IN_USE
            for r in (_record(row) for row in uow.seals.for_department(department_code))
        ):
            raise ValidationError(
                "window_seal_exists",
                f"{department.name}“{record.window_name}”已有在用的受理专用章；"
                "请先将其注销或设为已更换。",
                field="window_name",
            )
        # No picture of the seal is kept: every document draws it from this record, and a
        # stored image would be a seal anyone could paste onto anything.
        key_pair = seal_key(key_store, record, now)
        from cryptography.hazmat.primitives.serialization import Encoding

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
    copies: int | None = None,
    now: datetime | None = None,
) -> IssuedDocument:
    """Seal a decision (or correct a sealed document): checks, renders, signs, records —
    or refuses, writing nothing.

    The window's notices are sealed when their act is recorded (``app.services.cases``);
    here they are only corrected, or sealed for a case accepted before seal kinds existed.
    """
    kind = DocumentKind(document_kind)
    if kind not in SEALABLE:
        raise SealRefused("document_not_sealable", f"{kind.label}不能用印。")
    action = Action.SEAL_AT_COUNTER if kind.value in COUNTER_DOCUMENTS else Action.SEAL
    authorize(effective_roles(user.actor()), action, who=user.display_name)
    now = now or utc_now()
    seal_id = confirm_seal_use(uow_factory, user, case_id, kind, password, now=now,
                               seal_id=seal_id)
    try:
        with uow_factory() as uow:
            case = load_case(uow, case_id)
            sealed = seal_document(
                uow, user, current_actor(uow, user, now), case, kind=kind,
                key_store=key_store, now=now, seal_id=seal_id, supersedes=supersedes,
                copies=copies, purpose=purpose_of(kind, correction=supersedes is not None),
            )
            uow.commit()
    except DomainError as error:
        log.info("seal refused on case %s for user %s: %s", case_id, user.id, error.code)
        raise
    log.info("seal used on case %s (%s) by user %s", case_id, kind.value, user.id)
    return sealed.document


@dataclass(frozen=True)
class LedgerEntry:
    """One row of the 用印登记簿: which seal, which case and document, why, how many."""

    used_at: datetime
    seal_serial: str
    seal_title: str
    seal_kind_label: str
    department_code: str
    case_number: str
    document_kind: str
    document_number: str
    actor_name: str
    station: str
    window_name: str
    pdf_sha256: str
    supersedes: str | None
    purpose: str
    copies: int


def ledger(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    *,
    start: date | None = None,
    end: date | None = None,
    seal_id: str = "",
) -> list[LedgerEntry]:
    """The seal usage ledger (用印登记簿) for a period of local days; read-only for all."""
    authorize(user.roles, Action.VIEW_AUDIT, who=user.display_name)
    begin = datetime.combine(start, datetime.min.time(), CHINA_TZ) if start else None
    finish = (datetime.combine(end + timedelta(days=1), datetime.min.time(), CHINA_TZ)
              if end else None)
    with uow_factory() as uow:
        seals = {r.id: _record(r) for r in uow.seals.all()}
        return [
            LedgerEntry(
                used_at=u.used_at, seal_serial=seals[u.seal_id].serial,
                seal_title=seals[u.seal_id].full_title,
                seal_kind_label=seals[u.seal_id].kind.label,
                department_code=seals[u.seal_id].department_code, case_number=u.case_number,
                document_kind=u.document_kind, document_number=u.document_number,
                actor_name=u.actor_name, station=u.station, window_name=u.window_name,
                pdf_sha256=u.pdf_sha256, supersedes=u.supersedes,
                purpose=u.purpose or purpose_of(DocumentKind(u.document_kind),
                                                correction=u.supersedes is not None),
                copies=u.copies,
            )
            for u in uow.seals.uses(start=begin, end=finish, seal_id=seal_id)
        ]


def default_ledger_period(now: datetime | None = None) -> tuple[date, date]:
    """This month so far, in local (Beijing) days: the 1st to today."""
    today = local_date(now or utc_now())
    return today.replace(day=1), today


def ledger_pdf(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    *,
    start: date,
    end: date,
    department_code: str = "",
    now: datetime | None = None,
) -> bytes:
    """The ledger of one custodian department's seals for a period, as a printable PDF
    signed by that department.

    ``department_code`` may be left out where all the seals belong to one department;
    otherwise each department's ledger is printed and signed on its own. The ledger is
    dated the last day of its period (today, for a period still running), so a closed
    period prints the same every time.
    """
    if end < start:
        raise ValidationError("ledger_period_reversed", "登记期间的截止日期早于起始日期。",
                              field="end")
    with uow_factory() as uow:
        seals = [_record(r) for r in uow.seals.all()]
        fonts = font_path(uow)
        departments = {d.code: d.name for d in uow.catalog.departments()}
    codes = sorted({s.department_code for s in seals})
    if not department_code:
        if len(codes) > 1:
            raise ValidationError(
                "ledger_department_required",
                "本站登记了多个部门的印章，用印登记簿由各保管部门分别签署：请选择部门"
                f"（{'、'.join(codes)}）。",
                field="department", departments=codes,
            )
        department_code = codes[0] if codes else ""
    own = [s for s in seals if s.department_code == department_code]
    if department_code and not own:
        raise NotFound("department_has_no_seal", f"部门{department_code}没有登记印章。")
    entries = [e for e in ledger(uow_factory, user, start=start, end=end)
               if e.department_code == department_code]
    rows = tuple(
        LedgerRow(
            sealed_at_text=_moment_text(e.used_at), seal_name=e.seal_title,
            seal_kind_label=e.seal_kind_label, seal_serial=e.seal_serial,
            case_number=e.case_number, document_kind_label=DocumentKind(e.document_kind).label,
            document_number=e.document_number, sealed_by=e.actor_name,
            site=f"{e.station} {e.window_name}".strip(), document_sha256=e.pdf_sha256,
            purpose=e.purpose, copies=e.copies,
        )
        for e in entries
    )
    department_name = departments.get(department_code) or (
        own[0].department_name if own else "")
    kept: dict[str, list[str]] = {}
    for seal in own:
        labels = kept.setdefault(seal.custodian_name, [])
        if seal.kind.label not in labels:
            labels.append(seal.kind.label)
    custodians = "、".join(f"{name}（{'、'.join(labels)}）" for name, labels in kept.items())
    today = local_date(now or utc_now())
    context = DocumentContext(
        kind=DocumentKind.SEAL_LEDGER, authority_name=department_name,
        date_text=format_chinese_date(min(end, today)),
        ledger_period_text=f"{format_chinese_date(start)}至{format_chinese_date(end)}",
        ledger_seal_name="；".join(s.description for s in own),
        ledger_custodian_text=(f"保管部门：{department_name}；保管人：{custodians}"
                               if department_name else ""),
        ledger_rows=rows,
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
    from cryptography import x509

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
        from cryptography import x509

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
