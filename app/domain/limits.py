"""Field limits shared by the station's forms and services, the sync server and both
databases' columns: one number for each, so a value typed at the counter always fits
every table it travels to, and a value that does not is refused where it is typed (and,
should it come some other way, per event or record by the server, never as a 500).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.domain.errors import ValidationError

# Lengths, in characters.
ID = 36  # uuids: events, cases, staff, documents
PERSON_NAME = 50  # a staff member's display name; an event's actor_name
USERNAME = 40
WINDOW_NAME = 50
STATION_CODE = 12
STATION_NAME = 100
REFERENCE_KEY = 80  # department and matter codes, staff and seal ids, years
MIME_TYPE = 80
FILE_NAME = 255

# Numbers the 64-bit columns hold (station sequences, cursors, versions, sizes).
MAX_BIGINT = 2**63 - 1

# Nesting of a pushed payload or reference record: the deepest the program makes is a
# handful of levels (a matter's materials, a registered case's applicant).
MAX_JSON_DEPTH = 32

# Device times a station may record: a clock off by years is a broken clock, and the
# UTC value of anything outside these fits neither database nor calendar arithmetic.
EARLIEST_DEVICE_TIME = datetime(2000, 1, 1, tzinfo=UTC)
LATEST_DEVICE_TIME = datetime(2100, 1, 1, tzinfo=UTC)


def too_long(value: str, limit: int, label: str, field: str) -> ValidationError | None:
    """The refusal for ``value`` if it has more than ``limit`` characters, else None."""
    if len(value) <= limit:
        return None
    return ValidationError("too_long", f"{label}过长：最多{limit}个字，实为{len(value)}个字。",
                           field=field, limit=limit)


def check_length(value: str, limit: int, label: str, field: str) -> str:
    """``value``, or a ValidationError (code ``too_long``) naming the limit."""
    error = too_long(value, limit, label, field)
    if error is not None:
        raise error
    return value


def json_depth(data: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """How deeply ``data`` nests (a scalar is 0), counted without recursion and only up
    to ``limit + 1``: enough to tell whether it is too deep."""
    if not isinstance(data, (dict, list)):
        return 0
    deepest = 0
    # Only containers go on the stack: a payload is mostly scalars.
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        for child in (value.values() if isinstance(value, dict) else value):
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return deepest


def device_time_in_range(moment: datetime) -> bool:
    return EARLIEST_DEVICE_TIME <= moment < LATEST_DEVICE_TIME
