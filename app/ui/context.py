"""What every screen is given: the profile, the logged-in user and the task runner.

Built once by the composition root (``app.main``) and passed down explicitly; there is
no global to monkeypatch. Tests build one around a temporary profile.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from app.domain.roles import Action, Role, can
from app.services.context import CurrentUser
from app.settings import Settings
from app.ui.tasks import TaskRunner

DEFAULT_IDLE_MINUTES = 10

# The services' unit-of-work factory (``Runtime.uow``). The screens only pass it to
# ``app.services`` functions and never open a unit of work themselves, so they need not
# import the store to name its type.
UnitOfWorkFactory = Any


def optional_service(name: str) -> ModuleType | None:
    """``app.services.<name>`` if that module exists in this build, else None.

    Documents, seals, demo data and sync arrive in separate modules; the screens work
    without them and offer their functions as soon as they are installed.
    """
    module_name = f"app.services.{name}" if "." not in name else name
    try:
        if importlib.util.find_spec(module_name) is None:
            return None
    except ModuleNotFoundError:
        return None
    try:
        return importlib.import_module(module_name)
    except ImportError:
        return None


@dataclass
class AppContext:
    """The open profile, as the screens see it."""

    uow: UnitOfWorkFactory
    runner: TaskRunner
    data_dir: Path
    user: CurrentUser
    station_name: str = ""
    # The user's and the station's settings (``app.settings.Settings``); None in tests.
    settings: Settings | None = None
    # Where seal signing keys live (``Runtime.key_store``); None: sealing unavailable.
    key_store: object | None = None
    log_dir: str = ""
    # ``app.sync.engine.SyncEngine`` when this build has one (made by the composition root).
    sync_engine: Any = None
    # The counter's devices, made by the composition root from the settings; None: absent.
    # ``app.devices.id_card_reader.IdCardReader``
    id_card_reader: Any = None
    # Makes the document camera's frame source (``app.ui.document_camera.FrameSource``).
    document_camera: Any = None
    # The hall's queue system (``app.devices.queue.HttpQueue``); None: no 下一位 button.
    queue: Any = None

    @property
    def idle_minutes(self) -> int:
        if self.settings is None:
            return DEFAULT_IDLE_MINUTES
        return int(self.settings.get("idle_lock_minutes"))

    def can(self, action: Action) -> bool:
        return can(self.user.roles, action)

    def has_role(self, role: Role) -> bool:
        return role in self.user.roles

    def chief_of(self, department_code: str) -> bool:
        """Whether the user holds a chief representative's authority for the department."""
        own = Role.CHIEF in self.user.roles and self.user.department_code == department_code
        return own or department_code in self.user.deputy_for_departments
