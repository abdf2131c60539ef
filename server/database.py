"""The server's database: where it lives, its engine, its migrations and its epoch."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.domain.audit import canonical_json
from server.models import ServerState

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DATABASE_NAME = "counterdesk-server.sqlite3"
DEFAULT_DATA_DIR = Path("counterdesk-server-data")
DATA_DIR_ENV = "COUNTERDESK_SERVER_DATA"
DB_URL_ENV = "COUNTERDESK_SERVER_DB"
# The county's local days (statistics, "today", dates on pages): Asia/Shanghai unless set.
TIME_ZONE_ENV = "COUNTERDESK_SERVER_TIME_ZONE"


@dataclass(frozen=True)
class ServerConfig:
    """Where the server keeps its data: a folder (attachments, the SQLite default) and
    a database URL (SQLite in the folder unless ``--db`` names another)."""

    data_dir: Path
    db_url: str = ""
    time_zone: str = ""

    @classmethod
    def from_args(cls, data_dir: Path | None, db_url: str | None,
                  time_zone: str | None = None) -> ServerConfig:
        folder = data_dir or Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
        return cls(Path(folder).resolve(), db_url or os.environ.get(DB_URL_ENV, ""),
                   time_zone or os.environ.get(TIME_ZONE_ENV, ""))

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.data_dir / DATABASE_NAME}"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL and BEGIN IMMEDIATE so writers queue instead of failing.

    JSON columns hold canonical JSON (sorted keys, no spaces, Chinese as UTF-8), which a
    pull answer embeds as it is (``events.pull_answer``); older rows keep their text.
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=canonical_json)
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, json_serializer=canonical_json)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: object) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


Read = TypeVar("Read")


class QuickReads:
    """One-statement reads that answer most requests (the station request of every sync
    round). On PostgreSQL they run on a pool of their own in autocommit (no BEGIN and
    ROLLBACK round trips: one statement sees one snapshot anyway) and without the pool's
    ping before each use; a connection found dead is replaced and the read run once
    more, which a read may be. Elsewhere (SQLite) they run as any other read."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        if engine.dialect.name == "postgresql":
            # A small pool: each read holds a connection for a fraction of a millisecond,
            # and every uvicorn worker has one beside its main pool (PostgreSQL allows
            # 100 connections by default; 4 workers hold at most 80 with both pools full).
            self.engine = create_engine(engine.url, isolation_level="AUTOCOMMIT",
                                        pool_size=2, max_overflow=3,
                                        json_serializer=canonical_json)
            # Closed with the engine it reads for (the app has no shutdown of its own).
            event.listen(engine, "engine_disposed", lambda _engine: self.engine.dispose())

    def run(self, read: Callable[[Connection], Read]) -> Read:
        try:
            with self.engine.connect() as connection:
                return read(connection)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
        with self.engine.connect() as connection:
            return read(connection)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to head and make sure the state row (with an epoch) exists."""
    if current_revision(engine) != head_revision():
        with engine.begin() as connection:
            config = alembic_config(str(engine.url))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    with Session(engine) as session, session.begin():
        if session.get(ServerState, 1) is None:
            now = datetime.now(UTC)
            session.add(
                ServerState(
                    id=1, epoch=str(uuid.uuid4()), event_sequence=0, reference_version=0,
                    created_at=now, epoch_started_at=now,
                )
            )


def open_database(config: ServerConfig) -> Engine:
    """Create the data folder, upgrade the schema and return an engine."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    config.attachments_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config.database_url)
    upgrade(engine)
    return engine


def current_epoch(session: Session) -> str:
    state = session.scalar(select(ServerState).where(ServerState.id == 1))
    assert state is not None, "server database not initialised"
    return state.epoch


def new_epoch(engine: Engine) -> str:
    """Give the server a new epoch: after restoring a backup, stations re-send."""
    with Session(engine) as session, session.begin():
        state = session.get(ServerState, 1)
        assert state is not None
        state.epoch = str(uuid.uuid4())
        state.epoch_started_at = datetime.now(UTC)
        return state.epoch


def lock_state(session: Session) -> ServerState:
    """The state row, locked until commit: every writer of numbered rows takes it first,
    so numbers are handed out in commit order (SQLite's BEGIN IMMEDIATE does the same)."""
    state = session.scalar(select(ServerState).where(ServerState.id == 1).with_for_update())
    assert state is not None, "server database not initialised"
    return state
