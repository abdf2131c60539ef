"""One bad event never blocks the others.

Field limits (app/domain/limits.py) are one set for the station's forms and services,
the server and both databases. A value that does not fit is refused where it is typed;
one that reaches the server anyway (an older installation, a station's clock in the
next century) is refused for that event or record alone: the station shows it as a
conflict and the other clerks' work goes on. Run on SQLite and on PostgreSQL, where an
over-long name once made every push a 500.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from app.domain import limits
from app.domain.errors import ValidationError
from app.domain.roles import Role
from app.services import accounts, cases
from app.store import models as client_models
from tests.sync_fixtures import (
    APPLICANT,
    PASSWORD,
    LiveServer,
    StationProfile,
    make_station,
    received_materials,
    server_on_both_databases,  # noqa: F401 (the server fixture)
)


@pytest.fixture
def station(server: LiveServer, tmp_path: Path) -> Iterator[StationProfile]:
    profile = make_station(tmp_path / "xc01", "XC01", "城关镇")
    profile.engine.enroll(server.url, server.create_station("城关镇", "XC01"))
    yield profile
    profile.close()


def _register(station: StationProfile, user: object, *, now: datetime | None = None) -> str:
    return cases.register_case(station.uow, user, matter_code="SCJ-001",  # type: ignore[arg-type]
                               applicant=APPLICANT, materials=received_materials(),
                               now=now).id


def test_a_name_longer_than_the_tables_hold_is_refused_where_it_is_typed(
    station: StationProfile,
) -> None:
    with pytest.raises(ValidationError) as refused:
        accounts.create_user(station.uow, station.admin, username="longname",
                             display_name="王" * (limits.PERSON_NAME + 1), password=PASSWORD,
                             roles=frozenset({Role.CLERK}), department_code="SCJ")
    assert refused.value.code == "too_long" and refused.value.field == "display_name"
    assert f"最多{limits.PERSON_NAME}个字" in refused.value.message


def test_an_event_with_an_over_long_actor_name_is_refused_alone(
    server: LiveServer, station: StationProfile
) -> None:
    # An installation from before the limit: the clerk's name on the event is too long.
    long_named = replace(station.clerk, display_name="李" * 60)
    refused_case = _register(station, long_named)
    other_case = _register(station, station.clerk2)
    report = station.engine.sync_once()
    assert report.ok, report.errors
    assert report.conflicts == 1 and report.pushed == 1
    assert station.outbox() == []
    [conflict] = station.conflicts()
    assert conflict.case_id == refused_case and conflict.code == "too_long"
    assert "最多50个字" in conflict.reason
    with server.session() as session:
        from server.models import EventRow

        held = {row.case_id for row in session.query(EventRow)}
    assert held == {other_case}
    # The rest keeps syncing.
    third = _register(station, station.clerk2)
    again = station.engine.sync_once()
    assert again.ok and again.pushed == 1 and station.outbox() == []
    assert server.event_count() == 2 and third


def test_a_staff_record_the_server_refuses_holds_back_only_that_persons_cases(
    server: LiveServer, station: StationProfile
) -> None:
    with station.uow() as uow:
        uow.session.execute(update(client_models.User)
                            .where(client_models.User.id == station.clerk.id)
                            .values(display_name="张" * 60))
        uow.commit()
    # Its events carry a name that fits (made before the record grew), yet the server
    # does not know the person: only their case waits.
    held_back = _register(station, station.clerk)
    other_case = _register(station, station.clerk2)
    report = station.engine.sync_once()
    assert report.ok, report.errors
    assert any("姓名过长" in w for w in report.warnings)
    assert report.pushed == 1 and report.retries == 1
    with station.uow() as uow:
        queued = {uow.events.get(i).case_id for i in station.outbox()}
    assert queued == {held_back}
    assert server.event_count() == 1
    del other_case


def test_an_event_the_server_cannot_read_is_quarantined_and_the_rest_goes_on(
    server: LiveServer, station: StationProfile
) -> None:
    ok_before = _register(station, station.clerk2)
    # A clock set in the next century: the server refuses the batch naming this event.
    future = _register(station, station.clerk, now=datetime(2101, 3, 1, 2, tzinfo=UTC))
    ok_after = _register(station, station.clerk2)
    report = station.engine.sync_once()
    assert report.ok, report.errors
    assert report.pushed == 2 and report.conflicts == 1
    assert station.outbox() == []
    [conflict] = station.conflicts()
    assert conflict.case_id == future and conflict.code == "quarantined.malformed"
    assert "设备时间" in conflict.reason
    with server.session() as session:
        from server.models import EventRow

        assert {row.case_id for row in session.query(EventRow)} == {ok_before, ok_after}
