"""Every bad request gets a JSON 4xx, stores nothing, and crashes no handler.

Each probe here once got a plain-text 500 from the real server (an adversarial run on
SQLite and PostgreSQL): JSON nested 100,000 levels deep, a payload nested 5,000 levels,
device times whose UTC value falls outside the calendar, station sequences and cursors
past what a 64-bit column holds, an enrollment reusing another station's credential,
over-long names and keys, a nested enrollment body, an attachment size given as text,
and a client that hangs up mid-request. Each runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import gzip
import json
import logging
import secrets
import socket
import time
from typing import Any

import pytest
import requests

from app.domain import limits
from app.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.sync_fixtures import (
    LiveServer,
    server_on_both_databases,  # noqa: F401 (the server fixture)
)
from tests.test_server_api import (
    RawStation,
    assert_refusal,
    raw_station,
    registration,
    staff_record,
)


@pytest.fixture
def station(server: LiveServer) -> RawStation:
    return raw_station(server, "XC01")


def _post(station: RawStation, path: str, text: str) -> requests.Response:
    return requests.post(f"{station.url}{path}", data=gzip.compress(text.encode()),
                         headers=station.headers(**{"Content-Encoding": "gzip",
                                                    "Content-Type": "application/json"}),
                         timeout=30)


def _reference_versions(server: LiveServer) -> int:
    from server.models import ServerState

    with server.session() as session:
        state = session.get(ServerState, 1)
        assert state is not None
        return state.reference_version


def _nested(levels: int) -> str:
    return "[" * levels + "]" * levels


# --- deep JSON --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/events/push", "/api/v1/reference/push"])
def test_json_nested_a_hundred_thousand_levels_is_refused(
    server: LiveServer, station: RawStation, path: str
) -> None:
    before = _reference_versions(server)
    key = "events" if path.endswith("events/push") else "items"
    answer = _post(station, path, f'{{"{key}":{_nested(100_000)}}}')
    body = assert_refusal(answer, 422, "malformed")
    assert "嵌套" in body["message"]
    assert server.event_count() == 0 and _reference_versions(server) == before


# A payload {"note": [[…]]} nests one level more than its note; MAX_JSON_DEPTH is the
# payload's limit, so a note of MAX_JSON_DEPTH levels is one too many.
@pytest.mark.parametrize("levels", [5000, 200, limits.MAX_JSON_DEPTH])
def test_a_payload_value_nested_thousands_of_levels_is_refused(
    server: LiveServer, station: RawStation, levels: int
) -> None:
    good = registration(station)
    deep = registration(station)
    text = json.dumps({"events": [
        {"event": good, "station_sequence": 1},
        {"event": {**deep, "payload": {**deep["payload"], "note": "@@"}}, "station_sequence": 2},
    ]}, ensure_ascii=False).replace('"@@"', _nested(levels))
    body = assert_refusal(_post(station, "/api/v1/events/push", text), 422, "malformed")
    assert "嵌套过深" in body["message"]
    if levels < 1000:  # parsed: the answer names the event
        assert body["details"]["index"] == 1
    assert server.event_count() == 0


def test_a_payload_nested_to_the_limit_is_stored(server: LiveServer, station: RawStation) -> None:
    event = registration(station)
    text = json.dumps({"events": [
        {"event": {**event, "payload": {**event["payload"], "note": "@@"}},
         "station_sequence": 1},
    ]}, ensure_ascii=False).replace('"@@"', _nested(limits.MAX_JSON_DEPTH - 1))
    answer = _post(station, "/api/v1/events/push", text)
    assert answer.status_code == 200, answer.text
    assert [a["status"] for a in answer.json()["answers"]] == ["accepted"]
    assert server.event_count() == 1


# --- numbers and times outside what the columns hold ------------------------------------


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00",
                                    "1900-01-01T00:00:00+00:00"])
def test_a_device_time_outside_the_calendar_is_refused(
    server: LiveServer, station: RawStation, moment: str
) -> None:
    event = {**registration(station), "device_time": moment}
    body = assert_refusal(station.push([registration(station), event]), 422, "malformed")
    assert body["details"]["index"] == 1 and "时间" in body["message"]
    assert server.event_count() == 0


@pytest.mark.parametrize("sequence", [2**63, 2**64 + 5, 10**30])
def test_a_station_sequence_past_64_bits_is_refused(
    server: LiveServer, station: RawStation, sequence: int
) -> None:
    answer = station.push([registration(station)], first_sequence=sequence)
    assert assert_refusal(answer, 422, "malformed")["details"]["index"] == 0
    assert server.event_count() == 0


@pytest.mark.parametrize(("path", "name"), [("/api/v1/events", "after"),
                                            ("/api/v1/reference", "since")])
def test_a_thirty_digit_cursor_is_refused(server: LiveServer, station: RawStation,
                                          path: str, name: str) -> None:
    answer = requests.get(f"{station.url}{path}", params={name: "1" * 30},
                          headers=station.headers(), timeout=10)
    body = assert_refusal(answer, 422, "malformed")
    assert body["message"].startswith("请求格式不正确")


def test_a_protocol_header_of_thousands_of_digits_is_refused(server: LiveServer,
                                                             station: RawStation) -> None:
    answer = requests.get(f"{station.url}/api/v1/station",
                          headers=station.headers(**{PROTOCOL_HEADER: "9" * 5000}), timeout=10)
    assert_refusal(answer, 400, "server_too_old")


# --- enrollment --------------------------------------------------------------------------


def test_an_enrollment_reusing_another_stations_credential_is_refused(
    server: LiveServer, station: RawStation
) -> None:
    code = server.create_station("站点XC02", "XC02")
    answer = requests.post(
        f"{server.url}/api/v1/enroll",
        json={"code": code, "station_code": "XC02", "credential": station.credential},
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=10,
    )
    assert_refusal(answer, 409, "credential_reused")
    # The first station still works and the second is still waiting for its enrollment.
    assert requests.get(f"{server.url}/api/v1/station", headers=station.headers(),
                        timeout=10).json()["station_code"] == "XC01"
    fresh = secrets.token_urlsafe(32)
    again = requests.post(f"{server.url}/api/v1/enroll",
                          json={"code": code, "station_code": "XC02", "credential": fresh},
                          headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=10)
    assert again.status_code == 200, again.text


@pytest.mark.parametrize("body", [
    {"code": {"a": {"b": [1, 2]}}, "station_code": "XC02", "credential": "x" * 40},
    {"code": "ABCD", "station_code": ["XC02"], "credential": {"nested": True}},
])
def test_a_nested_enrollment_body_is_refused_in_chinese(server: LiveServer,
                                                        body: dict[str, Any]) -> None:
    answer = requests.post(f"{server.url}/api/v1/enroll", json=body,
                           headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=10)
    refusal = assert_refusal(answer, 422, "malformed")
    assert refusal["message"] == "请求格式不正确。"


def test_a_deeply_nested_enrollment_body_is_refused_in_chinese(server: LiveServer) -> None:
    answer = requests.post(f"{server.url}/api/v1/enroll", data=_nested(100_000),
                           headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                                    "Content-Type": "application/json"}, timeout=10)
    refusal = assert_refusal(answer, 422, "malformed")
    assert all(ord(c) > 127 or not c.isalpha() for c in refusal["message"])


# --- over-long names and keys --------------------------------------------------------------


def test_an_over_long_actor_name_is_refused_alone(server: LiveServer,
                                                  station: RawStation) -> None:
    good = registration(station)
    long_name = {**registration(station), "actor_name": "李" * 51}
    after = registration(station)
    answer = station.push([good, long_name, after])
    assert answer.status_code == 200, answer.text
    statuses = [(a["status"], a.get("code")) for a in answer.json()["answers"]]
    assert statuses == [("accepted", None), ("conflict", "too_long"), ("accepted", None)]
    assert "50" in answer.json()["answers"][1]["reason"]
    assert set(server.event_ids()) == {good["id"], after["id"]}
    # Sent again, the same answer; the other station's feed carries the notice.
    again = station.push([long_name], first_sequence=2).json()["answers"][0]
    assert (again["status"], again["code"]) == ("conflict", "too_long")


def test_an_over_long_display_name_in_a_staff_record_is_refused_alone(
    server: LiveServer, station: RawStation
) -> None:
    import uuid

    ok_id, long_id = str(uuid.uuid4()), str(uuid.uuid4())
    items = [
        {"kind": "staff", "key": ok_id, "data": staff_record(ok_id, "ok", ["clerk"], "XC01")},
        {"kind": "staff", "key": long_id,
         "data": {**staff_record(long_id, "long", ["clerk"], "XC01"),
                  "display_name": "王" * 51}},
    ]
    answer = requests.post(f"{server.url}/api/v1/reference/push", json={"items": items},
                           headers=station.headers(), timeout=10)
    assert answer.status_code == 200, answer.text
    answers = answer.json()["answers"]
    assert [a["status"] for a in answers] == ["accepted", "refused"]
    assert answers[1]["code"] == "too_long" and "50" in answers[1]["reason"]


@pytest.mark.parametrize("key_length", [81, 5000])
def test_an_over_long_reference_key_is_refused(server: LiveServer, station: RawStation,
                                               key_length: int) -> None:
    before = _reference_versions(server)
    key = "k" * key_length
    items = [{"kind": "staff", "key": key, "data": staff_record(key, "x", ["clerk"], "XC01")}]
    answer = requests.post(f"{server.url}/api/v1/reference/push", json={"items": items},
                           headers=station.headers(), timeout=10)
    assert assert_refusal(answer, 422, "malformed")["details"]["index"] == 0
    assert _reference_versions(server) == before


# --- attachments ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["1024", 10.5, True, -1, 2**63])
def test_an_attachment_size_that_is_not_a_whole_number_of_bytes_is_refused(
    server: LiveServer, station: RawStation, size: Any
) -> None:
    from server.models import Attachment

    answer = requests.post(f"{server.url}/api/v1/attachments",
                           json={"sha256": "ab" * 32, "size": size},
                           headers=station.headers(), timeout=10)
    assert answer.status_code in (413, 422), answer.text
    assert answer.json()["code"] in ("malformed", "too_large")
    with server.session() as session:
        assert session.get(Attachment, "ab" * 32) is None


# --- a client that hangs up ----------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_client_that_disconnects_mid_request_is_one_log_line(
    server: LiveServer, station: RawStation
) -> None:
    records = _Records()
    loggers = [logging.getLogger(n) for n in ("uvicorn.error", "uvicorn", "server", "")]
    for logger in loggers:
        logger.addHandler(records)
    try:
        with socket.create_connection(("127.0.0.1", server.port)) as connection:
            connection.sendall(
                b"POST /api/v1/events/push HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + f"{PROTOCOL_HEADER}: {PROTOCOL_VERSION}\r\n".encode()
                + f"Authorization: Bearer {station.credential}\r\n".encode()
                + b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                + b'{"events": [' + b" " * 1000)
            time.sleep(0.3)
        deadline = time.monotonic() + 5
        while not records.records and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    finally:
        for logger in loggers:
            logger.removeHandler(records)
    seen = {id(r): r for r in records.records}.values()
    assert [r.getMessage() for r in seen if r.exc_info] == []
    disconnects = [r for r in seen if "断开" in r.getMessage()]
    assert len(disconnects) == 1, [r.getMessage() for r in seen]
    # The server goes on answering.
    assert requests.get(f"{server.url}/api/v1/health", timeout=10).status_code == 200
