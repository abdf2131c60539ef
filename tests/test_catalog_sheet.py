"""The catalog spreadsheet carries what intake needs: 容缺 and 告知承诺 marks per
material, where and when the matter is handled, the application form templates; an
export imports back unchanged, and a bad cell is named by its row and column."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from app.services import catalog
from app.services.runtime import Runtime
from app.ui import catalog_sheet
from tests.profile_fixtures import TOLERANT, Staff, make_profile

DEPARTMENTS = {"SCJ": "县市场监督管理局"}
WORKSHOP = replace(TOLERANT, form_templates=("食品小作坊登记申请书", "从业人员健康承诺书"),
                   single_officer=True)


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    catalog.save_matter(runtime.uow, staff.admin, WORKSHOP)
    yield runtime, staff
    runtime.close()


def _edited(data: bytes, sheet: str, row: int, column: str, value: object) -> bytes:
    book = load_workbook(BytesIO(data))
    header = [c.value for c in book[sheet][1]]
    book[sheet].cell(row=row, column=header.index(column) + 1, value=value)
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def test_the_sheet_names_the_intake_columns_in_chinese() -> None:
    book = load_workbook(BytesIO(catalog_sheet.export_catalog([WORKSHOP])))
    matter_header = [c.value for c in book["事项"][1]]
    material_header = [c.value for c in book["材料"][1]]
    assert {"办理地点和时间", "申请书格式文本", "一人办结"} <= set(matter_header)
    assert {"可容缺", "可告知承诺"} <= set(material_header)
    fee_header = [c.value for c in book["收费"][1]]
    assert "收费依据" in fee_header
    rows = list(book["材料"].iter_rows(min_row=2, values_only=True))
    marks = {r[2]: (r[material_header.index("可容缺")], r[material_header.index("可告知承诺")])
             for r in rows}
    assert marks["从业人员健康证明"] == ("是", "否")
    assert marks["经营场所使用证明"] == ("否", "是")
    [matter_row] = book["事项"].iter_rows(min_row=2, values_only=True)
    assert matter_row[matter_header.index("申请书格式文本")] == "食品小作坊登记申请书；从业人员健康承诺书"


def test_an_exported_catalog_imports_back_unchanged(profile) -> None:
    runtime, staff = profile
    data = catalog_sheet.export_catalog([catalog.get_matter(runtime.uow, "SCJ-009")])
    parsed = catalog_sheet.parse_catalog(data, DEPARTMENTS)
    assert parsed.problems == []
    [matter] = parsed.matters
    saved = catalog.get_matter(runtime.uow, "SCJ-009")
    for name in ("tolerance_materials", "promise_materials", "service_place",
                 "form_templates", "single_officer", "fee_items", "materials"):
        assert getattr(matter, name) == getattr(saved, name), name
    preview = catalog.preview_import(runtime.uow, staff.admin, parsed.matters)
    assert (preview.added, preview.changed, preview.unchanged) == ([], [], 1)


def test_the_import_preview_names_the_changed_intake_fields(profile) -> None:
    runtime, staff = profile
    data = catalog_sheet.export_catalog([WORKSHOP])
    data = _edited(data, "材料", 3, "可容缺", "是")  # 经营者身份证明 (row 3) too
    data = _edited(data, "事项", 2, "办理地点和时间", "县政务服务中心二楼；工作日 8:30—17:00")
    data = _edited(data, "事项", 2, "申请书格式文本", "食品小作坊登记申请书")
    parsed = catalog_sheet.parse_catalog(data, DEPARTMENTS)
    assert parsed.problems == []
    [matter] = parsed.matters
    assert matter.tolerance_materials == ("B", "C")
    assert matter.form_templates == ("食品小作坊登记申请书",)
    preview = catalog.preview_import(runtime.uow, staff.admin, parsed.matters)
    assert preview.changed == [
        "SCJ-009 食品小作坊登记：可容缺材料、办理地点和时间、申请书格式文本"]
    catalog.save_matter(runtime.uow, staff.admin, matter)
    assert catalog.get_matter(runtime.uow, "SCJ-009").service_place.startswith("县政务服务中心")


def test_a_bad_mark_names_its_row_and_column_and_the_matter_is_not_imported() -> None:
    data = _edited(catalog_sheet.export_catalog([WORKSHOP]), "材料", 4, "可告知承诺", "可以")
    parsed = catalog_sheet.parse_catalog(data, DEPARTMENTS)
    assert parsed.matters == []
    assert parsed.problems == [
        "材料表第4行“可告知承诺”列：“可以”应填“是”或“否”，事项SCJ-009未导入。"]


def test_a_sheet_from_before_the_intake_columns_reads_them_as_empty() -> None:
    book = load_workbook(BytesIO(catalog_sheet.export_catalog([WORKSHOP])))
    for title, columns in (("事项", ("办理地点和时间", "申请书格式文本")),
                           ("材料", ("可容缺", "可告知承诺"))):
        header = [c.value for c in book[title][1]]
        for name in columns:
            book[title].delete_cols(header.index(name) + 1)
            header.remove(name)
    output = BytesIO()
    book.save(output)
    [matter] = catalog_sheet.parse_catalog(output.getvalue(), DEPARTMENTS).matters
    assert (matter.tolerance_materials, matter.promise_materials) == ((), ())
    assert (matter.service_place, matter.form_templates) == ("", ())
    assert matter.materials == WORKSHOP.materials


def test_marking_every_required_material_as_tolerable_is_refused_on_import(profile) -> None:
    from app.domain.errors import ValidationError

    runtime, staff = profile
    data = catalog_sheet.export_catalog([WORKSHOP])
    for row in (2, 3, 4, 5):
        data = _edited(data, "材料", row, "可容缺", "是")
    [matter] = catalog_sheet.parse_catalog(data, DEPARTMENTS).matters
    with pytest.raises(ValidationError) as err:
        catalog.save_matter(runtime.uow, staff.admin, matter)
    assert "不能把全部必交材料都标为可容缺" in err.value.message
