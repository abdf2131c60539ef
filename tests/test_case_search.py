"""Case search: pinyin initials, the ID's last 4, % and _ as plain characters."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import cases, queries
from app.services.runtime import Runtime
from app.store.database import Profile, make_engine, upgrade
from tests.profile_fixtures import MONDAY, NATURAL_APPLICANT, Staff, make_profile


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    yield runtime, staff
    runtime.close()


def _register(runtime: Runtime, staff: Staff, **applicant: str):
    return cases.register_case(runtime.uow, staff.clerk, matter_code="SCJ-001",
                               applicant={**NATURAL_APPLICANT, **applicant}, now=MONDAY)


def _found(runtime: Runtime, staff: Staff, text: str) -> list[str]:
    return [s.applicant_name for s in queries.list_cases(
        runtime.uow, staff.supervisor, queries.CaseFilter(text=text), now=MONDAY)]


def test_search_finds_the_applicant_by_pinyin_initials(profile) -> None:
    runtime, staff = profile
    _register(runtime, staff)  # 张三
    _register(runtime, staff, name="李四", id_number="110105194912310011")
    assert _found(runtime, staff, "zs") == ["张三"]
    assert _found(runtime, staff, "ZS") == ["张三"]
    assert _found(runtime, staff, "l") == []  # one letter is too little to mean initials
    assert _found(runtime, staff, "ls") == ["李四"]


def test_search_finds_by_the_last_four_of_the_id_the_list_shows(profile) -> None:
    runtime, staff = profile
    _register(runtime, staff)  # ...002X
    _register(runtime, staff, name="李四", id_number="110105194912310011")
    [summary] = queries.list_cases(runtime.uow, staff.supervisor,
                                   queries.CaseFilter(text="002x"), now=MONDAY)
    assert summary.applicant_name == "张三"
    assert summary.applicant_id_masked.endswith("002X")
    assert _found(runtime, staff, "0011") == ["李四"]


def test_percent_and_underscore_are_plain_characters(profile) -> None:
    runtime, staff = profile
    _register(runtime, staff)
    assert _found(runtime, staff, "%") == []
    assert _found(runtime, staff, "_") == []
    assert _found(runtime, staff, "张%") == []
    assert _found(runtime, staff, "%工商户") == []
    assert _found(runtime, staff, "工商户") == ["张三"]


def test_upgrade_fills_the_search_columns_of_existing_cases(tmp_path: Path) -> None:
    from alembic import command

    from app.store.database import alembic_config

    profile = Profile(tmp_path)
    profile.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(profile.url)
    with engine.begin() as connection:
        config = alembic_config(profile.url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0008")
        connection.exec_driver_sql(
            "INSERT INTO cases (id, number, station, matter_code, matter_name,"
            " department_code, category, state, applicant_name, applicant_id_number,"
            " applicant_phone, first_responder_id, reviewer_id, approver_id, window_name,"
            " registered_at, deadline_provisional, outcome, evaluation, updated_at)"
            " VALUES ('c1', 'XC01-20261123-0001', 'XC01', 'SCJ-001', '个体工商户登记', 'SCJ',"
            " 'promised', 'registered', '王建国', '11010519491231002X', '13800138000', 'u',"
            " '', '', '', '2026-11-23 01:00:00', 0, '', '', '2026-11-23 01:00:00')")
    engine.dispose()
    upgrade(profile)
    database = sqlite3.connect(profile.database_path)
    row = database.execute(
        "SELECT applicant_initials, applicant_id_tail FROM cases WHERE id = 'c1'").fetchone()
    database.close()
    assert row == ("wjg", "002X")


@pytest.mark.parametrize("text", ["王", "王建", "wj", "个体工商户", "汪"])
def test_a_search_matching_many_gives_the_same_pages_as_one_matching_few(
    profile, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    """Past DENSE_MATCHES matches the page walks the registration index instead of
    sorting the matches: the same cases in the same order, page after page."""
    from datetime import timedelta

    from app.domain.identity import resident_id_check_char
    from app.store.repositories import CaseFilter, CaseRepository

    runtime, staff = profile
    names = ["王建国", "王建军", "王芳", "汪建", "张三", "王五", "李四", "王建"]
    for i, name in enumerate(names * 2):
        first17 = f"11010519900101{i:03d}"
        cases.register_case(
            runtime.uow, staff.clerk, matter_code="SCJ-001",
            applicant={**NATURAL_APPLICANT, "name": name,
                       "id_number": first17 + resident_id_check_char(first17)},
            now=MONDAY + timedelta(minutes=i % 5))  # ties in time too

    def pages() -> list[list[str]]:
        with runtime.uow() as uow:
            return [[row.id for row in uow.cases.page(CaseFilter(text=text), offset=o, limit=3)]
                    for o in range(0, 18, 3)]

    sorted_pages = pages()
    monkeypatch.setattr(CaseRepository, "DENSE_MATCHES", 1)
    with runtime.uow() as uow:
        assert uow.cases._matches_many(CaseFilter(text=text)) == (
            uow.cases.count(CaseFilter(text=text)) > 1)
    assert pages() == sorted_pages
    assert any(sorted_pages)
