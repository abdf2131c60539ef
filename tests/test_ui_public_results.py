"""The 办理结果公告 page and the hall display."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QComboBox, QTreeWidget

from app.forms.public_results_page import PublicResultsPage
from app.services import public_results
from tests import test_ui_support
from tests.profile_fixtures import register_approval_seal
from tests.test_archives import _completed
from tests.test_ui_support import GUI, find, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _with_result(profile) -> None:
    staff = profile.staff
    register_approval_seal(profile.runtime, staff)
    _completed(profile.runtime, staff)


def test_hall_display_goes_full_screen_and_refreshes_itself(qtbot, gui_profile) -> None:
    _with_result(gui_profile)
    context = gui_profile.context(gui_profile.staff.supervisor)
    page = PublicResultsPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    assert not page.rules_tree.isVisible()  # the supervisor reads, the administrator sets
    hall = page.open_hall_display()
    wait_idle(qtbot, context)
    assert hall.isFullScreen() and hall.timer.isActive()
    tree = find(hall, QTreeWidget, "hallTree")
    assert tree.topLevelItemCount() == 1 and tree.topLevelItem(0).text(3) == "—"
    _completed(gui_profile.runtime, gui_profile.staff, day=1)
    with qtbot.waitSignal(hall.timer.timeout, timeout=5000):
        hall.timer.setInterval(50)
    wait_idle(qtbot, context)
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 2, timeout=5000)
    qtbot.keyClick(hall, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.hall is None)


def test_administrator_shows_the_applicant_masked_for_a_matter(qtbot, gui_profile,
                                                               tmp_path: Path) -> None:
    _with_result(gui_profile)
    context = gui_profile.context(gui_profile.staff.admin)
    page = PublicResultsPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    combo = find(page, QComboBox, "applicantDisplay_SCJ-001")
    combo.setCurrentIndex(combo.findData("masked"))
    wait_idle(qtbot, context)
    assert public_results.publication_rules(gui_profile.runtime.uow)["SCJ-001"].applicant == \
        "masked"
    qtbot.waitUntil(lambda: page.tree.topLevelItem(0).text(3) == "张*")
    page.export(tmp_path / "公告.html", "html")
    page.export(tmp_path / "公告.csv", "csv")
    wait_idle(qtbot, context)
    html = (tmp_path / "公告.html").read_text(encoding="utf-8")
    assert "张*" in html and "张三" not in html
    assert "张*" in (tmp_path / "公告.csv").read_text(encoding="utf-8-sig")
