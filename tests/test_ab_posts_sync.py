"""AB岗 through the real server on 127.0.0.1: the window's A/B posts and A's absence
travel in the staff records, and B's 顶岗 mark travels on the event, so a station that
never recorded the absence still shows whom B acted for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.domain.events import EventType
from app.services import ab_posts, cases, queries
from app.services.context import local_date, utc_now
from app.sync.protocol import ReferenceKind
from server import reference
from server.database import ServerConfig
from tests.sync_fixtures import (
    APPLICANT,
    LiveServer,
    StationProfile,
    enrolled_station,
    received_materials,
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    yield live
    live.dispose()


@pytest.fixture
def township(server: LiveServer, tmp_path: Path) -> Iterator[StationProfile]:
    station = enrolled_station(server, tmp_path / "xc01", "XC01", "城关镇便民服务站")
    yield station
    station.close()


@pytest.fixture
def county(server: LiveServer, tmp_path: Path) -> Iterator[StationProfile]:
    """The county centre's supervision station: it sees every station's cases."""
    station = enrolled_station(server, tmp_path / "xzzx", "XZZX", "县政务服务中心", all_cases=True)
    yield station
    station.close()


def test_b_acting_for_absent_a_reaches_the_server_and_another_station(
    server: LiveServer, township: StationProfile, county: StationProfile,
) -> None:
    today = local_date(utc_now())
    ab_posts.set_window_post(township.uow, township.admin, window_name="3号窗口",
                             a_staff_id=township.clerk.id, b_staff_id=township.clerk2.id)
    ab_posts.record_absence(township.uow, township.admin, staff_id=township.clerk.id,
                            first_day=today, last_day=today + timedelta(days=1),
                            kind="培训", reason="县政务服务中心业务培训")
    case = cases.register_case(township.uow, township.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, materials=received_materials())
    cases.accept(township.uow, township.clerk, case.id, seal=township.counter_seal)
    [line] = queries.review_queue(township.uow, township.clerk2)
    assert line.acting_for_name == "XC01李受理"
    cases.review(township.uow, township.clerk2, case.id, conforms=True, opinion="符合条件。")

    report = township.engine.sync_once()
    assert report.ok and report.warnings == []  # the server bears the mark out
    with server.session() as session:
        held = reference.get(session, ReferenceKind.STAFF, township.clerk.id)
    assert held is not None
    assert held["ab_post"] == {"window_name": "3号窗口", "b_staff_id": township.clerk2.id}
    [absence] = held["absences"]
    assert (absence["kind"], absence["first_day"], absence["last_day"]) == (
        "培训", today.isoformat(), (today + timedelta(days=1)).isoformat())

    # What came back is what was sent: the next round sends no staff record again, and
    # the township still holds its post and absence.
    again = township.engine.sync_once()
    assert again.ok and again.reference_sent == 0
    listed = ab_posts.cover_list(township.uow, township.admin)
    assert [(p.window_name, p.a_absent_today) for p in listed.posts] == [("3号窗口", True)]
    assert [a.status for a in listed.absences] == ["有效"]

    # The county centre recorded no absence, yet the case says who acted for whom.
    assert county.engine.sync_once().ok
    with county.uow() as uow:
        review = uow.events.for_case(case.id)[-1]
        assert uow.users.absences() == []
    assert review.actor_name == "XC01周受理"
    assert review.payload["acting_for"]["staff_name"] == "XC01李受理"


def test_a_mark_the_staff_records_do_not_bear_out_is_flagged_by_the_server(
    server: LiveServer, township: StationProfile,
) -> None:
    ab_posts.set_window_post(township.uow, township.admin, window_name="3号窗口",
                             a_staff_id=township.clerk.id, b_staff_id=township.clerk2.id)
    case = cases.register_case(township.uow, township.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, materials=received_materials())
    cases.accept(township.uow, township.clerk, case.id, seal=township.counter_seal)
    # A mark typed in by hand (a script, an altered program): no absence is recorded.
    cases.record_case_event(township.uow, township.clerk2, case.id,
                            EventType.REVIEWED,
                            {"conforms": True, "opinion": "符合条件。",
                             "site_inspection_done": False, "site_inspection_result": "",
                             "acting_for": {"staff_id": township.clerk.id,
                                            "staff_name": "XC01李受理",
                                            "window_name": "3号窗口", "post": "A"}})
    report = township.engine.sync_once()
    assert report.ok
    assert any("顶岗记录与服务器上的AB岗和请假记录不符" in w for w in report.warnings)
