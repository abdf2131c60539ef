"""Complaints and 差评 follow-ups go through the real server to the other stations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.domain.complaint import ComplaintState
from app.services import cases, complaints, evaluations
from server.database import ServerConfig
from tests.sync_fixtures import (
    APPLICANT,
    LiveServer,
    StationProfile,
    make_station,
    received_materials,
)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    yield live
    live.dispose()


@pytest.fixture
def windows(server: LiveServer, tmp_path: Path) -> Iterator[tuple[StationProfile, StationProfile]]:
    made = []
    for code, name in (("XZ01", "中心1号窗口"), ("XZ02", "中心监察室")):
        station = make_station(tmp_path / code, code, name)
        station.engine.enroll(server.url, server.create_station(name, code, all_cases=True))
        made.append(station)
    yield made[0], made[1]
    for station in made:
        station.close()


def test_a_complaint_made_at_one_window_is_projected_at_the_other(
    windows: tuple[StationProfile, StationProfile], server: LiveServer
) -> None:
    first, second = windows
    complaint = complaints.register_complaint(
        first.uow, first.admin, channel="phone",
        complainant={"name": "孙投诉", "phone": "13900139000"},
        content="窗口推诿", staff_id=first.clerk.id)
    complaints.assign_complaint(first.uow, first.admin, complaint.id,
                                assignee_id=first.chief.id)
    complaints.investigate_complaint(first.uow, first.chief, complaint.id,
                                     finding="substantiated", facts="属实")
    report = first.engine.sync_once()
    assert report.ok and report.pushed == 3 and report.conflicts == 0
    pulled = second.engine.sync_once()
    assert pulled.ok and pulled.pulled == 3
    listed = complaints.list_complaints(second.uow, second.admin)
    assert [(c.number, c.state, c.finding) for c in listed] == [
        (complaint.number, ComplaintState.INVESTIGATED.value, "substantiated")]
    # The answer is given at the second window and flows back.
    complaints.answer_complaint(second.uow, second.admin, complaint.id, method="phone",
                                text="已责令整改")
    answered = second.engine.sync_once()
    assert answered.pushed == 1, [(c.code, c.reason) for c in second.conflicts()]
    assert first.engine.sync_once().pulled == 1
    assert complaints.get_complaint(first.uow, first.admin, complaint.id).state is (
        ComplaintState.ANSWERED)
    assert sorted(first.event_ids()) == sorted(server.event_ids()) == sorted(second.event_ids())


def test_a_follow_up_of_a_bad_rating_reaches_the_other_window(
    windows: tuple[StationProfile, StationProfile],
) -> None:
    first, second = windows
    case = cases.register_case(first.uow, first.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, materials=received_materials())
    cases.record_evaluation(first.uow, first.clerk, case.id, rating="very_unsatisfied",
                            channel="qr_code", comment="态度差")
    evaluations.record_follow_up(first.uow, first.admin, case.id, method="phone",
                                 complaint_stands=False, result="已解释清楚")
    assert first.engine.sync_once().conflicts == 0
    assert second.engine.sync_once().ok
    item = evaluations.follow_up_list(second.uow, second.admin)[0]
    assert item.followed_up and item.done and item.complaint_stands is False


def test_the_server_refuses_complaint_events_the_rules_forbid(server: LiveServer) -> None:
    import uuid

    import requests

    from tests.test_server_api import raw_station, staff_record

    station = raw_station(server, "XC09")
    admin_id = str(uuid.uuid4())
    answer = requests.post(f"{server.url}/api/v1/reference/push", headers=station.headers(),
                           timeout=10, json={"items": [{
                               "kind": "staff", "key": admin_id,
                               "data": staff_record(admin_id, "desk", ["admin"], "XC09")}]})
    assert answer.json()["answers"][0]["status"] == "accepted"
    complaint_id = str(uuid.uuid4())

    def by(actor_id: str, name: str, event_type: str, payload: dict) -> dict:
        event = station.event(event_type, complaint_id, payload)
        return {**event, "actor_id": actor_id, "actor_name": name}

    registered = {"number": "TS-XC09-2026-0001", "channel": "phone",
                  "complainant": {"name": "孙投诉", "phone": "139"}, "content": "推诿",
                  "window_name": "3号窗口", "answer_working_days": 5,
                  "answer_due": "2099-01-01"}
    events = [
        by(station.clerk_id, "clerk", "complaint_registered", registered),
        {**by(admin_id, "desk", "complaint_registered", registered), "case_id": complaint_id},
        by(admin_id, "desk", "complaint_assigned",
           {"assignee_id": station.chief_id, "assignee_name": "chief"}),
        by(station.chief_id, "chief", "complaint_investigated",
           {"finding": "substantiated", "facts": "属实"}),
        by(admin_id, "desk", "complaint_closed", {"remarks": "不答复"}),
        by(admin_id, "desk", "complaint_answered", {"method": "phone", "text": "已整改"}),
    ]
    answers = station.push(events).json()["answers"]
    assert [(a["status"], a.get("code")) for a in answers] == [
        ("conflict", "permission.role"), ("accepted", None), ("accepted", None),
        ("accepted", None), ("conflict", "complaint.named_needs_answer"), ("accepted", None)]
