"""Settings: the user's file, and the station's file that users cannot override."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app import settings as settings_module
from app.settings import Settings, SettingsError, SettingsValues


def _write(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    return tmp_path / "config"


def test_defaults_apply_when_there_is_no_file(config_dir: Path) -> None:
    settings = Settings.load(config_dir, station_file=None)
    assert settings.values == SettingsValues()
    assert settings.source("idle_lock_minutes") == "default"
    assert settings.problems == []


def test_a_users_change_is_saved_and_read_back(config_dir: Path) -> None:
    settings = Settings.load(config_dir)
    settings.set("idle_lock_minutes", 15)
    settings.set("font_path", "  /fonts/simfang.ttf ")
    again = Settings.load(config_dir)
    assert again.get("idle_lock_minutes") == 15
    assert again.get("font_path") == "/fonts/simfang.ttf"
    assert again.source("idle_lock_minutes") == "user"
    saved = json.loads((config_dir / "settings.json").read_text(encoding="utf-8"))
    assert saved == {"font_path": "/fonts/simfang.ttf", "idle_lock_minutes": 15}


def test_a_station_locked_key_overrides_the_user_and_cannot_be_set(
    config_dir: Path, tmp_path: Path
) -> None:
    _write(config_dir / "settings.json", {"server_url": "http://mine.example"})
    station = _write(tmp_path / "station.json", {"server_url": "https://center.example"})
    settings = Settings.load(config_dir, station_file=station)
    assert settings.get("server_url") == "https://center.example"
    assert settings.is_locked("server_url") and settings.source("server_url") == "station"
    with pytest.raises(SettingsError) as refused:
        settings.set("server_url", "http://other.example")
    assert refused.value.code == "setting_locked"
    assert "管理员" in refused.value.message and str(station) in refused.value.message
    with pytest.raises(SettingsError):
        settings.reset("server_url")
    assert Settings.load(config_dir, station_file=station).get("server_url") == \
        "https://center.example"


def test_station_defaults_can_be_overridden_by_the_user(config_dir: Path, tmp_path: Path) -> None:
    station = _write(tmp_path / "station.json",
                     {"backups_kept": 30, "defaults": {"idle_lock_minutes": 5}})
    settings = Settings.load(config_dir, station_file=station)
    assert settings.get("idle_lock_minutes") == 5
    assert settings.source("idle_lock_minutes") == "station-default"
    settings.set("idle_lock_minutes", 20)
    assert settings.get("idle_lock_minutes") == 20
    settings.reset("idle_lock_minutes")
    assert settings.get("idle_lock_minutes") == 5
    assert settings.locked_keys == {"backups_kept"}


def test_the_station_file_is_found_through_the_environment(
    config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    station = _write(tmp_path / "admin" / "station.json", {"yellow_working_days": 3})
    monkeypatch.setenv(settings_module.STATION_ENV, str(station))
    settings = Settings.load(config_dir)
    assert settings.station_file == station
    assert settings.get("yellow_working_days") == 3
    assert settings_module.station_file_candidates()[0] == station


def test_without_any_station_file_nothing_is_locked(
    config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(settings_module.STATION_ENV, str(tmp_path / "missing.json"))
    monkeypatch.setattr(settings_module, "station_file_candidates",
                        lambda: [tmp_path / "missing.json"])
    settings = Settings.load(config_dir)
    assert settings.station_file is None
    assert settings.locked_keys == frozenset()


@pytest.mark.parametrize(("key", "value"), [
    ("idle_lock_minutes", "ten"),
    ("idle_lock_minutes", -1),
    ("idle_lock_minutes", True),
    ("backups_kept", 0),
    ("server_url", "ftp://center"),
    ("font_path", 12),
])
def test_bad_values_are_refused_with_a_message(config_dir: Path, key: str,
                                               value: object) -> None:
    settings = Settings.load(config_dir)
    with pytest.raises(SettingsError) as refused:
        settings.set(key, value)
    assert refused.value.code == "bad_setting" and refused.value.field == key
    assert not (config_dir / "settings.json").exists()


def test_an_unknown_key_is_refused(config_dir: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.load(config_dir).set("colour", "red")
    assert refused.value.code == "unknown_setting"


def test_a_whole_number_given_as_text_is_accepted(config_dir: Path) -> None:
    settings = Settings.load(config_dir)
    settings.set("backups_kept", " 20 ")
    assert settings.get("backups_kept") == 20


def test_a_damaged_user_file_is_reported_and_does_not_stop_the_program(
    config_dir: Path,
) -> None:
    config_dir.mkdir(parents=True)
    (config_dir / "settings.json").write_text("{not json", encoding="utf-8")
    settings = Settings.load(config_dir)
    assert settings.values == SettingsValues()
    assert len(settings.problems) == 1 and "格式错误" in settings.problems[0]


def test_a_wrongly_typed_station_key_is_ignored_and_reported(
    config_dir: Path, tmp_path: Path
) -> None:
    station = _write(tmp_path / "station.json",
                     {"idle_lock_minutes": "never", "server_url": "https://c.example",
                      "unknown": 1})
    settings = Settings.load(config_dir, station_file=station)
    assert settings.locked_keys == {"server_url"}
    assert len(settings.problems) == 2


def test_a_station_file_written_with_a_bom_is_read(config_dir: Path, tmp_path: Path) -> None:
    station = tmp_path / "station.json"
    station.write_bytes(b"\xef\xbb\xbf" + json.dumps({"backups_kept": 3}).encode())
    assert Settings.load(config_dir, station_file=station).get("backups_kept") == 3


def test_saving_leaves_no_temporary_files(config_dir: Path) -> None:
    settings = Settings.load(config_dir)
    for minutes in (1, 2, 3):
        settings.set("idle_lock_minutes", minutes)
    assert [p.name for p in config_dir.iterdir()] == ["settings.json"]
