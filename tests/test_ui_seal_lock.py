"""The seal password's lock, as the clerk meets it in the accept dialog."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLineEdit, QPushButton

from tests import test_ui_support
from tests.test_ui_registration import _choose_matter, _fill_applicant, _page, _receive
from tests.test_ui_support import GUI, find, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def test_five_wrong_seal_passwords_say_until_when_next_to_the_field(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile)
    _choose_matter(qtbot, page)
    _fill_applicant(qtbot, page)
    _receive(page, 0, 1, 2)
    qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
    dialog = page.accept_dialog
    assert dialog is not None
    for attempt in range(5):
        find(dialog, QLineEdit, "acceptPasswordEdit").setText(f"not-my-password{attempt}")
        qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"),
                         Qt.MouseButton.LeftButton)
        wait_idle(qtbot, page.context)
        qtbot.waitUntil(lambda: "password" in dialog.errors.errors())
        if attempt < 4:
            assert f"再错{4 - attempt}次" in dialog.errors.errors()["password"]
    message = dialog.errors.errors()["password"]
    assert "受理专用章暂停使用至" in message
    assert dialog.isVisible()
    assert page.applicant.name_edit.text() == "张三"
