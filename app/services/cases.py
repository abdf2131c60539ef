"""Case use cases: register, notify, supplement, accept, reject, review, approve, ...

Each call is one transaction: the event, its audit record, its outbox row and the
projected case row commit together or not at all. The domain decides whether the
action is legal; nothing here trusts the screen that called it.

The acts that the law wants in writing there and then (受理, 不予受理, 一次性告知,
a §45 procedure's time, an extension, a delivery) seal their notice in the same
transaction, confirmed with the acting person's password (:class:`CounterSeal`): the
applicant leaves with the sealed copy dated that day, or the act is not recorded.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from app.domain.applicant import Person, check_known_identity, make_applicant
from app.domain.calendar import SuspensionReason
from app.domain.case import (
    Actor,
    Case,
    apply_event,
    authorize_event,
    check_evaluation_channel,
    check_rejection,
    decision_document,
    extension_rule,
    intake_decision_due,
    materials_received_on,
)
from app.domain.catalog import Matter, intake_materials
from app.domain.errors import NotFound, ValidationError
from app.domain.events import Event, EventType
from app.domain.id_card import check_card_matches
from app.domain.identity import ID_TYPE_LABELS
from app.domain.numbering import format_case_number
from app.domain.queue_ticket import check_queue_ticket
from app.domain.roles import Action, authorize
from app.print_templates import DocumentKind
from app.services.accounts import deputy_departments
from app.services.appointments import link_appointment
from app.services.consultations import link_consultation
from app.services.context import CurrentUser, local_date, utc_now
from app.services.recording import load_calendar, load_case, record_local
from app.services.sealing import (
    CounterSeal,
    confirm_seal_use,
    confirm_window_seal_password,
    purpose_of,
    seal_document,
)
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

# The 补正期限 a one-time notice gives when the clerk sets none, in working days.
DEFAULT_SUPPLEMENT_WORKING_DAYS = 10


def _event(
    user: CurrentUser, case_id: str, event_type: EventType, payload: dict[str, Any], now: datetime
) -> Event:
    return Event(
        case_id=case_id, type=event_type, actor_id=user.id, actor_name=user.display_name,
        station=user.station, device_time=now, payload=payload,
    )


def _record(
    uow: UnitOfWork,
    user: CurrentUser,
    case_id: str,
    event_type: EventType,
    payload: dict[str, Any],
    now: datetime,
) -> Case:
    case = load_case(uow, case_id)
    return record_local(uow, case, _event(user, case_id, event_type, payload, now),
                        current_actor(uow, user, now), now=now)


def current_actor(uow: UnitOfWork, user: CurrentUser, now: datetime) -> Actor:
    """The actor with the delegations in force now, not as they were at login: a
    deputy's authority ends by itself."""
    deputy_for = deputy_departments(uow, user.id, now)
    return replace(user, deputy_for_departments=deputy_for).actor()


def _act(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    case_id: str,
    event_type: EventType,
    payload: dict[str, Any],
    now: datetime | None,
) -> Case:
    now = now or utc_now()
    with uow_factory() as uow:
        case = _record(uow, user, case_id, event_type, payload, now)
        uow.commit()
        return case


def record_case_event(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, event_type: EventType,
    payload: dict[str, Any], *, now: datetime | None = None,
) -> Case:
    """Record one event on a case in its own transaction (the use cases of other
    service modules that need no seal: 容缺补齐, 承诺核查, 联合踏勘)."""
    return _act(uow_factory, user, case_id, event_type, payload, now)


def _act_and_seal(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    case_id: str,
    event_type: EventType,
    payload: dict[str, Any],
    *,
    kind: DocumentKind,
    seal: CounterSeal,
    now: datetime,
    also_sealed: tuple[DocumentKind, ...] = (),
) -> Case:
    """Record the act and seal its notice in one transaction (or neither); the act's
    other notices in ``also_sealed`` (the 容缺受理通知书 with the acceptance notice) take
    the same seal, confirmed by the same password."""
    with uow_factory() as uow:
        # The act's own refusals (who may, in which state) come before the password.
        case = load_case(uow, case_id)
        event = _event(user, case_id, event_type, payload, now)
        authorize_event(case, event, current_actor(uow, user, now))
        after = apply_event(case, event)
    seal_id = confirm_seal_use(uow_factory, user, after, kind, seal.password, now=now)
    with uow_factory() as uow:
        case = _record(uow, user, case_id, event_type, payload, now)
        sealed = seal_document(uow, user, current_actor(uow, user, now), case, kind=kind,
                               key_store=seal.key_store, now=now, purpose=purpose_of(kind),
                               seal_id=seal_id)
        for other in also_sealed:
            sealed = seal_document(uow, user, current_actor(uow, user, now), sealed.case,
                                   kind=other, key_store=seal.key_store, now=now,
                                   purpose=purpose_of(other), seal_id=seal_id)
        uow.commit()
        return sealed.case


def confirm_counter_password(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, password: str, *, matter_code: str,
    now: datetime | None = None,
) -> None:
    """Check the password for a counter act on a case not registered yet (register and
    accept, notify or reject in one go), limited like the login for the window's
    受理专用章: a wrong one registers nothing, five lock that seal's use for 15 minutes."""
    with uow_factory() as uow:
        matter = uow.catalog.matter(matter_code)
        department_code = matter.department_code if matter is not None else ""
    confirm_window_seal_password(uow_factory, user, password,
                                 department_code=department_code, now=now or utc_now())


def next_case_number(uow: UnitOfWork, station: str, now: datetime) -> str:
    """Station code + local date + per-station sequence: unique without a network."""
    day = local_date(now)
    sequence = uow.sequences.next(f"case:{station}:{day:%Y%m%d}")
    return format_case_number(station, day, sequence)


@dataclass(frozen=True)
class KnownApplicant:
    """An applicant the station has registered before, as their latest case has them."""

    kind: str
    name: str
    id_type: str
    id_number: str
    phone: str
    address: str
    legal_representative: str
    case_number: str


def id_key(id_number: str) -> str:
    """An ID number or USCC as cases store it: NFKC, no spaces, upper case."""
    return "".join(unicodedata.normalize("NFKC", id_number).split()).upper()


def known_applicant(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, id_number: str,
) -> KnownApplicant | None:
    """The applicant with this ID number or USCC from the station's latest case, or None:
    the registration fills name, phone and address from it."""
    authorize(user.roles, Action.REGISTER, who=user.display_name)
    key = id_key(id_number)
    if not key:
        return None
    with uow_factory() as uow:
        row = uow.cases.latest_for_id_number(key)
        if row is None:
            return None
        case = load_case(uow, row.id)
    data = case.applicant
    return KnownApplicant(
        kind=str(data.get("kind", "natural")), name=str(data.get("name", "")),
        id_type=str(data.get("id_type", "")), id_number=key,
        phone=str(data.get("phone", "")), address=str(data.get("address", "")),
        legal_representative=str(data.get("legal_representative", "")),
        case_number=case.number,
    )


def register_case(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    *,
    matter_code: str,
    applicant: dict[str, Any],
    materials: list[dict[str, Any]] | None = None,
    green_channel: bool = False,
    name_change_reason: str = "",
    service_mode: str = "",
    consultation_id: str = "",
    appointment_id: str = "",
    id_card: dict[str, Any] | None = None,
    queue_ticket: str = "",
    now: datetime | None = None,
) -> Case:
    """Register an applicant's application for a matter (收件登记).

    ``service_mode`` records 延时服务, 周末服务 or 上门服务 (``domain.case.SERVICE_MODES``);
    ``consultation_id`` / ``appointment_id`` name the consultation or the appointment the
    application comes from, which are marked registered in the same transaction.

    ``applicant`` holds the form's fields (kind, name, id_type, id_number, phone, ...,
    optional agent); they are validated here and refused field by field. ``materials``
    rows are ``{code, name, form, copies, received}``; missing rows default to the
    matter's list, none received.

    An ID number the station has registered under another name is refused unless
    ``name_change_reason`` says why (更名、原登记有误 ...); the reason and the earlier
    name are recorded on the registration (its event, hence the audit chain).

    ``id_card`` is what the ID card reader read (``app.services.id_cards``): it must be
    the applicant's card (same number and name); its facts and its photo, kept as an
    attachment of the case, are recorded with the registration. ``queue_ticket`` is
    the hall's queue number the applicant was called by (叫号), kept on the case.
    """
    now = now or utc_now()
    if id_card is not None:
        check_card_matches(id_card, applicant)
    fields = dict(applicant)
    agent = fields.pop("agent", None)
    if isinstance(agent, dict):
        agent = Person.from_dict(agent) if any(agent.values()) else None
    validated = make_applicant(**fields, agent=agent, today=local_date(now))
    with uow_factory() as uow:
        matter = uow.catalog.matter(matter_code)
        if matter is None or not matter.active:
            raise NotFound("matter_not_found", "事项不存在或已停用，请重新选择。",
                           field="matter")
        needed = intake_materials(matter, with_agent=validated.agent is not None)
        rows = list(materials) if materials is not None else []
        # Rows default to the list (none received); an agent's 授权委托书 is always asked.
        named = {str(r.get("name", "")) for r in rows}
        rows += [
            {"code": m.code, "name": m.name, "form": m.form.value, "copies": m.copies,
             "received": False}
            for m in needed
            if (materials is None or m.code == "agent_authorization") and m.name not in named
        ]
        case_id = str(uuid.uuid4())
        earlier = uow.cases.latest_for_id_number(validated.id_number)
        identity_note = check_known_identity(
            previous_name=earlier.applicant_name if earlier is not None else "",
            name=validated.name, reason=name_change_reason,
            id_label=ID_TYPE_LABELS[validated.id_type],
        )
        payload = {
            "number": next_case_number(uow, user.station, now),
            "matter": matter.to_dict(),
            "applicant": validated.to_dict(),
            "materials": rows,
            "green_channel": green_channel,
            "window": user.window_name,
        }
        if identity_note is not None and earlier is not None:
            payload["identity_note"] = {**identity_note, "previous_case": earlier.number}
        if service_mode:
            payload["service_mode"] = service_mode
        if consultation_id:
            payload["consultation_id"] = consultation_id
        if appointment_id:
            payload["appointment_id"] = appointment_id
        if queue_ticket:
            payload["queue_ticket"] = check_queue_ticket(queue_ticket)
        if id_card is not None:
            payload["id_card"] = dict(id_card)
            _record_attachment(uow, id_card.get("photo"), now)
        case = record_local(
            uow, None, _event(user, case_id, EventType.REGISTERED, payload, now),
            current_actor(uow, user, now), now=now,
        )
        if consultation_id:
            link_consultation(uow, consultation_id, case)
        if appointment_id:
            link_appointment(uow, appointment_id, case, today=local_date(now))
        uow.commit()
        return case


def _record_attachment(uow: UnitOfWork, info: dict[str, Any] | None, now: datetime) -> None:
    """List a file kept in the attachments folder, for sync to upload with the case."""
    if not info or uow.session.get(models.Attachment, info["sha256"]) is not None:
        return
    uow.session.add(models.Attachment(
        sha256=info["sha256"], size=int(info["size"]), mime_type=str(info["mime_type"]),
        original_name=str(info["name"]), uploaded=False, created_at=now))


def record_materials(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    materials: list[dict[str, Any]], now: datetime | None = None,
) -> Case:
    """Record which materials were received, in which form and how many copies."""
    return _act(uow_factory, user, case_id, EventType.MATERIALS_RECORDED,
                {"materials": materials}, now)


def missing_materials(case: Case) -> list[dict[str, Any]]:
    """Every required material of the matter not received: the one-time notice's list."""
    received = {m["name"] for m in case.materials if m.get("received")}
    rows = []
    agent = case.applicant.get("agent")
    needed = intake_materials(case.matter, with_agent=isinstance(agent, dict) and bool(agent))
    for material in needed:
        if material.required and material.name not in received:
            rows.append({
                "code": material.code, "name": material.name, "form": material.form.value,
                "copies": material.copies, "problem": "未提交",
                "needed": material.description or f"{material.form.label}{material.copies}份",
            })
    return rows


def issue_one_time_notice(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    missing: list[dict[str, Any]], seal: CounterSeal,
    supplement_deadline: date | None = None, supplement_working_days: int | None = None,
    now: datetime | None = None,
) -> Case:
    """Issue ONE notice listing all missing or defective materials (一次性告知), sealed
    with the window's 受理专用章 on the spot, with its 补正期限: ``supplement_deadline``,
    else ``supplement_working_days`` working days from today, else the station's
    ``supplement_working_days`` setting (10 by default)."""
    now = now or utc_now()
    if supplement_deadline is None:
        with uow_factory() as uow:
            days = supplement_working_days
            if days is None:
                setting = uow.settings.get("supplement_working_days", "")
                days = int(setting) if setting.isdigit() else DEFAULT_SUPPLEMENT_WORKING_DAYS
            if not 1 <= days <= 60:
                raise ValidationError("bad_days", "补正期限应为1至60个工作日。",
                                      field="supplement_working_days")
            supplement_deadline, _provisional = load_calendar(uow).add_working_days(
                local_date(now), days)
    payload = {"missing": missing, "supplement_deadline": supplement_deadline.isoformat()}
    return _act_and_seal(uow_factory, user, case_id, EventType.NOTICE_ISSUED, payload,
                         kind=DocumentKind.ONE_TIME_NOTICE, seal=seal, now=now)


def supplement(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    received: list[str], now: datetime | None = None,
) -> Case:
    """Record materials the applicant brought after a one-time notice."""
    return _act(uow_factory, user, case_id, EventType.SUPPLEMENTED, {"received": received}, now)


def intake_due(uow_factory: UnitOfWorkFactory, case: Case) -> date | None:
    """The last day to accept, refuse or give the one-time notice (第三十二条), for a
    licensing case waiting for that decision."""
    with uow_factory() as uow:
        return intake_decision_due(case, load_calendar(uow))


def accept(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    seal: CounterSeal, tolerance_materials: list[str] | None = None,
    tolerance_deadline: date | None = None, tolerance_promise_signed: bool = False,
    promise_materials: list[str] | None = None, promise_signed: bool = False,
    now: datetime | None = None,
) -> Case:
    """Accept the application (受理) and seal the acceptance notice with the window's
    受理专用章 there and then; the deadline starts counting the next working day.

    容缺受理: ``tolerance_materials`` (names) may be missing when the catalog marks them,
    against the applicant's signed promise and ``tolerance_deadline``. 告知承诺制:
    ``promise_materials`` are replaced by the applicant's signed 告知承诺书. The domain
    checks both; the 容缺受理通知书 is sealed with the acceptance notice in the same
    transaction, the applicant's 承诺书 and 告知承诺书 are issued unsealed and kept.
    """
    now = now or utc_now()
    tolerated = list(tolerance_materials or [])
    promised = list(promise_materials or [])
    with uow_factory() as uow:
        case = load_case(uow, case_id)
        intake_due = intake_decision_due(case, load_calendar(uow))
        incomplete = [m["name"] for m in missing_materials(case)
                      if m["name"] not in tolerated and m["name"] not in promised]
    if incomplete:
        raise ValidationError(
            "materials_incomplete",
            f"材料不齐全（缺少：{'、'.join(incomplete)}），请出具一次性告知书。",
            field="materials", missing=incomplete,
        )
    payload: dict[str, Any] = {"accepted_on": local_date(now).isoformat(),
                               "promised_working_days": case.matter.promised_working_days,
                               "notice_at_counter": True}
    if intake_due is not None and local_date(now) > intake_due:
        # 第三十二条: past the five days without a notice the law has accepted it already,
        # on the day the materials came in; the time limit runs from then.
        payload |= {"accepted_on": materials_received_on(case).isoformat(),
                    "deemed_from_receipt": True}
    if tolerated:
        payload |= {"tolerance_materials": tolerated,
                    "tolerance_deadline": tolerance_deadline.isoformat()
                    if tolerance_deadline else "",
                    "tolerance_promise_signed": tolerance_promise_signed}
    if promised:
        payload |= {"promise_materials": promised, "promise_signed": promise_signed}
    accepted = _act_and_seal(uow_factory, user, case_id, EventType.ACCEPTED, payload,
                             kind=DocumentKind.ACCEPTANCE_NOTICE, seal=seal, now=now,
                             also_sealed=(DocumentKind.TOLERANCE_NOTICE,) if tolerated else ())
    if accepted.tolerance or accepted.promise:
        from app.services.documents import issue_unsealed

        # The applicant's own promises: unsealed, they sign them.
        kinds = [DocumentKind.TOLERANCE_PROMISE] if accepted.tolerance else []
        kinds += [DocumentKind.NOTIFICATION_PROMISE] if accepted.promise else []
        for kind in kinds:
            issue_unsealed(uow_factory, user, case_id, kind, now=now)
    return accepted


def _no_licensing_law(matter: Matter, legal_basis: str) -> None:
    """A matter that is not 行政许可 never cites the 行政许可法 (its own basis instead)."""
    if not matter.matter_type.is_licensing and "行政许可法" in legal_basis:
        raise ValidationError(
            "licensing_law_not_applicable",
            f"“{matter.name}”为{matter.matter_type.label}事项，不适用《中华人民共和国行政许可法》，"
            "请引用本事项自身的法律依据。",
            field="legal_basis",
        )


def reject(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    reasons: str, ground: str, seal: CounterSeal, legal_basis: str = "",
    redirect_authority: str = "", now: datetime | None = None,
) -> Case:
    """Refuse the application at intake (不予受理), with reasons and its ground, and seal
    the rejection notice at the counter.

    ``ground`` is which case of 行政许可法 第三十二条第一款 applies: ``not_licensable``
    (第（一）项, licensing matters only), ``outside_powers`` (第（二）项: name the
    authority to apply to in ``redirect_authority``) or ``other`` (name the provision in
    ``legal_basis``). The notice cites the item, or the provision, accordingly.
    """
    now = now or utc_now()
    with uow_factory() as uow:
        case = load_case(uow, case_id)
    check_rejection(case.matter, ground=ground, legal_basis=legal_basis,
                    redirect_authority=redirect_authority)
    _no_licensing_law(case.matter, legal_basis)
    payload = {"reasons": reasons, "legal_basis": legal_basis.strip(),
               "redirect_authority": redirect_authority.strip(), "ground": ground,
               "notice_at_counter": True}
    return _act_and_seal(uow_factory, user, case_id, EventType.REJECTED, payload,
                         kind=DocumentKind.REJECTION_NOTICE, seal=seal, now=now)


def review(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    conforms: bool, opinion: str, site_inspection_done: bool = False,
    site_inspection_result: str = "", now: datetime | None = None,
) -> Case:
    """The clerk's review opinion (审查意见); the case then waits for the chief."""
    payload = {"conforms": conforms, "opinion": opinion,
               "site_inspection_done": site_inspection_done,
               "site_inspection_result": site_inspection_result}
    return _act(uow_factory, user, case_id, EventType.REVIEWED, payload, now)


def countersign(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    department_code: str, agree: bool, opinion: str, now: datetime | None = None,
) -> Case:
    """A participating department's chief representative countersigns a joint case."""
    payload = {"department_code": department_code, "agree": agree, "opinion": opinion}
    return _act(uow_factory, user, case_id, EventType.COUNTERSIGNED, payload, now)


def approve(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    opinion: str, result_fields: dict[str, str] | None = None, now: datetime | None = None,
) -> Case:
    """The chief representative approves (核准准予); the decision awaits the seal.

    ``result_fields`` fills the matter's result fields (证件编号、有效期限、许可范围 ...),
    which the decision states; the required ones are enforced by the domain.
    """
    payload = {"opinion": opinion, "result_fields": dict(result_fields or {})}
    return _act(uow_factory, user, case_id, EventType.APPROVED, payload, now)


def deny(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    opinion: str, reasons: str, legal_basis: str = "", now: datetime | None = None,
) -> Case:
    """The chief representative denies (不予许可 / 不予办理) with reasons; awaits the seal.

    The document cites the matter's own legal basis with ``legal_basis`` (the provision
    the reasons rest on); a matter whose guide names none needs ``legal_basis``.
    """
    now = now or utc_now()
    with uow_factory() as uow:
        case = load_case(uow, case_id)
        _no_licensing_law(case.matter, legal_basis)
        if not case.matter.legal_basis.strip() and not legal_basis.strip():
            raise ValidationError(
                "legal_basis_required",
                "本事项的办事指南未载明设定依据，请填写不予办理所依据的法律条款。",
                field="legal_basis",
            )
        payload = {"opinion": opinion, "reasons": reasons, "legal_basis": legal_basis.strip()}
        updated = _record(uow, user, case_id, EventType.DENIED, payload, now)
        uow.commit()
        return updated


def complete_on_the_spot(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    opinion: str, seal: CounterSeal, result_fields: dict[str, str] | None = None,
    method: str = "窗口领取", receiver: str = "", now: datetime | None = None,
) -> Case:
    """A 即办件 done at the window by one authorized officer in one act (衡阳 意见 四:
    "由窗口工作人员一人完成全部的行政许可办理环节"; 北票 第二十五条 "即收即办，现场办结"):
    the review, the approval, the decision sealed with the window's seal on the officer's
    password, and the result handed over with its 送达回证 — all recorded, or nothing."""
    now = now or utc_now()
    review_payload = {"conforms": True, "opinion": opinion, "site_inspection_done": False,
                      "site_inspection_result": ""}
    approve_payload = {"opinion": opinion, "result_fields": dict(result_fields or {}),
                       "on_the_spot": True}
    with uow_factory() as uow:
        # Every refusal (the grant, the matter, the state) before the password is asked.
        case = load_case(uow, case_id)
        actor = current_actor(uow, user, now)
        for event_type, payload in ((EventType.REVIEWED, review_payload),
                                    (EventType.APPROVED, approve_payload)):
            event = _event(user, case_id, event_type, payload, now)
            authorize_event(case, event, actor)
            case = apply_event(case, event)
    kind = DocumentKind(decision_document(case.matter, "approved"))
    seal_id = confirm_seal_use(uow_factory, user, case, kind, seal.password, now=now)
    with uow_factory() as uow:
        _record(uow, user, case_id, EventType.REVIEWED, review_payload, now)
        approved = _record(uow, user, case_id, EventType.APPROVED, approve_payload, now)
        actor = current_actor(uow, user, now)
        decided = seal_document(uow, user, actor, approved, kind=kind, key_store=seal.key_store,
                                now=now, purpose=f"即办件当场办结，{purpose_of(kind)}",
                                seal_id=seal_id)
        delivered = record_local(
            uow, decided.case,
            _event(user, case_id, EventType.DELIVERED, {"method": method, "receiver": receiver},
                   now),
            actor, now=now)
        receipt = seal_document(uow, user, actor, delivered, kind=DocumentKind.DELIVERY_RECEIPT,
                                key_store=seal.key_store, now=now,
                                purpose=purpose_of(DocumentKind.DELIVERY_RECEIPT))
        uow.commit()
        return receipt.case


def deliver(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    method: str, seal: CounterSeal, receiver: str = "", now: datetime | None = None,
) -> Case:
    """Hand the result over (送达): at the window, by post, ...; the 送达回证 is sealed
    then, for the recipient to sign."""
    return _act_and_seal(uow_factory, user, case_id, EventType.DELIVERED,
                         {"method": method, "receiver": receiver},
                         kind=DocumentKind.DELIVERY_RECEIPT, seal=seal, now=now or utc_now())


def forward(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    authority: str, to_station: str = "", reason: str = "", now: datetime | None = None,
) -> Case:
    """Forward the case to a higher authority (上报); its return is tracked."""
    payload = {"authority": authority, "to_station": to_station, "reason": reason}
    return _act(uow_factory, user, case_id, EventType.FORWARDED, payload, now)


def record_forward_return(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    result: str, opinion: str, document_number: str = "", now: datetime | None = None,
) -> Case:
    """Record the higher authority's result of a forwarded case."""
    payload = {"result": result, "opinion": opinion, "document_number": document_number}
    return _act(uow_factory, user, case_id, EventType.FORWARD_RETURNED, payload, now)


def withdraw(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    reason: str, now: datetime | None = None,
) -> Case:
    """The applicant withdraws the application (撤回)."""
    return _act(uow_factory, user, case_id, EventType.WITHDRAWN, {"reason": reason}, now)


def suspend(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    reason_code: str, reason: str = "", expected_working_days: int | None = None,
    seal: CounterSeal | None = None, now: datetime | None = None,
) -> Case:
    """Stop the clock (中止计时) for a procedure 行政许可法 第四十五条 excludes from the time
    limit (听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审); 现场核查 only where the
    matter's legal basis excludes it too (the domain refuses it otherwise).

    A procedure of 第四十五条 needs the time it takes, told in writing: the 特别程序告知书
    is sealed in the same transaction.
    """
    now = now or utc_now()
    payload: dict[str, Any] = {"reason_code": reason_code, "reason": reason,
                               "start": local_date(now).isoformat()}
    try:
        procedure = SuspensionReason(reason_code)
    except ValueError:
        procedure = None  # the domain refuses it with its own message
    if procedure is None or not procedure.needs_written_notice:
        return _act(uow_factory, user, case_id, EventType.SUSPENDED, payload, now)
    if not isinstance(expected_working_days, int) or expected_working_days < 1:
        raise ValidationError(
            "expected_days_required",
            f"{procedure.label}所需时间须书面告知申请人（行政许可法第四十五条）："
            "请填写所需工作日。",
            field="expected_working_days",
        )
    if seal is None:
        raise ValidationError(
            "seal_required", f"{procedure.label}须当场盖章出具特别程序告知书：请输入密码确认用印。",
            field="password",
        )
    payload["expected_working_days"] = expected_working_days
    return _act_and_seal(uow_factory, user, case_id, EventType.SUSPENDED, payload,
                         kind=DocumentKind.SPECIAL_PROCEDURE_NOTICE, seal=seal, now=now)


def resume(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    now: datetime | None = None,
) -> Case:
    """Restart the clock after a suspension."""
    now = now or utc_now()
    return _act(uow_factory, user, case_id, EventType.RESUMED,
                {"end": local_date(now).isoformat()}, now)


def extend(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    working_days: int, reason: str, head_approval: str, seal: CounterSeal,
    other_law_basis: str = "", now: datetime | None = None,
) -> Case:
    """An extension of the time limit approved by the head of the organ (第四十二条; of the
    people's government for a 联办件), with its reason; the 延长办理期限告知书 is sealed with
    the approval seal at once. How many days the law allows is the domain's rule."""
    if not head_approval.strip():
        with uow_factory() as uow:
            rule = extension_rule(load_case(uow, case_id))
        raise ValidationError(
            "head_approval_required",
            f"延长办理期限须经{rule.approver}批准（行政许可法第四十二条）：请填写批准的负责人。",
            field="head_approval",
        )
    payload = {"working_days": working_days, "reason": reason,
               "head_approval": head_approval.strip()}
    if other_law_basis.strip():
        payload["other_law_basis"] = other_law_basis.strip()
    return _act_and_seal(uow_factory, user, case_id, EventType.EXTENDED, payload,
                         kind=DocumentKind.EXTENSION_NOTICE, seal=seal, now=now or utc_now())


def record_fee(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    fee_codes: list[str], now: datetime | None = None,
) -> Case:
    """Charge the catalog's fee items to the case (统一收费)."""
    now = now or utc_now()
    with uow_factory() as uow:
        case = load_case(uow, case_id)
        items = {f.code: f for f in case.matter.fee_items}
        unknown = [c for c in fee_codes if c not in items]
        if unknown or not fee_codes:
            raise ValidationError("bad_fee", "请选择本事项目录中的收费项目。", field="items")
        payload = {"items": [
            {"code": c, "name": items[c].name, "amount_fen": items[c].amount_fen,
             "basis": items[c].basis}
            for c in fee_codes
        ]}
        updated = _record(uow, user, case_id, EventType.FEE_RECORDED, payload, now)
        uow.commit()
        return updated


def record_payment(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    amount_fen: int, receipt_number: str, now: datetime | None = None,
) -> Case:
    """Payment at the unified fee window, with its receipt number."""
    return _act(uow_factory, user, case_id, EventType.FEE_PAID,
                {"amount_fen": amount_fen, "receipt_number": receipt_number}, now)


def record_evaluation(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *,
    rating: str, channel: str, comment: str = "", now: datetime | None = None,
) -> Case:
    """The applicant's evaluation (好差评), as it arrives from the applicant's
    ``channel`` (a code of ``EVALUATION_CHANNELS``: the rating device, the receipt's QR
    code, the portal ...). A clerk cannot type one in: any other channel is refused."""
    check_evaluation_channel(channel)
    return _act(uow_factory, user, case_id, EventType.EVALUATED,
                {"rating": rating, "comment": comment, "channel": channel}, now)


def get_case(uow_factory: UnitOfWorkFactory, case_id: str) -> Case:
    with uow_factory() as uow:
        return load_case(uow, case_id)


def case_history(uow_factory: UnitOfWorkFactory, case_id: str) -> list[Event]:
    """Every event of the case, oldest first: the case page's timeline."""
    with uow_factory() as uow:
        return uow.events.for_case(case_id)
