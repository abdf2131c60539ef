"""容缺受理 and 告知承诺 across stations, through the real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.services import cases, catalog, promises
from app.services.context import local_date, utc_now
from server.database import ServerConfig
from tests.sync_fixtures import (
    APPLICANT,
    LiveServer,
    StationProfile,
    business_matter,
    make_station,
    received_materials,
)

PROMISED = business_matter(code="SCJ-001", promise_materials=("B",), tolerance_materials=("B",))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    yield live
    live.dispose()


def _enrolled(server: LiveServer, data_dir: Path, code: str, name: str, *,
              all_cases: bool = False) -> StationProfile:
    station = make_station(data_dir, code, name)
    catalog.save_matter(station.uow, station.admin, PROMISED)
    station.engine.enroll(server.url, server.create_station(name, code, all_cases=all_cases))
    return station


@pytest.fixture
def stations(server: LiveServer, tmp_path: Path) -> Iterator[tuple[StationProfile, ...]]:
    made = (_enrolled(server, tmp_path / "xc01", "XC01", "城关镇便民服务站"),
            _enrolled(server, tmp_path / "xc02", "XC02", "河东镇便民服务站"),
            _enrolled(server, tmp_path / "xzzx", "XZZX", "县政务服务中心", all_cases=True))
    yield made
    for station in made:
        station.close()


def _registered(station: StationProfile) -> str:
    rows = [dict(m, received=m["code"] == "A") for m in received_materials(PROMISED)]
    return cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, materials=rows).id


def test_a_broken_promise_at_one_township_shows_at_another_townships_next_case(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    first, second, _center = stations
    case_id = _registered(first)
    cases.accept(first.uow, first.clerk, case_id, seal=first.counter_seal,
                 promise_materials=["经营者身份证明"], promise_signed=True)
    promises.check_promise(first.uow, first.clerk, case_id, kept=False,
                           finding="身份证明系冒用他人")
    assert first.engine.sync_once().ok
    # The other township never sees the case itself, only the published record.
    assert second.engine.sync_once().ok
    assert second.event_ids() == []
    [record] = promises.broken_promises(second.uow, second.clerk,
                                        id_number=APPLICANT["id_number"])
    assert record.finding == "身份证明系冒用他人"
    assert record.station == "XC01"
    assert record.case_number == cases.get_case(first.uow, case_id).number


def test_owed_materials_and_their_arrival_are_projected_at_the_centre(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    township, _second, center = stations
    case_id = _registered(township)
    due = local_date(utc_now()) + timedelta(days=7)
    cases.accept(township.uow, township.clerk, case_id, seal=township.counter_seal,
                 tolerance_materials=["经营者身份证明"], tolerance_deadline=due,
                 tolerance_promise_signed=True)
    assert township.engine.sync_once().ok
    assert center.engine.sync_once().ok
    assert cases.get_case(center.uow, case_id).tolerance_owed == ["经营者身份证明"]
    promises.fulfil_tolerance(township.uow, township.clerk, case_id,
                              received=["经营者身份证明"])
    pushed = township.engine.sync_once()
    assert pushed.ok and pushed.pushed == 1
    assert center.engine.sync_once().pulled == 1
    assert cases.get_case(center.uow, case_id).tolerance_owed == []


def test_a_station_cannot_push_a_promise_record_of_its_own(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    from sqlalchemy import select

    from app.sync.protocol import ReferenceKind
    from server import reference
    from server.models import Station

    township = stations[0]
    with server.session() as session:
        station = session.scalar(select(Station).where(Station.code == township.code))
        [answer] = reference.push_from_station(session, station, [{
            "kind": ReferenceKind.PROMISE_RECORD.value, "key": "x", "data": {}}])
        session.rollback()
    assert answer.status == "refused" and answer.code == "server_only"


def test_a_lost_original_is_traced_to_the_township_across_three_stations(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    from app.services import custody

    village, township, county = stations
    case_id = cases.register_case(village.uow, village.clerk, matter_code="SCJ-001",
                                  applicant=APPLICANT,
                                  materials=received_materials(PROMISED)).id
    custody.hand_over(village.uow, village.clerk, case_id, leg="village_to_township",
                      giver="村代办员李梅", receiver="乡镇站王军", to_station="XC02",
                      items=[{"name": "经营者身份证明", "originals_given": 2,
                              "originals_received": 2, "copies": 1}])
    assert village.engine.sync_once().ok
    # The township now holds the case (brought into its scope with its history).
    assert township.engine.sync_once().ok
    assert len(cases.get_case(township.uow, case_id).custody) == 1
    custody.hand_over(township.uow, township.clerk, case_id, leg="township_to_county",
                      giver="乡镇站王军", receiver="县中心赵敏", to_station="XZZX",
                      items=[{"name": "经营者身份证明", "originals_given": 1,
                              "originals_received": 1, "copies": 1}])
    assert township.engine.sync_once().ok
    assert county.engine.sync_once().ok
    [lost] = custody.losses(cases.get_case(county.uow, case_id))
    assert lost["name"] == "经营者身份证明" and lost["count"] == 1
    assert "乡镇站王军保管期间" in lost["where"]
    # Out of order is refused on every station, the server included.
    from app.domain.errors import TransitionError

    with pytest.raises(TransitionError):
        custody.hand_over(county.uow, county.clerk, case_id, leg="township_to_village",
                          giver="x", receiver="y", items=[{"name": "a", "originals_given": 0,
                                                           "originals_received": 0,
                                                           "copies": 1}])
