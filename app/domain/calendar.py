"""Working days (工作日): the national holiday calendar and deadlines counted on it.

A :class:`YearCalendar` is one year's official arrangement: the holidays (放假日,
including weekend days inside a holiday period) and the adjusted working weekends
(调休上班日). Years come from the ``chinesecalendar`` package (which carries the
State Council's notices), from the centre administrator, or from the server. A
year nobody has published yet is *provisional*: it is computed by rule from the
``holidays`` package, and every date derived from it is flagged so the screen can
say "暂按法定节假日推算".

Deadlines (限时办结) count working days after the acceptance date: the day after
acceptance is day 1, so a promise of 0 working days (即办件) is due the same day.
Time spent on site inspection, hearing, testing or expert review (行政许可法第四十五条)
is not counted, and approved extensions add working days.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from functools import lru_cache
from typing import Any

from app.domain.errors import ValidationError

ONE_DAY = timedelta(days=1)
DEFAULT_TIME_ZONE = "Asia/Shanghai"


class CounterZone(tzinfo):
    """The counter's days and clock times: Asia/Shanghai unless the station configures
    another zone (:func:`configure_local_zone`). One object that every module holds, so
    a configured zone takes effect everywhere at once; Asia/Shanghai has kept +8 without
    summer time since 1991, so by default it is that fixed offset, with no tz database."""

    def __init__(self) -> None:
        self.name = DEFAULT_TIME_ZONE
        self._zone: tzinfo = timezone(timedelta(hours=8), "CST")

    def utcoffset(self, moment: datetime | None) -> timedelta | None:
        return self._zone.utcoffset(None if moment is None else moment.replace(tzinfo=None))

    def dst(self, moment: datetime | None) -> timedelta | None:
        return self._zone.dst(None if moment is None else moment.replace(tzinfo=None))

    def tzname(self, moment: datetime | None) -> str | None:
        return self._zone.tzname(None if moment is None else moment.replace(tzinfo=None))

    def fromutc(self, moment: datetime) -> datetime:
        local = self._zone.fromutc(moment.replace(tzinfo=self._zone))
        return local.replace(tzinfo=self)

    def __repr__(self) -> str:
        return f"CounterZone({self.name!r})"


LOCAL_ZONE = CounterZone()
"""The counter's days: Asia/Shanghai unless configured."""


def time_zone_named(name: str) -> tzinfo:
    """The IANA zone ``name`` (empty: Asia/Shanghai); an unknown name is refused with a
    Chinese message."""
    name = (name or DEFAULT_TIME_ZONE).strip()
    if name == DEFAULT_TIME_ZONE:
        return timezone(timedelta(hours=8), "CST")
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("settings.time_zone_unknown",
                              f"时区“{name}”不存在，请填写如 Asia/Shanghai 的时区名称。",
                              field="time_zone") from None


def configure_local_zone(name: str) -> None:
    """Use the IANA zone ``name`` for local days from now on (the station's setting,
    read at start); an unknown name is refused and changes nothing."""
    zone = time_zone_named(name)
    LOCAL_ZONE.name, LOCAL_ZONE._zone = (name or DEFAULT_TIME_ZONE).strip(), zone


def local_day_start(day: date) -> datetime:
    """The aware instant a local day begins (to compare with times stored in UTC)."""
    return datetime.combine(day, datetime.min.time(), LOCAL_ZONE)


class CalendarSource(StrEnum):
    """Where a year's arrangement came from."""

    CHINESECALENDAR = "chinesecalendar"
    ADMIN = "admin"
    SERVER = "server"
    RULE = "rule"

    @property
    def label(self) -> str:
        """Chinese description for the administrator's calendar screen."""
        return {
            "chinesecalendar": "内置国务院放假安排",
            "admin": "管理员维护",
            "server": "中心服务器下发",
            "rule": "按法定节假日规则推算",
        }[self.value]


def format_chinese_date(day: date) -> str:
    """A date as written in official documents, without zero padding: "2026年1月5日"."""
    return f"{day.year}年{day.month}月{day.day}日"


def _is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def _parse_date(value: object, *, field: str, label: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            "bad_date", f"{label}“{value}”不是有效日期。", field=field, value=str(value)
        ) from None


@dataclass(frozen=True)
class YearCalendar:
    """One year's holidays and adjusted working weekends.

    ``holidays`` are the days off of the official arrangement (weekend days inside a
    holiday period may be listed too); ``adjusted_workdays`` are weekend days worked
    in exchange (调休). Any iterable of dates is accepted and stored as a frozenset.
    """

    year: int
    holidays: frozenset[date]
    adjusted_workdays: frozenset[date]
    source: CalendarSource
    published: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "adjusted_workdays", frozenset(self.adjusted_workdays))
        try:
            object.__setattr__(self, "source", CalendarSource(self.source))
        except ValueError:
            raise ValidationError(
                "calendar_source", f"节假日安排来源“{self.source}”无效。", field="source"
            ) from None
        for day in self.holidays | self.adjusted_workdays:
            if not isinstance(day, date):
                raise ValidationError(
                    "bad_date", f"节假日安排中的“{day}”不是日期。", field="holidays"
                )
            if day.year != self.year:
                raise ValidationError(
                    "calendar_wrong_year",
                    f"{format_chinese_date(day)}不属于{self.year}年，不能列入该年节假日安排。",
                    field="holidays" if day in self.holidays else "adjusted_workdays",
                    day=day.isoformat(),
                )
        for day in sorted(self.adjusted_workdays):
            if not _is_weekend(day):
                raise ValidationError(
                    "calendar_workday_not_weekend",
                    f"调休上班日{format_chinese_date(day)}不是周末，无需调休。",
                    field="adjusted_workdays",
                    day=day.isoformat(),
                )
        both = sorted(self.holidays & self.adjusted_workdays)
        if both:
            raise ValidationError(
                "calendar_overlap",
                f"{format_chinese_date(both[0])}不能既是放假日又是调休上班日。",
                field="adjusted_workdays",
                day=both[0].isoformat(),
            )

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` (which must fall in this year) is a working day."""
        if day in self.adjusted_workdays:
            return True
        return not _is_weekend(day) and day not in self.holidays

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with sorted ISO dates (for the admin editor and sync)."""
        return {
            "year": self.year,
            "holidays": [day.isoformat() for day in sorted(self.holidays)],
            "adjusted_workdays": [day.isoformat() for day in sorted(self.adjusted_workdays)],
            "source": str(self.source),
            "published": self.published,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> YearCalendar:
        """Read :meth:`to_dict`'s output back, refusing malformed dates or years."""
        year = data.get("year")
        if not isinstance(year, int) or isinstance(year, bool):
            raise ValidationError("bad_payload", "节假日安排的年份不正确。", field="year")
        holidays = data.get("holidays", [])
        workdays = data.get("adjusted_workdays", [])
        if not isinstance(holidays, list | tuple) or not isinstance(workdays, list | tuple):
            raise ValidationError("bad_payload", "节假日安排的日期列表格式不正确。")
        return cls(
            year=year,
            holidays=frozenset(
                _parse_date(value, field="holidays", label="放假日") for value in holidays
            ),
            adjusted_workdays=frozenset(
                _parse_date(value, field="adjusted_workdays", label="调休上班日")
                for value in workdays
            ),
            source=data.get("source", CalendarSource.ADMIN),
            published=bool(data.get("published", False)),
        )


def chinesecalendar_years() -> list[int]:
    """The years whose official arrangement the installed ``chinesecalendar`` knows."""
    import chinese_calendar  # imported here: only calendar set-up needs it

    return sorted({day.year for day in chinese_calendar.holidays})


def year_from_chinesecalendar(year: int) -> YearCalendar:
    """The State Council's arrangement for ``year`` as carried by ``chinesecalendar``.

    Holidays are every day the package lists as a holiday (festival weekends
    included); adjusted workdays are the weekend days it lists as working days.
    The result is published: it is the official notice.
    """
    import chinese_calendar

    if year not in chinesecalendar_years():
        raise ValidationError(
            "calendar_year_unknown",
            f"内置节假日数据不含{year}年的放假安排。",
            field="year",
            year=year,
        )
    return YearCalendar(
        year=year,
        holidays=frozenset(day for day in chinese_calendar.holidays if day.year == year),
        adjusted_workdays=frozenset(
            day for day in chinese_calendar.workdays if day.year == year and _is_weekend(day)
        ),
        source=CalendarSource.CHINESECALENDAR,
        published=True,
    )


@lru_cache(maxsize=64)
def provisional_year(year: int) -> YearCalendar:
    """``year`` by rule, for when no official arrangement is known (published=False).

    Holidays are the national statutory holidays from the ``holidays`` package
    (元旦, 春节 with 除夕, 清明, 劳动节, 端午, 中秋, 国庆, lunar dates computed) plus
    the make-up day off (补假) the regulations give when a statutory holiday falls
    on a weekend, so the number of working days lost matches the eventual notice.
    Swapped days (调休) are not guessed: no adjusted weekends, and any swapped day
    off the package already knows is left out with them.
    """
    import holidays as holidays_package  # imported here: only rule years need it

    statutory = holidays_package.China(
        years=year, categories=(holidays_package.PUBLIC,), language="en_US"
    )
    return YearCalendar(
        year=year,
        holidays=frozenset(
            day
            for day, name in statutory.items()
            # "Day off (substituted from …)": one half of a 调休 swap.
            if day.year == year and "substituted" not in name.lower()
        ),
        adjusted_workdays=frozenset(),
        source=CalendarSource.RULE,
        published=False,
    )


class WorkingCalendar:
    """Working days across years: the published arrangement where there is one,
    otherwise the year given (unpublished) or computed by rule, flagged provisional."""

    def __init__(self, years: Mapping[int, YearCalendar] | Iterable[YearCalendar] = ()):
        items = years.items() if isinstance(years, Mapping) else ((y.year, y) for y in years)
        self._years: dict[int, YearCalendar] = {}
        for year, calendar in items:
            if calendar.year != year:
                raise ValidationError(
                    "calendar_wrong_year",
                    f"{year}年的位置放入了{calendar.year}年的节假日安排。",
                    field="year",
                )
            self._years[year] = calendar

    @classmethod
    def from_chinesecalendar(cls) -> WorkingCalendar:
        """Every year the installed ``chinesecalendar`` knows, as published years."""
        return cls([year_from_chinesecalendar(year) for year in chinesecalendar_years()])

    @property
    def years(self) -> dict[int, YearCalendar]:
        """The years given (a copy); rule years computed on demand are not included."""
        return dict(self._years)

    def with_year(self, calendar: YearCalendar) -> WorkingCalendar:
        """A new calendar with ``calendar`` replacing its year."""
        return WorkingCalendar({**self._years, calendar.year: calendar})

    def year_calendar(self, year: int) -> YearCalendar:
        """The arrangement used for ``year``: the one given, else the rule year."""
        given = self._years.get(year)
        return given if given is not None else provisional_year(year)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day."""
        return self.year_calendar(day.year).is_working_day(day)

    def is_provisional(self, day: date) -> bool:
        """Whether ``day``'s year has no published arrangement (missing or unpublished).

        A missing year is computed by rule; an unpublished one given (a draft, or a
        rule year) is used as it is. Either way dates counted on it may change.
        """
        given = self._years.get(day.year)
        return given is None or not given.published

    def add_working_days(self, start: date, working_days: int) -> tuple[date, bool]:
        """The ``working_days``-th working day after ``start``, and whether it is provisional.

        The day after ``start`` is the first day examined; 0 gives ``start`` itself (即办件).
        ``provisional`` is True if any day examined lies in a provisional year.
        """
        _check_working_days(working_days, field="working_days")
        day, provisional, counted = start, False, 0
        while counted < working_days:
            day += ONE_DAY
            provisional = provisional or self.is_provisional(day)
            if self.is_working_day(day):
                counted += 1
        return day, provisional

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; negative if end < start.

        It is the inverse of :meth:`add_working_days`: for n >= 1,
        ``working_days_between(d, add_working_days(d, n)[0]) == n``.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count, day = 0, start
        while day < end:
            day += ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count


def _check_working_days(value: object, *, field: str, minimum: int = 0) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValidationError(
            "bad_working_days",
            f"工作日数“{value}”不正确：应为不小于{minimum}的整数。",
            field=field,
            value=value,
        )
    return value


# --- suspensions, extensions and deadlines ---------------------------------------


class SuspensionReason(StrEnum):
    """Why the clock is stopped: the procedures 行政许可法 第四十五条 excludes (听证、招标、
    拍卖、检验、检测、检疫、鉴定、专家评审). 现场核查 is part of the review time (第三十四条)
    and stops the clock only where the matter's legal basis says so (the catalog's
    ``site_inspection_excluded``), which :func:`app.domain.case.check_suspension_reason`
    enforces."""

    SITE_INSPECTION = "site_inspection"
    HEARING = "hearing"
    TESTING = "testing"
    EXPERT_REVIEW = "expert_review"
    QUARANTINE = "quarantine"
    APPRAISAL = "appraisal"
    TENDER = "tender"
    AUCTION = "auction"

    @property
    def label(self) -> str:
        """The Chinese name of the procedure."""
        return {
            "site_inspection": "现场核查",
            "hearing": "听证",
            "testing": "检验检测",
            "expert_review": "专家评审",
            "quarantine": "检疫",
            "appraisal": "鉴定",
            "tender": "招标",
            "auction": "拍卖",
        }[self.value]

    @property
    def needs_written_notice(self) -> bool:
        """A procedure of 行政许可法第四十五条, whose time the organ must tell the applicant
        in writing (特别程序告知书). 现场核查 is not one of them (第三十四条)."""
        return self is not SuspensionReason.SITE_INSPECTION


# The procedures 行政许可法 第四十五条 names, in its order (检验、检测 as one).
STATUTORY_SUSPENSION_REASONS = (
    SuspensionReason.HEARING, SuspensionReason.TENDER, SuspensionReason.AUCTION,
    SuspensionReason.TESTING, SuspensionReason.QUARANTINE, SuspensionReason.APPRAISAL,
    SuspensionReason.EXPERT_REVIEW,
)


@dataclass(frozen=True)
class Suspension:
    """A stop of the clock (中止计时) from ``start`` to ``end`` inclusive; ``end`` is
    None while the procedure is still under way."""

    start: date
    end: date | None
    reason_code: SuspensionReason
    reason: str = ""

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "reason_code", SuspensionReason(self.reason_code))
        except ValueError:
            raise ValidationError(
                "bad_reason",
                f"中止计时原因“{self.reason_code}”无效：只限"
                f"{'、'.join(r.label for r in SuspensionReason)}。",
                field="reason_code",
            ) from None
        if self.end is not None and self.end < self.start:
            raise ValidationError(
                "bad_date",
                f"恢复计时日期{format_chinese_date(self.end)}早于中止开始日期"
                f"{format_chinese_date(self.start)}。",
                field="end",
            )

    @property
    def is_open(self) -> bool:
        """Whether the clock is still stopped."""
        return self.end is None

    def days(self, today: date) -> Iterable[date]:
        """Every calendar day of the suspension; an open one runs up to ``today``."""
        day, last = self.start, self.end or today
        while day <= last:
            yield day
            day += ONE_DAY

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, the shape the case projection keeps."""
        return {
            "reason_code": str(self.reason_code),
            "reason": self.reason,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Suspension:
        """Read a suspension from :meth:`to_dict`'s (or the case projection's) shape."""
        end = data.get("end")
        return cls(
            start=_parse_date(data.get("start"), field="start", label="中止开始日期"),
            end=None if end is None else _parse_date(end, field="end", label="恢复计时日期"),
            reason_code=data.get("reason_code", ""),
            reason=str(data.get("reason") or ""),
        )


@dataclass(frozen=True)
class Extension:
    """An approved extension (延期) of the time limit by ``working_days``."""

    working_days: int
    reason: str
    approved_by: str

    def __post_init__(self) -> None:
        _check_working_days(self.working_days, field="working_days", minimum=1)
        if not self.reason.strip():
            raise ValidationError("required", "请填写延期理由。", field="reason")
        if not self.approved_by.strip():
            raise ValidationError("required", "请填写延期批准人。", field="approved_by")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "working_days": self.working_days,
            "reason": self.reason,
            "approved_by": self.approved_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Extension:
        """Read an extension from :meth:`to_dict`'s (or the case projection's) shape."""
        return cls(
            working_days=_check_working_days(
                data.get("working_days"), field="working_days", minimum=1
            ),
            reason=str(data.get("reason") or ""),
            approved_by=str(data.get("approved_by") or ""),
        )


@dataclass(frozen=True)
class Deadline:
    """When a case is due, and what went into it."""

    due: date
    provisional: bool
    suspended_working_days: int = 0
    extended_working_days: int = 0
    open_suspension: bool = False


def compute_deadline(
    calendar: WorkingCalendar,
    accepted_on: date,
    promised_working_days: int,
    suspensions: Iterable[Suspension] = (),
    extensions: Iterable[Extension] = (),
    *,
    today: date | None = None,
) -> Deadline:
    """The due date of a case accepted on ``accepted_on``.

    Counts ``promised_working_days`` plus every approved extension in working days
    after the acceptance date, skipping the working days on which the clock was
    stopped (each suspension from its start to its end inclusive; an open one up to
    ``today``). ``suspended_working_days`` is how many such days were skipped: a
    suspension recorded after the limit had already run out extends nothing.
    """
    _check_working_days(promised_working_days, field="promised_working_days")
    today = today or date.today()
    suspensions = tuple(suspensions)
    extended = sum(extension.working_days for extension in extensions)
    stopped = {
        day
        for suspension in suspensions
        for day in suspension.days(today)
        if day > accepted_on and calendar.is_working_day(day)
    }
    to_count = promised_working_days + extended
    day, provisional, counted, skipped = accepted_on, False, 0, 0
    while counted < to_count:
        day += ONE_DAY
        provisional = provisional or calendar.is_provisional(day)
        if not calendar.is_working_day(day):
            continue
        if day in stopped:
            skipped += 1
        else:
            counted += 1
    return Deadline(
        due=day,
        provisional=provisional,
        suspended_working_days=skipped,
        extended_working_days=extended,
        open_suspension=any(suspension.is_open for suspension in suspensions),
    )


# --- warnings ------------------------------------------------------------------


class WarningLevel(StrEnum):
    """Deadline warning shown on lists and to the supervisor (电子监察)."""

    NORMAL = "normal"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label(self) -> str:
        """The Chinese name of the level."""
        return {"normal": "正常", "yellow": "黄牌预警", "red": "红牌超期"}[self.value]


def warning_level(
    calendar: WorkingCalendar, deadline_due: date, today: date, *, yellow_working_days: int = 2
) -> WarningLevel:
    """Red once ``today`` is past the due date; yellow when at most ``yellow_working_days``
    working days are left (counting after today up to and including the due date)."""
    _check_working_days(yellow_working_days, field="yellow_working_days")
    if today > deadline_due:
        return WarningLevel.RED
    if calendar.working_days_between(today, deadline_due) <= yellow_working_days:
        return WarningLevel.YELLOW
    return WarningLevel.NORMAL


def yellow_from(calendar: WorkingCalendar, due: date, yellow_working_days: int = 2) -> date:
    """The first day on which :func:`warning_level` says yellow for ``due``.

    That is the (``yellow_working_days`` + 1)-th working day counting back from
    ``due`` (``due`` itself counts if it is a working day): from then on at most
    ``yellow_working_days`` working days are left. A store can keep it in a column
    and filter with ``yellow_from <= today <= due`` without recomputing.
    """
    _check_working_days(yellow_working_days, field="yellow_working_days")
    day, found = due + ONE_DAY, 0
    while found <= yellow_working_days:
        day -= ONE_DAY
        if calendar.is_working_day(day):
            found += 1
    return day
