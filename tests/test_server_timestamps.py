"""The county server time-stamps (RFC 3161) each sealed document a station syncs, so the
document's time does not rest on the counter PC's clock alone; anyone checks the token
with openssl against the server's time-stamping certificate."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from app.services import cases
from server.database import ServerConfig
from server.models import DocumentTimestamp
from server.timestamps import token_digest, token_time
from tests.sync_fixtures import APPLICANT, LiveServer, make_station, received_materials


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    yield live
    live.stop()
    live.dispose()


def _sealed_notice(server: LiveServer, tmp_path: Path) -> tuple[dict, object]:
    station = make_station(tmp_path / "xc01", "XC01", "城关镇便民服务站")
    station.engine.enroll(server.url, server.create_station("城关镇便民服务站", "XC01"))
    case = cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, materials=received_materials())
    cases.accept(station.uow, station.clerk, case.id, seal=station.counter_seal)
    [sealed] = [e for e in cases.case_history(station.uow, case.id) if e.type.value == "sealed"]
    return sealed.payload, station


def test_a_synced_seal_is_time_stamped_by_the_server_and_shown_on_the_page(
        server: LiveServer, tmp_path: Path) -> None:
    payload, station = _sealed_notice(server, tmp_path)
    try:
        document, code = payload["seal_use_id"], payload["verification_code"]
        token_url = f"{server.url}/v/{document}/timestamp.tsr"
        assert requests.get(token_url, params={"c": code}, timeout=10).status_code == 404
        before = datetime.now(UTC)
        assert station.engine.sync_once().ok
        answer = requests.get(token_url, params={"c": code}, timeout=10)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/timestamp-reply"
        token = answer.content
        # The token vouches for exactly the signed PDF, at the server's time.
        assert token_digest(token) == payload["pdf_sha256"]
        assert before - timedelta(seconds=5) <= token_time(token) <= datetime.now(UTC)
        # The time the page shows is the one the token states, to the microsecond.
        with server.session() as session:
            kept = session.get(DocumentTimestamp, document)
        assert kept is not None and kept.token == token
        assert kept.stamped_at == token_time(token) and kept.pdf_sha256 == payload["pdf_sha256"]
        page = requests.get(f"{server.url}/v/{document}", params={"c": code}, timeout=10).text
        assert "中心时间戳" in page and "RFC 3161" in page
        # A wrong code gets no token.
        wrong = "A" * 16 if code != "A" * 16 else "B" * 16
        assert requests.get(token_url, params={"c": wrong}, timeout=10).status_code == 404
        # Pushing the same event again keeps the first token.
        assert station.engine.sync_once().ok
        assert requests.get(token_url, params={"c": code}, timeout=10).content == token
    finally:
        station.close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_token_against_the_servers_certificate(
        server: LiveServer, tmp_path: Path) -> None:
    payload, station = _sealed_notice(server, tmp_path)
    try:
        station.engine.sync_once()
        token = requests.get(f"{server.url}/v/{payload['seal_use_id']}/timestamp.tsr",
                             params={"c": payload["verification_code"]}, timeout=10).content
        (tmp_path / "token.der").write_bytes(token)
        cert = requests.get(f"{server.url}/v/tsa.pem", timeout=10)
        assert cert.status_code == 200
        (tmp_path / "tsa.pem").write_bytes(cert.content)
        checked = subprocess.run(
            ["openssl", "ts", "-verify", "-digest", payload["pdf_sha256"], "-token_in",
             "-in", str(tmp_path / "token.der"), "-CAfile", str(tmp_path / "tsa.pem")],
            capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked
        tampered = ("0" if payload["pdf_sha256"][0] != "0" else "1") + payload["pdf_sha256"][1:]
        refused = subprocess.run(
            ["openssl", "ts", "-verify", "-digest", tampered, "-token_in",
             "-in", str(tmp_path / "token.der"), "-CAfile", str(tmp_path / "tsa.pem")],
            capture_output=True, text=True, timeout=30)
        assert refused.returncode != 0
    finally:
        station.close()


def test_a_token_is_byte_for_byte_the_one_pyhanko_makes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server assembles each token from kept DER pieces: given the same serial,
    nonce and time it must be exactly what pyhanko's own time-stamper makes."""
    import hashlib

    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.timestamps import dummy_client

    from server import timestamps

    authority = timestamps.open_authority(tmp_path)
    assert authority is not None
    key = serialization.load_pem_private_key((tmp_path / timestamps.KEY_FILE).read_bytes(),
                                             password=None)
    cert = x509.load_pem_x509_certificate(authority.certificate_pem)
    reference = timestamps._stamper(
        asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)), key)
    for when, serial, nonce in ((datetime(2026, 12, 3, 6, 30, 15, 123456, tzinfo=UTC),
                                 0x0123456789ABCDEF, 2**63 + 5),
                                (datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC), 0x01FF, 1)):
        digest = hashlib.sha256(f"{when}".encode()).digest()
        monkeypatch.setattr(dummy_client, "get_nonce", lambda serial=serial: serial)
        reference.fixed_dt = when  # type: ignore[attr-defined]
        expected = reference.request_tsa_response(  # type: ignore[attr-defined]
            timestamps._request(digest, nonce))["time_stamp_token"].dump()
        made = authority._stamper.token(  # type: ignore[attr-defined]
            digest, serial=serial, nonce=nonce, when=when)
        assert made == expected
        assert token_digest(made) == digest.hex() and token_time(made) == when
