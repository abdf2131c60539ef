"""The quarterly bulletin and the annual summary, their rankings and exports."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pdfplumber
import pytest
from openpyxl import load_workbook

from app.services import cases, complaints, reports
from app.services.runtime import Runtime
from app.services.statistics import AssessmentRow
from tests.profile_fixtures import MONDAY, NATURAL_APPLICANT, Staff, make_profile

OCTOBER = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)
NOW = MONDAY + timedelta(days=2)


@pytest.fixture
def profile(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    runtime, staff = make_profile(tmp_path / "profile")
    for moment, clerk in ((OCTOBER, staff.clerk), (MONDAY, staff.clerk), (MONDAY, staff.clerk2)):
        cases.register_case(runtime.uow, clerk, matter_code="SCJ-001",
                            applicant=NATURAL_APPLICANT, now=moment)
    complaints.register_complaint(runtime.uow, staff.supervisor, channel="phone",
                                  complainant={"name": "孙", "phone": "139"}, content="推诿",
                                  staff_id=staff.clerk2.id, now=MONDAY)
    yield runtime, staff
    runtime.close()


def test_quarter_adds_up_its_months(profile) -> None:
    runtime, staff = profile
    report = reports.quarterly_bulletin(runtime.uow, staff.supervisor, year=2026, quarter=4,
                                        now=NOW)
    assert report.months == (10, 11)  # December has not begun
    assert report.total.received == 3 and report.total.complaints == 1
    person = {r.label: r for r in report.by_person}
    assert person["李受理"].received == 2 and person["周受理"].complaints == 1
    assert report.title.endswith("2026年第4季度窗口工作通报")


def test_year_leaves_out_months_not_begun(profile) -> None:
    runtime, staff = profile
    report = reports.annual_summary(runtime.uow, staff.supervisor, year=2026, now=NOW)
    assert report.months == tuple(range(1, 12))
    assert report.total.received == 3


def test_a_quarter_that_does_not_exist_is_refused(profile) -> None:
    runtime, staff = profile
    from app.domain.errors import ValidationError

    with pytest.raises(ValidationError):
        reports.quarterly_bulletin(runtime.uow, staff.supervisor, year=2026, quarter=5)


def test_ranking_puts_on_time_first_then_fewer_substantiated_complaints() -> None:
    rows = [
        AssessmentRow(key="a", label="甲窗口", completed=10, on_time=9, overdue_completed=1),
        AssessmentRow(key="b", label="乙窗口", completed=10, on_time=10, complaints=2,
                      complaints_substantiated=1),
        AssessmentRow(key="c", label="丙窗口", completed=8, on_time=8),
        AssessmentRow(key="d", label="丁窗口"),
    ]
    ranked = reports.ranking(rows)
    assert [(r.rank, r.row.label) for r in ranked] == [
        (1, "丙窗口"), (2, "乙窗口"), (3, "甲窗口"), (4, "丁窗口")]
    assert reports.rank_rows(ranked)[0][-1] == "未记录"


def test_excel_has_the_tables_rankings_and_a_chart(profile) -> None:
    runtime, staff = profile
    report = reports.quarterly_bulletin(runtime.uow, staff.supervisor, year=2026, quarter=4,
                                        now=NOW)
    book = load_workbook(io.BytesIO(reports.export_excel(report)))
    assert book.sheetnames == ["按窗口", "按人员", "红旗窗口参考排名", "先进工作者参考排名"]
    assert book["按窗口"]._charts
    assert book["先进工作者参考排名"]["B4"].value in ("李受理", "周受理")


def test_pdf_states_the_period_and_the_ranking(profile) -> None:
    runtime, staff = profile
    report = reports.annual_summary(runtime.uow, staff.supervisor, year=2026, now=NOW)
    data = reports.export_pdf(report)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
        assert len(pdf.pages) >= 2
    assert "2026年度窗口工作综合考核" in text
    assert "先进工作者" in text and "考勤未在本系统记录" in text
