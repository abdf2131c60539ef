"""What the console and the monitoring show: stations with what they reported, refusals
and flags by station, and the server's health. Reads only."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.database import ServerConfig, head_revision
from server.models import Attachment, EventRow, Rejection, ServerState, Station
from server.stations import station_state

BEHIND_AFTER = timedelta(hours=1)
"""A station not heard from for this long, or still on an old epoch, is "behind"."""


@dataclass(frozen=True)
class StationRow:
    id: str
    code: str
    name: str
    state: str
    may_publish: bool
    sees_all_cases: bool
    enrolled_at: datetime | None
    last_seen_at: datetime | None
    reported_at: datetime | None
    outbox: int | None
    protocol_version: int
    epoch_current: bool | None
    """Whether the station holds the server's epoch (None: not reported)."""
    events: int
    refusals: int
    flagged: int
    behind: bool


def _grouped(session: Session, column: object, *conditions: object) -> dict[str, int]:
    query = select(column, func.count()).group_by(column)  # type: ignore[call-overload]
    for condition in conditions:
        query = query.where(condition)
    return {str(key): int(n) for key, n in session.execute(query)}


def station_rows(session: Session, *, now: datetime | None = None) -> list[StationRow]:
    now = now or datetime.now(UTC)
    epoch = session.scalar(select(ServerState.epoch).where(ServerState.id == 1)) or ""
    events = _grouped(session, EventRow.station)
    refusals = _grouped(session, Rejection.station)
    flagged = _grouped(session, EventRow.station, EventRow.flag_code != "")
    rows = []
    for s in session.scalars(select(Station).order_by(Station.code, Station.created_at)):
        code = s.code or ""
        enrolled = s.credential_hash is not None and s.revoked_at is None
        heard = max((t for t in (s.last_seen_at, s.reported_at) if t is not None),
                    default=None)
        behind = enrolled and (heard is None or heard < now - BEHIND_AFTER
                               or bool(s.reported_epoch and s.reported_epoch != epoch))
        rows.append(StationRow(
            id=s.id, code=code, name=s.name, state=station_state(s), may_publish=s.may_publish,
            sees_all_cases=s.sees_all_cases, enrolled_at=s.enrolled_at,
            last_seen_at=s.last_seen_at, reported_at=s.reported_at,
            outbox=s.reported_outbox, protocol_version=s.protocol_version,
            epoch_current=(s.reported_epoch == epoch) if s.reported_epoch else None,
            events=events.get(code, 0), refusals=refusals.get(code, 0),
            flagged=flagged.get(code, 0), behind=behind,
        ))
    return rows


def refusals(session: Session, station: str = "", limit: int = 200) -> list[Rejection]:
    query = select(Rejection).order_by(Rejection.id.desc()).limit(limit)
    if station:
        query = query.where(Rejection.station == station)
    return list(session.scalars(query))


def flagged_events(session: Session, station: str = "", limit: int = 200) -> list[EventRow]:
    query = (select(EventRow).where(EventRow.flag_code != "")
             .order_by(EventRow.server_sequence.desc()).limit(limit))
    if station:
        query = query.where(EventRow.station == station)
    return list(session.scalars(query))


@dataclass(frozen=True)
class Health:
    ok: bool
    database: str
    schema_current: bool
    epoch: str
    epoch_started_at: datetime | None
    events: int
    refusals: int
    stations: int
    stations_behind: int
    incomplete_attachments: int
    disk_free_bytes: int | None
    problems: tuple[str, ...]


def health(session: Session, config: ServerConfig) -> Health:
    """The server's health as the console's first page and /health show it."""
    problems: list[str] = []
    state = session.get(ServerState, 1)
    revision = MigrationContext.configure(session.connection()).get_current_revision()
    schema_current = revision == head_revision()
    if not schema_current:
        problems.append(f"数据库结构版本 {revision} 不是最新（{head_revision()}），请执行 init。")
    rows = station_rows(session)
    behind = sum(1 for r in rows if r.behind)
    try:
        free: int | None = shutil.disk_usage(config.data_dir).free
    except OSError:
        free = None
    if free is not None and free < 1024**3:
        problems.append(f"数据目录所在磁盘剩余空间不足 1 GB（{free // 1024**2} MB）。")
    incomplete = session.scalar(select(func.count()).select_from(Attachment)
                                .where(Attachment.complete.is_(False))) or 0
    return Health(
        ok=not problems, database="SQLite" if config.is_sqlite else "PostgreSQL",
        schema_current=schema_current, epoch=state.epoch if state else "",
        epoch_started_at=state.epoch_started_at if state else None,
        events=session.scalar(select(func.count()).select_from(EventRow)) or 0,
        refusals=session.scalar(select(func.count()).select_from(Rejection)) or 0,
        stations=len(rows), stations_behind=behind, incomplete_attachments=incomplete,
        disk_free_bytes=free, problems=tuple(problems),
    )
