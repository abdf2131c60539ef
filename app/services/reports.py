"""The quarterly bulletin (季通报) and the annual summary (年综合), beside the monthly
assessment (北票 第二十六条、第二十七条; 刚察 五), and the figures a 红旗窗口 / 先进工作者
selection needs (北票 第二十九条), ranked for the administrator to decide.

A period's figures are its months' assessments added up per window and per person
(``AssessmentRow.plus``), except 超期未办结, which is a stock, not a flow: the period
shows the last month's. Months not begun yet are left out. Attendance is not recorded
by CounterDesk; the ranking says so rather than inventing a figure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from io import BytesIO
from typing import Any

from app.domain.errors import ValidationError
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now
from app.services.statistics import (
    HEADERS,
    AssessmentRow,
    MonthlyAssessment,
    monthly_assessment,
    pdf_column_widths,
    pdf_header_cells,
    pdf_table_style,
    table_rows,
)
from app.store.unit_of_work import UnitOfWorkFactory

RANK_HEADERS = ("名次", "窗口/人员", "办结", "按时办结率", "满意率", "差评", "投诉属实",
                "按时回访", "整改完成", "考勤")
ATTENDANCE_NOT_RECORDED = "未记录"


@dataclass(frozen=True)
class PeriodReport:
    """A quarter's or a year's figures per window and per person."""

    kind: str  # "quarter" | "year"
    year: int
    quarter: int  # 0 for a year
    station_name: str
    generated_at: datetime
    months: tuple[int, ...]
    by_window: tuple[AssessmentRow, ...]
    by_person: tuple[AssessmentRow, ...]
    total: AssessmentRow

    @property
    def title(self) -> str:
        if self.kind == "quarter":
            return f"{self.station_name} {self.year}年第{self.quarter}季度窗口工作通报"
        return f"{self.station_name} {self.year}年度窗口工作综合考核"

    @property
    def span(self) -> str:
        if not self.months:
            return "本期尚未开始"
        return f"{self.year}年{self.months[0]}月至{self.months[-1]}月"


@dataclass(frozen=True)
class Ranked:
    rank: int
    row: AssessmentRow


def quarterly_bulletin(uow_factory: UnitOfWorkFactory, user: CurrentUser, *, year: int,
                       quarter: int, now: datetime | None = None) -> PeriodReport:
    """季通报: the three months of ``quarter`` (1-4) of ``year``."""
    if quarter not in (1, 2, 3, 4):
        raise ValidationError("bad_quarter", "请选择第1至第4季度。", field="quarter")
    months = list(range(quarter * 3 - 2, quarter * 3 + 1))
    return _period(uow_factory, user, "quarter", year, quarter, months, now or utc_now())


def annual_summary(uow_factory: UnitOfWorkFactory, user: CurrentUser, *, year: int,
                   now: datetime | None = None) -> PeriodReport:
    """年综合: the twelve months of ``year`` (those begun by now)."""
    return _period(uow_factory, user, "year", year, 0, list(range(1, 13)), now or utc_now())


def _period(uow_factory: UnitOfWorkFactory, user: CurrentUser, kind: str, year: int,
            quarter: int, months: list[int], now: datetime) -> PeriodReport:
    today = local_date(now)
    begun = [m for m in months if (year, m) <= (today.year, today.month)]
    assessments = [monthly_assessment(uow_factory, user, year=year, month=m, now=now)
                   for m in begun]
    station = assessments[0].station_name if assessments else user.station
    return PeriodReport(
        kind=kind, year=year, quarter=quarter, station_name=station, generated_at=now,
        months=tuple(begun),
        by_window=tuple(_combined(assessments, "by_window")),
        by_person=tuple(_combined(assessments, "by_person")),
        total=_combined_total(assessments),
    )


def _add(rows: dict[str, AssessmentRow], row: AssessmentRow) -> None:
    held = rows.get(row.key)
    rows[row.key] = row if held is None else replace(held.plus(row), overdue_open=0)


def _combined(assessments: list[MonthlyAssessment], scope: str) -> list[AssessmentRow]:
    rows: dict[str, AssessmentRow] = {}
    for assessment in assessments:
        for row in getattr(assessment, scope):
            _add(rows, replace(row, overdue_open=0))
    if assessments:  # 超期未办结 as the period ends
        for row in getattr(assessments[-1], scope):
            held = rows[row.key]
            rows[row.key] = replace(held, overdue_open=row.overdue_open)
    return sorted(rows.values(), key=lambda r: (-r.received, r.label))


def _combined_total(assessments: list[MonthlyAssessment]) -> AssessmentRow:
    total = AssessmentRow(key="", label="合计")
    for assessment in assessments:
        total = total.plus(replace(assessment.total, overdue_open=0))
    if assessments:
        total = replace(total, overdue_open=assessments[-1].total.overdue_open)
    return total


def ranking(rows: tuple[AssessmentRow, ...] | list[AssessmentRow]) -> list[Ranked]:
    """The rows in the order a 红旗窗口 / 先进工作者 selection reads them: on-time rate,
    then substantiated complaints (fewer first), satisfaction, completed cases. A row
    with nothing completed comes last. Ties share a rank."""
    def key(row: AssessmentRow) -> tuple[Any, ...]:
        return (row.completed == 0, -(row.on_time_rate or 0.0), row.complaints_substantiated,
                -(row.satisfaction_rate or 0.0), -row.completed)

    ordered = sorted(rows, key=lambda r: (*key(r), r.label))
    ranked: list[Ranked] = []
    for index, row in enumerate(ordered):
        same = ranked and key(ranked[-1].row) == key(row)
        ranked.append(Ranked(ranked[-1].rank if same else index + 1, row))
    return ranked


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def rank_rows(ranked: list[Ranked]) -> list[list[Any]]:
    return [[r.rank, r.row.label, r.row.completed, _percent(r.row.on_time_rate),
             _percent(r.row.satisfaction_rate), r.row.unsatisfied,
             r.row.complaints_substantiated, r.row.followed_up_on_time, r.row.rectified,
             ATTENDANCE_NOT_RECORDED] for r in ranked]


# --- export ----------------------------------------------------------------------


def export_excel(report: PeriodReport) -> bytes:
    """The report as .xlsx: the two tables, the two rankings, and a bar chart of each
    window's completed and on-time cases."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF4")
    sheets = (
        ("按窗口", HEADERS, table_rows([*report.by_window, report.total])),
        ("按人员", HEADERS, table_rows(report.by_person)),
        ("红旗窗口参考排名", RANK_HEADERS, rank_rows(ranking(report.by_window))),
        ("先进工作者参考排名", RANK_HEADERS, rank_rows(ranking(report.by_person))),
    )
    for index, (title, headers, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        sheet.append([report.title])
        sheet["A1"].font = Font(size=14, bold=True)
        sheet.append([f"统计期间：{report.span}；生成时间："
                      f"{report.generated_at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"])
        sheet.append(list(headers))
        for cell in sheet[3]:
            cell.font, cell.fill = bold, fill
        for row in rows:
            sheet.append(row)
        sheet.column_dimensions["A"].width = 20
        sheet.column_dimensions["B"].width = 14
        if index == 0 and report.by_window:
            chart = BarChart()
            chart.title = "各窗口办结与按时办结"
            chart.y_axis.title = "件"
            last = 3 + len(report.by_window)
            chart.add_data(Reference(sheet, min_col=3, max_col=4, min_row=3, max_row=last),
                           titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=4, max_row=last))
            chart.width, chart.height = 18, 8
            sheet.add_chart(chart, f"A{last + 4}")
        if index >= 2:
            sheet.append([])
            sheet.append(["说明：按按时办结率、投诉属实（少者在前）、满意率、办结量排序，"
                          "供评选“红旗窗口”“先进工作者”参考，由管理员决定；考勤未在本系统记录。"])
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def export_pdf(report: PeriodReport, *, font_path: str | None = None) -> bytes:
    """The report as a landscape A4 PDF: a chart, the tables and the rankings."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        PageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from app.print_templates import resolve_fonts

    fonts = resolve_fonts(font_path)
    output = BytesIO()
    document = SimpleDocTemplate(output, pagesize=landscape(A4), leftMargin=15 * mm,
                                 rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
                                 title=report.title, invariant=True)
    title = ParagraphStyle("title", fontName=fonts.title, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("body", fontName=fonts.body, fontSize=9, leading=13)
    heading = ParagraphStyle("heading", fontName=fonts.title, fontSize=12, leading=18)
    generated = report.generated_at.astimezone(CHINA_TZ)
    story: list[Any] = [
        Paragraph(report.title, title),
        Paragraph(f"统计期间：{report.span}。生成时间：{generated:%Y-%m-%d %H:%M}。"
                  "超期未办结为期末数；其余为期间各月之和。", body),
        Spacer(1, 3 * mm),
    ]
    windows = list(report.by_window)[:12]
    if windows:
        drawing = Drawing(260 * mm, 62 * mm)
        chart = VerticalBarChart()
        chart.x, chart.y, chart.width, chart.height = 12 * mm, 10 * mm, 230 * mm, 44 * mm
        chart.data = [[r.completed for r in windows], [r.on_time for r in windows],
                      [r.complaints for r in windows]]
        chart.categoryAxis.categoryNames = [r.label for r in windows]
        chart.categoryAxis.labels.fontName = fonts.body
        chart.valueAxis.labels.fontName = fonts.body
        chart.valueAxis.valueMin = 0
        highest = max(max(series) for series in chart.data)
        chart.valueAxis.valueStep = max(1, -(-highest // 5))  # whole cases on the axis
        palette = (colors.HexColor("#2f6fb2"), colors.HexColor("#3f9c6d"),
                   colors.HexColor("#c0392b"))
        for index, colour in enumerate(palette):
            chart.bars[index].fillColor = colour
        legend = Legend()
        legend.x, legend.y = 200 * mm, 60 * mm
        legend.fontName = fonts.body
        legend.alignment = "right"
        legend.columnMaximum = 1
        legend.colorNamePairs = list(zip(palette, ("办结", "按时办结", "投诉"), strict=True))
        drawing.add(chart)
        drawing.add(legend)
        story += [Paragraph("各窗口办结、按时办结与投诉", heading), drawing]
    style = pdf_table_style(fonts.body)
    for caption, rows in (("一、按窗口", [*report.by_window, report.total]),
                          ("二、按人员（首问负责人）", list(report.by_person))):
        data: list[list[Any]] = [pdf_header_cells(list(HEADERS), fonts.body), *table_rows(rows)]
        if len(data) == 1:
            data.append(["本期无数据"] + [""] * (len(HEADERS) - 1))
        table = Table(data, repeatRows=1, colWidths=pdf_column_widths(len(HEADERS)))
        table.setStyle(TableStyle(style))
        story += [Paragraph(caption, heading), table, Spacer(1, 4 * mm)]
    story.append(PageBreak())
    story.append(Paragraph("三、评选参考排名（由管理员决定）", heading))
    story.append(Paragraph("排序：按时办结率高者在前；相同时投诉属实少者、满意率高者、办结多者在前。"
                           "考勤未在本系统记录。", body))
    for caption, candidates in (("红旗窗口", report.by_window),
                                ("先进工作者", report.by_person)):
        data = [list(RANK_HEADERS), *rank_rows(ranking(candidates))]
        if len(data) == 1:
            data.append(["—", "本期无数据"] + [""] * (len(RANK_HEADERS) - 2))
        table = Table(data, repeatRows=1,
                      colWidths=[14 * mm, 45 * mm] + [22 * mm] * (len(RANK_HEADERS) - 2))
        table.setStyle(TableStyle(style))
        story += [Paragraph(caption, heading), table, Spacer(1, 4 * mm)]
    document.build(story)
    return output.getvalue()
