"""A seeded soak: three stations edit, sync and lose the network at random.

At the end every queue is empty, every replica holds the server's events (the
township: those of its scope), each once, and every station projects each case it
holds exactly as the server does.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from app.domain.case import replay
from app.domain.errors import DomainError
from app.services import cases
from app.store import models as client_models
from server.database import ServerConfig
from server.events import event_from_row
from server.models import EventRow
from tests.sync_fixtures import (
    APPLICANT,
    LiveServer,
    StationProfile,
    make_station,
    received_materials,
)


class RandomFaults(requests.adapters.HTTPAdapter):
    """Drops a request before it is sent, or its answer after the server acted."""

    def __init__(self, rng: random.Random, rate: float) -> None:
        super().__init__(max_retries=0)
        self.rng = rng
        self.rate = rate
        self.faults = 0
        self.unsent = 0  # dropped before the server saw them
        self.unanswered = 0  # the server acted, the answer was lost

    def send(self, request: requests.PreparedRequest, *args: Any,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        roll = self.rng.random()
        if roll < self.rate / 2:
            self.faults += 1
            self.unsent += 1
            raise requests.ConnectionError("network down")
        response = super().send(request, *args, **kwargs)
        if roll < self.rate:
            self.faults += 1
            self.unanswered += 1
            response.close()
            raise requests.ConnectionError("answer lost")
        return response


def _faulty(adapter: RandomFaults) -> Callable[[], requests.Session]:
    def factory() -> requests.Session:
        session = requests.Session()
        session.mount("http://", adapter)
        return session

    return factory


def _case_ids(station: StationProfile) -> list[str]:
    with station.uow() as uow:
        query = select(client_models.CaseRow.id).order_by(client_models.CaseRow.number)
        return list(uow.session.scalars(query))


def _act(rng: random.Random, station: StationProfile, center_code: str) -> None:
    """One plausible action by someone at ``station`` on one of its cases."""
    known = _case_ids(station)
    if not known or rng.random() < 0.25:
        cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                            applicant=APPLICANT, materials=received_materials())
        return
    case_id = rng.choice(known)
    state = cases.get_case(station.uow, case_id).state.value
    uow = station.uow
    moves: dict[str, list[Callable[[], object]]] = {
        "registered": [
            lambda: cases.accept(uow, station.clerk, case_id, seal=station.counter_seal),
            lambda: cases.reject(uow, station.clerk, case_id, reasons="材料不符合法定形式",
                                 ground="other", legal_basis="《促进个体工商户发展条例》第八条",
                                 seal=station.counter_seal),
            lambda: cases.forward(uow, station.clerk, case_id, authority="县市场监督管理局",
                                  to_station=center_code),
        ],
        "accepted": [
            lambda: cases.review(uow, station.clerk, case_id, conforms=True, opinion="符合"),
            lambda: cases.withdraw(uow, station.clerk, case_id, reason="申请人撤回"),
        ],
        "reviewed": [
            lambda: cases.approve(uow, station.chief, case_id, opinion="同意"),
            lambda: cases.deny(uow, station.chief, case_id, opinion="不同意",
                               reasons="不符合条件"),
        ],
        "forwarded": [
            lambda: cases.record_forward_return(uow, station.clerk2, case_id,
                                                result=rng.choice(["approved", "denied"]),
                                                opinion="已办理"),
        ],
    }
    options = moves.get(state, [])
    if options:
        try:
            rng.choice(options)()
        except DomainError:
            pass  # refused at the counter, as a clerk's screen would be


def _assert_same_projection(server: LiveServer, station: StationProfile) -> None:
    with server.session() as session:
        for case_id in _case_ids(station):
            rows = session.scalars(select(EventRow).where(EventRow.case_id == case_id)
                                   .order_by(EventRow.server_sequence))
            truth = replay([event_from_row(r) for r in rows])
            held = cases.get_case(station.uow, case_id)
            assert (held.state, held.decision, held.forward_return, held.event_count) == (
                truth.state, truth.decision, truth.forward_return, truth.event_count
            ), f"{station.code} case {case_id}"


@pytest.mark.parametrize("seed", [int(s) for s in os.environ.get("SOAK_SEEDS", "20261123").split(",")])
def test_stations_editing_syncing_and_losing_the_network_converge(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    server = LiveServer(ServerConfig(tmp_path / "server")).start()
    adapter = RandomFaults(rng, rate=0.25)
    stations: list[StationProfile] = []
    try:
        for code, name, all_cases in (("XC01", "城关镇便民服务站", False),
                                      ("XZ01", "中心1号窗口", True),
                                      ("XZ02", "中心2号窗口", True)):
            station = make_station(tmp_path / code, code, name)
            station.engine.enroll(server.url, server.create_station(name, code,
                                                                    all_cases=all_cases))
            station.engine.session_factory = _faulty(adapter)
            stations.append(station)
        township, first, second = stations

        for _step in range(int(os.environ.get("SOAK_STEPS", "70"))):
            station = rng.choice(stations)
            if rng.random() < 0.35:
                station.engine.sync_once()
            else:
                target = "XZ01" if station is township else rng.choice(["XZ01", "XZ02"])
                _act(rng, station, target)

        adapter.rate = 0.0
        for _round in range(4):
            for station in stations:
                report = station.engine.sync_once()
                assert report.ok, report.errors
        assert adapter.faults > 5

        on_server = server.event_ids()
        assert len(on_server) == len(set(on_server)) > 10
        for station in stations:
            assert station.outbox() == [], station.code
            held = station.event_ids()
            assert len(held) == len(set(held))
        assert sorted(first.event_ids()) == sorted(on_server)
        assert sorted(second.event_ids()) == sorted(on_server)
        assert set(township.event_ids()) <= set(on_server)
        for station in stations:
            _assert_same_projection(server, station)
    finally:
        for station in stations:
            station.close()
        server.dispose()


# --- the same, with the server restored from older backups ------------------------------


class _Restorable:
    """The live server, backed up and restored as its operator would: SQLite with
    ``backup``/``restore FILE``; PostgreSQL with a copy of the database (what pg_dump and
    pg_restore amount to) and ``new-epoch``."""

    def __init__(self, tmp_path: Path, postgres_url: str | None) -> None:
        self.tmp_path = tmp_path
        self.postgres_url = postgres_url
        self.config = ServerConfig(tmp_path / "server", postgres_url)
        self.server = LiveServer(self.config).start()
        self.port = self.server.port
        self.backups = 0

    def _admin(self) -> Any:
        from sqlalchemy import create_engine

        from tests.sync_fixtures import POSTGRES_ADMIN_URL

        return create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def _database(self) -> str:
        assert self.postgres_url is not None
        return self.postgres_url.rsplit("/", 1)[1]

    def _copy(self, source: str, target: str) -> None:
        from sqlalchemy import text

        admin = self._admin()
        try:
            with admin.connect() as connection:
                connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ), {"n": source})
                connection.execute(text(f'DROP DATABASE IF EXISTS "{target}"'))
                connection.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))
        finally:
            admin.dispose()

    def backup(self) -> None:
        from server.cli import main as server_main

        self.backups += 1
        if self.postgres_url is None:
            assert server_main(["backup", "--output", str(self.tmp_path / "backup.sqlite3"),
                                "--data-dir", str(self.config.data_dir)]) == 0
            return
        self.server.dispose()
        self._copy(self._database(), self._database() + "_backup")
        self.server = LiveServer(self.config).start(self.port)

    def restore(self) -> None:
        from server.cli import main as server_main

        self.server.dispose()
        data = ["--data-dir", str(self.config.data_dir)]
        if self.postgres_url is None:
            assert server_main(["restore", str(self.tmp_path / "backup.sqlite3"), *data]) == 0
        else:
            self._copy(self._database() + "_backup", self._database())
            assert server_main(["new-epoch", "--db", self.postgres_url, *data]) == 0
        self.server = LiveServer(self.config).start(self.port)

    def dispose(self) -> None:
        self.server.dispose()
        if self.postgres_url is not None:
            from sqlalchemy import text

            admin = self._admin()
            try:
                with admin.connect() as connection:
                    connection.execute(text(
                        f'DROP DATABASE IF EXISTS "{self._database()}_backup"'))
            finally:
                admin.dispose()


def _soak_with_restores(tmp_path: Path, seed: int, postgres_url: str | None) -> dict[str, int]:
    from app.services.system import verify_audit

    rng = random.Random(seed)
    live = _Restorable(tmp_path, postgres_url)
    adapter = RandomFaults(rng, rate=0.2)
    stations: list[StationProfile] = []
    restores = 0
    try:
        for code, name, all_cases in (("XC01", "城关镇便民服务站", False),
                                      ("XZ01", "中心1号窗口", True),
                                      ("XZ02", "中心2号窗口", True)):
            station = make_station(tmp_path / code, code, name)
            station.engine.enroll(live.server.url,
                                  live.server.create_station(name, code, all_cases=all_cases))
            station.engine.session_factory = _faulty(adapter)
            stations.append(station)
        township, first, second = stations
        live.backup()
        steps = int(os.environ.get("SOAK_STEPS", "70"))
        for step in range(steps):
            roll = rng.random()
            if step > steps // 4 and roll < 0.03:
                live.restore()
                restores += 1
            elif roll < 0.06:
                live.backup()
            station = rng.choice(stations)
            if rng.random() < 0.35:
                station.engine.sync_once()
            else:
                target = "XZ01" if station is township else rng.choice(["XZ01", "XZ02"])
                _act(rng, station, target)
        if restores == 0:  # every run restores at least once
            live.restore()
            restores += 1

        adapter.rate = 0.0
        for _round in range(6):
            for station in stations:
                report = station.engine.sync_once()
                assert report.ok, report.errors
        server = live.server
        on_server = server.event_ids()
        assert len(on_server) == len(set(on_server))
        for station in stations:
            assert station.outbox() == [], station.code
            held = station.event_ids()
            assert len(held) == len(set(held))
            _, broken = verify_audit(station.uow)
            assert broken is None, (station.code, broken)
        assert sorted(first.event_ids()) == sorted(on_server)
        assert sorted(second.event_ids()) == sorted(on_server)
        assert set(township.event_ids()) <= set(on_server)
        for station in stations:
            _assert_same_projection(server, station)
        return {"restores": restores, "backups": live.backups,
                "requests_dropped": adapter.unsent, "answers_lost": adapter.unanswered,
                "events": len(on_server),
                "conflicts": sum(len(s.conflicts()) for s in stations)}
    finally:
        for station in stations:
            station.close()
        live.dispose()


@pytest.mark.parametrize("seed", [int(s) for s in os.environ.get("SOAK_SEEDS", "20261202").split(",")])
def test_stations_converge_after_server_restores_on_sqlite(tmp_path: Path, seed: int) -> None:
    figures = _soak_with_restores(tmp_path, seed, None)
    assert figures["restores"] >= 1 and figures["events"] > 10


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [int(s) for s in os.environ.get("SOAK_SEEDS", "20261202").split(",")])
def test_stations_converge_after_server_restores_on_postgresql(tmp_path: Path,
                                                               seed: int) -> None:
    from tests.sync_fixtures import postgres_database

    with postgres_database() as url:
        if url is None:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
        figures = _soak_with_restores(tmp_path, seed, url)
    assert figures["restores"] >= 1 and figures["events"] > 10
