"""The central server's HTTP API and CLI, driven over a real socket on 127.0.0.1.

Every refusal is a 4xx with a JSON reason, and a refused request stores nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.domain.errors import ValidationError
from app.domain.seal import SealRecord, SealStatus
from app.services import accounts, cases
from app.store.models import Seal as SealRow
from app.sync.client import ServerUnreachable, SyncClient
from app.sync.engine import SyncEngine
from app.sync.protocol import (
    EPOCH_HEADER,
    HEALTH_PATH,
    MAX_REQUEST_BYTES,
    OUTBOX_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
)
from server import reference, stations
from server.cli import main as server_main
from server.database import ServerConfig, make_engine, upgrade
from server.errors import ApiError
from server.models import Attachment, Base, Station, sealed_lookup_indexes
from tests.sync_fixtures import (
    APPLICANT,
    PASSWORD,
    FaultProxy,
    FlakyUpload,
    LiveServer,
    business_matter,
    free_port,
    make_station,
    postgres_database,
    received_materials,
    server_config_on,
    session_with,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    yield live
    live.dispose()


@dataclass
class RawStation:
    """A station driven by hand: its credential and two staff members on the server."""

    url: str
    code: str
    credential: str
    clerk_id: str
    chief_id: str

    def headers(self, **extra: str) -> dict[str, str]:
        return {PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                "Authorization": f"Bearer {self.credential}", **extra}

    def push(self, events: list[dict[str, Any]], *, first_sequence: int = 1,
             raw: bytes | None = None, **headers: str) -> requests.Response:
        body = {"events": [{"event": e, "station_sequence": first_sequence + i}
                           for i, e in enumerate(events)]}
        data = raw if raw is not None else gzip.compress(json.dumps(body).encode())
        extra = {"Content-Encoding": "gzip", "Content-Type": "application/json", **headers}
        return requests.post(f"{self.url}/api/v1/events/push", data=data,
                             headers=self.headers(**extra), timeout=10)

    def event(self, event_type: str, case_id: str, payload: dict[str, Any], *,
              actor: str = "clerk", station: str | None = None) -> dict[str, Any]:
        actor_id = self.clerk_id if actor == "clerk" else self.chief_id
        return {"id": str(uuid.uuid4()), "case_id": case_id, "type": event_type,
                "actor_id": actor_id, "actor_name": actor, "station": station or self.code,
                "device_time": datetime.now(UTC).isoformat(), "payload": payload}


def staff_record(user_id: str, username: str, roles: list[str], station: str) -> dict[str, Any]:
    return {"id": user_id, "username": username, "display_name": username, "roles": roles,
            "department_code": "SCJ", "window_name": "", "station": station,
            "active": True, "delegations": []}


def raw_station(server: LiveServer, code: str, *, all_cases: bool = False) -> RawStation:
    enrollment = server.create_station(f"站点{code}", code, all_cases=all_cases)
    credential = secrets.token_urlsafe(32)
    answer = requests.post(
        f"{server.url}/api/v1/enroll",
        json={"code": enrollment, "station_code": code, "credential": credential},
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=10,
    )
    assert answer.status_code == 200, answer.text
    station = RawStation(server.url, code, credential, str(uuid.uuid4()), str(uuid.uuid4()))
    items = [
        {"kind": "staff", "key": station.clerk_id,
         "data": staff_record(station.clerk_id, "clerk", ["clerk"], code)},
        {"kind": "staff", "key": station.chief_id,
         "data": staff_record(station.chief_id, "chief", ["chief"], code)},
    ]
    answer = requests.post(f"{server.url}/api/v1/reference/push", json={"items": items},
                           headers=station.headers(), timeout=10)
    assert [a["status"] for a in answer.json()["answers"]] == ["accepted", "accepted"]
    return station


@pytest.fixture
def station(server: LiveServer) -> RawStation:
    return raw_station(server, "XC01")


def registration(station: RawStation, case_id: str | None = None) -> dict[str, Any]:
    return station.event("registered", case_id or str(uuid.uuid4()), {
        "number": f"{station.code}-20261123-0001", "matter": business_matter().to_dict(),
        "applicant": APPLICANT, "materials": received_materials(),
    })


def assert_refusal(answer: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert body["code"] == code and body["message"] and body["epoch"]
    return body


# --- the basics ------------------------------------------------------------------------


def test_health_gives_epoch_and_protocol_without_credentials(server: LiveServer) -> None:
    answer = requests.get(f"{server.url}/api/v1/health", timeout=10)
    body = answer.json()
    assert answer.status_code == 200 and body["status"] == "ok"
    assert body["protocol_version"] == PROTOCOL_VERSION
    assert body["epoch"] and answer.headers[EPOCH_HEADER] == body["epoch"]


def test_openapi_description_is_served(server: LiveServer) -> None:
    spec = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    assert {"/api/v1/events/push", "/api/v1/events", "/api/v1/enroll",
            "/api/v1/reference", "/api/v1/attachments/{sha256}"} <= set(spec["paths"])
    assert requests.get(f"{server.url}/docs", timeout=10).status_code == 200


def test_client_without_protocol_version_is_told_to_upgrade(
    server: LiveServer, station: RawStation
) -> None:
    answer = requests.get(f"{server.url}/api/v1/events",
                          headers={"Authorization": f"Bearer {station.credential}"}, timeout=10)
    body = assert_refusal(answer, 426, "upgrade_required")
    assert "请升级" in body["message"]
    assert answer.headers[EPOCH_HEADER] == body["epoch"]
    old = requests.get(f"{server.url}/api/v1/events",
                       headers=station.headers(**{PROTOCOL_HEADER: "0"}), timeout=10)
    assert_refusal(old, 426, "upgrade_required")


def test_client_newer_than_the_server_is_told_so(server: LiveServer,
                                                 station: RawStation) -> None:
    answer = requests.get(f"{server.url}/api/v1/events",
                          headers=station.headers(**{PROTOCOL_HEADER: "99"}), timeout=10)
    assert "升级服务器" in assert_refusal(answer, 400, "server_too_old")["message"]


def test_missing_or_wrong_credential_is_refused(server: LiveServer,
                                                station: RawStation) -> None:
    version = {PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    assert_refusal(requests.get(f"{server.url}/api/v1/events", headers=version, timeout=10),
                   401, "unauthenticated")
    wrong = requests.post(f"{server.url}/api/v1/events/push", json={"events": []},
                          headers={**version, "Authorization": "Bearer nope"}, timeout=10)
    assert_refusal(wrong, 401, "unauthenticated")


def test_the_station_request_answers_what_authenticate_and_station_info_read(
        server: LiveServer, station: RawStation) -> None:
    # One statement answers the station request; it must say what the two did.
    assert station.push([registration(station)]).status_code == 200
    raw_station(server, "XZZX", all_cases=True)
    answer = requests.get(f"{server.url}/api/v1/station", headers=station.headers(), timeout=10)
    engine = make_engine(server.config.database_url)
    try:
        with Session(engine) as session:
            found = stations.authenticate(session, f"Bearer {station.credential}")
            expected = stations.station_info(session, found)
            row, info = stations.authenticate_with_info(session, f"Bearer {station.credential}")
            assert (row.id, row.code, info) == (found.id, found.code, expected)
            assert answer.json() == expected.to_dict()
            for wrong in (None, "Bearer nope", "Basic x"):
                with pytest.raises(ApiError) as refused:
                    stations.authenticate_with_info(session, wrong)
                assert (refused.value.status, refused.value.code) == (401, "unauthenticated")
    finally:
        engine.dispose()
    assert server_main(["revoke-station", "XC01", "--data-dir",
                        str(server.config.data_dir)]) == 0
    revoked = requests.get(f"{server.url}/api/v1/station", headers=station.headers(), timeout=10)
    assert_refusal(revoked, 401, "station_revoked")


@pytest.mark.postgres
def test_the_station_request_answers_after_postgresql_dropped_every_connection(
        tmp_path: Path) -> None:
    # The station request reads without the pool's ping: a connection the database
    # has closed (a restart, an idle timeout) must cost a retry, not a failed round.
    with server_config_on("postgresql", tmp_path) as config:
        live = LiveServer(config).start()
        try:
            station = raw_station(live, "XC01")
            url = f"{live.url}/api/v1/station"
            for _ in range(3):  # every pooled connection used once
                assert requests.get(url, headers=station.headers(), timeout=10).ok
            with live.session() as session:
                dropped = session.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )).scalar_one()
            assert dropped >= 1
            for outbox in ("7", "8"):
                answer = requests.get(url, headers=station.headers(
                    **{OUTBOX_HEADER: outbox}), timeout=10)
                assert answer.status_code == 200, answer.text
                assert answer.json()["station_code"] == "XC01"
            with live.session() as session:
                row = session.scalars(select(Station).where(Station.code == "XC01")).one()
                assert row.reported_outbox == 8  # the console's report still kept
        finally:
            live.dispose()


def test_revoked_station_cannot_push(server: LiveServer, station: RawStation) -> None:
    assert server_main(["revoke-station", "XC01", "--data-dir",
                        str(server.config.data_dir)]) == 0
    answer = station.push([registration(station)])
    assert "注销" in assert_refusal(answer, 401, "station_revoked")["message"]
    assert server.event_count() == 0


# --- what a push may contain -------------------------------------------------------------


def test_malformed_event_refuses_the_whole_batch(server: LiveServer,
                                                 station: RawStation) -> None:
    good = registration(station)
    bad = {**registration(station), "device_time": "yesterday"}
    body = assert_refusal(station.push([good, bad]), 422, "malformed")
    assert body["details"]["index"] == 1
    assert server.event_count() == 0


@pytest.mark.parametrize("raw", [b"not json at all", gzip.compress(b"{broken", mtime=0),
                                 b"\x1f\x8b\x08garbage"])
def test_unreadable_body_is_refused(server: LiveServer, station: RawStation,
                                    raw: bytes) -> None:
    assert_refusal(station.push([], raw=raw), 422, "malformed")
    assert server.event_count() == 0


def test_oversized_push_is_refused_with_413(server: LiveServer, station: RawStation) -> None:
    big = os.urandom(MAX_REQUEST_BYTES + 1024)
    assert_refusal(station.push([], raw=big), 413, "too_large")
    # A small body that inflates past the limit is refused too.
    bomb = gzip.compress(b"[" + b" " * (40 * 1024 * 1024) + b"]")
    assert len(bomb) < MAX_REQUEST_BYTES
    assert_refusal(station.push([], raw=bomb), 413, "too_large")
    assert server.event_count() == 0


def test_events_by_people_who_are_not_staff_of_the_station_are_refused(
    server: LiveServer, station: RawStation
) -> None:
    other = raw_station(server, "XC02")
    stranger = registration(station)
    stranger["actor_id"] = other.clerk_id  # staff of another station
    follows = station.event("accepted", stranger["case_id"], {})
    good = registration(station)
    answer = station.push([stranger, follows, good])
    assert answer.status_code == 200, answer.text
    answers = answer.json()["answers"]
    # Only that case waits (its actor's record may have been refused or not sent yet);
    # the others go on.
    assert [(a["status"], a.get("code")) for a in answers] == [
        ("retry", "unknown_actor"), ("retry", "case_pending"), ("accepted", None)]
    assert "人员" in answers[0]["reason"]
    assert server.event_ids() == [good["id"]]


def test_events_claiming_another_station_are_refused(server: LiveServer,
                                                     station: RawStation) -> None:
    forged = registration(station)
    forged["station"] = "XC02"
    assert_refusal(station.push([forged]), 403, "wrong_station")
    assert server.event_count() == 0


def test_each_event_is_checked_against_the_servers_projection(
    server: LiveServer, station: RawStation
) -> None:
    registered = registration(station)
    case_id = registered["case_id"]
    too_early = station.event("approved", case_id, {"opinion": "同意"}, actor="chief")
    not_a_chief = station.event("accepted", case_id, {"accepted_on": "2026-11-23"},
                                actor="clerk")
    elsewhere = station.event("accepted", str(uuid.uuid4()), {"accepted_on": "2026-11-23"})
    answer = station.push([registered, too_early, not_a_chief, elsewhere])
    assert answer.status_code == 200
    answers = answer.json()["answers"]
    assert [a["status"] for a in answers] == ["accepted", "conflict", "accepted", "retry"]
    assert answers[0]["server_sequence"] == 1 and answers[2]["server_sequence"] == 2
    assert answers[1]["code"] == "illegal_transition" and "不能" in answers[1]["reason"]
    assert answers[3]["code"] == "unknown_case"
    # The same batch again: duplicates, the same conflict, still retry.
    again = station.push([registered, too_early, not_a_chief, elsewhere]).json()["answers"]
    assert [a["status"] for a in again] == ["duplicate", "conflict", "duplicate", "retry"]
    assert again[1]["code"] == "illegal_transition"
    assert server.event_count() == 2


def test_role_check_uses_the_staff_the_station_sent(server: LiveServer,
                                                    station: RawStation) -> None:
    registered = registration(station)
    case_id = registered["case_id"]
    events = [
        registered,
        station.event("accepted", case_id, {"accepted_on": "2026-11-23"}),
        station.event("reviewed", case_id, {"conforms": True, "opinion": "符合"}),
        station.event("approved", case_id, {"opinion": "同意"}, actor="clerk"),
    ]
    answers = station.push(events).json()["answers"]
    assert answers[-1]["status"] == "conflict"
    assert answers[-1]["code"] == "permission.role"


def revoked_seal(server: LiveServer, station: RawStation) -> str:
    """A seal of the station's chief, registered and then revoked centrally; its id."""
    seal = SealRecord(
        id=str(uuid.uuid4()), authority_name="某县市场监督管理局", department_code="SCJ",
        department_name="县市场监督管理局", serial="SCJ-001", custodian_id=station.chief_id,
        custodian_name="chief", valid_from=date(2026, 1, 1), valid_to=None,
        status=SealStatus.IN_USE, replaced_by=None, made_on=date(2026, 1, 1),
        made_by="刻章厂", image_sha256=None,
    )
    with server.session() as session:
        reference.save_seal(session, seal)
        session.commit()
    database = ["--db", server.config.db_url] if server.config.db_url else []
    assert server_main(["revoke-seal", "SCJ-001", "--data-dir",
                        str(server.config.data_dir), *database]) == 0
    return seal.id


def test_seal_used_before_its_central_revocation_reached_the_station_is_flagged(
    server: LiveServer, station: RawStation
) -> None:
    seal_id = revoked_seal(server, station)
    registered = registration(station)
    case_id = registered["case_id"]
    events = [
        registered,
        station.event("accepted", case_id, {"accepted_on": "2026-11-23"}),
        station.event("reviewed", case_id, {"conforms": True, "opinion": "符合"}),
        station.event("approved", case_id, {"opinion": "同意"}, actor="chief"),
        station.event("sealed", case_id, {
            "document_kind": "approval_decision", "document_number": "县市监〔2026〕1号",
            "seal_id": seal_id, "seal_use_id": str(uuid.uuid4()), "pdf_sha256": "a" * 64,
        }, actor="chief"),
    ]
    answers = station.push(events).json()["answers"]
    assert [a["status"] for a in answers] == ["accepted"] * 5
    assert answers[-1]["warnings"][0]["code"] == "flag.seal_revoked"
    assert "已注销" in answers[-1]["warnings"][0]["reason"]


def test_reference_records_of_other_stations_staff_are_refused(
    server: LiveServer, station: RawStation
) -> None:
    intruder = staff_record(str(uuid.uuid4()), "spy", ["chief"], "XC02")
    matter = business_matter().to_dict()
    answer = requests.post(
        f"{server.url}/api/v1/reference/push",
        json={"items": [{"kind": "staff", "key": intruder["id"], "data": intruder},
                        {"kind": "matter", "key": matter["code"], "data": matter}]},
        headers=station.headers(), timeout=10,
    ).json()["answers"]
    assert [(a["status"], a["code"]) for a in answer] == [
        ("refused", "wrong_station"), ("refused", "not_publisher")]


# --- attachments -----------------------------------------------------------------------


def test_twenty_megabyte_scan_survives_a_connection_that_resets_every_few_hundred_kb(
    server: LiveServer, station: RawStation, tmp_path: Path
) -> None:
    scan = tmp_path / "scan.pdf"
    content = os.urandom(20 * 1024 * 1024)
    scan.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    proxy = FaultProxy(server.port, reset_after=300 * 1024).start()
    try:
        client = SyncClient(proxy.url, credential=station.credential, retries=0)
        for _attempt in range(400):
            try:
                SyncEngine.upload_attachment(client, scan, sha256=digest,
                                             original_name="身份证.pdf", chunk_bytes=256 * 1024)
                break
            except ServerUnreachable:
                continue
        else:
            pytest.fail("upload never completed")
    finally:
        proxy.stop()
    assert proxy.resets >= 40
    stored = server.config.attachments_dir / digest[:2] / digest
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == digest
    with server.session() as session:
        row = session.get(Attachment, digest)
        assert row is not None and row.complete and row.received == len(content)


def test_scan_upload_resumes_when_answers_are_lost(
    server: LiveServer, station: RawStation, tmp_path: Path
) -> None:
    scan = tmp_path / "scan.pdf"
    content = os.urandom(3 * 1024 * 1024 + 17)
    scan.write_bytes(content)
    digest = hashlib.sha256(content).hexdigest()
    flaky = FlakyUpload(every=2)
    client = SyncClient(server.url, credential=station.credential,
                        session=session_with(flaky)())
    for _attempt in range(100):
        try:
            SyncEngine.upload_attachment(client, scan, sha256=digest, chunk_bytes=256 * 1024)
            break
        except ServerUnreachable:
            continue
    else:
        pytest.fail("upload never completed")
    assert flaky.resets >= 5
    stored = server.config.attachments_dir / digest[:2] / digest
    assert stored.read_bytes() == content


def test_scan_whose_bytes_do_not_match_its_hash_is_not_acknowledged(
    server: LiveServer, station: RawStation
) -> None:
    real = os.urandom(100_000)
    digest = hashlib.sha256(real).hexdigest()
    client = SyncClient(server.url, credential=station.credential)
    status = client.attachment_begin(digest, len(real))
    assert (status.received, status.complete) == (0, False)
    url = f"{server.url}/api/v1/attachments/{digest}"
    wrong_place = requests.put(url, params={"offset": 500}, data=real[:10],
                               headers=station.headers(), timeout=10)
    assert assert_refusal(wrong_place, 409, "offset_mismatch")["details"]["status"]["received"] == 0
    forged = os.urandom(len(real))
    mismatch = requests.put(url, params={"offset": 0}, data=forged,
                            headers=station.headers(), timeout=10)
    body = assert_refusal(mismatch, 422, "hash_mismatch")
    assert body["details"]["status"]["complete"] is False
    assert client.attachment_chunk(digest, 0, real).complete


def test_station_uploads_its_scans_before_its_events(server: LiveServer,
                                                     tmp_path: Path) -> None:
    profile = make_station(tmp_path / "xc01", "XC01", "城关镇")
    try:
        profile.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
        content = os.urandom(1_300_000)
        digest = hashlib.sha256(content).hexdigest()
        folder = profile.runtime.profile.attachments_dir
        folder.mkdir(parents=True, exist_ok=True)
        (folder / digest).write_bytes(content)
        from app.store import models as client_models

        with profile.uow() as uow:
            uow.session.add(client_models.Attachment(
                sha256=digest, size=len(content), mime_type="application/pdf",
                original_name="营业执照.pdf", uploaded=False, created_at=datetime.now(UTC)))
            uow.commit()
        cases.register_case(profile.uow, profile.clerk, matter_code="SCJ-001",
                            applicant=APPLICANT, materials=received_materials())
        flaky = FlakyUpload(every=2)
        profile.engine.session_factory = session_with(flaky)
        profile.engine.attachment_chunk_bytes = 256 * 1024
        reports = [profile.engine.sync_once() for _ in range(12)]
        assert any(not r.ok for r in reports) and reports[-1].ok
        first_ok = next(i for i, r in enumerate(reports) if r.ok)
        assert reports[first_ok].attachments == 1 and reports[first_ok].pushed == 1
        assert all(r.pushed == 0 for r in reports[:first_ok])
        with profile.uow() as uow:
            row = uow.session.get(client_models.Attachment, digest)
            assert row is not None and row.uploaded
    finally:
        profile.close()


def test_small_files_sent_together_are_each_checked_and_kept_alone(
    server: LiveServer, station: RawStation
) -> None:
    real, other = os.urandom(40_000), os.urandom(1_000)
    forged_name = hashlib.sha256(os.urandom(10)).hexdigest()
    client = SyncClient(server.url, credential=station.credential)
    answers = client.attachment_files([
        ({"sha256": hashlib.sha256(real).hexdigest(), "original_name": "受理通知书.pdf"}, real),
        ({"sha256": forged_name, "original_name": "伪造.pdf"}, other),
        ({"sha256": hashlib.sha256(b"").hexdigest()}, b""),
    ])
    assert [a.get("complete") for a in answers] == [True, None, True]
    assert answers[1]["code"] == "hash_mismatch" and "摘要不符" in answers[1]["message"]
    with server.session() as session:
        assert session.get(Attachment, forged_name) is None  # nothing kept of it
        kept = session.get(Attachment, hashlib.sha256(real).hexdigest())
        assert kept is not None and kept.complete and kept.station == station.code
    stored = server.config.attachments_dir / kept.sha256[:2] / kept.sha256
    assert stored.read_bytes() == real
    # The same file again is answered as held; a body that is not what its head says is
    # refused whole.
    assert client.attachment_files([({"sha256": kept.sha256}, real)])[0]["complete"] is True
    head = json.dumps({"files": [{"sha256": kept.sha256, "size": len(real) + 5}]}).encode()
    cut = requests.post(f"{server.url}/api/v1/attachments/files", data=head + b"\n" + real,
                        headers=station.headers(), timeout=10)
    assert_refusal(cut, 422, "malformed")


@pytest.mark.parametrize("older_server", [False, True],
                         ids=["small files together", "a server without it: chunks"])
def test_small_scans_go_several_to_a_request_and_large_ones_in_chunks(
    server: LiveServer, tmp_path: Path, older_server: bool
) -> None:
    from app.store import models as client_models
    from app.sync.protocol import ATTACHMENT_FILES_PATH

    if older_server:
        server.forget_path(ATTACHMENT_FILES_PATH)
    profile = make_station(tmp_path / "xc01", "XC01", "城关镇")
    try:
        profile.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
        scans = [os.urandom(size) for size in (1_000, 200_000, 300_000, 1_300_000)]
        folder = profile.runtime.profile.attachments_dir
        folder.mkdir(parents=True, exist_ok=True)
        with profile.uow() as uow:
            for n, content in enumerate(scans):
                digest = hashlib.sha256(content).hexdigest()
                (folder / digest).write_bytes(content)
                uow.session.add(client_models.Attachment(
                    sha256=digest, size=len(content), mime_type="application/pdf",
                    original_name=f"材料{n}.pdf", uploaded=False, created_at=datetime.now(UTC)))
            uow.commit()
        sent: list[tuple[str, str]] = []

        def session() -> requests.Session:
            made = requests.Session()
            made.hooks["response"].append(lambda answer, **_: sent.append(
                (answer.request.method, answer.request.path_url.split("?")[0])))
            return made

        profile.engine.session_factory = session
        report = profile.engine.sync_once()
        assert report.ok and report.attachments == 4
        for content in scans:
            digest = hashlib.sha256(content).hexdigest()
            assert (server.config.attachments_dir / digest[:2] / digest).read_bytes() == content
        announced = sent.count(("POST", "/api/v1/attachments"))
        chunks = [path for method, path in sent if method == "PUT"]
        if older_server:  # asked once, then every scan in chunks
            assert sent.count(("POST", ATTACHMENT_FILES_PATH)) == 1 and announced == 4
            assert len(chunks) == 1 + 1 + 1 + 3
        else:  # the three small ones in one request, the large one in 512 KiB chunks
            assert sent.count(("POST", ATTACHMENT_FILES_PATH)) == 1 and announced == 1
            assert len(chunks) == 3
        with profile.uow() as uow:
            assert all(row.uploaded for row in uow.session.query(client_models.Attachment))
        assert profile.engine.sync_once().attachments == 0
    finally:
        profile.close()


# --- reference data reaches the stations ---------------------------------------------


def test_catalog_calendar_staff_and_seal_revocation_published_on_the_server_reach_stations(
    server: LiveServer, tmp_path: Path
) -> None:
    data_dir = ["--data-dir", str(server.config.data_dir)]
    profile = make_station(tmp_path / "xc01", "XC01", "城关镇")
    try:
        profile.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
        catalog_file = tmp_path / "catalog.json"
        new_matter = business_matter(code="ZJJ-007", name="建筑工程施工许可",
                                     department_code="ZJJ", department_name="")
        document = {"departments": [{"code": "SCJ", "name": "县市场监督管理局"},
                                    {"code": "ZJJ", "name": "县住房和城乡建设局"}],
                    "matters": [{k: v for k, v in new_matter.to_dict().items()
                                 if k != "department_name"}]}
        catalog_file.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        assert server_main(["import-catalog", str(catalog_file), *data_dir]) == 0
        calendar_file = tmp_path / "2027.json"
        calendar_file.write_text(json.dumps({"holidays": ["2027-01-01"],
                                             "adjusted_workdays": []}), encoding="utf-8")
        assert server_main(["publish-calendar", "2027", str(calendar_file), *data_dir]) == 0
        assert server_main(["add-staff", "--station", "XC01", "--username", "newclerk",
                            "--name", "新受理员", "--roles", "clerk", "--department", "ZJJ",
                            *data_dir]) == 0
        assert server_main(["add-seal", "--department", "SCJ", "--serial", "SCJ-2026-01",
                            "--authority", "某县市场监督管理局", "--station", "XC01",
                            "--custodian", "chief", *data_dir]) != 0  # not yet known

        first = profile.engine.sync_once()  # the station's own staff reach the server
        assert first.ok, first.errors
        assert server_main(["add-seal", "--department", "SCJ", "--serial", "SCJ-2026-01",
                            "--authority", "某县市场监督管理局", "--station", "XC01",
                            "--custodian", "chief", *data_dir]) == 0
        assert server_main(["add-seal", "--kind", "intake", "--window", "5号窗口",
                            "--department", "SCJ", "--serial", "SCJ-2026-05",
                            "--authority", "某县市场监督管理局", "--station", "XC01",
                            "--custodian", "clerk", *data_dir]) == 0
        assert profile.engine.sync_once().ok
        with profile.uow() as uow:
            matter = uow.catalog.matter("ZJJ-007")
            assert matter is not None and matter.department_name == "县住房和城乡建设局"
            year = uow.calendar.get(2027)
            assert year is not None and year.source == "server"
            seal = uow.session.scalars(select(SealRow).where(SealRow.serial == "SCJ-2026-01")).one()
            assert seal.status == "in_use" and seal.data["kind"] == "approval"
            window = uow.session.scalars(select(SealRow).where(SealRow.serial == "SCJ-2026-05")).one()
            assert (window.data["kind"], window.data["window_name"]) == ("intake", "5号窗口")
        # No password travels with the record: the station's administrator gives it.
        with profile.uow() as uow:
            newcomer_id = uow.users.by_username("newclerk").id
        accounts.reset_password(profile.uow, profile.admin, user_id=newcomer_id,
                                new_password="welcome2027")
        newcomer = accounts.authenticate(profile.uow, username="newclerk",
                                         password="welcome2027", new_password="mine2027abc")
        assert newcomer.display_name == "新受理员" and newcomer.station == "XC01"

        assert server_main(["revoke-seal", "SCJ-2026-01", *data_dir]) == 0
        report = profile.engine.sync_once()
        assert report.ok and report.reference_received >= 1
        with profile.uow() as uow:
            assert uow.session.scalars(
                select(SealRow).where(SealRow.serial == "SCJ-2026-01")).one().status == "revoked"
        # Nothing bounces back: the next round sends no reference records.
        assert profile.engine.sync_once().reference_sent == 0
    finally:
        profile.close()


def test_only_a_publishing_station_sends_its_catalog(server: LiveServer,
                                                     tmp_path: Path) -> None:
    from app.services import catalog

    publisher = make_station(tmp_path / "admin", "XZGL", "县中心管理端")
    township = make_station(tmp_path / "xc01", "XC01", "城关镇")
    try:
        publisher.engine.enroll(server.url, server.create_station("管理端", "XZGL",
                                                                  publisher=True))
        township.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
        catalog.save_matter(publisher.uow, publisher.admin,
                            business_matter(code="SCJ-002", name="食品经营许可"))
        catalog.save_matter(township.uow, township.admin,
                            business_matter(code="SCJ-099", name="乡镇自编事项"))
        assert publisher.engine.sync_once().ok
        report = township.engine.sync_once()
        assert report.ok
        with server.session() as session:
            keys = {r.key for r in reference.items(session, reference.ReferenceKind.MATTER)}
        assert keys == {"SCJ-001", "SCJ-002"}
        with township.uow() as uow:
            assert uow.catalog.matter("SCJ-002") is not None  # published reaches the town
    finally:
        publisher.close()
        township.close()


def test_a_departments_numbering_and_remedy_bodies_reach_the_stations(
    server: LiveServer, tmp_path: Path
) -> None:
    from dataclasses import replace

    from app.print_templates import DocumentKind
    from app.services import catalog, documents
    from tests.profile_fixtures import county_department

    publisher = make_station(tmp_path / "admin", "XZGL", "县中心管理端")
    township = make_station(tmp_path / "xc01", "XC01", "城关镇", with_catalog=False)
    try:
        publisher.engine.enroll(server.url, server.create_station("管理端", "XZGL",
                                                                  publisher=True))
        township.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
        department = county_department(
            "SCJ", "清河县市场监督管理局", "清市监", kind_codes={"receipt": "收件"},
            reconsideration_body="清河县人民政府", litigation_court="清河县人民法院",
            numbering_station="XZGL")
        catalog.save_department(publisher.uow, publisher.admin, department)
        assert publisher.engine.sync_once().ok
        assert township.engine.sync_once().ok
        with township.uow() as uow:
            assert uow.catalog.department("SCJ") == department
        case = cases.register_case(township.uow, township.clerk, matter_code="SCJ-001",
                                   applicant=APPLICANT)
        receipt = documents.issue_unsealed(township.uow, township.clerk, case.id,
                                           DocumentKind.RECEIPT)
        # Not the numbering station: its code follows the 机关代字, so it never collides.
        assert receipt.document_number.startswith("清市监XC01收件〔")
        # The server holds a department to the same rules as the admin page.
        with pytest.raises(ValidationError) as refused:
            reference.normalise(
                reference.ReferenceKind.DEPARTMENT, "SCJ",
                replace(department, reconsideration_body="本级人民政府或上一级主管部门").to_dict())
        assert refused.value.code == "department.body_generic"
    finally:
        publisher.close()
        township.close()


# --- schema and CLI ----------------------------------------------------------------------


def _not_an_expression_index(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    # The sealed lookups' partial expression indexes differ by dialect, so only migration
    # 0009 makes them (and tests/test_server_sealed_lookup.py checks they serve).
    return not (type_ == "index" and name in sealed_lookup_indexes())


def _schema_differences(url: str) -> list[Any]:
    engine = make_engine(url)
    try:
        upgrade(engine)
        with engine.connect() as connection, warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_object": _not_an_expression_index})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_migrations_produce_exactly_the_models_schema_on_sqlite(tmp_path: Path) -> None:
    assert _schema_differences(f"sqlite:///{tmp_path / 'schema.sqlite3'}") == []


@pytest.mark.postgres
def test_migrations_produce_exactly_the_models_schema_on_postgresql() -> None:
    with postgres_database() as url:
        if url is None:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
        assert _schema_differences(url) == []


def test_create_station_prints_the_enrollment_code_alone_on_its_last_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = ["--data-dir", str(tmp_path / "server")]
    assert server_main(["create-station", "城关镇便民服务站", "--code", "XC01", *data_dir]) == 0
    code = capsys.readouterr().out.strip().splitlines()[-1]
    assert len(code.replace("-", "")) == 16 and " " not in code
    assert server_main(["list-stations", "--json", *data_dir]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["code"] == "XC01" and listed[0]["state"] == "待登记"
    assert server_main(["create-station", "重复", "--code", "XC01", *data_dir]) == 1
    assert "已存在" in capsys.readouterr().err


def test_server_runs_as_a_module(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "server", "create-station", "城关镇", "--data-dir",
         str(tmp_path / "server")],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    )
    assert len(result.stdout.strip().splitlines()[-1]) == 19


def test_server_started_with_no_command_listens_on_the_port_given(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "--port", str(port), "--data-dir",
         str(tmp_path / "server")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()  # printed once the database is ready
        assert f"http://127.0.0.1:{port}" in first_line, first_line
        deadline = time.monotonic() + 30
        while True:  # uvicorn binds the port a moment after that line
            try:
                health = requests.get(f"http://127.0.0.1:{port}{HEALTH_PATH}", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "the server did not answer"
                time.sleep(0.05)
        assert health.json()["status"] == "ok"
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def test_listening_options_belong_to_serving_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert server_main(["--port", "9000", "status", "--data-dir", str(tmp_path / "s")]) == 2
    assert "--port" in capsys.readouterr().err


def test_enrollment_code_expires(server: LiveServer, tmp_path: Path) -> None:
    from server.models import Station

    code = server.create_station("城关镇", "XC01")
    with server.session() as session:
        row = session.scalars(select(Station)).one()
        row.enrollment_expires_at = datetime.now(UTC) - timedelta(minutes=1)
        session.commit()
    answer = requests.post(
        f"{server.url}/api/v1/enroll",
        json={"code": code, "station_code": "XC01", "credential": "z" * 40},
        headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION)}, timeout=10,
    )
    assert "过期" in assert_refusal(answer, 403, "enrollment_invalid")["message"]


def test_staff_created_centrally_without_password_cannot_log_in_until_reset(
    server: LiveServer, tmp_path: Path
) -> None:
    profile = make_station(tmp_path / "xc01", "XC01", "城关镇")
    try:
        profile.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
        assert server_main(["add-staff", "--station", "XC01", "--username", "temp",
                            "--name", "临时人员", "--roles", "clerk",
                            "--data-dir", str(server.config.data_dir)]) == 0
        assert profile.engine.sync_once().ok
        from app.domain.errors import AuthenticationError

        with pytest.raises(AuthenticationError):
            accounts.authenticate(profile.uow, username="temp", password=PASSWORD)
    finally:
        profile.close()



def test_the_server_takes_its_local_zone_from_the_command_line_or_refuses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.domain.calendar import LOCAL_ZONE, configure_local_zone
    from server.web import local_day

    data_dir = ["--data-dir", str(tmp_path / "data")]
    assert server_main(["--time-zone", "Mars/Olympus", "init", *data_dir]) == 2
    assert "时区“Mars/Olympus”不存在" in capsys.readouterr().err
    monkeypatch.setenv("COUNTERDESK_ADMIN_PASSWORD", "county-it-2027")
    try:
        assert server_main(["--time-zone", "Asia/Urumqi", "init", *data_dir]) == 0
        assert LOCAL_ZONE.name == "Asia/Urumqi"
        # 17:30 UTC on 30 November is 1 December in Beijing, still 30 November in Urumqi.
        assert local_day(datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == "2026年11月30日"
    finally:
        configure_local_zone("Asia/Shanghai")
    assert local_day(datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == "2026年12月1日"


def test_an_upgrade_removes_password_hashes_an_older_server_stored(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from server.database import alembic_config, head_revision
    from server.hashing import content_hash

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        old = {"id": "u1", "username": "li", "display_name": "李受理",
               "password_hash": "scrypt$16384$8$1$c2FsdA$aGFzaA", "roles": ["clerk"]}
        connection.execute(
            text("INSERT INTO reference_items (kind, key, version, station, data, content_hash,"
                 " updated_at, updated_by) VALUES ('staff', 'XC01/u1', 1, 'XC01', :d, :h,"
                 " '2026-11-01 00:00:00', 'XC01')"),
            {"d": json.dumps(old, ensure_ascii=False), "h": content_hash(old)})
    upgrade(engine)
    with engine.connect() as connection:
        data, digest, version = connection.execute(
            text("SELECT data, content_hash, version FROM reference_items")).one()
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == head_revision()
    stored = json.loads(data)
    assert "password_hash" not in stored and stored["display_name"] == "李受理"
    assert digest == content_hash(stored) and version == 1
    engine.dispose()
