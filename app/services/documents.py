"""Issuing documents: a case becomes a context, the context a PDF and a Word file.

The unsealed receipt of materials is issued here and kept byte for byte; sealed
documents are issued only from a recorded seal use (``app.services.sealing``), the
counter's notices in the same transaction as their act. Anything that needs the seal but
has none is a draft that says so.

Every document states the date of its act (materials received, notice given, accepted,
decided, extended, delivered), never the day it happens to be printed.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from app.domain.calendar import SuspensionReason, WorkingCalendar, format_chinese_date
from app.domain.case import (
    DECISION_DOCUMENTS,
    Case,
    CaseState,
    act_date,
    decision_document,
    extension_rule,
)
from app.domain.catalog import Department, MaterialForm, Matter
from app.domain.errors import NotConfigured, NotFound, TransitionError
from app.domain.identity import mask_id_number
from app.domain.numbering import format_document_number, kind_code
from app.domain.roles import Action, authorize
from app.print_templates import (
    DeliveryFacts,
    DocumentContext,
    DocumentKind,
    ExtensionFacts,
    FeeLine,
    InspectionFacts,
    LabeledValue,
    MaterialLine,
    ProcedureFacts,
    evaluation_url,
    render_docx,
    render_pdf,
)
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now
from app.services.recording import case_deadline, load_calendar, load_case
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

UNSEALED_KINDS = (DocumentKind.RECEIPT, DocumentKind.TOLERANCE_PROMISE, DocumentKind.NOTIFICATION_PROMISE,
                  DocumentKind.JOINT_INSPECTION_RECORD)


@dataclass(frozen=True)
class IssuedDocument:
    """A document as issued: its number, PDF bytes and their SHA-256."""

    id: str
    case_id: str
    kind: DocumentKind
    document_number: str
    pdf: bytes
    pdf_sha256: str
    sealed: bool
    created_at: datetime
    docx: bytes | None = None
    """The Word file: the document itself if unsealed, the reference copy if sealed."""
    void_reason: str = ""
    """Why it is void (the server refused the seal use that issued it); "" if valid."""

    @property
    def voided(self) -> bool:
        return bool(self.void_reason)

    @property
    def title(self) -> str:
        return self.kind.label + ("（已作废）" if self.voided else "")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _money(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}元"


def _moment_text(moment: datetime) -> str:
    local = moment.astimezone(CHINA_TZ)
    return f"{format_chinese_date(local.date())} {local:%H:%M}"


def _department_for(uow: UnitOfWork, department_code: str) -> Department:
    department = uow.catalog.department(department_code)
    if department is None:
        raise NotFound("department_not_found", f"部门{department_code}不存在，请同步事项目录。")
    return department


def allocate_document_number(
    uow: UnitOfWork, *, department_code: str, station: str, year: int, kind: DocumentKind
) -> str:
    """The next 文号 of the department for ``kind`` (GB/T 9704 7.2.4), e.g. 清市监许〔2026〕6号.

    One sequence per department's 代字, kind and year. Numbers made at the department's
    numbering station are plain; any other station's carry its code after the 机关代字,
    so stations numbering offline never print the same 文号 (see ``domain.numbering``).
    """
    department = _department_for(uow, department_code)
    if not department.document_prefix:
        raise NotConfigured(
            "document_prefix_missing",
            f"“{department.name}”尚未设置机关代字，无法编制文号。请中心管理员在“系统管理 → 部门”"
            "中设置（如“清市监”，文号为“清市监许〔2026〕6号”）。",
            department=department.code,
        )
    segment = "" if station == department.numbering_station else station
    code = kind_code(kind.value, department.kind_codes, fallback_label=kind.label)
    pattern = department.document_number_pattern
    # Keyed by the number's own text but the sequence: whatever the pattern or the codes
    # become, numbers of one key differ by their sequence and numbers of two keys differ.
    stem = pattern.format(prefix=f"{department.document_prefix}{segment}", kind=code,
                          year=year, seq="#")
    sequence = uow.sequences.next(f"doc:{stem}")
    return format_document_number(pattern, prefix=department.document_prefix, kind=code,
                                  year=year, sequence=sequence, station=segment)


def check_document_allowed(matter: Matter, kind: DocumentKind) -> None:
    """Refuse a 行政许可决定书 for a matter that is not 行政许可 (and the notices that
    replace it for one that is): a matter's type decides its documents."""
    licensing = matter.matter_type.is_licensing
    if kind.licensing_only and not licensing:
        outcome = "approved" if kind is DocumentKind.APPROVAL_DECISION else "denied"
        instead = DocumentKind(decision_document(matter, outcome))
        raise TransitionError(
            "document_not_for_matter_type",
            f"“{matter.name}”为{matter.matter_type.label}事项，不是行政许可，没有{kind.label}；"
            f"其结果文书为{instead.label}。",
            instead=instead.value,
        )
    if kind in (DocumentKind.RESULT_NOTICE, DocumentKind.REFUSAL_NOTICE) and licensing:
        outcome = "approved" if kind is DocumentKind.RESULT_NOTICE else "denied"
        instead = DocumentKind(decision_document(matter, outcome))
        raise TransitionError(
            "document_not_for_matter_type",
            f"“{matter.name}”为行政许可事项，其结果文书为{instead.label}，不是{kind.label}。",
            instead=instead.value,
        )


def remedy_bodies(department: Department, kind: DocumentKind) -> tuple[str, str]:
    """The department's 复议机关 and court for a document that states remedies.

    Refused while either is not set: an unnamed body would stretch the applicant's
    sixty days to a year (行政复议法 第二十条第三款), and a guess may name the wrong one.
    """
    if not department.remedies_configured:
        missing = "、".join(
            label for label, value in (("行政复议机关", department.reconsideration_body),
                                       ("人民法院", department.litigation_court))
            if not value.strip()
        )
        raise NotConfigured(
            "remedies_not_configured",
            f"{kind.label}须告知申请人申请行政复议和提起行政诉讼的机关，但“{department.name}”"
            f"尚未设置{missing}。请中心管理员在“系统管理 → 部门”中设置后再出具。",
            department=department.code,
        )
    return department.reconsideration_body, department.litigation_court


def _result_items(case: Case) -> tuple[LabeledValue, ...]:
    fields = (case.decision or {}).get("result_fields") or []
    return tuple(LabeledValue(label=str(f["label"]), value=str(f["value"]))
                 for f in fields if str(f.get("value", "")).strip())


def build_context(
    uow: UnitOfWork,
    case: Case,
    kind: DocumentKind,
    *,
    user: CurrentUser,
    document_number: str,
    issued_at: datetime,
    draft: bool = False,
) -> DocumentContext:
    """Every field of the document, formatted, from the case and the profile's settings."""
    settings = uow.settings
    check_document_allowed(case.matter, kind)
    department = _department_for(uow, case.matter.department_code)
    reconsideration_body = litigation_court = ""
    if kind.states_remedies:
        reconsideration_body, litigation_court = remedy_bodies(department, kind)
    applicant = case.applicant
    agent = applicant.get("agent") or {}
    materials = tuple(
        MaterialLine(
            name=str(m["name"]),
            form=MaterialForm(m["form"]).label if m.get("form") in MaterialForm._value2member_map_
            else str(m.get("form") or "原件"),
            copies=int(m.get("copies", 1) or 1),
            received=bool(m.get("received", False)),
        )
        for m in case.materials
    )
    if kind is DocumentKind.ONE_TIME_NOTICE:
        materials = tuple(
            MaterialLine(
                name=str(m["name"]),
                form=MaterialForm(m["form"]).label
                if m.get("form") in MaterialForm._value2member_map_ else "原件",
                copies=int(m.get("copies", 1) or 1),
                received=False,
                problem=str(m.get("problem") or "未提交"),
                needed=str(m.get("needed") or ""),
            )
            for m in case.missing_materials
        )
    deadline_text, provisional = "", False
    if case.accepted_on is not None:
        deadline = case_deadline(case, load_calendar(uow), local_date(issued_at))
        if deadline is not None:
            deadline_text = format_chinese_date(deadline.due)
            provisional = bool(deadline.provisional)
    fees = tuple(
        FeeLine(item=f.name, amount_text=_money(f.amount_fen), basis=f.basis)
        for f in case.matter.fee_items
    )
    reasons: tuple[str, ...] = ()
    legal_basis: tuple[str, ...] = ()
    redirect = ground = ""
    if kind is DocumentKind.REJECTION_NOTICE and case.rejection:
        reasons = (case.rejection["reasons"],)
        legal_basis = tuple(x for x in (case.rejection.get("legal_basis", ""),) if x)
        redirect = case.rejection.get("redirect_authority", "")
        ground = case.rejection.get("ground", "")
    elif kind in (DocumentKind.DENIAL_DECISION, DocumentKind.REFUSAL_NOTICE) and case.decision:
        reasons = (case.decision.get("reasons", ""),)
        legal_basis = tuple(x for x in (case.decision.get("legal_basis", ""),) if x)
    permit_items: tuple[LabeledValue, ...] = ()
    if kind in (DocumentKind.APPROVAL_DECISION, DocumentKind.RESULT_NOTICE):
        permit_items = _result_items(case)
    station_name = settings.get("station_name", case.station)
    calendar = load_calendar(uow)
    return DocumentContext(
        kind=kind,
        authority_name=department.name,
        date_text=format_chinese_date(document_date(case, kind, issued_at)),
        document_number=document_number,
        department_name=case.matter.department_name,
        case_number=case.number,
        applicant_name=case.applicant_name,
        applicant_id_masked=mask_id_number(str(applicant.get("id_number", ""))),
        agent_name=str(agent.get("name", "")) if isinstance(agent, dict) else "",
        matter_name=case.matter.name,
        matter_type=case.matter.matter_type.value,
        matter_basis=case.matter.legal_basis,
        clerk_name=user.display_name,
        window_name=f"{station_name} {case.window_name or user.window_name}".strip(),
        window_phone=department.phone,
        draft=draft,
        applied_on_text=format_chinese_date(local_date(case.registered_at)),
        accepted_on_text=format_chinese_date(case.accepted_on) if case.accepted_on else "",
        materials=materials,
        resubmission_address=settings.get(
            "resubmission_address", f"{station_name}{case.window_name or ''}"
        ),
        promised_working_days=case.promised_working_days or case.matter.promised_working_days,
        promised_completion_text=deadline_text,
        completion_provisional=provisional,
        fees=fees,
        evaluation_url=evaluation_url(settings.get("server_url", ""), case.id)
        if kind is DocumentKind.RECEIPT else "",
        tracking_text=settings.get(
            "tracking_text", f"凭受理编号{case.number}到窗口或拨打窗口电话查询办理进度。"
        ),
        result_collection_text=settings.get(
            "result_collection_text", "办结后凭本通知书和身份证件到原受理窗口领取结果，或申请邮寄送达。"
        ),
        reasons=reasons,
        legal_basis=legal_basis,
        redirect_authority=redirect,
        rejection_ground=ground,
        reconsideration_body=reconsideration_body,
        litigation_court=litigation_court,
        reconsideration_first=case.matter.reconsideration_first,
        permit_items=permit_items,
        certificate_name=case.matter.certificate_name,
        supplement_deadline_text=(format_chinese_date(case.supplement_deadline)
                                  if case.supplement_deadline else ""),
        extension=_extension_facts(case, calendar, issued_at)
        if kind is DocumentKind.EXTENSION_NOTICE else None,
        procedure=_procedure_facts(case, calendar)
        if kind is DocumentKind.SPECIAL_PROCEDURE_NOTICE else None,
        delivery=_delivery_facts(case, f"{station_name} {case.window_name}".strip())
        if kind is DocumentKind.DELIVERY_RECEIPT else None,
        tolerance_items=material_lines(case.matter, (case.tolerance or {}).get("materials", [])),
        tolerance_deadline_text=(format_chinese_date(date.fromisoformat(case.tolerance["deadline"]))
                                 if case.tolerance else ""),
        promise_items=material_lines(case.matter, (case.promise or {}).get("materials", [])),
        inspection=_inspection_facts(case) if kind is DocumentKind.JOINT_INSPECTION_RECORD
        else None,
    )


def material_lines(matter: Matter, names: list[str]) -> tuple[MaterialLine, ...]:
    """The named materials of the matter's guide as document lines (form, copies)."""
    by_name = {m.name: m for m in matter.materials}
    lines = []
    for name in names:
        material = by_name.get(name)
        lines.append(MaterialLine(name=name, form=material.form.label if material else "原件",
                                  copies=material.copies if material else 1, received=False))
    return tuple(lines)


def _inspection_facts(case: Case) -> InspectionFacts | None:
    inspection = case.inspection
    if not inspection or not inspection.get("findings"):
        return None
    findings = inspection["findings"]
    return InspectionFacts(
        date_text=format_chinese_date(date.fromisoformat(inspection["date"])),
        place=str(inspection["place"]),
        departments=tuple((d["name"], d["people"], str(findings.get(d["name"], "")))
                          for d in inspection["departments"]),
        conclusion=str(inspection.get("conclusion", "")),
        recorded_by=str(inspection.get("recorded_by", "")),
    )


def document_date(case: Case, kind: DocumentKind, issued_at: datetime) -> date:
    """The date a document states: the day of its act, or for a decision the day it is
    sealed (the legal completion time); ``issued_at`` only where the act is yet to come
    (a draft) or is the issuing itself."""
    if kind.value in DECISION_DOCUMENTS:
        return local_date(issued_at)
    return act_date(case, kind.value) or local_date(issued_at)


def _extension_facts(case: Case, calendar: WorkingCalendar, issued_at: datetime) -> ExtensionFacts | None:
    if not case.extensions:
        return None
    latest = case.extensions[-1]
    today = local_date(issued_at)
    before = case_deadline(replace(case, extensions=case.extensions[:-1]), calendar, today)
    after = case_deadline(case, calendar, today)
    head = str(latest.get("head_approval") or "")
    rule = extension_rule(case)
    approver = "本级人民政府负责人" if rule.approver.startswith("本级人民政府") else "本机关负责人"
    return ExtensionFacts(
        reason=str(latest["reason"]),
        working_days=int(latest["working_days"]),
        approval_text=f"经{approver}（{head}）批准" if head else f"经{approver}批准",
        article=rule.article or "第四十二条第一款",
        other_law_basis=str(latest.get("other_law_basis") or ""),
        decided_on_text=format_chinese_date(local_date(datetime.fromisoformat(latest["at"]))),
        original_completion_text=format_chinese_date(before.due) if before else "",
        new_completion_text=format_chinese_date(after.due) if after else "",
        provisional=bool(after.provisional) if after else False,
    )


def _procedure_facts(case: Case, calendar: WorkingCalendar) -> ProcedureFacts | None:
    noticed = [s for s in case.suspensions
               if SuspensionReason(s["reason_code"]).needs_written_notice]
    if not noticed:
        return None
    latest = noticed[-1]
    start = date.fromisoformat(latest["start"])
    days = latest.get("expected_working_days")
    expected_end = ""
    if isinstance(days, int) and days > 0:
        end, provisional = calendar.add_working_days(start, days)
        expected_end = format_chinese_date(end) + ("（暂定）" if provisional else "")
    return ProcedureFacts(
        procedure=SuspensionReason(latest["reason_code"]).label,
        reason=str(latest.get("reason") or ""),
        start_text=format_chinese_date(start),
        working_days=int(days) if isinstance(days, int) else 0,
        expected_end_text=expected_end,
    )


def _delivery_facts(case: Case, place: str) -> DeliveryFacts | None:
    delivery = case.delivery
    if delivery is None:
        return None
    superseded = {s["supersedes"] for s in case.seals if s.get("supersedes")}
    delivered = [
        f"{DocumentKind(s['document_kind']).label}（{s['document_number']}）"
        for s in case.seals
        if s["document_kind"] in DECISION_DOCUMENTS and s["seal_use_id"] not in superseded
    ]
    if not delivered and case.forward_return:
        number = case.forward_return.get("document_number", "")
        delivered = [f"上级机关办理结果{f'（{number}）' if number else ''}"]
    receiver = str(delivery.get("receiver") or "")
    return DeliveryFacts(
        documents=tuple(delivered) or ("办理结果",),
        recipient=case.applicant_name,
        method=str(delivery["method"]),
        place=place if delivery["method"] == "窗口领取" else "",
        delivered_at_text=_moment_text(datetime.fromisoformat(delivery["at"])),
        delivered_by=str(delivery.get("actor_name") or ""),
        receiver="" if receiver in ("", case.applicant_name, "申请人本人") else receiver,
    )


def font_path(uow: UnitOfWork) -> str | None:
    """The CJK font the administrator set, if any (else the renderer searches)."""
    return uow.settings.get("font_path") or None


def _store(uow: UnitOfWork, *, case: Case, kind: DocumentKind, number: str, pdf: bytes,
           docx: bytes | None, seal_use_id: str | None, now: datetime) -> IssuedDocument:
    row = models.Document(
        id=str(uuid.uuid4()), case_id=case.id, kind=kind.value, document_number=number,
        pdf=pdf, pdf_sha256=sha256_hex(pdf), docx=docx, seal_use_id=seal_use_id,
        created_at=now,
    )
    uow.documents.add(row)
    return _issued(row)


def _issued(row: models.Document) -> IssuedDocument:
    return IssuedDocument(
        id=row.id, case_id=row.case_id, kind=DocumentKind(row.kind),
        document_number=row.document_number, pdf=row.pdf, pdf_sha256=row.pdf_sha256,
        sealed=row.seal_use_id is not None, created_at=row.created_at, docx=row.docx,
        void_reason=(row.void_reason or "作废") if row.voided_at is not None else "",
    )


def issue_unsealed(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    case_id: str,
    kind: DocumentKind,
    *,
    now: datetime | None = None,
) -> IssuedDocument:
    """Issue a receipt of materials or a one-time notice, numbered and kept."""
    authorize(user.roles, Action.PRINT, who=user.display_name)
    if kind not in UNSEALED_KINDS:
        raise TransitionError("needs_seal", f"{kind.label}须盖章出具：在办理该事项时当场用印。")
    now = now or utc_now()
    with uow_factory() as uow:
        case = load_case(uow, case_id)
        number = allocate_document_number(
            uow, department_code=case.department_code, station=user.station,
            year=local_date(now).year, kind=kind,
        )
        context = build_context(uow, case, kind, user=user, document_number=number,
                                issued_at=now)
        fonts = font_path(uow)
        issued = _store(uow, case=case, kind=kind, number=number,
                        pdf=render_pdf(context, font_path=fonts),
                        docx=render_docx(context, font_path=fonts), seal_use_id=None, now=now)
        uow.audit.append({"kind": "document", "case": case.id, "document": kind.value,
                          "number": number, "sha256": issued.pdf_sha256, "by": user.id,
                          "at": now.isoformat()})
        uow.commit()
        return issued


def preview_draft(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    case_id: str,
    kind: DocumentKind,
    *,
    word: bool = False,
    now: datetime | None = None,
) -> bytes:
    """A draft of any document, PDF or (``word``) Word: no number, no seal, marked 草稿.
    Nothing is stored."""
    now = now or utc_now()
    with uow_factory() as uow:
        case = load_case(uow, case_id)
        context = build_context(uow, case, kind, user=user, document_number="（草稿）",
                                issued_at=now, draft=True)
        render = render_docx if word else render_pdf
        return render(context, font_path=font_path(uow))


def documents_for_case(uow_factory: UnitOfWorkFactory, case_id: str) -> list[IssuedDocument]:
    """Every document issued for the case, oldest first."""
    with uow_factory() as uow:
        return [_issued(row) for row in uow.documents.for_case(case_id)]


def latest_issued(uow_factory: UnitOfWorkFactory, case_id: str,
                  kind: DocumentKind) -> IssuedDocument | None:
    """The case's latest issued document of ``kind`` (the one to hand over now), if any."""
    with uow_factory() as uow:
        rows = [row for row in uow.documents.for_case(case_id) if row.kind == kind.value]
        return _issued(rows[-1]) if rows else None


def reprint(uow_factory: UnitOfWorkFactory, document_id: str) -> IssuedDocument:
    """The same document again: same number, same bytes, same hash."""
    with uow_factory() as uow:
        row = uow.documents.get(document_id)
        if row is None:
            raise NotFound("document_not_found", "找不到该文书。")
        return _issued(row)


def word_file(uow_factory: UnitOfWorkFactory, document_id: str) -> bytes:
    """The Word version issued with the document.

    For an unsealed document, the document itself as an editable file; for a sealed
    one, the reference copy without the seal, which says the signed PDF is the
    original (see ``app.print_templates.docx``).
    """
    with uow_factory() as uow:
        row = uow.documents.get(document_id)
        if row is None or row.docx is None:
            raise NotFound("document_not_found", "该文书没有 Word 版本。")
        return row.docx


def sealable_kind_for(case: Case) -> DocumentKind | None:
    """The decision document a case waits to have sealed, if any: a 行政许可决定书 for a
    行政许可 matter, the result or refusal notice for any other."""
    if case.state is CaseState.APPROVED:
        return DocumentKind(decision_document(case.matter, "approved"))
    if case.state is CaseState.DENIED:
        return DocumentKind(decision_document(case.matter, "denied"))
    return None


@dataclass(frozen=True)
class PrintedDocument:
    """What ``print`` writes: the issued file, or a draft when none was issued yet."""

    data: bytes
    issued: bool
    document_number: str
    sealed: bool = False
    """An issued sealed document: its Word file is the unsealed reference copy."""


def document_for_case(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    case_number: str,
    kind: DocumentKind,
    *,
    word: bool = False,
    now: datetime | None = None,
) -> PrintedDocument:
    """The latest issued document of ``kind`` for a case, else a draft of it.

    Refuses a document the case's state does not allow (an approval decision for a
    denied case) and one its matter type does not have: a non-licensing case has no
    准予行政许可决定书; the refusal names its 办结通知书 instead (``params["instead"]``).
    """
    from app.domain.case import allowed_documents

    authorize(user.roles, Action.PRINT, who=user.display_name)
    now = now or utc_now()
    with uow_factory() as uow:
        row = uow.cases.by_number(case_number.strip().upper())
        if row is None:
            raise NotFound("case_not_found", f"找不到受理编号为{case_number}的办件。")
        case = load_case(uow, row.id)
        check_document_allowed(case.matter, kind)
        if kind.value not in allowed_documents(case):
            raise TransitionError(
                "document_not_allowed",
                f"办件{case.number}当前为“{case.state.label}”，没有{kind.label}可以出具。",
            )
        issued = [d for d in uow.documents.for_case(case.id) if d.kind == kind.value]
        if issued:
            latest = issued[-1]
            data = latest.docx if word else latest.pdf
            if data is None:
                raise NotFound("document_not_found", "该文书没有 Word 版本。")
            return PrintedDocument(data, True, latest.document_number,
                                   sealed=latest.seal_use_id is not None)
        context = build_context(uow, case, kind, user=user, document_number="（草稿）",
                                issued_at=now, draft=True)
        fonts = font_path(uow)
        data = render_docx(context, font_path=fonts) if word else render_pdf(context,
                                                                             font_path=fonts)
        return PrintedDocument(data, False, "")
