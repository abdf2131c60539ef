"""Crash safety: SIGKILL the program while it writes cases, many times; nothing is lost.

A writer process (tests/crash_writer.py) opens the profile as the program does and
registers, records materials for and accepts cases through the case services, printing
each committed step. It is killed with SIGKILL at moments drawn from a seeded random
generator: while starting, between transactions and in the middle of them. After every
kill the database must pass ``PRAGMA integrity_check``; every step the writer reported
must be there with all its events, outbox rows and audit records; the case table must
equal a rebuild from the events; and the audit chain must verify.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from app.domain.roles import Role
from app.domain.seal import SealKind
from app.services import accounts, catalog, seals
from app.services.demo import DEPARTMENTS, MATTERS
from app.services.recording import rebuild_projection
from app.services.runtime import open_runtime
from app.services.system import verify_audit
from app.store.database import DATABASE_NAME

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")

ROOT = Path(__file__).resolve().parent.parent
WRITER = Path(__file__).resolve().parent / "crash_writer.py"
KILLS = 15
SEED = 20261123
MATTER_CODE = "SCJ-001"
CLERK, PASSWORD = "clerk_scj", "crash-test-2026"
STARTUP_TIMEOUT = 30.0


@pytest.fixture
def profile_dir(tmp_path: Path) -> Path:
    """A profile with one matter and one clerk (cheap password hashes, see conftest)."""
    data_dir = tmp_path / "profile"
    with open_runtime(data_dir, backups=False) as runtime:
        admin = accounts.create_first_administrator(
            runtime.uow, username="admin", display_name="系统管理员", password=PASSWORD,
            station_code="XZ01", station_name="清河县政务服务中心", window_name="综合窗口",
        )
        matter = next(m for m in MATTERS if m.code == MATTER_CODE)
        catalog.save_department(runtime.uow, admin, next(
            d for d in DEPARTMENTS if d.code == matter.department_code))
        catalog.save_matter(runtime.uow, admin, matter)
        accounts.create_user(
            runtime.uow, admin, username=CLERK, display_name="王伟", password=PASSWORD,
            roles=frozenset({Role.CLERK}), department_code=matter.department_code,
            window_name="1号窗口",
        )
        clerk = next(u for u in accounts.list_users(runtime.uow) if u["username"] == CLERK)
        seals.register_seal(
            runtime.uow, admin, runtime.key_store, department_code=matter.department_code,
            authority_name="清河县市场监督管理局", serial="1305340000101", custodian_id=str(clerk["id"]),
            valid_from=date(2026, 1, 1), valid_to=None, made_on=date(2025, 12, 20),
            made_by="县公安局备案刻章点", kind=SealKind.INTAKE, window_name="1号窗口",
        )
    return data_dir


class Writer:
    """One writer process and the lines it printed, read on a thread (never blocks)."""

    def __init__(self, data_dir: Path, seed: int) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [sys.executable, str(WRITER), str(data_dir), CLERK, PASSWORD, MATTER_CODE,
             str(seed)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.strip())
            if line.strip() == "ready":
                self.ready.set()

    def kill(self) -> str:
        """SIGKILL, reap, and return what it wrote on stderr (for a failure message)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._reader.join(timeout=10)
        assert self.process.stderr is not None
        errors = self.process.stderr.read()
        self.process.stderr.close()
        assert self.process.stdout is not None
        self.process.stdout.close()
        return errors

    def committed(self) -> dict[str, int]:
        """Case id -> how many of its events the writer saw committed."""
        result: dict[str, int] = {}
        for line in self.lines:
            if line.startswith("committed "):
                _, case_id, events = line.split()
                result[case_id] = max(result.get(case_id, 0), int(events))
        return result


def _rows(connection: sqlite3.Connection, sql: str) -> list[tuple[object, ...]]:
    return connection.execute(sql).fetchall()


def check_profile(data_dir: Path, committed: dict[str, int]) -> int:
    """Every invariant that must hold after a kill; returns the number of cases."""
    connection = sqlite3.connect(data_dir / DATABASE_NAME)
    try:
        assert _rows(connection, "PRAGMA integrity_check") == [("ok",)]
        assert _rows(connection, "PRAGMA foreign_key_check") == []
        events: dict[str, int] = dict(_rows(  # type: ignore[arg-type]
            connection, "SELECT case_id, count(*) FROM events GROUP BY case_id"))
        case_ids = {row[0] for row in _rows(connection, "SELECT id FROM cases")}
        event_ids = {row[0] for row in _rows(connection, "SELECT id FROM events")}
        outbox_ids = {row[0] for row in _rows(connection, "SELECT event_id FROM outbox")}
        seal_uses = {row[0] for row in _rows(connection, "SELECT id FROM seal_uses")}
        sealed_documents = {row[0] for row in _rows(
            connection, "SELECT seal_use_id FROM documents WHERE seal_use_id IS NOT NULL")}
        sealed_events = {json.loads(row[0])["seal_use_id"] for row in _rows(
            connection, "SELECT payload FROM events WHERE type = 'sealed'")}
        audited = set()
        for (body,) in _rows(connection, "SELECT body FROM audit_log"):
            record = json.loads(body)
            if record.get("kind") == "event":
                audited.add(record["event"]["id"])
    finally:
        connection.close()

    for case_id, steps in committed.items():
        assert case_id in case_ids, f"committed case {case_id} lost"
        # A step may have committed just before the kill, unreported: never fewer.
        assert events.get(case_id, 0) >= steps, f"case {case_id} lost events"
    assert set(events) == case_ids, "a case row without events or events without a row"
    assert event_ids == outbox_ids == audited, "event, outbox and audit records disagree"
    assert seal_uses == sealed_documents == sealed_events, "a seal use without its document"

    with open_runtime(data_dir, backups=False) as runtime:
        checked, broken = verify_audit(runtime.uow)
        assert broken is None, f"audit chain broken at {broken.sequence}: {broken.reason}"
        assert checked >= len(event_ids)
        with runtime.uow() as uow:
            stored = _projection(uow.session)
            assert rebuild_projection(uow) == len(case_ids)
            uow.session.flush()
            uow.session.expire_all()
            rebuilt = _projection(uow.session)
            # Leaving without commit rolls the rebuild back: the profile stays as it was.
        assert stored == rebuilt, "case table differs from the replay of the event log"
    return len(case_ids)


def _projection(session: object) -> list[dict[str, object]]:
    from sqlalchemy import text

    rows = session.execute(text("SELECT * FROM cases ORDER BY id")).mappings()  # type: ignore[attr-defined]
    return [{k: v for k, v in row.items() if k != "updated_at"} for row in rows]


def test_sigkill_at_random_moments_never_loses_or_damages_committed_cases(
    profile_dir: Path,
) -> None:
    rng = random.Random(SEED)
    committed: dict[str, int] = {}
    mid_run_kills = 0
    for round_number in range(KILLS):
        writer = Writer(profile_dir, seed=SEED + round_number)
        if rng.random() < 0.2:
            # While starting: importing, opening and checking the profile.
            time.sleep(rng.uniform(0.0, 0.8))
        else:
            assert writer.ready.wait(STARTUP_TIMEOUT), "writer did not start"
            # The first case committed, then a kill at a random moment of the next ones:
            # accepting signs the sealed acceptance notice (0.5 s, more on a busy machine),
            # and a kill inside that transaction must lose the acceptance and the seal
            # together. Waiting for the first commit keeps every round a round of writing
            # however slow the machine is.
            deadline = time.monotonic() + STARTUP_TIMEOUT
            while not writer.committed() and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.02, 1.2))
            mid_run_kills += 1
        errors = writer.kill()
        assert writer.process.returncode == -signal.SIGKILL, errors
        assert "Traceback" not in errors, errors
        for case_id, steps in writer.committed().items():
            committed[case_id] = max(committed.get(case_id, 0), steps)
        check_profile(profile_dir, committed)
    # The run must really have been interrupted while writing, not only while idle.
    assert mid_run_kills >= KILLS // 2
    assert len(committed) >= mid_run_kills
