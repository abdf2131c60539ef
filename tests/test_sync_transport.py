"""Transport and scope: TLS with the server's certificate pinned at enrollment, no plain
http beyond this computer, and attachments only of cases in the station's scope.

The TLS tests make their own self-signed certificates (``cryptography``) and run the
real server with them on 127.0.0.1, as ``python -m server --cert --key`` does.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from app.domain.errors import DomainError
from app.services import cases, seals
from app.sync import transport
from app.sync.engine import SERVER_CERTIFICATE
from app.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, FilesAnswer
from server.database import ServerConfig, open_database
from tests.sync_fixtures import (
    APPLICANT,
    PASSWORD,
    LiveServer,
    StationProfile,
    enrolled_station,
    make_station,
    received_materials,
)


def self_signed(directory: Path, name: str) -> tuple[Path, Path, str]:
    """(certificate, key, SHA-256 fingerprint) for 127.0.0.1, as a county IT office might
    make with openssl."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    import ipaddress

    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    fingerprint = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
    return cert_path, key_path, fingerprint


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    cert, key, fingerprint = self_signed(tmp_path / "tls", "county")
    live = LiveServer(ServerConfig(tmp_path / "server"), tls=(cert, key)).start()
    yield live, fingerprint
    live.dispose()


@pytest.fixture
def station(tmp_path: Path) -> Iterator[StationProfile]:
    profile = make_station(tmp_path / "xc01", "XC01", "城关镇")
    yield profile
    profile.close()


def _register(station: StationProfile) -> str:
    return cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, materials=received_materials()).id


# --- plain http -----------------------------------------------------------------------


def test_plain_http_to_another_host_is_refused_before_any_connection(
    station: StationProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a refused address must not be contacted")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.delenv(transport.ALLOW_PLAIN_HTTP_ENV, raising=False)
    with pytest.raises(DomainError) as refused:
        station.engine.enroll("http://county-server.invalid:8765", "ABCD-EFGH")
    assert refused.value.code == "plain_http_refused" and "https://" in refused.value.message
    assert station.keyring.passwords == {}
    # A profile that holds such an address (set before this check existed) stops too.
    with station.uow() as uow:
        uow.settings.set("server_url", "http://county-server.invalid:8765")
        uow.commit()
    station.keyring.set_password("CounterDesk", "http://county-server.invalid:8765#XC01", "x" * 40)
    report = station.engine.sync_once()
    assert report.error_code == "plain_http_refused"


def test_plain_http_is_allowed_to_this_computer_and_by_the_explicit_testing_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(transport.ALLOW_PLAIN_HTTP_ENV, raising=False)
    for url in ("http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765",
                "http://127.8.0.1"):
        transport.check_scheme(url)
    with pytest.raises(DomainError):
        transport.check_scheme("http://10.1.2.3:8765")
    transport.check_scheme("http://10.1.2.3:8765", allow_plain_http=True)
    monkeypatch.setenv(transport.ALLOW_PLAIN_HTTP_ENV, "1")
    transport.check_scheme("http://10.1.2.3:8765")


# --- TLS and the pinned certificate ----------------------------------------------------


def test_enrollment_over_tls_pins_the_certificate_and_sync_runs_over_it(
    tls_server: tuple[LiveServer, str], station: StationProfile
) -> None:
    server, fingerprint = tls_server
    assert server.url.startswith("https://")
    station.engine.enroll(server.url, server.create_station("城关镇", "XC01"),
                          fingerprint=":".join(fingerprint[i:i + 2].upper()
                                               for i in range(0, 64, 2)))
    assert station.setting(SERVER_CERTIFICATE) == fingerprint
    _register(station)
    report = station.engine.sync_once()
    assert report.ok, report.errors
    assert report.pushed == 1 and server.event_count() == 1


def test_enrollment_with_another_fingerprint_is_refused(
    tls_server: tuple[LiveServer, str], station: StationProfile
) -> None:
    server, _ = tls_server
    with pytest.raises(DomainError) as refused:
        station.engine.enroll(server.url, server.create_station("城关镇", "XC01"),
                              fingerprint="ab" * 32)
    assert refused.value.code == "certificate_mismatch" and "指纹" in refused.value.message
    assert station.setting("server_url") == ""


@pytest.mark.parametrize("through", ["direct", "https_proxy"])
def test_a_changed_certificate_stops_sync_with_a_clear_message(
    tls_server: tuple[LiveServer, str], station: StationProfile, tmp_path: Path,
    through: str, request: pytest.FixtureRequest,
) -> None:
    if through == "https_proxy":
        # The pin must hold through a proxy's tunnel too: a proxy (or whoever sits
        # behind it) that shows another certificate gets nothing.
        request.getfixturevalue("tunnel")
    server, _ = tls_server
    station.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
    assert station.engine.sync_once().ok
    # Someone else answers on the server's address with a certificate of their own.
    port = server.port
    server.stop()
    other_cert, other_key, _ = self_signed(tmp_path / "other", "impostor")
    impostor = LiveServer(server.config, engine=server.engine,
                          tls=(other_cert, other_key)).start(port)
    try:
        _register(station)
        report = station.engine.sync_once()
        assert not report.ok and report.error_code == "certificate_changed", report.errors
        assert "证书" in report.errors[0] and "已停止同步" in report.errors[0]
        assert impostor.event_count() == 0 and len(station.outbox()) == 1
    finally:
        impostor.stop()


# --- attachments of cases in scope only --------------------------------------------------


def test_a_station_downloads_only_attachments_of_cases_in_its_scope(tmp_path: Path) -> None:
    from datetime import date

    server = LiveServer(ServerConfig(tmp_path / "server")).start()
    first = make_station(tmp_path / "w1", "XZ01", "中心1号窗口")
    second = make_station(tmp_path / "w2", "XZ02", "中心2号窗口")
    town = make_station(tmp_path / "xc01", "XC01", "城关镇")
    try:
        first.engine.enroll(server.url, server.create_station("1号", "XZ01", all_cases=True))
        second.engine.enroll(server.url, server.create_station("2号", "XZ02", all_cases=True))
        town.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
        seals.register_seal(
            second.uow, second.admin, second.runtime.key_store, department_code="SCJ",
            authority_name="县市场监督管理局", serial="130534SCJ0009",
            custodian_id=second.chief.id, valid_from=date(2026, 1, 1), valid_to=None,
            made_on=date(2025, 12, 1), made_by="刻章点",
        )
        case_id = _register(first)
        cases.accept(first.uow, first.clerk, case_id, seal=first.counter_seal)
        cases.review(first.uow, first.clerk, case_id, conforms=True, opinion="材料齐全")
        first.engine.sync_once()
        second.engine.sync_once()
        cases.approve(second.uow, second.chief, case_id, opinion="同意")
        issued = seals.apply_seal(second.uow, second.chief, case_id,
                                  document_kind="approval_decision", password=PASSWORD,
                                  key_store=second.runtime.key_store)
        assert second.engine.sync_once().ok
        assert first.engine.sync_once().documents == 1  # in its scope: fetched

        def content(station: StationProfile, digest: str) -> requests.Response:
            (credential,) = station.keyring.passwords.values()
            return requests.get(f"{server.url}/api/v1/attachments/{digest}/content",
                                headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                                         "Authorization": f"Bearer {credential}"}, timeout=10)

        digest = hashlib.sha256(issued.pdf).hexdigest()
        assert content(first, digest).status_code == 200
        outside = content(town, digest)  # the township never saw this case
        assert outside.status_code == 404 and outside.json()["code"] == "not_found"
        # A file the township uploaded that no event names: only the township reads it.
        scan = tmp_path / "scan.pdf"
        scan.write_bytes(b"%PDF-1.4 scanned application form")
        scan_digest = hashlib.sha256(scan.read_bytes()).hexdigest()
        client = town.engine._client(server.url, next(iter(town.keyring.passwords.values())))
        try:
            town.engine.upload_attachment(client, scan, sha256=scan_digest)
        finally:
            client.close()
        assert content(town, scan_digest).status_code == 200
        assert content(first, scan_digest).status_code == 404
        # Several files in one answer obey the same scope, file by file.
        for station, readable, hidden in ((first, digest, scan_digest),
                                          (town, scan_digest, digest)):
            client = station.engine._client(server.url,
                                            next(iter(station.keyring.passwords.values())))
            try:
                answer = client.attachment_contents([hidden, readable, readable])
            finally:
                client.close()
            expected = issued.pdf if readable == digest else scan.read_bytes()
            assert answer.files == {readable: expected}
            assert answer.missing == [hidden] and answer.later == []
    finally:
        for station in (first, second, town):
            station.close()
        server.dispose()


def test_an_answer_of_several_files_stops_at_its_size_and_names_the_rest(
        tmp_path: Path) -> None:
    from server.attachments import AttachmentStore, contents
    from server.models import Attachment, Station

    store = AttachmentStore(tmp_path / "attachments")
    engine = open_database(ServerConfig(tmp_path / "server"))
    station = Station(id="s1", code="XC01", name="城关镇", created_at=datetime.now(UTC))
    files = [bytes([n]) * (1000 * n) for n in (1, 2, 3)]
    digests = [hashlib.sha256(data).hexdigest() for data in files]
    with Session(engine) as session:
        for digest, data in zip(digests, files, strict=True):
            path = store.final_path(digest)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            session.add(Attachment(sha256=digest, size=len(data), received=len(data),
                                   complete=True, station="XC01", created_at=station.created_at))
        session.commit()
        answer = FilesAnswer.parse(contents(session, store, station, digests, answer_bytes=3500))
        assert answer.files == {digests[0]: files[0], digests[1]: files[1]}
        assert answer.later == [digests[2]] and answer.missing == []
        # However small the limit, each answer carries a file: the station gets on.
        one = FilesAnswer.parse(contents(session, store, station, digests[2:], answer_bytes=1))
        assert one.files == {digests[2]: files[2]}
        # An answer cut short on the way is refused whole, not stored in part.
        whole = contents(session, store, station, digests)
    engine.dispose()
    for broken in (whole[:-1], whole + b"x", whole.split(b"\n", 1)[0]):
        with pytest.raises(ValueError):
            FilesAnswer.parse(broken)


@pytest.fixture
def plain_server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    yield live
    live.dispose()


def test_a_netrc_password_for_the_servers_host_does_not_replace_the_station_credential(
        plain_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A county IT office's ~/.netrc for the same host (for its own tools) must not turn
    # the station's requests into a Basic login the server refuses.
    station = enrolled_station(plain_server, tmp_path / "xc01", "XC01", "城关镇")
    try:
        netrc = tmp_path / "netrc"
        netrc.write_text("machine 127.0.0.1 login county password county-it\n")
        netrc.chmod(0o600)
        monkeypatch.setenv("NETRC", str(netrc))
        report = station.engine.sync_once()
        assert report.ok, report.errors
    finally:
        station.close()


class _ForwardingProxy(http.server.BaseHTTPRequestHandler):
    """An HTTP proxy as a county network may require: forwards and notes each request."""

    seen: list[str] = []

    def _forward(self) -> None:
        type(self).seen.append(self.requestline)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "proxy-connection", "connection")}
        with requests.Session() as forward:
            forward.trust_env = False  # not through itself
            answer = forward.request(self.command, self.path, data=body, headers=headers,
                                     stream=True, timeout=10)
            content = answer.raw.read(decode_content=False)
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PUT = _forward

    def log_message(self, *_args: object) -> None:
        pass


def test_the_proxy_the_environment_names_carries_the_sync_round(
        plain_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    station = enrolled_station(plain_server, tmp_path / "xc01", "XC01", "城关镇")
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ForwardingProxy)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                            applicant=APPLICANT, materials=received_materials())
        _ForwardingProxy.seen.clear()
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        report = station.engine.sync_once()
        assert report.ok and report.pushed > 0, report.errors
        assert any(line.startswith(f"GET {plain_server.url}/api/v1/station")
                   for line in _ForwardingProxy.seen)
        assert any(line.startswith(f"POST {plain_server.url}/api/v1/events")
                   for line in _ForwardingProxy.seen)
        # Named in NO_PROXY, the server is reached directly.
        _ForwardingProxy.seen.clear()
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert station.engine.sync_once().ok
        assert _ForwardingProxy.seen == []
    finally:
        proxy.shutdown()
        proxy.server_close()
        station.close()


class _TunnellingProxy(socketserver.ThreadingTCPServer):
    """An HTTPS proxy: answers CONNECT and relays the bytes (the TLS is the server's)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.tunnels: list[str] = []
        self.logins: list[str] = []  # the Proxy-Authorization each CONNECT carried
        super().__init__(("127.0.0.1", 0), _Tunnel)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Tunnel(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            head += chunk
        method, target = head.split(b" ", 2)[:2]
        if method != b"CONNECT":
            self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        assert isinstance(self.server, _TunnellingProxy)
        self.server.tunnels.append(target.decode())
        self.server.logins.extend(
            line.split(b":", 1)[1].strip().decode() for line in head.split(b"\r\n")
            if line.lower().startswith(b"proxy-authorization:"))
        host, _, port = target.decode().rpartition(":")
        with socket.create_connection((host, int(port)), timeout=10) as upstream:
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            ends = [self.request, upstream]
            while True:
                readable, _, _ = select.select(ends, [], [], 10)
                if not readable:
                    return
                for end in readable:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is self.request else self.request).sendall(data)


@pytest.fixture
def tunnel(monkeypatch: pytest.MonkeyPatch) -> Iterator[_TunnellingProxy]:
    proxy = _TunnellingProxy()
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    yield proxy
    proxy.shutdown()
    proxy.server_close()


def test_behind_an_https_proxy_enrollment_pins_the_servers_certificate_and_sync_runs(
    tls_server: tuple[LiveServer, str], station: StationProfile, tunnel: _TunnellingProxy
) -> None:
    server, fingerprint = tls_server
    target = f"127.0.0.1:{server.port}"
    # The certificate is read through the proxy, as the requests go (a network that
    # reaches the county only through it has no other way).
    assert transport.certificate_fingerprint(server.url) == fingerprint
    assert tunnel.tunnels == [target]
    station.engine.enroll(server.url, server.create_station("城关镇", "XC01"),
                          fingerprint=fingerprint)
    assert station.setting(SERVER_CERTIFICATE) == fingerprint
    _register(station)
    report = station.engine.sync_once()
    assert report.ok and report.pushed == 1, report.errors
    assert set(tunnel.tunnels) == {target} and len(tunnel.tunnels) > 1


def test_a_proxy_that_asks_for_a_login_gets_the_one_in_its_address(
    tls_server: tuple[LiveServer, str], station: StationProfile, tunnel: _TunnellingProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, fingerprint = tls_server
    monkeypatch.setenv("HTTPS_PROXY", tunnel.url.replace("://", "://zhan%40xc01:p%3Ass@"))
    station.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
    assert station.setting(SERVER_CERTIFICATE) == fingerprint
    expected = "Basic " + base64.b64encode(b"zhan@xc01:p:ss").decode()
    # The certificate's tunnel and the enrollment request's both logged in.
    assert len(tunnel.logins) == len(tunnel.tunnels) >= 2
    assert set(tunnel.logins) == {expected}
