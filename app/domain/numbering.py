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


# -- 文号 (GB/T 9704-2012 7.2.4) ------------------------------------------------------
#
# 发文字号 = 机关代字 + 年份 + 发文顺序号: "清市监许〔2026〕6号". The year is in full, in
# 六角括号〔〕; the number has no 虚位 (no zero padding) and no "第". One sequence runs per
# department, document kind and year.
#
# Offline collision-freedom: the department names one numbering station (编号站点, the
# county centre where its window sits); numbers made there are plain. Any other station
# numbering offline for the department puts its station code after the 机关代字
# ("清市监XZ02受〔2026〕3号"), so two stations can never print the same 文号 while the
# sequence stays a plain number, as a legal officer's 发文登记 expects.

DEFAULT_DOCUMENT_PATTERN = "{prefix}{kind}〔{year}〕{seq}号"

# 文种代字 by document kind value; a department may override any of them.
DEFAULT_KIND_CODES: dict[str, str] = {
    "receipt": "收",
    "one_time_notice": "补",
    "acceptance_notice": "受",
    "rejection_notice": "不受",
    "approval_decision": "许",
    "denial_decision": "不许",
    "result_notice": "结",
    "refusal_notice": "不办",
    "extension_notice": "延",
    "special_procedure_notice": "特",
    "delivery_receipt": "送",
    "tolerance_notice": "容",
    "notification_promise": "承",
    "joint_inspection_record": "勘",
}

_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_PLACEHOLDERS = ("prefix", "kind", "year", "seq")
KIND_CODE_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z]{1,6}$")
PREFIX_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]{1,12}$")


def _pattern_error(code: str, message: str) -> ValidationError:
    return ValidationError(f"document_pattern.{code}", message, field="document_number_pattern")


def validate_document_pattern(pattern: str) -> str:
    """Check a 文号 pattern against GB/T 9704 7.2.4; returns it stripped.

    It must read ``…{prefix}…{kind}…〔{year}〕{seq}号``: the 机关代字 and the 文种代字 before
    the year (one sequence per kind, so the kind must show), the year in 六角括号, the
    bare sequence number last, no "第" and no zero padding.
    """
    pattern = pattern.strip()
    names = _PLACEHOLDER_RE.findall(pattern)
    unknown = [n for n in names if n.split(":")[0] not in _PLACEHOLDERS]
    if unknown:
        raise _pattern_error(
            "unknown",
            f"文号格式中有无法识别的占位符“{{{unknown[0]}}}”。"
            "可用的占位符为 {prefix}（机关代字）、{kind}（文种代字）、{year}（年份）、{seq}（序号）。",
        )
    if any(":" in n for n in names):
        raise _pattern_error(
            "padding", "文号的发文顺序号不编虚位（如“6号”而不是“0006号”），请写作 {seq}。"
        )
    for name in _PLACEHOLDERS:
        if names.count(name) != 1:
            raise _pattern_error(
                "missing",
                f"文号格式须包含且只包含一次 {{{name}}}，例如 {DEFAULT_DOCUMENT_PATTERN}。",
            )
    if "第" in pattern:
        raise _pattern_error("di", "文号的发文顺序号前不加“第”字（GB/T 9704—2012 7.2.4）。")
    if "〔{year}〕" not in pattern:
        raise _pattern_error("brackets", "文号的年份须用六角括号括入：〔{year}〕。")
    if not pattern.endswith("〔{year}〕{seq}号"):
        raise _pattern_error("order", "文号须以“〔{year}〕{seq}号”结尾：年份后紧接序号和“号”。")
    head = pattern[: pattern.index("〔{year}〕")]
    if head.index("{prefix}") > head.index("{kind}"):
        raise _pattern_error("order", "机关代字 {prefix} 须在文种代字 {kind} 之前。")
    return pattern


def validate_document_prefix(prefix: str) -> str:
    """机关代字: 1–12 characters, no brackets or spaces (e.g. 清市监)."""
    prefix = prefix.strip()
    if not PREFIX_RE.match(prefix):
        raise ValidationError(
            "document_prefix.invalid",
            "机关代字须为1至12个汉字、字母或数字，例如“清市监”。",
            field="document_prefix",
        )
    return prefix


def validate_kind_codes(codes: dict[str, str]) -> dict[str, str]:
    """文种代字 overrides: 1–6 characters each, distinct from each other's effective code."""
    cleaned = {kind: code.strip() for kind, code in codes.items() if code.strip()}
    for code in cleaned.values():
        if not KIND_CODE_RE.match(code):
            raise ValidationError(
                "kind_code.invalid", f"文种代字“{code}”须为1至6个汉字或字母。", field="kind_codes"
            )
    effective = {**DEFAULT_KIND_CODES, **cleaned}
    seen: dict[str, str] = {}
    for kind, code in effective.items():
        if code in seen:
            raise ValidationError(
                "kind_code.duplicate",
                f"文种代字“{code}”被两种文书同时使用，两种文书的文号会相同。",
                field="kind_codes",
            )
        seen[code] = kind
    return cleaned


def kind_code(kind: str, overrides: dict[str, str], *, fallback_label: str = "") -> str:
    """The 文种代字 of a document kind: the department's, else the default.

    A kind without a default (added later) takes the first two characters of its title.
    """
    return overrides.get(kind) or DEFAULT_KIND_CODES.get(kind) or fallback_label[:2] or kind


def format_document_number(
    pattern: str, *, prefix: str, kind: str, year: int, sequence: int, station: str = ""
) -> str:
    """Fill a 文号 pattern: ``清市监许〔2026〕6号``.

    ``station`` is the station segment (empty at the department's numbering station); it
    follows the 机关代字.
    """
    if sequence < 1:
        raise ValueError("sequence starts at 1")
    return pattern.format(prefix=f"{prefix}{station}", kind=kind, year=year, seq=sequence)


def preview_document_number(
    pattern: str, prefix: str, *, kind: str = "approval_decision", year: int = 2026,
    sequence: int = 6, overrides: dict[str, str] | None = None,
) -> str:
    """What a pattern prints, for the administrator's form (validates first)."""
    validate_document_pattern(pattern)
    validate_document_prefix(prefix)
    return format_document_number(
        pattern, prefix=prefix.strip(), kind=kind_code(kind, overrides or {}), year=year,
        sequence=sequence,
    )


def upgrade_legacy_pattern(pattern: str, prefix: str = "") -> tuple[str, str]:
    """A pattern from before GB/T 9704 numbering (``清市监〔{year}〕{station}第{seq:04d}号``)
    becomes the standard one, keeping its 机关代字 (the text before the year)."""
    try:
        return validate_document_pattern(pattern), prefix
    except ValidationError:
        head = pattern.split("〔", 1)[0] if "〔" in pattern else ""
        head = head if "{" not in head else ""
        return DEFAULT_DOCUMENT_PATTERN, prefix or head
