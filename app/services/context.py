"""What every use case needs to know about who is acting, where and when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from app.domain.calendar import LOCAL_ZONE
from app.domain.case import Actor
from app.domain.roles import Role

# China has one time zone and no daylight saving; dates on documents are local dates.
CHINA_TZ = LOCAL_ZONE


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_date(moment: datetime) -> date:
    """The calendar date at the counter for an aware moment."""
    return moment.astimezone(CHINA_TZ).date()


@dataclass(frozen=True)
class CurrentUser:
    """The logged-in staff member, as the services see them."""

    id: str
    username: str
    display_name: str
    roles: frozenset[Role]
    station: str
    department_code: str = ""
    window_name: str = ""
    deputy_for_departments: frozenset[str] = field(default_factory=frozenset)

    def actor(self) -> Actor:
        return Actor(
            id=self.id,
            name=self.display_name,
            roles=self.roles,
            department_code=self.department_code,
            station=self.station,
            deputy_for_departments=self.deputy_for_departments,
        )

    @property
    def role_labels(self) -> str:
        return "、".join(r.label for r in sorted(self.roles))
