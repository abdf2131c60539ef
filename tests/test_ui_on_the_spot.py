"""即办件 completed from the case page by the authorized officer: the summary, the
password, and the decision and its 送达回证 handed over with their Word copies."""

from __future__ import annotations

from app.domain.case import CaseState
from app.services import cases
from tests import test_ui_support
from tests.profile_fixtures import PASSWORD
from tests.test_on_the_spot import _accepted, _officer, _with_on_the_spot_matters
from tests.test_ui_support import GUI

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def test_the_officer_completes_it_from_the_case_page_and_takes_both_documents(
        qtbot, gui_profile) -> None:
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QLabel, QLineEdit

    from app.forms.case_page import CasePage

    runtime = gui_profile.runtime
    _with_on_the_spot_matters(runtime, gui_profile.staff)
    officer = _officer(runtime)
    case = _accepted(runtime, officer)
    page = CasePage(gui_profile.context(officer))
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.load(case.id)
    assert "on_the_spot" in page.action_buttons
    page.action_buttons["on_the_spot"].click()
    dialog = page.dialog
    intro = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "一人完成审查和核准" in intro and case.number in intro and "不能撤回" in intro
    password = dialog.findChild(QLineEdit, "onTheSpotPasswordEdit")
    password.setText(PASSWORD)
    dialog.grab().save("/tmp/on_the_spot_dialog.png")
    with qtbot.waitSignal(page.loaded, timeout=60000):
        qtbot.keyClick(password, Qt.Key.Key_Return)
    assert cases.get_case(runtime.uow, case.id).state is CaseState.DELIVERED
    qtbot.waitUntil(lambda: page.preview_dialog is not None, timeout=10000)
    preview = page.preview_dialog
    titles = [item.title for item in preview.items]
    assert titles == ["准予行政许可决定书（已盖章）", "送达回证（已盖章）"]
    assert all(item.docx for item in preview.items)
    assert preview.save_word_button.isVisible()
    assert "on_the_spot" not in page.action_buttons
    preview.close()


def test_a_plain_clerk_sees_no_on_the_spot_button(qtbot, gui_profile) -> None:
    from app.forms.case_page import CasePage

    runtime = gui_profile.runtime
    _with_on_the_spot_matters(runtime, gui_profile.staff)
    case = _accepted(runtime, gui_profile.staff.clerk)
    page = CasePage(gui_profile.context(gui_profile.staff.clerk))
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.load(case.id)
    assert "on_the_spot" not in page.action_buttons
    assert "review" in page.action_buttons
