"""Appointments (预约) and consultations (咨询) as records that travel between stations
and the county server: their rules, their one shape on the wire, and how two versions
of one record converge.

The station that books or records checks these rules (app/services/appointments.py,
app/services/consultations.py); the server checks them again on every pushed record, so
a record no screen would make is refused there too, with the same Chinese reason.

Convergence: a record's identity (where, when, which window and matter, who asked) is
fixed once made. Its state only moves forward: an appointment goes from 已预约 to one
final state (已到达登记, 已取消, 未到) and stays there, the first final state the county
receives winning; a consultation's case, once linked, stays, and a printed guide stays
printed. Everything else (a note, a corrected answer) is last writer wins.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from app.domain.case import SERVICE_MODES
from app.domain.errors import TransitionError, ValidationError

APPOINTMENT_CHANNELS = {"counter": "窗口预约", "phone": "电话预约"}
APPOINTMENT_STATES = {"booked": "已预约", "arrived": "已到达登记", "cancelled": "已取消",
                      "no_show": "未到"}
FINAL_APPOINTMENT_STATES = frozenset({"arrived", "cancelled", "no_show"})
CONSULTATION_CHANNELS = {"counter": "窗口咨询", "phone": "电话咨询"}

# Fields that name the record; a later version may not change them.
APPOINTMENT_IDENTITY = ("id", "station", "day", "slot", "window_name", "matter_code")
CONSULTATION_IDENTITY = ("id", "station", "asked_at", "matter_code", "staff_id")


def clean_phone(phone: str) -> str:
    """A telephone number without its spaces."""
    return "".join(phone.split())


def check_phone(phone: str, *, required: bool, field: str) -> None:
    """7 to 20 digits (a hyphen allowed); required for an appointment, to call back."""
    if not phone:
        if required:
            raise ValidationError("bad_phone", "请填写有效的联系电话，以便通知预约人。", field=field)
        return
    if not phone.replace("-", "").isdigit() or not 7 <= len(phone) <= 20:
        raise ValidationError(
            "bad_phone",
            "请填写有效的联系电话，以便通知预约人。" if required else "联系电话格式不正确。",
            field=field)


def check_appointment(*, applicant_name: str, applicant_phone: str, channel: str,
                      service_mode: str, window_name: str, status: str = "booked") -> None:
    """The rules every appointment meets wherever it was made."""
    if not applicant_name.strip():
        raise ValidationError("required", "请填写预约人姓名或名称。", field="applicant_name")
    check_phone(applicant_phone, required=True, field="applicant_phone")
    if channel not in APPOINTMENT_CHANNELS:
        raise ValidationError("bad_channel", "预约方式只能是窗口预约或电话预约。", field="channel")
    if service_mode and service_mode not in SERVICE_MODES:
        raise ValidationError("bad_service_mode", "服务方式不正确。", field="service_mode")
    if not window_name.strip():
        raise ValidationError("required", "请选择预约的窗口。", field="window_name")
    if status not in APPOINTMENT_STATES:
        raise ValidationError("bad_status", f"预约状态“{status}”不正确。", field="status")


def check_appointment_change(held: str, new: str) -> None:
    """An appointment's state moves only from 已预约 to one final state."""
    if held != new and held in FINAL_APPOINTMENT_STATES:
        raise TransitionError(
            "appointment_closed",
            f"该预约已“{APPOINTMENT_STATES[held]}”，不能再改为“{APPOINTMENT_STATES.get(new, new)}”。")


def check_consultation(*, answer: str, asker_phone: str, channel: str) -> None:
    """The rules every consultation meets wherever it was recorded."""
    if channel not in CONSULTATION_CHANNELS:
        raise ValidationError("bad_channel", "咨询方式只能是窗口咨询或电话咨询。", field="channel")
    if not answer.strip():
        raise ValidationError("required", "请填写答复内容（告知了什么）。", field="answer")
    check_phone(asker_phone, required=False, field="asker_phone")


def _text(data: dict[str, Any], name: str, label: str, *, required: bool = True) -> str:
    value = data.get(name, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ValidationError("bad_record", f"记录缺少{label}。", field=name)
    return value.strip()


def _moment(data: dict[str, Any], name: str, label: str) -> str:
    """An aware moment's ISO text, checked."""
    try:
        moment = datetime.fromisoformat(_text(data, name, label))
    except ValueError:
        raise ValidationError("bad_record", f"{label}格式不正确。", field=name) from None
    if moment.tzinfo is None:
        raise ValidationError("bad_record", f"{label}须带时区。", field=name)
    return moment.isoformat()


def appointment_record(data: dict[str, Any]) -> dict[str, Any]:
    """An appointment checked and in its one shape (what a station sends and keeps)."""
    record = {name: _text(data, name, label, required=required) for name, label, required in (
        ("id", "预约编号", True), ("station", "站点", True), ("slot", "预约时段", True),
        ("window_name", "窗口", False), ("matter_code", "事项", True),
        ("matter_name", "事项名称", True), ("applicant_name", "预约人", False),
        ("applicant_phone", "联系电话", False), ("channel", "预约方式", True),
        ("service_mode", "服务方式", False), ("status", "预约状态", True),
        ("note", "备注", False), ("booked_by", "预约经办人", False),
        ("case_id", "办件", False))}
    try:
        record["day"] = date.fromisoformat(_text(data, "day", "预约日期")).isoformat()
    except ValueError:
        raise ValidationError("bad_record", "预约日期格式不正确。", field="day") from None
    record["booked_at"] = _moment(data, "booked_at", "预约时间")
    check_appointment(applicant_name=record["applicant_name"],
                      applicant_phone=record["applicant_phone"], channel=record["channel"],
                      service_mode=record["service_mode"], window_name=record["window_name"],
                      status=record["status"])
    if record["status"] == "arrived" and not record["case_id"]:
        raise ValidationError("bad_record", "已到达登记的预约须注明登记的办件。", field="case_id")
    return record


def consultation_record(data: dict[str, Any]) -> dict[str, Any]:
    """A consultation checked and in its one shape."""
    record: dict[str, Any] = {
        name: _text(data, name, label, required=required) for name, label, required in (
            ("id", "咨询编号", True), ("station", "站点", True), ("asker_name", "咨询人", False),
            ("asker_phone", "联系电话", False), ("matter_code", "事项", True),
            ("matter_name", "事项名称", True), ("question", "咨询内容", False),
            ("answer", "答复内容", False), ("channel", "咨询方式", True),
            ("staff_id", "首问负责人", True), ("staff_name", "首问负责人姓名", True),
            ("window_name", "窗口", False), ("case_id", "办件", False))}
    record["asked_at"] = _moment(data, "asked_at", "咨询时间")
    record["guide_printed"] = bool(data.get("guide_printed", False))
    check_consultation(answer=record["answer"], asker_phone=record["asker_phone"],
                       channel=record["channel"])
    return record


def _same_identity(held: dict[str, Any], new: dict[str, Any], names: tuple[str, ...],
                   what: str) -> None:
    changed = [n for n in names if held.get(n) != new.get(n)]
    if changed:
        raise ValidationError(
            "record_identity_changed",
            f"{what}的站点、时间、窗口和事项不能更改（{'、'.join(changed)}），请取消后重新登记。",
            field=changed[0])


def merge_appointment(held: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` over ``held``: refused if it changes what the appointment is or moves a
    final state; otherwise ``new`` (last writer wins on the rest)."""
    _same_identity(held, new, APPOINTMENT_IDENTITY, "预约")
    check_appointment_change(held["status"], new["status"])
    return new


def merge_consultation(held: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` over ``held``: a linked case stays linked (to that case), a printed guide
    stays printed; the rest is last writer wins."""
    _same_identity(held, new, CONSULTATION_IDENTITY, "咨询记录")
    if held["case_id"] and new["case_id"] != held["case_id"]:
        raise TransitionError("consultation_registered",
                              "该咨询已转为办件登记，不能改为其他办件或取消登记。")
    return {**new, "guide_printed": bool(held["guide_printed"] or new["guide_printed"])}
