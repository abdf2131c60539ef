"""Stations: creation by the administrator, one-time enrollment, authentication, revocation."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, bindparam, func, select, update
from sqlalchemy.orm import Session

from app.domain.errors import ValidationError
from app.domain.numbering import validate_station_code
from app.sync.protocol import (
    HELD_EPOCH_HEADER,
    MIN_CREDENTIAL_LENGTH,
    OUTBOX_HEADER,
    PROTOCOL_HEADER,
    ErrorCode,
    StationInfo,
)
from server.database import lock_state
from server.errors import ApiError
from server.hashing import (
    new_enrollment_code,
    normalise_enrollment_code,
    same_hash,
    secret_hash,
)
from server.models import Delivery, EventRow, Rejection, ServerState, Station

DEFAULT_CODE_VALID_DAYS = 7
# A station as a row of its columns (the station request's read), or as an ORM object.
StationRow = Row[*tuple[Any, ...]]
StationT = TypeVar("StationT", Station, StationRow)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class NewStation:
    """What ``create-station`` prints: the station and its one-time enrollment code."""

    id: str
    code: str | None
    name: str
    enrollment_code: str
    expires_at: datetime


def create_station(
    session: Session,
    *,
    name: str,
    code: str | None = None,
    may_publish: bool = False,
    sees_all_cases: bool = False,
    valid_days: int = DEFAULT_CODE_VALID_DAYS,
) -> NewStation:
    """Add a station and give it a one-time enrollment code.

    Without ``code`` the station's code is taken from the first installation that
    enrolls with the enrollment code (its case numbers already carry it).
    """
    if not name.strip():
        raise ValidationError("required", "请填写站点名称。", field="name")
    if code is not None:
        code = validate_station_code(code)
        if session.scalar(select(Station).where(Station.code == code)) is not None:
            raise ValidationError("duplicate_station", f"站点代码 {code} 已存在。", field="code")
    enrollment_code = new_enrollment_code()
    now = _now()
    station = Station(
        id=str(uuid.uuid4()), code=code, name=name.strip(), may_publish=may_publish,
        sees_all_cases=sees_all_cases,
        enrollment_code_hash=secret_hash(enrollment_code),
        enrollment_expires_at=now + timedelta(days=valid_days),
        max_station_sequence=0, created_at=now,
    )
    session.add(station)
    session.flush()
    return NewStation(station.id, code, station.name, enrollment_code,
                      station.enrollment_expires_at or now)


def find_station(session: Session, code_or_id: str) -> Station:
    key = code_or_id.strip()
    station = session.scalar(
        select(Station).where((Station.code == key.upper()) | (Station.id == key))
    )
    if station is None:
        raise ValidationError("station_not_found", f"找不到站点 {code_or_id}。")
    return station


def reissue_enrollment_code(
    session: Session, code_or_id: str, *, valid_days: int = DEFAULT_CODE_VALID_DAYS
) -> str:
    """A new one-time code for a station (its computer was replaced, say).

    The old credential stops working once the new code is used.
    """
    station = find_station(session, code_or_id)
    enrollment_code = new_enrollment_code()
    station.enrollment_code_hash = secret_hash(enrollment_code)
    station.enrollment_expires_at = _now() + timedelta(days=valid_days)
    station.revoked_at = None
    return enrollment_code


def revoke_station(session: Session, code_or_id: str) -> Station:
    """Stop accepting the station's credential (and any unused enrollment code)."""
    station = find_station(session, code_or_id)
    station.revoked_at = _now()
    station.enrollment_code_hash = None
    return station


def list_stations(session: Session) -> list[Station]:
    return list(session.scalars(select(Station).order_by(Station.created_at)))


def station_state(station: Station) -> str:
    if station.revoked_at is not None:
        return "已注销"
    if station.credential_hash is None:
        return "待登记"
    return "已登记"


def enroll(session: Session, *, code: str, station_code: str, credential: str) -> Station:
    """Register a station's credential against its one-time enrollment code.

    Repeating the same request (the first answer was lost) succeeds again; any other
    use of a spent code is refused.
    """
    if len(credential) < MIN_CREDENTIAL_LENGTH:
        raise ApiError(422, ErrorCode.MALFORMED, "站点凭据过短。")
    try:
        station_code = validate_station_code(station_code)
    except ValidationError as error:
        raise ApiError(422, ErrorCode.MALFORMED, error.message) from None
    code_hash = secret_hash(normalise_enrollment_code(code))
    credential_hash = secret_hash(credential)
    station = session.scalar(select(Station).where(Station.enrollment_code_hash == code_hash))
    if station is None:
        # A repeat of a request that already succeeded: same credential, code spent.
        station = session.scalar(
            select(Station).where(Station.credential_hash == credential_hash)
        )
        if station is not None and station.revoked_at is None and station.code == station_code:
            return station
        raise ApiError(403, ErrorCode.ENROLLMENT_INVALID, "登记码无效、已使用或已过期，请向县中心管理员索取新的登记码。")
    expires = station.enrollment_expires_at
    if station.revoked_at is not None or (expires is not None and expires < _now()):
        raise ApiError(403, ErrorCode.ENROLLMENT_INVALID, "登记码已过期或站点已注销，请向县中心管理员索取新的登记码。")
    if station.code is None:
        taken = session.scalar(select(Station).where(Station.code == station_code))
        if taken is not None:
            raise ApiError(
                409, ErrorCode.STATION_CODE_MISMATCH,
                f"站点代码 {station_code} 已被其他站点使用，请联系县中心管理员。",
            )
        station.code = station_code
    elif station.code != station_code:
        raise ApiError(
            409, ErrorCode.STATION_CODE_MISMATCH,
            f"本机的站点代码为 {station_code}，而该登记码属于站点 {station.code}（{station.name}）。"
            "请使用本站点的登记码。",
        )
    holder = session.scalar(select(Station).where(Station.credential_hash == credential_hash))
    if holder is not None and holder.id != station.id:
        raise ApiError(
            409, ErrorCode.CREDENTIAL_REUSED,
            "该站点凭据已被另一站点使用：请在本机重新生成凭据后再登记（重新输入登记码即可）。",
        )
    first_time = station.enrolled_at is None
    if station.credential_hash != credential_hash:
        # Another computer (or a new installation): its audit chain starts anew.
        station.audit_head_sequence = station.audit_head_hash = None
    station.credential_hash = credential_hash
    station.enrollment_code_hash = None
    station.enrolled_at = _now()
    session.flush()
    if first_time and station.sees_all_cases:
        _backfill_everything(session, station.code)
    return station


def _backfill_everything(session: Session, station_code: str) -> None:
    """A centre window enrolled after cases exist receives their whole history."""
    lock_state(session)
    query = (
        select(EventRow.server_sequence)
        .where(EventRow.station != station_code)
        .order_by(EventRow.server_sequence)
    )
    for sequence in session.scalars(query):
        session.add(Delivery(station=station_code, event_sequence=sequence))
    # And the refusals made before it joined.
    refusals = select(Rejection.id).where(Rejection.station != station_code).order_by(Rejection.id)
    for rejection_id in session.scalars(refusals):
        session.add(Delivery(station=station_code, rejection_id=rejection_id))
    session.flush()


def _credential_hash(authorization: str | None) -> str:
    """The hash of the credential in ``Authorization: Bearer <credential>``, or a 401."""
    scheme, _, credential = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise ApiError(401, ErrorCode.UNAUTHENTICATED, "缺少站点凭据，请先登记本站点。")
    return secret_hash(credential.strip())


def authenticate(session: Session, authorization: str | None) -> Station:
    """The station behind ``Authorization: Bearer <credential>``, or a 401."""
    wanted = _credential_hash(authorization)
    station = session.scalar(select(Station).where(Station.credential_hash == wanted))
    return _authenticated(station, wanted)


# What the station request reads: the station's own columns it answers or checks, the
# server's epoch and reference head, and the head of the station's feed. Built once:
# building it costs more than running it (it answers every sync round).
_STATION_REQUEST = (
    select(Station.id, Station.code, Station.name, Station.may_publish,
           Station.credential_hash, Station.revoked_at, Station.max_station_sequence,
           Station.audit_head_sequence, Station.audit_head_hash, Station.protocol_version,
           Station.reported_outbox, Station.reported_epoch, Station.reported_at,
           ServerState.epoch, ServerState.reference_version,
           select(func.max(Delivery.id)).where(Delivery.station == Station.code)
           .correlate(Station).scalar_subquery().label("feed_head"))
    .join(ServerState, ServerState.id == 1)
    .where(Station.credential_hash == bindparam("wanted"))
)


def authenticate_with_info(connection: Connection | Session,
                           authorization: str | None) -> tuple[StationRow, StationInfo]:
    """``authenticate`` and ``station_info`` in one statement, read as columns (no ORM
    object): the station request answers every sync round, most of which end with it.
    The row has the station's fields under their names (``note_report`` and
    ``anchor_needed`` read them)."""
    wanted = _credential_hash(authorization)
    row: StationRow | None = connection.execute(
        _STATION_REQUEST, {"wanted": wanted}).one_or_none()
    station = _authenticated(row, wanted)
    return station, _info(station, station.epoch, station.reference_version, station.feed_head)


def _authenticated(station: StationT | None, wanted: str) -> StationT:
    if station is None or not same_hash(station.credential_hash or "", wanted):
        raise ApiError(401, ErrorCode.UNAUTHENTICATED, "站点凭据无效，请重新登记本站点。")
    if station.revoked_at is not None:
        raise ApiError(401, ErrorCode.STATION_REVOKED, "本站点已被县中心注销，不能同步。请联系县中心管理员。")
    assert station.code is not None
    return station


REPORT_REFRESH = timedelta(minutes=1)


def note_report(station: Station | StationRow,
                headers: Mapping[str, str]) -> dict[str, Any] | None:
    """What a station's request says of it (protocol version, outbox, epoch held) to
    keep for the console, as the columns to update, or None when ``station`` (its row
    as read) already says so (it is re-stamped once a minute)."""
    protocol = headers.get(PROTOCOL_HEADER, "")
    outbox = headers.get(OUTBOX_HEADER, "")
    epoch = headers.get(HELD_EPOCH_HEADER, "")[:36]
    new_protocol = int(protocol) if protocol.isdigit() else station.protocol_version
    new_outbox = int(outbox) if outbox.isdigit() else station.reported_outbox
    now = _now()
    if (new_protocol == station.protocol_version and new_outbox == station.reported_outbox
            and epoch == station.reported_epoch and station.reported_at is not None
            and now - station.reported_at < REPORT_REFRESH):
        return None
    return {"protocol_version": new_protocol, "reported_outbox": new_outbox,
            "reported_epoch": epoch, "reported_at": now}


def keep_report(session: Session, station_id: str, report: Mapping[str, Any]) -> None:
    """Store ``note_report``'s columns (in the caller's write transaction)."""
    session.execute(update(Station).where(Station.id == station_id).values(**report))


def all_case_stations(session: Session) -> set[str]:
    """Codes of the enrolled centre windows that see every case."""
    # Not yet enrolled: its enrollment backfills the whole history once; delivering
    # now as well would send those events twice.
    query = select(Station.code).where(
        Station.sees_all_cases.is_(True), Station.code.is_not(None),
        Station.revoked_at.is_(None), Station.enrolled_at.is_not(None),
    )
    return {code for code in session.scalars(query) if code}


def parse_audit_head(header: str | None) -> tuple[int, str] | None:
    """``"<sequence>:<sha256>"`` from the audit-head header, or None if absent or bad."""
    sequence, _, digest = (header or "").strip().partition(":")
    if not (sequence.isascii() and sequence.isdigit() and len(sequence) <= 18
            and len(digest) == 64 and all(c in "0123456789abcdef" for c in digest)):
        return None
    return int(sequence), digest


def anchor_needed(station: Station | StationRow, head: tuple[int, str] | None) -> bool:
    """Would this head move the anchor the server keeps (a longer chain)?"""
    return head is not None and (station.audit_head_sequence is None
                                 or head[0] > station.audit_head_sequence)


def remember_audit_head(session: Session, station_id: str, head: tuple[int, str]) -> None:
    """Keep the longer head (in the caller's write transaction); a shorter one is what
    the station must be told about, never what replaces the anchor."""
    station = session.get(Station, station_id, with_for_update=True)
    if station is not None and anchor_needed(station, head):
        station.audit_head_sequence, station.audit_head_hash = head


def station_info(session: Session, station: Station) -> StationInfo:
    """Who the station is, plus the heads of its feed and of the reference data."""
    assert station.code is not None
    # One statement: this answers every sync round, most of which end here.
    epoch, reference_head, feed_head = session.execute(
        select(ServerState.epoch, ServerState.reference_version,
               select(func.max(Delivery.id)).where(Delivery.station == station.code)
               .scalar_subquery())
        .where(ServerState.id == 1)
    ).one()
    return _info(station, epoch, reference_head, feed_head)


def _info(station: Station | StationRow, epoch: str, reference_head: int,
          feed_head: int | None) -> StationInfo:
    assert station.code is not None
    return StationInfo(
        station_code=station.code, station_name=station.name, epoch=epoch,
        may_publish=station.may_publish, max_station_sequence=station.max_station_sequence,
        feed_head=int(feed_head or 0), reference_head=reference_head,
        audit_head_sequence=station.audit_head_sequence,
        audit_head_hash=station.audit_head_hash or "",
    )
