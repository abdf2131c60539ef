"""AB岗 and 顶岗补位 (陕西 第十条、第二十二条): who covers a window while its officer is away.

Each window names its A岗 (its own officer) and B岗 (the backup, usually an officer of
another window). While A has a recorded absence on a local day, B works A's queue and
every event B writes on a case of A's window that day says so (``acting_for``).
Pure rules, shared by the services and the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

# Kinds of recorded absence, as the hall's 考勤 names them.
ABSENCE_KINDS = ("请假", "公出", "培训", "会议", "其他")
# The longest single absence one record may cover; longer ones are a staff change.
MAX_ABSENCE_DAYS = 180


@dataclass(frozen=True)
class AbsencePeriod:
    """A recorded absence as far as covering goes: whose, and which local days."""

    staff_id: str
    first_day: date
    last_day: date  # inclusive; an absence ended early has its last day moved back
    cancelled: bool = False

    def covers(self, day: date) -> bool:
        return not self.cancelled and self.first_day <= day <= self.last_day


def absent_on(absences: Iterable[AbsencePeriod], staff_id: str, day: date) -> bool:
    """Whether ``staff_id`` has a recorded absence covering local ``day``."""
    return any(a.staff_id == staff_id and a.covers(day) for a in absences)


def acting_for_mark(*, window_name: str, a_staff_id: str, a_staff_name: str) -> dict[str, Any]:
    """The ``acting_for`` field of an event B writes on a case of A's window."""
    return {"staff_id": a_staff_id, "staff_name": a_staff_name, "window_name": window_name,
            "post": "A"}


def acting_for_text(actor_name: str, acting_for: Any) -> str:
    """"（B姓名顶岗代A姓名）" for a timeline line, or "" without a mark."""
    if not isinstance(acting_for, dict) or not acting_for.get("staff_name"):
        return ""
    return f"（{actor_name}顶岗代{acting_for['staff_name']}）"


def absence_period_from_dict(staff_id: str, data: dict[str, Any]) -> AbsencePeriod:
    """An absence as the staff record carries it (``first_day``/``last_day`` ISO days)."""
    return AbsencePeriod(
        staff_id=staff_id, first_day=date.fromisoformat(str(data["first_day"])),
        last_day=date.fromisoformat(str(data["last_day"])),
        cancelled=bool(data.get("cancelled_at")),
    )


def acting_for_holds(acting_for: Any, *, actor_id: str, a_record: dict[str, Any] | None,
                     day: date) -> bool:
    """Whether an event's ``acting_for`` mark agrees with A's staff record (as sync
    carries it): the actor is B of A's window and A has an absence covering ``day``."""
    if not isinstance(acting_for, dict) or not a_record:
        return False
    post = a_record.get("ab_post") or {}
    if (post.get("b_staff_id") != actor_id
            or post.get("window_name") != acting_for.get("window_name")):
        return False
    staff_id = str(a_record.get("id", ""))
    try:
        periods = [absence_period_from_dict(staff_id, a)
                   for a in a_record.get("absences") or []]
    except (KeyError, ValueError):
        return False
    return absent_on(periods, staff_id, day)
