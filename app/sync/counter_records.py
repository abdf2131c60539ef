"""Appointments and consultations in sync: the station's rows as reference records
(``ReferenceKind.APPOINTMENT`` / ``CONSULTATION``) and pulled records back into rows.

They travel as reference records, like the broken-promise record, because they are
records with a state rather than a case's history: the server keeps the latest version
of each, merged forward-only (app/domain/counter_records.py), and sends it to the
station whose hall it is for. A pulled record never moves a state here backwards: an
appointment closed here and not yet sent stays closed (and is sent next round). A change
the county refused (the other station's closing or link came first) is a sync conflict
here, listed with the others, and the county's record takes its place.

Only records of the last ``RECENT_DAYS`` days are offered for sending: older ones no
longer change (an appointment's day is past, a consultation has become a case or not),
so a station's years of consultations are not hashed at every sync.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.domain.counter_records import (
    FINAL_APPOINTMENT_STATES,
    appointment_record,
    consultation_record,
)
from app.domain.errors import DomainError
from app.store import models
from app.store.unit_of_work import UnitOfWork
from app.sync.protocol import ReferenceItem, ReferenceKind

log = logging.getLogger(__name__)

RECENT_DAYS = 60


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def appointment_data(row: models.Appointment) -> dict[str, Any]:
    """An appointment row as its record (checked: the server would check it too)."""
    return appointment_record({
        "id": row.id, "station": row.station, "day": row.day.isoformat(), "slot": row.slot,
        "window_name": row.window_name, "matter_code": row.matter_code,
        "matter_name": row.matter_name, "applicant_name": row.applicant_name,
        "applicant_phone": row.applicant_phone, "channel": row.channel,
        "service_mode": row.service_mode, "status": row.status, "note": row.note,
        "booked_by": row.booked_by, "booked_at": _utc_text(row.booked_at),
        "case_id": row.case_id,
    })


def consultation_data(row: models.Consultation) -> dict[str, Any]:
    """A consultation row as its record."""
    return consultation_record({
        "id": row.id, "station": row.station, "asked_at": _utc_text(row.asked_at),
        "asker_name": row.asker_name, "asker_phone": row.asker_phone,
        "matter_code": row.matter_code, "matter_name": row.matter_name,
        "question": row.question, "answer": row.answer, "channel": row.channel,
        "staff_id": row.staff_id, "staff_name": row.staff_name,
        "window_name": row.window_name, "guide_printed": row.guide_printed,
        "case_id": row.case_id,
    })


def local_items(uow: UnitOfWork, wanted: Iterable[ReferenceKind], *,
                today: date) -> list[ReferenceItem]:
    """The recent appointments and consultations held here, as records."""
    kinds = set(wanted)
    since = today - timedelta(days=RECENT_DAYS)
    items: list[ReferenceItem] = []
    if ReferenceKind.APPOINTMENT in kinds:
        a = models.Appointment
        for booked in uow.session.scalars(select(a).where(a.day >= since).order_by(a.id)):
            _add(items, ReferenceKind.APPOINTMENT, booked, appointment_data)
    if ReferenceKind.CONSULTATION in kinds:
        c = models.Consultation
        start = datetime(since.year, since.month, since.day, tzinfo=UTC)
        for asked in uow.session.scalars(select(c).where(c.asked_at >= start).order_by(c.id)):
            _add(items, ReferenceKind.CONSULTATION, asked, consultation_data)
    return items


def _add(items: list[ReferenceItem], kind: ReferenceKind, row: Any,
         to_data: Callable[[Any], dict[str, Any]]) -> None:
    try:
        items.append(ReferenceItem(kind, row.id, to_data(row)))
    except DomainError as error:  # a row from before the rules: kept here, not sent
        log.warning("%s %s not sent: %s", kind.value, row.id, error.message)


def apply(uow: UnitOfWork, item: ReferenceItem) -> str:
    """Store a pulled appointment or consultation; "" when done, else why not."""
    if item.kind is ReferenceKind.APPOINTMENT:
        _apply_appointment(uow, appointment_record(item.data))
    else:
        _apply_consultation(uow, consultation_record(item.data))
    return ""


def _apply_appointment(uow: UnitOfWork, data: dict[str, Any]) -> None:
    row = uow.session.get(models.Appointment, data["id"])
    if row is None:
        row = models.Appointment(id=data["id"])
        uow.session.add(row)
    elif row.status in FINAL_APPOINTMENT_STATES and data["status"] == "booked":
        # Closed here, not sent yet: the closing goes out next round.
        data = {**data, "status": row.status, "case_id": row.case_id}
    row.station = data["station"]
    row.day = date.fromisoformat(data["day"])
    row.booked_at = datetime.fromisoformat(data["booked_at"])
    for name in ("slot", "window_name", "matter_code", "matter_name", "applicant_name",
                 "applicant_phone", "channel", "service_mode", "status", "note",
                 "booked_by", "case_id"):
        setattr(row, name, data[name])


def _apply_consultation(uow: UnitOfWork, data: dict[str, Any]) -> None:
    row = uow.session.get(models.Consultation, data["id"])
    if row is None:
        row = models.Consultation(id=data["id"], guide_printed=False, case_id="")
        uow.session.add(row)
    row.guide_printed = bool(row.guide_printed or data["guide_printed"])
    # The county's link is the first one made, and it stays; a link made here and not
    # sent yet stays until it goes out. (A link here the county refused gives way, else
    # this station would hold another case than everyone else and send it every round.)
    row.case_id = data["case_id"] or row.case_id
    row.asked_at = datetime.fromisoformat(data["asked_at"])
    for name in ("station", "asker_name", "asker_phone", "matter_code", "matter_name",
                 "question", "answer", "channel", "staff_id", "staff_name", "window_name"):
        setattr(row, name, data[name])


def record_refusal(uow: UnitOfWork, item: ReferenceItem, reason: str,
                   now: datetime | None = None) -> None:
    """The county refused this station's version of an appointment or consultation:
    list it with the sync conflicts (by the record's id; a later refusal of the same
    record makes it unread again) and keep the refused version in the audit chain."""
    now = now or datetime.now(UTC)
    data = item.data
    if item.kind is ReferenceKind.APPOINTMENT:
        what = (f"预约（{data.get('applicant_name', '')}，{data.get('day', '')} "
                f"{data.get('slot', '')}，{data.get('window_name', '')}）")
    else:
        what = (f"咨询记录（{data.get('asker_name') or '未留姓名'}，"
                f"{data.get('matter_name', '')}）")
    text = f"{what}的更改未被县中心接受：{reason}以县中心的记录为准。"
    code = f"{item.kind.value}_refused"
    uow.audit.append({"kind": "sync_conflict", "code": code, "reason": text,
                      "record": item.to_dict(), "at": now.isoformat()})
    row = uow.session.get(models.SyncConflict, item.key)
    if row is None:
        row = models.SyncConflict(event_id=item.key)
        uow.session.add(row)
    # The case it concerns here, if any: the case this station registered from it.
    row.case_id = str(data.get("case_id") or "")
    row.code, row.reason, row.received_at, row.resolved = code, text, now, False
