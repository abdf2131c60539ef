"""Test set-up shared by the whole suite.

Qt must run offscreen before any Qt import, and no test may touch the real user's
data, config or keyring.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest
from argon2 import PasswordHasher

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The user's own folders are neither read nor written: platformdirs (settings, the log,
# the station file's last place) follows these on Linux, and the programs the tests
# start inherit them. A test that needs folders of its own sets them again.
_USER_FOLDERS = tempfile.mkdtemp(prefix="counterdesk-tests-")
for _name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME",
              "XDG_CONFIG_DIRS"):
    os.environ[_name] = os.path.join(_USER_FOLDERS, _name.lower())
atexit.register(shutil.rmtree, _USER_FOLDERS, True)


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2, with cheap parameters: the suite creates many accounts."""
    import app.services.accounts as accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                            parallelism=1))


@pytest.fixture(autouse=True)
def _no_machine_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents print with the shipped fonts only, whatever this machine has installed;
    the font set-up tests (tests/font_setups.py) pass their own folders."""
    import app.print_templates.fonts as fonts

    monkeypatch.setattr(fonts, "default_search_dirs", lambda: ())
    monkeypatch.setattr(fonts, "default_windows_fonts_dir", lambda: None)


@pytest.fixture(scope="session")
def font_setups(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The four font set-ups, made once a session (see tests/font_setups.py)."""
    from tests.font_setups import make_setups

    return make_setups(tmp_path_factory.mktemp("font-setups"))


@pytest.fixture(params=["bare", "cff", "droid", "windows"])
def font_setup(request: pytest.FixtureRequest, font_setups: dict):
    """Each of the four font set-ups in turn."""
    return font_setups[request.param]
