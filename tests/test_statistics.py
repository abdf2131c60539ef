"""The monthly window assessment on a small known month of work."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest

from app.domain.errors import PermissionDenied, ValidationError
from app.print_templates import DocumentKind
from app.services import cases, seals, statistics
from app.services.runtime import Runtime
from tests.profile_fixtures import (
    MONDAY,
    NATURAL_APPLICANT,
    PASSWORD,
    Staff,
    counter_seal,
    make_profile,
)

WEDNESDAY = MONDAY + timedelta(days=2)
NEXT_MONDAY = MONDAY + timedelta(days=7)
# Well after the month: the open case is judged as of 1 December.
LATER = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


@pytest.fixture
def month(tmp_path: Path) -> Iterator[tuple[Runtime, Staff]]:
    """November 2026 at window 3: four cases with every kind of outcome."""
    runtime, staff = make_profile(tmp_path / "profile")
    uow = runtime.uow
    seals.register_seal(
        uow, staff.admin, runtime.key_store, department_code="SCJ",
        authority_name="县市场监督管理局", serial="1305340000001", custodian_id=staff.chief.id,
        valid_from=date(2026, 1, 1), valid_to=date(2028, 12, 31), made_on=date(2025, 12, 20),
        made_by="县公安局备案刻章点",
    )

    def accepted(clerk, at):
        case = cases.register_case(uow, clerk, matter_code="SCJ-001",
                                   applicant=NATURAL_APPLICANT, now=at)
        cases.record_materials(uow, clerk, case.id, now=at,
                               materials=[dict(m, received=True) for m in case.materials])
        return cases.accept(uow, clerk, case.id, seal=counter_seal(runtime), now=at)

    def completed(at):
        case = accepted(staff.clerk, MONDAY)
        cases.review(uow, staff.clerk, case.id, conforms=True, opinion="符合条件",
                     now=MONDAY + timedelta(hours=1))
        cases.approve(uow, staff.chief, case.id, opinion="同意", now=MONDAY + timedelta(hours=2))
        seals.apply_seal(uow, staff.chief, case.id, document_kind=DocumentKind.APPROVAL_DECISION,
                         password=PASSWORD, key_store=runtime.key_store, now=at)
        return case

    on_time = completed(WEDNESDAY)  # 2 working days, due Thursday 26th
    completed(NEXT_MONDAY)  # 5 working days: late
    rejected = cases.register_case(uow, staff.clerk, matter_code="SCJ-001",
                                   applicant=NATURAL_APPLICANT, now=MONDAY)
    cases.reject(uow, staff.clerk, rejected.id, reasons="不属于本机关职权范围",
                 ground="outside_powers", redirect_authority="市市场监督管理局",
                 seal=counter_seal(runtime), now=MONDAY)
    accepted(staff.clerk2, MONDAY)  # still open when the month ends: overdue
    cases.record_evaluation(uow, staff.clerk, on_time.id, rating="satisfied",
                            channel="rating_device", now=WEDNESDAY)
    cases.record_evaluation(uow, staff.clerk, rejected.id, rating="unsatisfied",
                            channel="qr_code", now=WEDNESDAY)
    yield runtime, staff
    runtime.close()


def test_window_totals_count_every_outcome(month) -> None:
    runtime, staff = month
    result = statistics.monthly_assessment(runtime.uow, staff.admin, year=2026, month=11,
                                           now=LATER)
    [window] = result.by_window
    assert window.label == "3号窗口"
    assert (window.received, window.completed, window.on_time, window.overdue_completed,
            window.overdue_open, window.returned) == (4, 2, 1, 1, 1, 1)
    assert window.overdue == 2
    assert window.average_working_days == pytest.approx(3.5)
    assert window.on_time_rate == pytest.approx(1 / 3)  # the open overdue case counts
    assert window.evaluations == {"satisfied": 1, "unsatisfied": 1}
    assert window.satisfaction_rate == pytest.approx(0.5)
    assert result.total.received == 4


def test_each_person_is_credited_with_the_cases_they_received_first(month) -> None:
    runtime, staff = month
    result = statistics.monthly_assessment(runtime.uow, staff.supervisor, year=2026, month=11,
                                           now=LATER)
    people = {row.label: row for row in result.by_person}
    assert set(people) == {"李受理", "周受理"}
    assert (people["李受理"].received, people["李受理"].completed,
            people["李受理"].returned) == (3, 2, 1)
    assert (people["周受理"].received, people["周受理"].overdue_open) == (1, 1)
    assert people["周受理"].on_time_rate == 0  # overdue and still open: not 100 %, not blank


def test_another_month_is_empty(month) -> None:
    runtime, staff = month
    result = statistics.monthly_assessment(runtime.uow, staff.admin, year=2026, month=10,
                                           now=LATER)
    assert result.by_window == ()
    assert result.total.received == 0


def test_the_running_month_judges_open_cases_as_of_today(month) -> None:
    runtime, staff = month
    # On Tuesday 24th nothing is past its due date yet.
    result = statistics.monthly_assessment(runtime.uow, staff.admin, year=2026, month=11,
                                           now=MONDAY + timedelta(days=1))
    assert result.total.overdue_open == 0


def test_a_clerk_may_not_read_the_assessment(month) -> None:
    runtime, staff = month
    with pytest.raises(PermissionDenied):
        statistics.monthly_assessment(runtime.uow, staff.clerk, year=2026, month=11)


def test_an_impossible_month_is_refused(month) -> None:
    runtime, staff = month
    with pytest.raises(ValidationError):
        statistics.monthly_assessment(runtime.uow, staff.admin, year=2026, month=13)


def test_excel_export_has_both_tables_and_the_total(month) -> None:
    from openpyxl import load_workbook

    runtime, staff = month
    result = statistics.monthly_assessment(runtime.uow, staff.admin, year=2026, month=11,
                                           now=LATER)
    book = load_workbook(BytesIO(statistics.export_excel(result)))
    assert book.sheetnames == ["按窗口", "按人员"]
    windows = book["按窗口"]
    assert windows["A1"].value == result.title
    assert [c.value for c in windows[4]][:7] == ["3号窗口", 4, 2, 1, 1, 1, 1]
    assert windows["A5"].value == "合计"
    assert windows["H4"].value == pytest.approx(1 / 3)
    people = [row[0].value for row in book["按人员"].iter_rows(min_row=4)]
    assert people == ["李受理", "周受理"]


def test_pdf_export_is_a_pdf_with_the_title(month) -> None:
    import pdfplumber

    runtime, staff = month
    result = statistics.monthly_assessment(runtime.uow, staff.admin, year=2026, month=11,
                                           now=LATER)
    data = statistics.export_pdf(result)
    assert data.startswith(b"%PDF")
    with pdfplumber.open(BytesIO(data)) as pdf:
        text = pdf.pages[0].extract_text()
    assert "2026年11月窗口考核统计" in text.replace(" ", "")
