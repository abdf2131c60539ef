"""Crash faults with real processes: SIGKILL the server mid-push, SIGKILL a client
between its local commit and its push. Afterwards server and station hold the same
events, none lost, none twice."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from app.services import cases
from server.database import ServerConfig, make_engine
from tests.sync_fixtures import (
    APPLICANT,
    LiveServer,
    StationProfile,
    free_port,
    make_station,
    received_materials,
    session_with,
)

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="uses SIGKILL")


class ServerProcess:
    """``python -m server serve`` in its own process."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "server", "serve", "--port", str(self.port),
             "--data-dir", str(self.data_dir)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("server process did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def event_ids(self) -> list[str]:
        live = LiveServer(ServerConfig(self.data_dir), engine=make_engine(
            f"sqlite:///{self.data_dir / 'counterdesk-server.sqlite3'}"))
        try:
            return live.event_ids()
        finally:
            live.engine.dispose()


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path / "server", free_port())
    yield process
    process.kill()


class KillServerDuringPush(requests.adapters.HTTPAdapter):
    """On the n-th push, SIGKILL the server while the request is on its way."""

    def __init__(self, server: ServerProcess, nth: int) -> None:
        super().__init__(max_retries=0)
        self.server = server
        self.nth = nth
        self.pushes = 0

    def send(self, request: requests.PreparedRequest, *args: Any,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        if request.method == "POST" and request.path_url.endswith("/events/push"):
            self.pushes += 1
            if self.pushes == self.nth:
                threading.Timer(0.005, self.server.kill).start()
        return super().send(request, *args, **kwargs)


def test_server_killed_in_the_middle_of_a_push_loses_and_duplicates_nothing(
    server_process: ServerProcess, tmp_path: Path
) -> None:
    station = make_station(tmp_path / "xc01", "XC01", "城关镇便民服务站")
    try:
        admin = LiveServer(ServerConfig(server_process.data_dir))  # the database, not served
        code = admin.create_station("城关镇", "XC01")
        admin.engine.dispose()
        server_process.start()
        station.engine.enroll(server_process.url, code)
        for _ in range(60):
            cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                                applicant=APPLICANT, materials=received_materials())
        killer = KillServerDuringPush(server_process, nth=2)
        station.engine.session_factory = session_with(killer)
        station.engine.push_batch = 20
        crashed = station.engine.sync_once()
        assert crashed.unreachable
        assert 0 < len(station.outbox()) < 60

        server_process.start()  # restarted on the same data
        station.engine.session_factory = None
        report = station.engine.sync_once()
        assert report.ok, report.errors
        on_server = server_process.event_ids()
        assert len(on_server) == len(set(on_server)) == 60
        assert sorted(on_server) == sorted(station.event_ids())
        assert station.outbox() == []
    finally:
        station.close()


CLIENT_SCRIPT = """
import json, os, signal, sys
from pathlib import Path
from app.domain.roles import Role
from app.services import cases
from app.services.context import CurrentUser
from app.services.runtime import open_runtime

profile, clerk = sys.argv[1], json.loads(sys.argv[2])
runtime = open_runtime(Path(profile), backups=False)
user = CurrentUser(id=clerk["id"], username=clerk["username"],
                   display_name=clerk["display_name"], roles=frozenset({Role.CLERK}),
                   station=clerk["station"], department_code="SCJ")
case = cases.register_case(runtime.uow, user, matter_code="SCJ-001",
                           applicant=json.loads(sys.argv[3]), materials=json.loads(sys.argv[4]))
print(case.id, flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # dies before any sync
"""


def test_client_killed_between_its_commit_and_its_push_sends_the_event_later(
    tmp_path: Path
) -> None:
    live = LiveServer(ServerConfig(tmp_path / "server")).start()
    station: StationProfile | None = None
    try:
        station = make_station(tmp_path / "xc01", "XC01", "城关镇便民服务站")
        station.engine.enroll(live.url, live.create_station("城关镇", "XC01"))
        clerk = {"id": station.clerk.id, "username": station.clerk.username,
                 "display_name": station.clerk.display_name, "station": "XC01"}
        result = subprocess.run(
            [sys.executable, "-c", CLIENT_SCRIPT, str(station.runtime.profile.data_dir),
             json.dumps(clerk), json.dumps(APPLICANT), json.dumps(received_materials())],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )
        assert result.returncode == -signal.SIGKILL
        case_id = result.stdout.strip()
        assert len(station.outbox()) == 1
        report = station.engine.sync_once()
        assert report.ok and report.pushed == 1
        assert live.event_ids() == station.event_ids()
        assert cases.get_case(station.uow, case_id).number.startswith("XC01-")
    finally:
        if station is not None:
            station.close()
        live.dispose()

