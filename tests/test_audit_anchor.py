"""Tamper-evidence that survives truncation.

A hash chain alone cannot see its newest records cut off. The station anchors the head
in a file beside the database after every commit; the server keeps the head each
station last reported. ``audit verify`` and every sync say so when the chain is shorter
than, or different from, the anchor.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main as app_main
from app.services import cases
from app.services.system import verify_audit
from app.store.database import backup, restore
from server.database import ServerConfig
from tests.sync_fixtures import (
    APPLICANT,
    LiveServer,
    StationProfile,
    make_station,
    received_materials,
)


@pytest.fixture
def station(tmp_path: Path) -> Iterator[StationProfile]:
    profile = make_station(tmp_path / "xc01", "XC01", "城关镇")
    yield profile
    profile.close()


def _work(station: StationProfile, times: int = 1) -> None:
    for _ in range(times):
        cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                            applicant=APPLICANT, materials=received_materials())


def _cut_newest(station: StationProfile, records: int) -> None:
    """What a tamperer with the database file does: drop the guard, cut the tail."""
    station.runtime.engine.dispose()
    connection = sqlite3.connect(station.runtime.profile.database_path)
    try:
        connection.execute("DROP TRIGGER audit_log_no_delete")
        top = connection.execute("SELECT max(sequence) FROM audit_log").fetchone()[0]
        connection.execute("DELETE FROM audit_log WHERE sequence > ?", (top - records,))
        connection.commit()
    finally:
        connection.close()


def test_the_head_is_anchored_outside_the_database_after_every_commit(
    station: StationProfile,
) -> None:
    _work(station)
    anchor = station.runtime.profile.audit_anchor
    with station.uow() as uow:
        head = uow.audit.head()
    assert anchor.read() == head and head is not None
    assert anchor.path.parent == station.runtime.profile.data_dir
    checked, broken = verify_audit(station.uow)
    assert broken is None and checked == head[0]


def test_audit_verify_sees_the_newest_records_cut_off(station: StationProfile,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    _work(station, 2)
    _cut_newest(station, 3)
    checked, broken = verify_audit(station.uow)
    assert broken is not None and "短" in broken.reason and "删除" in broken.reason
    station.close()
    assert app_main(["audit", "verify", "--data-dir",
                     str(station.runtime.profile.data_dir)]) == 3
    assert "锚点" in capsys.readouterr().err


def test_audit_verify_sees_a_chain_cut_and_grown_again(station: StationProfile) -> None:
    _work(station)
    anchored = station.runtime.profile.audit_anchor.read()
    assert anchored is not None
    _cut_newest(station, 2)
    # New work grows the chain past the anchor again, but along another path: the
    # anchor file is what a tamperer would have to rewrite, and it only moves forward.
    station.runtime.profile.audit_anchor.reset(*anchored)
    with station.uow() as uow:
        uow.audit.append({"kind": "test", "n": 1})
        uow.audit.append({"kind": "test", "n": 2})
        uow.audit.append({"kind": "test", "n": 3})
        uow.session.commit()  # bypasses the anchor on purpose
    _, broken = verify_audit(station.uow)
    assert broken is not None and "不一致" in broken.reason


def test_a_restored_backup_is_the_chain_anchored_from_then_on(station: StationProfile,
                                                             tmp_path: Path) -> None:
    _work(station)
    saved = backup(station.runtime.profile, reason="test")
    _work(station)
    station.close()
    restore(station.runtime.profile, saved)
    from app.services.runtime import open_runtime

    with open_runtime(station.runtime.profile.data_dir, backups=False) as runtime:
        _, broken = verify_audit(runtime.uow)
    assert broken is None


def _synced_twice(station: StationProfile, tmp_path: Path) -> LiveServer:
    """A server the station enrolled with, did some work and synced twice: the server
    now holds the station's audit head. The caller disposes of it."""
    server = LiveServer(ServerConfig(tmp_path / "server")).start()
    try:
        station.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
        _work(station)
        assert station.engine.sync_once().ok
        assert station.engine.sync_once().ok  # the server now holds our head
    except BaseException:
        server.dispose()
        raise
    return server


def test_every_sync_sees_a_chain_cut_shorter_than_the_server_saw(
    station: StationProfile, tmp_path: Path
) -> None:
    server = _synced_twice(station, tmp_path)
    try:
        from server.models import Station

        with server.session() as session:
            held = session.query(Station).filter_by(code="XC01").one()
            assert held.audit_head_sequence is not None
            seen = held.audit_head_sequence
        # The tamperer cuts the tail and removes the local anchor as well.
        _cut_newest(station, 4)
        station.runtime.profile.audit_anchor.clear()
        report = station.engine.sync_once()
        assert not report.ok and report.error_code == "audit_anchor"
        assert any("审计链" in e and "短" in e for e in report.errors)
        with server.session() as session:
            assert session.query(Station).filter_by(code="XC01").one() \
                .audit_head_sequence == seen  # a shorter head never lowers the anchor
        # It says so on every round.
        assert station.engine.sync_once().error_code == "audit_anchor"
    finally:
        server.dispose()


def test_every_sync_sees_a_chain_rewritten_at_the_length_the_server_saw(
    station: StationProfile, tmp_path: Path
) -> None:
    # The round checks the server's anchor against the head it sent when the two are
    # at the same record, without reading that record again: a rewritten head shows.
    server = _synced_twice(station, tmp_path)
    try:
        assert station.engine.sync_once().ok  # and it is the head we hold
        station.runtime.engine.dispose()
        connection = sqlite3.connect(station.runtime.profile.database_path)
        try:
            connection.execute("DROP TRIGGER audit_log_no_update")
            connection.execute("UPDATE audit_log SET record_hash = ? WHERE sequence = "
                               "(SELECT max(sequence) FROM audit_log)", ("0" * 64,))
            connection.commit()
        finally:
            connection.close()
        station.runtime.profile.audit_anchor.clear()
        report = station.engine.sync_once()
        assert not report.ok and report.error_code == "audit_anchor"
        assert any("审计链" in e and "不一致" in e for e in report.errors)
    finally:
        server.dispose()
