"""Working days, deadlines and warnings on the national holiday calendar."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.calendar import (
    CalendarSource,
    Deadline,
    Extension,
    Suspension,
    SuspensionReason,
    WarningLevel,
    WorkingCalendar,
    YearCalendar,
    chinesecalendar_years,
    compute_deadline,
    format_chinese_date,
    provisional_year,
    warning_level,
    year_from_chinesecalendar,
    yellow_from,
)
from app.domain.errors import ValidationError

# The official years chinesecalendar knows (2026 included); 2027 is by rule.
CALENDAR = WorkingCalendar.from_chinesecalendar()


def days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def refusal(call, *args, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- official years from chinesecalendar ---------------------------------------------


def test_chinesecalendar_knows_the_years_up_to_2026() -> None:
    years = chinesecalendar_years()
    assert {2024, 2025, 2026} <= set(years)
    assert years == sorted(years)


def test_official_year_is_published_and_says_where_it_came_from() -> None:
    year = year_from_chinesecalendar(2026)
    assert year.published
    assert year.source is CalendarSource.CHINESECALENDAR
    assert year.source == "chinesecalendar"


def test_national_day_2026_is_off_from_october_first_to_seventh() -> None:
    for day in days(date(2026, 10, 1), date(2026, 10, 7)):
        assert day in year_from_chinesecalendar(2026).holidays
        assert not CALENDAR.is_working_day(day)
    assert CALENDAR.is_working_day(date(2026, 9, 30))
    assert CALENDAR.is_working_day(date(2026, 10, 8))


def test_weekends_around_national_day_2026_are_worked() -> None:
    sunday, saturday = date(2026, 9, 20), date(2026, 10, 10)
    assert (sunday.weekday(), saturday.weekday()) == (6, 5)
    assert {sunday, saturday} <= year_from_chinesecalendar(2026).adjusted_workdays
    assert CALENDAR.is_working_day(sunday)
    assert CALENDAR.is_working_day(saturday)
    assert not CALENDAR.is_working_day(date(2026, 9, 19))


def test_spring_festival_2026_is_off_from_february_fifteenth_to_twenty_third() -> None:
    for day in days(date(2026, 2, 15), date(2026, 2, 23)):
        assert not CALENDAR.is_working_day(day)
    assert CALENDAR.is_working_day(date(2026, 2, 24))


def test_saturdays_around_spring_festival_2026_are_worked() -> None:
    for saturday in (date(2026, 2, 14), date(2026, 2, 28)):
        assert saturday.weekday() == 5
        assert saturday in year_from_chinesecalendar(2026).adjusted_workdays
        assert CALENDAR.is_working_day(saturday)


def test_year_chinesecalendar_does_not_know_is_refused() -> None:
    error = refusal(year_from_chinesecalendar, 1990)
    assert error.code == "calendar_year_unknown"
    assert "1990年" in error.message


# --- the year as data -------------------------------------------------------------


def test_year_calendar_round_trips_through_json_with_sorted_iso_dates() -> None:
    year = year_from_chinesecalendar(2026)
    data = json.loads(json.dumps(year.to_dict()))
    assert data["holidays"][:3] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert data["adjusted_workdays"][0] == "2026-01-04"
    assert data["source"] == "chinesecalendar"
    assert data["published"] is True
    assert YearCalendar.from_dict(data) == year


def test_year_calendar_accepts_any_iterable_of_dates() -> None:
    year = YearCalendar(2027, [date(2027, 1, 1)], (), "admin", False)
    assert year.holidays == frozenset({date(2027, 1, 1)})
    assert year.source is CalendarSource.ADMIN


def test_year_calendar_refuses_a_date_of_another_year() -> None:
    error = refusal(YearCalendar, 2027, {date(2026, 12, 31)}, frozenset(), "admin", False)
    assert (error.code, error.field) == ("calendar_wrong_year", "holidays")
    assert "2026年12月31日" in error.message


def test_year_calendar_refuses_an_adjusted_workday_that_is_not_a_weekend() -> None:
    error = refusal(YearCalendar, 2027, frozenset(), {date(2027, 2, 1)}, "admin", False)
    assert (error.code, error.field) == ("calendar_workday_not_weekend", "adjusted_workdays")


def test_year_calendar_refuses_a_day_both_off_and_worked() -> None:
    saturday = date(2027, 2, 6)
    error = refusal(YearCalendar, 2027, {saturday}, {saturday}, "admin", False)
    assert error.code == "calendar_overlap"


def test_year_calendar_refuses_an_unknown_source() -> None:
    assert refusal(YearCalendar, 2027, (), (), "guess", False).code == "calendar_source"


def test_year_calendar_payload_with_a_bad_date_is_refused() -> None:
    data = {"year": 2027, "holidays": ["2027-02-30"], "adjusted_workdays": [], "source": "server"}
    error = refusal(YearCalendar.from_dict, data)
    assert (error.code, error.field) == ("bad_date", "holidays")


def test_year_calendar_payload_without_a_year_is_refused() -> None:
    assert refusal(YearCalendar.from_dict, {"holidays": []}).code == "bad_payload"


# --- provisional years by rule ----------------------------------------------------------


def statutory_days(year: int) -> set[date]:
    return set(holidays.China(years=year, observed=False, language="en_US"))


def test_rule_year_is_unpublished_with_no_adjusted_weekends() -> None:
    year = provisional_year(2027)
    assert year.source is CalendarSource.RULE
    assert not year.published
    assert year.adjusted_workdays == frozenset()


def test_rule_year_contains_every_statutory_holiday_of_the_holidays_package() -> None:
    assert statutory_days(2027) <= provisional_year(2027).holidays


def test_rule_year_2027_spring_festival_comes_from_the_lunar_calendar() -> None:
    spring_festival = {
        day
        for day, name in holidays.China(years=2027, observed=False, language="en_US").items()
        if "Chinese New Year" in name
    }
    assert spring_festival == set(days(date(2027, 2, 5), date(2027, 2, 8)))  # 除夕 to 初三
    assert not any(CALENDAR.is_working_day(day) for day in spring_festival)


def test_rule_year_gives_a_make_up_day_for_a_statutory_holiday_on_a_weekend() -> None:
    # 2027-02-06 and 02-07 (初一, 初二) fall on Saturday and Sunday: 补假 the
    # following Tuesday and Wednesday, so the working days lost match the law.
    assert (date(2027, 2, 6).weekday(), date(2027, 2, 7).weekday()) == (5, 6)
    assert {date(2027, 2, 9), date(2027, 2, 10)} <= provisional_year(2027).holidays
    assert CALENDAR.is_working_day(date(2027, 2, 11))


def test_rule_year_ignores_swapped_days_the_holidays_package_knows() -> None:
    # In 2026 the package knows Jan 2 was swapped with Sunday Jan 4; a rule
    # year keeps neither half of the swap.
    rule_2026 = WorkingCalendar({2026: provisional_year(2026)})
    assert rule_2026.is_working_day(date(2026, 1, 2))
    assert not rule_2026.is_working_day(date(2026, 1, 4))
    assert not CALENDAR.is_working_day(date(2026, 1, 2))


def test_rule_year_ignores_half_day_holidays() -> None:
    assert CALENDAR.is_working_day(date(2027, 3, 8))  # 妇女节, a Monday


# --- which year is in force ---------------------------------------------------------------


def test_missing_year_is_provisional_and_uses_the_rule() -> None:
    assert CALENDAR.is_provisional(date(2027, 3, 1))
    assert not CALENDAR.is_provisional(date(2026, 3, 1))
    assert CALENDAR.year_calendar(2027) == provisional_year(2027)
    assert 2027 not in CALENDAR.years


def test_unpublished_year_given_is_used_but_still_provisional() -> None:
    draft = YearCalendar(2027, {date(2027, 3, 1)}, frozenset(), "admin", published=False)
    calendar = CALENDAR.with_year(draft)
    assert not calendar.is_working_day(date(2027, 3, 1))
    assert calendar.is_provisional(date(2027, 3, 1))


def test_published_year_from_the_server_is_not_provisional() -> None:
    published = YearCalendar(
        2027, {date(2027, 1, 1)}, {date(2027, 2, 20)}, "server", published=True
    )
    calendar = CALENDAR.with_year(published)
    assert not calendar.is_provisional(date(2027, 3, 1))
    assert calendar.is_working_day(date(2027, 2, 20))
    assert calendar.is_working_day(date(2027, 2, 8))  # not a holiday in this arrangement


def test_calendar_refuses_a_year_filed_under_another_year() -> None:
    error = refusal(WorkingCalendar, {2027: provisional_year(2028)})
    assert error.code == "calendar_wrong_year"


# --- adding and counting working days --------------------------------------------------


def test_zero_working_days_is_the_same_day() -> None:
    assert CALENDAR.add_working_days(date(2026, 11, 23), 0) == (date(2026, 11, 23), False)


def test_day_after_start_is_day_one() -> None:
    assert CALENDAR.add_working_days(date(2026, 11, 23), 1) == (date(2026, 11, 24), False)


def test_adding_working_days_skips_the_weekend() -> None:
    friday = date(2026, 11, 20)
    assert CALENDAR.add_working_days(friday, 1) == (date(2026, 11, 23), False)
    assert CALENDAR.add_working_days(friday, 5) == (date(2026, 11, 27), False)


def test_adding_working_days_skips_national_day() -> None:
    assert CALENDAR.add_working_days(date(2026, 9, 30), 1) == (date(2026, 10, 8), False)


def test_adjusted_saturday_counts_as_a_working_day() -> None:
    assert CALENDAR.add_working_days(date(2026, 10, 9), 1) == (date(2026, 10, 10), False)


def test_deadline_into_2027_is_provisional_and_skips_spring_festival() -> None:
    # From Dec 30: Dec 31 (1), 1 Jan off, 20 days in January (21), Feb 1-4 (25),
    # Feb 5-10 Spring Festival by rule, Feb 11, 12, 15, 16, 17 (30).
    assert CALENDAR.add_working_days(date(2026, 12, 30), 30) == (date(2027, 2, 17), True)


def test_spring_festival_2027_is_skipped_by_rule() -> None:
    assert CALENDAR.add_working_days(date(2027, 2, 4), 1) == (date(2027, 2, 11), True)


def test_deadline_ending_in_2026_is_not_provisional() -> None:
    assert CALENDAR.add_working_days(date(2026, 12, 28), 3) == (date(2026, 12, 31), False)


def test_negative_working_days_are_refused() -> None:
    error = refusal(CALENDAR.add_working_days, date(2026, 11, 23), -1)
    assert error.code == "bad_working_days"


def test_working_days_between_counts_after_start_up_to_end() -> None:
    assert CALENDAR.working_days_between(date(2026, 11, 23), date(2026, 11, 23)) == 0
    assert CALENDAR.working_days_between(date(2026, 11, 20), date(2026, 11, 27)) == 5
    assert CALENDAR.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == 1
    assert CALENDAR.working_days_between(date(2026, 11, 27), date(2026, 11, 20)) == -5


@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2028, 12, 31)),
    working_days=st.integers(min_value=1, max_value=90),
)
def test_add_working_days_never_lands_on_a_non_working_day(start: date, working_days: int) -> None:
    due, _ = CALENDAR.add_working_days(start, working_days)
    assert CALENDAR.is_working_day(due)
    assert CALENDAR.working_days_between(start, due) == working_days


# --- suspensions, extensions and deadlines ---------------------------------------------

ACCEPTED = date(2026, 11, 23)  # a Monday
TODAY = date(2026, 12, 15)


def site_inspection(start: date, end: date | None) -> Suspension:
    return Suspension(start, end, SuspensionReason.SITE_INSPECTION, "现场核查经营场所")


def test_deadline_counts_promised_working_days_after_acceptance() -> None:
    assert compute_deadline(CALENDAR, ACCEPTED, 3, today=TODAY) == Deadline(
        due=date(2026, 11, 26), provisional=False
    )


def test_immediate_case_is_due_the_day_it_is_accepted() -> None:
    assert compute_deadline(CALENDAR, ACCEPTED, 0, today=TODAY).due == ACCEPTED


def test_suspended_working_days_are_added_to_the_count() -> None:
    deadline = compute_deadline(
        CALENDAR,
        ACCEPTED,
        5,
        [site_inspection(date(2026, 11, 25), date(2026, 11, 26))],
        today=TODAY,
    )
    assert deadline.suspended_working_days == 2
    assert deadline.due == CALENDAR.add_working_days(ACCEPTED, 7)[0] == date(2026, 12, 2)
    assert not deadline.open_suspension


def test_suspension_counts_only_its_working_days() -> None:
    # Friday to Monday: two working days.
    deadline = compute_deadline(
        CALENDAR,
        ACCEPTED,
        10,
        [site_inspection(date(2026, 11, 27), date(2026, 11, 30))],
        today=TODAY,
    )
    assert deadline.suspended_working_days == 2


def test_open_suspension_runs_up_to_today() -> None:
    open_one = Suspension(date(2026, 11, 25), None, "expert_review")
    deadline = compute_deadline(CALENDAR, ACCEPTED, 5, [open_one], today=date(2026, 11, 27))
    assert deadline.open_suspension
    assert deadline.suspended_working_days == 3  # Wednesday to Friday
    assert deadline.due == CALENDAR.add_working_days(ACCEPTED, 8)[0]


def test_overlapping_suspensions_are_not_counted_twice() -> None:
    deadline = compute_deadline(
        CALENDAR,
        ACCEPTED,
        5,
        [
            site_inspection(date(2026, 11, 24), date(2026, 11, 26)),
            Suspension(date(2026, 11, 26), date(2026, 11, 27), "testing"),
        ],
        today=TODAY,
    )
    assert deadline.suspended_working_days == 4


def test_suspension_after_the_time_limit_ran_out_extends_nothing() -> None:
    late = site_inspection(date(2026, 12, 1), date(2026, 12, 3))
    deadline = compute_deadline(CALENDAR, ACCEPTED, 3, [late], today=TODAY)
    assert deadline.due == date(2026, 11, 26)
    assert deadline.suspended_working_days == 0


def test_suspension_on_the_acceptance_day_extends_nothing() -> None:
    # The acceptance day is never counted, so stopping the clock on it changes nothing.
    same_day = site_inspection(ACCEPTED, ACCEPTED)
    assert compute_deadline(CALENDAR, ACCEPTED, 3, [same_day], today=TODAY).due == date(
        2026, 11, 26
    )


def test_extensions_add_working_days() -> None:
    extensions = [Extension(5, "需补充专家意见", "赵局长"), Extension(2, "材料核实", "赵局长")]
    deadline = compute_deadline(CALENDAR, ACCEPTED, 3, extensions=extensions, today=TODAY)
    assert deadline.extended_working_days == 7
    assert deadline.due == CALENDAR.add_working_days(ACCEPTED, 10)[0] == date(2026, 12, 7)


def test_deadline_across_the_new_year_is_provisional() -> None:
    deadline = compute_deadline(CALENDAR, date(2026, 12, 21), 20, today=TODAY)
    assert deadline.provisional
    assert deadline.due.year == 2027


def test_deadline_with_suspension_and_extension_across_national_day() -> None:
    deadline = compute_deadline(
        CALENDAR,
        date(2026, 9, 28),
        5,
        [Suspension(date(2026, 9, 29), date(2026, 9, 29), "hearing")],
        [Extension(1, "听证后补充审查", "赵局长")],
        today=date(2026, 10, 12),
    )
    # Sep 29 stopped; Sep 30 (1); Oct 1-7 off; Oct 8, 9 (3), Sat Oct 10 worked (4),
    # Oct 12, 13 (6).
    assert deadline == Deadline(date(2026, 10, 13), False, 1, 1, False)


def test_negative_promised_working_days_are_refused() -> None:
    error = refusal(compute_deadline, CALENDAR, ACCEPTED, -2, today=TODAY)
    assert (error.code, error.field) == ("bad_working_days", "promised_working_days")


def test_suspension_reasons_have_chinese_labels() -> None:
    assert [reason.label for reason in SuspensionReason] == [
        "现场核查",
        "听证",
        "检验检测",
        "专家评审",
        "检疫",
        "鉴定",
        "招标",
        "拍卖",
    ]


def test_suspension_for_another_reason_is_refused() -> None:
    error = refusal(Suspension, ACCEPTED, None, "waiting_for_lunch")
    assert (error.code, error.field) == ("bad_reason", "reason_code")


def test_suspension_ending_before_it_starts_is_refused() -> None:
    error = refusal(site_inspection, date(2026, 11, 25), date(2026, 11, 24))
    assert (error.code, error.field) == ("bad_date", "end")


def test_extension_needs_days_reason_and_approver() -> None:
    assert refusal(Extension, 0, "理由", "赵局长").code == "bad_working_days"
    assert refusal(Extension, 3, " ", "赵局长").field == "reason"
    assert refusal(Extension, 3, "理由", "").field == "approved_by"


def test_suspension_and_extension_read_the_case_projection_shape() -> None:
    suspension = Suspension.from_dict(
        {"reason_code": "testing", "reason": "", "start": "2026-11-25", "end": None}
    )
    assert suspension == Suspension(date(2026, 11, 25), None, SuspensionReason.TESTING)
    assert Suspension.from_dict(suspension.to_dict()) == suspension
    extension = Extension.from_dict(
        {"working_days": 5, "reason": "理由", "approved_by": "赵局长", "at": "2026-11-30T09:00"}
    )
    assert extension == Extension(5, "理由", "赵局长")
    assert Extension.from_dict(extension.to_dict()) == extension


# --- warnings ---------------------------------------------------------------------------


def test_warning_levels_have_chinese_labels() -> None:
    assert WarningLevel.NORMAL.label == "正常"
    assert WarningLevel.YELLOW.label == "黄牌预警"
    assert WarningLevel.RED.label == "红牌超期"


def test_case_past_its_due_date_is_red() -> None:
    assert warning_level(CALENDAR, date(2026, 11, 26), date(2026, 11, 27)) is WarningLevel.RED


def test_case_due_today_is_yellow() -> None:
    assert warning_level(CALENDAR, date(2026, 11, 26), date(2026, 11, 26)) is WarningLevel.YELLOW


def test_case_with_two_working_days_left_is_yellow_and_three_is_normal() -> None:
    due = date(2026, 11, 27)  # a Friday
    assert warning_level(CALENDAR, due, date(2026, 11, 25)) is WarningLevel.YELLOW
    assert warning_level(CALENDAR, due, date(2026, 11, 24)) is WarningLevel.NORMAL


def test_weekend_does_not_count_as_time_left() -> None:
    # Due Monday: on the Thursday before, Friday and Monday are left.
    assert warning_level(CALENDAR, date(2026, 11, 30), date(2026, 11, 26)) is WarningLevel.YELLOW


def test_yellow_threshold_is_configurable() -> None:
    due, today = date(2026, 11, 27), date(2026, 11, 20)
    assert warning_level(CALENDAR, due, today) is WarningLevel.NORMAL
    assert warning_level(CALENDAR, due, today, yellow_working_days=5) is WarningLevel.YELLOW


def test_yellow_starts_three_working_days_before_due_across_national_day() -> None:
    due = date(2026, 10, 9)
    assert yellow_from(CALENDAR, due) == date(2026, 9, 30)
    assert warning_level(CALENDAR, due, date(2026, 9, 30)) is WarningLevel.YELLOW
    assert warning_level(CALENDAR, due, date(2026, 9, 29)) is WarningLevel.NORMAL


@pytest.mark.parametrize("threshold", [0, 1, 2, 5])
def test_yellow_from_agrees_with_warning_level_on_every_day(threshold: int) -> None:
    for due in days(date(2026, 9, 15), date(2026, 10, 20)):
        first_yellow = yellow_from(CALENDAR, due, threshold)
        for today in days(due - timedelta(30), due):
            level = warning_level(CALENDAR, due, today, yellow_working_days=threshold)
            expected = WarningLevel.YELLOW if today >= first_yellow else WarningLevel.NORMAL
            assert level is expected, (due, today)


# --- dates in documents -----------------------------------------------------------------


def test_chinese_date_has_no_zero_padding() -> None:
    assert format_chinese_date(date(2026, 11, 22)) == "2026年11月22日"
    assert format_chinese_date(date(2026, 1, 5)) == "2026年1月5日"


@pytest.fixture
def counter_zone():
    """Configure another counter zone for one test, and put Asia/Shanghai back."""
    from app.domain.calendar import configure_local_zone

    yield configure_local_zone
    configure_local_zone("Asia/Shanghai")


def test_a_configured_zone_moves_every_local_day(counter_zone) -> None:
    from datetime import UTC

    from app.domain.case import local_day
    from app.domain.seal import china_date
    from app.services.context import local_date
    from app.services.statistics import month_bounds

    late_evening = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 01:30 on 12-01 in Beijing
    assert local_date(late_evening) == date(2026, 12, 1)
    counter_zone("Asia/Urumqi")  # UTC+6 in the tz database
    assert local_date(late_evening) == local_day(late_evening) == china_date(late_evening) \
        == date(2026, 11, 30)
    start, end = month_bounds(2026, 12)
    assert start == datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 18, 0, tzinfo=UTC)


def test_an_unknown_zone_is_refused_in_chinese_and_changes_nothing(counter_zone) -> None:
    from datetime import UTC

    from app.services.context import local_date
    from app.settings import SettingsError, validate

    with pytest.raises(ValidationError, match="时区“Mars/Olympus”不存在"):
        counter_zone("Mars/Olympus")
    assert local_date(datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == date(2026, 12, 1)
    with pytest.raises(SettingsError, match="不存在"):
        validate("time_zone", "Mars/Olympus")
    assert validate("time_zone", " Asia/Urumqi ") == "Asia/Urumqi"
