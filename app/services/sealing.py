"""Sealing a document inside the caller's transaction: choose the seal, check the rule,
render, sign, and record the seal use, the sealed document and the SEALED event.

The counter's use cases (accept, reject, one-time notice, suspension for a §45
procedure, extension, delivery) call :func:`seal_document` in the same unit of work as
their own event, so the notice exists, sealed and dated, the moment the act does; the
chief representative's decisions go through ``app.services.seals.apply_seal``. Nothing
here commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time

from app.domain.case import Actor, Case, apply_event, decided_on_the_spot_by, unsealed_acts
from app.domain.errors import DomainError, NotFound, SealRefused
from app.domain.events import Event, EventType
from app.domain.roles import Role
from app.domain.seal import (
    COUNTER_DOCUMENTS,
    DEFAULT_COPIES,
    Delegation,
    SealableDocument,
    SealAuthority,
    SealKind,
    SealRecord,
    SealStatus,
    seal_use_authority,
)
from app.print_templates import DocumentKind, SealAppearance, render_docx, render_pdf, seal_context
from app.services.accounts import confirm_seal_password
from app.services.context import CHINA_TZ, CurrentUser, local_date
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
from app.signing.codes import DocumentIdentity, verification_code
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class CounterSeal:
    """What sealing a notice at the counter takes: the acting person's password (entered
    again for every seal use) and the station's seal keys."""

    password: str
    key_store: SealKeyStore


# 用印事由 as the ledger states it, per document.
PURPOSES: dict[DocumentKind, str] = {
    DocumentKind.ONE_TIME_NOTICE: "当场一次性告知需补正的材料",
    DocumentKind.ACCEPTANCE_NOTICE: "当场受理，出具受理通知书",
    DocumentKind.REJECTION_NOTICE: "当场决定不予受理，出具不予受理通知书",
    DocumentKind.APPROVAL_DECISION: "作出准予行政许可决定",
    DocumentKind.DENIAL_DECISION: "作出不予行政许可决定",
    DocumentKind.EXTENSION_NOTICE: "经本机关负责人批准延长办理期限，书面告知申请人",
    DocumentKind.SPECIAL_PROCEDURE_NOTICE: "书面告知特别程序所需时间",
    DocumentKind.DELIVERY_RECEIPT: "送达办理结果，出具送达回证",
    DocumentKind.TOLERANCE_NOTICE: "容缺受理，出具容缺受理通知书",
}


def purpose_of(kind: DocumentKind, *, correction: bool = False) -> str:
    """The 用印事由 of sealing ``kind`` (a correction says so)."""
    return f"更正{kind.label}" if correction else PURPOSES.get(kind, f"出具{kind.label}")


@dataclass(frozen=True)
class Sealed:
    """A case after its SEALED event, and the sealed document."""

    case: Case
    document: IssuedDocument


def seal_key(key_store: SealKeyStore, seal: SealRecord, now: datetime) -> SealKeyPair:
    """The seal's key pair, made on first use with a certificate that covers the seal's
    validity from its first day (so a use dated on that day can be signed)."""
    return ensure_seal_key(
        key_store, seal.id, seal.full_title, seal.authority_name, clock=lambda: now,
        valid_from=datetime.combine(seal.valid_from, time.min, CHINA_TZ),
    )


def seal_record(row: models.Seal) -> SealRecord:
    """The domain record of a registry row."""
    return SealRecord.from_dict(row.data)


def delegations_of(uow: UnitOfWork, user_id: str) -> list[Delegation]:
    """The delegations naming ``user_id`` as deputy, as domain records."""
    result = []
    for row in uow.users.delegations_for(user_id):
        deputy = uow.users.get(row.deputy_id)
        result.append(Delegation(
            id=row.id, chief_id=row.chief_id, deputy_id=row.deputy_id,
            deputy_name=deputy.display_name if deputy else "", department_code=row.department_code,
            starts_at=row.starts_at, ends_at=row.ends_at, reason=row.reason or "临时代理",
        ))
    return result


def completes_on_the_spot(user: CurrentUser, case: Case) -> bool:
    """Whether ``user`` is the authorized officer whose on-the-spot decision ``case``
    holds (a 即办件 done alone at the window), and so seals it at the window."""
    return Role.ON_THE_SPOT in user.roles and decided_on_the_spot_by(case, user.id)


def _authority(uow: UnitOfWork, user: CurrentUser, seal: SealRecord, kind: DocumentKind,
               case: Case, at: datetime) -> SealAuthority:
    return seal_use_authority(
        seal, actor_id=user.id, actor_department_code=user.department_code,
        actor_is_chief=Role.CHIEF in user.roles, delegations=delegations_of(uow, user.id),
        document_kind=kind.value, case_department_code=case.department_code, at=at,
        actor_window_name=user.window_name, on_the_spot=completes_on_the_spot(user, case),
    )


def choose_seal(uow: UnitOfWork, user: CurrentUser, case: Case, kind: DocumentKind, *,
                at: datetime, seal_id: str | None = None
                ) -> tuple[models.Seal, SealRecord, SealAuthority]:
    """The seal ``user`` applies to ``kind`` of ``case`` now, and on whose authority.

    The window's documents take the 受理专用章 of the user's window first, then a seal
    the user keeps (审批专用章, 双章制 window copy); decisions take the approval seal, then
    the window copy. Refuses with the first candidate's reason, or, when the department
    has no seal of a usable kind, names what the administrator must register.
    """
    if seal_id:
        row = uow.seals.get(seal_id)
        if row is None:
            raise NotFound("seal_not_found", "印章不存在。")
        record = seal_record(row)
        return row, record, _authority(uow, user, record, kind, case, at)
    document = SealableDocument(kind.value)
    records = [(r, seal_record(r)) for r in uow.seals.for_department(case.department_code)]
    if document in COUNTER_DOCUMENTS:
        order = [SealKind.INTAKE, SealKind.APPROVAL, SealKind.WINDOW_COPY]
    elif completes_on_the_spot(user, case):
        # 双章制: the window's copy marked "2" is the seal used at the window.
        order = [SealKind.WINDOW_COPY, SealKind.APPROVAL]
    else:
        order = [SealKind.APPROVAL, SealKind.WINDOW_COPY]
    candidates = sorted(
        ((r, s) for r, s in records if s.may_seal(document)
         and (s.kind is not SealKind.INTAKE or s.window_name == user.window_name)),
        key=lambda pair: (order.index(pair[1].kind),
                          pair[1].status is not SealStatus.IN_USE,
                          pair[1].valid_from.toordinal() * -1),
    )
    first_refusal: DomainError | None = None
    for row, record in candidates:
        try:
            return row, record, _authority(uow, user, record, kind, case, at)
        except SealRefused as refusal:
            first_refusal = first_refusal or refusal
    window_seals = [s for _r, s in candidates if s.kind is SealKind.INTAKE]
    if first_refusal is not None and (window_seals or document not in COUNTER_DOCUMENTS):
        raise first_refusal
    # A window without a 受理专用章 of its own: say what to register, not whose the
    # approval seal is.
    raise _no_seal(case, user, document)


def confirm_seal_use(uow_factory: UnitOfWorkFactory, user: CurrentUser, case: Case | str,
                     kind: DocumentKind, password: str, *, now: datetime,
                     seal_id: str | None = None) -> str:
    """Choose the seal ``user`` would apply to ``kind`` of ``case`` (a case, or its id),
    then check the password for that seal, limited per person and seal like the login
    (:func:`app.services.accounts.confirm_seal_password`). Returns the seal's id, for
    the act to seal with exactly that seal. A seal that may not be used is refused
    before the password is looked at."""
    with uow_factory() as uow:
        if isinstance(case, str):
            case = load_case(uow, case)
        _row, record, _authority_ = choose_seal(uow, user, case, kind, at=now, seal_id=seal_id)
    confirm_seal_password(uow_factory, user, password, seal_id=record.id,
                          seal_name=record.title or record.kind.label, now=now)
    return record.id


def confirm_window_seal_password(uow_factory: UnitOfWorkFactory, user: CurrentUser,
                                 password: str, *, department_code: str,
                                 now: datetime) -> None:
    """The password check before a case exists (registering and accepting in one act):
    limited for the 受理专用章 of the user's window in ``department_code``, the seal the
    act will use (or, for a window without one, for the person's seal use in general)."""
    with uow_factory() as uow:
        records = [seal_record(r) for r in uow.seals.for_department(department_code)]
    window_seals = sorted(
        (s for s in records if s.kind is SealKind.INTAKE and s.window_name == user.window_name),
        key=lambda s: s.status is not SealStatus.IN_USE)
    if window_seals:
        confirm_seal_password(uow_factory, user, password, seal_id=window_seals[0].id,
                              seal_name=window_seals[0].title or "受理专用章", now=now)
    else:
        confirm_seal_password(uow_factory, user, password, seal_id="", seal_name="印章",
                              now=now)


def _no_seal(case: Case, user: CurrentUser, document: SealableDocument) -> SealRefused:
    department = case.matter.department_name
    if document in COUNTER_DOCUMENTS:
        window = user.window_name or "本窗口"
        return SealRefused(
            "no_window_seal",
            f"{department}“{window}”尚未登记受理专用章，不能当场出具盖章的{document.label}。"
            f"请中心管理员在“系统管理—印章”中为{department}“{window}”登记受理专用章"
            "（指定使用窗口和保管人）后再办理。",
            department=case.department_code, window=user.window_name,
            document_kind=document.value,
        )
    return SealRefused(
        "no_seal",
        f"{department}尚未登记审批专用章，不能出具{document.label}。"
        f"请中心管理员在“系统管理—印章”中为{department}登记审批专用章（保管人为首席代表）。",
        department=case.department_code, document_kind=document.value,
    )


def seal_document(
    uow: UnitOfWork,
    user: CurrentUser,
    actor: Actor,
    case: Case,
    *,
    kind: DocumentKind,
    key_store: SealKeyStore,
    now: datetime,
    purpose: str,
    copies: int | None = None,
    seal_id: str | None = None,
    supersedes: str | None = None,
) -> Sealed:
    """Seal ``kind`` of ``case`` in ``uow``: the seal use, the signed PDF and Word file,
    the SEALED event and its audit record. Refuses (writing nothing of its own) if the
    seal may not be used, the document was sealed already, or the case's state does not
    allow it. The caller commits."""
    try:
        document = SealableDocument(kind.value)
    except ValueError:
        raise SealRefused("document_not_sealable", f"{kind.label}不需要用印。") from None
    row, seal, authority = choose_seal(uow, user, case, kind, at=now, seal_id=seal_id)
    if supersedes is None and not unsealed_acts(case, kind.value):
        raise SealRefused("already_sealed",
                          f"本件的{kind.label}已盖章，请重新打印原文书；更正须作为新的用印登记。")
    if supersedes is not None and uow.seals.use(supersedes) is None:
        raise NotFound("seal_use_not_found", "被更正的用印记录不存在。")
    use_id = str(uuid.uuid4())
    probe = sealed_event(user, case.id, now, kind, "-", seal.id, use_id, "0" * 64, supersedes,
                         code="", cert_sha256="")
    apply_event(case, probe)  # refuses an unsealable state before anything is rendered
    key_pair = seal_key(key_store, seal, now)
    fingerprint = certificate_fingerprint(key_pair.cert)
    from cryptography import x509  # here, not at the top: the program's start needs none
    from cryptography.hazmat.primitives.serialization import Encoding

    if row.cert_pem is None:
        # A seal registered elsewhere (the county server) gets its certificate here, on
        # its first use, and keeps it: a later, different key is refused.
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
    context = build_context(uow, case, kind, user=user, document_number=number, issued_at=now)
    sealed_context = seal_context(
        context,
        appearance=SealAppearance(authority_name=seal.authority_name,
                                  seal_title=seal.drawn_title, serial=seal.serial),
        sealed_at_text=_moment_text(now),
        document_id=use_id,
        verification_code=code,
        verification_base=uow.settings.get("server_url", ""),
    )
    fonts = font_path(uow)
    # Imported here: pyHanko (and the aiohttp it brings) would add 0.3 s to every start
    # of the program for a step only sealing needs.
    from app.signing.pades import sign_pdf

    pdf = sign_pdf(render_pdf(sealed_context, font_path=fonts), key_pair.key, key_pair.cert,
                   reason=f"{kind.label} {number}", location=user.station, signing_time=now)
    digest = sha256_hex(pdf)
    uow.seals.add_use(models.SealUse(
        id=use_id, seal_id=seal.id, case_id=case.id, case_number=case.number,
        document_kind=kind.value, document_number=number, pdf_sha256=digest,
        actor_id=user.id, actor_name=user.display_name, station=user.station,
        window_name=user.window_name, used_at=now, supersedes=supersedes,
        purpose=purpose, copies=copies or DEFAULT_COPIES[document],
    ))
    # The Word file of a sealed document is its reference copy: no seal, and it says
    # the signed PDF is the original.
    docx = render_docx(sealed_context, font_path=fonts)
    uow.documents.add(models.Document(
        id=str(uuid.uuid4()), case_id=case.id, kind=kind.value, document_number=number,
        pdf=pdf, pdf_sha256=digest, docx=docx, seal_use_id=use_id, created_at=now,
    ))
    event = sealed_event(user, case.id, now, kind, number, seal.id, use_id, digest, supersedes,
                         code=code, cert_sha256=fingerprint, acting_as=authority)
    updated = record_local(uow, case, event, actor, now=now)
    issued = IssuedDocument(id=use_id, case_id=case.id, kind=kind, document_number=number,
                            pdf=pdf, pdf_sha256=digest, sealed=True, created_at=now,
                            docx=docx)
    return Sealed(updated, issued)


def sealed_event(user: CurrentUser, case_id: str, now: datetime, kind: DocumentKind,
                 number: str, seal_id: str, use_id: str, digest: str,
                 supersedes: str | None, *, code: str, cert_sha256: str,
                 acting_as: str = "custodian") -> Event:
    """The SEALED event of one seal use. The verification code and the signer's
    certificate travel with it: the county server answers a scanned QR code from them,
    without any seal key, and other stations check a document of this station against
    them."""
    return Event(
        case_id=case_id, type=EventType.SEALED, actor_id=user.id,
        actor_name=user.display_name, station=user.station, device_time=now,
        payload={"document_kind": kind.value, "document_number": number, "seal_id": seal_id,
                 "seal_use_id": use_id, "pdf_sha256": digest, "supersedes": supersedes,
                 "verification_code": code, "cert_sha256": cert_sha256,
                 "acting_as": acting_as},
    )
