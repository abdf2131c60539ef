"""Case lists at scale: kept counts, keyset pages and the index-first searches return
exactly what counting and sorting every matching row does.

A profile of a few thousand realistic cases (the million-case bench's generator: every
state, running cases yellow and red today, common surnames, companies, town stations)
is compared with the plain queries: ``CaseRepository.counted`` (COUNT over the filter)
and one ORDER BY of every match cut into offset pages.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.services import catalog, demo, queries
from app.services.context import local_date, utc_now
from app.services.queries import CaseFilter
from app.services.runtime import Runtime
from app.store import models
from app.store.database import Profile, backup, restore, upgrade
from app.store.repositories import _CASE_NUMBER, SORTABLE_COLUMNS, CaseRepository
from bench.bench_million_cases import CaseRows
from tests.profile_fixtures import Staff, downgrade_profile, make_profile

CASES = 3000


def _bucket_counts(runtime: Runtime) -> dict[str, int]:
    """The kept counts, leaving out buckets emptied by deletes."""
    with runtime.uow() as uow:
        rows = uow.session.execute(select(models.CaseCount.bucket, models.CaseCount.cases))
        return {bucket: cases for bucket, cases in rows if cases}


def _recounted(runtime: Runtime) -> dict[str, int]:
    """Every bucket counted from the cases there are."""
    with runtime.uow() as uow:
        rows = uow.session.execute(text(
            "SELECT 'all', count(*) FROM cases UNION ALL "
            "SELECT 'state:' || state, count(*) FROM cases GROUP BY 1 UNION ALL "
            "SELECT 'category:' || category, count(*) FROM cases GROUP BY 1 UNION ALL "
            "SELECT 'department:' || department_code, count(*) FROM cases GROUP BY 1 "
            "UNION ALL SELECT 'matter:' || matter_code, count(*) FROM cases GROUP BY 1 "
            "UNION ALL SELECT 'day:' || substr(number, 1, instr(number, '-') + 8), "
            "count(*) FROM cases GROUP BY 1 UNION ALL "
            "SELECT 'name:' || substr(applicant_name, 1, 2), count(*) FROM cases GROUP BY 1"))
        return {bucket: cases for bucket, cases in rows if cases}


def _insert_cases(runtime: Runtime, total: int, seed: int) -> None:
    maker = CaseRows(runtime, total, random.Random(seed))
    insert = (f"INSERT INTO cases ({', '.join(maker.columns)}) "
              f"VALUES ({', '.join('?' for _ in maker.columns)})")
    with runtime.uow() as uow:
        uow.session.connection().exec_driver_sql(insert, list(maker.rows()))
        uow.commit()


def _generated(data_dir: Path, total: int, seed: int) -> tuple[Runtime, Staff]:
    """A profile with the demo's departments and matters (the generated cases' matters,
    found by name) and ``total`` generated cases."""
    runtime, staff = make_profile(data_dir)
    try:
        for department in demo.DEPARTMENTS:
            catalog.save_department(runtime.uow, staff.admin, department)
        for matter in demo.MATTERS:
            catalog.save_matter(runtime.uow, staff.admin, matter)
        _insert_cases(runtime, total, seed)
    except BaseException:
        runtime.close()
        raise
    return runtime, staff


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = _generated(tmp_path_factory.mktemp("many") / "profile", CASES, seed=19)
    yield runtime, staff
    runtime.close()


def _a_case(runtime: Runtime, where: str) -> models.CaseRow:
    with runtime.uow() as uow:
        row = uow.session.scalars(select(models.CaseRow).where(text(where))
                                  .order_by(models.CaseRow.number).limit(1)).one()
        uow.session.expunge(row)
        return row


def _filters(runtime: Runtime) -> list[CaseFilter]:
    """The searches of the case list: every kind of text, each filter alone, some
    together, each warning level (as of today)."""
    person = _a_case(runtime, "applicant_id_number GLOB '[0-9]*' AND category = 'immediate'"
                     " OR applicant_name LIKE '李%'")
    today = local_date(utc_now())
    texts = ["XZ01-2026", "XZ01-", "XC0", person.number[:13], person.number,
             person.number[:-1], "王", "王建", "李", "清河县", "清", "wjg", "wj", "zs",
             person.applicant_id_number, person.applicant_id_number[-4:],
             person.applicant_phone, "食品经营许可", "许可", "登记", "50%", "_", "张%",
             person.applicant_name, "xz01-2026"]
    filters = [CaseFilter(), *(CaseFilter(text=t) for t in texts)]
    filters += [CaseFilter(states=("accepted",)), CaseFilter(states=("accepted", "reviewed",
                                                                      "accepted")),
                CaseFilter(categories=("immediate",)), CaseFilter(department_code="SCJ"),
                CaseFilter(department_code="SCJ", states=("delivered",)),
                CaseFilter(text="王", states=("accepted",)),
                CaseFilter(text="食品经营许可", department_code="SCJ"),
                CaseFilter(registered_from=today.replace(day=1), registered_to=today)]
    filters += [CaseFilter(warning=level, today=today)
                for level in ("red", "yellow", "warned", "normal", "tolerance")]
    filters += [CaseFilter(warning="red", today=today, department_code="SCJ"),
                CaseFilter(warning="normal", today=today, states=("accepted",))]
    return filters


def _offset_pages(repository: CaseRepository, case_filter: CaseFilter, sort: str,
                  descending: bool) -> list[str]:
    """The ids in order as the list read them before: offset pages of one query."""
    ids: list[str] = []
    while True:
        rows = repository.page(case_filter, offset=len(ids), limit=250, sort=sort,
                               descending=descending)
        ids += [r.id for r in rows]
        if len(rows) < 250:
            return ids


def _plain_order(repository: CaseRepository, case_filter: CaseFilter, sort: str,
                 descending: bool) -> list[str]:
    """Every match sorted in one query, the same order as the pages must show."""
    column = SORTABLE_COLUMNS[sort]
    if sort == "registered_at" and _CASE_NUMBER.match(case_filter.text.strip()):
        column = models.CaseRow.number  # a case-number search lists by number
    order = column.desc() if descending else column.asc()
    query = repository._filtered(case_filter).order_by(order, models.CaseRow.id)
    return [row.id for row in repository.session.scalars(query)]


def test_kept_counts_are_the_cases_counted(many) -> None:
    runtime, _staff = many
    assert _bucket_counts(runtime) == _recounted(runtime)
    assert _bucket_counts(runtime)["all"] == CASES


def test_every_search_counts_what_counting_its_rows_does(many) -> None:
    runtime, staff = many
    with runtime.uow() as uow:
        for case_filter in _filters(runtime):
            counted = uow.cases.counted(case_filter)
            plain = uow.session.scalar(uow.cases._filtered(case_filter).with_only_columns(
                func.count(), maintain_column_froms=True))
            assert uow.cases.count(case_filter) == counted == plain, case_filter
    # Through the service, as the screen asks (today filled in for the warnings).
    for level in ("red", "yellow", "normal"):
        case_filter = CaseFilter(warning=level)
        with runtime.uow() as uow:
            expected = uow.cases.counted(replace(case_filter, today=local_date(utc_now())))
        assert queries.count_cases(runtime.uow, staff.supervisor, case_filter) == expected


def test_the_searches_find_some_cases_and_not_all(many) -> None:
    # The comparisons above would hold for empty results too: they are not.
    runtime, _staff = many
    with runtime.uow() as uow:
        counts = {f: uow.cases.count(f) for f in _filters(runtime)}
    assert counts[CaseFilter(text="王")] > 100
    assert 0 < counts[CaseFilter(text="王建")] < counts[CaseFilter(text="王")]
    assert 0 < counts[CaseFilter(text="wjg")] < 300
    assert counts[CaseFilter(text="XZ01-2026")] > 300
    today = local_date(utc_now())
    assert counts[CaseFilter(warning="red", today=today)] > 0
    assert counts[CaseFilter(warning="yellow", today=today)] > 0


@pytest.mark.parametrize(("sort", "descending"), [("registered_at", True),
                                                  ("registered_at", False),
                                                  ("deadline", False), ("deadline", True),
                                                  ("number", True), ("applicant_name", False),
                                                  ("matter_name", True), ("state", False)])
def test_keyset_pages_are_the_offset_pages(many, sort: str, descending: bool) -> None:
    runtime, staff = many
    filters = _filters(runtime)
    if sort != "registered_at":
        filters = filters[:12] + filters[-7:]
    for case_filter in filters:
        with runtime.uow() as uow:
            expected = _plain_order(uow.cases, case_filter, sort, descending)
            assert _offset_pages(uow.cases, case_filter, sort, descending) == expected
        walked: list[str] = []
        after = None
        while True:
            page = queries.list_cases(runtime.uow, staff.supervisor, case_filter, limit=97,
                                      sort=sort, descending=descending, after=after)
            walked += [s.id for s in page]
            if len(page) < 97:
                break
            after = page[-1]
        assert walked == expected, (case_filter, sort, descending)


def test_a_keyset_page_can_skip_past_its_cursor(many) -> None:
    runtime, staff = many
    first = queries.list_cases(runtime.uow, staff.supervisor, limit=50)
    skipped = queries.list_cases(runtime.uow, staff.supervisor, limit=20, offset=10,
                                 after=first[9])
    assert [s.id for s in skipped] == [s.id for s in first[20:40]]


def test_a_dense_search_pages_by_walking_the_registrations(many, monkeypatch) -> None:
    # With fewer matches than DENSE_MATCHES the newest are found in the search indexes;
    # over it, the registration index is walked: both give the same pages.
    runtime, staff = many
    case_filter = CaseFilter(text="王")
    with runtime.uow() as uow:
        expected = _plain_order(uow.cases, case_filter, "registered_at", True)
    monkeypatch.setattr(CaseRepository, "DENSE_MATCHES", 50)
    walked: list[str] = []
    after = None
    while True:
        page = queries.list_cases(runtime.uow, staff.supervisor, case_filter, limit=100,
                                  after=after)
        walked += [s.id for s in page]
        if len(page) < 100:
            break
        after = page[-1]
    assert walked == expected


def test_counts_follow_updates_deletes_and_inserts(tmp_path: Path) -> None:
    runtime, _staff = _generated(tmp_path / "profile", 400, seed=7)
    try:
        with runtime.uow() as uow:
            connection = uow.session.connection()
            # Each counted column changed on a few rows, some rows changed twice.
            connection.exec_driver_sql(
                "UPDATE cases SET state = 'accepted' WHERE rowid % 7 = 0")
            connection.exec_driver_sql(
                "UPDATE cases SET category = 'joint', department_code = 'ZJJ',"
                " matter_code = 'ZJJ-001' WHERE rowid % 5 = 0")
            connection.exec_driver_sql(
                "UPDATE cases SET number = 'XC09-' || substr(number, 6)"
                " WHERE rowid % 11 = 0")
            connection.exec_driver_sql(
                "UPDATE cases SET applicant_name = '欧阳' || applicant_name"
                " WHERE rowid % 13 = 0")
            connection.exec_driver_sql(
                "UPDATE cases SET state = state, applicant_name = applicant_name")
            connection.exec_driver_sql("DELETE FROM cases WHERE rowid % 3 = 0")
            uow.commit()
        assert _bucket_counts(runtime) == _recounted(runtime)
        # Written through the repository as the projection and a pull write rows.
        with runtime.uow() as uow:
            rows = list(uow.session.scalars(select(models.CaseRow).limit(30)))
            changed = []
            for row in rows:
                values = {c.key: getattr(row, c.key) for c in models.CaseRow.__table__.columns}
                changed.append({**values, "state": "completed",
                                "applicant_name": "孙" + values["applicant_name"]})
            fresh = {**changed[0], "id": "00000000-0000-4000-8000-000000000019",
                     "number": "XC01-20261202-9999"}
            uow.cases.save_many([*changed, fresh])
            uow.commit()
        assert _bucket_counts(runtime) == _recounted(runtime)
        with runtime.uow() as uow:
            uow.cases.delete_all()
            uow.commit()
        assert _bucket_counts(runtime) == {}
    finally:
        runtime.close()


def test_counts_follow_a_rebuilt_projection(tmp_path: Path) -> None:
    from app.services import cases as case_service
    from app.services.recording import rebuild_projection
    from tests.profile_fixtures import MONDAY, NATURAL_APPLICANT

    runtime, staff = make_profile(tmp_path / "profile")
    try:
        for _ in range(5):
            case_service.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                                       applicant=NATURAL_APPLICANT, now=MONDAY)
        before = _recounted(runtime)
        assert before["all"] == 5 and _bucket_counts(runtime) == before
        with runtime.uow() as uow:
            assert rebuild_projection(uow) == 5
            uow.commit()
        assert _bucket_counts(runtime) == before
    finally:
        runtime.close()


def test_counts_follow_a_pulled_page(tmp_path: Path) -> None:
    from app.sync import local
    from tests.sync_fixtures import make_station
    from tests.test_sync_pull_batch import approved_cases

    township = make_station(tmp_path / "xc01", "XC01", "城关镇便民服务站")
    center = make_station(tmp_path / "xzzx", "XZZX", "县政务服务中心")
    try:
        page = approved_cases(township, 4)
        with center.uow() as uow:
            local.store_pulled_page(uow, page[:7])  # some cases part way
            uow.commit()
        with center.uow() as uow:
            local.store_pulled_page(uow, page[7:])
            uow.commit()
        counted = _recounted(center)  # type: ignore[arg-type]
        assert counted["all"] == 4 and counted["state:approved"] == 4
        assert _bucket_counts(center) == counted  # type: ignore[arg-type]
    finally:
        township.close()
        center.close()


def test_a_restored_backup_counts_its_own_cases(tmp_path: Path) -> None:
    runtime, _staff = _generated(tmp_path / "profile", 120, seed=3)
    profile = Profile(tmp_path / "profile")
    try:
        saved = backup(profile, destination=tmp_path / "saved.sqlite3")
        with runtime.uow() as uow:  # work after the backup, lost by the restore
            uow.session.connection().exec_driver_sql("DELETE FROM cases WHERE rowid % 4 = 0")
            uow.commit()
        assert _bucket_counts(runtime)["all"] == 90
    finally:
        runtime.close()
    restore(profile, saved)
    upgrade(profile)
    from app.services.runtime import open_runtime

    restored = open_runtime(profile.data_dir, backups=False)
    try:
        assert _bucket_counts(restored) == _recounted(restored)
        assert _bucket_counts(restored)["all"] == 120
    finally:
        restored.close()


def test_the_migration_counts_the_cases_already_there(tmp_path: Path) -> None:
    from app.services.runtime import open_runtime

    runtime, _staff = _generated(tmp_path / "profile", 300, seed=5)
    profile = Profile(tmp_path / "profile")
    try:
        expected = _recounted(runtime)
    finally:
        runtime.close()
    downgrade_profile(profile.data_dir, "0014")
    older = sqlite3.connect(profile.database_path)
    assert older.execute(
        "SELECT count(*) FROM sqlite_master WHERE name LIKE 'case_counts%'").fetchone() == (0,)
    older.close()
    upgrade(profile)
    reopened = open_runtime(profile.data_dir, backups=False)
    try:
        assert _bucket_counts(reopened) == expected
    finally:
        reopened.close()
