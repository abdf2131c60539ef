"""The 季通报与年综合 page: generated, ranked, exported."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import QPushButton, QTreeWidget

from app.forms.reports_page import ReportsPage
from app.services import complaints
from tests import test_ui_support
from tests.test_ui_support import GUI, find, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def test_quarterly_bulletin_ranks_the_staff_and_exports(qtbot, gui_profile, tmp_path: Path) -> None:
    staff = gui_profile.staff
    test_ui_support.register(gui_profile)
    test_ui_support.register(gui_profile, staff.clerk2)
    complaints.register_complaint(gui_profile.runtime.uow, staff.supervisor, channel="phone",
                                  complainant={"name": "孙", "phone": "139"}, content="推诿",
                                  staff_id=staff.clerk2.id)
    context = gui_profile.context(staff.supervisor)
    page = ReportsPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 720)
    page.show()
    find(page, QPushButton, "computeReportButton").click()
    wait_idle(qtbot, context)
    assert "季度窗口工作通报" in page.summary_label.text()
    assert "投诉 1 件" in page.summary_label.text()
    ranking = find(page, QTreeWidget, "personRankTree")
    labels = {ranking.topLevelItem(i).text(1) for i in range(ranking.topLevelItemCount())}
    assert labels == {"李受理", "周受理"}
    assert ranking.topLevelItem(0).text(9) == "未记录"
    assert page.chart.categories == ("3号窗口",)
    page.export(tmp_path / "q.xlsx", "xlsx")
    page.export(tmp_path / "q.pdf", "pdf")
    wait_idle(qtbot, context, timeout=30000)
    assert (tmp_path / "q.xlsx").stat().st_size > 0
    assert (tmp_path / "q.pdf").read_bytes().startswith(b"%PDF")
    page.kind_combo.setCurrentIndex(1)
    assert not page.quarter_combo.isVisible()
