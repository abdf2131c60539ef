"""The server as a county deploys it: several uvicorn worker processes from the app
factory on PostgreSQL (push numbering gapless and in commit order while stations push
at once and a centre window pulls), /health and /metrics, logs without ID or phone
numbers, and a worker refusing a database that was not migrated."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from app.services import cases
from server import stations
from server.database import DATA_DIR_ENV, DB_URL_ENV
from server.models import EventRow
from server.monitoring import JsonFormatter, redact
from tests.sync_fixtures import (
    APPLICANT,
    StationProfile,
    free_port,
    make_station,
    postgres_database,
    received_materials,
)

ROOT = Path(__file__).resolve().parent.parent


def _server_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


class Workers:
    """``uvicorn --factory server.asgi:create --workers N`` as a child process."""

    def __init__(self, env: dict[str, str], workers: int, log: Path, port: int = 0) -> None:
        self.port = port or free_port()
        self.log = log
        with log.open("w") as output:  # a file: a full pipe would stall the workers
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "server.asgi:create",
                 "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)],
                cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"workers did not start: {self.stop()}")
            time.sleep(0.2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text(encoding="utf-8")


@pytest.fixture
def county(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with postgres_database() as url:
        if url is None:
            pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
        multiprocess = tmp_path / "metrics"
        multiprocess.mkdir()
        env = {**os.environ, DB_URL_ENV: url, DATA_DIR_ENV: str(tmp_path / "server"),
               "PROMETHEUS_MULTIPROC_DIR": str(multiprocess)}
        yield url, env


def _enrolled(url: str, server_url: str, folder: Path, code: str, *,
              all_cases: bool = False) -> StationProfile:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            created = stations.create_station(session, name=f"站点{code}", code=code,
                                              sees_all_cases=all_cases)
            session.commit()
    finally:
        engine.dispose()
    station = make_station(folder, code, f"站点{code}")
    station.engine.enroll(server_url, created.enrollment_code)
    return station


@pytest.mark.postgres
def test_several_workers_number_pushes_gaplessly_in_commit_order(
    county: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = county
    assert _server_cli("init", env=env).returncode == 0
    workers = Workers(env, workers=3, log=tmp_path / "workers.log")
    profiles: list[StationProfile] = []
    try:
        window = _enrolled(url, workers.url, tmp_path / "window", "XZZX", all_cases=True)
        profiles.append(window)
        townships = [_enrolled(url, workers.url, tmp_path / code, code)
                     for code in ("XC01", "XC02", "XC03", "XC04")]
        profiles += townships
        failures: list[str] = []
        pushing = threading.Event()
        pushing.set()

        def township_work(station: StationProfile) -> None:
            for _ in range(4):
                case = cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                                           applicant=APPLICANT, materials=received_materials())
                cases.accept(station.uow, station.clerk, case.id, seal=station.counter_seal)
                report = station.engine.sync_once()
                if not report.ok:
                    failures.append(f"{station.code}: {report.errors}")

        def window_work() -> None:
            while pushing.is_set():
                report = window.engine.sync_once()
                if not report.ok:
                    failures.append(f"window: {report.errors}")

        threads = [threading.Thread(target=township_work, args=(s,)) for s in townships]
        puller = threading.Thread(target=window_work)
        puller.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pushing.clear()
        puller.join()
        assert window.engine.sync_once().ok
        assert failures == []

        engine = create_engine(url)
        try:
            with Session(engine) as session:
                numbered = list(session.execute(
                    select(EventRow.server_sequence, EventRow.id).order_by(
                        EventRow.server_sequence)))
        finally:
            engine.dispose()
        sequences = [n for n, _ in numbered]
        assert sequences == list(range(1, len(sequences) + 1))  # no gap, no repeat
        assert len(sequences) >= 4 * 4 * 3
        # The window pulled while others pushed, and still holds every event once:
        # no number committed after a later one was pulled past.
        held = window.event_ids()
        assert sorted(held) == sorted(i for _, i in numbered)
        assert len(held) == len(set(held))
        for station in townships:
            assert station.outbox() == []

        metrics = requests.get(f"{workers.url}/metrics", timeout=10).text
        accepted = [line for line in metrics.splitlines()
                    if line.startswith('counterdesk_events_pushed_total{answer="accepted"}')]
        assert accepted and float(accepted[0].split()[-1]) == len(sequences)
        assert f"counterdesk_events {float(len(sequences))}" in metrics
        assert "counterdesk_stations_behind 0.0" in metrics
        # Every answer counted by its route, method and status, its time measured.
        pushes = [line for line in metrics.splitlines() if line.startswith(
            'counterdesk_http_requests_total{method="POST",route="/api/v1/events/push",'
            'status="200"}')]
        assert pushes and float(pushes[0].split()[-1]) >= 4 * 3
        assert 'counterdesk_http_request_duration_seconds_count{route="/api/v1/station"}' in metrics
        health = requests.get(f"{workers.url}/health", timeout=10).json()
        assert health["status"] == "ok" and health["database"] == "PostgreSQL"
    finally:
        for profile in profiles:
            profile.close()
        output = workers.stop()
    # The workers' logs are JSON lines without the applicant's ID or phone number.
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(entry.get("route") == "/api/v1/events/push" for entry in lines)
    assert APPLICANT["id_number"] not in output and APPLICANT["phone"] not in output


def test_a_worker_refuses_a_database_that_was_not_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.asgi import create

    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "server"))
    monkeypatch.delenv(DB_URL_ENV, raising=False)
    (tmp_path / "server").mkdir()
    with pytest.raises(SystemExit, match="python -m server init"):
        create()


def test_log_lines_never_hold_an_id_or_a_mobile_number() -> None:
    record = logging.makeLogRecord({
        "msg": "申请人 %s 电话 %s", "args": (APPLICANT["id_number"], APPLICANT["phone"]),
        "levelname": "INFO", "name": "t", "station": "XC01", "note": "old id 110105491231002",
    })
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "申请人 [已隐去] 电话 [已隐去]"
    assert line["station"] == "XC01" and line["note"] == "old id [已隐去]"
    # Case numbers and server sequences are not mistaken for them.
    assert redact("XC01-20261202-0001 seq 123456") == "XC01-20261202-0001 seq 123456"


@pytest.mark.postgres
def test_a_pg_dump_backup_restored_with_a_new_epoch_gets_back_what_it_missed(
    county: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    """deploy/backup-postgres.sh, then the restore steps of docs/operations.md:
    pg_restore, ``init``, ``new-epoch``; the station re-sends what the dump lacks."""
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump / pg_restore not installed (Debian: postgresql-client)")
    url, env = county
    assert _server_cli("init", env=env).returncode == 0
    env = {**env, "BACKUP_DIR": str(tmp_path / "backups")}
    workers = Workers(env, workers=2, log=tmp_path / "workers.log")
    station: StationProfile | None = None
    try:
        station = _enrolled(url, workers.url, tmp_path / "xc01", "XC01")
        cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                            applicant=APPLICANT, materials=received_materials())
        assert station.engine.sync_once().ok
        backup = subprocess.run(["sh", str(ROOT / "deploy" / "backup-postgres.sh")], env=env,
                                capture_output=True, text=True, timeout=120)
        assert backup.returncode == 0, backup.stderr
        dump = Path(backup.stdout.strip().splitlines()[-1])
        assert dump.is_file() and dump.name.startswith("counterdesk-")
        # Work after the backup, then the disaster.
        cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                            applicant=APPLICANT, materials=received_materials())
        assert station.engine.sync_once().ok
        everything = sorted(station.event_ids())
        workers.stop()

        plain = url.replace("postgresql+psycopg:", "postgresql:")
        restore = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner",
                                  "--dbname", plain, str(dump)],
                                 capture_output=True, text=True, timeout=120)
        assert restore.returncode == 0, restore.stderr
        assert _server_cli("init", env=env).returncode == 0
        renewed = _server_cli("new-epoch", env=env)
        assert renewed.returncode == 0, renewed.stderr

        workers = Workers(env, workers=2, log=tmp_path / "workers2.log", port=workers.port)
        report = station.engine.sync_once()
        assert report.ok and report.epoch_changed, report.errors
        engine = create_engine(url)
        try:
            with Session(engine) as session:
                held = sorted(session.scalars(select(EventRow.id)))
        finally:
            engine.dispose()
        assert held == everything
    finally:
        if station is not None:
            station.close()
        workers.stop()
