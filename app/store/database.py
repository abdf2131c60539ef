"""The local SQLite profile: engine, pragmas, migrations and backups.

A profile is a folder holding ``counterdesk.sqlite3``, ``backups/`` and
``attachments/``. SQLite runs in WAL mode with foreign keys on; every write
transaction starts with BEGIN IMMEDIATE so two writers never deadlock halfway.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.domain.audit import canonical_json
from app.domain.errors import DomainError
from app.store.audit_anchor import ANCHOR_NAME, AuditAnchor

if TYPE_CHECKING:
    from alembic.config import Config

# The newest migration (app/store/migrations/versions). A profile already there opens
# without loading Alembic at all; tests/test_store.py checks this names Alembic's head.
SCHEMA_HEAD = "0018"

DATABASE_NAME = "counterdesk.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
PROFILE_MARKER = "counterdesk-profile"
DEFAULT_BACKUPS_KEPT = 10


class ProfileError(DomainError):
    """The data directory is not usable: newer than the program, not a profile, damaged."""


@dataclass(frozen=True)
class Profile:
    """Where one station's data lives."""

    data_dir: Path

    @property
    def database_path(self) -> Path:
        return self.data_dir / DATABASE_NAME

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def audit_anchor(self) -> AuditAnchor:
        """The audit chain's head, kept beside (not in) the database."""
        return AuditAnchor(self.data_dir / ANCHOR_NAME)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.database_path}"


def make_engine(url: str) -> Engine:
    """An engine with the pragmas and transaction behaviour the profile relies on.

    JSON columns hold canonical JSON (sorted keys, no spaces, Chinese as UTF-8): the
    text the audit chain hashes, so a pulled event's payload is encoded once for both,
    and a fifth smaller than json.dumps' default with its \\uXXXX escapes.
    """
    engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=canonical_json)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" below issue BEGIN IMMEDIATE instead of pysqlite's BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Lets LIKE 'prefix%' use indexes; case numbers are upper case, names have no case.
        cursor.execute("PRAGMA case_sensitive_like=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: object) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision() -> str:
    """The newest migration, as Alembic reads it from the scripts."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The profile's schema version (Alembic's own table), None for a new database."""
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError:  # no such table: nothing migrated yet
            return None


def check_version(engine: Engine) -> None:
    """Refuse a profile written by a newer CounterDesk instead of damaging it."""
    revision = current_revision(engine)
    if revision is None:
        return
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    try:
        script.get_revision(revision)
    except Exception:  # alembic raises several kinds for an unknown revision
        raise ProfileError(
            "profile_too_new",
            "该数据目录由更新版本的 CounterDesk 创建，当前程序无法使用。请升级程序后再打开。",
            revision=revision,
        ) from None


def upgrade(profile: Profile, *, keep: int = DEFAULT_BACKUPS_KEPT) -> Path | None:
    """Bring the profile's schema to the program's; back the database up first.

    Returns the backup made, or None for a new or already current profile.
    """
    profile.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(profile.url)
    try:
        revision = current_revision(engine)
        if revision == SCHEMA_HEAD:
            return None
        from alembic import command

        check_version(engine)
        if revision == head_revision():
            return None
        backup_path = None
        if revision is not None:
            backup_path = backup(profile, reason="before-upgrade", keep=keep, engine=engine)
        with engine.begin() as connection:
            config = alembic_config(profile.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        return backup_path
    finally:
        engine.dispose()


def backup(
    profile: Profile,
    *,
    reason: str = "manual",
    keep: int = DEFAULT_BACKUPS_KEPT,
    engine: Engine | None = None,
    destination: Path | None = None,
) -> Path:
    """Copy the database with SQLite's online backup API (consistent while in use)."""
    if not profile.database_path.exists():
        raise ProfileError("no_database", f"数据目录 {profile.data_dir} 中没有数据库。")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = destination or profile.backups_dir / f"counterdesk-{stamp}-{reason}.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    # Written under another name and renamed when complete: a copy cut short (the
    # program ended, the power failed) is never taken for the day's good backup.
    partial = target.with_name(f".{target.name}.partial")
    try:
        source = sqlite3.connect(profile.database_path)
        try:
            copy = sqlite3.connect(partial)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    if destination is None:
        _prune_backups(profile, keep)
    return target


def _prune_backups(profile: Profile, keep: int) -> None:
    backups = sorted(profile.backups_dir.glob("counterdesk-*.sqlite3"))
    for old in backups[:-keep] if keep > 0 else backups:
        old.unlink()
    # A copy cut short by a crash is left under its partial name; a day later it is
    # certainly not being written any more.
    day_ago = datetime.now(UTC).timestamp() - 86400
    for partial in profile.backups_dir.glob(".counterdesk-*.partial"):
        with suppress(OSError):
            if partial.stat().st_mtime < day_ago:
                partial.unlink()


def latest_backup_age_days(profile: Profile) -> float | None:
    backups = sorted(profile.backups_dir.glob("counterdesk-*.sqlite3"))
    if not backups:
        return None
    modified = datetime.fromtimestamp(backups[-1].stat().st_mtime, UTC)
    return (datetime.now(UTC) - modified).total_seconds() / 86400


def daily_backup(profile: Profile, *, keep: int = DEFAULT_BACKUPS_KEPT) -> Path | None:
    """Make the once-a-day backup if the newest one is older than a day."""
    age = latest_backup_age_days(profile)
    if profile.database_path.exists() and (age is None or age >= 1):
        return backup(profile, reason="daily", keep=keep)
    return None


def is_profile_database(path: Path) -> bool:
    """True for an SQLite file that holds a CounterDesk profile."""
    try:
        with path.open("rb") as handle:
            if handle.read(16) != b"SQLite format 3\x00":
                return False
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute(
                "SELECT value FROM settings WHERE key = 'profile'"
            ).fetchone()
        finally:
            connection.close()
    except (OSError, sqlite3.DatabaseError):
        return False
    return row is not None and row[0] == PROFILE_MARKER


def restore(profile: Profile, source: Path) -> Path | None:
    """Replace the profile's database with ``source``; back the current one up first."""
    if not is_profile_database(source):
        raise ProfileError(
            "not_a_profile", f"{source} 不是 CounterDesk 数据库备份，已拒绝恢复。"
        )
    saved = None
    if profile.database_path.exists():
        saved = backup(profile, reason="before-restore")
    profile.data_dir.mkdir(parents=True, exist_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(str(profile.database_path) + suffix).unlink(missing_ok=True)
    target = sqlite3.connect(profile.database_path)
    try:
        origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            origin.backup(target)
        finally:
            origin.close()
        # The restored chain is the one to anchor from now on (the restore itself is
        # what the operator chose; the backup taken just before keeps the other).
        head = target.execute(
            "SELECT sequence, record_hash FROM audit_log ORDER BY sequence DESC LIMIT 1"
        ).fetchone()
    finally:
        target.close()
    if head is None:
        profile.audit_anchor.clear()
    else:
        profile.audit_anchor.reset(int(head[0]), str(head[1]))
    return saved


@contextmanager
def open_profile(data_dir: Path) -> Iterator[tuple[Profile, Engine]]:
    """Upgrade the profile if needed and yield it with an engine; dispose afterwards."""
    profile = Profile(Path(data_dir))
    upgrade(profile)
    engine = make_engine(profile.url)
    try:
        yield profile, engine
    finally:
        engine.dispose()
