"""The short cuts the pull path takes to an event's texts give exactly the long way's."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.audit import canonical_json, one_shot_encoder
from app.domain.events import Event, EventType
from app.services.recording import event_audit_text

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8))]),
)
events = st.builds(
    Event,
    case_id=st.uuids().map(str),
    type=st.sampled_from(EventType),
    actor_id=st.text(),
    actor_name=st.text(),
    station=st.text(),
    device_time=times,
    payload=st.dictionaries(st.text(), json_values, max_size=5),
    id=st.uuids().map(str),
)


@given(events)
def test_canonical_text_is_canonical_json_of_the_wire_form(event: Event) -> None:
    assert event.canonical() == canonical_json(event.to_dict())


@given(events)
def test_canonical_text_made_around_a_given_payload_text_is_the_same(event: Event) -> None:
    payload_text = canonical_json(event.payload)
    assert event.canonical(payload_text=payload_text) == event.canonical()


@given(events)
def test_audit_text_of_an_event_is_canonical_json_of_its_audit_body(event: Event) -> None:
    assert event_audit_text(event) == canonical_json({"kind": "event", "event": event.to_dict()})


def test_canonical_text_of_an_event_with_odd_field_types_is_still_canonical_json() -> None:
    event = Event(case_id=str(uuid.uuid4()), type=EventType.ACCEPTED, actor_id=7,  # type: ignore[arg-type]
                  actor_name="王\"五\n", station="XC01", device_time=datetime.now(UTC),
                  payload={"b": [1.5, None], "a": "受理"})
    assert event.canonical() == canonical_json(event.to_dict())


def test_canonical_json_is_the_sorted_compact_utf8_form() -> None:
    data: dict[str, Any] = {"z": [1, 2.5, None, True], "a": {"乙": "文本", "甲": "\u2028\""}}
    assert canonical_json(data) == json.dumps(data, ensure_ascii=False, sort_keys=True,
                                              separators=(",", ":"))


@pytest.mark.parametrize("text", [
    "6F1C2A4E-0000-4000-8000-000000000001",
    "{6f1c2a4e-0000-4000-8000-000000000001}",
    "urn:uuid:6f1c2a4e-0000-4000-8000-000000000001",
    "6f1c2a4e000040008000000000000001",
    "6f1c2a4e-0000-4000-8000-000000000001",
])
def test_event_ids_are_read_in_their_standard_text_however_written(text: str) -> None:
    data = Event(case_id=text, type=EventType.ACCEPTED, actor_id="a", actor_name="",
                 station="XC01", device_time=datetime.now(UTC), id=text).to_dict()
    parsed = Event.from_dict(data)
    assert parsed.id == parsed.case_id == str(uuid.UUID(text))


@pytest.mark.parametrize("text", ["6f1c2a4e-0000-4000-8000-00000000000", "not-a-uuid",
                                  "6f1c2a4e-0000-4000-8000-000000000001\n"])
def test_an_event_id_that_is_no_uuid_is_refused(text: str) -> None:
    data = Event(case_id=str(uuid.uuid4()), type=EventType.ACCEPTED, actor_id="a",
                 actor_name="", station="XC01", device_time=datetime.now(UTC), id=text).to_dict()
    with pytest.raises(ValueError):
        Event.from_dict(data)


# The encoders the pull path makes once: the canonical one and ``json.dumps``'s defaults
# (the JSON column's serializer).
encoders = [
    json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")),
    json.JSONEncoder(),
]


@pytest.mark.parametrize("encoder", encoders)
@given(value=json_values | st.floats())
def test_an_encoder_made_once_writes_what_the_encoder_writes(
    encoder: json.JSONEncoder, value: Any
) -> None:
    assert one_shot_encoder(encoder)(value) == encoder.encode(value)


@pytest.mark.parametrize("encoder", encoders)
def test_an_encoder_made_once_refuses_what_json_cannot_hold(encoder: json.JSONEncoder) -> None:
    with pytest.raises(TypeError):
        one_shot_encoder(encoder)({"a": [object()]})


def test_an_event_of_an_unknown_type_is_refused() -> None:
    data = Event(case_id=str(uuid.uuid4()), type=EventType.ACCEPTED, actor_id="a",
                 actor_name="", station="XC01", device_time=datetime.now(UTC)).to_dict()
    for unknown in ("ACCEPTED", "unknown", 7, None):
        with pytest.raises(ValueError):
            Event.from_dict({**data, "type": unknown})
