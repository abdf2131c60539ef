"""容缺受理, 告知承诺, appointments and consultations across stations, through the real
server on 127.0.0.1: a phone booking taken at the county reaches the township's hall, an
arrival there reaches the county, two stations closing one appointment differently end
up agreeing, and the server refuses a record no screen would make."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.print_templates import DocumentKind
from app.services import (
    appointments,
    cases,
    catalog,
    consultations,
    documents,
    promises,
    queries,
    statistics,
)
from app.services.context import local_date, utc_now
from app.sync.protocol import ReferenceKind
from server import reference
from server.database import ServerConfig
from server.models import Station
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
    answer = _push(server, stations[0].code, ReferenceKind.PROMISE_RECORD, "x", {})
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


# --- appointments and consultations ------------------------------------------------


def _book(station: StationProfile, *, hall: str = "", channel: str = "counter",
          name: str = "张三"):
    # 上门服务 may be booked on any day, so the test does not depend on today's calendar.
    return appointments.book_appointment(
        station.uow, station.clerk, day=local_date(utc_now()), slot="09:00-10:00",
        window_name="3号窗口", matter_code="SCJ-001", applicant_name=name,
        applicant_phone="13800000000", channel=channel, service_mode="home_visit",
        station=hall)


def _synced(*stations: StationProfile) -> None:
    for station in stations:
        report = station.engine.sync_once()
        assert report.ok, report.errors


def test_a_phone_booking_at_the_county_shows_at_the_township_and_its_arrival_comes_back(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    township, other, center = stations
    booked = _book(center, hall="XC01", channel="phone")
    assert appointments.day_list(center.uow, center.clerk, booked.day) == []  # not its hall
    _synced(center, township, other)
    [seen] = appointments.day_list(township.uow, township.clerk, booked.day)
    assert (seen.id, seen.channel, seen.status, seen.applicant_name) == (
        booked.id, "phone", "booked", "张三")
    assert appointments.day_list(other.uow, other.clerk, booked.day) == []  # another hall
    case = cases.register_case(township.uow, township.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, appointment_id=booked.id,
                               service_mode="home_visit")
    _synced(township, center)
    arrived = appointments.get_appointment(center.uow, booked.id)
    assert (arrived.status, arrived.case_id) == ("arrived", case.id)


def test_an_appointment_closed_two_ways_converges_on_the_first_the_county_received(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    township, _other, center = stations
    booked = _book(township)
    _synced(township, center)
    # Offline at the same time: the county cancels (the applicant phoned), the
    # township marks them absent.
    appointments.cancel_appointment(center.uow, center.clerk, booked.id)
    appointments.mark_no_show(township.uow, township.clerk, booked.id)
    _synced(township)
    refused = center.engine.sync_once()
    assert refused.ok
    assert any("该预约已“未到”，不能再改为“已取消”" in w for w in refused.warnings)
    assert appointments.get_appointment(center.uow, booked.id).status == "no_show"
    # The county's clerk reads that the cancellation did not stand, in the conflicts list.
    [conflict] = queries.sync_conflicts(center.uow, center.clerk)
    assert conflict.event_id == booked.id and conflict.case_number == ""
    assert conflict.reason.startswith("预约（张三，")
    assert "的更改未被县中心接受：该预约已“未到”，不能再改为“已取消”" in conflict.reason
    assert conflict.reason.endswith("以县中心的记录为准。")
    _synced(township, center)
    assert appointments.get_appointment(township.uow, booked.id).status == "no_show"
    assert appointments.get_appointment(center.uow, booked.id).status == "no_show"
    assert township.conflicts() == []


def test_a_consultation_and_the_case_it_became_reach_the_county(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    township, other, center = stations
    asked = consultations.record_consultation(
        township.uow, township.clerk, matter_code="SCJ-001", answer="需带身份证和场所证明",
        asker_name="张三", asker_phone="13800000000", channel="phone")
    _synced(township, center, other)
    at_county = consultations.get_consultation(center.uow, asked.id)
    assert (at_county.staff_name, at_county.answer, at_county.case_id) == (
        township.clerk.display_name, "需带身份证和场所证明", "")
    case = cases.register_case(township.uow, township.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, consultation_id=asked.id)
    _synced(township, center)
    assert consultations.get_consultation(center.uow, asked.id).case_id == case.id
    with pytest.raises(Exception, match="找不到该咨询记录"):
        consultations.get_consultation(other.uow, asked.id)


def test_a_consultation_registered_at_two_stations_keeps_the_first_link_everywhere(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    township, _other, center = stations
    asked = consultations.record_consultation(
        township.uow, township.clerk, matter_code="SCJ-001", answer="需带身份证",
        asker_name="张三")
    _synced(township, center)
    # Offline, the asker is registered at the township and again at the county.
    first = cases.register_case(township.uow, township.clerk, matter_code="SCJ-001",
                                applicant=APPLICANT, consultation_id=asked.id)
    second = cases.register_case(center.uow, center.clerk, matter_code="SCJ-001",
                                 applicant=APPLICANT, consultation_id=asked.id)
    _synced(township)
    refused = center.engine.sync_once()
    assert refused.ok and refused.conflicts == 1
    assert consultations.get_consultation(center.uow, asked.id).case_id == first.id
    [conflict] = queries.sync_conflicts(center.uow, center.clerk)
    assert (conflict.event_id, conflict.case_id, conflict.case_number) == (
        asked.id, second.id, second.number)
    assert "咨询记录（张三，个体工商户登记）的更改未被县中心接受：该咨询已转为办件登记" in conflict.reason
    # Agreed: nothing more to send, nothing refused again, however often it syncs.
    again = center.engine.sync_once()
    assert again.ok and again.conflicts == 0 and again.warnings == []
    _synced(township)
    assert consultations.get_consultation(township.uow, asked.id).case_id == first.id


def test_the_countys_monthly_figures_count_a_townships_consultations(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    township, _other, center = stations
    for answer in ("需带身份证", "需带场所证明"):
        consultations.record_consultation(township.uow, township.clerk,
                                          matter_code="SCJ-001", answer=answer)
    consultations.record_consultation(center.uow, center.clerk, matter_code="SCJ-001",
                                      answer="可网上申请")
    _synced(township, center)
    today = local_date(utc_now())
    figures = statistics.monthly_assessment(center.uow, center.chief, year=today.year,
                                            month=today.month)
    assert figures.total.consultations == 3
    by_person = {row.key: row.consultations for row in figures.by_person}
    assert by_person[township.clerk.id] == 2 and by_person[center.clerk.id] == 1


def test_a_townships_sealed_tolerance_notice_verifies_at_the_county(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    from server import verification

    township, _other, center = stations
    case_id = _registered(township)
    cases.accept(township.uow, township.clerk, case_id, seal=township.counter_seal,
                 tolerance_materials=["经营者身份证明"],
                 tolerance_deadline=local_date(utc_now()) + timedelta(days=7),
                 tolerance_promise_signed=True)
    _synced(township, center)
    assert township.conflicts() == []
    [sealed] = [e for e in cases.case_history(township.uow, case_id) if e.type.value == "sealed"
                and e.payload["document_kind"] == "tolerance_notice"]
    with server.session() as session:
        check = verification.check_document(session, sealed.payload["seal_use_id"],
                                            sealed.payload["verification_code"])
    assert (check.state.value, check.document_number, check.seal_title) == (
        "valid", sealed.payload["document_number"], "受理专用章")
    notice = documents.latest_issued(center.uow, case_id, DocumentKind.TOLERANCE_NOTICE)
    assert notice is not None and notice.sealed
    assert notice.document_number == sealed.payload["document_number"]


def _push(server: LiveServer, code: str, kind: ReferenceKind, key: str,
          data: dict) -> reference.ReferenceAnswer:
    with server.session() as session:
        station = session.scalar(select(Station).where(Station.code == code))
        [answer] = reference.push_from_station(session, station, [
            {"kind": kind.value, "key": key, "data": data}])
        session.rollback()
    return answer


def test_the_server_refuses_a_record_no_screen_would_make(
        server: LiveServer, stations: tuple[StationProfile, ...]) -> None:
    township = stations[0]
    booked = _book(township)
    from app.store import models
    from app.sync.counter_records import appointment_data

    with township.uow() as uow:
        record = appointment_data(uow.session.get(models.Appointment, booked.id))
    answer = _push(server, "XC01", ReferenceKind.APPOINTMENT, booked.id,
                   {**record, "applicant_phone": "abc"})
    assert (answer.status, answer.reason) == ("refused", "请填写有效的联系电话，以便通知预约人。")
    answer = _push(server, "XC02", ReferenceKind.APPOINTMENT, booked.id, record)
    assert (answer.status, answer.code) == ("refused", "wrong_station")
    assert "只能上传本站点大厅的预约和咨询记录" in answer.reason
    answer = _push(server, "XC01", ReferenceKind.APPOINTMENT, booked.id,
                   {**record, "status": "arrived"})
    assert answer.status == "refused" and "须注明登记的办件" in answer.reason
