"""Invariants of the projection, over random sequences of actions."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.case import Case, apply_event
from app.domain.errors import DomainError
from app.domain.events import Event, EventType
from tests.builders import Clock, event, make_matter, registered

# Candidate actions: each a (type, actor, payload) a clerk or chief might try.
ACTIONS = [
    (EventType.NOTICE_ISSUED, "clerk1", {"missing": [{"name": "经营场所使用证明"}]}),
    (EventType.SUPPLEMENTED, "clerk1", {"received": ["经营场所使用证明"]}),
    (EventType.ACCEPTED, "clerk1", {"accepted_on": "2026-11-23"}),
    (EventType.REJECTED, "clerk1", {"reasons": "不属于本机关职权范围"}),
    (EventType.REVIEWED, "clerk1", {"conforms": True, "opinion": "符合"}),
    (EventType.APPROVED, "chief1", {"opinion": "同意"}),
    (EventType.APPROVED, "clerk1", {"opinion": "同意"}),
    (EventType.DENIED, "chief1", {"opinion": "不同意", "reasons": "不符合条件"}),
    (EventType.SEALED, "chief1", {"document_kind": "approval_decision", "document_number": "N1",
                                  "seal_id": "S", "seal_use_id": "U1", "pdf_sha256": "a"}),
    (EventType.SEALED, "chief1", {"document_kind": "denial_decision", "document_number": "N2",
                                  "seal_id": "S", "seal_use_id": "U2", "pdf_sha256": "b"}),
    (EventType.DELIVERED, "clerk1", {"method": "窗口领取"}),
    (EventType.FORWARDED, "clerk1", {"authority": "县局"}),
    (EventType.FORWARD_RETURNED, "clerk1", {"result": "approved", "opinion": "准予"}),
    (EventType.WITHDRAWN, "clerk1", {"reason": "撤回"}),
    (EventType.SUSPENDED, "clerk1", {"reason_code": "hearing", "start": "2026-11-24"}),
    (EventType.RESUMED, "clerk1", {"end": "2026-11-25"}),
    (EventType.EXTENDED, "chief1", {"working_days": 3, "reason": "复杂"}),
    (EventType.EVALUATED, "clerk1", {"rating": "satisfied", "channel": "qr_code"}),
]


def _registration() -> Event:
    return event(EventType.REGISTERED, number="XC01-20261123-0001",
                 matter=make_matter().to_dict(), applicant={"name": "张三", "kind": "natural"})


def _run(choices: list[int]) -> tuple[Case, list[Event]]:
    clock = Clock()
    first = _registration()
    case = apply_event(None, first)
    accepted_events: list[Event] = [first]
    for index in choices:
        event_type, actor, payload = ACTIONS[index]
        candidate = event(event_type, actor, clock, **payload)
        try:
            case = apply_event(case, candidate)
        except DomainError:
            continue  # refused: the case must be unchanged, which the next step relies on
        accepted_events.append(candidate)
    return case, accepted_events


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(ACTIONS) - 1), max_size=25))
def test_server_replaying_the_wire_form_reaches_the_same_case(choices: list[int]) -> None:
    client_case, events = _run(choices)
    server_case = None
    for original in events:
        # The server sees only the JSON the client pushed.
        wire = Event.from_dict(json.loads(json.dumps(original.to_dict())))
        server_case = apply_event(server_case, wire)
    assert server_case == client_case


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(ACTIONS) - 1), max_size=25))
def test_a_refused_action_never_changes_the_case(choices: list[int]) -> None:
    clock = Clock()
    case = registered(make_matter())
    for index in choices:
        event_type, actor, payload = ACTIONS[index]
        snapshot = repr(case)
        try:
            case = apply_event(case, event(event_type, actor, clock, **payload))
        except DomainError:
            assert repr(case) == snapshot


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(ACTIONS) - 1), max_size=25))
def test_the_reviewer_never_ends_up_as_the_approver(choices: list[int]) -> None:
    case, _ = _run(choices)
    if case.decision and case.review:
        assert case.decision["actor_id"] != case.review["actor_id"]
