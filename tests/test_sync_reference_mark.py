"""A round with nothing new does not rebuild the station's reference records: a change
counter kept by triggers (migration 0017) says whether anything they are read from has
moved. A change the counter missed would be a staff member, an appointment or a
consultation never sent to the county, so both sides are checked: the tables the records
are read from all have triggers, and an edit after a quiet round is sent in the next.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app.domain.roles import Role
from app.services import accounts
from app.sync import local
from app.sync.protocol import ReferenceKind
from server.database import ServerConfig
from tests.sync_fixtures import LiveServer, StationProfile, enrolled_station

MARK = importlib.import_module("app.store.migrations.versions.0017_reference_changes")


@pytest.fixture
def station(tmp_path: Path) -> Iterator[tuple[LiveServer, StationProfile]]:
    server = LiveServer(ServerConfig(tmp_path / "server")).start()
    profile = enrolled_station(server, tmp_path / "xc01", "XC01", "城关镇便民服务站")
    try:
        yield server, profile
    finally:
        profile.close()
        server.dispose()


def _tables_read(profile: StationProfile, work: Any) -> set[str]:
    """The tables named by the statements ``work`` runs on the station's database."""
    seen: set[str] = set()
    engine = profile.runtime.engine

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.update(re.findall(r"\b(?:FROM|JOIN)\s+\"?(\w+)", statement))

    event.listen(engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def test_every_table_the_reference_records_are_read_from_bumps_the_counter(
        station: tuple[LiveServer, StationProfile]) -> None:
    _server, profile = station

    def build() -> None:
        with profile.uow() as uow:
            local.local_reference(uow, station_code="XC01", kinds=set(ReferenceKind))

    assert _tables_read(profile, build) <= set(MARK.TABLES)
    with profile.uow() as uow:
        triggers = {name for (name,) in uow.session.connection().exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            " AND name LIKE 'reference_changes_%'")}
        before = local.pending(uow).reference_changes
        uow.session.connection().exec_driver_sql("UPDATE departments SET name = name")
        uow.session.connection().exec_driver_sql(
            "DELETE FROM consultations WHERE id = 'none'")  # no row: no change
        after = local.pending(uow).reference_changes
    assert triggers == {f"reference_changes_{t}_{o}" for t in MARK.TABLES
                        for o in MARK.OPERATIONS}
    assert before is not None and after is not None and after > before


def test_a_quiet_round_reads_no_staff_and_the_next_edit_is_sent(
        station: tuple[LiveServer, StationProfile]) -> None:
    _server, profile = station
    assert profile.engine.sync_once().ok
    assert profile.engine.sync_once().reference_sent == 0
    quiet = _tables_read(profile, lambda: profile.engine.sync_once())
    assert not quiet & {"users", "delegations", "window_posts", "staff_absences"}
    accounts.update_user(profile.uow, profile.admin, user_id=profile.clerk.id,
                         display_name="李受理（改名）", roles=frozenset({Role.CLERK}),
                         department_code=None, window_name="1号窗口")
    report = profile.engine.sync_once()
    assert report.ok and report.reference_sent == 1
    assert profile.engine.sync_once().reference_sent == 0
