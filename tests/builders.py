"""Small builders for domain objects used across tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from app.domain.case import Case, apply_event
from app.domain.catalog import CaseType, FeeItem, MaterialForm, Matter, RequiredMaterial
from app.domain.events import Event, EventType

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CASE_ID = "6f1c2a4e-0000-4000-8000-000000000001"


def make_matter(**overrides: Any) -> Matter:
    values: dict[str, Any] = dict(
        code="M001",
        name="个体工商户登记",
        department_code="SCJ",
        department_name="县市场监督管理局",
        case_type=CaseType.PROMISED,
        statutory_working_days=15,
        promised_working_days=3,
        legal_basis="《促进个体工商户发展条例》",
        materials=(
            RequiredMaterial("A", "个体工商户登记申请书", MaterialForm.ORIGINAL, 1),
            RequiredMaterial("B", "经营者身份证明", MaterialForm.COPY, 1),
            RequiredMaterial("C", "经营场所使用证明", MaterialForm.COPY, 1),
        ),
        fee_items=(FeeItem("F1", "登记费", 0 + 5000, "财政部批复"),),
    )
    values.update(overrides)
    return Matter(**values)


class Clock:
    """Hands out increasing device times."""

    def __init__(self) -> None:
        self.now = T0

    def tick(self) -> datetime:
        self.now += timedelta(minutes=5)
        return self.now


def event(
    event_type: EventType, actor: str = "clerk1", clock: Clock | None = None, **payload: Any
) -> Event:
    when = clock.tick() if clock else T0
    return Event(
        case_id=CASE_ID,
        type=event_type,
        actor_id=actor,
        actor_name=actor,
        station="XC01",
        device_time=when,
        payload=payload,
    )


def registered(matter: Matter | None = None, **payload: Any) -> Case:
    matter = matter or make_matter()
    return apply_event(
        None,
        event(
            EventType.REGISTERED,
            number="XC01-20261123-0001",
            matter=matter.to_dict(),
            applicant={"name": "张三", "kind": "natural"},
            **payload,
        ),
    )


def accepted(matter: Matter | None = None) -> Case:
    case = registered(matter)
    return apply_event(case, event(EventType.ACCEPTED, accepted_on="2026-11-23"))


def reviewed(matter: Matter | None = None, reviewer: str = "clerk1") -> Case:
    case = accepted(matter)
    return apply_event(
        case,
        event(
            EventType.REVIEWED,
            actor=reviewer,
            conforms=True,
            opinion="材料齐全，符合法定形式。",
            site_inspection_done=True,
            site_inspection_result="经营场所属实",
        ),
    )
