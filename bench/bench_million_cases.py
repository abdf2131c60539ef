"""Benchmark: case lists, searches and the UI's case model on 1,000,000 cases.

    .venv/bin/python bench/bench_million_cases.py [--cases 1000000] [--repeat 3] [--keep DIR]
    .venv/bin/python bench/bench_million_cases.py --profile DIR   # a profile built before

Builds a temporary profile (``app.services.runtime.open_runtime``) with the demo's
departments and matters, then writes ``--cases`` rows straight into the ``cases``
table with ``executemany`` (its secondary indexes are dropped for the load and made
again afterwards, then ANALYZE). The rows look like a county centre's three years:
the demo station XZ01 and eight town stations; every working day's cases numbered in
order; natural persons with common surnames and valid resident ID numbers, companies
with valid credit codes; most cases finished (on time, a few late), recent ones still
running through every state, with their deadlines counted on the real working-day
calendar, so a realistic share is yellow or red today.

It then times, through ``app.services.queries`` exactly as the screens call them:
the count and the first and a deep page with no filter (by offset, and by keyset
from the row before it as the case list's fetchMore asks); text searches by case-number
prefix ("XZ01-2026"), surname prefix, an exact ID number and a matter name; the
warning filters red and yellow. And the case search's model (``app.ui.case_model``),
offscreen: from ``set_loader`` to the first page's rows, and each ``fetchMore``.

Timings only: nothing is asserted (the tests never assert on time). Results of a run
are in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import inspect
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from argon2 import PasswordHasher  # noqa: E402
from sqlalchemy import func, text  # noqa: E402

import app.services.accounts as accounts  # noqa: E402
from app.domain.catalog import CaseType, Matter  # noqa: E402
from app.domain.identity import (  # noqa: E402
    id_number_tail,
    resident_id_check_char,
    uscc_check_char,
)
from app.services import catalog, demo  # noqa: E402
from app.services.catalog import pinyin_initials  # noqa: E402
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now  # noqa: E402
from app.services.queries import CaseFilter, count_cases, list_cases  # noqa: E402
from app.services.recording import load_calendar, yellow_threshold  # noqa: E402
from app.services.runtime import Runtime, open_runtime  # noqa: E402
from app.services.system import system_user  # noqa: E402
from app.store import models  # noqa: E402

BATCH = 50_000
# Keyset paging (issue 19); without it (the code before, timed from a copy of this
# script beside an older checkout) the deep page is by offset only.
KEYSET = "after" in inspect.signature(list_cases).parameters
YEARS_OF_HISTORY = 3
TOWN_STATIONS = tuple(f"XC{n:02d}" for n in range(1, 9))
# Share of a day's cases per matter (by code); the rest of the catalog shares what is left.
MATTER_WEIGHTS = {"SCJ-001": 30, "SCJ-003": 12, "SCJ-002": 10, "MZJ-002": 10, "JTJ-002": 6}
GIVEN_EXTRA = ("建国", "建华", "志强", "海燕", "晓明", "丽娟", "国庆", "红梅", "子涵", "浩然",
               "欣怡", "宇轩", "梓萱", "俊杰", "雪梅", "春花", "德福", "玉兰", "文博", "佳怡")
SURNAME_WEIGHTS = (7.2, 7.0, 6.8, 5.4, 4.5, 3.1, 2.3, 2.2, 2.1, 2.0,
                   1.6, 1.5, 1.3, 1.2, 1.2, 1.1, 1.0, 0.9, 0.8, 0.8)
COMPANY_WORDS = ("鑫源", "恒通", "宏达", "利民", "永兴", "华泰", "金穗", "顺发", "康宁", "德润",
                 "盛世", "天成", "万家", "兴旺", "福临", "瑞丰", "远航", "新华", "长青", "东方")
COMPANY_KINDS = ("商贸有限公司", "物流有限公司", "建筑工程有限公司", "诊所", "餐饮店",
                 "农民专业合作社", "汽车运输有限公司", "食品有限公司", "酒店有限公司", "便利店")
# Running cases by state (recent cases only); finished cases by outcome.
RUNNING_STATES = (("registered", 8), ("awaiting_supplement", 14), ("accepted", 44),
                  ("reviewed", 16), ("approved", 9), ("denied", 2), ("forwarded", 7))
FINISHED_STATES = (("delivered", 74), ("completed", 12), ("rejected", 7), ("withdrawn", 3),
                   ("forwarded", 4))
RATINGS = (("very_satisfied", 62), ("satisfied", 25), ("basically_satisfied", 8),
           ("unsatisfied", 1), ("", 4))


def _sqlite_datetime(moment: datetime | None) -> str | None:
    """As SQLAlchemy's SQLite DateTime stores it (UTCDateTime: naive UTC)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _column_default(column: Any) -> Any:
    """A new column's empty value as SQLite stores it (False as 0, no default as NULL)."""
    default = column.default.arg if column.default is not None else None
    return int(default) if isinstance(default, bool) else default


def _sqlite_date(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


class CaseRows:
    """Makes realistic ``cases`` rows, in the table's column order."""

    def __init__(self, runtime: Runtime, total: int, rng: random.Random) -> None:
        self.rng = rng
        self.total = total
        with runtime.uow() as uow:
            self.calendar = load_calendar(uow)
            self.yellow_days = yellow_threshold(uow)
        self.today = local_date(utc_now())
        self.now = utc_now()
        first = self.today - timedelta(days=365 * YEARS_OF_HISTORY)
        self.days = [first + timedelta(days=n) for n in range((self.today - first).days + 1)]
        self.days = [d for d in self.days if self.calendar.is_working_day(d)]
        matters = list(demo.MATTERS)
        self.matters: list[Matter] = matters
        self.matter_weights = [MATTER_WEIGHTS.get(m.code, 3) for m in matters]
        self.staff = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(24)]
        self.given = list(demo.GIVEN) + list(GIVEN_EXTRA)
        self.columns = [c.name for c in models.CaseRow.__table__.columns]
        self.defaults = {c.name: _column_default(c) for c in models.CaseRow.__table__.columns}
        self._deadlines: dict[tuple[date, int], tuple[date, bool, date]] = {}
        self._working_after: dict[tuple[date, int], date] = {}

    def deadline(self, accepted_on: date, working_days: int) -> tuple[date, bool, date]:
        """(due, provisional, yellow_from), cached: a few thousand distinct pairs."""
        key = (accepted_on, working_days)
        cached = self._deadlines.get(key)
        if cached is None:
            from app.domain.calendar import yellow_from

            due, provisional = self.calendar.add_working_days(accepted_on, working_days)
            cached = (due, provisional, yellow_from(self.calendar, due, self.yellow_days))
            self._deadlines[key] = cached
        return cached

    def working_after(self, day: date, working_days: int) -> date:
        key = (day, working_days)
        cached = self._working_after.get(key)
        if cached is None:
            cached = self.calendar.add_working_days(day, working_days)[0]
            self._working_after[key] = cached
        return cached

    def _moment(self, day: date, earliest_minute: int = 510) -> datetime:
        """A time on ``day`` during office hours (08:30–17:30 in China)."""
        minute = self.rng.randrange(earliest_minute, 1050)
        return datetime(day.year, day.month, day.day, minute // 60, minute % 60,
                        self.rng.randrange(60), tzinfo=CHINA_TZ).astimezone(UTC)

    def _person(self) -> tuple[str, str]:
        rng = self.rng
        surname = rng.choices(demo.SURNAMES, SURNAME_WEIGHTS)[0]
        name = surname + rng.choice(self.given)
        birth = date(1945, 1, 1) + timedelta(days=rng.randrange(0, 365 * 62))
        first17 = f"{rng.choice(demo.REGIONS)}{birth:%Y%m%d}{rng.randrange(1000):03d}"
        return name, first17 + resident_id_check_char(first17)

    def _company(self) -> tuple[str, str]:
        rng = self.rng
        name = f"清河县{rng.choice(COMPANY_WORDS)}{rng.choice(COMPANY_WORDS)}" \
               f"{rng.choice(COMPANY_KINDS)}"
        first17 = f"92{rng.choice(demo.REGIONS)}{rng.randrange(10**9):09d}"
        return name, first17 + uscc_check_char(first17)

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """``total`` rows, registration days in order (numbers follow the day's sequence)."""
        rng = self.rng
        per_day = [0] * len(self.days)
        for _ in range(self.total):
            per_day[rng.randrange(len(self.days))] += 1
        sequence: dict[tuple[str, date], int] = {}
        for day, count in zip(self.days, per_day, strict=True):
            age = (self.today - day).days
            for _ in range(count):
                station = "XZ01" if rng.random() < 0.6 else rng.choice(TOWN_STATIONS)
                key = (station, day)
                sequence[key] = sequence.get(key, 0) + 1
                number = f"{station}-{day:%Y%m%d}-{sequence[key]:04d}"
                yield self._row(number, station, day, age)

    def _row(self, number: str, station: str, day: date, age: int) -> tuple[Any, ...]:
        rng = self.rng
        matter = rng.choices(self.matters, self.matter_weights)[0]
        legal = matter.department_code in ("SCJ", "JTJ", "ZJJ") and rng.random() < 0.45
        name, id_number = self._company() if legal else self._person()
        phone = f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
        registered_at = self._moment(day)
        if day == self.today:
            registered_at = min(registered_at, self.now)
        # Recent cases are still running with a probability that falls with their age
        # against the matter's promise; a few run late (red), none for years.
        promise_days = matter.promised_working_days * 1.4 + 1
        running = age < 90 and rng.random() < max(0.015, 1 - age / (promise_days * 1.2))
        states = RUNNING_STATES if running else FINISHED_STATES
        state = rng.choices([s for s, _ in states], [w for _, w in states])[0]
        if matter.case_type is CaseType.FORWARDED and state not in ("rejected", "withdrawn"):
            state = "forwarded"
        elif state == "forwarded":
            state = "delivered" if not running else "accepted"
        accepted_on: date | None = None
        accepted_at: datetime | None = None
        if state not in ("registered", "awaiting_supplement", "rejected") and \
                not (state == "withdrawn" and rng.random() < 0.5):
            # Most are accepted on the spot; some after a supplement a few days later.
            delay = 0 if rng.random() < 0.85 else rng.randrange(1, 6)
            accepted_on = self.working_after(day, delay) if delay else day
            if accepted_on > self.today:
                accepted_on = day
            accepted_at = registered_at if accepted_on == day else self._moment(accepted_on)
            accepted_at = min(accepted_at, self.now)
        due = yellow = None
        provisional = False
        if accepted_on is not None and state != "forwarded":
            due, provisional, yellow = self.deadline(accepted_on, matter.promised_working_days)
        completed_at: datetime | None = None
        on_time: bool | None = None
        outcome = ""
        evaluation = ""
        if state in ("completed", "delivered"):
            outcome = "approved" if rng.random() < 0.94 else "denied"
            assert accepted_on is not None and due is not None
            span = max(0, (due - accepted_on).days)
            late = rng.random() < 0.03
            finished_on = due + timedelta(days=rng.randrange(1, 8)) if late else \
                accepted_on + timedelta(days=rng.randrange(0, span + 1))
            finished_on = min(finished_on, self.today)
            completed_at = min(max(self._moment(finished_on), accepted_at or registered_at),
                               self.now)
            on_time = local_date(completed_at) <= due
            evaluation = rng.choices([r for r, _ in RATINGS], [w for _, w in RATINGS])[0]
        elif state == "rejected":
            outcome = "rejected"
            completed_at = registered_at
        elif state == "withdrawn":
            outcome = "withdrawn"
            completed_at = min(registered_at + timedelta(days=rng.randrange(0, 10)), self.now)
        reviewer = rng.choice(self.staff) if state in (
            "reviewed", "approved", "denied", "completed", "delivered") else ""
        approver = rng.choice(self.staff) if state in (
            "approved", "denied", "completed", "delivered") else ""
        values = {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "number": number,
            "station": station,
            "matter_code": matter.code,
            "matter_name": matter.name,
            "department_code": matter.department_code,
            "category": matter.case_type.value,
            "state": state,
            "applicant_name": name,
            "applicant_id_number": id_number,
            "applicant_phone": phone,
            "applicant_initials": _initials(name),
            "applicant_id_tail": id_number_tail(id_number),
            "first_responder_id": rng.choice(self.staff),
            "reviewer_id": reviewer,
            "approver_id": approver,
            "window_name": f"{rng.randrange(1, 13)}号窗口",
            "registered_at": _sqlite_datetime(registered_at),
            "accepted_at": _sqlite_datetime(accepted_at),
            "accepted_on": _sqlite_date(accepted_on),
            "deadline": _sqlite_date(due),
            "deadline_provisional": int(provisional),
            "yellow_from": _sqlite_date(yellow),
            "completed_at": _sqlite_datetime(completed_at),
            "on_time": None if on_time is None else int(on_time),
            "outcome": outcome,
            "evaluation": evaluation,
            "updated_at": _sqlite_datetime(self.now),
        }
        # Columns added since (service mode, 容缺, promises): their empty values.
        return tuple(values[c] if c in values else self.defaults[c] for c in self.columns)


def build_profile(data_dir: Path, total_cases: int, seed: int) -> Runtime:
    """A temporary profile: the demo's catalog, then ``total_cases`` rows in ``cases``."""
    # Cheap password hashing: the administrator's account is not what is measured.
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    runtime = open_runtime(data_dir, backups=False)
    admin = accounts.create_first_administrator(
        runtime.uow, username="admin", display_name="管理员", password="bench2026",
        station_code=demo.STATION_CODE, station_name=demo.STATION_NAME)
    for department in demo.DEPARTMENTS:
        catalog.save_department(runtime.uow, admin, department)
    for matter in demo.MATTERS:
        catalog.save_matter(runtime.uow, admin, matter)

    started = time.perf_counter()
    maker = CaseRows(runtime, total_cases, random.Random(seed))
    columns = maker.columns
    insert = (f"INSERT INTO cases ({', '.join(columns)}) "
              f"VALUES ({', '.join('?' for _ in columns)})")
    raw = runtime.engine.raw_connection()
    try:
        cursor = raw.cursor()
        indexes = [sql for (sql,) in cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' "
            "AND sql IS NOT NULL")]
        names = [name for (name,) in cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases' "
            "AND sql IS NOT NULL")]
        for name in names:
            cursor.execute(f'DROP INDEX "{name}"')
        batch: list[tuple[Any, ...]] = []
        for row in maker.rows():
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(insert, batch)
                batch = []
        if batch:
            cursor.executemany(insert, batch)
        raw.commit()
        inserted = time.perf_counter()
        print(f"inserted {total_cases:,} case rows: {inserted - started:.1f}s")
        for sql in indexes:
            cursor.execute(sql)
        cursor.execute("ANALYZE")
        raw.commit()
        print(f"indexes ({len(indexes)}) and ANALYZE: {time.perf_counter() - inserted:.1f}s")
    finally:
        raw.close()
    return runtime


def timed(function: Callable[[], object], repeat: int
          ) -> tuple[float, float, float, float, object]:
    """(first ms, median ms, max ms, median CPU ms, result): the first run, then
    ``repeat`` more. CPU time is this process's: the wait for a core on a shared,
    loaded machine is in the wall times only."""
    started = time.perf_counter()
    result = function()
    first = (time.perf_counter() - started) * 1000
    samples, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return first, statistics.median(samples), max(samples), statistics.median(cpu), result


_INITIALS: dict[str, str] = {}


def _initials(name: str) -> str:
    # A few hundred distinct names in a million rows: pypinyin once for each.
    if name not in _INITIALS:
        _INITIALS[name] = pinyin_initials(name)
    return _INITIALS[name]


def query_rows(runtime: Runtime, user: CurrentUser, id_number: str, deep: int
               ) -> list[tuple[str, Callable[[], object]]]:
    """The services' calls a clerk's searches make, labelled."""
    uow = runtime.uow
    searches = {
        "no filter": CaseFilter(),
        "text 'XZ01-2026' (number prefix)": CaseFilter(text="XZ01-2026"),
        "text '王' (surname prefix)": CaseFilter(text="王"),
        "text '王建' (name prefix)": CaseFilter(text="王建"),
        f"text '{id_number}' (exact ID)": CaseFilter(text=id_number),
        "text '食品经营许可' (matter name)": CaseFilter(text="食品经营许可"),
        "text 'wjg' (pinyin initials)": CaseFilter(text="wjg"),
        f"text '{id_number[-4:]}' (ID last 4)": CaseFilter(text=id_number[-4:]),
        "text '50%' (percent as text)": CaseFilter(text="50%"),
        "warning=red": CaseFilter(warning="red"),
        "warning=yellow": CaseFilter(warning="yellow"),
    }
    calls: list[tuple[str, Callable[[], object]]] = []
    for label, case_filter in searches.items():
        calls.append((f"count  {label}", lambda f=case_filter: count_cases(uow, user, f)))
        calls.append((f"page 1 {label}", lambda f=case_filter: list_cases(uow, user, f)))
    calls.insert(2, (f"page at offset {deep:,} no filter",
                     lambda: list_cases(uow, user, offset=deep)))
    if KEYSET:
        # The row before the deep page, as the list holds it after scrolling that far.
        [before_deep] = list_cases(uow, user, offset=deep - 1, limit=1)
        calls.insert(3, (f"page {deep:,} deep no filter, keyset (after=)",
                         lambda: list_cases(uow, user, after=before_deep)))
    calls.append(("page 1 warning=red by deadline", lambda: list_cases(
        uow, user, searches["warning=red"], sort="deadline", descending=False)))
    return calls


def measure_model(runtime: Runtime, user: CurrentUser, case_filter: CaseFilter,
                  fetches: int) -> tuple[float, list[float], int]:
    """The case search's model offscreen: ms to the first page, ms of each fetchMore."""
    from PyQt6.QtCore import QEventLoop, QTimer
    from PyQt6.QtWidgets import QApplication

    from app.services import queries
    from app.ui.case_model import CaseTableModel
    from app.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    runner = TaskRunner()
    model = CaseTableModel(runner)
    uow = runtime.uow

    def load(offset: int, limit: int, sort: str, descending: bool,
             after: Any = None) -> list[Any]:  # as app/forms/case_search.py loads
        if not KEYSET:
            return queries.list_cases(uow, user, case_filter, offset=offset, limit=limit,
                                      sort=sort, descending=descending)
        return queries.list_cases(uow, user, case_filter, after=after, limit=limit,
                                  sort=sort, descending=descending)

    def until_page(start: Callable[[], None]) -> float:
        loop = QEventLoop()
        model.pageLoaded.connect(loop.quit)
        model.loadFailed.connect(loop.quit)
        QTimer.singleShot(60_000, loop.quit)
        started = time.perf_counter()
        start()
        loop.exec()
        elapsed = (time.perf_counter() - started) * 1000
        model.pageLoaded.disconnect(loop.quit)
        model.loadFailed.disconnect(loop.quit)
        return elapsed

    first = until_page(lambda: model.set_loader(load))
    more = []
    for _ in range(fetches):
        if not model.canFetchMore():
            break
        more.append(until_page(model.fetchMore))
    rows = model.rowCount()
    runner.wait_for_done()
    return first, more, rows


def run(runtime: Runtime, repeat: int, fetches: int) -> None:
    user = system_user(runtime.uow)
    with runtime.uow() as uow:
        # Someone in the middle of the table, as a clerk would look them up.
        total = uow.session.execute(text("SELECT count(*) FROM cases")).scalar_one()
        id_number = str(uow.session.execute(text(
            "SELECT applicant_id_number FROM cases WHERE applicant_name LIKE '李%' "
            "LIMIT 1 OFFSET :skip"), {"skip": total // 40}).scalar_one())
    calls = query_rows(runtime, user, id_number, deep=total // 2)
    print(f"\nload average before: {Path('/proc/loadavg').read_text().split()[:3]}")
    print("\n| services (app.services.queries) | first ms | median ms | max ms "
          "| CPU median ms | result |")
    print("|---|--:|--:|--:|--:|--:|")
    for label, function in calls:
        first, median, worst, cpu, result = timed(function, repeat)
        shown = f"{len(result)} rows" if isinstance(result, list) else f"{result:,}"
        print(f"| {label} | {first:.1f} | {median:.1f} | {worst:.1f} | {cpu:.1f} | {shown} |",
              flush=True)

    print("\n| UI case model (app.ui.case_model), offscreen | first page ms "
          "| fetchMore median ms | fetchMore max ms | rows fetched |")
    print("|---|--:|--:|--:|--:|")
    for label, case_filter in (("no filter", CaseFilter()),
                               ("text 'XZ01-2026'", CaseFilter(text="XZ01-2026")),
                               ("text '王'", CaseFilter(text="王")),
                               ("warning=red", CaseFilter(warning="red"))):
        first, more, rows = measure_model(runtime, user, case_filter, fetches)
        median = f"{statistics.median(more):.1f}" if more else "—"
        worst = f"{max(more):.1f}" if more else "—"
        print(f"| {label} | {first:.1f} | {median} | {worst} | {rows} |", flush=True)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of this process: {rss:.0f} MB")
    print(f"load average after: {Path('/proc/loadavg').read_text().split()[:3]}")
    _print_plans(runtime, id_number)


def _print_plans(runtime: Runtime, id_number: str) -> None:
    """SQLite's plan for the first page and the count of each search: a scan shows."""
    from app.store.repositories import CaseRepository

    today = local_date(utc_now())
    print("\nquery plans (SQLite EXPLAIN QUERY PLAN):")
    with runtime.uow() as uow:
        repository = CaseRepository(uow.session)
        for label, case_filter in (("text number prefix", CaseFilter(text="XZ01-2026")),
                                   ("text exact ID", CaseFilter(text=id_number)),
                                   ("text pinyin initials", CaseFilter(text="wjg")),
                                   ("text ID last 4", CaseFilter(text=id_number[-4:])),
                                   ("warning=red", CaseFilter(warning="red", today=today))):
            base = repository._filtered(case_filter)
            for kind, query in (
                    ("page", base.order_by(models.CaseRow.registered_at.desc(),
                                           models.CaseRow.id).limit(100)),
                    ("count", base.with_only_columns(func.count(),
                                                     maintain_column_froms=True))):
                compiled = query.compile(uow.session.get_bind(),
                                         compile_kwargs={"literal_binds": True})
                plan = uow.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
                print(f"- {label}, {kind}: " + " | ".join(str(row[-1]) for row in plan))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fetches", type=int, default=10,
                        help="fetchMore calls timed on the UI model")
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the profile in this (new) folder and keep it")
    parser.add_argument("--profile", type=Path, default=None,
                        help="time a profile built before with --keep (upgraded if older)")
    args = parser.parse_args(argv)
    if args.profile and args.keep:
        parser.error("--profile and --keep exclude each other")
    folder = args.profile or args.keep or Path(tempfile.mkdtemp(prefix="counterdesk-million-"))
    if args.keep and folder.exists() and any(folder.iterdir()):
        parser.error(f"{folder} is not empty")
    started = time.perf_counter()
    if args.profile:
        runtime = open_runtime(folder, backups=False)
    else:
        runtime = build_profile(folder, args.cases, args.seed)
    try:
        with runtime.uow() as uow:
            states = dict(uow.session.execute(text(
                "SELECT state, count(*) FROM cases GROUP BY state ORDER BY 2 DESC")).all())
        size = sum(p.stat().st_size for p in folder.glob("*.sqlite3*"))
        print(f"profile: {sum(states.values()):,} cases, {size / 1e6:.0f} MB, "
              f"{'opened' if args.profile else 'built'} in "
              f"{time.perf_counter() - started:.0f}s, at {datetime.now():%Y-%m-%d %H:%M}")
        print("states: " + ", ".join(f"{state} {count:,}" for state, count in states.items()))
        sys.stdout.flush()
        run(runtime, args.repeat, args.fetches)
    finally:
        runtime.close()
        if args.keep is None and args.profile is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
