"""Opening a profile for the program, the CLI and the tests: one way to do it."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from app.services.calendar_admin import seed_calendar
from app.services.recording import reproject_waiting
from app.signing import FileSealKeyStore, KeyringSealKeyStore, SealKeyStore
from app.store.database import (
    DEFAULT_BACKUPS_KEPT,
    Profile,
    daily_backup,
    make_engine,
    make_session_factory,
    upgrade,
)
from app.store.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """An open profile: its folder, engine and unit-of-work factory."""

    profile: Profile
    engine: Engine
    uow: UnitOfWorkFactory
    key_store: SealKeyStore

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


# Settings a station's locked settings file may impose on the profile at every start.
STATION_IMPOSED_KEYS = ("font_path", "yellow_working_days", "server_url")


def open_runtime(
    data_dir: Path,
    *,
    backups: bool = True,
    keep: int = DEFAULT_BACKUPS_KEPT,
    station_values: dict[str, str] | None = None,
) -> Runtime:
    """Upgrade (backing up first) and open the profile in ``data_dir``.

    A new profile gets the published holiday calendars chinesecalendar knows.
    ``station_values`` are the station settings file's locked values the services
    need (see ``STATION_IMPOSED_KEYS``); they overwrite the profile's own.
    """
    profile = Profile(Path(data_dir))
    upgraded = upgrade(profile, keep=keep) is not None
    if backups:
        daily_backup(profile, keep=keep)
    engine = make_engine(profile.url)
    uow = UnitOfWorkFactory(make_session_factory(engine), anchor=profile.audit_anchor)
    runtime = Runtime(profile, engine, uow, seal_key_store(profile, uow))
    seed_calendar(runtime.uow)
    if upgraded:
        # What a migration added but only the projection computes (the intake decision's
        # last day rests on the working calendar) is filled in for the cases waiting.
        reproject_waiting(runtime.uow)
    imposed = {k: v for k, v in (station_values or {}).items() if k in STATION_IMPOSED_KEYS}
    if imposed:
        with uow() as unit:
            for key, value in imposed.items():
                unit.settings.set(key, value)
            unit.commit()
    return runtime


def start_daily_backup(profile: Profile, *, keep: int = DEFAULT_BACKUPS_KEPT
                       ) -> threading.Thread:
    """The once-a-day backup on a thread of its own, for the desktop program: the copy
    grows with the data (2 s at a million cases) and the window need not wait for it.
    SQLite's backup API copies a consistent snapshot while the program writes; join
    the thread before closing so a short session still leaves the day's backup."""

    def run() -> None:
        try:
            daily_backup(profile, keep=keep)
        except Exception:  # disk full, folder gone: logged, the counter keeps working
            log.exception("the daily backup of %s failed", profile.data_dir)

    thread = threading.Thread(target=run, name="daily-backup")
    thread.start()
    return thread


def seal_key_store(profile: Profile, uow: UnitOfWorkFactory) -> SealKeyStore:
    """Where seal signing keys live: the OS keyring if the station chose it, else an
    owner-only key folder beside the profile (never the database)."""
    with uow() as unit:
        choice = unit.settings.get("seal_key_store", "file")
    if choice == "keyring":
        return KeyringSealKeyStore()
    return FileSealKeyStore(profile.data_dir / "keys")
