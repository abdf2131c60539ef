"""The supervisor's screens, each role's first page, the same shortcuts for everyone."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QKeySequence

from app.forms.supervision import AuditPage, WarningsPage
from app.services import cases
from app.ui.case_model import COLUMN_INDEX
from app.ui.main_window import MainWindow
from tests import test_ui_support
from tests.profile_fixtures import MONDAY, NATURAL_APPLICANT, counter_seal
from tests.test_ui_support import GUI, GuiProfile, find, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _overdue_case(profile: GuiProfile):
    uow, clerk = profile.runtime.uow, profile.staff.clerk
    case = cases.register_case(uow, clerk, matter_code="SCJ-001", applicant=NATURAL_APPLICANT,
                               now=MONDAY)
    cases.record_materials(uow, clerk, case.id, now=MONDAY,
                           materials=[dict(m, received=True) for m in case.materials])
    return cases.accept(uow, clerk, case.id, now=MONDAY,  # due 2026-11-26: red since
                        seal=counter_seal(profile.runtime))


def _window(qtbot, profile: GuiProfile, user) -> MainWindow:
    context = profile.context(user)
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    wait_idle(qtbot, context)
    return window


def test_each_role_opens_on_its_own_first_task(qtbot, gui_profile) -> None:
    staff = gui_profile.staff
    expected = {staff.clerk.id: "register", staff.chief.id: "approve",
                staff.supervisor.id: "warnings", staff.admin.id: "admin"}
    for user in (staff.clerk, staff.chief, staff.supervisor, staff.admin):
        window = _window(qtbot, gui_profile, user)
        assert window.stack.currentWidget() is window.page(expected[user.id]), user.username
        window.close()


def test_a_shortcut_opens_the_same_page_for_every_role(qtbot, gui_profile) -> None:
    staff = gui_profile.staff
    for user in (staff.clerk, staff.supervisor, staff.admin):
        window = _window(qtbot, gui_profile, user)
        action = window.findChild(QAction, "goto_catalog")
        assert action.shortcut() == QKeySequence("Ctrl+9"), user.username
        action.trigger()
        assert window.stack.currentWidget() is window.page("catalog")
        search = window.findChild(QAction, "goto_search")
        assert search.shortcut() == QKeySequence("Ctrl+2")
        window.close()


def test_the_warnings_page_lists_the_red_case_for_the_supervisor(qtbot, gui_profile) -> None:
    case = _overdue_case(gui_profile)
    test_ui_support.register(gui_profile)  # registered today, nothing to warn about
    window = _window(qtbot, gui_profile, gui_profile.staff.supervisor)
    page = window.page("warnings")
    assert isinstance(page, WarningsPage)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10000)
    [summary] = page.model.summaries()
    assert summary.id == case.id and summary.warning == "red"
    assert page.count_label.text() == "共 1 件"
    page.warning_combo.setCurrentIndex(page.warning_combo.findData("yellow"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 0 and page.model.exhausted)
    window.close()


def test_the_warnings_page_lists_an_application_past_its_intake_days(qtbot, gui_profile) -> None:
    uow, clerk = gui_profile.runtime.uow, gui_profile.staff.clerk
    waiting = cases.register_case(uow, clerk, matter_code="SCJ-001",
                                  applicant=NATURAL_APPLICANT, now=MONDAY)
    cases.record_materials(uow, clerk, waiting.id, now=MONDAY,  # the last day 2026-11-30
                           materials=[dict(m, received=True) for m in waiting.materials])
    late = _overdue_case(gui_profile)
    window = _window(qtbot, gui_profile, gui_profile.staff.supervisor)
    page = window.page("warnings")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=10000)
    assert {s.id for s in page.model.summaries()} == {waiting.id, late.id}
    page.warning_combo.setCurrentIndex(page.warning_combo.findData("intake"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.exhausted)
    [summary] = page.model.summaries()
    assert summary.id == waiting.id and summary.warning == "red"
    column = COLUMN_INDEX["warning"]
    cell = page.model.index(0, column)
    assert page.model.data(cell) == "受理逾期"
    assert page.model.data(cell, Qt.ItemDataRole.BackgroundRole) is not None
    tip = page.model.data(cell, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("受理决定期限 2026-11-30") and "已逾期" in tip
    assert page.count_label.text() == "共 1 件"
    window.close()


def _audit_page(qtbot, profile: GuiProfile) -> AuditPage:
    context = profile.context(profile.staff.supervisor)
    page = AuditPage(context)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    return page


def test_the_audit_trail_of_one_case_and_the_chain_check(qtbot, gui_profile) -> None:
    case = _overdue_case(gui_profile)
    _overdue_case(gui_profile)
    page = _audit_page(qtbot, gui_profile)
    everything = page.tree.topLevelItemCount()
    qtbot.keyClicks(page.case_edit, case.number)
    qtbot.keyClick(page.case_edit, Qt.Key.Key_Return)
    wait_idle(qtbot, page.context)
    rows = [page.tree.topLevelItem(i) for i in range(page.tree.topLevelItemCount())]
    assert 0 < len(rows) < everything
    assert {row.text(4) for row in rows} == {case.number}
    assert [row.text(3) for row in rows][-1] == "登记收件"
    assert {row.text(2) for row in rows} == {gui_profile.staff.clerk.display_name}
    page.verify_button.click()
    wait_idle(qtbot, page.context)
    assert page.chain_label.text().startswith("审计链完整")


def test_the_audit_trail_of_one_person(qtbot, gui_profile) -> None:
    _overdue_case(gui_profile)
    page = _audit_page(qtbot, gui_profile)
    combo = page.person_combo
    combo.setCurrentIndex(combo.findData(gui_profile.staff.admin.id))
    wait_idle(qtbot, page.context)
    people = {page.tree.topLevelItem(i).text(2) for i in range(page.tree.topLevelItemCount())}
    assert people == {gui_profile.staff.admin.display_name}


def test_an_unknown_case_number_is_marked_by_its_field(qtbot, gui_profile) -> None:
    page = _audit_page(qtbot, gui_profile)
    qtbot.keyClicks(page.case_edit, "XC01-19990101-0001")
    find(page, type(page.search_button), "auditSearchButton").click()
    wait_idle(qtbot, page.context)
    assert "找不到" in page.errors.errors()["case_number"]
    assert page.message_bar.isVisible()


def test_f1_opens_the_guide_at_the_screen_in_front(qtbot, gui_profile) -> None:
    from app.ui.guide import USER_GUIDE
    from app.ui.guide_dialog import GuideDialog

    window = _window(qtbot, gui_profile, gui_profile.staff.chief)
    window.show_page("seal")
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.findChild(GuideDialog, "userGuideDialog")
    assert dialog is not None and dialog.isVisible()
    assert dialog.current_key == "seal"
    assert "用印" in dialog.browser.toPlainText()
    # Every screen of the navigation has its page, in Chinese.
    keys = {key for key, _title, _body in USER_GUIDE}
    from app.ui.main_window import navigation_entries

    assert {e.key for e in navigation_entries()} | {"case"} <= keys
    dialog.close()
    window.close()
