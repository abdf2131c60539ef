"""AB岗与顶岗 on screen: the administrator names a window's A and B and records A's
absence; B's 待我审查 then lists A's window's cases marked 顶岗 and B's review says so."""

from __future__ import annotations

from datetime import timedelta

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLineEdit, QPlainTextEdit, QPushButton

from app.forms.admin_page import AdminPage
from app.forms.queues import ReviewQueuePage
from app.services import ab_posts, accounts, cases
from app.services.context import local_date, utc_now
from app.ui.case_model import COLUMN_INDEX
from tests import test_ui_support
from tests.test_ui_support import GUI, GuiProfile, accepted, find, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _admin_tab(qtbot, profile: GuiProfile):
    context = profile.context(profile.staff.admin)
    page = AdminPage(context)
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    page.activate()
    page.tabs.setCurrentWidget(page.ab_post_tab)
    wait_idle(qtbot, context)
    return page, page.ab_post_tab


def _submit(qtbot, tab) -> None:
    find(tab.dialog, QPushButton, "dialogSubmitButton").click()
    wait_idle(qtbot, tab.context)


def test_the_administrator_sets_a_and_b_and_records_as_absence(qtbot, gui_profile) -> None:
    staff = gui_profile.staff
    page, tab = _admin_tab(qtbot, gui_profile)
    tab.set_post_button.click()
    tab.dialog.set_value("window_name", "3号窗口")
    tab.dialog.set_value("a_staff_id", staff.clerk.id)
    tab.dialog.set_value("b_staff_id", staff.clerk.id)
    _submit(qtbot, tab)
    assert tab.dialog.isVisible()
    assert "A岗和B岗不能是同一人" in tab.dialog.errors.errors()["b_staff_id"]
    tab.dialog.set_value("b_staff_id", staff.clerk2.id)
    _submit(qtbot, tab)
    assert not tab.dialog.isVisible()
    post = tab.post_tree.topLevelItem(0)
    assert [post.text(i) for i in range(4)] == ["3号窗口", "李受理", "周受理", "A岗在岗"]

    tab.record_absence_button.click()
    tab.dialog.set_value("staff_id", staff.clerk.id)
    tab.dialog.set_value("kind", "培训")
    tab.dialog.set_value("reason", "县业务培训")
    _submit(qtbot, tab)
    assert not tab.dialog.isVisible()
    assert tab.post_tree.topLevelItem(0).text(3).startswith("A岗培训")
    absence = tab.absence_tree.topLevelItem(0)
    assert (absence.text(0), absence.text(1), absence.text(5)) == ("李受理", "培训", "有效")

    # Cancelled the same day: it stays in the list, marked 已取消.
    tab.absence_tree.setCurrentItem(absence)
    tab.cancel_absence_button.click()
    find(tab.dialog, QLineEdit, "cancelAbsenceReasonEdit").setText("培训改期")
    _submit(qtbot, tab)
    assert tab.absence_tree.topLevelItem(0).text(5) == "已取消"
    assert tab.post_tree.topLevelItem(0).text(3) == "A岗在岗"


def test_the_chiefs_deputy_is_listed_beside_the_posts(qtbot, gui_profile) -> None:
    staff = gui_profile.staff
    now = utc_now()
    accounts.name_deputy(gui_profile.runtime.uow, staff.chief, deputy_id=staff.clerk2.id,
                         starts_at=now - timedelta(hours=1), ends_at=now + timedelta(days=1),
                         reason="外出开会")
    _page, tab = _admin_tab(qtbot, gui_profile)
    deputy = tab.delegation_tree.topLevelItem(0)
    assert (deputy.text(0), deputy.text(1), deputy.text(4), deputy.text(5)) == (
        "王首席", "周受理", "外出开会", "生效中")


def test_b_works_absent_as_queue_and_the_review_names_a(qtbot, gui_profile) -> None:
    staff, uow = gui_profile.staff, gui_profile.runtime.uow
    case = accepted(gui_profile)
    ab_posts.set_window_post(uow, staff.admin, window_name="3号窗口",
                             a_staff_id=staff.clerk.id, b_staff_id=staff.clerk2.id)
    today = local_date(utc_now())
    ab_posts.record_absence(uow, staff.admin, staff_id=staff.clerk.id, first_day=today,
                            last_day=today, kind="请假", reason="病假")
    context = gui_profile.context(staff.clerk2)
    page = ReviewQueuePage(context)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: context.runner.idle and page.case is not None, timeout=15000)
    mark = page.model.index(0, COLUMN_INDEX["warning"]).data()
    assert "顶岗：代李受理" in mark
    assert "顶岗代李受理" in page.detail.toPlainText()
    assert "其中顶岗代李受理 1 件" in page.count_label.text()
    find(page, QPlainTextEdit, "reviewOpinionEdit").setPlainText("材料齐全，符合法定条件。")
    with qtbot.waitSignal(page.caseChanged, timeout=10000):
        qtbot.mouseClick(find(page, QPushButton, "reviewSubmitButton"),
                         Qt.MouseButton.LeftButton)
    with uow() as unit:
        review = unit.events.for_case(case.id)[-1]
    assert review.payload["acting_for"]["staff_name"] == "李受理"
    assert cases.get_case(uow, case.id).reviewer_id == staff.clerk2.id
