"""Settings of the program: the user's own, and the station's, which users cannot change.

Two JSON files, both optional:

* the user's file, ``settings.json`` in the per-user config folder
  (``%APPDATA%\\CounterDesk``, ``~/.config/CounterDesk``): what this user chose;
* the station's file, written by the county's IT staff with administrator rights. It is
  the first that exists of: the path in ``COUNTERDESK_STATION_SETTINGS``, ``station.json``
  beside the program (``C:\\Program Files\\CounterDesk``), ``station.json`` in the
  machine-wide config folder (``C:\\ProgramData\\CounterDesk``, ``/etc/xdg/CounterDesk``).
  Every key at its top level is *locked*: it overrides the user's value and
  :meth:`Settings.set` refuses to change it. Keys under ``"defaults"`` are only defaults
  that users may override::

      {"server_url": "https://zwfw.example.gov.cn/counterdesk",
       "idle_lock_minutes": 5,
       "defaults": {"font_path": "C:\\\\Windows\\\\Fonts\\\\simfang.ttf"}}

A damaged or wrongly typed file never stops the program: the bad file or key is left
out, and :attr:`Settings.problems` says what and where, for the log and the admin page.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from app.domain.errors import DomainError
from app.resources import program_dir

log = logging.getLogger(__name__)

APP_NAME = "CounterDesk"
USER_FILE_NAME = "settings.json"
STATION_FILE_NAME = "station.json"
STATION_ENV = "COUNTERDESK_STATION_SETTINGS"
DEFAULTS_SECTION = "defaults"


class SettingsError(DomainError):
    """A setting cannot be changed: unknown, locked by the station, or a bad value."""


@dataclass(frozen=True)
class SettingsValues:
    """Every setting with its type and default. Add a field here to add a setting."""

    idle_lock_minutes: int = 10
    """Lock the screen after this many minutes without input; 0 never locks."""
    font_path: str = ""
    """A TrueType Chinese font for printed documents; empty: search the system."""
    server_url: str = ""
    """The county center's sync server; empty: work offline only."""
    yellow_working_days: int = 2
    """A case turns yellow when at most this many working days are left."""
    backups_kept: int = 10
    """How many automatic database backups to keep."""
    data_dir: str = ""
    """The profile folder; empty: the per-user data folder."""
    time_zone: str = "Asia/Shanghai"
    """The zone of the counter's days (deadlines, filters, months, ledger periods);
    the county server and all its stations keep the same."""
    id_card_reader: str = ""
    """The ID card reader: "termb" (the vendor's termb library), "simulator" (demos and
    training), empty: none (the clerk types)."""
    id_card_library: str = ""
    """The path of the reader's termb library (termb.dll, libtermb.so)."""
    id_card_port: int = 1001
    """The reader's port as its SDK numbers them: 1-16 serial, 1001-1016 USB."""
    applicant_screen: int = 0
    """The screen facing the applicant, counted from 1; 0: none (the receipt's QR code)."""
    document_camera: int = 0
    """1: a document camera (高拍仪) is fitted: offer 高拍仪… on each material; 0: none."""
    queue_url: str = ""
    """The hall's queue-ticket system (app/devices/queue.py); empty: no 下一位 button."""
    queue_window: str = ""
    """This window's number in the queue system ("3")."""


_RANGES: dict[str, tuple[int, int]] = {
    "idle_lock_minutes": (0, 240),
    "yellow_working_days": (0, 30),
    "backups_kept": (1, 365),
    "id_card_port": (1, 9999),
    "applicant_screen": (0, 9),
    "document_camera": (0, 1),
}
_FIELD_TYPES: dict[str, type] = {
    f.name: (int if f.type in ("int", int) else str) for f in fields(SettingsValues)
}
KEYS: tuple[str, ...] = tuple(_FIELD_TYPES)


def validate(key: str, value: object) -> Any:
    """``value`` checked (and, for a whole-number string, converted) for ``key``."""
    if key not in _FIELD_TYPES:
        raise SettingsError("unknown_setting", f"没有名为“{key}”的设置项。", field=key)
    expected = _FIELD_TYPES[key]
    if expected is int:
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool):
            raise SettingsError("bad_setting", f"设置项“{key}”须为整数。", field=key)
        low, high = _RANGES.get(key, (0, 1_000_000))
        if not low <= value <= high:
            raise SettingsError("bad_setting", f"设置项“{key}”须在 {low} 到 {high} 之间。",
                                field=key)
        return value
    if not isinstance(value, str):
        raise SettingsError("bad_setting", f"设置项“{key}”须为文字。", field=key)
    value = value.strip()
    if key == "time_zone":
        from app.domain.calendar import time_zone_named
        from app.domain.errors import ValidationError

        try:
            time_zone_named(value)
        except ValidationError as error:
            raise SettingsError("bad_setting", error.message, field=key) from None
    if key == "id_card_reader" and value not in ("", "termb", "simulator"):
        raise SettingsError("bad_setting", "身份证阅读器须为 termb、simulator 或留空。", field=key)
    if key == "queue_url" and value and not value.startswith(("https://", "http://")):
        raise SettingsError("bad_setting", "叫号系统地址须以 https:// 或 http:// 开头。", field=key)
    if key == "server_url" and value and not value.startswith(("https://", "http://")):
        raise SettingsError("bad_setting", "服务器地址须以 https:// 或 http:// 开头。",
                            field=key)
    return value


def default_config_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def station_file_candidates() -> list[Path]:
    """Where the station's settings file is looked for, in order."""
    candidates = []
    if os.environ.get(STATION_ENV):
        candidates.append(Path(os.environ[STATION_ENV]))
    candidates.append(program_dir() / STATION_FILE_NAME)
    from platformdirs import site_config_dir

    candidates.append(Path(site_config_dir(APP_NAME, appauthor=False)) / STATION_FILE_NAME)
    return candidates


def find_station_file() -> Path | None:
    """The station's settings file in use, or None."""
    return next((path for path in station_file_candidates() if path.is_file()), None)


class Settings:
    """The effective settings: station locks, then the user's choices, then defaults."""

    def __init__(self, user_file: Path, station_file: Path | None = None) -> None:
        self.user_file = Path(user_file)
        self.station_file = Path(station_file) if station_file is not None else None
        self.problems: list[str] = []
        self._locked: dict[str, Any] = {}
        self._station_defaults: dict[str, Any] = {}
        self._user: dict[str, Any] = {}
        self.reload()

    @classmethod
    def load(
        cls, config_dir: Path | None = None, *, station_file: Path | None = None
    ) -> Settings:
        """The settings of this user on this machine (tests pass their own folders)."""
        folder = Path(config_dir) if config_dir is not None else default_config_dir()
        return cls(folder / USER_FILE_NAME,
                   station_file if station_file is not None else find_station_file())

    def reload(self) -> None:
        """Read both files again."""
        self.problems = []
        self._locked, self._station_defaults = {}, {}
        if self.station_file is not None:
            station = self._read(self.station_file)
            defaults = station.pop(DEFAULTS_SECTION, {})
            self._locked = self._checked(station, self.station_file)
            if isinstance(defaults, dict):
                self._station_defaults = self._checked(defaults, self.station_file)
            else:
                self._problem(f"{self.station_file}：“defaults”须为对象，已忽略。")
        self._user = self._checked(self._read(self.user_file), self.user_file)

    def _problem(self, text: str) -> None:
        self.problems.append(text)
        log.warning("settings: %s", text)

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return {}
        except OSError as error:
            self._problem(f"无法读取设置文件 {path}：{error.strerror or error}")
            return {}
        try:
            data = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as error:
            self._problem(f"设置文件 {path} 格式错误（第 {error.lineno} 行），已忽略。")
            return {}
        if not isinstance(data, dict):
            self._problem(f"设置文件 {path} 须为 JSON 对象，已忽略。")
            return {}
        return data

    def _checked(self, data: dict[str, Any], path: Path) -> dict[str, Any]:
        result = {}
        for key, value in data.items():
            try:
                result[key] = validate(key, value)
            except SettingsError as error:
                self._problem(f"{path}：{error.message}已忽略该项。")
        return result

    # --- reading ------------------------------------------------------------------

    @property
    def values(self) -> SettingsValues:
        """Every setting's effective value."""
        merged = {**self._station_defaults, **self._user, **self._locked}
        return dataclasses.replace(SettingsValues(), **merged)

    def get(self, key: str) -> Any:
        validate_key(key)
        return getattr(self.values, key)

    def is_locked(self, key: str) -> bool:
        """Whether the station's administrator fixed this setting."""
        return key in self._locked

    @property
    def locked_keys(self) -> frozenset[str]:
        return frozenset(self._locked)

    def source(self, key: str) -> str:
        """Where the value comes from: ``station``, ``user``, ``station-default`` or ``default``."""
        validate_key(key)
        if key in self._locked:
            return "station"
        if key in self._user:
            return "user"
        if key in self._station_defaults:
            return "station-default"
        return "default"

    # --- changing -----------------------------------------------------------------

    def set(self, key: str, value: object) -> None:
        """Change the user's value and save it; refused for a key the station locked."""
        checked = validate(key, value)
        self._refuse_locked(key)
        self._user[key] = checked
        self._save()

    def reset(self, key: str) -> None:
        """Forget the user's value (back to the station's default or the program's)."""
        validate_key(key)
        self._refuse_locked(key)
        if self._user.pop(key, None) is not None:
            self._save()

    def _refuse_locked(self, key: str) -> None:
        if key in self._locked:
            raise SettingsError(
                "setting_locked",
                f"设置项“{key}”由管理员在站点设置文件 {self.station_file} 中统一设定，不能修改。",
                field=key,
            )

    def _save(self) -> None:
        """Write the user's file atomically: a crash leaves the old file or the new one."""
        self.user_file.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self._user, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        handle, temporary = tempfile.mkstemp(prefix=".settings-", suffix=".tmp",
                                             dir=self.user_file.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.user_file)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def validate_key(key: str) -> None:
    if key not in _FIELD_TYPES:
        raise SettingsError("unknown_setting", f"没有名为“{key}”的设置项。", field=key)
