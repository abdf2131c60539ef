"""The catalog: guides for everyone, editing and spreadsheet import for administrators."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QMessageBox

from app.domain.errors import NotFound
from app.forms.catalog_page import CatalogPage
from app.services import catalog
from app.ui import catalog_sheet
from tests import test_ui_support
from tests.test_ui_support import GUI, GuiProfile, wait_idle

pytestmark = GUI
gui_profile = test_ui_support.gui_profile


def _page(qtbot, profile: GuiProfile, user) -> CatalogPage:
    context = profile.context(user)
    page = CatalogPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    return page


def test_a_clerk_reads_the_guide_but_cannot_edit(qtbot, gui_profile) -> None:
    page = _page(qtbot, gui_profile, gui_profile.staff.clerk)
    assert page.list.count() == 1
    assert "个体工商户登记" in page.guide.toPlainText()
    assert not page.add_button.isVisible()
    assert not page.import_button.isVisible()


def test_export_edit_import_round_trip(qtbot, gui_profile, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    page = _page(qtbot, gui_profile, gui_profile.staff.admin)
    exported = tmp_path / "catalog.xlsx"
    page.export_catalog(exported)
    wait_idle(qtbot, page.context)
    book = load_workbook(BytesIO(exported.read_bytes()))
    assert [c.value for c in book["事项"][2]][:4] == ["SCJ-001", "个体工商户登记", "SCJ", "承诺件"]
    book["事项"].append(["ZJJ-009", "临时建筑许可", "ZJJ", "承诺件", 20, 10, "《城乡规划法》",
                        "", "", "是", "否", "", "是"])
    book["事项"].append(["BAD-001", "不存在的部门的事项", "NOPE", "承诺件", 5, 5])
    book["材料"].append(["ZJJ-009", "A", "临时建筑申请表", "原件", 1, "是", "", ""])
    book["材料"].append(["ZJJ-009", "B", "用地证明", "复印件", 2, "否", "租用土地时", ""])
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    page.import_catalog(edited)
    qtbot.waitUntil(lambda: page.import_box is not None and page.import_box.isVisible())
    details = page.import_box.informativeText()
    assert "新增 1 个事项：ZJJ-009 临时建筑许可" in details
    assert "没有变化" in details and "另有 1 处问题" in details
    assert catalog.list_matters(gui_profile.runtime.uow)  # nothing written yet
    with pytest.raises(NotFound):
        catalog.get_matter(gui_profile.runtime.uow, "ZJJ-009")
    page.import_box.defaultButton().click()  # Enter imports
    wait_idle(qtbot, page.context)
    assert page.message_bar.level == "warning"
    assert "已导入 2 个事项" in page.message_bar.text
    assert "NOPE" in page.message_bar.text
    matter = catalog.get_matter(gui_profile.runtime.uow, "ZJJ-009")
    assert matter.department_name == "县住房和城乡建设局"
    assert matter.site_inspection
    assert [(m.name, m.copies, m.required) for m in matter.materials] == [
        ("临时建筑申请表", 1, True), ("用地证明", 2, False)]
    assert catalog.get_matter(gui_profile.runtime.uow, "SCJ-001").version == 1  # unchanged


def test_a_file_that_is_not_a_workbook_is_explained(qtbot, gui_profile, tmp_path) -> None:
    page = _page(qtbot, gui_profile, gui_profile.staff.admin)
    bogus = tmp_path / "notes.xlsx"
    bogus.write_text("not a workbook")
    page.import_catalog(bogus)
    wait_idle(qtbot, page.context)
    assert "无法读取该文件" in page.message_bar.text


def _disable_the_business_matter(profile: GuiProfile) -> None:
    from dataclasses import replace

    uow = profile.runtime.uow
    matter = catalog.get_matter(uow, "SCJ-001")
    catalog.save_matter(uow, profile.staff.admin, replace(matter, active=False))


def test_the_administrator_sees_a_disabled_matter_and_enables_it(qtbot, gui_profile) -> None:
    _disable_the_business_matter(gui_profile)
    page = _page(qtbot, gui_profile, gui_profile.staff.admin)
    assert [page.list.item(i).text() for i in range(page.list.count())] == [
        "个体工商户登记（已停用）"]
    page.search_edit.setText("gtgs")
    page.search()
    wait_idle(qtbot, page.context)
    assert page.list.count() == 1
    page.list.setCurrentRow(0)
    page.edit_button.click()
    editor = page.editor
    assert editor is not None and not editor.active_check.isChecked()
    editor.active_check.setChecked(True)
    with qtbot.waitSignal(editor.saved, timeout=10000):
        editor.save_button.click()
    assert catalog.get_matter(gui_profile.runtime.uow, "SCJ-001").active
    wait_idle(qtbot, page.context)
    assert page.list.item(0).text() == "个体工商户登记"


def test_a_clerk_does_not_see_disabled_matters(qtbot, gui_profile) -> None:
    _disable_the_business_matter(gui_profile)
    page = _page(qtbot, gui_profile, gui_profile.staff.clerk)
    assert page.list.count() == 0


def test_the_sheet_carries_the_matter_type_and_the_result_fields() -> None:
    from app.domain.catalog import MatterType, PermitField
    from app.ui import catalog_sheet
    from tests.profile_fixtures import business_matter

    archive = business_matter(
        code="MZJ-002", name="婚姻登记档案查询", matter_type=MatterType.PUBLIC_SERVICE,
        reconsideration_first=True, certificate_name="婚姻登记档案证明",
        permit_fields=(PermitField("result", "查询结果", True, "如：已出具证明1份"),
                       PermitField("note", "备注", False)),
    )
    parsed = catalog_sheet.parse_catalog(catalog_sheet.export_catalog([archive]),
                                         {"SCJ": "县市场监督管理局"})
    assert parsed.problems == []
    assert parsed.matters == [archive]


def test_a_sheet_with_an_unknown_matter_type_says_which_row() -> None:
    from openpyxl import load_workbook

    from app.ui import catalog_sheet
    from tests.profile_fixtures import business_matter

    book = load_workbook(BytesIO(catalog_sheet.export_catalog([business_matter()])))
    sheet = book["事项"]
    column = [c.value for c in sheet[1]].index("事项类型") + 1
    sheet.cell(row=2, column=column, value="行政审批")
    data = BytesIO()
    book.save(data)
    parsed = catalog_sheet.parse_catalog(data.getvalue(), {"SCJ": "县市场监督管理局"})
    assert parsed.matters == []
    assert parsed.problems[0].startswith("事项表第2行：事项类型“行政审批”应为行政许可、")


def test_the_administrator_sets_the_matter_type_and_a_certificates_fields(
    qtbot, gui_profile
) -> None:
    from PyQt6.QtWidgets import QTableWidgetItem

    from app.domain.catalog import MatterType

    page = _page(qtbot, gui_profile, gui_profile.staff.admin)
    page.list.setCurrentRow(0)
    page.edit_button.click()
    editor = page.editor
    assert editor is not None
    assert editor.matter_type_combo.currentData() == "licensing"
    assert editor.result_table.rowCount() == 0
    editor.certificate_edit.setText("营业执照")
    editor.save_button.click()  # a certificate needs its number and validity fields
    qtbot.waitUntil(lambda: "证件编号字段" in editor.errors.errors().get("permit_fields", ""),
                    timeout=10000)
    assert catalog.get_matter(gui_profile.runtime.uow, "SCJ-001").certificate_name == ""
    for row, label in enumerate(("证件编号", "有效期限")):
        editor._add_result_row()
        editor.result_table.setItem(row, 1, QTableWidgetItem(label))
    editor.matter_type_combo.setCurrentIndex(
        editor.matter_type_combo.findData(MatterType.CONFIRMATION.value))
    editor.reconsideration_first_check.setChecked(True)
    with qtbot.waitSignal(editor.saved, timeout=10000):
        editor.save_button.click()
    matter = catalog.get_matter(gui_profile.runtime.uow, "SCJ-001")
    assert matter.matter_type is MatterType.CONFIRMATION and matter.reconsideration_first
    assert matter.certificate_name == "营业执照"
    assert [f.label for f in matter.permit_fields] == ["证件编号", "有效期限"]


def test_an_import_that_changes_a_matter_names_what_changes_and_can_be_cancelled(
    qtbot, gui_profile, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    page = _page(qtbot, gui_profile, gui_profile.staff.admin)
    exported = tmp_path / "catalog.xlsx"
    page.export_catalog(exported)
    wait_idle(qtbot, page.context)
    book = load_workbook(BytesIO(exported.read_bytes()))
    header = [c.value for c in book["事项"][1]]
    book["事项"].cell(row=2, column=header.index("承诺时限") + 1, value=2)
    book["材料"].append(["SCJ-001", "X", None, "原件", 1, "是", "", ""])
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    page.import_catalog(edited)
    # The unnamed material row is an error: SCJ-001 is not imported, never without it.
    qtbot.waitUntil(lambda: "缺少材料名称" in page.message_bar.text)
    assert page.import_box is None and page.message_bar.level == "warning"
    book["材料"].delete_rows(book["材料"].max_row)
    book.save(edited)
    page.import_catalog(edited)
    qtbot.waitUntil(lambda: page.import_box is not None and page.import_box.isVisible())
    assert "修改 1 个事项：\nSCJ-001 个体工商户登记：承诺时限" in page.import_box.informativeText()
    page.import_box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: "已取消导入" in page.message_bar.text)
    assert catalog.get_matter(gui_profile.runtime.uow, "SCJ-001").promised_working_days == 3


def test_a_catalog_sheet_material_row_without_a_name_is_reported_not_dropped() -> None:
    from openpyxl import Workbook

    book = Workbook()
    matters = book.active
    matters.title = "事项"
    matters.append(list(catalog_sheet.MATTER_COLUMNS))
    matters.append(["M-1", "某事项", "SCJ", "承诺件", 5, 5])
    material_sheet = book.create_sheet("材料")
    material_sheet.append(list(catalog_sheet.MATERIAL_COLUMNS))
    material_sheet.append(["M-1", "A", "申请书", "原件", 1, "是", "", ""])
    material_sheet.append(["M-1", "B", None, "原件", 1, "是", "", ""])
    data = BytesIO()
    book.save(data)
    parsed = catalog_sheet.parse_catalog(data.getvalue(), {"SCJ": "县市场监督管理局"})
    assert parsed.matters == []
    assert any("材料表第3行" in p and "缺少材料名称" in p for p in parsed.problems)


def test_saving_a_matter_with_an_unnamed_material_is_refused(gui_profile) -> None:
    from dataclasses import replace

    from app.domain.catalog import RequiredMaterial
    from app.domain.errors import ValidationError

    uow = gui_profile.runtime.uow
    matter = catalog.get_matter(uow, "SCJ-001")
    unnamed = replace(matter, materials=(*matter.materials, RequiredMaterial("X", " ")))
    with pytest.raises(ValidationError) as refused:
        catalog.save_matter(uow, gui_profile.staff.admin, unnamed)
    assert (refused.value.code, refused.value.field) == ("material_name_required", "materials")
    assert "第4项" in refused.value.message
