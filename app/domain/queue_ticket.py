"""Queue numbers (排队号) of the hall's ticket system, as they are kept on a case."""

from __future__ import annotations

import re

from app.domain.errors import ValidationError

TICKET_RE = re.compile(r"^[A-Z0-9-]{1,12}$")


def check_queue_ticket(value: str) -> str:
    """A queue number as the hall's system prints it ("A023"), normalized; refuses others."""
    ticket = "".join(str(value).split()).upper()
    if not TICKET_RE.match(ticket):
        raise ValidationError("bad_queue_ticket", f"排队号“{value}”格式不正确。",
                              field="queue_ticket")
    return ticket
