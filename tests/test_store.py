"""The local store on a real SQLite file: migrations, pragmas, backups, version checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.store.database import (
    Profile,
    ProfileError,
    backup,
    is_profile_database,
    make_engine,
    upgrade,
)
from app.store.models import Base


def test_migrations_from_empty_database_produce_exactly_the_models(tmp_path: Path) -> None:
    profile = Profile(tmp_path)
    assert upgrade(profile) is None
    engine = make_engine(profile.url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_profile_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    profile = Profile(tmp_path)
    upgrade(profile)
    engine = make_engine(profile.url)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_profile_from_a_newer_program_is_refused_untouched(tmp_path: Path) -> None:
    profile = Profile(tmp_path)
    upgrade(profile)
    database = sqlite3.connect(profile.database_path)
    database.execute("UPDATE alembic_version SET version_num = '9999'")
    database.commit()
    database.close()
    before = profile.database_path.read_bytes()
    with pytest.raises(ProfileError) as err:
        upgrade(profile)
    assert "更新版本" in err.value.message
    assert profile.database_path.read_bytes() == before


def test_backups_keep_only_the_newest(tmp_path: Path) -> None:
    profile = Profile(tmp_path)
    upgrade(profile)
    for _ in range(5):
        backup(profile, keep=3)
    kept = sorted(profile.backups_dir.glob("*.sqlite3"))
    assert len(kept) == 3
    assert all(is_profile_database(path) for path in kept)


def test_a_random_file_is_not_a_profile(tmp_path: Path) -> None:
    text_file = tmp_path / "notes.sqlite3"
    text_file.write_text("hello")
    assert not is_profile_database(text_file)


def test_older_profile_is_upgraded_after_a_backup_and_keeps_its_data(tmp_path: Path) -> None:
    from alembic import command

    from app.store.database import alembic_config, current_revision, head_revision

    profile = Profile(tmp_path)
    profile.data_dir.mkdir(exist_ok=True)
    command.upgrade(alembic_config(profile.url), "0001")
    database = sqlite3.connect(profile.database_path)
    database.execute("INSERT INTO settings (key, value) VALUES ('station_code', 'XC01')")
    database.commit()
    database.close()
    saved = upgrade(profile)
    assert saved is not None and is_profile_database(saved)
    engine = make_engine(profile.url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        value = connection.exec_driver_sql(
            "SELECT value FROM settings WHERE key = 'station_code'").scalar()
    engine.dispose()
    assert value == "XC01"


def test_upgrade_drops_the_stored_seal_picture_and_keeps_the_seal(tmp_path: Path) -> None:
    import json

    from alembic import command

    from app.store.database import alembic_config

    profile = Profile(tmp_path)
    profile.data_dir.mkdir(exist_ok=True)
    command.upgrade(alembic_config(profile.url), "0004")
    database = sqlite3.connect(profile.database_path)
    record = {"id": "s1", "serial": "1305340000001", "image_sha256": "ab" * 32}
    database.execute(
        "INSERT INTO seals (id, department_code, serial, status, data, image, cert_pem,"
        " updated_at) VALUES ('s1', 'SCJ', '1305340000001', 'in_use', ?, ?, 'PEM',"
        " '2026-11-01 00:00:00.000000')", (json.dumps(record), b"\x89PNG picture"))
    database.execute(
        "INSERT INTO seal_uses (id, seal_id, case_id, case_number, document_kind,"
        " document_number, pdf_sha256, actor_id, actor_name, station, window_name, used_at)"
        " VALUES ('u1', 's1', 'c1', 'XC01-1', 'approval_decision', '1号', ?, 'a', '赵敏',"
        " 'XC01', '3号窗口', '2026-11-02 00:00:00.000000')", ("cd" * 32,))
    database.commit()
    database.close()
    upgrade(profile)
    database = sqlite3.connect(profile.database_path)
    columns = [row[1] for row in database.execute("PRAGMA table_info(seals)")]
    data, cert = database.execute("SELECT data, cert_pem FROM seals").fetchone()
    uses = database.execute("SELECT count(*) FROM seal_uses").fetchone()[0]
    database.close()
    assert "image" not in columns
    assert json.loads(data) == {**record, "image_sha256": None}
    assert cert == "PEM" and uses == 1


def test_upgrade_keeps_a_departments_prefix_and_makes_its_numbers_standard(
    tmp_path: Path,
) -> None:
    from alembic import command

    from app.store.database import alembic_config

    profile = Profile(tmp_path)
    profile.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(profile.url)
    with engine.begin() as connection:
        config = alembic_config(profile.url)
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.exec_driver_sql(
            "INSERT INTO departments (code, name, document_number_pattern, phone, updated_at) "
            "VALUES ('SCJ', '清河县市场监督管理局', '清市监〔{year}〕{station}第{seq:04d}号', '', "
            "'2026-11-23 01:00:00')"
        )
    engine.dispose()
    upgrade(profile)
    database = sqlite3.connect(profile.database_path)
    row = database.execute(
        "SELECT document_number_pattern, document_prefix, reconsideration_body, vertical "
        "FROM departments WHERE code = 'SCJ'"
    ).fetchone()
    database.close()
    # The remedy bodies stay empty: remedy documents are refused until the admin sets them.
    assert row == ("{prefix}{kind}〔{year}〕{seq}号", "清市监", "", 0)


def test_the_schema_head_the_fast_start_trusts_is_alembics_head() -> None:
    # A profile at SCHEMA_HEAD opens without Alembic; a new migration must move it too,
    # or profiles at the old head would never be upgraded.
    from app.store.database import SCHEMA_HEAD, head_revision

    assert SCHEMA_HEAD == head_revision()
