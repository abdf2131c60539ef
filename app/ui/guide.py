"""A matter's service guide (办事指南) as rich text for the registration and catalog screens."""

from __future__ import annotations

from html import escape

from app.domain.catalog import Matter
from app.ui.widgets import yuan


def _paragraphs(text: str) -> str:
    lines = [escape(line) for line in text.splitlines() if line.strip()]
    return "<br>".join(lines) if lines else "<span class='muted'>—</span>"


def matter_guide_html(matter: Matter) -> str:
    """The seven published items ("七公开") of the guide, compactly."""
    days = (f"承诺 {matter.promised_working_days} 个工作日"
            f"（法定 {matter.statutory_working_days} 个工作日）")
    if matter.promised_working_days == 0:
        days = "即时办结（当场办结）"
    flags = []
    if matter.site_inspection:
        flags.append("需现场核查")
    if matter.single_officer:
        flags.append("一人办结")
    if matter.joint_departments:
        flags.append("会签部门：" + "、".join(matter.joint_departments))
    if not matter.active:
        flags.append("<b style='color:#a31d1d'>已停用</b>")
    rows = []
    for number, material in enumerate(matter.materials, start=1):
        need = "必交" if material.required else (f"视情形：{material.condition}"
                                                 if material.condition else "视情形提交")
        note = f"<br><span class='muted'>{escape(material.description)}</span>" \
            if material.description else ""
        rows.append(
            f"<tr><td>{number}</td><td>{escape(material.name)}{note}</td>"
            f"<td>{material.form.label}</td><td align='center'>{material.copies}</td>"
            f"<td>{need}</td></tr>"
        )
    materials = (
        "<table class='grid' width='100%' cellspacing='0' cellpadding='3'>"
        "<tr><th>序号</th><th>材料名称</th><th>形式</th><th>份数</th><th>要求</th></tr>"
        + "".join(rows) + "</table>"
    ) if rows else "<span class='muted'>无需提交材料</span>"
    fees = "<br>".join(
        f"{escape(fee.name)}：{yuan(fee.amount_fen)}（依据：{escape(fee.basis)}）"
        for fee in matter.fee_items
    ) or "不收费"
    return f"""
<style>
 h3 {{ margin: 0 0 4px 0; }}
 .muted {{ color: #6b7785; }}
 .label {{ color: #44505c; font-weight: 600; }}
 table.grid {{ border-collapse: collapse; }}
 table.grid th {{ background: #eef2f6; text-align: left; }}
 table.grid td, table.grid th {{ border: 1px solid #d6dde5; }}
</style>
<h3>{escape(matter.name)}</h3>
<p class='muted'>{escape(matter.code)} · {escape(matter.department_name)} ·
{matter.matter_type.label} · {matter.case_type.label} · {days}{' · ' + ' · '.join(flags) if flags else ''}</p>
<p><span class='label'>设定依据</span><br>{_paragraphs(matter.legal_basis)}</p>
<p><span class='label'>申请条件</span><br>{_paragraphs(matter.conditions)}</p>
<p><span class='label'>办理流程</span><br>{_paragraphs(matter.procedure)}</p>
<p><span class='label'>申请材料</span></p>{materials}
<p><span class='label'>收费标准</span><br>{fees}</p>
"""
