"""Benchmark: push then pull 10,000 events between stations and the central server
on 127.0.0.1, the server on PostgreSQL.

    .venv/bin/python bench/bench_sync.py [--cases 2000] [--empty-rounds 20] [--repeats 2]
                                         [--no-profile]
                                         [--pg postgresql://postgres@127.0.0.1:5432/postgres]
                                         [--out bench/RESULTS-sync.md]

What it does, in order:

1. creates a throwaway PostgreSQL database (dropped at the end), runs ``python -m server
   init`` and ``create-station`` on it (a township station XC01 and a county-centre
   window XZZX created with ``--all-cases``), and starts ``python -m server serve --db
   URL`` as its own process, exactly as a county would;
2. makes two station profiles (``tests/sync_fixtures.make_station``: a real profile with
   its staff and catalog, an in-memory keyring) and enrolls them with the one-time codes
   the CLI printed; one first round each sends the staff;
3. makes ``--cases`` x 6 events at XC01 through ``app.services.cases`` (register,
   record materials, accept with the acceptance notice sealed at the counter, review,
   approve: the clerk and the chief), timed;
4. XC01's next ``SyncEngine.sync_once`` pushes them all: events/s pushed, bytes sent;
5. XZZX's next round pulls them all: events/s pulled, bytes received;
6. a round with nothing new, ``--empty-rounds`` times at each station (median), and
   each request of such a round alone;
7. the floors: the server's own rows for those events (events, deliveries, case scopes)
   read back and bulk-inserted straight into copies of its tables with psycopg
   ``executemany`` and ``COPY``, and the feed read back with one SELECT; the push's
   time-stamp tokens made alone; the rows the pull left at the centre inserted into a
   fresh profile in one transaction, with and without the documents;
8. ``--repeats`` times: the same push and pull again, each on a fresh server and
   database (the township re-enrolls and queues its events again, a new centre window
   pulls them); the verdicts go by the median of all the runs;
9. unless ``--no-profile``: the same push and pull again against a second server
   process on a second throwaway database, that server and the stations under cProfile
   (every thread of the server), to show where the time goes.

Events/s is wall-clock time of the phase as the station sees it (from the first push
batch to the start of the pull phase; from the first pull page to the end of the
round), client and server work included. Bytes are HTTP bodies as they travel
(requests compressed by the client, answers as the server's gzip middleware sends them),
without headers. Timings only: nothing is asserted beyond the events arriving.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import hashlib
import os
import pstats
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# The code measured: this tree, or another checkout's (``BENCH_CODE_ROOT=/work/main``
# measures the code before a change with this same script, in the same run).
HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("BENCH_CODE_ROOT") or HERE.parent)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from requests.adapters import HTTPAdapter  # noqa: E402

import app.services.accounts as accounts  # noqa: E402
from app.domain.audit import canonical_json  # noqa: E402
from app.services import cases  # noqa: E402
from app.services.runtime import open_runtime  # noqa: E402
from app.store.database import DATABASE_NAME  # noqa: E402
from app.sync.client import SyncClient  # noqa: E402
from app.sync.credentials import MemoryKeyring  # noqa: E402
from app.sync.engine import PULL_CURSOR, STATION_CODE, SyncEngine, SyncReport  # noqa: E402
from app.sync.local import REFERENCE_VERSION  # noqa: E402
from app.sync.protocol import DEFAULT_PULL_LIMIT, DEFAULT_PUSH_BATCH, HEALTH_PATH  # noqa: E402
from bench.measured_on import machine  # noqa: E402
from server import timestamps  # noqa: E402
from tests.sync_fixtures import (  # noqa: E402
    APPLICANT,
    StationProfile,
    free_port,
    make_station,
    received_materials,
)

TARGET_PUSH = 20000.0  # events/s (issue 19)
TARGET_PULL = 30000.0  # events/s
TARGET_EMPTY_MS = 3.0
EVENTS_PER_CASE = 6
TOWNSHIP, CENTRE = "XC01", "XZZX"

# --------------------------------------------------------------------------- helpers


def ms(seconds: float) -> float:
    return seconds * 1000.0


def median_p90(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[
        min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))
    ]


def libpq_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://")


@contextlib.contextmanager
def throwaway_database(admin_url: str, prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database; dropped (connections ended) afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(libpq_url(admin_url), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


# --------------------------------------------------------------------------- the server

# Runs ``python -m server serve`` with every thread under its own cProfile (the event
# loop, and the worker threads that run the endpoints' database work), and writes the
# merged statistics when the server stops.
PROFILED_SERVER = """
import cProfile, pstats, sys, threading
sys.path.insert(0, {root!r})
profiles = []
def start(frame, event, arg):
    sys.setprofile(None)
    profile = cProfile.Profile()
    profiles.append(profile)
    profile.enable()
threading.setprofile(start)
main = cProfile.Profile()
profiles.append(main)
main.enable()
from server.cli import main as server_main
try:
    server_main(sys.argv[1:])
finally:
    main.disable()
    stats = None
    for profile in profiles:
        try:
            stats = pstats.Stats(profile) if stats is None else (stats.add(profile) or stats)
        except TypeError:  # a thread that never ran Python code
            pass
    stats.dump_stats({out!r})
"""


class ServerProcess:
    """``python -m server serve --db URL --data-dir DIR --port P`` in its own process."""

    def __init__(self, db_url: str, data_dir: Path, *, profile_to: Path | None = None) -> None:
        self.db_url = db_url
        self.data_dir = data_dir
        self.profile_to = profile_to
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cli(self, *args: str) -> str:
        """A ``python -m server`` admin command on the same database; its stdout."""
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "server",
                *args,
                "--db",
                self.db_url,
                "--data-dir",
                str(self.data_dir),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"python -m server {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def create_station(self, name: str, code: str, *extra: str) -> str:
        """The one-time enrollment code (the command's last line)."""
        return self.cli("create-station", name, "--code", code, *extra).strip().splitlines()[-1]

    def start(self) -> ServerProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        serve = [
            "serve",
            "--db",
            self.db_url,
            "--data-dir",
            str(self.data_dir),
            "--port",
            str(self.port),
        ]
        if self.profile_to is None:
            command = [sys.executable, "-m", "server", *serve]
        else:
            script = PROFILED_SERVER.format(root=str(ROOT), out=str(self.profile_to))
            command = [sys.executable, "-c", script, *serve]
        self.process = subprocess.Popen(
            command, cwd=ROOT, stdout=self.log.open("wb"), stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(self.url + HEALTH_PATH, timeout=1).ok:
                    return self
            except requests.ConnectionError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"server did not start; see {self.log}:\n"
                    + self.log.read_text(errors="replace")[-2000:]
                )
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


# --------------------------------------------------------------------------- traffic


@dataclass
class Exchange:
    method: str
    path: str
    started: float  # perf_counter when the request went out (approximately)
    ended: float  # perf_counter when the answer's body was read
    elapsed: float  # seconds: requests' elapsed (until the answer's headers)
    sent: int
    received: int


@dataclass
class Traffic:
    """Every HTTP exchange of a station's sync engine, from a response hook."""

    exchanges: list[Exchange] = field(default_factory=list)

    def session_factory(self) -> Callable[[], requests.Session]:
        def factory() -> requests.Session:
            session = requests.Session()
            session.mount("http://", HTTPAdapter(max_retries=0))
            session.hooks["response"].append(self._hook)
            return session

        return factory

    def _hook(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        response.content  # noqa: B018 - read the body now, to count and time it
        ended = time.perf_counter()
        body = response.request.body or b""
        received = response.raw.tell() if hasattr(response.raw, "tell") else 0
        self.exchanges.append(
            Exchange(
                method=response.request.method or "",
                path=urlsplit(response.request.url or "").path,
                started=ended - response.elapsed.total_seconds(),
                ended=ended,
                elapsed=response.elapsed.total_seconds(),
                sent=len(body) if isinstance(body, bytes) else len(str(body).encode()),
                received=received or len(response.content),
            )
        )

    def mark(self) -> int:
        return len(self.exchanges)

    def since(self, mark: int) -> list[Exchange]:
        return self.exchanges[mark:]


# One line per kind of request: the 2,000 attachments' paths differ only by their digest.
_DIGEST = re.compile(r"/[0-9a-f]{64}(?=/|$)")


def summarise(exchanges: list[Exchange]) -> dict[str, dict[str, float]]:
    by_path: dict[str, dict[str, float]] = {}
    for e in exchanges:
        key = f"{e.method} {_DIGEST.sub('/{sha256}', e.path)}"
        entry = by_path.setdefault(key, {"requests": 0, "sent": 0, "received": 0, "elapsed": 0.0})
        entry["requests"] += 1
        entry["sent"] += e.sent
        entry["received"] += e.received
        entry["elapsed"] += e.elapsed
    return by_path


# --------------------------------------------------------------------------- rounds


@dataclass
class Round:
    report: SyncReport
    wall: float
    stages: dict[str, float]  # first time each progress stage was reported
    ended: float
    exchanges: list[Exchange]

    def feed_s(self) -> float:
        """The pull of the events alone, without the sealed PDFs fetched after it."""
        return self.phase("pull", "documents" if "documents" in self.stages else None)

    def documents_s(self) -> float:
        return self.phase("documents", None)

    def phase(self, start: str, end: str | None) -> float:
        begin = self.stages.get(start)
        if begin is None:
            return 0.0
        finish = self.stages.get(end, self.ended) if end else self.ended
        return finish - begin


def sync_round(station: StationProfile, traffic: Traffic) -> Round:
    stages: dict[str, float] = {}

    def progress(stage: str, _done: int, _total: int | None) -> None:
        stages.setdefault(stage, time.perf_counter())

    mark = traffic.mark()
    started = time.perf_counter()
    report = station.engine.sync_once(progress=progress)
    ended = time.perf_counter()
    if not report.ok:
        raise RuntimeError(f"sync round failed at {station.code}: {report.errors}")
    return Round(report, ended - started, stages, ended, traffic.since(mark))


def phase_requests(rnd: Round, path_suffix: str, method: str) -> list[Exchange]:
    return [e for e in rnd.exchanges if e.method == method and e.path.endswith(path_suffix)]


# --------------------------------------------------------------------------- workload


def generate(station: StationProfile, n_cases: int) -> float:
    """``n_cases`` cases of 6 events each through the services; seconds taken."""
    materials = received_materials()
    # The seal's key file is read (and its PKCS#12 key derivation run, about 0.14 s) on
    # every sealed acceptance; here once. The events made are the same.
    store = station.runtime.key_store
    load = functools.lru_cache(maxsize=None)(store.load)
    store.load = load  # type: ignore[method-assign]
    started = time.perf_counter()
    last = started
    for i in range(n_cases):
        case = cases.register_case(
            station.uow,
            station.clerk,
            matter_code="SCJ-001",
            applicant=APPLICANT,
            materials=materials,
        )
        cases.record_materials(station.uow, station.clerk, case.id, materials=materials)
        cases.accept(station.uow, station.clerk, case.id, seal=station.counter_seal)
        cases.review(
            station.uow,
            station.clerk,
            case.id,
            conforms=True,
            opinion="材料齐全，符合法定条件、标准",
        )
        cases.approve(station.uow, station.chief, case.id, opinion="同意")
        if time.perf_counter() - last > 15:
            last = time.perf_counter()
            print(
                f"  ... {i + 1} cases, {(i + 1) * EVENTS_PER_CASE} events, {last - started:.0f} s",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    del store.load
    return elapsed


def township_with_events(
    cache: Path | None, n_cases: int, data_dir: Path, traffic: Traffic
) -> tuple[StationProfile, float | None]:
    """The township XC01 with ``n_cases`` cases' events queued, not yet enrolled; and
    the seconds generating them took (None when they came from ``cache``).

    Generating goes through the services, sealing every acceptance notice at the
    counter (about 0.4 s a case on this machine), so ``--township-cache`` keeps the
    generated profile and later runs copy it: the same events for every run and for
    the code before a change (the profile's schema is the same)."""
    kept = cache / f"xc01-{n_cases}-cases" if cache else None
    if kept is None or not (kept / "complete").exists():
        target = data_dir if kept is None else kept.with_name(kept.name + ".partial")
        shutil.rmtree(target, ignore_errors=True)
        station = new_station(target, TOWNSHIP, "城关镇便民服务站", traffic)
        print(f"generating {n_cases} cases x {EVENTS_PER_CASE} events at {TOWNSHIP} "
              "through app.services.cases ...", flush=True)
        generation = generate(station, n_cases)
        if kept is None:
            return station, generation
        station.close()
        target.rename(kept)
        (kept / "complete").write_text(f"{generation:.3f}\n")
    shutil.rmtree(data_dir, ignore_errors=True)
    shutil.copytree(kept, data_dir)
    runtime = open_runtime(data_dir, backups=False)
    keyring = MemoryKeyring()
    engine = SyncEngine(runtime.uow, keyring=keyring,
                        attachments_dir=runtime.profile.attachments_dir,
                        session_factory=traffic.session_factory(), timeout=(5.0, 60.0),
                        retries=0)
    # Only the engine and the profile are used from here on (no one acts any more).
    nobody: Any = None
    return StationProfile(TOWNSHIP, runtime, keyring, engine, nobody, nobody, nobody,
                          nobody), None


# --------------------------------------------------------------------------- floor


@dataclass
class FloorResult:
    label: str
    rows: int
    seconds: float


def floor(db_url: str, centre_code: str) -> list[FloorResult]:
    """The server's rows for the pushed events, bulk-inserted straight into copies of
    its tables (same columns, types, indexes and constraints but foreign keys), each
    way in one committed transaction; and the centre's feed read back in one SELECT."""
    results: list[FloorResult] = []
    tables = {
        "events": "SELECT * FROM events ORDER BY server_sequence",
        "deliveries": "SELECT * FROM deliveries WHERE event_sequence IS NOT NULL ORDER BY id",
        "case_scopes": "SELECT * FROM case_scopes",
    }
    with psycopg.connect(libpq_url(db_url)) as conn:
        data: dict[str, tuple[list[str], list[str], list[tuple[Any, ...]]]] = {}
        for table, query in tables.items():
            columns = conn.execute(
                "SELECT column_name, format_type(a.atttypid, a.atttypmod) "
                "FROM information_schema.columns c JOIN pg_attribute a "
                "ON a.attrelid = %s::regclass AND a.attname = c.column_name "
                "WHERE c.table_name = %s ORDER BY c.ordinal_position",
                (table, table),
            ).fetchall()
            names = [c[0] for c in columns]
            types = [c[1] for c in columns]
            as_text = ", ".join(f'"{n}"::text' for n in names)
            rows = conn.execute(f"SELECT {as_text} FROM ({query}) AS t").fetchall()
            data[table] = (names, types, rows)
            conn.execute(f'DROP TABLE IF EXISTS "floor_{table}"')
            conn.execute(f'CREATE TABLE "floor_{table}" (LIKE "{table}" INCLUDING ALL)')
        conn.commit()

        def truncate() -> None:
            for table in tables:
                conn.execute(f'TRUNCATE "floor_{table}"')
            conn.commit()

        def insert_many(table: str) -> None:
            names, types, rows = data[table]
            placeholders = ", ".join(f"%s::{t}" for t in types)
            column_list = ", ".join(f'"{n}"' for n in names)
            with conn.cursor() as cursor:
                cursor.executemany(
                    f'INSERT INTO "floor_{table}" ({column_list}) VALUES ({placeholders})', rows
                )

        def copy(table: str) -> None:
            names, _types, rows = data[table]
            column_list = ", ".join(f'"{n}"' for n in names)
            with (
                conn.cursor() as cursor,
                cursor.copy(f'COPY "floor_{table}" ({column_list}) FROM STDIN') as stream,
            ):
                for row in rows:
                    stream.write_row(row)

        def timed(label: str, work: Callable[[], None], rows: int) -> None:
            truncate()
            started = time.perf_counter()
            work()
            conn.commit()
            results.append(FloorResult(label, rows, time.perf_counter() - started))

        n_events = len(data["events"][2])
        n_all = sum(len(v[2]) for v in data.values())
        timed(
            "events rows, executemany (psycopg 3, pipelined), one transaction",
            lambda: insert_many("events"),
            n_events,
        )
        timed("events rows, COPY FROM STDIN, one transaction", lambda: copy("events"), n_events)
        def every(write: Callable[[str], None]) -> Callable[[], None]:
            def each_table() -> None:
                for table in tables:
                    write(table)
            return each_table

        timed("events + deliveries + case_scopes (all a push writes), executemany",
              every(insert_many), n_all)
        timed("events + deliveries + case_scopes (all a push writes), COPY", every(copy), n_all)

        def read_feed() -> None:
            conn.execute(
                "SELECT e.* FROM deliveries d JOIN events e "
                "ON e.server_sequence = d.event_sequence WHERE d.station = %s ORDER BY d.id",
                (centre_code,),
            ).fetchall()

        started = time.perf_counter()
        read_feed()
        results.append(
            FloorResult(
                "the centre's whole feed (deliveries JOIN events), one SELECT, fetchall",
                n_events,
                time.perf_counter() - started,
            )
        )
        for table in tables:
            conn.execute(f'DROP TABLE IF EXISTS "floor_{table}"')
        conn.commit()
    return results


def token_floor(n_tokens: int) -> FloorResult:
    """The time-stamp tokens a push makes for its sealed documents (issue 15: one each,
    in the push's transaction), by the server's own token maker with a key of its own:
    part of any push of these events, however its rows were written."""
    with tempfile.TemporaryDirectory(prefix="counterdesk-bench-tsa-") as folder:
        authority = timestamps.open_authority(Path(folder))
        assert authority is not None
        digests = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n_tokens)]
        authority.token(digests[0])  # warm
        started = time.perf_counter()
        for digest in digests:
            authority.token(digest)
        seconds = time.perf_counter() - started
    return FloorResult(f"the push's {n_tokens:,} time-stamp tokens (RSA-2048, one per sealed "
                       "document), made alone", n_tokens, seconds)


# What a pull leaves at the centre, table by table; the reference tables it names
# (departments, matters, staff, seals, calendar) are copied first, untimed.
PULLED_TABLES = ("cases", "events", "documents", "attachments", "audit_log")
PULL_REFERENCE_TABLES = ("departments", "matters", "users", "seals", "calendar_years")


def station_floor(centre_db: Path) -> list[FloorResult]:
    """The rows the centre holds after its pull (its cases, events, documents with their
    PDFs, attachment rows and audit records) inserted with sqlite3's executemany into a
    fresh profile (same schema, indexes and triggers: the migrations' own) in one
    transaction, with the profile's pragmas; and the same without the documents and
    their attachment rows (the feed's floor). The median of three each."""
    source = sqlite3.connect(centre_db)
    rows: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    for table in PULLED_TABLES + PULL_REFERENCE_TABLES:
        cursor = source.execute(f'SELECT * FROM "{table}"')
        rows[table] = ([c[0] for c in cursor.description], cursor.fetchall())
    source.close()
    n_events = len(rows["events"][1])

    def insert(connection: sqlite3.Connection, table: str, verb: str = "INSERT") -> None:
        columns, data = rows[table]
        if table == "audit_log":  # after the fresh profile's own records
            offset = connection.execute("SELECT COALESCE(MAX(sequence), 0) FROM audit_log"
                                        ).fetchone()[0]
            at = columns.index("sequence")
            data = [(*r[:at], r[at] + offset, *r[at + 1:]) for r in data]
        connection.executemany(
            f'{verb} INTO "{table}" ({", ".join(columns)}) '
            f'VALUES ({", ".join("?" * len(columns))})', data)

    def once(tables: tuple[str, ...]) -> float:
        with tempfile.TemporaryDirectory(prefix="counterdesk-bench-floor-") as folder:
            open_runtime(Path(folder), backups=False).close()
            connection = sqlite3.connect(Path(folder) / DATABASE_NAME, isolation_level=None)
            for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
                connection.execute(f"PRAGMA {pragma}")
            connection.execute("BEGIN IMMEDIATE")
            for table in PULL_REFERENCE_TABLES:
                insert(connection, table, "INSERT OR REPLACE")
            connection.execute("COMMIT")
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            for table in tables:
                insert(connection, table)
            connection.execute("COMMIT")
            seconds = time.perf_counter() - started
            connection.close()
        return seconds

    pdf_mb = sum(len(r[rows["documents"][0].index("pdf")] or b"")
                 for r in rows["documents"][1]) / 1e6
    return [
        FloorResult(f"the centre's rows after the pull (cases, events, "
                    f"{len(rows['documents'][1]):,} documents with {pdf_mb:,.0f} MB of PDFs, "
                    "attachment rows, audit records) into a fresh profile, executemany, "
                    "one transaction", n_events,
                    statistics.median(once(PULLED_TABLES) for _ in range(3))),
        FloorResult("the same without the documents and their attachment rows (the feed "
                    "alone)", n_events,
                    statistics.median(once(("cases", "events", "audit_log"))
                                      for _ in range(3))),
    ]


# --------------------------------------------------------------------------- profiles


# Waiting, not working: the event loop's poll, idle worker threads, and the imports and
# start-up of the server process. Left out of the server's tables.
IDLE = (
    "<method 'poll' of 'select.epoll' objects>",
    "<method 'acquire' of '_thread.lock' objects>",
    "<method 'recv_into' of '_socket.socket' objects>",
)
STARTUP = (
    "<frozen importlib",
    "<built-in method builtins.exec>",
    "<built-in method builtins.compile>",
    "<built-in method builtins.__build_class__>",
    "<built-in method marshal.loads>",
    "<built-in method _imp.create_dynamic>",
    "<built-in method posix.stat>",
    "<module>",
)


def _label(key: tuple[str, int, str], strip: list[str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    for prefix in strip:
        filename = filename.replace(prefix, "")
    return f"{filename}:{line}({name})"


def profile_table(
    stats: pstats.Stats,
    sort: str,
    limit: int,
    strip: list[str],
    *,
    drop_idle: bool = False,
    keep: tuple[str, ...] = (),
) -> str:
    """cProfile's top entries like pstats prints them, optionally without the idle and
    start-up entries, or only those whose location contains one of ``keep``."""
    entries = []
    busy = 0.0
    for key, (cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        label = _label(key, strip)
        idle = label in IDLE or any(marker in label for marker in STARTUP)
        if drop_idle and idle:
            continue
        busy += tt
        if keep and not any(k in label for k in keep):
            continue
        entries.append((label, cc, nc, tt, ct))
    index = 3 if sort == "tottime" else 4
    entries.sort(key=lambda e: e[index], reverse=True)
    out = [
        f"{'ncalls':>14} {'tottime':>8} {'percall':>8} {'cumtime':>8} {'percall':>8} "
        "filename:lineno(function)"
    ]
    for label, cc, nc, tt, ct in entries[:limit]:
        calls = f"{nc}/{cc}" if nc != cc else str(nc)
        out.append(
            f"{calls:>14} {tt:8.3f} {tt / nc if nc else 0:8.4f} {ct:8.3f} "
            f"{ct / cc if cc else 0:8.4f} {label}"
        )
    head = f"total own time {busy:.3f} s" + (
        " (idle waiting and start-up left out)" if drop_idle else ""
    )
    return head + "\n" + "\n".join(out)


def profile_text(stats: pstats.Stats, sort: str, limit: int, strip: list[str]) -> str:
    return profile_table(stats, sort, limit, strip)


def strip_prefixes() -> list[str]:
    import sqlalchemy

    site = str(Path(sqlalchemy.__file__).parent.parent) + "/"
    pyroot = str(Path(os.__file__).parent) + "/"
    return [site, pyroot, str(ROOT) + "/"]


def run_profiled(work: Callable[[], Round]) -> tuple[Round, pstats.Stats]:
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        rnd = work()
    finally:
        profiler.disable()
    return rnd, pstats.Stats(profiler)


# --------------------------------------------------------------------------- machine


def postgresql(pg_admin: str) -> str:
    """The server's version and the settings that decide its write speed."""
    with psycopg.connect(libpq_url(pg_admin)) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        settings = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]  # type: ignore[index]
            for name in ("fsync", "synchronous_commit", "shared_buffers", "wal_level")
        }
    return (f"PostgreSQL {version} on 127.0.0.1:5432 ("
            + ", ".join(f"{k}={v}" for k, v in settings.items()) + ")")


# --------------------------------------------------------------------------- main


def new_station(data_dir: Path, code: str, name: str, traffic: Traffic) -> StationProfile:
    return make_station(data_dir, code, name, session_factory=traffic.session_factory())


def held_events(station: StationProfile) -> int:
    return len(station.event_ids())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--empty-rounds", type=int, default=20)
    parser.add_argument(
        "--pg",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="an admin URL of the PostgreSQL server (CREATE/DROP DATABASE)",
    )
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--repeats", type=int, default=2,
        help="push and pull again this many times, each on a fresh server and database "
             "(the verdicts go by the median of all runs)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS-sync.md")
    parser.add_argument(
        "--township-cache", type=Path, default=None,
        help="keep the generated township profile here and copy it in later runs "
             "(generating 2,000 cases takes minutes)",
    )
    parser.add_argument(
        "--preload", type=lambda text: [int(n) for n in text.split(",") if n], default=[],
        help="comma-separated event counts: push, pull and quiet rounds again on a fresh "
             "server whose tables first get that many events of other stations (COPY)",
    )
    args = parser.parse_args(argv)
    n_events = args.cases * EVENTS_PER_CASE
    started_at = datetime.now().astimezone()
    bench_started = time.perf_counter()
    # Cheap password hashing for the stations' staff: not what is measured.
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

    info = machine(["fastapi", "uvicorn", "starlette", "SQLAlchemy", "psycopg", "requests"])
    info["postgresql"] = postgresql(args.pg)
    print(f"{info['python']} | {info['cpu']} | {info['memory']}\n{info['postgresql']}")
    results: dict[str, Any] = {"info": info, "n_events": n_events, "cases": args.cases}

    with tempfile.TemporaryDirectory(prefix="counterdesk-bench-sync-") as scratch_name:
        scratch = Path(scratch_name)
        stations: list[StationProfile] = []
        servers: list[ServerProcess] = []
        try:
            with throwaway_database(args.pg, "counterdesk_bench") as db_url:
                server = ServerProcess(db_url, scratch / "server")
                servers.append(server)
                server.data_dir.mkdir(parents=True)
                server.cli("init")
                township_code = server.create_station("城关镇便民服务站", TOWNSHIP)
                centre_code = server.create_station("县政务服务中心", CENTRE, "--all-cases")
                server.start()
                print(f"server: {server.url} on {db_url.rsplit('@', 1)[-1]}")

                traffic = {TOWNSHIP: Traffic(), CENTRE: Traffic()}
                township, generation = township_with_events(
                    args.township_cache, args.cases, scratch / "xc01", traffic[TOWNSHIP])
                stations.append(township)
                centre = new_station(scratch / "xzzx", CENTRE, "县政务服务中心", traffic[CENTRE])
                stations.append(centre)
                centre.engine.enroll(server.url, centre_code)
                first = {CENTRE: sync_round(centre, traffic[CENTRE])}
                results["first_rounds"] = {c: r.wall for c, r in first.items()}
                queued = len(township.outbox())
                results["generation"] = generation
                results["queued"] = queued
                print(f"  {queued} events queued" + (
                    "" if generation is None else
                    f" in {generation:.1f} s ({queued / generation:.0f} events/s)"))
                # Enrolled now, the township sends its staff and then every event in
                # its next round, as in the repeats.
                township.engine.enroll(server.url, township_code)

                push = sync_round(township, traffic[TOWNSHIP])
                push_s = push.phase("push", "pull")
                push_reqs = phase_requests(push, "/events/push", "POST")
                results["push"] = push
                print(
                    f"push: {push.report.pushed} events in {push_s:.2f} s -> "
                    f"{push.report.pushed / push_s:.0f} events/s; round {push.wall:.2f} s; "
                    f"{len(push_reqs)} requests, {sum(e.sent for e in push_reqs):,} bytes "
                    f"sent (report.bytes_sent {push.report.bytes_sent:,})"
                )

                pull = sync_round(centre, traffic[CENTRE])
                pull_s = pull.phase("pull", None)
                pull_reqs = phase_requests(pull, "/events", "GET")
                results["pull"] = pull
                print(
                    f"pull: {pull.report.pulled} events in {pull_s:.2f} s -> "
                    f"{pull.report.pulled / pull_s:.0f} events/s; round {pull.wall:.2f} s; "
                    f"{len(pull_reqs)} pages, {sum(e.received for e in pull_reqs):,} bytes "
                    f"received; the feed alone {pull.feed_s():.2f} s -> "
                    f"{pull.report.pulled / pull.feed_s():.0f} events/s, then "
                    f"{pull.report.documents} sealed PDFs in {pull.documents_s():.2f} s"
                )
                results["held"] = {TOWNSHIP: held_events(township), CENTRE: held_events(centre)}
                results["server_events"] = int(
                    server.cli("status").split("事件：", 1)[1].split()[0]
                )
                if results["held"][CENTRE] < n_events:
                    raise RuntimeError(f"the centre holds only {results['held'][CENTRE]} events")

                # ---- rounds with nothing new
                empty: dict[str, list[Round]] = {}
                for station in (township, centre):
                    sync_round(station, traffic[station.code])  # warm
                    empty[station.code] = [
                        sync_round(station, traffic[station.code]) for _ in range(args.empty_rounds)
                    ]
                results["empty"] = empty
                for code, rounds in empty.items():
                    med, p90 = median_p90([ms(r.wall) for r in rounds])
                    print(
                        f"empty round at {code}: median {med:.1f} ms, p90 {p90:.1f} ms, "
                        f"{len(rounds[0].exchanges)} requests"
                    )

                # ---- each request of an empty round alone
                results["requests"] = single_requests(township, server.url, args.empty_rounds)
                results["http_floor"] = http_floor(max(args.empty_rounds, 20))
                for label, (med, p90) in results["http_floor"].items():
                    print(f"  floor: one request, {label:<32} median {med:.2f} ms, p90 {p90:.2f} ms")
                for label, (med, p90) in results["requests"].items():
                    print(f"  {label:<42} median {med:.2f} ms, p90 {p90:.2f} ms")

                # ---- where an empty round's time goes, on the station
                _rnd, empty_stats = run_profiled(
                    lambda: [
                        sync_round(township, traffic[TOWNSHIP]) for _ in range(args.empty_rounds)
                    ][-1],
                )
                results["empty_profile"] = profile_text(
                    empty_stats, "tottime", 12, strip_prefixes()
                )
                results["empty_profile_cumulative"] = profile_table(
                    empty_stats,
                    "cumulative",
                    24,
                    strip_prefixes(),
                    keep=(
                        "app/sync",
                        "app/store",
                        "requests/sessions.py",
                        "sessions.py:752",
                        "http/client.py:1342",
                        "getproxies",
                    ),
                )

                # ---- the floor
                server.stop()
                results["floor"] = floor(db_url, CENTRE)
                results["token_floor"] = token_floor(pull.report.documents)
                results["station_floor"] = station_floor(centre.runtime.profile.database_path)
                for f in [*results["floor"], results["token_floor"],
                          *results["station_floor"]]:
                    print(
                        f"floor: {f.label}: {f.rows:,} rows in {ms(f.seconds):.0f} ms "
                        f"-> {f.rows / f.seconds:,.0f} rows/s"
                    )

                results["repeats"] = [
                    repeat_pass(args, scratch, township, traffic, k)
                    for k in range(1, args.repeats + 1)
                ]
                results["scale"] = [scale_pass(args, scratch, township, traffic, n)
                                    for n in args.preload]
                if not args.no_profile:
                    results["profile"] = profile_pass(args, scratch, township, traffic)

            elapsed = time.perf_counter() - bench_started
            results["elapsed"] = elapsed
        finally:
            for server in servers:
                server.stop()
            for station in stations:
                station.close()

    write_report(args.out, results, started_at)
    print(f"written {args.out}")
    return 0


def single_requests(
    station: StationProfile, url: str, repeat: int
) -> dict[str, tuple[float, float]]:
    """Median and p90 ms of each request of an empty round, sent alone."""
    with station.uow() as uow:
        code = uow.settings.get(STATION_CODE, "")
        cursor = int(uow.settings.get(PULL_CURSOR, "0") or 0)
        version = int(uow.settings.get(REFERENCE_VERSION, "0") or 0)
    credential = station.engine.credentials.get(url, code)
    client = SyncClient(url, credential=credential, retries=0)
    calls: dict[str, Callable[[], object]] = {
        "GET /health (no authentication)": client.health,
        "GET /station (who am I, epoch, heads of feed and reference)": client.station,
        "GET /reference?since=<held> (nothing new)": lambda: client.reference(
            version, DEFAULT_PULL_LIMIT
        ),
        "GET /events?after=<cursor> (nothing new)": lambda: client.pull(cursor, DEFAULT_PULL_LIMIT),
    }
    out = {}
    try:
        for label, call in calls.items():
            call()
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                call()
                samples.append(ms(time.perf_counter() - started))
            out[label] = median_p90(samples)
    finally:
        client.close()
    return out


# The floor of a round with nothing new: one HTTP request to an ASGI app that does
# nothing, on the same uvicorn, on loopback.
BARE_SERVER = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"status":"ok"}'})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""


def http_floor(repeat: int) -> dict[str, tuple[float, float]]:
    """Median and p90 ms of one request to a do-nothing uvicorn app: on a new
    connection each time, and on one kept alive."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", BARE_SERVER, str(port)], cwd=ROOT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        out = {}
        with requests.Session() as kept:
            for label, call in (("new connection (requests.get)", lambda: requests.get(url)),
                                ("kept-alive connection (requests.Session)",
                                 lambda: kept.get(url))):
                call()
                samples = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    call()
                    samples.append(ms(time.perf_counter() - started))
                out[label] = median_p90(samples)
        return out
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def fresh_server(db_url: str, data_dir: Path, centre: str) -> tuple[ServerProcess, str, str]:
    """A started server on ``db_url`` with the township and the centre window ``centre``
    (``--all-cases``) created; their enrollment codes."""
    server = ServerProcess(db_url, data_dir)
    server.data_dir.mkdir(parents=True)
    server.cli("init")
    township_code = server.create_station("城关镇便民服务站", TOWNSHIP)
    centre_code = server.create_station("县政务服务中心", centre, "--all-cases")
    server.start()
    return server, township_code, centre_code


def repeat_pass(
    args: argparse.Namespace, scratch: Path, township: StationProfile,
    traffic: dict[str, Traffic], k: int,
) -> tuple[float, float]:
    """The same push and pull again, on a fresh server and database: (pushed/s,
    pulled/s). One run decides little on a machine whose speed drifts (see the notes)."""
    with throwaway_database(args.pg, "counterdesk_bench_repeat") as db_url:
        code = f"XZR{k}"
        server, township_code, centre_code = fresh_server(
            db_url, scratch / f"server-repeat-{k}", code)
        centre_traffic = Traffic()
        centre = new_station(scratch / f"xzr{k}", code, "县政务服务中心", centre_traffic)
        try:
            centre.engine.enroll(server.url, centre_code)
            sync_round(centre, centre_traffic)
            # Enrolled with another server, the township queues every event again.
            township.engine.enroll(server.url, township_code)
            push = sync_round(township, traffic[TOWNSHIP])
            pull = sync_round(centre, centre_traffic)
        finally:
            centre.close()
            server.stop()
    rates = (push.report.pushed / push.phase("push", "pull"),
             pull.report.pulled / pull.phase("pull", None))
    print(f"repeat {k}: push {rates[0]:,.0f} events/s, pull {rates[1]:,.0f} events/s",
          flush=True)
    return rates


# Preloaded events: from stations that take no part in the run, 5 events a case, each
# delivered to one other such station, so every table the sync reads and writes holds
# that many rows more (events, deliveries, case scopes) without any of it reaching the
# two stations measured.
PRELOAD_STATIONS = 20
PRELOAD_PAYLOAD = canonical_json({
    "opinion": "材料齐全，符合法定条件、标准", "conforms": True,
    "materials": [{"code": f"M{i}", "name": "营业执照申请书", "copies": 1} for i in range(3)],
})


def preload(db_url: str, n_events: int) -> float:
    """``n_events`` events of other stations COPYed into the server's tables, then
    ANALYZE (a county server's autovacuum does it within a minute of a bulk load; this
    machine's PostgreSQL runs without it); seconds taken."""
    started = time.perf_counter()
    received = datetime.now().astimezone()
    with psycopg.connect(libpq_url(db_url)) as conn:
        base = int(conn.execute("SELECT event_sequence FROM server_state").fetchone()[0])  # type: ignore[index]
        with conn.cursor() as cursor:
            with cursor.copy(
                "COPY events (server_sequence, id, case_id, type, actor_id, actor_name, "
                "station, device_time, payload, content_hash, station_sequence, received_at, "
                "flag_code, flag_reason) FROM STDIN"
            ) as copy:
                for k in range(n_events):
                    case, step = divmod(k, 5)
                    station = f"P{case % PRELOAD_STATIONS:03d}"
                    copy.write_row((
                        base + k + 1, str(uuid.UUID(int=k + 1)), str(uuid.UUID(int=(1 << 100) + case)),
                        ("registered", "materials_recorded", "accepted", "reviewed", "approved")[step],
                        f"{station}-clerk", "预载受理员", station, received, PRELOAD_PAYLOAD,
                        f"{k:064x}", case // PRELOAD_STATIONS * 5 + step + 1, received, "", "",
                    ))
            with cursor.copy("COPY case_scopes (case_id, station, since_sequence) FROM STDIN") as copy:
                for case in range((n_events + 4) // 5):
                    copy.write_row((str(uuid.UUID(int=(1 << 100) + case)),
                                    f"P{case % PRELOAD_STATIONS:03d}", base + case * 5 + 1))
            with cursor.copy("COPY deliveries (station, event_sequence) FROM STDIN") as copy:
                for k in range(n_events):
                    copy.write_row((f"P{(k // 5 + 1) % PRELOAD_STATIONS:03d}", base + k + 1))
        conn.execute("UPDATE server_state SET event_sequence = %s", (base + n_events,))
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
    return time.perf_counter() - started


@dataclass
class ScaleResult:
    preloaded: int
    preload_s: float
    pushed_per_s: float
    pulled_per_s: float
    quiet_township_ms: list[float]
    quiet_centre_ms: list[float]


def scale_pass(
    args: argparse.Namespace, scratch: Path, township: StationProfile,
    traffic: dict[str, Traffic], preloaded: int,
) -> ScaleResult:
    """Push, pull and rounds with nothing new on a fresh server whose tables already
    hold ``preloaded`` events of other stations."""
    with throwaway_database(args.pg, "counterdesk_bench_scale") as db_url:
        code = "XZS1"
        server, township_code, centre_code = fresh_server(
            db_url, scratch / f"server-scale-{preloaded}", code)
        centre_traffic = Traffic()
        centre = new_station(scratch / f"xzs-{preloaded}", code, "县政务服务中心", centre_traffic)
        try:
            # Enrolled before the preload: a centre window enrolled later gets the whole
            # history, and these events are not what is measured.
            centre.engine.enroll(server.url, centre_code)
            sync_round(centre, centre_traffic)
            print(f"scale {preloaded:,}: preloading ...", flush=True)
            loaded_in = preload(db_url, preloaded)
            township.engine.enroll(server.url, township_code)
            push = sync_round(township, traffic[TOWNSHIP])
            pull = sync_round(centre, centre_traffic)
            quiet: dict[str, list[float]] = {}
            for station, station_traffic in ((township, traffic[TOWNSHIP]),
                                             (centre, centre_traffic)):
                sync_round(station, station_traffic)
                quiet[station.code] = [ms(sync_round(station, station_traffic).wall)
                                       for _ in range(args.empty_rounds)]
        finally:
            centre.close()
            server.stop()
    result = ScaleResult(preloaded, loaded_in,
                         push.report.pushed / push.phase("push", "pull"),
                         pull.report.pulled / pull.phase("pull", None),
                         quiet[TOWNSHIP], quiet[code])
    print(f"scale {preloaded:,} (preloaded in {loaded_in:.0f} s): push "
          f"{result.pushed_per_s:,.0f} events/s, pull {result.pulled_per_s:,.0f} events/s, "
          f"quiet {statistics.median(result.quiet_township_ms):.1f} / "
          f"{statistics.median(result.quiet_centre_ms):.1f} ms", flush=True)
    return result


def profile_pass(
    args: argparse.Namespace, scratch: Path, township: StationProfile, traffic: dict[str, Traffic]
) -> dict[str, Any]:
    """The same push and pull against a second server on a second database, with the
    server (every thread) and this process under cProfile."""
    out: dict[str, Any] = {}
    with throwaway_database(args.pg, "counterdesk_bench_profile") as db_url:
        server = ServerProcess(
            db_url, scratch / "server-profiled", profile_to=scratch / "server.prof"
        )
        server.data_dir.mkdir(parents=True)
        server.cli("init")
        township_code = server.create_station("城关镇便民服务站", TOWNSHIP)
        centre_code = server.create_station("县政务服务中心（剖析）", "XZZP", "--all-cases")
        server.start()
        centre_traffic = Traffic()
        centre = new_station(scratch / "xzzp", "XZZP", "县政务服务中心（剖析）", centre_traffic)
        try:
            # As in the measured run, the centre window is enrolled before the events
            # arrive (enrolled later, it would get them twice: see the notes).
            centre.engine.enroll(server.url, centre_code)
            sync_round(centre, centre_traffic)
            # Enrolled with another server, the township forgets what the first one
            # confirmed and queues every event again: the same push, to a new server.
            township.engine.enroll(server.url, township_code)
            print(
                f"profile pass: {len(township.outbox())} events queued again; "
                "server and stations under cProfile ...",
                flush=True,
            )
            push, push_stats = run_profiled(lambda: sync_round(township, traffic[TOWNSHIP]))
            pull, pull_stats = run_profiled(lambda: sync_round(centre, centre_traffic))
        finally:
            centre.close()
            server.stop()
        strip = strip_prefixes()
        out["push_s"] = push.phase("push", "pull")
        out["pushed"] = push.report.pushed
        out["pull_s"] = pull.phase("pull", None)
        out["pulled"] = pull.report.pulled
        out["client_push_tottime"] = profile_text(push_stats, "tottime", 14, strip)
        out["client_pull_tottime"] = profile_text(pull_stats, "tottime", 14, strip)
        out["client_push_cumulative"] = profile_text(push_stats, "cumulative", 22, strip)
        out["client_pull_cumulative"] = profile_text(pull_stats, "cumulative", 22, strip)
        server_stats = pstats.Stats(str(scratch / "server.prof"))
        out["server_tottime"] = profile_table(server_stats, "tottime", 25, strip, drop_idle=True)
        out["server_cumulative"] = profile_table(
            server_stats,
            "cumulative",
            30,
            strip,
            drop_idle=True,
            keep=(
                "server/",
                "app/",
                "starlette/",
                "fastapi/",
                "sqlalchemy/orm/session.py",
                "json/",
                "gzip",
                "zlib",
            ),
        )
        print(
            f"  profiled push {out['pushed']} in {out['push_s']:.1f} s, "
            f"pull {out['pulled']} in {out['pull_s']:.1f} s"
        )
    return out


# --------------------------------------------------------------------------- report


def push_floor_s(r: dict[str, Any]) -> float | None:
    """COPY of all a push writes, plus its time-stamp tokens: seconds."""
    token = r.get("token_floor")
    copied = [f for f in r.get("floor", []) if "(all a push writes), COPY" in f.label]
    if token is None or not copied:
        return None
    return copied[0].seconds + token.seconds


def write_report(path: Path, r: dict[str, Any], started_at: datetime) -> None:
    notes = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        marker = "<!-- notes -->"
        if marker in old:
            notes = old[old.index(marker) :]
    info, n_events = r["info"], r["n_events"]
    push: Round = r["push"]
    pull: Round = r["pull"]
    push_s, pull_s = push.phase("push", "pull"), pull.phase("pull", None)
    # The verdicts go by the median of this run and the repeats on fresh servers.
    push_rates = [push.report.pushed / push_s] + [p for p, _ in r.get("repeats", [])]
    pull_rates = [pull.report.pulled / pull_s] + [q for _, q in r.get("repeats", [])]
    push_rate = statistics.median(push_rates)
    pull_rate = statistics.median(pull_rates)
    push_reqs = phase_requests(push, "/events/push", "POST")
    pull_reqs = phase_requests(pull, "/events", "GET")
    empty: dict[str, list[Round]] = r["empty"]
    empty_med = {c: median_p90([ms(x.wall) for x in rounds]) for c, rounds in empty.items()}
    station_request = r["requests"]["GET /station (who am I, epoch, heads of feed and reference)"]

    def verdict(ok: bool) -> str:
        return "met" if ok else "**NOT met**"

    lines: list[str] = []
    w = lines.append
    w("# Benchmark: sync, 10,000 events through the central server on PostgreSQL\n")
    w(
        f"One run of `.venv/bin/python bench/bench_sync.py` on "
        f"{started_at:%Y-%m-%d %H:%M %Z} ({r['elapsed']:.0f} s in all). Server: "
        "`python -m server serve --db postgresql://…` in its own process on 127.0.0.1 "
        "(uvicorn, default settings: one worker, info log), on a throwaway database "
        "created and dropped by the benchmark. Stations: real profiles "
        "(`tests/sync_fixtures.make_station`, SQLite), `SyncEngine` with its default "
        f"batch sizes (push {DEFAULT_PUSH_BATCH} events a request, pull "
        f"{DEFAULT_PULL_LIMIT} a page). Timings only; nothing is asserted beyond the "
        "events arriving.\n"
    )
    w("Machine (client, server and PostgreSQL all on it):\n")
    for key in ("python", "cpu", "memory", "os", "postgresql", "libraries", "code"):
        w(f"- {key}: {info[key]}")
    w("")
    w("## Against the targets\n")
    runs = len(push_rates)
    if runs > 1:
        w(f"Push and pull were run {runs} times, each after the first on a fresh server "
          "and database (`--repeats`); the table gives the median, the runs follow it. "
          "The tables further down describe the first run.\n")
    w("| measure | result | target | |")
    w("|---|--:|--:|---|")
    median_of = f", median of {runs} runs" if runs > 1 else ""
    w(
        f"| events pushed per second (township XC01 → server{median_of}) "
        f"| **{push_rate:,.0f}** | ≥ {TARGET_PUSH:,.0f} | {verdict(push_rate >= TARGET_PUSH)} |"
    )
    w(
        f"| events pulled per second (server → centre window XZZX, `--all-cases`{median_of}) "
        f"| **{pull_rate:,.0f}** | ≥ {TARGET_PULL:,.0f} | {verdict(pull_rate >= TARGET_PULL)} |"
    )
    feed_rate = pull.report.pulled / pull.feed_s()
    w(
        f"| of that pull (first run): the feed alone, events per second; then "
        f"{pull.report.documents:,} sealed PDFs in {pull.documents_s():.2f} s "
        f"| {feed_rate:,.0f} | ≥ {TARGET_PULL:,.0f} | {verdict(feed_rate >= TARGET_PULL)} |"
    )
    w(
        f"| a sync round with nothing new (`sync_once`, median of "
        f"{len(empty[TOWNSHIP])}, township) | **{empty_med[TOWNSHIP][0]:.1f} ms** "
        f"| ≤ {TARGET_EMPTY_MS:.0f} ms | {verdict(empty_med[TOWNSHIP][0] <= TARGET_EMPTY_MS)} |"
    )
    w(
        f'| the one request that answers "anything new?" (`GET /station`, '
        f"median) | **{station_request[0]:.1f} ms** | < {TARGET_EMPTY_MS:.0f} ms "
        f"| {verdict(station_request[0] < TARGET_EMPTY_MS)} |"
    )
    w("")
    push_floor, pull_floors = push_floor_s(r), r.get("station_floor")
    if push_floor is not None and pull_floors:
        w(f"The floors of the two rates, in the same run (the tables under \"The floors\"): "
          f"a push of these events can be no faster than COPY of the rows it writes plus "
          f"the time-stamp tokens it makes, {n_events / push_floor:,.0f} events/s; a pull "
          f"no faster than inserting the rows it leaves at the centre, "
          f"{n_events / pull_floors[0].seconds:,.0f} events/s "
          f"({n_events / pull_floors[1].seconds:,.0f} for the feed alone).\n")
    if runs > 1:
        w("| run | pushed events/s | pulled events/s |")
        w("|---|--:|--:|")
        for index, (pushed, pulled) in enumerate(zip(push_rates, pull_rates, strict=True)):
            label = "first (detailed below)" if index == 0 else f"repeat {index}"
            w(f"| {label} | {pushed:,.0f} | {pulled:,.0f} |")
        w("")
    scale: list[ScaleResult] = r.get("scale", [])
    if scale:
        w("## With the server's tables already full\n")
        w("The same push and pull, then rounds with nothing new (median of "
          f"{len(scale[0].quiet_township_ms)}), each on a fresh server whose tables first got "
          "that many events of 20 other stations (`--preload`: COPY into events, "
          "deliveries and case_scopes, then ANALYZE).\n")
        w("| events already on the server | preload s | pushed events/s | pulled events/s "
          "| quiet round, township ms | quiet round, centre ms |")
        w("|--:|--:|--:|--:|--:|--:|")
        for x in scale:
            w(f"| {x.preloaded:,} | {x.preload_s:.0f} | {x.pushed_per_s:,.0f} "
              f"| {x.pulled_per_s:,.0f} | {statistics.median(x.quiet_township_ms):.1f} "
              f"| {statistics.median(x.quiet_centre_ms):.1f} |")
        w("")
    w("## Making the events\n")
    w(
        f"{r['cases']:,} cases × {EVENTS_PER_CASE} events (register with all materials, "
        "record materials, accept and seal the acceptance notice, review, approve; clerk and "
        "chief representative) through "
        f"`app.services.cases` at the township: **{r['queued']:,} events queued"
        + ("** (the profile `--township-cache` kept from an earlier run, copied)"
           if r["generation"] is None else
           f" in {r['generation']:.0f} s ({r['queued'] / r['generation']:.0f} events/s)**")
        + ", one SQLite transaction per action, each replaying its case and updating the "
        "projection. Not part of the sync figures.\n"
    )
    w("## Push and pull\n")
    w(
        "| | events | phase s | events/s | round s | requests | bytes sent | bytes received "
        "| server time s¹ |"
    )
    w("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    w(
        f"| push, XC01 | {push.report.pushed:,} | {push_s:.2f} | **{push_rates[0]:,.0f}** "
        f"| {push.wall:.2f} | {len(push_reqs)} | {sum(e.sent for e in push_reqs):,} "
        f"| {sum(e.received for e in push_reqs):,} | {sum(e.elapsed for e in push_reqs):.2f} |"
    )
    w(
        f"| pull, XZZX | {pull.report.pulled:,} | {pull_s:.2f} | **{pull_rates[0]:,.0f}** "
        f"| {pull.wall:.2f} | {len(pull_reqs)} | {sum(e.sent for e in pull_reqs):,} "
        f"| {sum(e.received for e in pull_reqs):,} | {sum(e.elapsed for e in pull_reqs):.2f} |"
    )
    w("")
    w(
        f"Bytes sent by the township's whole round (`SyncReport.bytes_sent`): "
        f"{push.report.bytes_sent:,} ({push.report.bytes_sent / max(1, push.report.pushed):.0f} "
        "bytes an event, gzip). The server then held "
        f"{r['server_events']:,} events; the township {r['held'][TOWNSHIP]:,}, the centre "
        f"{r['held'][CENTRE]:,}.\n"
    )
    w(
        "¹ the sum of `requests`' `elapsed` over the phase's requests: from sending the "
        "request to the answer's headers, i.e. the server's work plus transfer; the rest of "
        "the phase is the station's own work (reading the outbox, JSON, gzip, storing the "
        "answers or the pulled events in SQLite).\n"
    )
    w("Every request of the two rounds:\n")
    w("| round | request | count | bytes sent | bytes received | elapsed s |")
    w("|---|---|--:|--:|--:|--:|")
    for name, rnd in (("push, XC01", push), ("pull, XZZX", pull)):
        for key, s in summarise(rnd.exchanges).items():
            w(
                f"| {name} | `{key}` | {s['requests']:.0f} | {s['sent']:,.0f} "
                f"| {s['received']:,.0f} | {s['elapsed']:.3f} |"
            )
    w("")
    w("## A round with nothing new\n")
    w("| | median ms | p90 ms | requests a round |")
    w("|---|--:|--:|--:|")
    for code, rounds in empty.items():
        med, p90 = empty_med[code]
        requests_list = ", ".join(f"`{e.method} {e.path}`" for e in rounds[0].exchanges)
        w(
            f"| `sync_once` at {code} | **{med:.1f}** | {p90:.1f} | {len(rounds[0].exchanges)}: "
            f"{requests_list} |"
        )
    w("")
    w(f"Each request of such a round alone (`SyncClient`, median of {len(empty[TOWNSHIP])}):\n")
    w("| request | median ms | p90 ms |")
    w("|---|--:|--:|")
    for label, (med, p90) in r["requests"].items():
        w(f"| {label} | {med:.2f} | {p90:.2f} |")
    for label, (med, p90) in r.get("http_floor", {}).items():
        w(f"| floor: one request to a do-nothing ASGI app on uvicorn, {label} "
          f"| {med:.2f} | {p90:.2f} |")
    w("")
    w(
        f"cProfile of {len(empty[TOWNSHIP])} empty rounds at the township (station side), "
        "top entries by own time:\n"
    )
    w("```")
    w(r["empty_profile"])
    w("```\n")
    w("The same, by cumulative time, the station's sync code and the HTTP calls only:\n")
    w("```")
    w(r["empty_profile_cumulative"])
    w("```\n")
    w("## The floors\n")
    w("### The same rows straight into the server's database\n")
    w(
        "The rows the server wrote for these events (its `events`, `deliveries` and "
        "`case_scopes` rows) read back as text and inserted by psycopg into new tables "
        "made `LIKE … INCLUDING ALL` (same columns, types, defaults, indexes and "
        "constraints; no foreign keys) in the same database, each in one committed "
        "transaction; then the centre's feed read back in one query.\n"
    )
    w("| floor | rows | ms | rows/s | events/s equivalent |")
    w("|---|--:|--:|--:|--:|")
    for f in r["floor"]:
        w(
            f"| {f.label} | {f.rows:,} | {ms(f.seconds):.0f} | {f.rows / f.seconds:,.0f} "
            f"| {n_events / f.seconds:,.0f} |"
        )
    w("")
    token = r.get("token_floor")
    if token is not None:
        w(f"And what no way of writing the rows avoids: {token.label}, "
          f"{ms(token.seconds):,.0f} ms ({token.rows / token.seconds:,.0f} tokens/s). With "
          f"the COPY of all a push writes, the push's floor: "
          f"**{n_events / push_floor_s(r):,.0f} events/s**.\n")
    station = r.get("station_floor")
    if station:
        w("### At the station\n")
        w("| floor | events | ms | events/s equivalent |")
        w("|---|--:|--:|--:|")
        for f in station:
            w(f"| {f.label} | {f.rows:,} | {ms(f.seconds):,.0f} | {f.rows / f.seconds:,.0f} |")
        w("")
    w(
        f"Against the floor: the push moved {push_rate:,.0f} events/s, the pull "
        f"{pull_rate:,.0f} events/s{median_of}.\n"
    )
    profile = r.get("profile")
    if profile:
        w("## Profiles\n")
        w(
            "The same push and pull again, against a second server process on a second "
            "throwaway database, with the server (every thread: the event loop and the "
            "worker threads that run the endpoints) and the stations under cProfile. The "
            "township re-enrolled with that server, so it queued its "
            f"{profile['pushed']:,} events again; a new centre window pulled them. Under "
            f"the profilers: push {profile['push_s']:.1f} s, pull {profile['pull_s']:.1f} s "
            "(profiling slows both sides).\n"
        )
        for title, key in (
            ("Server, push and pull together, by own time", "server_tottime"),
            ("Server, by cumulative time", "server_cumulative"),
            ("Station, the push round, by own time", "client_push_tottime"),
            ("Station, the push round, by cumulative time", "client_push_cumulative"),
            ("Station, the pull round, by own time", "client_pull_tottime"),
            ("Station, the pull round, by cumulative time", "client_pull_cumulative"),
        ):
            w(f"### {title}\n")
            w("```")
            w(profile[key])
            w("```\n")
    text = "\n".join(lines) + "\n"
    if notes:
        text += "\n" + notes
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
