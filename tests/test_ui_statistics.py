"""The statistics page shows the month's assessment and exports it."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt

from app.forms.statistics_page import StatisticsPage
from app.services.context import local_date, utc_now
from tests import test_ui_support
from tests.test_ui_support import GUI, register, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def test_the_month_in_numbers_and_in_excel(qtbot, gui_profile, tmp_path: Path) -> None:
    register(gui_profile)
    register(gui_profile, gui_profile.staff.clerk2)
    context = gui_profile.context(gui_profile.staff.admin)
    page = StatisticsPage(context)
    qtbot.addWidget(page)
    page.show()
    today = local_date(utc_now())
    page.set_month(today.year, today.month)
    with qtbot.waitSignal(page.computed, timeout=10000) as blocker:
        page.compute()
    assessment = blocker.args[0]
    assert assessment.total.received == 2
    assert "收件 2 件" in page.summary_label.text()
    model = page.window_model
    assert model.rowCount() == 2  # 3号窗口 and the total
    assert model.index(0, 0).data() == "3号窗口"
    assert model.index(1, 0).data() == "合计"
    assert model.index(1, 1).data() == "2"
    assert model.index(1, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert page.person_model.rowCount() == 2
    assert page.chart.categories == ("3号窗口",)
    target = tmp_path / "assessment.xlsx"
    page.export(target, "xlsx")
    wait_idle(qtbot, context)
    assert target.read_bytes()[:2] == b"PK"
    assert "已导出" in page.message_bar.text


def test_a_clerk_is_told_they_may_not_read_it(qtbot, gui_profile) -> None:
    context = gui_profile.context(gui_profile.staff.clerk)
    page = StatisticsPage(context)
    qtbot.addWidget(page)
    page.show()
    page.compute()
    wait_idle(qtbot, context)
    assert page.message_bar.level == "error"
    assert "无权查看" in page.message_bar.text
