"""Nothing from a station changes credentials.

Password hashes never travel in sync, in either direction: a station never sends one,
the server refuses a push that carries one (reference records and event payloads alike)
and never hands one out, and a staff record from the server never changes a password
held at the station. Run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import gzip
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from app.domain.errors import AuthenticationError
from app.services import accounts
from app.sync.protocol import CREDENTIAL_KEYS, PROTOCOL_HEADER, PROTOCOL_VERSION
from server import reference
from server.database import lock_state
from server.models import ReferenceItem
from tests.sync_fixtures import (
    PASSWORD,
    LiveServer,
    make_station,
    server_on_both_databases,  # noqa: F401 (the server fixture)
)
from tests.test_server_api import assert_refusal, raw_station, registration

ATTACKER_PASSWORD = "attacker2026x"




def _credential_keys_in(data: Any) -> set[str]:
    if isinstance(data, dict):
        found = {k for k in data if k in CREDENTIAL_KEYS}
        for value in data.values():
            found |= _credential_keys_in(value)
        return found
    if isinstance(data, list):
        return set().union(*(_credential_keys_in(v) for v in data)) if data else set()
    return set()


def _headers(credential: str) -> dict[str, str]:
    return {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Authorization": f"Bearer {credential}",
            "Content-Type": "application/json", "Content-Encoding": "gzip"}


def test_a_staff_record_carrying_a_password_hash_is_refused_and_never_logs_anyone_in(
    server: LiveServer, tmp_path: Path
) -> None:
    profile = make_station(tmp_path / "xc01", "XC01", "城关镇")
    try:
        profile.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
        assert profile.engine.sync_once().ok
        # What the station sent holds no password hash.
        with server.session() as session:
            sent = {r.key: r.data for r in reference.items(session, reference.ReferenceKind.STAFF)}
            version_before = session.get(ReferenceItem, ("staff", profile.admin.id)).version
        assert profile.admin.id in sent
        assert all(not _credential_keys_in(data) for data in sent.values())

        # The station's own credential pushes its administrator with the attacker's hash.
        (credential,) = profile.keyring.passwords.values()
        forged = dict(sent[profile.admin.id], password_hash=accounts.hash_password(ATTACKER_PASSWORD))
        body = gzip.compress(json.dumps({"items": [
            {"kind": "staff", "key": profile.admin.id, "data": forged}]}).encode())
        answer = requests.post(f"{server.url}/api/v1/reference/push", data=body,
                               headers=_headers(credential), timeout=10)
        refusal = assert_refusal(answer, 422, "credential_in_sync")
        assert "密码" in refusal["message"]
        with server.session() as session:
            row = session.get(ReferenceItem, ("staff", profile.admin.id))
            assert row.version == version_before and "password_hash" not in row.data

        # Even a hash an older server kept in the record (or one put there by hand)
        # neither leaves the server nor changes the password at the station.
        with server.session() as session:
            state = lock_state(session)
            row = session.get(ReferenceItem, ("staff", profile.admin.id))
            state.reference_version += 1
            row.data = forged
            row.version = state.reference_version
            row.content_hash = "tampered"
            session.commit()
        report = profile.engine.sync_once()
        assert report.ok, report.errors
        answer = requests.get(f"{server.url}/api/v1/reference", params={"since": 0},
                              headers=_headers(credential), timeout=10)
        pulled = [item["data"] for item in answer.json()["items"]]
        assert pulled and all(not _credential_keys_in(data) for data in pulled)
        assert accounts.authenticate(profile.uow, username="admin",
                                     password=PASSWORD).id == profile.admin.id
        with pytest.raises(AuthenticationError):
            accounts.authenticate(profile.uow, username="admin", password=ATTACKER_PASSWORD)
    finally:
        profile.close()


def test_a_staff_record_from_the_server_never_changes_a_local_password(
    server: LiveServer, tmp_path: Path
) -> None:
    from app.sync.local import apply_reference
    from app.sync.protocol import ReferenceItem as WireItem
    from app.sync.protocol import ReferenceKind

    profile = make_station(tmp_path / "xc01", "XC01", "城关镇")
    try:
        with profile.uow() as uow:
            user = uow.users.get(profile.clerk.id)
            record = {"id": user.id, "username": "clerk", "display_name": "新名字",
                      "roles": ["clerk"], "department_code": "SCJ", "window_name": "",
                      "station": "XC01", "active": True, "delegations": [],
                      "password_hash": accounts.hash_password(ATTACKER_PASSWORD)}
            newcomer = dict(record, id=str(uuid.uuid4()), username="newcomer")
            apply_reference(uow, [WireItem(ReferenceKind.STAFF, user.id, record, 7, "XC01"),
                                  WireItem(ReferenceKind.STAFF, newcomer["id"], newcomer, 8,
                                           "XC01")],
                            station_code="XC01")
            uow.commit()
        assert accounts.authenticate(profile.uow, username="clerk",
                                     password=PASSWORD).display_name == "新名字"
        for username in ("clerk", "newcomer"):
            with pytest.raises(AuthenticationError):
                accounts.authenticate(profile.uow, username=username,
                                      password=ATTACKER_PASSWORD)
    finally:
        profile.close()


def test_an_event_payload_carrying_a_password_is_refused_whole(server: LiveServer) -> None:
    station = raw_station(server, "XC01")
    event = registration(station)
    event["payload"]["applicant"] = dict(event["payload"]["applicant"], password="x1234567")
    answer = station.push([registration(station), event])
    assert_refusal(answer, 422, "credential_in_sync")
    assert server.event_count() == 0


def test_the_server_cli_has_no_password_for_staff(server: LiveServer) -> None:
    from server.cli import main as server_main

    with pytest.raises(SystemExit):
        server_main(["add-staff", "--station", "XC01", "--username", "u", "--name", "某某",
                     "--roles", "clerk", "--password", "welcome2027",
                     "--data-dir", str(server.config.data_dir)])
    with server.session() as session:
        assert not session.scalars(select(ReferenceItem).where(
            ReferenceItem.kind == "staff")).all()


def test_a_reference_kind_this_build_does_not_know_is_passed_over_not_fatal() -> None:
    from app.sync.protocol import ReferenceKind, ReferencePage

    page = ReferencePage.from_dict({
        "epoch": "e1", "next_version": 9, "more": False,
        "items": [
            {"kind": "window_post_of_a_later_build", "key": "W1", "data": {}, "version": 8},
            {"kind": "department", "key": "SCJ", "data": {"code": "SCJ"}, "version": 9},
        ],
    })
    assert [(i.kind, i.key) for i in page.items] == [(ReferenceKind.DEPARTMENT, "SCJ")]
    assert page.next_version == 9
