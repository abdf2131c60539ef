"""Consultations (咨询) and the printed service guide (办事指南).

A consultation is recorded without an application (北票 第二十条 首问负责, 第二十一条
一次性告知; 敖汉 第十四条): who asked (optional), which matter, what they were told,
and the staff member who answered first (首问负责人). It counts in the month's figures
for that person and window. The guide of the matter is printed on one page for the
asker to take away; a consultation that becomes an application carries its matter and
asker into the registration, and is marked with the case it became.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.domain.calendar import format_chinese_date
from app.domain.case import Case
from app.domain.catalog import Matter
from app.domain.counter_records import CONSULTATION_CHANNELS as CONSULTATION_CHANNELS
from app.domain.counter_records import check_consultation, clean_phone
from app.domain.errors import NotFound, TransitionError
from app.domain.roles import Action, authorize
from app.print_templates import DocumentContext, DocumentKind, FeeLine, GuideFacts, render_pdf
from app.print_templates.context import MaterialLine
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

DEFAULT_PLACE_AND_HOURS = "周一至周五 9:00—12:00、13:30—17:30（法定节假日除外）"


@dataclass(frozen=True)
class Consultation:
    """One recorded consultation."""

    id: str
    asked_at: datetime
    asker_name: str
    asker_phone: str
    matter_code: str
    matter_name: str
    question: str
    answer: str
    channel: str
    staff_id: str
    staff_name: str
    window_name: str
    guide_printed: bool
    case_id: str

    @property
    def registered(self) -> bool:
        return bool(self.case_id)


def _view(row: models.Consultation) -> Consultation:
    return Consultation(
        id=row.id, asked_at=row.asked_at, asker_name=row.asker_name,
        asker_phone=row.asker_phone, matter_code=row.matter_code, matter_name=row.matter_name,
        question=row.question, answer=row.answer, channel=row.channel, staff_id=row.staff_id,
        staff_name=row.staff_name, window_name=row.window_name,
        guide_printed=row.guide_printed, case_id=row.case_id,
    )


def record_consultation(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, matter_code: str, answer: str,
    question: str = "", asker_name: str = "", asker_phone: str = "",
    channel: str = "counter", now: datetime | None = None,
) -> Consultation:
    """Record a consultation; the user is its first-inquiry staff member (首问负责人)."""
    authorize(user.roles, Action.REGISTER, who=user.display_name)
    now = now or utc_now()
    answer = answer.strip()
    phone = clean_phone(asker_phone)
    check_consultation(answer=answer, asker_phone=phone, channel=channel)
    with uow_factory() as uow:
        matter = uow.catalog.matter(matter_code)
        if matter is None:
            raise NotFound("matter_not_found", "请选择咨询的事项。", field="matter")
        row = models.Consultation(
            id=str(uuid.uuid4()), station=user.station, asked_at=now,
            asker_name=asker_name.strip(), asker_phone=phone, matter_code=matter.code,
            matter_name=matter.name, question=question.strip(), answer=answer,
            channel=channel, staff_id=user.id, staff_name=user.display_name,
            window_name=user.window_name, guide_printed=False, case_id="",
        )
        uow.session.add(row)
        uow.audit.append({"kind": "consultation", "id": row.id, "matter": matter.code,
                          "by": user.id, "at": now.isoformat()})
        uow.commit()
        return _view(row)


def consultations_on(uow_factory: UnitOfWorkFactory, user: CurrentUser,
                     day: date) -> list[Consultation]:
    """The station's consultations of one local day, newest first."""
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    start = datetime(day.year, day.month, day.day, tzinfo=CHINA_TZ)
    end = start + timedelta(days=1)
    with uow_factory() as uow:
        c = models.Consultation
        rows = uow.session.scalars(
            select(c).where(c.asked_at >= start, c.asked_at < end).order_by(c.asked_at.desc()))
        return [_view(r) for r in rows]


def get_consultation(uow_factory: UnitOfWorkFactory, consultation_id: str) -> Consultation:
    with uow_factory() as uow:
        row = uow.session.get(models.Consultation, consultation_id)
        if row is None:
            raise NotFound("consultation_not_found", "找不到该咨询记录。")
        return _view(row)


def link_consultation(uow: UnitOfWork, consultation_id: str, case: Case) -> None:
    """Mark the consultation as the origin of ``case`` (in the registration's
    transaction); a consultation becomes one application only."""
    row = uow.session.get(models.Consultation, consultation_id)
    if row is None:
        raise NotFound("consultation_not_found", "找不到该咨询记录。", field="consultation")
    if row.case_id:
        raise TransitionError("consultation_registered", "该咨询已转为登记，不能重复转登记。")
    row.case_id = case.id


# --- the service guide ---------------------------------------------------------------


def guide_context(uow: UnitOfWork, matter: Matter, *, user: CurrentUser,
                  printed_at: datetime) -> DocumentContext:
    """The 办事指南 of ``matter`` as a document: every field of the catalog's guide."""
    department = uow.catalog.department(matter.department_code)
    settings = uow.settings
    station_name = settings.get("station_name", user.station)
    place = matter.service_place or (
        f"{station_name}{user.window_name or ''}；"
        + settings.get("service_hours", DEFAULT_PLACE_AND_HOURS))
    codes_of = {m.code: m.name for m in matter.materials}
    return DocumentContext(
        kind=DocumentKind.SERVICE_GUIDE,
        authority_name=department.name if department else matter.department_name,
        date_text=format_chinese_date(local_date(printed_at)),
        department_name=matter.department_name,
        matter_name=matter.name,
        matter_type=matter.matter_type.value,
        matter_basis=matter.legal_basis,
        clerk_name=user.display_name,
        window_name=user.window_name,
        window_phone=department.phone if department else "",
        guide=GuideFacts(
            matter_type_label=matter.matter_type.label,
            case_type_label=matter.case_type.label,
            basis=matter.legal_basis or "—",
            conditions=matter.conditions or "—",
            procedure=matter.procedure or "—",
            materials=tuple(
                MaterialLine(name=m.name, form=m.form.label, copies=m.copies,
                             note=("" if m.required else f"视情形提交：{m.condition}"
                                   if m.condition else "视情形提交"))
                for m in matter.materials),
            statutory_days_text=f"{matter.statutory_working_days}个工作日",
            promised_days_text=("当场办结" if matter.promised_working_days == 0
                                else f"{matter.promised_working_days}个工作日"),
            fees=tuple(FeeLine(item=f.name, amount_text=f"{f.amount_fen // 100}."
                               f"{f.amount_fen % 100:02d}元", basis=f.basis)
                       for f in matter.fee_items),
            place_and_hours=place,
            form_templates=matter.form_templates,
            tolerance_names=tuple(codes_of[c] for c in matter.tolerance_materials
                                  if c in codes_of),
            promise_names=tuple(codes_of[c] for c in matter.promise_materials if c in codes_of),
        ),
    )


def service_guide_pdf(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, matter_code: str,
    consultation_id: str = "", now: datetime | None = None,
) -> bytes:
    """The matter's one-page 办事指南 as PDF; the consultation, if named, is marked as
    having had its guide printed (一次性告知)."""
    authorize(user.roles, Action.PRINT, who=user.display_name)
    now = now or utc_now()
    with uow_factory() as uow:
        matter = uow.catalog.matter(matter_code)
        if matter is None:
            raise NotFound("matter_not_found", "事项不存在，请重新选择。", field="matter")
        context = guide_context(uow, matter, user=user, printed_at=now)
        pdf = render_pdf(context, font_path=uow.settings.get("font_path") or None)
        if consultation_id:
            row = uow.session.get(models.Consultation, consultation_id)
            if row is None:
                raise NotFound("consultation_not_found", "找不到该咨询记录。")
            row.guide_printed = True
        uow.audit.append({"kind": "document", "document": DocumentKind.SERVICE_GUIDE.value,
                          "matter": matter.code, "by": user.id, "at": now.isoformat()})
        uow.commit()
        return pdf
