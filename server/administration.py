"""What the county's administrators do to staff and seals, for the CLI and the console.

Both front ends call these, in their own transaction; each refuses with a
``DomainError`` whose Chinese message they show as it is."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from app.domain.calendar import LOCAL_ZONE
from app.domain.errors import DomainError, ValidationError
from app.domain.roles import Role
from app.domain.seal import WINDOW_COPY_MARK, SealKind, SealRecord, SealStatus
from server import reference, stations


def parse_roles(text: str) -> list[str]:
    """``clerk,chief`` → ["clerk", "chief"]; refuses an unknown role."""
    roles = [r.strip() for r in text.replace("，", ",").split(",") if r.strip()]
    try:
        [Role(r) for r in roles]
    except ValueError:
        raise ValidationError("bad_role", "角色只能是 clerk、chief、admin、supervisor。",
                              field="roles") from None
    if not roles:
        raise ValidationError("required", "请至少选择一个角色。", field="roles")
    return roles


def save_staff_member(session: Session, *, station: str, username: str, display_name: str,
                      roles: list[str], department: str = "", window: str = "") -> str:
    """Add or change a station's staff member; the id (kept when changing). No password:
    credentials never travel in sync, the station's administrator gives the first one."""
    station_code = station.strip().upper()
    stations.find_station(session, station_code)
    if not username.strip() or not display_name.strip():
        raise ValidationError("required", "请填写用户名和姓名。")
    held = reference.find_staff(session, station_code, username.strip())
    user_id = held["id"] if held else str(uuid.uuid4())
    reference.save_staff(
        session, station_code=station_code, user_id=user_id, username=username.strip(),
        display_name=display_name.strip(), roles=roles, department_code=department.strip(),
        window_name=window.strip(),
    )
    return user_id


def deactivate_staff_member(session: Session, *, station: str, username: str) -> None:
    station_code = station.strip().upper()
    held = reference.find_staff(session, station_code, username)
    if held is None:
        raise DomainError("staff_not_found", f"站点 {station_code} 没有人员 {username}。")
    reference.save_staff(
        session, station_code=station_code, user_id=held["id"], username=held["username"],
        display_name=held["display_name"], roles=held["roles"],
        department_code=held.get("department_code", ""),
        window_name=held.get("window_name", ""), active=False,
    )


@dataclass(frozen=True)
class NewSeal:
    """A seal to register centrally, as the CLI's ``add-seal`` and the console take it."""

    station: str
    custodian: str
    department: str
    serial: str
    authority: str
    kind: SealKind = SealKind.APPROVAL
    window: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    made_on: date | None = None
    made_by: str = "县公安局备案刻章单位"
    id: str | None = None


def register_seal(session: Session, new: NewSeal) -> SealRecord:
    """Register a seal kept by a chief representative of a station."""
    station_code = new.station.strip().upper()
    today = datetime.now(LOCAL_ZONE).date()
    kind = new.kind
    custodian = reference.find_staff(session, station_code, new.custodian)
    if custodian is None:
        raise DomainError("staff_not_found", f"站点 {station_code} 没有人员 {new.custodian}。")
    department = reference.get(session, reference.ReferenceKind.DEPARTMENT, new.department)
    if department is None:
        raise DomainError("department_not_found", f"部门 {new.department} 不存在，请先导入目录。")
    if not new.serial.strip() or not new.authority.strip():
        raise ValidationError("required", "请填写印章编号和机关名称。")
    seal = SealRecord(
        id=new.id or str(uuid.uuid4()), authority_name=new.authority.strip(),
        department_code=new.department, department_name=department["name"],
        serial=new.serial.strip(), custodian_id=custodian["id"],
        custodian_name=custodian["display_name"], valid_from=new.valid_from or today,
        valid_to=new.valid_to, status=SealStatus.IN_USE, replaced_by=None,
        made_on=new.made_on or today, made_by=new.made_by, image_sha256=None,
        kind=kind, title=kind.default_title, window_name=new.window.strip(),
        copy_mark=WINDOW_COPY_MARK if kind is SealKind.WINDOW_COPY else "",
    )
    if kind.kept_by_chief and "chief" not in custodian.get("roles", ["chief"]):
        raise DomainError("custodian_not_chief",
                          f"{kind.label}的保管人必须是首席代表（{new.custodian}不是）。")
    reference.save_seal(session, seal)
    return seal
