"""Drafts and unsealed documents can be saved as Word from every preview that shows them."""

from __future__ import annotations

from PyQt6.QtCore import Qt

from app.forms.case_page import CasePage
from app.forms.queues import SealPage
from app.services import cases
from tests import test_ui_support
from tests.test_ui_support import GUI, reviewed, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _word_offered(dialog) -> bool:
    return all(item.docx is not None and item.docx[:2] == b"PK" for item in dialog.items) \
        and dialog.save_word_button.isEnabled()


def test_the_seal_pages_draft_preview_offers_word(qtbot, gui_profile) -> None:
    case = reviewed(gui_profile)
    cases.approve(gui_profile.runtime.uow, gui_profile.staff.chief, case.id, opinion="同意")
    context = gui_profile.context(gui_profile.staff.chief)
    page = SealPage(context)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.case is not None, timeout=10000)
    qtbot.mouseClick(page.draft_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(page, "preview_dialog", None) is not None, timeout=20000)
    assert _word_offered(page.preview_dialog)
    page.preview_dialog.close()


def test_the_case_pages_draft_and_receipt_offer_word(qtbot, gui_profile) -> None:
    case = reviewed(gui_profile)
    cases.approve(gui_profile.runtime.uow, gui_profile.staff.chief, case.id, opinion="同意")
    context = gui_profile.context(gui_profile.staff.clerk)
    page = CasePage(context)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.load(case.id)
    qtbot.mouseClick(page.draft_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: getattr(page, "preview_dialog", None) is not None, timeout=20000)
    assert _word_offered(page.preview_dialog)
    page.preview_dialog.close()
    page.preview_dialog = None
    qtbot.mouseClick(page.receipt_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.preview_dialog is not None, timeout=20000)
    assert _word_offered(page.preview_dialog)
    wait_idle(qtbot, context)
    page.preview_dialog.close()
