"""Where the program's runtime files are, from a source checkout and from the bundle.

Every file the program reads at run time (``resources/``, the Alembic migrations, print
template data, shipped fonts) is reached through :func:`resource_path`, and every one of
them is listed in ``build_installer.spec``. In a source checkout the root is the
repository; in a PyInstaller bundle it is ``sys._MEIPASS`` (the ``_internal`` folder of
the one-folder bundle), where the spec puts the same relative paths.

No Qt here: the services and the self-test use it too.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parent.parent


def is_frozen() -> bool:
    """True when running from a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def resource_root() -> Path:
    """The folder that holds ``resources/`` and ``app/``: the repository or the bundle."""
    if is_frozen():
        return Path(sys._MEIPASS)  # type: ignore[attr-defined]  # set by PyInstaller
    return _SOURCE_ROOT


def resource_path(*parts: str) -> Path:
    """The path of a runtime file, relative to :func:`resource_root`.

    ``resource_path("resources", "style.qss")``, ``resource_path("app", "store",
    "migrations")``. The file may not exist; callers that can do without it check.
    """
    return resource_root().joinpath(*parts)


def program_dir() -> Path:
    """The folder of the program the user started: the bundle's executable, or the repo.

    An administrator's station settings file may sit here (Program Files is writable only
    by administrators on Windows).
    """
    if is_frozen():
        return Path(sys.executable).resolve().parent
    return _SOURCE_ROOT
