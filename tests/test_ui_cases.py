"""The case list (pages fetched as needed) and the case page (what each role may do)."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLineEdit, QPushButton

from app.domain.case import CaseState
from app.forms.case_page import CasePage
from app.forms.case_search import CaseSearchPage
from app.services import cases, queries
from app.services.queries import CaseFilter
from app.ui.case_model import COLUMN_INDEX, CaseTableModel
from tests import test_ui_support
from tests.test_ui_support import GUI, GuiProfile, accepted, find, register, reviewed, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _many(profile: GuiProfile, count: int) -> None:
    for _ in range(count):
        register(profile, complete=False)


def test_the_case_list_fetches_page_by_page(qtbot, gui_profile) -> None:
    _many(gui_profile, 120)
    context = gui_profile.context(gui_profile.staff.clerk)
    uow, user = context.uow, context.user
    loaded: list[tuple[int, int]] = []

    def loader(offset: int, limit: int, sort: str, descending: bool, after):
        loaded.append((offset, limit))
        assert (after is None) == (offset == 0)  # the last row shown, for keyset paging
        return queries.list_cases(uow, user, CaseFilter(), after=after, limit=limit,
                                  sort=sort, descending=descending)

    model = CaseTableModel(context.runner, page_size=50)
    model.set_loader(loader)
    qtbot.waitUntil(lambda: model.rowCount() == 50)
    assert model.canFetchMore()
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 100)
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 120)
    assert not model.canFetchMore()
    assert loaded == [(0, 50), (50, 50), (100, 50)]
    assert len({model.summary(i).id for i in range(120)}) == 120


def test_the_list_masks_id_numbers_and_colours_nothing_for_fresh_cases(qtbot, gui_profile):
    register(gui_profile)
    context = gui_profile.context(gui_profile.staff.clerk)
    page = CaseSearchPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    model = page.model
    assert model.rowCount() == 1
    id_cell = model.index(0, COLUMN_INDEX["id"]).data()
    assert id_cell == "110105********002X"
    assert model.index(0, COLUMN_INDEX["deadline"]).data(Qt.ItemDataRole.BackgroundRole) is None
    assert page.count_label.text() == "共 1 件"


def test_search_by_name_and_by_state(qtbot, gui_profile) -> None:
    register(gui_profile, name="王五", id_number="110105198001011238")
    register(gui_profile)
    accepted(gui_profile)
    context = gui_profile.context(gui_profile.staff.clerk)
    page = CaseSearchPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    assert page.model.rowCount() == 3
    page.text_edit.setText("王五")
    page.search()
    wait_idle(qtbot, context)
    assert [s.applicant_name for s in page.model.summaries()] == ["王五"]
    page.text_edit.clear()
    page.state_combo.setCurrentIndex(page.state_combo.findData("accepted"))
    wait_idle(qtbot, context)
    assert [s.state for s in page.model.summaries()] == ["accepted"]
    assert page.count_label.text() == "共 1 件"


def test_the_search_box_finds_by_initials_and_by_the_ids_last_four(qtbot, gui_profile):
    register(gui_profile, name="王五", id_number="110105198001011238")
    register(gui_profile)  # 张三, ...002X
    context = gui_profile.context(gui_profile.staff.clerk)
    page = CaseSearchPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    for typed, found in (("ww", ["王五"]), ("002x", ["张三"]), ("1238", ["王五"]), ("%", [])):
        qtbot.keyClicks(page.text_edit, typed)
        page.search()
        wait_idle(qtbot, context)
        assert [s.applicant_name for s in page.model.summaries()] == found, typed
        page.text_edit.clear()


def test_sorting_by_the_header_asks_the_database_again(qtbot, gui_profile) -> None:
    first = register(gui_profile, name="甲某某", id_number="110105199002022347")
    register(gui_profile, name="乙某某", id_number="110105197503033459")
    context = gui_profile.context(gui_profile.staff.clerk)
    page = CaseSearchPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    page.table.sortByColumn(COLUMN_INDEX["number"], Qt.SortOrder.AscendingOrder)
    wait_idle(qtbot, context)
    assert page.model.sort_order == ("number", False)
    assert page.model.summary(0).id == first.id


def _case_page(qtbot, profile: GuiProfile, user, case_id: str) -> CasePage:
    context = profile.context(user)
    page = CasePage(context)
    qtbot.addWidget(page)
    page.show()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.load(case_id)
    return page


def test_a_clerk_cannot_see_approve_on_a_reviewed_case(qtbot, gui_profile) -> None:
    case = reviewed(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.clerk2, case.id)
    assert not {"approve", "deny", "seal", "extend"} & set(page.action_buttons)
    chief = _case_page(qtbot, gui_profile, gui_profile.staff.chief, case.id)
    assert {"approve", "deny"} <= set(chief.action_buttons)


def test_the_chief_of_another_department_sees_no_approval(qtbot, gui_profile) -> None:
    case = reviewed(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.other_chief, case.id)
    assert "approve" not in page.action_buttons


def test_the_supervisor_reads_but_acts_on_nothing_and_sees_no_full_id(qtbot, gui_profile):
    case = accepted(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.supervisor, case.id)
    assert page.action_buttons == {}
    text = page.overview.toPlainText()
    assert "110105********002X" in text
    assert "11010519491231002X" not in text
    clerk = _case_page(qtbot, gui_profile, gui_profile.staff.clerk, case.id)
    assert "11010519491231002X" in clerk.overview.toPlainText()


def test_the_timeline_lists_every_event_with_who(qtbot, gui_profile) -> None:
    case = reviewed(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.chief, case.id)
    rows = [page.timeline.topLevelItem(i) for i in range(page.timeline.topLevelItemCount())]
    assert [r.text(1) for r in rows] == ["登记收件", "登记材料", "受理", "盖章出具文书", "审查"]
    assert any(rows[3].text(c).startswith("受理通知书 ") for c in range(rows[3].columnCount()))
    assert {r.text(2) for r in rows} == {"李受理"}


def test_review_from_the_case_page_keeps_the_opinion_when_refused(qtbot, gui_profile):
    case = accepted(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.clerk, case.id)
    page.action_buttons["review"].click()
    dialog = page.dialog
    opinion = dialog.inputs["opinion"]
    opinion.setPlainText("")
    qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"), Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert "请填写审查意见" in dialog.errors.errors()["opinion"]
    opinion.setPlainText("材料齐全，符合条件。")
    with qtbot.waitSignal(page.loaded, timeout=10000):
        qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"),
                         Qt.MouseButton.LeftButton)
    assert cases.get_case(gui_profile.runtime.uow, case.id).state is CaseState.REVIEWED
    assert "approve" not in page.action_buttons


def test_search_box_is_focused_for_typing(qtbot, gui_profile) -> None:
    context = gui_profile.context(gui_profile.staff.clerk)
    page = CaseSearchPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    assert find(page, QLineEdit, "caseSearchEdit").placeholderText()


def test_the_case_page_header_shows_the_deadline(qtbot, gui_profile) -> None:
    case = accepted(gui_profile)
    summary = queries.case_summary(gui_profile.runtime.uow, gui_profile.staff.clerk, case.id)
    assert summary.deadline is not None
    page = _case_page(qtbot, gui_profile, gui_profile.staff.clerk, case.id)
    assert page.view.summary == summary
    assert page.deadline_label.text().startswith(f"办结期限 {summary.deadline.isoformat()}")


def test_the_suspend_dialog_offers_article_45_and_no_site_inspection(qtbot, gui_profile):
    case = accepted(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.clerk, case.id)
    page.action_buttons["suspend"].click()
    combo = page.dialog.inputs["reason_code"]
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels == ["听证", "招标", "拍卖", "检验检测", "检疫", "鉴定", "专家评审"]
    combo.setCurrentIndex(labels.index("检验检测"))
    from tests.profile_fixtures import PASSWORD

    find(page.dialog, QLineEdit, "suspendPasswordEdit").setText(PASSWORD)  # the notice's seal
    with qtbot.waitSignal(page.loaded, timeout=10000):
        qtbot.mouseClick(find(page.dialog, QPushButton, "dialogSubmitButton"),
                         Qt.MouseButton.LeftButton)
    suspended = cases.get_case(gui_profile.runtime.uow, case.id)
    assert suspended.suspensions[0]["reason_code"] == "testing"


def test_the_case_page_offers_no_clerk_typed_evaluation(qtbot, gui_profile):
    case = accepted(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.clerk, case.id)
    assert "evaluate" not in page.action_buttons
    assert not [b for b in page.findChildren(QPushButton) if "评价" in b.text()]


def test_the_case_page_shows_a_confirmed_name_change(qtbot, gui_profile):
    register(gui_profile)
    case = cases.register_case(
        gui_profile.runtime.uow, gui_profile.staff.clerk, matter_code="SCJ-001",
        applicant={**test_ui_support.NATURAL_APPLICANT, "name": "张叁"},
        name_change_reason="申请人已依法更名")
    page = _case_page(qtbot, gui_profile, gui_profile.staff.supervisor, case.id)
    text = page.overview.toPlainText()
    assert "此前登记为“张三”" in text and "申请人已依法更名" in text


def test_approval_says_what_it_will_do_and_enter_approves(qtbot, gui_profile):
    from PyQt6.QtWidgets import QLabel

    case = reviewed(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.chief, case.id)
    page.action_buttons["approve"].click()
    dialog = page.dialog
    intro = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "核准后不能撤回" in intro and case.number in intro and "张三" in intro
    assert dialog.submit_button.isDefault()
    for name, widget in dialog.inputs.items():
        if name.startswith("result_") and isinstance(widget, QLineEdit):
            widget.setText("JY11305340012345" if "number" in name else "2026年至2031年")
    dialog.submit_button.setFocus()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        qtbot.keyClick(dialog.submit_button, Qt.Key.Key_Return)
    assert cases.get_case(gui_profile.runtime.uow, case.id).state is CaseState.APPROVED


def test_the_extension_dialog_says_how_many_days_the_law_leaves(qtbot, gui_profile):
    from PyQt6.QtWidgets import QLabel

    from tests.profile_fixtures import PASSWORD

    case = accepted(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.chief, case.id)
    page.action_buttons["extend"].click()
    dialog = page.dialog
    intro = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "第四十二条第一款" in intro and "本件还可延长10个工作日" in intro
    assert "批准的本行政机关负责人" in intro
    dialog.inputs["working_days"].setValue(12)
    dialog.inputs["reason"].setPlainText("需会同消防核实")
    find(dialog, QLineEdit, "headApprovalEdit").setText("局长 王建国")
    find(dialog, QLineEdit, "extendPasswordEdit").setText(PASSWORD)
    qtbot.mouseClick(find(dialog, QPushButton, "dialogSubmitButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, page.context)
    assert dialog.isVisible()
    shown = " ".join(dialog.errors.errors().values()) + dialog.message_bar.text
    assert "最多还能延长10个工作日" in shown
    assert cases.get_case(gui_profile.runtime.uow, case.id).extensions == []


def test_a_registered_licence_shows_the_five_days_to_decide_on_it(qtbot, gui_profile):
    case = register(gui_profile)
    page = _case_page(qtbot, gui_profile, gui_profile.staff.clerk, case.id)
    text = page.deadline_label.text()
    assert text.startswith("受理决定期限 ") and "行政许可法第三十二条" in text
    assert "已逾期" not in text  # registered today
