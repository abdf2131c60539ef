"""The service catalog as a spreadsheet: export it, edit it in Excel or WPS, import it back.

Three sheets, one row per item, the first row naming the columns:

- 事项: 事项编码, 事项名称, 部门代码, 办件类型, 法定时限, 承诺时限, 设定依据, 申请条件,
  办理流程, 现场核查, 一人办结, 会签部门, 启用, 事项类型, 复议前置, 结果证件,
  现场核查不计时 (the legal basis excludes site inspection from the time limit),
  办理地点和时间, 申请书格式文本 (the form templates' names, separated by "；")
- 材料: 事项编码, 材料编码, 材料名称, 形式, 份数, 必交, 适用情形, 说明, 可容缺 (容缺受理),
  可告知承诺 (告知承诺制)
- 收费: 事项编码, 收费编码, 收费项目, 金额（元）, 收费依据
- 结果字段: 事项编码, 字段编码, 字段名称, 必填, 填写提示

A sheet from before 事项类型 existed reads as 行政许可 (what every matter was then); one
without the later columns reads them as empty (no 容缺, no 告知承诺, no place or forms).

Parsing only builds :class:`Matter` values and says, row by row, what it could not read;
the catalog service validates and saves each matter as usual.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from app.domain.catalog import (
    CASE_TYPE_LABELS,
    MATTER_TYPE_LABELS,
    CaseType,
    FeeItem,
    MaterialForm,
    Matter,
    MatterType,
    PermitField,
    RequiredMaterial,
)

MATTER_COLUMNS = ("事项编码", "事项名称", "部门代码", "办件类型", "法定时限", "承诺时限",
                  "设定依据", "申请条件", "办理流程", "现场核查", "一人办结", "会签部门", "启用",
                  "事项类型", "复议前置", "结果证件", "现场核查不计时", "办理地点和时间",
                  "申请书格式文本")
RESULT_COLUMNS = ("事项编码", "字段编码", "字段名称", "必填", "填写提示")
MATTER_TYPE_BY_LABEL = {label: matter_type for matter_type, label in MATTER_TYPE_LABELS.items()}
MATERIAL_COLUMNS = ("事项编码", "材料编码", "材料名称", "形式", "份数", "必交", "适用情形", "说明",
                    "可容缺", "可告知承诺")
FEE_COLUMNS = ("事项编码", "收费编码", "收费项目", "金额（元）", "收费依据")
YES = ("是", "Y", "YES", "TRUE", "1", "√", "✓")
NO = ("否", "N", "NO", "FALSE", "0", "×")
# Between the names of a matter's application form templates in one cell.
FORM_TEMPLATE_SEPARATOR = "；"
TYPE_BY_LABEL = {label: case_type for case_type, label in CASE_TYPE_LABELS.items()}
FORM_BY_LABEL = {form.label: form for form in MaterialForm}


@dataclass
class ParsedCatalog:
    matters: list[Matter] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def export_catalog(matters: list[Matter]) -> bytes:
    """The catalog in the import format (also the template for a new one)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheets = [("事项", MATTER_COLUMNS), ("材料", MATERIAL_COLUMNS), ("收费", FEE_COLUMNS),
              ("结果字段", RESULT_COLUMNS)]
    made = []
    for index, (title, columns) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        made.append(sheet)
    matter_sheet, material_sheet, fee_sheet, result_sheet = made
    for matter in matters:
        matter_sheet.append([
            matter.code, matter.name, matter.department_code, matter.case_type.label,
            matter.statutory_working_days, matter.promised_working_days, matter.legal_basis,
            matter.conditions, matter.procedure, _flag(matter.site_inspection),
            _flag(matter.single_officer), ",".join(matter.joint_departments),
            _flag(matter.active), matter.matter_type.label, _flag(matter.reconsideration_first),
            matter.certificate_name, _flag(matter.site_inspection_excluded),
            matter.service_place, FORM_TEMPLATE_SEPARATOR.join(matter.form_templates),
        ])
        for spec in matter.permit_fields:
            result_sheet.append([matter.code, spec.code, spec.label, _flag(spec.required),
                                 spec.hint])
        for material in matter.materials:
            material_sheet.append([
                matter.code, material.code, material.name, material.form.label, material.copies,
                _flag(material.required), material.condition, material.description,
                _flag(material.code in matter.tolerance_materials),
                _flag(material.code in matter.promise_materials),
            ])
        for fee in matter.fee_items:
            fee_sheet.append([matter.code, fee.code, fee.name, fee.amount_fen / 100, fee.basis])
    for sheet in made:
        for column in sheet.columns:
            letter = column[0].column_letter
            sheet.column_dimensions[letter].width = 16
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def _flag(value: bool) -> str:
    return "是" if value else "否"


def _yes(value: Any, default: bool = False) -> bool:
    if value is None or str(value).strip() == "":
        return default
    return str(value).strip().upper() in YES


def _strict_yes(value: Any, column: str, where: str, problems: list[str],
                consequence: str = "") -> bool | None:
    """A 是/否 cell that decides something (容缺, 告知承诺): empty is 否, anything else
    than yes or no is reported, naming the row and the column, and read as None."""
    text = _text(value).upper()
    if text == "" or text in NO:
        return False
    if text in YES:
        return True
    problems.append(f"{where}“{column}”列：“{_text(value)}”应填“是”或“否”{consequence}。")
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _int(value: Any, label: str, where: str, problems: list[str]) -> int:
    try:
        return int(float(str(value).strip()))
    except (TypeError, ValueError):
        problems.append(f"{where}：{label}“{_text(value)}”不是数字。")
        return 0


def _rows(book: Any, title: str, columns: tuple[str, ...],
          problems: list[str]) -> list[tuple[int, dict[str, Any]]]:
    if title not in book.sheetnames:
        if title == "事项":
            problems.append("表格中没有“事项”工作表。")
        return []
    sheet = book[title]
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        return []
    header = [_text(v) for v in rows[0]]
    missing = [c for c in columns[:3] if c not in header]
    if missing:
        problems.append(f"“{title}”工作表缺少列：{'、'.join(missing)}。")
        return []
    result = []
    for number, row in enumerate(rows[1:], start=2):
        values = {name: row[i] if i < len(row) else None for i, name in enumerate(header)}
        if all(_text(v) == "" for v in values.values()):
            continue
        result.append((number, values))
    return result


def parse_catalog(data: bytes, department_names: dict[str, str]) -> ParsedCatalog:
    """Matters from a workbook in the export format, with a list of what was wrong."""
    from openpyxl import load_workbook

    parsed = ParsedCatalog()
    problems = parsed.problems
    try:
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        problems.append("无法读取该文件：请选择 Excel 工作簿（.xlsx）。")
        return parsed
    materials: dict[str, list[RequiredMaterial]] = defaultdict(list)
    tolerance_codes: dict[str, list[str]] = defaultdict(list)
    promise_codes: dict[str, list[str]] = defaultdict(list)
    # Matters with a material row in error: not imported at all (never without the row).
    broken: set[str] = set()
    for number, row in _rows(book, "材料", MATERIAL_COLUMNS, problems):
        where = f"材料表第{number}行"
        if not _text(row.get("材料名称")):
            problems.append(f"{where}：缺少材料名称（事项{_text(row.get('事项编码'))}），"
                            "该事项未导入。")
            broken.add(_text(row.get("事项编码")))
            continue
        label = _text(row.get("形式")) or "原件"
        form = FORM_BY_LABEL.get(label)
        if form is None:
            problems.append(f"{where}：形式“{label}”应为原件、复印件或原件及复印件。")
            continue
        matter_code = _text(row.get("事项编码"))
        marks = {column: _strict_yes(row.get(column), column, where, problems,
                                     f"，事项{matter_code}未导入")
                 for column in ("可容缺", "可告知承诺")}
        if None in marks.values():
            broken.add(matter_code)  # never import a matter with its marks guessed
            continue
        material = RequiredMaterial(
            code=_text(row.get("材料编码")) or f"M{len(materials[matter_code]) + 1}",
            name=_text(row.get("材料名称")), form=form,
            copies=_int(row.get("份数") or 1, "份数", where, problems),
            required=_yes(row.get("必交"), default=True), condition=_text(row.get("适用情形")),
            description=_text(row.get("说明")),
        )
        materials[matter_code].append(material)
        if marks["可容缺"]:
            tolerance_codes[matter_code].append(material.code)
        if marks["可告知承诺"]:
            promise_codes[matter_code].append(material.code)
    fees: dict[str, list[FeeItem]] = defaultdict(list)
    for number, row in _rows(book, "收费", FEE_COLUMNS, problems):
        where = f"收费表第{number}行"
        try:
            amount = round(float(str(row.get("金额（元）") or 0)) * 100)
        except ValueError:
            problems.append(f"{where}：金额“{_text(row.get('金额（元）'))}”不是数字。")
            continue
        fees[_text(row.get("事项编码"))].append(FeeItem(
            code=_text(row.get("收费编码")) or f"F{len(fees[_text(row.get('事项编码'))]) + 1}",
            name=_text(row.get("收费项目")), amount_fen=int(amount),
            basis=_text(row.get("收费依据")),
        ))
    results: dict[str, list[PermitField]] = defaultdict(list)
    for number, row in _rows(book, "结果字段", RESULT_COLUMNS, problems):
        code = _text(row.get("事项编码"))
        label = _text(row.get("字段名称"))
        if not label:
            problems.append(f"结果字段表第{number}行：缺少字段名称。")
            continue
        results[code].append(PermitField(
            code=_text(row.get("字段编码")) or f"field{len(results[code]) + 1}", label=label,
            required=_yes(row.get("必填"), default=True), hint=_text(row.get("填写提示")),
        ))
    for number, row in _rows(book, "事项", MATTER_COLUMNS, problems):
        where = f"事项表第{number}行"
        code = _text(row.get("事项编码"))
        department = _text(row.get("部门代码"))
        if code in broken:
            continue
        if department not in department_names:
            problems.append(f"{where}：部门代码“{department}”不存在，请先在“系统管理 → 部门”中添加。")
            continue
        type_label = _text(row.get("办件类型")) or "承诺件"
        case_type = TYPE_BY_LABEL.get(type_label)
        if case_type not in (CaseType.IMMEDIATE, CaseType.PROMISED, CaseType.JOINT,
                             CaseType.FORWARDED):
            problems.append(f"{where}：办件类型“{type_label}”应为即办件、承诺件、联办件或上报件。")
            continue
        matter_type_label = _text(row.get("事项类型")) or MatterType.LICENSING.label
        matter_type = MATTER_TYPE_BY_LABEL.get(matter_type_label)
        if matter_type is None:
            problems.append(f"{where}：事项类型“{matter_type_label}”应为"
                            f"{'、'.join(MATTER_TYPE_LABELS.values())}之一。")
            continue
        before = len(problems)
        statutory = _int(row.get("法定时限") or 0, "法定时限", where, problems)
        promised = _int(row.get("承诺时限") or 0, "承诺时限", where, problems)
        if len(problems) > before:
            continue
        joint = tuple(d.strip() for d in _text(row.get("会签部门")).replace("，", ",").split(",")
                      if d.strip())
        parsed.matters.append(Matter(
            code=code, name=_text(row.get("事项名称")), department_code=department,
            department_name=department_names[department], case_type=case_type,
            statutory_working_days=statutory, promised_working_days=promised,
            legal_basis=_text(row.get("设定依据")), conditions=_text(row.get("申请条件")),
            procedure=_text(row.get("办理流程")), materials=tuple(materials.get(code, ())),
            fee_items=tuple(fees.get(code, ())), site_inspection=_yes(row.get("现场核查")),
            site_inspection_excluded=_yes(row.get("现场核查不计时")),
            single_officer=_yes(row.get("一人办结")), joint_departments=joint,
            active=_yes(row.get("启用"), default=True), matter_type=matter_type,
            reconsideration_first=_yes(row.get("复议前置")),
            certificate_name=_text(row.get("结果证件")), permit_fields=tuple(results.get(code, ())),
            tolerance_materials=tuple(tolerance_codes.get(code, ())),
            promise_materials=tuple(promise_codes.get(code, ())),
            service_place=_text(row.get("办理地点和时间")),
            form_templates=_form_templates(row.get("申请书格式文本")),
        ))
    return parsed


def _form_templates(value: Any) -> tuple[str, ...]:
    """The names in a 申请书格式文本 cell ("；", ";" or a line break between them)."""
    text = _text(value).replace(";", FORM_TEMPLATE_SEPARATOR).replace("\n", FORM_TEMPLATE_SEPARATOR)
    return tuple(name.strip() for name in text.split(FORM_TEMPLATE_SEPARATOR) if name.strip())
