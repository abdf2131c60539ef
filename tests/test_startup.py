"""What a program start does and does not do: the schema check, the daily backup and
which libraries a start loads (the document, signing and spreadsheet stacks on first
use; the migration machinery only when the schema is behind)."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.services.runtime import open_runtime, start_daily_backup
from app.store.database import (
    Profile,
    backup,
    head_revision,
    is_profile_database,
    latest_backup_age_days,
    upgrade,
)
from tests.profile_fixtures import make_profile

ROOT = Path(__file__).resolve().parent.parent

# Loaded on first use, never by a start: ReportLab and python-docx (documents), pyHanko
# and cryptography (signatures), openpyxl (spreadsheets), pypinyin (its dictionaries),
# Alembic (migrations), requests (the hall's queue system).
HEAVY = ("reportlab", "docx", "lxml", "pyhanko", "cryptography", "openpyxl", "pypinyin",
         "alembic", "requests")

# A fresh process: opens the profile, shows each user's main window in turn, waits for
# its first page to load, and says which page it opened on and what it loaded.
START = r"""
import json, sys, time
from pathlib import Path
from PyQt6.QtWidgets import QApplication
from app.domain.roles import Role
from app.services.context import CurrentUser
from app.services.runtime import open_runtime
from app.ui.context import AppContext
from app.ui.main_window import MainWindow
from app.ui.tasks import TaskRunner

app = QApplication(sys.argv)
data_dir = Path(sys.argv[1])
runtime = open_runtime(data_dir, backups=False)
runner = TaskRunner()
shown = {}
for fields in json.loads(sys.argv[2]):
    fields["roles"] = frozenset(Role(role) for role in fields["roles"])
    fields["deputy_for_departments"] = frozenset(fields["deputy_for_departments"])
    user = CurrentUser(**fields)
    window = MainWindow(AppContext(uow=runtime.uow, runner=runner, data_dir=data_dir,
                                   user=user, station_name="", key_store=runtime.key_store))
    window.show()
    deadline = time.monotonic() + 30
    while not runner.idle and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()
    page = window.stack.currentWidget()
    shown[user.username] = [window.current_page_key(), page.page_title,
                            sorted(window.pages)]
    window.close()
heavy = sys.argv[3].split(",")
print(json.dumps({"shown": shown, "loaded": [m for m in heavy if m in sys.modules]}))
"""


def _start(data_dir: Path, users: list[dict[str, object]]) -> dict[str, object]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-c", START, str(data_dir), json.dumps(users), ",".join(HEAVY)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def _fields(user: object) -> dict[str, object]:
    fields = dataclasses.asdict(user)  # type: ignore[call-overload]
    fields["roles"] = sorted(fields["roles"])
    fields["deputy_for_departments"] = sorted(fields["deputy_for_departments"])
    return fields


def test_each_role_starts_on_its_task_without_the_heavy_stacks(tmp_path: Path) -> None:
    runtime, staff = make_profile(tmp_path / "profile")
    runtime.close()
    users = [staff.clerk, staff.chief, staff.supervisor, staff.admin]
    result = _start(tmp_path / "profile", [_fields(user) for user in users])
    shown = result["shown"]
    assert isinstance(shown, dict)
    assert shown[staff.clerk.username][:2] == ["register", "受理登记"]
    assert shown[staff.chief.username][:2] == ["approve", "待我核准"]
    assert shown[staff.supervisor.username][:2] == ["warnings", "预警督办"]
    assert shown[staff.admin.username][:2] == ["admin", "系统管理"]
    # Only the page shown is built; the others wait until they are chosen.
    assert shown[staff.supervisor.username][2] == ["warnings"]
    assert result["loaded"] == []


def test_an_old_profile_is_still_upgraded_at_start(tmp_path: Path) -> None:
    from alembic import command

    from app.store.database import alembic_config

    profile = Profile(tmp_path / "old")
    profile.data_dir.mkdir()
    command.upgrade(alembic_config(profile.url), "0001")
    database = sqlite3.connect(profile.database_path)
    database.execute("INSERT INTO settings (key, value) VALUES ('station_name', '城关镇')")
    database.commit()
    database.close()
    with open_runtime(profile.data_dir, backups=False) as runtime, runtime.uow() as uow:
        assert uow.settings.get("station_name") == "城关镇"
    database = sqlite3.connect(profile.database_path)
    [(revision,)] = database.execute("SELECT version_num FROM alembic_version").fetchall()
    database.close()
    assert revision == head_revision()
    [saved] = profile.backups_dir.glob("counterdesk-*-before-upgrade.sqlite3")
    assert is_profile_database(saved)


def test_a_profile_at_the_head_is_opened_without_running_migrations(tmp_path: Path) -> None:
    profile = Profile(tmp_path / "current")
    upgrade(profile)
    before = profile.database_path.stat().st_mtime_ns
    assert upgrade(profile) is None  # nothing to back up, nothing to run
    assert not profile.backups_dir.exists()
    assert profile.database_path.stat().st_mtime_ns == before


def test_the_daily_backup_runs_beside_the_program(tmp_path: Path) -> None:
    with open_runtime(tmp_path / "profile", backups=False) as runtime:
        assert latest_backup_age_days(runtime.profile) is None
        start_daily_backup(runtime.profile).join()
        [made] = runtime.profile.backups_dir.glob("counterdesk-*-daily.sqlite3")
        assert is_profile_database(made)
        # The next start of the day finds it and makes no other.
        start_daily_backup(runtime.profile).join()
        assert list(runtime.profile.backups_dir.glob("*.sqlite3")) == [made]


def test_a_backup_cut_short_never_counts_as_the_days_backup(tmp_path: Path) -> None:
    profile = Profile(tmp_path / "profile")
    upgrade(profile)
    profile.backups_dir.mkdir()
    # What a copy interrupted by a power cut leaves behind.
    (profile.backups_dir / ".counterdesk-20261123T010000000000Z-daily.sqlite3.partial") \
        .write_bytes(b"SQLite format 3\x00")
    assert latest_backup_age_days(profile) is None
    start_daily_backup(profile).join()
    assert len(list(profile.backups_dir.glob("counterdesk-*-daily.sqlite3"))) == 1


def test_a_failed_backup_leaves_nothing_that_looks_like_one(tmp_path: Path) -> None:
    profile = Profile(tmp_path / "profile")
    profile.data_dir.mkdir()
    profile.database_path.write_bytes(b"not a database at all, " * 200)
    with pytest.raises(sqlite3.DatabaseError):
        backup(profile, reason="manual")
    assert list(profile.backups_dir.iterdir()) == []


def test_the_models_annotations_need_no_evaluation_at_start() -> None:
    # Declarative mapping evals every string annotation at import (a fifth of the
    # models' import): app/store/models.py keeps them plain objects, no __future__.
    from app.store.models import Base

    annotations = [value for mapper in Base.registry.mappers
                   for value in mapper.class_.__annotations__.values()]
    assert annotations and not any(isinstance(value, str) for value in annotations)
