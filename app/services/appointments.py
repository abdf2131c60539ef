"""Appointments (预约): by day and time slot, per window and matter, made at the counter
or phoned in (陕西 第十一条、第二十一条; 北票 第八条).

Each window takes ``appointment_capacity`` applicants per slot (2 unless the station
sets another number). A day that is not a working day takes appointments only as 周末服务
(weekend service); a slot after the hall's hours only as 延时服务. The day's list shows
every appointment and its state; an applicant who arrives is registered from the
appointment (matter, name, phone and service mode carried over), which marks it arrived.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app.domain.case import Case
from app.domain.counter_records import APPOINTMENT_CHANNELS as APPOINTMENT_CHANNELS
from app.domain.counter_records import APPOINTMENT_STATES, check_appointment, clean_phone
from app.domain.errors import NotFound, TransitionError, ValidationError
from app.domain.roles import Action, authorize
from app.services.context import CurrentUser, local_date, utc_now
from app.services.recording import load_calendar
from app.store import models
from app.store.unit_of_work import UnitOfWork, UnitOfWorkFactory

DEFAULT_SLOTS = ("09:00-10:00", "10:00-11:00", "11:00-12:00", "13:30-14:30", "14:30-15:30",
                 "15:30-16:30", "16:30-17:30")
# After the hall's ordinary hours: 延时服务 only.
EXTENDED_SLOTS = ("17:30-18:30", "18:30-19:30")
DEFAULT_CAPACITY = 2


@dataclass(frozen=True)
class Appointment:
    id: str
    day: date
    slot: str
    window_name: str
    matter_code: str
    matter_name: str
    applicant_name: str
    applicant_phone: str
    channel: str
    service_mode: str
    status: str
    note: str
    booked_by: str
    case_id: str

    @property
    def status_label(self) -> str:
        return APPOINTMENT_STATES.get(self.status, self.status)


def _view(row: models.Appointment) -> Appointment:
    return Appointment(
        id=row.id, day=row.day, slot=row.slot, window_name=row.window_name,
        matter_code=row.matter_code, matter_name=row.matter_name,
        applicant_name=row.applicant_name, applicant_phone=row.applicant_phone,
        channel=row.channel, service_mode=row.service_mode, status=row.status, note=row.note,
        booked_by=row.booked_by, case_id=row.case_id,
    )


def slots(uow_factory: UnitOfWorkFactory) -> tuple[str, ...]:
    """The station's slots of a day (ordinary hours, then the 延时服务 ones)."""
    with uow_factory() as uow:
        return _slots(uow) + EXTENDED_SLOTS


def _slots(uow: UnitOfWork) -> tuple[str, ...]:
    text = uow.settings.get("appointment_slots", "")
    found = tuple(s.strip() for s in text.split(",") if s.strip())
    return found or DEFAULT_SLOTS


def _capacity(uow: UnitOfWork) -> int:
    value = uow.settings.get("appointment_capacity", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_CAPACITY


def book_appointment(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, *, day: date, slot: str,
    window_name: str, matter_code: str, applicant_name: str, applicant_phone: str,
    channel: str = "counter", service_mode: str = "", note: str = "", station: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Book a slot; refused for a past day, a full slot, or a day or hour outside the
    hall's without the service mode that covers it.

    ``station`` is the hall the applicant will come to (this station unless named): the
    county centre books by phone for a township's window, and sync takes the appointment
    there (app/sync, ``ReferenceKind.APPOINTMENT``)."""
    authorize(user.roles, Action.REGISTER, who=user.display_name)
    now = now or utc_now()
    name = applicant_name.strip()
    phone = clean_phone(applicant_phone)
    check_appointment(applicant_name=name, applicant_phone=phone, channel=channel,
                      service_mode=service_mode, window_name=window_name)
    hall = (station or user.station).strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{1,12}", hall):
        raise ValidationError("bad_station", "预约站点应为站点代码（字母和数字，至多12位）。",
                              field="station")
    if day < local_date(now):
        raise ValidationError("day_past", "预约日期不能早于今天。", field="day")
    with uow_factory() as uow:
        matter = uow.catalog.matter(matter_code)
        if matter is None or not matter.active:
            raise NotFound("matter_not_found", "请选择预约办理的事项。", field="matter")
        ordinary = _slots(uow)
        if slot not in ordinary + EXTENDED_SLOTS:
            raise ValidationError("bad_slot", "请选择预约时段。", field="slot")
        if slot in EXTENDED_SLOTS and service_mode != "extended_hours":
            raise ValidationError(
                "slot_needs_extended_hours",
                f"{slot}在工作时间以外，只能预约“延时服务”。", field="slot")
        calendar = load_calendar(uow)
        if not calendar.is_working_day(day) and service_mode not in ("weekend", "home_visit"):
            raise ValidationError(
                "day_not_working",
                f"{day.isoformat()}不是工作日，只能预约“周末服务”或“上门服务”。", field="day")
        a = models.Appointment
        taken = uow.session.scalar(
            select(func.count()).select_from(a).where(
                a.station == hall, a.day == day, a.slot == slot,
                a.window_name == window_name.strip(),
                a.status.in_(("booked", "arrived")))) or 0
        capacity = _capacity(uow)
        if taken >= capacity:
            raise ValidationError(
                "slot_full",
                f"{window_name}{day.isoformat()} {slot}已约满（每时段{capacity}人），请选择其他时段。",
                field="slot")
        row = models.Appointment(
            id=str(uuid.uuid4()), station=hall, day=day, slot=slot,
            window_name=window_name.strip(), matter_code=matter.code, matter_name=matter.name,
            applicant_name=name, applicant_phone=phone, channel=channel,
            service_mode=service_mode, status="booked", note=note.strip(),
            booked_by=user.display_name, booked_at=now, case_id="",
        )
        uow.session.add(row)
        uow.audit.append({"kind": "appointment", "id": row.id, "day": day.isoformat(),
                          "slot": slot, "by": user.id, "at": now.isoformat()})
        uow.commit()
        return _view(row)


def day_list(uow_factory: UnitOfWorkFactory, user: CurrentUser, day: date, *,
             window_name: str = "", station: str = "") -> list[Appointment]:
    """The day's appointments at this station's hall (or ``station``'s), by slot
    (optionally of one window): booked here or, by phone, at the county."""
    authorize(user.roles, Action.VIEW_CASES, who=user.display_name)
    with uow_factory() as uow:
        a = models.Appointment
        query = select(a).where(a.day == day, a.station == (station or user.station))
        if window_name:
            query = query.where(a.window_name == window_name)
        return [_view(r) for r in uow.session.scalars(query.order_by(a.slot, a.booked_at))]


def _set_status(uow_factory: UnitOfWorkFactory, user: CurrentUser, appointment_id: str,
                status: str) -> Appointment:
    authorize(user.roles, Action.REGISTER, who=user.display_name)
    with uow_factory() as uow:
        row = uow.session.get(models.Appointment, appointment_id)
        if row is None:
            raise NotFound("appointment_not_found", "找不到该预约。")
        if row.status != "booked":
            raise TransitionError("appointment_closed",
                                  f"该预约已“{APPOINTMENT_STATES[row.status]}”，不能再更改。")
        row.status = status
        uow.commit()
        return _view(row)


def cancel_appointment(uow_factory: UnitOfWorkFactory, user: CurrentUser,
                       appointment_id: str) -> Appointment:
    return _set_status(uow_factory, user, appointment_id, "cancelled")


def mark_no_show(uow_factory: UnitOfWorkFactory, user: CurrentUser,
                 appointment_id: str) -> Appointment:
    return _set_status(uow_factory, user, appointment_id, "no_show")


def get_appointment(uow_factory: UnitOfWorkFactory, appointment_id: str) -> Appointment:
    with uow_factory() as uow:
        row = uow.session.get(models.Appointment, appointment_id)
        if row is None:
            raise NotFound("appointment_not_found", "找不到该预约。")
        return _view(row)


def link_appointment(uow: UnitOfWork, appointment_id: str, case: Case, *, today: date) -> None:
    """Mark the appointment arrived and registered as ``case`` (in the registration's
    transaction): only a booked appointment of today."""
    row = uow.session.get(models.Appointment, appointment_id)
    if row is None:
        raise NotFound("appointment_not_found", "找不到该预约。", field="appointment")
    if row.status != "booked":
        raise TransitionError("appointment_closed",
                              f"该预约已“{APPOINTMENT_STATES[row.status]}”，不能转登记。")
    if row.day != today:
        raise TransitionError("appointment_other_day",
                              f"该预约的日期是{row.day.isoformat()}，不是今天。")
    if row.matter_code != case.matter.code:
        raise ValidationError("appointment_other_matter",
                              f"该预约办理的是“{row.matter_name}”，与登记的事项不同。",
                              field="matter")
    row.status = "arrived"
    row.case_id = case.id
