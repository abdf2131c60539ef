"""Profile-level use cases: audit verification, the system actor for the CLI."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.domain.ab_post import acting_for_text
from app.domain.audit import ChainBreak, check_anchor, verify_chain
from app.domain.calendar import local_day_start
from app.domain.errors import NotFound, ValidationError
from app.domain.roles import Action, Role, authorize
from app.services.context import CurrentUser
from app.store.unit_of_work import UnitOfWorkFactory

AUDIT_TRAIL_LIMIT = 500


def verify_audit(uow_factory: UnitOfWorkFactory) -> tuple[int, ChainBreak | None]:
    """Check the whole audit chain, and that it still reaches the head anchored outside
    the database; returns (records checked, first break or None)."""
    with uow_factory() as uow:
        records = list(uow.audit.records())
        anchor = uow.anchor.read() if uow.anchor is not None else None
    broken = verify_chain(records)
    if broken is None and anchor is not None:
        head = (records[-1].sequence, records[-1].record_hash) if records else None
        at_anchor = next((r for r in records if r.sequence == anchor[0]), None)
        broken = check_anchor(head, at_anchor, anchor)
    return len(records), broken


def system_user(uow_factory: UnitOfWorkFactory) -> CurrentUser:
    """A read-only supervisor identity for command-line listings."""
    with uow_factory() as uow:
        station = uow.settings.get("station_code", "LOCAL")
    return CurrentUser(
        id="system", username="system", display_name="命令行", roles=frozenset({Role.SUPERVISOR}),
        station=station,
    )


# Station-wide values kept in the profile (what documents and deadlines need). The
# remedy bodies are not among them: they belong to each department (see catalog).
STATION_SETTING_KEYS = {
    "station_name": "服务中心/站点名称",
    "resubmission_address": "补正材料提交地点",
    "tracking_text": "办件查询方式",
    "result_collection_text": "结果领取方式",
    "yellow_working_days": "黄牌预警提前工作日",
    "font_path": "文书字体文件",
    "seal_key_store": "印章密钥存放（file/keyring）",
}


def station_settings(uow_factory: UnitOfWorkFactory) -> dict[str, str]:
    with uow_factory() as uow:
        values = uow.settings.all()
    return {key: values.get(key, "") for key in STATION_SETTING_KEYS}


def update_station_settings(
    uow_factory: UnitOfWorkFactory, admin: CurrentUser, values: dict[str, str]
) -> None:
    """Change station-wide settings; unknown keys and bad values are refused."""
    from app.domain.errors import ValidationError
    from app.domain.roles import Action, authorize

    authorize(admin.roles, Action.MANAGE_SETTINGS, who=admin.display_name)
    unknown = set(values) - set(STATION_SETTING_KEYS)
    if unknown:
        raise ValidationError("unknown_setting", f"未知的设置项：{'、'.join(sorted(unknown))}。")
    yellow = values.get("yellow_working_days")
    if yellow is not None and not (yellow.isdigit() and 0 <= int(yellow) <= 30):
        raise ValidationError("bad_setting", "黄牌预警提前天数应为0至30的整数。",
                              field="yellow_working_days")
    if values.get("seal_key_store", "file") not in ("file", "keyring"):
        raise ValidationError("bad_setting", "印章密钥存放方式只能是 file 或 keyring。",
                              field="seal_key_store")
    with uow_factory() as uow:
        for key, value in values.items():
            uow.settings.set(key, value.strip())
        uow.audit.append({"kind": "admin", "action": "settings", "by": admin.id,
                          "keys": sorted(values)})
        uow.commit()


@dataclass(frozen=True)
class AuditEntry:
    """One record of the audit trail as the supervisor reads it."""

    sequence: int
    at: datetime | None
    kind: str  # event | admin | auth | document | seal_registry | sync | ...
    action: str  # the event type or the act ("login", "reset_password", ...)
    person_id: str
    person_name: str
    case_id: str
    case_number: str
    subject_id: str = ""  # the staff member an administrator's act concerns
    subject_name: str = ""


@dataclass(frozen=True)
class AuditTrail:
    entries: list[AuditEntry]
    total: int
    """How many records match; ``entries`` holds the newest ``AUDIT_TRAIL_LIMIT``."""


def _moment(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _entry_fields(body: dict[str, Any]) -> dict[str, Any]:
    kind = str(body.get("kind", ""))
    if kind == "event" and isinstance(body.get("event"), dict):
        event = body["event"]
        actor_name = str(event.get("actor_name", ""))
        # 顶岗补位: the absent A岗 is the subject of what B did for them.
        payload = event.get("payload")
        acting = payload.get("acting_for") if isinstance(payload, dict) else None
        return dict(kind=kind, action=str(event.get("type", "")),
                    person_id=str(event.get("actor_id", "")),
                    person_name=acting_for_text(actor_name, acting).strip("（）")
                    or actor_name,
                    case_id=str(event.get("case_id", "")),
                    at=_moment(event.get("device_time")),
                    subject_id=str(acting.get("staff_id", "")) if isinstance(acting, dict)
                    else "")
    person = body.get("by") or body.get("chief") or body.get("user") or ""
    subject = body.get("user", "") if body.get("by") else ""
    return dict(kind=kind, action=str(body.get("action", "")), person_id=str(person),
                person_name="", case_id=str(body.get("case", "")),
                at=_moment(body.get("at")), subject_id=str(subject))


def audit_trail(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    *,
    person_id: str = "",
    case_number: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> AuditTrail:
    """The audit records about a person, a case and a period (local days), newest
    first: what the supervisor (电子监察) traces. Every filter is optional."""
    authorize(user.roles, Action.VIEW_AUDIT, who=user.display_name)
    if date_from and date_to and date_from > date_to:
        raise ValidationError("bad_range", "开始日期不能晚于结束日期。", field="date_from")
    start = local_day_start(date_from) if date_from else None
    end = local_day_start(date_to + timedelta(days=1)) if date_to else None
    with uow_factory() as uow:
        case_id = ""
        if case_number.strip():
            row = uow.cases.by_number(case_number.strip().upper())
            if row is None:
                raise NotFound("case_not_found", f"找不到受理编号为{case_number.strip()}的办件。",
                               field="case_number")
            case_id = row.id
        names = {u.id: u.display_name for u in uow.users.all()}
        needles = [f'"{value}"' for value in (person_id, case_id) if value]
        matches: list[dict[str, Any]] = []
        total = 0
        for sequence, body_text in uow.audit.bodies_containing(needles):
            try:
                body = json.loads(body_text)
            except ValueError:
                continue
            fields = _entry_fields(body)
            if person_id and person_id not in (fields["person_id"],
                                               fields.get("subject_id", "")):
                continue
            if case_id and fields["case_id"] != case_id:
                continue
            at = fields["at"]
            if (start or end) and at is None:
                continue
            if (start and at < start) or (end and at >= end):
                continue
            total += 1
            if len(matches) < AUDIT_TRAIL_LIMIT:
                matches.append({"sequence": sequence, **fields})
        numbers = uow.cases.numbers_by_id(m["case_id"] for m in matches if m["case_id"])
    entries = [
        AuditEntry(
            sequence=m["sequence"], at=m["at"], kind=m["kind"], action=m["action"],
            person_id=m["person_id"],
            person_name=m["person_name"] or names.get(m["person_id"], m["person_id"]),
            case_id=m["case_id"], case_number=numbers.get(m["case_id"], ""),
            subject_id=m.get("subject_id", ""),
            subject_name=names.get(m.get("subject_id", ""), m.get("subject_id", "")),
        )
        for m in matches
    ]
    return AuditTrail(entries, total)
