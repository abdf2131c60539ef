"""代办 hand-overs (陕西 第二十三条 to 第二十九条): the villager's materials travel
village → township → county and back, each hand-over recorded by the station that hands
them over, with who gave, who received, when, and each item's originals counted by both
(given, received) and its copies. The domain traces any missing original to the leg or
the holder where it went missing (``domain.case.custody_losses``); a hand-over naming
the receiving station brings the case into that station's scope on the county server.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.domain.case import Case, custody_losses
from app.domain.events import EventType
from app.services.cases import record_case_event
from app.services.context import CurrentUser
from app.store.unit_of_work import UnitOfWorkFactory


def hand_over(
    uow_factory: UnitOfWorkFactory, user: CurrentUser, case_id: str, *, leg: str, giver: str,
    receiver: str, items: list[dict[str, Any]], to_station: str = "",
    now: datetime | None = None,
) -> Case:
    """Record one hand-over of the case's materials (``items``: name, originals_given,
    originals_received, copies)."""
    payload = {"leg": leg, "giver": giver, "receiver": receiver, "to_station": to_station,
               "items": items}
    return record_case_event(uow_factory, user, case_id, EventType.HANDED_OVER, payload,
                             now=now)


def losses(case: Case) -> list[dict[str, Any]]:
    """The originals missing along the case's chain of custody, each with where."""
    return custody_losses(case)
