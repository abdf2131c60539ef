"""Convergence after a server restore, and refusals every replica learns.

The server is restored from a backup taken before a sequence of cross-station actions
(an acceptance at one window, the review at another, the chief's approval back at the
first, a township's forward and the centre's result). The stations come back in the
worst order; in the end every replica holds the server's events and every case is in
the same state everywhere, with empty outboxes. Also: a station that learns that an
event it holds was refused rebuilds the case and voids a sealed document the event
issued; a station that joins a case later still receives the refusals made before.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.services import cases
from app.store import models as client_models
from server.cli import main as server_main
from server.database import ServerConfig
from tests.sync_fixtures import LiveServer, StationProfile, enrolled_station, postgres_database
from tests.test_sync_engine import assert_replicas_equal, register


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    with postgres_database() as url:
        if url is None:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
        yield url


def _states(station: StationProfile) -> dict[str, str]:
    with station.uow() as uow:
        return {row.id: row.state for row in uow.session.scalars(select(client_models.CaseRow))}


def test_a_restore_before_cross_station_work_ends_with_every_replica_equal(
    tmp_path: Path,
) -> None:
    config = ServerConfig(tmp_path / "server")
    server = LiveServer(config).start()
    first = enrolled_station(server, tmp_path / "w1", "XZ01", "中心1号窗口", all_cases=True)
    second = enrolled_station(server, tmp_path / "w2", "XZ02", "中心2号窗口", all_cases=True)
    town = enrolled_station(server, tmp_path / "xc01", "XC01", "城关镇")
    stations = (first, second, town)
    restored: LiveServer | None = None
    try:
        for station in stations:
            assert station.engine.sync_once().ok  # staff reach the server
        old_backup = tmp_path / "before.sqlite3"
        assert server_main(["backup", "--output", str(old_backup), "--data-dir",
                            str(config.data_dir)]) == 0

        # Accepted at the first window, reviewed at the second, approved at the first.
        decided = register(first)
        cases.accept(first.uow, first.clerk, decided, seal=first.counter_seal)
        assert first.engine.sync_once().ok
        assert second.engine.sync_once().ok
        cases.review(second.uow, second.clerk, decided, conforms=True, opinion="材料齐全")
        assert second.engine.sync_once().ok
        assert first.engine.sync_once().ok
        cases.approve(first.uow, first.chief, decided, opinion="同意")
        # Forwarded by the township, its result recorded at the first window.
        forwarded = register(town)
        cases.forward(town.uow, town.clerk, forwarded, authority="县市场监督管理局",
                      to_station="XZ01", reason="需县级办理")
        for station in (first, town, first, second, town):
            assert station.engine.sync_once().ok
        cases.record_forward_return(first.uow, first.clerk, forwarded, result="approved",
                                    opinion="准予登记")
        for station in (first, second, town):
            assert station.engine.sync_once().ok
        before = server.event_ids()
        expected = {decided: "approved", forwarded: "completed"}
        assert {k: _states(first)[k] for k in expected} == expected

        # The server's disk dies; it comes back from the older backup.
        port = server.port
        server.dispose()
        assert server_main(["restore", str(old_backup), "--data-dir",
                            str(config.data_dir)]) == 0
        restored = LiveServer(config).start(port)
        assert restored.event_count() == 0

        # The worst order: the first window, whose approval needs the second's review
        # and whose result needs the township's forward, comes back first.
        report = first.engine.sync_once()
        assert report.ok and report.epoch_changed and report.conflicts == 0
        assert report.retries >= 2
        for _ in range(3):
            for station in (second, first, town):
                report = station.engine.sync_once()
                assert report.ok and report.conflicts == 0, report
        assert sorted(restored.event_ids()) == sorted(before)
        for station in stations:
            assert not station.conflicts(), [(c.code, c.reason) for c in station.conflicts()]
        assert_replicas_equal(restored, first, second)
        assert_replicas_equal(restored, town, scoped=True)
        for station in (first, second):
            assert {k: _states(station)[k] for k in expected} == expected
        assert _states(town)[forwarded] == "completed"
    finally:
        for station in stations:
            station.close()
        (restored or server).dispose()


def test_a_refused_event_held_elsewhere_is_taken_out_and_its_sealed_document_voided(
    tmp_path: Path, backend: str | None
) -> None:
    config = ServerConfig(tmp_path / "server", backend) if backend else ServerConfig(
        tmp_path / "server")
    server = LiveServer(config).start()
    first = enrolled_station(server, tmp_path / "w1", "XZ01", "中心1号窗口", all_cases=True)
    second = enrolled_station(server, tmp_path / "w2", "XZ02", "中心2号窗口", all_cases=True)
    try:
        case_id = register(first)
        first.engine.sync_once()
        second.engine.sync_once()
        # Both windows act offline: the first rejects, the second accepts (and seals the
        # acceptance notice at its counter). The rejection reaches the server first.
        cases.reject(first.uow, first.clerk, case_id, reasons="不属于本机关职权范围",
                     ground="outside_powers", redirect_authority="市市场监督管理局",
                     seal=first.counter_seal)
        cases.accept(second.uow, second.clerk, case_id, seal=second.counter_seal)
        with second.uow() as uow:
            [notice] = [d for d in uow.session.scalars(select(client_models.Document))
                        if d.seal_use_id]
            use_id = notice.seal_use_id
        assert first.engine.sync_once().ok
        report = second.engine.sync_once()
        assert report.ok and report.conflicts >= 2
        assert cases.get_case(second.uow, case_id).state.value == "rejected"
        with second.uow() as uow:
            voided = uow.session.get(client_models.Document, notice.id)
            assert voided is not None and voided.voided_at is not None
            assert "拒绝" in voided.void_reason
            ledger = [u for u in uow.seals.uses(case_id=case_id) if u.supersedes == use_id]
            assert len(ledger) == 1 and ledger[0].purpose.startswith("作废")
        # Whoever opens the case's documents (the chief representative among them)
        # reads that it is void.
        from app.services import documents

        [shown] = [d for d in documents.documents_for_case(second.uow, case_id)
                   if d.id == notice.id]
        assert shown.voided and shown.title.endswith("（已作废）") and "拒绝" in shown.void_reason
        # The first window heard of the refusals; the server and both replicas agree.
        assert first.engine.sync_once().notices >= 1
        assert_replicas_equal(server, first, second)
        assert _states(first)[case_id] == _states(second)[case_id] == "rejected"
    finally:
        first.close()
        second.close()
        server.dispose()


def test_a_station_that_joins_a_case_later_receives_the_refusals_made_before(
    tmp_path: Path, backend: str | None
) -> None:
    config = ServerConfig(tmp_path / "server", backend) if backend else ServerConfig(
        tmp_path / "server")
    server = LiveServer(config).start()
    first = enrolled_station(server, tmp_path / "w1", "XZ01", "中心1号窗口", all_cases=True)
    second = enrolled_station(server, tmp_path / "w2", "XZ02", "中心2号窗口", all_cases=True)
    try:
        case_id = register(first)
        for station in (first, second):
            station.engine.sync_once()
        cases.reject(first.uow, first.clerk, case_id, reasons="不属于本机关职权范围",
                     ground="outside_powers", redirect_authority="市市场监督管理局",
                     seal=first.counter_seal)
        cases.accept(second.uow, second.clerk, case_id, seal=second.counter_seal)
        first.engine.sync_once()
        second.engine.sync_once()
        refused = {c.event_id for c in second.conflicts()}
        assert refused
        # A centre window enrolled after the refusals gets them with the history.
        late = enrolled_station(server, tmp_path / "w3", "XZ03", "中心3号窗口", all_cases=True)
        try:
            report = late.engine.sync_once()
            assert report.ok and report.notices >= len(refused)
            assert refused <= {c.event_id for c in late.conflicts()}
            assert _states(late)[case_id] == "rejected"
        finally:
            late.close()
    finally:
        for station in (first, second):
            station.close()
        server.dispose()
