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

    def send(self, request: requests.PreparedRequest, *args: Any,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        roll = self.rng.random()
        if roll < self.rate / 2:
            self.faults += 1
            raise requests.ConnectionError("network down")
        response = super().send(request, *args, **kwargs)
        if roll < self.rate:
            self.faults += 1
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
