"""The sealed documents still to stage or to fetch, kept by triggers (migration 0016),
are exactly what asking the whole history says, whatever writes the rows and in
whatever order: a station that missed one would never upload a sealed PDF, or never
fetch one the applicant's window must print again.
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from pathlib import Path

from app.store.database import Profile, upgrade
from tests.profile_fixtures import downgrade_profile

# The questions every sync round asked before 0016 (app/sync/local.py), as plain SQL;
# a SEALED event naming no PDF wants none (the old query wanted it while the station
# held no document at all: NULL NOT IN an empty set is true).
UNSTAGED_TRUTH = ("SELECT id FROM documents WHERE seal_use_id IS NOT NULL"
                  " AND pdf_sha256 NOT IN (SELECT sha256 FROM attachments)")
_NAMED = "CAST(JSON_EXTRACT(payload, '$.\"pdf_sha256\"') AS VARCHAR)"
WANTED_TRUTH = (f"SELECT id FROM events WHERE type = 'sealed' AND {_NAMED} IS NOT NULL"
                f" AND {_NAMED} NOT IN (SELECT pdf_sha256 FROM documents)")
NOW = "2026-12-03 06:00:00.000000"


def _kept(database: sqlite3.Connection) -> tuple[set[str], set[str]]:
    return ({row[0] for row in database.execute("SELECT document_id FROM unstaged_documents")},
            {row[0] for row in database.execute("SELECT event_id FROM wanted_documents")})


def _truth(database: sqlite3.Connection) -> tuple[set[str], set[str]]:
    return ({row[0] for row in database.execute(UNSTAGED_TRUTH)},
            {row[0] for row in database.execute(WANTED_TRUTH)})


class Rows:
    """Writes documents, attachments and events the way the program's tables hold them."""

    def __init__(self, database: sqlite3.Connection, rng: random.Random) -> None:
        self.database = database
        self.rng = rng
        self.digests = [f"{n:064x}" for n in range(1, 9)]  # few, so they collide often
        self.position = 0

    def digest(self) -> str:
        return self.rng.choice(self.digests)

    def document(self, *, sealed: bool | None = None, digest: str | None = None) -> str:
        document_id = str(uuid.uuid4())
        sealed = self.rng.random() < 0.7 if sealed is None else sealed
        self.database.execute(
            "INSERT INTO documents (id, case_id, kind, document_number, pdf, pdf_sha256,"
            " docx, seal_use_id, created_at, void_reason) VALUES (?, 'c', 'acceptance',"
            " 'N', ?, ?, NULL, ?, ?, '')",
            (document_id, b"%PDF-1.7 " + bytes(2000), digest or self.digest(),
             str(uuid.uuid4()) if sealed else None, NOW))
        return document_id

    def attachment(self, digest: str | None = None) -> None:
        self.database.execute(
            "INSERT OR IGNORE INTO attachments (sha256, size, mime_type, original_name,"
            " uploaded, created_at) VALUES (?, 2009, 'application/pdf', 'N.pdf', 0, ?)",
            (digest or self.digest(), NOW))

    def event(self, payload: dict[str, object] | None = None, kind: str = "sealed") -> str:
        event_id = str(uuid.uuid4())
        self.position += 1
        if payload is None:
            payload = {"pdf_sha256": self.digest(), "document_number": "N"}
        self.database.execute(
            "INSERT INTO events (id, case_id, type, actor_id, actor_name, station,"
            " device_time, payload, station_sequence, server_sequence, recorded_at)"
            " VALUES (?, 'c', ?, 'u', '甲', 'XC01', ?, ?, NULL, NULL, ?)",
            (event_id, kind, NOW, json.dumps(payload), NOW))
        return event_id

    def some(self, table: str, key: str = "id") -> str | None:
        row = self.database.execute(
            f"SELECT {key} FROM {table} ORDER BY random() LIMIT 1").fetchone()
        return row[0] if row else None

    def step(self) -> None:
        """One write of any kind a station makes, or a repair or restore could."""
        action = self.rng.randrange(11)
        if action == 0:
            self.document()
        elif action == 1:
            self.attachment()
        elif action == 2:
            self.event()
        elif action == 3:  # a SEALED event naming no PDF, and an event of another kind
            self.event({"document_number": "N"})
            self.event({"pdf_sha256": self.digest()}, kind="registered")
        elif action == 4 and (digest := self.some("attachments", "sha256")):
            self.database.execute("DELETE FROM attachments WHERE sha256 = ?", (digest,))
        elif action == 5 and (document := self.some("documents")):
            self.database.execute("DELETE FROM documents WHERE id = ?", (document,))
        elif action == 6 and (document := self.some("documents")):
            self.database.execute("UPDATE documents SET pdf_sha256 = ? WHERE id = ?",
                                  (self.digest(), document))
        elif action == 7 and (document := self.some("documents")):
            self.database.execute(
                "UPDATE documents SET seal_use_id = CASE WHEN seal_use_id IS NULL"
                " THEN 'use' ELSE NULL END, voided_at = ? WHERE id = ?", (NOW, document))
        elif action == 8 and (event := self.some("events")):
            self.database.execute("DELETE FROM events WHERE id = ?", (event,))
        elif action == 9 and (event := self.some("events")):
            self.database.execute(
                "UPDATE events SET payload = ?, position = (SELECT max(position) + 1 FROM events)"
                " WHERE id = ?",
                (json.dumps({"pdf_sha256": self.digest()}), event))
        elif action == 10 and (digest := self.some("attachments", "sha256")):
            self.database.execute(
                "UPDATE OR IGNORE attachments SET sha256 = ?, uploaded = 1 WHERE sha256 = ?",
                (f"{self.rng.randrange(1, 12):064x}", digest))


def _database(tmp_path: Path) -> sqlite3.Connection:
    profile = Profile(tmp_path)
    upgrade(profile)
    return sqlite3.connect(profile.database_path, isolation_level=None)


def test_the_kept_marks_follow_every_write_in_any_order(tmp_path: Path) -> None:
    database = _database(tmp_path)
    rows = Rows(database, random.Random(19))
    seen_unstaged = seen_wanted = 0
    for _ in range(1500):
        rows.step()
        kept = _kept(database)
        assert kept == _truth(database)
        seen_unstaged += bool(kept[0])
        seen_wanted += bool(kept[1])
    # The walk went through both states of both marks many times, not only "nothing".
    assert 100 < seen_unstaged < 1500 and 100 < seen_wanted < 1500
    database.close()


def test_a_pulled_document_and_its_pdf_clear_both_marks(tmp_path: Path) -> None:
    """What a pull does: the SEALED event first, then the document and its attachment
    (app/sync/engine.py), in either order within one transaction."""
    database = _database(tmp_path)
    rows = Rows(database, random.Random(1))
    digest = "a" * 64
    event = rows.event({"pdf_sha256": digest, "document_number": "XC01受〔2026〕1号"})
    assert _kept(database) == (set(), {event})
    database.execute("BEGIN")
    document = rows.document(sealed=True, digest=digest)
    assert _kept(database) == ({document}, set())  # sealed, its PDF not staged yet
    rows.attachment(digest)
    database.execute("COMMIT")
    assert _kept(database) == (set(), set())
    database.close()


def test_a_rolled_back_write_leaves_the_marks_as_they_were(tmp_path: Path) -> None:
    database = _database(tmp_path)
    rows = Rows(database, random.Random(2))
    document = rows.document(sealed=True, digest="b" * 64)
    database.execute("BEGIN")
    rows.attachment("b" * 64)
    rows.event({"pdf_sha256": "c" * 64})
    database.execute("ROLLBACK")
    assert _kept(database) == ({document}, set())
    database.close()


def test_the_migration_marks_what_an_older_profile_already_holds(tmp_path: Path) -> None:
    profile = Profile(tmp_path)
    upgrade(profile)
    downgrade_profile(tmp_path, "0015")
    database = sqlite3.connect(profile.database_path, isolation_level=None)
    assert database.execute(
        "SELECT count(*) FROM sqlite_master WHERE name LIKE '%documents%' AND"
        " name IN ('unstaged_documents', 'wanted_documents')").fetchone() == (0,)
    rows = Rows(database, random.Random(3))
    for _ in range(300):
        rows.step()
    expected = _truth(database)
    assert expected[0] and expected[1]
    database.close()
    upgrade(profile)
    database = sqlite3.connect(profile.database_path, isolation_level=None)
    assert _kept(database) == expected
    database.close()
