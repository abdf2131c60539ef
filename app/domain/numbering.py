"""Case numbers (受理编号) and document numbers (文号), made offline without collision.

Both carry the station code, so two stations that never talk to each other can
never produce the same number; the sequence is per station (and per day / year).
"""

from __future__ import annotations

import re
from datetime import date

from app.domain.errors import ValidationError

STATION_CODE_RE = re.compile(r"^[A-Z0-9]{2,12}$")
CASE_NUMBER_RE = re.compile(r"^(?P<station>[A-Z0-9]{2,12})-(?P<day>\d{8})-(?P<seq>\d{4,})$")


def validate_station_code(code: str) -> str:
    """Station codes are 2–12 upper-case letters or digits (they appear in every number)."""
    code = code.strip().upper()
    if not STATION_CODE_RE.match(code):
        raise ValidationError(
            "station.code", "站点代码须为 2–12 位大写字母或数字。", field="station_code"
        )
    return code


def format_case_number(station_code: str, on: date, sequence: int) -> str:
    """``XC01-20261123-0007``: station code, registration date, station's day sequence."""
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return f"{station_code}-{on:%Y%m%d}-{sequence:04d}"


def parse_case_number(number: str) -> tuple[str, date, int] | None:
    """Split a case number into station, date and sequence; None if it is not one."""
    match = CASE_NUMBER_RE.match(number.strip())
    if not match:
        return None
    day = match["day"]
    try:
        on = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None
    return match["station"], on, int(match["seq"])


DEFAULT_DOCUMENT_PATTERN = "〔{year}〕{station}第{seq:04d}号"


def validate_document_pattern(pattern: str) -> str:
    """A 文号 pattern must contain {seq}; {year}, {station} and {dept} are optional."""
    if "{seq" not in pattern:
        raise ValidationError(
            "document_pattern.seq", "文号格式必须包含序号 {seq}。", field="document_number_pattern"
        )
    try:
        format_document_number(pattern, year=2026, station="XC01", department="D", sequence=1)
    except (KeyError, ValueError, IndexError) as exc:
        raise ValidationError(
            "document_pattern.invalid",
            f"文号格式无法使用：{exc}。可用的占位符为 {{year}}、{{station}}、{{dept}}、{{seq}}。",
            field="document_number_pattern",
        ) from exc
    return pattern


def format_document_number(
    pattern: str, *, year: int, station: str, department: str, sequence: int
) -> str:
    """Fill a 文号 pattern such as ``〔{year}〕{station}第{seq:04d}号``."""
    return pattern.format(year=year, station=station, dept=department, seq=sequence)
