"""One push mixing every kind of answer gets the answers and stored rows it always did.

The server numbers a batch's events in Python and writes its rows in bulk; these tests
pin down what a push answers and stores when accepted, duplicate, reused, refused,
not-in-scope, retried and forwarded (backfilled) events share one request, on SQLite
and on PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests
from fastapi.responses import JSONResponse
from sqlalchemy import Text, cast, select
from sqlalchemy import text as sql_text

from app.domain.audit import canonical_json
from app.domain.events import Event
from app.sync.protocol import (
    AnswerStatus,
    EventAnswer,
    PullPage,
    PushAnswer,
)
from server import events
from server.hashing import content_hash, event_content_hash
from server.models import CaseScope, Delivery, EventRow, Rejection, ServerState, Station
from tests.sync_fixtures import (
    LiveServer,
    server_on_both_databases,  # noqa: F401 (the server fixture)
)
from tests.test_server_api import RawStation, raw_station, registration, revoked_seal


def stored(server: LiveServer, names: dict[str, str]) -> dict[str, Any]:
    """Every row a push writes, with event ids replaced by the test's names for them."""
    def name(event_id: str) -> str:
        return names.get(event_id, event_id)

    with server.session() as session:
        events = session.execute(
            select(EventRow.server_sequence, EventRow.id, EventRow.station_sequence,
                   EventRow.flag_code).order_by(EventRow.server_sequence)).all()
        by_sequence = {sequence: name(event_id) for sequence, event_id, _, _ in events}
        rejections = session.execute(
            select(Rejection.id, Rejection.event_id, Rejection.code,
                   Rejection.station_sequence).order_by(Rejection.id)).all()
        by_rejection = {rid: name(event_id) for rid, event_id, _, _ in rejections}
        deliveries = [
            (station, by_sequence[sequence] if sequence is not None
             else "refused " + by_rejection[rejection_id])
            for station, sequence, rejection_id in session.execute(
                select(Delivery.station, Delivery.event_sequence, Delivery.rejection_id)
                .order_by(Delivery.id))
        ]
        scopes = sorted(
            (name(case_id), station, since) for case_id, station, since in session.execute(
                select(CaseScope.case_id, CaseScope.station, CaseScope.since_sequence)))
        state = session.get(ServerState, 1)
        assert state is not None
        stations = {code: top for code, top in session.execute(
            select(Station.code, Station.max_station_sequence))}
        return {
            "events": [(sequence, name(event_id), station_sequence, flag)
                       for sequence, event_id, station_sequence, flag in events],
            "rejections": [(name(event_id), code, station_sequence)
                           for _, event_id, code, station_sequence in rejections],
            "deliveries": deliveries,
            "scopes": scopes,
            "event_sequence": state.event_sequence,
            "max_station_sequence": stations,
        }


def feed(station: RawStation, names: dict[str, str]) -> list[str]:
    answer = requests.get(f"{station.url}/api/v1/events", params={"after": 0},
                          headers=station.headers(), timeout=10)
    assert answer.status_code == 200, answer.text
    items = []
    for item in answer.json()["items"]:
        if item["kind"] == "event":
            items.append(f"{item['server_sequence']} {names[item['event']['id']]}")
        else:
            items.append(f"refused {names[item['conflict']['event_id']]}")
    return items


def test_one_push_mixing_every_answer_answers_and_stores_as_event_by_event(
    server: LiveServer,
) -> None:
    xc = raw_station(server, "XC01")
    xz = raw_station(server, "XZZX")
    centre = raw_station(server, "ZX01", all_cases=True)
    seal_id = revoked_seal(server, xc)
    names: dict[str, str] = {}

    def named(label: str, event: dict[str, Any]) -> dict[str, Any]:
        names[event["id"]] = label
        names.setdefault(event["case_id"], label.split()[0])
        return event

    case_a, case_b, case_c, case_d = (str(uuid.uuid4()) for _ in range(4))
    a_registered = named("A registered", registration(xc, case_a))
    a_accepted = named("A accepted", xc.event("accepted", case_a, {"accepted_on": "2026-11-23"}))
    b_registered = named("B registered", registration(xc, case_b))
    b_too_early = named("B approved early",
                        xc.event("approved", case_b, {"opinion": "同意"}, actor="chief"))
    first = xc.push([a_registered, a_accepted, b_registered, b_too_early]).json()["answers"]
    assert [a["status"] for a in first] == ["accepted", "accepted", "accepted", "conflict"]
    e_registered = named("E registered", registration(xz))
    assert xz.push([e_registered]).json()["answers"][0]["server_sequence"] == 4

    reused = dict(a_accepted, payload={"accepted_on": "2026-11-24"})
    batch = [
        a_registered,  # 5: duplicate
        reused,  # 6: same id, other content
        b_too_early,  # 7: refused before, refused again the same way
        named("C registered", registration(xc, case_c)),  # 8
        named("C accepted", xc.event("accepted", case_c, {"accepted_on": "2026-11-23"})),
        named("C forwarded", xc.event("forwarded", case_c, {
            "authority": "县市场监督管理局", "to_station": "XZZX", "reason": "需县局审批"})),
        named("C fee", xc.event("fee_recorded", case_c, {
            "items": [{"name": "工本费", "amount_fen": 1000}]})),
        named("B approved again",
              xc.event("approved", case_b, {"opinion": "同意"}, actor="chief")),
        named("D accepted", xc.event("accepted", case_d, {"accepted_on": "2026-11-23"})),
        named("D reviewed", xc.event("reviewed", case_d, {"conforms": True, "opinion": "符合"})),
        named("B accepted", xc.event("accepted", case_b, {"accepted_on": "2026-11-23"})),
        named("E accepted here",
              xc.event("accepted", e_registered["case_id"], {"accepted_on": "2026-11-23"})),
        named("B forwarded", xc.event("forwarded", case_b, {
            "authority": "县市场监督管理局", "to_station": "XZZX"})),
        named("C paid", xc.event("fee_paid", case_c, {
            "amount_fen": 1000, "receipt_number": "P-1"})),
        named("A reviewed", xc.event("reviewed", case_a, {"conforms": True, "opinion": "符合"})),
        named("A approved", xc.event("approved", case_a, {"opinion": "同意"}, actor="chief")),
        named("A sealed", xc.event("sealed", case_a, {
            "document_kind": "approval_decision", "document_number": "县市监〔2026〕1号",
            "seal_id": seal_id, "seal_use_id": str(uuid.uuid4()), "pdf_sha256": "a" * 64,
        }, actor="chief")),
    ]
    answer = xc.push(batch, first_sequence=5)
    assert answer.status_code == 200, answer.text
    answers = [(a["status"], a.get("server_sequence"), a.get("code"),
                [w["code"] for w in a.get("warnings") or []])
               for a in answer.json()["answers"]]
    assert answers == [
        ("duplicate", 1, None, []),
        ("conflict", None, "event_id_reused", []),
        ("conflict", None, "illegal_transition", []),
        ("accepted", 5, None, []),
        ("accepted", 6, None, []),
        ("accepted", 7, None, []),
        ("accepted", 8, None, []),
        ("conflict", None, "illegal_transition", []),
        ("retry", None, "unknown_case", []),
        ("retry", None, "case_pending", []),
        ("accepted", 9, None, []),
        ("conflict", None, "not_in_scope", []),
        ("accepted", 10, None, []),
        ("accepted", 11, None, []),
        ("accepted", 12, None, []),
        ("accepted", 13, None, []),
        ("accepted", 14, None, ["flag.seal_revoked"]),
    ]
    assert answer.json()["max_station_sequence"] == 21

    rows = stored(server, names)
    assert rows["events"] == [
        (1, "A registered", 1, ""), (2, "A accepted", 2, ""), (3, "B registered", 3, ""),
        (4, "E registered", 1, ""), (5, "C registered", 8, ""), (6, "C accepted", 9, ""),
        (7, "C forwarded", 10, ""), (8, "C fee", 11, ""), (9, "B accepted", 15, ""),
        (10, "B forwarded", 17, ""), (11, "C paid", 18, ""), (12, "A reviewed", 19, ""),
        (13, "A approved", 20, ""), (14, "A sealed", 21, "flag.seal_revoked"),
    ]
    assert rows["rejections"] == [
        ("B approved early", "illegal_transition", 4),
        ("B approved again", "illegal_transition", 12),
        ("E accepted here", "not_in_scope", 16),
    ]
    assert rows["deliveries"] == [
        ("ZX01", "A registered"), ("ZX01", "A accepted"), ("ZX01", "B registered"),
        ("ZX01", "refused B approved early"), ("ZX01", "E registered"),
        ("ZX01", "C registered"), ("ZX01", "C accepted"), ("ZX01", "C forwarded"),
        ("XZZX", "C registered"), ("XZZX", "C accepted"), ("XZZX", "C forwarded"),
        ("XZZX", "C fee"), ("ZX01", "C fee"), ("ZX01", "refused B approved again"),
        ("ZX01", "B accepted"), ("XZZX", "refused E accepted here"),
        ("ZX01", "refused E accepted here"), ("ZX01", "B forwarded"),
        ("XZZX", "B registered"), ("XZZX", "B accepted"), ("XZZX", "B forwarded"),
        # A case forwarded late brings the refusals made on it before, too.
        ("XZZX", "refused B approved early"), ("XZZX", "refused B approved again"),
        ("XZZX", "C paid"), ("ZX01", "C paid"), ("ZX01", "A reviewed"),
        ("ZX01", "A approved"), ("ZX01", "A sealed"),
    ]
    assert rows["scopes"] == sorted([
        ("A", "XC01", 1), ("B", "XC01", 3), ("E", "XZZX", 4), ("C", "XC01", 5),
        ("C", "XZZX", 7), ("B", "XZZX", 10),
    ])
    assert rows["event_sequence"] == 14
    assert rows["max_station_sequence"] == {"XC01": 21, "XZZX": 1, "ZX01": 0}
    assert feed(xz, names) == [
        "5 C registered", "6 C accepted", "7 C forwarded", "8 C fee",
        "refused E accepted here", "3 B registered", "9 B accepted", "10 B forwarded",
        "refused B approved early", "refused B approved again", "11 C paid",
    ]
    assert feed(centre, names)[-12:] == [
        "5 C registered", "6 C accepted", "7 C forwarded", "8 C fee",
        "refused B approved again", "9 B accepted", "refused E accepted here",
        "10 B forwarded", "11 C paid", "12 A reviewed", "13 A approved", "14 A sealed",
    ]

    # The same batch again: every answer now comes from what is stored, nothing is added.
    again = xc.push(batch, first_sequence=5).json()["answers"]
    assert [(a["status"], a.get("server_sequence"), a.get("code")) for a in again] == [
        ("duplicate", 1, None), ("conflict", None, "event_id_reused"),
        ("conflict", None, "illegal_transition"), ("duplicate", 5, None),
        ("duplicate", 6, None), ("duplicate", 7, None), ("duplicate", 8, None),
        ("conflict", None, "illegal_transition"), ("retry", None, "unknown_case"),
        ("retry", None, "case_pending"), ("duplicate", 9, None),
        ("conflict", None, "not_in_scope"), ("duplicate", 10, None),
        ("duplicate", 11, None), ("duplicate", 12, None), ("duplicate", 13, None),
        ("duplicate", 14, None),
    ]
    assert stored(server, names) == rows


def test_a_rewound_station_stores_nothing_of_a_batch_with_good_events(
    server: LiveServer,
) -> None:
    xc = raw_station(server, "XC01")
    raw_station(server, "ZX01", all_cases=True)
    first = registration(xc)
    assert xc.push([first]).json()["answers"][0]["status"] == "accepted"
    before = stored(server, {})
    # A new event under station sequence 1, which the server holds for another event.
    good = registration(xc)
    answer = xc.push([registration(xc), good], first_sequence=1)
    assert answer.status_code == 409, answer.text
    assert answer.json()["code"] == "station_rewound"
    assert stored(server, {}) == before


def test_push_answer_dict_is_the_protocols_to_dict() -> None:
    answer = PushAnswer("epoch-1", [
        EventAnswer("a", AnswerStatus.ACCEPTED, 7),
        EventAnswer("b", AnswerStatus.ACCEPTED, 8, warnings=[
            {"code": "flag.seal_revoked", "reason": "印章已注销"}]),
        EventAnswer("c", AnswerStatus.DUPLICATE, 3),
        EventAnswer("d", AnswerStatus.CONFLICT, code="illegal_transition", reason="不能审批"),
        EventAnswer("e", AnswerStatus.RETRY, code="unknown_case", reason="稍后重试"),
    ], 21)
    fast = events.push_answer_dict(answer)
    # Same keys in the same order: the encoded answer is byte for byte what it was.
    assert events.encode_answer(fast) == JSONResponse(answer.to_dict()).body


def test_a_pulled_page_is_the_protocols_wire_form_of_its_items(server: LiveServer) -> None:
    xc = raw_station(server, "XC01")
    centre = raw_station(server, "ZX01", all_cases=True)
    case_id = str(uuid.uuid4())
    pushed = [registration(xc, case_id),
              xc.event("approved", case_id, {"opinion": "同意"}, actor="chief"),
              xc.event("accepted", case_id, {"accepted_on": "2026-11-23"})]
    answers = xc.push(pushed).json()["answers"]
    assert [a["status"] for a in answers] == ["accepted", "conflict", "accepted"]
    answer = requests.get(f"{centre.url}/api/v1/events", params={"after": 0},
                          headers=centre.headers(), timeout=10)
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert [i["kind"] for i in page["items"]] == ["event", "conflict", "event"]
    as_sent = [json.loads(json.dumps(e)) for e in (pushed[0], pushed[2])]
    assert [i["event"] for i in page["items"] if i["kind"] == "event"] == [
        Event.from_dict(e).to_dict() for e in as_sent]
    # The answer's text is what the protocol's own classes make of it, key order included.
    assert answer.content == events.encode_answer(PullPage.from_dict(page).to_dict())


def test_a_pushed_payload_is_stored_as_its_canonical_json(server: LiveServer) -> None:
    xc = raw_station(server, "XC01")
    pushed = registration(xc)
    assert xc.push([pushed]).json()["answers"][0]["status"] == "accepted"
    with server.session() as session:
        text = session.scalar(select(cast(EventRow.payload, Text)))
    # The text a pull answer embeds as it is.
    assert text == canonical_json(pushed["payload"])


def test_a_payload_stored_by_an_older_server_is_pulled_as_the_same_event(
    server: LiveServer,
) -> None:
    xc = raw_station(server, "XC01")
    centre = raw_station(server, "ZX01", all_cases=True)
    pushed = registration(xc)
    assert xc.push([pushed]).json()["answers"][0]["status"] == "accepted"
    # Earlier servers stored json.dumps' text: spaces, and Chinese as \\u escapes.
    older_text = json.dumps(pushed["payload"])
    assert older_text != canonical_json(pushed["payload"])
    with server.session() as session:
        as_json = "CAST(:text AS json)" if server.engine.dialect.name == "postgresql" else ":text"
        session.execute(sql_text(f"UPDATE events SET payload = {as_json}"), {"text": older_text})
        session.commit()
        assert session.scalar(select(cast(EventRow.payload, Text))) == older_text
    answer = requests.get(f"{centre.url}/api/v1/events", params={"after": 0},
                          headers=centre.headers(), timeout=10)
    assert answer.status_code == 200, answer.text
    (item,) = PullPage.from_dict(answer.json()).items
    assert item.event == Event.from_dict(json.loads(json.dumps(pushed))).to_dict()


def test_an_events_content_hash_is_the_hash_of_its_wire_form() -> None:
    # Hashes stored by earlier servers were taken of canonical_json(event.to_dict()).
    station = RawStation("http://unused", "XC01", "credential", "clerk-1", "chief-1")
    case_id = str(uuid.uuid4())
    for raw in (
        registration(station, case_id),
        station.event("accepted", case_id, {"accepted_on": "2026-11-23"}),
        station.event("fee_recorded", case_id, {
            "items": [{"name": "工本费\u2028\"引号\"", "amount_fen": 1000, "rate": 0.5}]}),
        dict(station.event("reviewed", case_id, {"conforms": True, "opinion": "符合"}),
             actor_name="张三\\", device_time="2026-11-23T09:30:00.123456+08:00"),
    ):
        event = Event.from_dict(json.loads(json.dumps(raw)))
        assert event_content_hash(event) == content_hash(event.to_dict())
