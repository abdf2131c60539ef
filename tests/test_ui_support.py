"""Fixtures shared by the GUI tests: a real profile on disk and a context per user.

Imported by the ``test_ui_*`` modules; it holds no tests itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.services import cases
from app.services.context import CurrentUser
from app.services.runtime import Runtime
from app.ui.context import AppContext
from app.ui.tasks import TaskRunner
from tests.profile_fixtures import NATURAL_APPLICANT, Staff, counter_seal, make_profile

# Every GUI test: marked, and tolerant of the offscreen plugin's note on dialogs' size hints.
GUI = [pytest.mark.gui,
       pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")]


@dataclass
class GuiProfile:
    runtime: Runtime
    staff: Staff
    data_dir: Path
    runners: list[TaskRunner]

    def context(self, user: CurrentUser, **extra: Any) -> AppContext:
        runner = TaskRunner()
        self.runners.append(runner)
        return AppContext(uow=self.runtime.uow, runner=runner, data_dir=self.data_dir,
                          user=user, station_name="城关镇便民服务站",
                          key_store=self.runtime.key_store, **extra)


@pytest.fixture
def gui_profile(tmp_path: Path) -> Iterator[GuiProfile]:
    from PyQt6.QtWidgets import QApplication

    from app.main import configure_application

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    configure_application(app)
    runtime, staff = make_profile(tmp_path / "profile")
    profile = GuiProfile(runtime, staff, tmp_path / "profile", [])
    yield profile
    for runner in profile.runners:
        runner.wait_for_done()
    runtime.close()


def wait_idle(qtbot: Any, context: AppContext, timeout: int = 15000) -> None:
    """Until the context's background work (and what it started in turn) is done."""
    qtbot.waitUntil(lambda: context.runner.idle, timeout=timeout)


def register(profile: GuiProfile, clerk: CurrentUser | None = None, *,
             complete: bool = True, **applicant: Any) -> Any:
    """A case registered through the services, with every material received."""
    uow = profile.runtime.uow
    clerk = clerk or profile.staff.clerk
    case = cases.register_case(uow, clerk, matter_code="SCJ-001",
                               applicant={**NATURAL_APPLICANT, **applicant})
    if complete:
        case = cases.record_materials(uow, clerk, case.id,
                                      materials=[dict(m, received=True) for m in case.materials])
    return case


def accepted(profile: GuiProfile) -> Any:
    case = register(profile)
    return cases.accept(profile.runtime.uow, profile.staff.clerk, case.id,
                        seal=counter_seal(profile.runtime))


def reviewed(profile: GuiProfile, reviewer: CurrentUser | None = None) -> Any:
    case = accepted(profile)
    return cases.review(profile.runtime.uow, reviewer or profile.staff.clerk, case.id,
                        conforms=True, opinion="材料齐全，符合法定条件。")


def type_into(qtbot: Any, widget: Any, text: str) -> None:
    """Type like a clerk: focus, clear, key by key (signals fire as they would).

    QTest only knows ASCII keys; a Chinese character is sent as a key event carrying
    its text, as an input method delivers it.
    """
    from PyQt6.QtCore import QEvent, Qt
    from PyQt6.QtGui import QKeyEvent
    from PyQt6.QtWidgets import QApplication

    widget.setFocus()
    widget.clear()
    for char in text:
        if char.isascii():
            qtbot.keyClicks(widget, char)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                     Qt.KeyboardModifier.NoModifier, char))


def find(parent: Any, cls: type, name: str) -> Any:
    widget = parent.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name}"
    return widget




def confirm_act(qtbot: Any, page: Any, *, expect: str = "") -> str:
    """Press Enter on the confirmation an irreversible act asks for (核准, 用印): the act
    is the default button. Returns the summary it showed, which must mention ``expect``."""
    from PyQt6.QtCore import Qt

    qtbot.waitUntil(lambda: page.confirm_box is not None and page.confirm_box.isVisible(),
                    timeout=5000)
    box = page.confirm_box
    summary = box.text()
    assert expect in summary, summary
    qtbot.keyClick(box, Qt.Key.Key_Return)
    return summary
