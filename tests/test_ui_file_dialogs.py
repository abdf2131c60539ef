"""Every file dialog opens in the user's documents folder."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import QFileDialog

from app.forms.catalog_page import CatalogPage
from app.forms.statistics_page import StatisticsPage
from app.services.context import local_date, utc_now
from app.ui.documents import documents_folder
from tests import test_ui_support
from tests.test_ui_support import GUI, register, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _record_starts(monkeypatch) -> list[str]:
    starts: list[str] = []

    def save(_parent, _title, start, _filters):
        starts.append(start)
        return "", ""

    def open_one(_parent, _title, start, _filters):
        starts.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", open_one)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda p, t, start, f: (starts.append(start), ([], ""))[1])
    return starts


def _in_documents(start: str) -> bool:
    folder = Path(documents_folder())
    return Path(start) == folder or Path(start).parent == folder


def test_catalog_export_and_import_start_in_the_documents_folder(qtbot, gui_profile,
                                                                 monkeypatch) -> None:
    starts = _record_starts(monkeypatch)
    context = gui_profile.context(gui_profile.staff.admin)
    page = CatalogPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    page.export_button.click()
    page.import_button.click()
    assert len(starts) == 2 and all(_in_documents(s) for s in starts), starts
    assert Path(starts[0]).name == "事项目录.xlsx"


def test_statistics_exports_start_in_the_documents_folder(qtbot, gui_profile,
                                                          monkeypatch) -> None:
    starts = _record_starts(monkeypatch)
    register(gui_profile)
    context = gui_profile.context(gui_profile.staff.admin)
    page = StatisticsPage(context)
    qtbot.addWidget(page)
    page.show()
    today = local_date(utc_now())
    page.set_month(today.year, today.month)
    with qtbot.waitSignal(page.computed, timeout=10000):
        page.compute()
    page.excel_button.click()
    page.pdf_button.click()
    assert len(starts) == 2 and all(_in_documents(s) for s in starts), starts
    assert Path(starts[0]).suffix == ".xlsx"
