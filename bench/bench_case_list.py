"""Benchmark: case list pages and counts, with warning filters, on 100k+ cases.

    .venv/bin/python bench/bench_case_list.py [--cases 100000] [--repeat 5] [--keep DIR]

Builds a profile with the demo (33 real cases made through the services, every state,
category and warning), then multiplies their projection rows straight into the case
table up to ``--cases`` rows, spread over two years: completed cases anywhere in that
time, running cases within the last weeks so yellow and red warnings stay realistic.
The lists read only the projection (``cases``), which is what is measured; the event
log is not copied. Then it times, through ``app.services.queries`` exactly as the
screens call them, the first page, a deep page, sorting by deadline, text search and
each warning filter, and their counts; and prints SQLite's query plan for the warning
filters, so a missing index shows.

Timings only: nothing is asserted (the tests never assert on time).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

import app.services.accounts as accounts  # noqa: E402
from app.services.context import local_date, utc_now  # noqa: E402
from app.services.demo import create_demo  # noqa: E402
from app.services.queries import CaseFilter, count_cases, list_cases  # noqa: E402
from app.services.runtime import Runtime, open_runtime  # noqa: E402
from app.services.system import system_user  # noqa: E402
from app.store import models  # noqa: E402

BATCH = 5000
DATE_COLUMNS = ("accepted_on", "deadline", "yellow_from")
DATETIME_COLUMNS = ("registered_at", "accepted_at", "completed_at")


def build_profile(data_dir: Path, total_cases: int, seed: int) -> Runtime:
    """The demo, then its case rows cloned until the table holds ``total_cases``."""
    # Cheap password hashing: the demo's accounts are not what is measured.
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    runtime = open_runtime(data_dir, backups=False)
    started = time.perf_counter()
    create_demo(runtime.uow, runtime.key_store)
    print(f"demo profile: {time.perf_counter() - started:.1f}s")
    columns = [c.name for c in models.CaseRow.__table__.columns]
    with runtime.uow() as uow:
        seeds = [{c: getattr(row, c) for c in columns}
                 for row in uow.session.scalars(select(models.CaseRow))]
    rng = random.Random(seed)
    started = time.perf_counter()
    per_day: dict[date, int] = {}
    to_insert = max(0, total_cases - len(seeds))
    with runtime.engine.begin() as connection:
        batch: list[dict[str, Any]] = []
        for _ in range(to_insert):
            batch.append(_clone(rng.choice(seeds), rng, per_day))
            if len(batch) == BATCH:
                connection.execute(insert(models.CaseRow.__table__), batch)
                batch = []
        if batch:
            connection.execute(insert(models.CaseRow.__table__), batch)
    with runtime.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    print(f"cloned {to_insert} case rows: {time.perf_counter() - started:.1f}s")
    return runtime


def _clone(seed: dict[str, Any], rng: random.Random, per_day: dict[date, int]) -> dict[str, Any]:
    row = dict(seed)
    running = row["completed_at"] is None and row["deadline"] is not None
    # Running cases are recent (or they would all be red); finished ones span two years.
    shift = timedelta(days=-rng.randrange(0, 15 if running else 730))
    for column in DATE_COLUMNS + DATETIME_COLUMNS:
        if row[column] is not None:
            row[column] = row[column] + shift
    day = local_date(row["registered_at"])
    per_day[day] = per_day.get(day, 0) + 1
    row["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    row["number"] = f"BN{per_day[day] // 10000:02d}-{day:%Y%m%d}-{per_day[day] % 10000:04d}"
    row["updated_at"] = utc_now()
    return row


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """(median ms, max ms, last result) over ``repeat`` runs after one warm-up run."""
    result = function()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples), result


def run(runtime: Runtime, repeat: int) -> None:
    user = system_user(runtime.uow)
    uow = runtime.uow
    today = local_date(utc_now())
    warning = {level: CaseFilter(warning=level) for level in ("normal", "yellow", "red")}
    pages: list[tuple[str, Callable[[], object]]] = [
        ("list first page (100, newest first)", lambda: list_cases(uow, user)),
        ("list page at offset 50 000", lambda: list_cases(uow, user, offset=50_000)),
        ("list sorted by deadline", lambda: list_cases(uow, user, sort="deadline",
                                                       descending=False)),
        ("list state=accepted", lambda: list_cases(uow, user, CaseFilter(states=("accepted",)))),
        ("list text search 王", lambda: list_cases(uow, user, CaseFilter(text="王"))),
        ("list registered last 30 days", lambda: list_cases(uow, user, CaseFilter(
            registered_from=today - timedelta(days=30), registered_to=today))),
    ]
    pages += [(f"list warning={level}", lambda f=f: list_cases(uow, user, f))
              for level, f in warning.items()]
    pages += [(f"list warning={level} by deadline",
               lambda f=f: list_cases(uow, user, f, sort="deadline", descending=False))
              for level, f in warning.items() if level != "normal"]
    counts: list[tuple[str, Callable[[], object]]] = [
        ("count all", lambda: count_cases(uow, user)),
        ("count state=accepted", lambda: count_cases(uow, user, CaseFilter(states=("accepted",)))),
        ("count text search 王", lambda: count_cases(uow, user, CaseFilter(text="王"))),
    ]
    counts += [(f"count warning={level}", lambda f=f: count_cases(uow, user, f))
               for level, f in warning.items()]
    print(f"\n{'operation':<40} {'median ms':>10} {'max ms':>10}  result")
    for label, function in pages + counts:
        median, worst, result = timed(function, repeat)
        shown = f"{len(result)} rows" if isinstance(result, list) else str(result)
        print(f"{label:<40} {median:>10.1f} {worst:>10.1f}  {shown}")
    _print_plans(runtime, today)


def _print_plans(runtime: Runtime, today: date) -> None:
    from app.store.repositories import CaseRepository

    print("\nquery plans (SQLite EXPLAIN QUERY PLAN):")
    with runtime.uow() as uow:
        repository = CaseRepository(uow.session)
        for level in ("yellow", "red"):
            query = repository._filtered(CaseFilter(warning=level, today=today)).order_by(
                models.CaseRow.registered_at.desc()).limit(100)
            compiled = query.compile(uow.session.get_bind(),
                                     compile_kwargs={"literal_binds": True})
            plan = uow.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            print(f"  warning={level}: " + " | ".join(str(row[-1]) for row in plan))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the profile in this (new) folder and keep it")
    args = parser.parse_args(argv)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="counterdesk-bench-"))
    if args.keep and folder.exists() and any(folder.iterdir()):
        parser.error(f"{folder} is not empty")
    runtime = build_profile(folder, args.cases, args.seed)
    try:
        with runtime.uow() as uow:
            total = uow.session.scalar(text("SELECT count(*) FROM cases"))
        size = sum(p.stat().st_size for p in folder.glob("counterdesk.sqlite3*"))
        print(f"profile: {total} cases, {size / 1e6:.0f} MB, at {datetime.now():%Y-%m-%d %H:%M}")
        run(runtime, args.repeat)
    finally:
        runtime.close()
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
