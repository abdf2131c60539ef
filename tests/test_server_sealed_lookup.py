"""A document sealed without a verification record is found by an index, not a scan.

Stations older than the verification records send only the sealed event; the public
verification page then looks the document up by the seal use's id in the events'
payload, and a correction by ``supersedes``. Every such scan of a QR code (or of a
made-up id) read every event on the server before migration 0009. A station downloading
a sealed PDF read every event of its cases for each file before 0010, and (0011) each
index must serve its own key alone, whatever the statistics say.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from server.attachments import _in_scope
from server.database import make_engine, upgrade
from server.models import Attachment, CaseScope, EventRow, Station
from server.verification import _correction_number, _sealed, sealed_lookup
from tests.sync_fixtures import server_config_on

WHEN = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with server_config_on(request.param, tmp_path) as config:
        config.data_dir.mkdir(parents=True)
        made = make_engine(config.database_url)
        try:
            upgrade(made)
            yield made
        finally:
            made.dispose()


def _event(sequence: int, kind: str, payload: dict[str, str]) -> EventRow:
    return EventRow(server_sequence=sequence, id=f"ev-{sequence}", case_id="case-1", type=kind,
                    actor_id="u1", actor_name="李受理", station="XZ01", device_time=WHEN,
                    payload=payload, content_hash="0" * 64, station_sequence=sequence,
                    received_at=WHEN)


def _fill(session: Session) -> None:
    # A reviewed event carrying the same keys must not be taken for the seal's.
    session.add(_event(1, "reviewed", {"seal_use_id": "use-1", "supersedes": "use-1"}))
    session.add(_event(2, "sealed", {"seal_use_id": "use-1", "document_number": "清市监受〔2026〕1号"}))
    session.add(_event(3, "sealed", {"seal_use_id": "use-2", "supersedes": "use-1",
                                     "document_number": "清市监受〔2026〕2号"}))
    session.add_all(_event(n, "registered", {"seal_use_id": f"other-{n}"}) for n in range(4, 60))
    session.commit()


def _plan(session: Session, key: str) -> str:
    dialect = session.get_bind().dialect.name
    query = sealed_lookup(dialect, key, "use-1").compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    if dialect == "postgresql":
        # So small a table is cheaper to scan; what matters is that the index can serve.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        return "\n".join(session.execute(text(f"EXPLAIN {query}")).scalars())
    return "\n".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {query}")))


def test_the_sealed_event_and_its_correction_are_found(engine: Engine) -> None:
    with Session(engine) as session:
        _fill(session)
        found = _sealed(session, "seal_use_id", "use-1")
        assert found is not None and found.id == "ev-2"
        assert _sealed(session, "seal_use_id", "use-9") is None
        assert _correction_number(session, "use-1") == "清市监受〔2026〕2号"
        assert _correction_number(session, "use-2") == ""


@pytest.mark.parametrize("key", ["seal_use_id", "supersedes", "pdf_sha256"])
def test_the_lookup_reads_the_partial_index(engine: Engine, key: str) -> None:
    with Session(engine) as session:
        _fill(session)
        assert f"ix_events_sealed_{key}" in _plan(session, key)


def _station(code: str, *, all_cases: bool = False) -> Station:
    return Station(id=f"st-{code}", code=code, name=code, sees_all_cases=all_cases,
                   created_at=WHEN)


def _file(digest: str, uploaded_by: str) -> Attachment:
    return Attachment(sha256=digest, size=10, received=10, complete=True, station=uploaded_by,
                      created_at=WHEN)


def test_a_file_is_downloaded_only_by_the_stations_that_see_a_case_naming_it(
        engine: Engine) -> None:
    sealed_pdf, scan, loose = "a" * 64, "b" * 64, "c" * 64
    with Session(engine) as session:
        _fill(session)
        # The decision sealed at a centre window for the township's case-1; a scan of
        # case-2 (the centre's own), named inside a material's payload; a file no event names.
        session.add(_event(70, "sealed", {"seal_use_id": "use-7", "pdf_sha256": sealed_pdf}))
        session.add(EventRow(server_sequence=71, id="ev-71", case_id="case-2", type="material_added",
                             actor_id="u1", actor_name="李受理", station="XZ01", device_time=WHEN,
                             payload={"materials": [{"name": "营业执照", "sha256": scan}]},
                             content_hash="0" * 64, station_sequence=71, received_at=WHEN))
        session.add_all([_file(sealed_pdf, "XZ02"), _file(scan, "XZ01"), _file(loose, "XC09")])
        session.add_all([CaseScope(case_id="case-1", station="XC01", since_sequence=1),
                         CaseScope(case_id="case-2", station="XC02", since_sequence=71)])
        township, other_township = _station("XC01"), _station("XC02")
        centre, elsewhere = _station("XZ01", all_cases=True), _station("XC03")
        session.add_all([township, other_township, centre, elsewhere])
        session.commit()
        files = {digest: session.get(Attachment, digest) for digest in (sealed_pdf, scan, loose)}
        allowed = {(station.code, digest) for station in (township, other_township, centre,
                                                          elsewhere)
                   for digest, row in files.items() if row and _in_scope(session, row, station)}
        assert allowed == {
            ("XC01", sealed_pdf), ("XZ01", sealed_pdf),  # case-1: its township, the centre
            ("XC02", scan), ("XZ01", scan),  # case-2's scan: its scope, the centre (uploader)
        }
        assert _in_scope(session, files[loose], _station("XC09"))  # its own upload


@pytest.mark.postgres
@pytest.mark.parametrize("key", ["seal_use_id", "supersedes", "pdf_sha256"])
def test_each_lookup_reads_its_own_index_while_the_statistics_predate_the_sealed_events(
        tmp_path: Path, key: str) -> None:
    # Statistics taken while the server held no sealed event (a bulk load, a new county,
    # autovacuum yet to come) made every partial index look empty, and PostgreSQL read a
    # sealed PDF's digest off another key's index: each download scanned every sealed
    # event (4.7 ms a PDF at 2,000 of them, 15 s for a centre's pull).
    with server_config_on("postgresql", tmp_path) as config:
        config.data_dir.mkdir(parents=True)
        engine = make_engine(config.database_url)
        try:
            upgrade(engine)
            with Session(engine) as session:
                session.add_all(_event(n, "registered", {"seal_use_id": f"reg-{n}"})
                                for n in range(1, 5001))
                session.commit()
            with engine.connect() as connection:
                connection.execute(text("ANALYZE events"))
                connection.commit()
            with Session(engine) as session:
                session.add_all(_event(n, "sealed", {
                    "seal_use_id": f"use-{n}", "supersedes": f"use-{n - 1}" if n % 50 == 0 else "",
                    "pdf_sha256": f"{n:064x}"}) for n in range(5001, 7001))
                session.commit()
                value = {"seal_use_id": "use-6000", "supersedes": "use-5999",
                         "pdf_sha256": f"{6000:064x}"}[key]
                query = sealed_lookup("postgresql", key, value).compile(
                    dialect=engine.dialect, compile_kwargs={"literal_binds": True})
                plan = "\n".join(session.execute(text(f"EXPLAIN {query}")).scalars())
                assert "Index Cond" in plan and f"ix_events_sealed_{key}" in plan, plan
                found = _sealed(session, key, value)
                assert found is not None and found.server_sequence == 6000
        finally:
            engine.dispose()
