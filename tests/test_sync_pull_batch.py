"""A pulled page stored in one batch leaves exactly what storing it event by event does.

Each test builds a station's state, stores the same page once with ``store_pulled``
per event and once with ``store_pulled_page``, each in a unit of work that is rolled
back, and compares results, event log, outbox, notices, case rows and audit chain.
"""

from __future__ import annotations

import gc
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.audit import canonical_json, verify_chain
from app.domain.errors import DomainError
from app.domain.events import Event, EventType
from app.services import cases
from app.store import models
from app.store.unit_of_work import UnitOfWork
from app.sync import local
from tests.sync_fixtures import APPLICANT, StationProfile, make_station, received_materials

Page = list[tuple[Event, int | None]]


@pytest.fixture
def township(tmp_path: Path) -> Iterator[StationProfile]:
    station = make_station(tmp_path / "xc01", "XC01", "城关镇便民服务站")
    yield station
    station.close()


@pytest.fixture
def center(tmp_path: Path) -> Iterator[StationProfile]:
    station = make_station(tmp_path / "xzzx", "XZZX", "县政务服务中心")
    yield station
    station.close()


def register(station: StationProfile) -> str:
    return cases.register_case(station.uow, station.clerk, matter_code="SCJ-001",
                               applicant=APPLICANT, materials=received_materials()).id


def history(station: StationProfile, case_id: str) -> list[Event]:
    with station.uow() as uow:
        return uow.events.for_case(case_id)


def hold(station: StationProfile, items: Page) -> None:
    """What earlier pulls stored."""
    with station.uow() as uow:
        for event, server_sequence in items:
            local.store_pulled(uow, event, server_sequence)
        uow.commit()


def state(uow: UnitOfWork) -> dict[str, Any]:
    session = uow.session
    session.flush()
    events = [
        (r.position, r.id, r.case_id, r.type, r.payload, r.station_sequence, r.server_sequence)
        for r in session.scalars(select(models.EventRow).order_by(models.EventRow.position))
    ]
    columns = [c.key for c in models.CaseRow.__table__.columns if c.key != "updated_at"]
    case_rows = sorted(
        tuple(getattr(r, c) for c in columns) for r in session.scalars(select(models.CaseRow))
    )
    records = list(uow.audit.records())
    bodies: list[tuple[int, Any]] = []
    for record in records:
        body = json.loads(record.body)
        if "at" in body:
            body.pop("at")  # when a conflict was noted: the clock, not the outcome
            bodies.append((record.sequence, body))
        else:  # the very text (its hash is chained)
            bodies.append((record.sequence, record.body))
    # The texts stored, as SQLite holds them (JSON, times, dates, flags).
    connection = session.connection()
    event_columns = [c.name for c in models.EventRow.__table__.columns
                     if c.name != "recorded_at"]
    stored_events = connection.exec_driver_sql(
        f"SELECT {', '.join(event_columns)} FROM events ORDER BY position").all()
    stored_cases = connection.exec_driver_sql(
        f"SELECT {', '.join(columns)} FROM cases ORDER BY id").all()
    return {
        "events": events,
        "outbox": sorted(session.scalars(select(models.Outbox.event_id))),
        "conflicts": sorted(
            (c.event_id, c.case_id, c.code, c.reason, c.resolved)
            for c in session.scalars(select(models.SyncConflict))
        ),
        "cases": case_rows,
        "stored_events": stored_events,
        "stored_cases": stored_cases,
        "audit": bodies,
        "audit_intact": verify_chain(records) is None,
    }


def approved_cases(station: StationProfile, count: int) -> Page:
    """``count`` cases registered, accepted, reviewed and approved at ``station``, their
    events numbered one after another, case by case."""
    page: Page = []
    for _ in range(count):
        case_id = register(station)
        cases.accept(station.uow, station.clerk, case_id, seal=station.counter_seal)
        cases.review(station.uow, station.clerk, case_id, conforms=True, opinion="符合")
        cases.approve(station.uow, station.chief, case_id, opinion="同意")
        page.extend((e, len(page) + 1) for e in history(station, case_id))
    return page


def one_by_one(station: StationProfile, page: Page) -> tuple[local.PageResult, dict[str, Any]]:
    with station.uow() as uow:
        result = local.PageResult()
        for event, server_sequence in page:
            result.add(local.store_pulled(uow, event, server_sequence))
        return result, state(uow)


def batched(station: StationProfile, page: Page) -> tuple[local.PageResult, dict[str, Any]]:
    with station.uow() as uow:
        result = local.store_pulled_page(uow, page)
        return result, state(uow)


def test_mixed_page_stores_what_the_per_event_path_stores(
    township: StationProfile, center: StationProfile
) -> None:
    materials = received_materials()
    # New here: three events of a case the center has never seen.
    fresh = register(township)
    cases.accept(township.uow, township.clerk, fresh, seal=township.counter_seal)
    # Held: registration known, with its sequence missing; acceptance and review new.
    known = register(township)
    cases.accept(township.uow, township.clerk, known, seal=township.counter_seal)
    cases.review(township.uow, township.clerk, known, conforms=True, opinion="符合")
    # Unsettled, lost: the center accepts too; the township's acceptance wins.
    lost = register(township)
    # Unsettled, kept: the center's evaluation still applies after the township's event.
    kept = register(township)
    cases.record_materials(township.uow, township.clerk, kept, materials=materials)
    # Gap: the review arrives before the acceptance it follows (lower server sequence).
    gap = register(township)
    cases.accept(township.uow, township.clerk, gap, seal=township.counter_seal)
    cases.review(township.uow, township.clerk, gap, conforms=True, opinion="符合")

    f, k, lo, ke, g = (history(township, c) for c in (fresh, known, lost, kept, gap))
    hold(center, [(k[0], None), (lo[0], 1), (ke[0], 2), (g[0], 3)])
    cases.accept(center.uow, center.clerk, lost, seal=center.counter_seal)
    cases.record_evaluation(center.uow, center.clerk, kept, rating="satisfied",
                            channel="rating_device")
    # The acceptance and its notice sealed at the counter, and the evaluation.
    assert len(center.outbox()) == 3
    cases.accept(township.uow, township.clerk, lost, seal=township.counter_seal)
    lo = history(township, lost)

    # Each accepted case's history: registered, accepted, the notice sealed, [reviewed].
    twice_accepted = replace(f[1], id=str(uuid.uuid4()))  # does not apply: a conflict
    reused = replace(k[0], payload={**k[0].payload, "applicant_name": "李四"})
    page: Page = [
        (f[0], 10),
        (k[1], 11),
        (k[0], 4),  # held, its sequence filled in
        (f[1], 12),
        (f[2], 13),
        (lo[1], 14),  # the center's queued acceptance (and its seal) falls
        (lo[2], 15),
        (k[2], 16),
        (k[3], 17),
        (f[1], 12),  # the same event twice in one page
        (reused, 4),  # same id, another payload: a notice
        (twice_accepted, 18),
        (ke[1], 19),  # the center's evaluation moves after it
        (g[3], 22),  # review before acceptance: stored, the case waits
        (g[1], 20),
        (g[2], 21),
        (lo[0], 1),  # held, nothing to do
    ]
    expected_result, expected = one_by_one(center, page)
    result, actual = batched(center, page)

    assert result == expected_result
    # Nine as before the notices were sealed at the counter, and the four seals.
    assert (result.stored, result.dropped, len(result.refused)) == (13, 1, 1)
    assert actual == expected
    assert actual["audit_intact"]


def test_page_of_whole_cases_is_written_as_the_per_event_path_writes_it(
    township: StationProfile, center: StationProfile
) -> None:
    page = approved_cases(township, 6)
    # Interleave the cases as the server's order would.
    page.sort(key=lambda item: (item[0].device_time, item[1] or 0))
    page = [(e, n + 1) for n, (e, _) in enumerate(page)]
    hold(center, page[:5])

    expected_result, expected = one_by_one(center, page)
    result, actual = batched(center, page)

    assert result == expected_result
    assert actual == expected


def test_storing_a_pulled_page_leaves_nothing_for_the_cycle_collector(
    township: StationProfile, center: StationProfile
) -> None:
    # What makes holding the collector off during a pull safe (app/sync/collector.py):
    # a page's garbage is freed by reference counts alone, however long the pull.
    page = approved_cases(township, 20)
    wire = [(event.to_dict(), sequence) for event, sequence in page]
    gc.collect()
    gc.disable()
    try:
        with center.uow() as uow:
            parsed = [(Event.from_dict(data), sequence) for data, sequence in wire]
            assert local.store_pulled_page(uow, parsed).stored == len(page)
            uow.commit()
        del parsed
        cyclic_garbage = gc.collect()
    finally:
        gc.enable()
    assert cyclic_garbage < 10  # far fewer than the page's 80 events


def test_event_refused_half_way_through_leaves_the_batched_case_as_it_was(
    township: StationProfile, center: StationProfile
) -> None:
    held = register(township)
    fresh = register(township)
    h, f = history(township, held), history(township, fresh)
    hold(center, [(h[0], 1)])
    # The handler records the acceptance before it finds the promised days wrong.
    bad = [Event(case_id=c, type=EventType.ACCEPTED, actor_id=township.clerk.id,
                 actor_name="李受理", station="XC01", device_time=e[0].device_time,
                 payload={"accepted_on": "2026-11-23", "promised_working_days": -1})
           for c, e in ((held, h), (fresh, f))]
    # The fresh case is registered, then refused, in the batch; then the held one.
    page: Page = [(f[0], 2), (bad[1], 3), (bad[0], 4)]

    expected_result, expected = one_by_one(center, page)
    result, actual = batched(center, page)

    assert result == expected_result
    assert actual == expected
    accepted_at = [c.key for c in models.CaseRow.__table__.columns].index("accepted_at")
    assert [row[accepted_at] for row in actual["cases"]] == [None, None]


def test_case_row_that_cannot_be_projected_fails_the_page_as_per_event(
    township: StationProfile, center: StationProfile
) -> None:
    case_id = register(township)
    cases.accept(township.uow, township.clerk, case_id, seal=township.counter_seal)
    events = history(township, case_id)
    # An extension with no approver's name applies but has no deadline.
    extended = Event(case_id=case_id, type=EventType.EXTENDED, actor_id=township.chief.id,
                     actor_name="", station="XC01", device_time=events[-1].device_time,
                     payload={"working_days": 5, "reason": "需现场核查"})
    page: Page = [(events[0], 1), (events[1], 2), (extended, 3)]

    with center.uow() as uow, pytest.raises(DomainError) as per_event:
        for event, server_sequence in page:
            local.store_pulled(uow, event, server_sequence)
    with center.uow() as uow, pytest.raises(DomainError) as batch:
        local.store_pulled_page(uow, page)

    assert batch.value.code == per_event.value.code


def test_empty_page_stores_nothing(center: StationProfile) -> None:
    with center.uow() as uow:
        assert local.store_pulled_page(uow, []) == local.PageResult()


def test_audit_append_many_chains_as_appending_one_by_one(center: StationProfile) -> None:
    bodies = [{"kind": "note", "n": n} for n in range(5)]
    with center.uow() as uow:
        one = [uow.audit.append(body) for body in bodies]
    with center.uow() as uow:
        many = uow.audit.append_many(bodies)
        stored = list(uow.audit.records())

    assert many == one
    assert stored[-5:] == many
    assert verify_chain(stored) is None


def test_case_rows_saved_together_are_stored_as_saved_one_at_a_time(
    township: StationProfile,
) -> None:
    held = [register(township) for _ in range(3)]
    cases.accept(township.uow, township.clerk, held[0], seal=township.counter_seal)
    with township.uow() as uow:
        before = {r.id: {c.key: getattr(r, c.key) for c in models.CaseRow.__table__.columns}
                  for r in uow.session.scalars(select(models.CaseRow))}
    changed = [
        {**before[held[0]], "state": "reviewed", "deadline": None, "yellow_from": None,
         "deadline_provisional": True, "on_time": False},
        # Times without microseconds, in another zone, and a date: SQLite's own texts.
        {**before[held[1]], "applicant_name": "王五",
         "registered_at": datetime(2026, 1, 1, 7, 0, tzinfo=timezone(timedelta(hours=8))),
         "accepted_at": datetime(999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
         "accepted_on": date(2026, 1, 5)},
        dict(before[held[2]]),  # nothing changes
        {**before[held[2]], "id": str(uuid.uuid4()), "number": "XC01-NEW-0001"},
    ]

    def stored(uow: UnitOfWork) -> list[Any]:
        uow.session.flush()
        return uow.session.connection().exec_driver_sql(
            "SELECT * FROM cases ORDER BY id").all()

    with township.uow() as uow:
        for values in changed:
            uow.cases.save(models.CaseRow(**values))
        one_by_one_rows = stored(uow)
    with township.uow() as uow:
        row = uow.cases.get(held[1])  # held by the session: read afresh after the write
        assert row is not None
        uow.cases.save_many(changed)
        together_rows = stored(uow)
        assert row.applicant_name == "王五"

    assert together_rows == one_by_one_rows


@pytest.mark.parametrize("device_time", [
    datetime(2026, 11, 23, 13, 42, 32, tzinfo=UTC),  # no microseconds: stored with them
    datetime(2026, 1, 1, 7, 0, 0, 1, tzinfo=timezone(timedelta(hours=8))),  # a day back in UTC
    datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),  # a year of three digits
])
def test_pulled_event_is_stored_in_the_texts_its_column_types_write(
    center: StationProfile, device_time: datetime
) -> None:
    event = Event(case_id=str(uuid.uuid4()), type=EventType.ACCEPTED, actor_id="a",
                  actor_name="", station="XZZX", device_time=device_time,
                  payload={"乙": [1.5, None, True], "a": "受理\u2028\""})

    def stored(uow: UnitOfWork) -> Any:
        uow.session.flush()
        return uow.session.connection().exec_driver_sql(
            "SELECT device_time, payload FROM events WHERE id = ?", (event.id,)).one()

    with center.uow() as uow:
        uow.events.add(event, station_sequence=None, outbox=False)
        by_the_orm = stored(uow)
    with center.uow() as uow:
        uow.events.add_pulled([(event, None)], [canonical_json(event.payload)])
        pulled = stored(uow)

    assert pulled == by_the_orm


def test_event_payloads_are_stored_as_their_canonical_json(center: StationProfile) -> None:
    payload = {"乙": "受理", "a": [1, None]}
    event = Event(case_id=str(uuid.uuid4()), type=EventType.ACCEPTED, actor_id="a",
                  actor_name="", station="XZZX", device_time=datetime.now(UTC), payload=payload)
    with center.uow() as uow:
        uow.events.add(event, station_sequence=None, outbox=False)
        stored = uow.session.connection().exec_driver_sql(
            "SELECT payload FROM events WHERE id = ?", (event.id,)).scalar_one()
    # The text the audit chain hashes: sorted keys, no spaces, Chinese as UTF-8.
    assert stored == '{"a":[1,null],"乙":"受理"}'
