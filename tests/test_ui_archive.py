"""The 办件归档 page: a batch with progress, the records, a package checked."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QLineEdit, QPushButton, QTreeWidget

from app.forms.archive_page import ArchivePage
from tests import test_ui_support
from tests.profile_fixtures import MONDAY, register_approval_seal
from tests.test_archives import _completed
from tests.test_ui_support import GUI, GuiProfile, find, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


@pytest.fixture
def approval_seal(gui_profile: GuiProfile) -> None:
    staff = gui_profile.staff
    register_approval_seal(gui_profile.runtime, staff)


def test_batch_archiving_from_the_page_lists_and_verifies_the_package(
        qtbot, gui_profile, approval_seal, tmp_path: Path) -> None:
    from PyQt6.QtCore import QDate

    _completed(gui_profile.runtime, gui_profile.staff)
    context = gui_profile.context(gui_profile.staff.admin)
    page = ArchivePage(context)
    qtbot.addWidget(page)
    page.resize(1200, 600)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    day = MONDAY.date()
    page.from_edit.setDate(QDate(day.year, day.month, 1))
    page.to_edit.setDate(QDate(day.year, day.month, 30))
    find(page, QLineEdit, "archiveFolderEdit").setText(str(tmp_path / "out"))
    with qtbot.waitSignal(page._progress.advanced, timeout=30000) as progress:
        find(page, QPushButton, "archiveBatchButton").click()
    assert progress.args == [1, 1]
    wait_idle(qtbot, context, timeout=30000)
    tree = find(page, QTreeWidget, "archiveTree")
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == 1)
    assert tree.topLevelItem(0).text(0) == "XC01-2026-D30-SCJ-0001"
    assert "归档 1 件" in page.message_bar.text
    [package] = (tmp_path / "out").iterdir()
    assert zipfile.is_zipfile(package)
    page.verify(package)
    wait_idle(qtbot, context)
    assert "校验通过" in page.result_label.text()
    data = bytearray(package.read_bytes())
    data[len(data) // 2] ^= 1
    broken = tmp_path / "broken.zip"
    broken.write_bytes(bytes(data))
    page.verify(broken)
    wait_idle(qtbot, context)
    assert "校验未通过" in page.result_label.text()
