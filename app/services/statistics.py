"""The monthly window assessment (窗口考核): per window and per person, exported to Excel and PDF.

What each figure counts, for a calendar month in China time:

- received (收件): cases registered in the month;
- completed (办结): cases whose legal completion (the decision's seal, or the higher
  authority's approval or denial of a forwarded case) falls in the month;
- on time / overdue (按时办结 / 超期办结): of those completed, finished by their due date or
  after it (cases without a time limit are in neither);
- overdue open (超期未办结): accepted cases past their due date and not completed when the
  month ended (or today, for the running month);
- on-time rate (按时办结率): on time, of on time + overdue completed + overdue open;
- returned (退回): applications not accepted at intake (不予受理) and forwarded cases the
  higher authority sent back, decided in the month;
- average working days (平均办理工作日): from acceptance to completion, on the profile's
  working-day calendar, for the cases completed in the month;
- evaluations (好差评): the ratings recorded in the month, less those set aside on an
  upheld appeal (申诉成立, counted apart in the month it was decided);
- 差评 follow-up: of the month's 不满意 / 非常不满意 ratings, those called back by their due
  day (回访按时) and those whose ordered rectification has its result (整改完成);
- complaints (投诉): registered in the month about the window or the person, and of them
  those the investigation found substantiated (属实 or 部分属实).
- consultations (咨询): consultations recorded in the month, for the window and the
  staff member who answered (首问负责人);
- 容缺逾期: cases accepted under 容缺受理 whose owed materials were still missing after
  the promised day when the month ended (or today, for the running month);
- service modes (延时服务 / 周末服务 / 上门服务): cases registered in the month so served.

A case counts for the window that registered it and for its first responder (首问负责人).
Everything is aggregated in SQL except the working days, which need the calendar and
only touch the month's completed cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from io import BytesIO
from typing import Any

from sqlalchemy import and_, func, or_, select

from app.domain.case import BAD_RATINGS, EVALUATION_RATINGS
from app.domain.complaint import SUBSTANTIATED_FINDINGS
from app.domain.errors import PermissionDenied, ValidationError
from app.domain.roles import Role
from app.services.context import CHINA_TZ, CurrentUser, local_date, utc_now
from app.services.evaluations import (
    follow_up_working_days,
    followed_up_on_time,
    rectified_on_time,
)
from app.services.recording import load_calendar, load_case
from app.store import models
from app.store.unit_of_work import UnitOfWorkFactory

COMPLETED_OUTCOMES = ("approved", "denied")
RETURNED_OUTCOMES = ("rejected", "returned")
SATISFIED_RATINGS = ("very_satisfied", "satisfied", "basically_satisfied")
NO_WINDOW = "（未设窗口）"
READERS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.CHIEF})
SUPERVISION_FIGURES = ("bad_ratings", "followed_up_on_time", "rectified", "appeals_upheld",
                       "complaints", "complaints_substantiated")


@dataclass(frozen=True)
class AssessmentRow:
    """The figures of one window, one person, or the total."""

    key: str
    label: str
    window: str = ""
    received: int = 0
    completed: int = 0
    on_time: int = 0
    overdue_completed: int = 0
    overdue_open: int = 0
    returned: int = 0
    working_days_total: int = 0
    working_days_cases: int = 0
    evaluations: dict[str, int] = field(default_factory=dict)
    bad_ratings: int = 0
    followed_up_on_time: int = 0
    rectified: int = 0
    appeals_upheld: int = 0
    complaints: int = 0
    complaints_substantiated: int = 0
    consultations: int = 0
    tolerance_overdue: int = 0
    service_modes: dict[str, int] = field(default_factory=dict)
    # 顶岗补位: acts recorded for an absent A岗 (per person: by the B who covered; per
    # window: on the window whose A was away).
    covered_acts: int = 0

    @property
    def special_service(self) -> int:
        """延时服务 + 周末服务 + 上门服务."""
        return sum(self.service_modes.values())

    @property
    def overdue(self) -> int:
        """Completed late plus still open past the due date."""
        return self.overdue_completed + self.overdue_open

    @property
    def average_working_days(self) -> float | None:
        if not self.working_days_cases:
            return None
        return self.working_days_total / self.working_days_cases

    @property
    def on_time_rate(self) -> float | None:
        """Completed on time, of every case the month judges: completed on time, completed
        late, and still open past the due date (a window whose overdue cases are all still
        open is not at 100 %)."""
        judged = self.on_time + self.overdue_completed + self.overdue_open
        return self.on_time / judged if judged else None

    @property
    def evaluation_count(self) -> int:
        return sum(self.evaluations.values())

    @property
    def satisfaction_rate(self) -> float | None:
        count = self.evaluation_count
        if not count:
            return None
        return sum(self.evaluations.get(r, 0) for r in SATISFIED_RATINGS) / count

    @property
    def unsatisfied(self) -> int:
        return self.evaluations.get("unsatisfied", 0) + self.evaluations.get("very_unsatisfied", 0)

    def plus(self, other: AssessmentRow) -> AssessmentRow:
        ratings = dict(self.evaluations)
        for rating, count in other.evaluations.items():
            ratings[rating] = ratings.get(rating, 0) + count
        modes = dict(self.service_modes)
        for mode, count in other.service_modes.items():
            modes[mode] = modes.get(mode, 0) + count
        return replace(
            self,
            received=self.received + other.received,
            completed=self.completed + other.completed,
            on_time=self.on_time + other.on_time,
            overdue_completed=self.overdue_completed + other.overdue_completed,
            overdue_open=self.overdue_open + other.overdue_open,
            returned=self.returned + other.returned,
            working_days_total=self.working_days_total + other.working_days_total,
            working_days_cases=self.working_days_cases + other.working_days_cases,
            evaluations=ratings,
            bad_ratings=self.bad_ratings + other.bad_ratings,
            followed_up_on_time=self.followed_up_on_time + other.followed_up_on_time,
            rectified=self.rectified + other.rectified,
            appeals_upheld=self.appeals_upheld + other.appeals_upheld,
            complaints=self.complaints + other.complaints,
            complaints_substantiated=(self.complaints_substantiated
                                      + other.complaints_substantiated),
            consultations=self.consultations + other.consultations,
            tolerance_overdue=self.tolerance_overdue + other.tolerance_overdue,
            service_modes=modes,
            covered_acts=self.covered_acts + other.covered_acts,
        )


@dataclass(frozen=True)
class MonthlyAssessment:
    """One month's assessment of a station's windows and staff."""

    year: int
    month: int
    station_name: str
    generated_at: datetime
    by_window: tuple[AssessmentRow, ...]
    by_person: tuple[AssessmentRow, ...]
    total: AssessmentRow

    @property
    def title(self) -> str:
        return f"{self.station_name} {self.year}年{self.month}月窗口考核统计"


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month as [start, end) aware UTC moments of China local midnights."""
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ValidationError("bad_month", "请选择有效的统计年月。", field="month")
    start = datetime(year, month, 1, tzinfo=CHINA_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=CHINA_TZ)
    return start, end


def _authorize(user: CurrentUser) -> None:
    if not user.roles & READERS:
        raise PermissionDenied("permission.statistics",
                               f"{user.display_name}无权查看窗口考核统计。")


def monthly_assessment(
    uow_factory: UnitOfWorkFactory,
    user: CurrentUser,
    *,
    year: int,
    month: int,
    now: datetime | None = None,
) -> MonthlyAssessment:
    """The monthly window assessment, per window and per person, with a total row."""
    _authorize(user)
    now = now or utc_now()
    start, end = month_bounds(year, month)
    as_of = min(local_date(end - timedelta(seconds=1)) + timedelta(days=1), local_date(now))
    with uow_factory() as uow:
        station_name = uow.settings.get("station_name", user.station)
        people = {u.id: (u.display_name, u.window_name) for u in uow.users.all()}
        calendar = load_calendar(uow)
        session = uow.session
        c = models.CaseRow
        registered = and_(c.registered_at >= start, c.registered_at < end)
        completed_in_month = and_(c.completed_at >= start, c.completed_at < end)
        figures: dict[str, dict[str, dict[str, int]]] = {
            "window": defaultdict(lambda: defaultdict(int)),
            "person": defaultdict(lambda: defaultdict(int)),
        }
        columns = {"window": c.window_name, "person": c.first_responder_id}
        modes: dict[str, dict[str, dict[str, int]]] = {
            "window": defaultdict(lambda: defaultdict(int)),
            "person": defaultdict(lambda: defaultdict(int)),
        }
        for scope, column in columns.items():
            target = figures[scope]
            for key, count in session.execute(
                    select(column, func.count()).where(registered).group_by(column)):
                target[key]["received"] += count
            completed = (select(column, c.on_time, func.count())
                         .where(completed_in_month, c.outcome.in_(COMPLETED_OUTCOMES))
                         .group_by(column, c.on_time))
            for key, on_time, count in session.execute(completed):
                target[key]["completed"] += count
                if on_time is True:
                    target[key]["on_time"] += count
                elif on_time is False:
                    target[key]["overdue_completed"] += count
            returned = (select(column, func.count())
                        .where(completed_in_month, c.outcome.in_(RETURNED_OUTCOMES))
                        .group_by(column))
            for key, count in session.execute(returned):
                target[key]["returned"] += count
            overdue_open = (select(column, func.count())
                            .where(c.accepted_on.is_not(None), c.deadline.is_not(None),
                                   c.deadline < as_of, c.registered_at < end,
                                   or_(c.completed_at.is_(None), c.completed_at >= end))
                            .group_by(column))
            for key, count in session.execute(overdue_open):
                target[key]["overdue_open"] += count
            tolerance_late = (select(column, func.count())
                              .where(c.tolerance_owed > 0, c.tolerance_due.is_not(None),
                                     c.tolerance_due < as_of, c.registered_at < end,
                                     or_(c.completed_at.is_(None), c.completed_at >= end))
                              .group_by(column))
            for key, count in session.execute(tolerance_late):
                target[key]["tolerance_overdue"] += count
            served = (select(column, c.service_mode, func.count())
                      .where(registered, c.service_mode != "")
                      .group_by(column, c.service_mode))
            for key, mode, count in session.execute(served):
                modes[scope][key][mode] += count
            k = models.Consultation
            consulted_column = {"window": k.window_name, "person": k.staff_id}[scope]
            for key, count in session.execute(
                    select(consulted_column, func.count())
                    .where(k.asked_at >= start, k.asked_at < end).group_by(consulted_column)):
                target[key]["consultations"] += count
        durations = (select(c.window_name, c.first_responder_id, c.accepted_on, c.completed_at)
                     .where(completed_in_month, c.outcome.in_(COMPLETED_OUTCOMES),
                            c.accepted_on.is_not(None)))
        for window, person, accepted_on, completed_at in session.execute(durations):
            if accepted_on is None or completed_at is None:
                continue
            days = calendar.working_days_between(accepted_on, local_date(completed_at))
            for scope, key in (("window", window), ("person", person)):
                figures[scope][key]["working_days_total"] += max(days, 0)
                figures[scope][key]["working_days_cases"] += 1
        ratings: dict[str, dict[str, dict[str, int]]] = {
            "window": defaultdict(lambda: defaultdict(int)),
            "person": defaultdict(lambda: defaultdict(int)),
        }
        e = models.EventRow
        set_aside = set(session.scalars(
            select(e.case_id).where(e.type == "appeal_decided")
            .where(e.payload["upheld"].as_boolean().is_(True))))
        upheld_in_month = (select(c.window_name, c.first_responder_id, e.payload)
                           .join(c, c.id == e.case_id)
                           .where(e.type == "appeal_decided", e.device_time >= start,
                                  e.device_time < end))
        for window, person, payload in session.execute(upheld_in_month):
            if (payload or {}).get("upheld") is True:
                figures["window"][window]["appeals_upheld"] += 1
                figures["person"][person]["appeals_upheld"] += 1
        evaluated = (select(c.window_name, c.first_responder_id, e.payload, e.case_id)
                     .join(c, c.id == e.case_id)
                     .where(e.type == "evaluated", e.device_time >= start, e.device_time < end))
        follow_up_days = follow_up_working_days(uow)
        for window, person, payload, case_id in session.execute(evaluated):
            rating = str((payload or {}).get("rating", ""))
            if rating not in EVALUATION_RATINGS or case_id in set_aside:
                continue
            ratings["window"][window][rating] += 1
            ratings["person"][person][rating] += 1
            if rating in BAD_RATINGS:
                case = load_case(uow, case_id)
                counts = {"bad_ratings": 1,
                          "followed_up_on_time": int(bool(
                              followed_up_on_time(case, calendar, follow_up_days))),
                          "rectified": int(rectified_on_time(case) is not None)}
                for scope, key in (("window", window), ("person", person)):
                    for name, value in counts.items():
                        figures[scope][key][name] += value
        acting = e.payload["acting_for"]
        covered = (select(e.actor_id, acting["window_name"].as_string())
                   .where(e.device_time >= start, e.device_time < end,
                          acting["staff_id"].as_string().is_not(None)))
        for actor_id, window in session.execute(covered):
            figures["person"][actor_id]["covered_acts"] += 1
            figures["window"][window or ""]["covered_acts"] += 1
        month_complaints = uow.complaints.registered_between(start, end)
        for complaint in month_complaints:
            substantiated = int(complaint.finding in SUBSTANTIATED_FINDINGS)
            keys = [("window", complaint.window_name)] if complaint.window_name else []
            if complaint.staff_id:
                keys.append(("person", complaint.staff_id))
            for scope, key in keys:
                figures[scope][key]["complaints"] += 1
                figures[scope][key]["complaints_substantiated"] += substantiated

    def rows(scope: str) -> list[AssessmentRow]:
        keys = set(figures[scope]) | set(ratings[scope]) | set(modes[scope])
        result = []
        for key in keys:
            values: dict[str, int] = dict(figures[scope].get(key) or {})
            if scope == "window":
                label, window = (key or NO_WINDOW), (key or "")
            else:
                label, window = people.get(key, (key or "（未知）", ""))
            result.append(AssessmentRow(
                key=key or "", label=label, window=window,
                evaluations=dict(ratings[scope].get(key) or {}),
                received=values.get("received", 0), completed=values.get("completed", 0),
                on_time=values.get("on_time", 0),
                overdue_completed=values.get("overdue_completed", 0),
                overdue_open=values.get("overdue_open", 0), returned=values.get("returned", 0),
                working_days_total=values.get("working_days_total", 0),
                working_days_cases=values.get("working_days_cases", 0),
                **{name: values.get(name, 0) for name in SUPERVISION_FIGURES},
                consultations=values.get("consultations", 0),
                tolerance_overdue=values.get("tolerance_overdue", 0),
                service_modes=dict(modes[scope].get(key) or {}),
                covered_acts=values.get("covered_acts", 0),
            ))
        return sorted(result, key=lambda r: (-r.received, r.label))

    by_window = rows("window")
    by_person = rows("person")
    total = AssessmentRow(key="", label="合计")
    for row in by_window:
        total = total.plus(row)
    # Every complaint of the month counts once in the total, with a window or not.
    total = replace(total, complaints=len(month_complaints),
                    complaints_substantiated=sum(
                        r.finding in SUBSTANTIATED_FINDINGS for r in month_complaints))
    return MonthlyAssessment(
        year=year, month=month, station_name=station_name, generated_at=now,
        by_window=tuple(by_window), by_person=tuple(by_person), total=total,
    )


# --- export ----------------------------------------------------------------------

HEADERS = ("窗口/人员", "收件", "办结", "按时办结", "超期办结", "超期未办结", "退回",
           "按时办结率", "平均工作日", "评价数", "满意率", "不满意", "咨询", "容缺逾期",
           "延时/周末/上门", "按时回访", "整改完成", "申诉成立", "投诉", "投诉属实", "顶岗")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def table_rows(rows: Iterable[AssessmentRow]) -> list[list[Any]]:
    """The exported table's rows as displayed values (text for rates)."""
    return [
        [r.label, r.received, r.completed, r.on_time, r.overdue_completed, r.overdue_open,
         r.returned, _percent(r.on_time_rate), _days(r.average_working_days),
         r.evaluation_count, _percent(r.satisfaction_rate), r.unsatisfied, r.consultations,
         r.tolerance_overdue, r.special_service, r.followed_up_on_time, r.rectified,
         r.appeals_upheld, r.complaints, r.complaints_substantiated, r.covered_acts]
        for r in rows
    ]


def export_excel(assessment: MonthlyAssessment) -> bytes:
    """The assessment as an .xlsx workbook: one sheet per window, one per person."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    thin = Side(style="thin", color="B8C2CC")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="E8EEF4")
    sheets = (("按窗口", "窗口", assessment.by_window),
              ("按人员", "人员（首问负责人）", assessment.by_person))
    for index, (title, first_header, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        sheet.append([assessment.title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
        sheet["A1"].font = Font(size=14, bold=True)
        sheet["A1"].alignment = Alignment(horizontal="center")
        generated = assessment.generated_at.astimezone(CHINA_TZ)
        sheet.append([f"统计口径：{assessment.year}年{assessment.month}月；生成时间："
                      f"{generated:%Y-%m-%d %H:%M}"])
        sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))
        sheet.append([first_header, *HEADERS[1:]])
        for cell in sheet[3]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.border = border
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        body = [*rows, assessment.total] if index == 0 else list(rows)
        for row in body:
            sheet.append([
                row.label, row.received, row.completed, row.on_time, row.overdue_completed,
                row.overdue_open, row.returned, row.on_time_rate,
                row.average_working_days, row.evaluation_count, row.satisfaction_rate,
                row.unsatisfied, row.consultations, row.tolerance_overdue, row.special_service,
                row.followed_up_on_time, row.rectified, row.appeals_upheld, row.complaints,
                row.complaints_substantiated,
            ])
            current = sheet.max_row
            for cell in sheet[current]:
                cell.border = border
            for column in (8, 11):
                sheet.cell(current, column).number_format = "0.0%"
            sheet.cell(current, 9).number_format = "0.0"
            if row is assessment.total:
                for cell in sheet[current]:
                    cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 22
        for column in range(2, len(HEADERS) + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 11
        sheet.freeze_panes = "B4"
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def pdf_column_widths(columns: int) -> list[float]:
    """267 mm of landscape A4 between the margins: the label column, then the figures."""
    from reportlab.lib.units import mm

    label = 36 * mm
    return [label] + [(267 * mm - label) / (columns - 1)] * (columns - 1)


def pdf_header_cells(headers: list[Any], font_name: str) -> list[Any]:
    """Header texts as paragraphs, so a long one wraps inside its narrow column."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    style = ParagraphStyle("header", fontName=font_name, fontSize=6.5, leading=8, alignment=1)
    return [Paragraph(str(text), style) for text in headers]


def pdf_table_style(font_name: str) -> list[tuple[Any, ...]]:
    """The look of the assessment tables in a PDF: small type, a shaded header, a grid."""
    from reportlab.lib import colors

    return [
        ("FONTNAME", (0, 0), (-1, -1), font_name),
        ("FONTSIZE", (0, 0), (-1, -1), 7),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF4")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9AA5B1")),
        ("ALIGN", (1, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        # Narrow figure columns: a four-character heading fits on one line.
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5),
    ]


def export_pdf(assessment: MonthlyAssessment, *, font_path: str | None = None) -> bytes:
    """The assessment as a landscape A4 PDF with the two tables."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from app.print_templates import resolve_fonts

    fonts = resolve_fonts(font_path)
    output = BytesIO()
    document = SimpleDocTemplate(output, pagesize=landscape(A4), leftMargin=15 * mm,
                                 rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm,
                                 title=assessment.title, invariant=True)
    title = ParagraphStyle("title", fontName=fonts.title, fontSize=16, leading=22, alignment=1)
    body = ParagraphStyle("body", fontName=fonts.body, fontSize=9, leading=13)
    heading = ParagraphStyle("heading", fontName=fonts.title, fontSize=12, leading=18)
    generated = assessment.generated_at.astimezone(CHINA_TZ)
    story: list[Any] = [
        Paragraph(assessment.title, title),
        Paragraph(f"生成时间：{generated:%Y-%m-%d %H:%M}。按时办结率 = 按时办结 ÷（按时办结 + 超期办结）；"
                  "满意率 = 非常满意、满意、基本满意 ÷ 评价数。", body),
        Spacer(1, 4 * mm),
    ]
    for caption, first_header, rows, with_total in (
            ("一、按窗口", "窗口", assessment.by_window, True),
            ("二、按人员（首问负责人）", "人员", assessment.by_person, False)):
        story.append(Paragraph(caption, heading))
        data: list[list[Any]] = [[first_header, *HEADERS[1:]]]
        data += table_rows([*rows, assessment.total] if with_total else rows)
        if len(data) == 1:
            data.append(["本月无数据"] + [""] * (len(HEADERS) - 1))
        data[0] = pdf_header_cells(data[0], fonts.body)
        table = Table(data, repeatRows=1, colWidths=pdf_column_widths(len(HEADERS)))
        style = pdf_table_style(fonts.body)
        if with_total:
            style.append(("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#F4F6F8")))
        table.setStyle(TableStyle(style))
        story += [table, Spacer(1, 6 * mm)]
    document.build(story)
    return output.getvalue()


def statistics_font_path(uow_factory: UnitOfWorkFactory) -> str | None:
    """The CJK font the administrator configured for printing, if any."""
    with uow_factory() as uow:
        return uow.settings.get("font_path") or None


def previous_month(today: date) -> tuple[int, int]:
    first = today.replace(day=1) - timedelta(days=1)
    return first.year, first.month
