"""Reference data on the server: catalog, departments, staff, seals and calendar years,
and the stations' appointments and consultations (kept for the station whose hall they
are for).

Each record is one row of ``reference_items`` keyed by (kind, key) and stamped with a
version from the state row's counter, so a station pulls "everything newer than the
version I hold". Records come from the server's CLI and from stations: any station
sends its own staff; only a publishing station sends catalog, seals and calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.domain import limits
from app.domain.ab_post import ABSENCE_KINDS
from app.domain.calendar import CalendarSource, YearCalendar
from app.domain.catalog import Department, Matter, validate_department
from app.domain.counter_records import (
    appointment_record,
    consultation_record,
    merge_appointment,
    merge_consultation,
)
from app.domain.errors import DomainError, ValidationError
from app.domain.roles import Role
from app.domain.seal import SealRecord, SealStatus
from app.sync.protocol import (
    CREDENTIAL_KEYS,
    MAX_PULL_LIMIT,
    PUBLISHED_KINDS,
    SERVER_KINDS,
    STATION_RECORD_KINDS,
    ErrorCode,
    ReferenceAnswer,
    ReferenceKind,
    ReferencePage,
    credential_key,
)
from app.sync.protocol import ReferenceItem as WireItem
from server.database import lock_state
from server.errors import ApiError
from server.hashing import content_hash
from server.models import ReferenceItem, ServerState, Station

SERVER_AUTHOR = "server"


def _now() -> datetime:
    return datetime.now(UTC)


# --- the shape of each kind -----------------------------------------------------------


def _text(data: dict[str, Any], key: str, label: str, *, required: bool = True) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError("bad_reference", f"{label}格式不正确。", field=key)
    if required and not value.strip():
        raise ValidationError("bad_reference", f"缺少{label}。", field=key)
    return value.strip()


def _aware(text: object, label: str) -> str:
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        raise ValidationError("bad_reference", f"{label}不是有效时间。") from None
    if moment.tzinfo is None:
        raise ValidationError("bad_reference", f"{label}须带时区。")
    return moment.astimezone(UTC).isoformat()


def normalise_staff(key: str, data: dict[str, Any]) -> dict[str, Any]:
    """A staff member as the protocol carries it: never a password or its hash."""
    roles = data.get("roles")
    if not isinstance(roles, list) or not roles:
        raise ValidationError("bad_reference", "人员角色格式不正确。", field="roles")
    try:
        role_values = sorted({Role(str(r)).value for r in roles})
    except ValueError:
        raise ValidationError("bad_reference", "人员角色不正确。", field="roles") from None
    delegations = data.get("delegations") or []
    if not isinstance(delegations, list):
        raise ValidationError("bad_reference", "代理授权格式不正确。", field="delegations")
    normalised: dict[str, Any] = {
        "id": limits.check_length(_text(data, "id", "人员编号"), limits.ID, "人员编号", "id"),
        "username": limits.check_length(_text(data, "username", "用户名"), limits.USERNAME,
                                        "用户名", "username"),
        "display_name": limits.check_length(_text(data, "display_name", "姓名"),
                                            limits.PERSON_NAME, "姓名", "display_name"),
        "roles": role_values,
        "department_code": _text(data, "department_code", "部门", required=False),
        "window_name": limits.check_length(_text(data, "window_name", "窗口", required=False),
                                           limits.WINDOW_NAME, "窗口", "window_name"),
        "station": _text(data, "station", "站点"),
        "active": bool(data.get("active", True)),
        "delegations": sorted(
            (
                {
                    "department_code": _text(d, "department_code", "代理部门"),
                    "starts_at": _aware(d.get("starts_at"), "代理开始时间"),
                    "ends_at": _aware(d.get("ends_at"), "代理结束时间"),
                }
                for d in delegations
                if isinstance(d, dict)
            ),
            key=lambda d: (d["starts_at"], d["department_code"]),
        ),
    }
    if normalised["id"] != key:
        raise ValidationError("bad_reference", "人员编号与键不一致。", field="id")
    # AB岗: the window whose A岗 the person is, and their recorded absences (only when
    # there are some: older records keep their shape and hash).
    post = data.get("ab_post")
    if post:
        if not isinstance(post, dict):
            raise ValidationError("bad_reference", "AB岗格式不正确。", field="ab_post")
        normalised["ab_post"] = {
            "window_name": limits.check_length(_text(post, "window_name", "AB岗窗口"),
                                               limits.WINDOW_NAME, "窗口", "window_name"),
            "b_staff_id": limits.check_length(_text(post, "b_staff_id", "B岗人员"),
                                              limits.ID, "B岗人员", "b_staff_id"),
        }
    absences = data.get("absences")
    if absences:
        if not isinstance(absences, list):
            raise ValidationError("bad_reference", "请假记录格式不正确。", field="absences")
        normalised["absences"] = sorted(
            (_absence(a) for a in absences), key=lambda a: (a["first_day"], a["id"]))
    return normalised


def _day(data: dict[str, Any], name: str, label: str) -> str:
    try:
        return date.fromisoformat(str(data.get(name))).isoformat()
    except ValueError:
        raise ValidationError("bad_reference", f"{label}不是有效日期。") from None


def _absence(data: Any) -> dict[str, Any]:
    """One recorded absence of a staff record (请假、公出、培训…)."""
    if not isinstance(data, dict):
        raise ValidationError("bad_reference", "请假记录格式不正确。", field="absences")
    kind = _text(data, "kind", "请假类别")
    if kind not in ABSENCE_KINDS:
        raise ValidationError("bad_reference", f"请假类别“{kind[:10]}”不正确。")
    first, last = _day(data, "first_day", "开始日期"), _day(data, "last_day", "结束日期")
    if last < first:
        raise ValidationError("bad_reference", "请假结束日期早于开始日期。")
    cancelled = data.get("cancelled_at")
    return {
        "id": limits.check_length(_text(data, "id", "请假记录编号"), limits.ID, "请假记录编号",
                                  "id"),
        "first_day": first, "last_day": last,
        "planned_last_day": _day(data, "planned_last_day", "原定结束日期")
        if data.get("planned_last_day") else last,
        "kind": kind, "reason": str(data.get("reason", ""))[:500],
        "recorded_by_id": str(data.get("recorded_by_id", ""))[:limits.ID],
        "recorded_by_name": str(data.get("recorded_by_name", ""))[:limits.PERSON_NAME],
        "recorded_at": _aware(data.get("recorded_at"), "登记时间"),
        "cancelled_at": _aware(cancelled, "取消时间") if cancelled else None,
        "closed_by_name": str(data.get("closed_by_name", ""))[:limits.PERSON_NAME],
        "close_reason": str(data.get("close_reason", ""))[:500],
    }


PROMISE_RECORD_FIELDS = ("id_number", "applicant_name", "case_number", "matter_name",
                         "finding", "station")


def normalise_promise_record(data: dict[str, Any]) -> dict[str, Any]:
    """A broken 告知承诺 as every station receives it."""
    record = {name: _text(data, name, name, required=name != "finding")
              for name in PROMISE_RECORD_FIELDS}
    record["checked_at"] = _aware(data.get("checked_at"), "核查时间")
    return record


def normalise(kind: ReferenceKind, key: str, data: dict[str, Any]) -> dict[str, Any]:
    """Check a record of ``kind`` and return it in its one canonical shape."""
    if not isinstance(data, dict):
        raise ValidationError("bad_reference", "参考数据格式不正确。")
    try:
        if kind is ReferenceKind.DEPARTMENT:
            _text(data, "code", "部门编码")
            _text(data, "name", "部门名称")
            department = Department.from_dict(data)
            # The same rules as the stations' admin page; a record from before 文号
            # 代字 existed may still lack its prefix.
            validate_department(department, require_prefix=False)
            if department.code != key:
                raise ValidationError("bad_reference", "部门编码与键不一致。")
            return department.to_dict()
        if kind is ReferenceKind.MATTER:
            matter = Matter.from_dict(data)
            if matter.code != key:
                raise ValidationError("bad_reference", "事项编码与键不一致。")
            return matter.to_dict()
        if kind is ReferenceKind.STAFF:
            return normalise_staff(key, data)
        if kind is ReferenceKind.PROMISE_RECORD:
            return normalise_promise_record(data)
        if kind in STATION_RECORD_KINDS:
            record = (appointment_record(data) if kind is ReferenceKind.APPOINTMENT
                      else consultation_record(data))
            if record["id"] != key:
                raise ValidationError("bad_reference", "记录编号与键不一致。", field="id")
            return record
        if kind is ReferenceKind.SEAL:
            seal = SealRecord.from_dict(data)
            if seal.id != key:
                raise ValidationError("bad_reference", "印章编号与键不一致。")
            return seal.to_dict()
        calendar = YearCalendar.from_dict(data)
        if str(calendar.year) != key:
            raise ValidationError("bad_reference", "节假日安排的年份与键不一致。")
        return calendar.to_dict()
    except DomainError:
        raise
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError("bad_reference", f"参考数据格式不正确：{error}") from None


# --- storing and reading ---------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    status: str  # "accepted" | "unchanged"
    version: int


def put(
    session: Session,
    state: ServerState,
    kind: ReferenceKind,
    key: str,
    data: dict[str, Any],
    *,
    by: str,
    station: str = "",
) -> Stored:
    """Store a normalised record under a new version unless it is unchanged.

    The caller holds the state lock (``lock_state``) and commits.
    """
    digest = content_hash(data)
    row = session.get(ReferenceItem, (kind.value, key))
    if row is not None and row.content_hash == digest:
        return Stored("unchanged", row.version)
    state.reference_version += 1
    if row is None:
        row = ReferenceItem(kind=kind.value, key=key)
        session.add(row)
    row.version = state.reference_version
    row.station = station
    row.data = data
    row.content_hash = digest
    row.updated_at = _now()
    row.updated_by = by
    session.flush()
    return Stored("accepted", row.version)


def get(session: Session, kind: ReferenceKind, key: str) -> dict[str, Any] | None:
    row = session.get(ReferenceItem, (kind.value, key))
    return dict(row.data) if row is not None else None


def items(session: Session, kind: ReferenceKind) -> list[ReferenceItem]:
    query = select(ReferenceItem).where(ReferenceItem.kind == kind.value)
    return list(session.scalars(query.order_by(ReferenceItem.key)))


def page_since(session: Session, station: Station, since: int, limit: int) -> ReferencePage:
    """Records newer than ``since`` the station may see: everything but other stations'
    staff. ``next_version`` is where the next pull starts."""
    limit = max(1, min(limit, MAX_PULL_LIMIT))
    # Read the counter first: every version up to it is committed (writers hold the
    # state lock until commit), so ending the page there never skips a late commit.
    state = session.get(ServerState, 1)
    assert state is not None
    ceiling = state.reference_version
    visible: ColumnElement[bool] = ReferenceItem.station.in_(["", station.code or ""])
    if station.sees_all_cases:
        # The county centre follows every hall's appointments and consultations.
        visible = or_(visible, ReferenceItem.kind.in_([k.value for k in STATION_RECORD_KINDS]))
    query = (
        select(ReferenceItem)
        .where(
            ReferenceItem.version > since,
            ReferenceItem.version <= ceiling,
            visible,
        )
        .order_by(ReferenceItem.version)
        .limit(limit + 1)
    )
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    next_version = rows[-1].version if more else max(ceiling, since)
    return ReferencePage(
        epoch=state.epoch,
        items=[
            WireItem(ReferenceKind(r.kind), r.key, _without_credentials(r.data), r.version,
                     r.station)
            for r in rows
        ],
        next_version=next_version,
        more=more,
    )


def _without_credentials(data: dict[str, Any]) -> dict[str, Any]:
    """A stored record as it may travel: a password hash an older server kept with a
    staff record never leaves the server."""
    return {k: v for k, v in data.items() if k not in CREDENTIAL_KEYS}


def refuse_credentials(raw_items: list[Any]) -> None:
    """A push carrying a password, a hash of one or another secret is refused whole."""
    for index, raw in enumerate(raw_items):
        found = credential_key(raw.get("data") if isinstance(raw, dict) else None)
        if found is not None:
            raise ApiError(
                422, ErrorCode.CREDENTIAL_IN_SYNC,
                f"第{index + 1}条参考数据含有密码或凭据（{found}）：密码只在本站设置，"
                "不随同步传送。整批未保存。", index=index, field=found,
            )


def push_from_station(
    session: Session, station: Station, raw_items: list[Any]
) -> list[ReferenceAnswer]:
    """Records a station sends: its staff always, published kinds only if it publishes."""
    refuse_credentials(raw_items)
    parsed: list[tuple[ReferenceKind, str, Any]] = []
    for index, raw in enumerate(raw_items):
        try:
            kind = ReferenceKind(raw["kind"])
            key = raw["key"]
            data = raw["data"]
            if not isinstance(key, str) or not key or len(key) > limits.REFERENCE_KEY:
                raise ValueError("key")
            if limits.json_depth(data) > limits.MAX_JSON_DEPTH:
                raise ValueError("depth")
        except (KeyError, TypeError, ValueError):
            raise ApiError(
                422, ErrorCode.MALFORMED,
                f"第{index + 1}条参考数据格式不正确（键最长{limits.REFERENCE_KEY}个字符，"
                f"内容嵌套不超过{limits.MAX_JSON_DEPTH}层），整批未保存。", index=index
            ) from None
        parsed.append((kind, key, data))
    state = lock_state(session)
    answers = []
    for kind, key, data in parsed:
        try:
            if kind in SERVER_KINDS:
                raise ValidationError("server_only", "该类数据只能由县服务器生成。")
            if kind in PUBLISHED_KINDS and not station.may_publish:
                raise ValidationError(
                    "not_publisher",
                    "本站点无权发布事项目录、印章或节假日安排，相关修改未上传，请在县中心维护。",
                )
            normalised = normalise(kind, key, data)
            owner = ""
            if kind in STATION_RECORD_KINDS:
                stored = put_station_record(session, state, station, kind, key, normalised)
                answers.append(ReferenceAnswer(kind.value, key, stored.status, stored.version))
                continue
            if kind is ReferenceKind.STAFF:
                owner = station.code or ""
                if normalised["station"] != owner:
                    raise ValidationError("wrong_station", "只能上传本站点的人员。")
                held = get(session, kind, key)
                if held is not None and held.get("station") != owner:
                    raise ValidationError("wrong_station", "该人员属于其他站点。")
            stored = put(session, state, kind, key, normalised, by=station.code or "",
                         station=owner)
        except DomainError as error:
            answers.append(ReferenceAnswer(kind.value, key, "refused", 0, error.code,
                                           error.message))
        else:
            answers.append(ReferenceAnswer(kind.value, key, stored.status, stored.version))
    return answers


def put_station_record(session: Session, state: ServerState, station: Station,
                       kind: ReferenceKind, key: str, record: dict[str, Any]) -> Stored:
    """Store an appointment or consultation a station pushed, merged forward-only over
    the one held (``app.domain.counter_records``). A station sends its own hall's
    records; the county centre (a station that sees every case or publishes) also books
    for a township's hall. A refused change republishes the record held, so the station
    that made it pulls the county's version back and both agree."""
    code = station.code or ""
    if record["station"] != code and not (station.sees_all_cases or station.may_publish):
        raise ValidationError("wrong_station", "只能上传本站点大厅的预约和咨询记录。",
                              field="station")
    row = session.get(ReferenceItem, (kind.value, key))
    if row is not None:
        merge = merge_appointment if kind is ReferenceKind.APPOINTMENT else merge_consultation
        try:
            record = merge(dict(row.data), record)
        except DomainError:
            state.reference_version += 1
            row.version = state.reference_version
            row.updated_at = _now()
            session.flush()
            raise
    return put(session, state, kind, key, record, by=code, station=record["station"])


def staff_of_station(session: Session, station_code: str) -> dict[str, dict[str, Any]]:
    query = select(ReferenceItem).where(
        ReferenceItem.kind == ReferenceKind.STAFF.value, ReferenceItem.station == station_code
    )
    return {row.key: dict(row.data) for row in session.scalars(query)}


# --- what the administrator does from the CLI -------------------------------------------


def import_catalog(session: Session, document: dict[str, Any]) -> tuple[int, int]:
    """Store ``{"departments": [...], "matters": [...]}``; returns how many changed."""
    departments = document.get("departments", [])
    matters = document.get("matters", [])
    if not isinstance(departments, list) or not isinstance(matters, list):
        raise ValidationError("bad_catalog", "目录文件须包含 departments 和 matters 列表。")
    state = lock_state(session)
    changed_departments = changed_matters = 0
    known = {item.key for item in items(session, ReferenceKind.DEPARTMENT)}
    for data in departments:
        record = normalise(ReferenceKind.DEPARTMENT, str(data.get("code", "")), data)
        known.add(record["code"])
        if put(session, state, ReferenceKind.DEPARTMENT, record["code"], record,
               by=SERVER_AUTHOR).status == "accepted":
            changed_departments += 1
    for data in matters:
        data = dict(data)
        if "department_name" not in data and data.get("department_code") in known:
            department = get(session, ReferenceKind.DEPARTMENT, data["department_code"])
            data["department_name"] = (department or {}).get("name", "")
        record = normalise(ReferenceKind.MATTER, str(data.get("code", "")), data)
        if record["department_code"] not in known:
            raise ValidationError(
                "department_not_found", f"事项 {record['code']} 的部门 {record['department_code']} 不存在。"
            )
        held = get(session, ReferenceKind.MATTER, record["code"])
        if held is not None and held != record:
            # Cases keep the snapshot they were registered with; a change is a new version.
            record["version"] = max(int(held.get("version", 1)) + 1, int(record["version"]))
        if put(session, state, ReferenceKind.MATTER, record["code"], record,
               by=SERVER_AUTHOR).status == "accepted":
            changed_matters += 1
    return changed_departments, changed_matters


def save_staff(
    session: Session,
    *,
    station_code: str,
    user_id: str,
    username: str,
    display_name: str,
    roles: list[str],
    department_code: str = "",
    window_name: str = "",
    active: bool = True,
) -> Stored:
    """Add or change a staff member of a station (reaches the station on its next sync,
    without a password: the station's administrator gives the first one)."""
    held = get(session, ReferenceKind.STAFF, user_id)
    data: dict[str, Any] = {
        "id": user_id, "username": username, "display_name": display_name, "roles": roles,
        "department_code": department_code, "window_name": window_name,
        "station": station_code, "active": active,
        "delegations": (held or {}).get("delegations", []),
    }
    # What the station keeps about AB岗 stays as the station sent it.
    for name in ("ab_post", "absences"):
        if (held or {}).get(name):
            data[name] = held[name]  # type: ignore[index]
    record = normalise(ReferenceKind.STAFF, user_id, data)
    state = lock_state(session)
    return put(session, state, ReferenceKind.STAFF, user_id, record, by=SERVER_AUTHOR,
               station=station_code)


def find_staff(session: Session, station_code: str, username: str) -> dict[str, Any] | None:
    for data in staff_of_station(session, station_code).values():
        if data["username"] == username:
            return data
    return None


def save_seal(session: Session, seal: SealRecord) -> Stored:
    record = normalise(ReferenceKind.SEAL, seal.id, seal.to_dict())
    state = lock_state(session)
    return put(session, state, ReferenceKind.SEAL, seal.id, record, by=SERVER_AUTHOR)


def set_seal_status(session: Session, serial_or_id: str, status: SealStatus) -> dict[str, Any]:
    """Revoke (or suspend, ...) a seal centrally; stations stop using it once synced."""
    for row in items(session, ReferenceKind.SEAL):
        if row.key == serial_or_id or row.data.get("serial") == serial_or_id:
            data = dict(row.data)
            data["status"] = status.value
            state = lock_state(session)
            put(session, state, ReferenceKind.SEAL, row.key, data, by=SERVER_AUTHOR)
            return data
    raise ValidationError("seal_not_found", f"找不到印章 {serial_or_id}。")


def publish_calendar(session: Session, year: int, document: dict[str, Any]) -> Stored:
    """Publish a year's holidays and adjusted working days to every station."""
    data = {
        "year": year,
        "holidays": list(document.get("holidays", [])),
        "adjusted_workdays": list(document.get("adjusted_workdays", [])),
        "source": CalendarSource.SERVER.value,
        "published": True,
    }
    record = normalise(ReferenceKind.CALENDAR, str(year), data)
    state = lock_state(session)
    return put(session, state, ReferenceKind.CALENDAR, str(year), record, by=SERVER_AUTHOR)


def seal_status_at(session: Session, seal_id: str) -> tuple[str, str] | None:
    """(status, serial) of a seal the server knows, for flagging uses of revoked seals."""
    data = get(session, ReferenceKind.SEAL, seal_id)
    if data is None:
        return None
    return str(data.get("status", "")), str(data.get("serial", ""))

