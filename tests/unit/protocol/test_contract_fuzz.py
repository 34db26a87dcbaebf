"""Property tests of the wire contract: whatever arrives either validates or is a
`ValidationError`, and whatever validates goes back on the wire as the same event.

The events come from strategies read off the models (`strategies.py`); the hostile inputs are
those events with one field broken, and arbitrary bytes. Budget: the hypothesis profile
(``ci`` by default, ``HYPOTHESIS_PROFILE=long`` for the long run; see CONTRIBUTING.md).
"""

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

import protocol
from protocol import (
    EVENT_CLASSES,
    MAX_PAYLOAD_BYTES,
    AgentStatus,
    AnyEvent,
    MobilityDayEvent,
    dump_event,
    parse_event,
    uuid7_time,
)
from tests.unit.protocol.strategies import (
    Json,
    mutated,
    wire_events,
    wire_statuses,
)

_status: TypeAdapter[AgentStatus] = TypeAdapter(AgentStatus)


def _payload(wire: dict[str, Json]) -> bytes:
    return json.dumps(wire).encode()


def _parse_or_invalid(payload: bytes | str) -> AnyEvent | None:
    """The event, or None for a ValidationError; any other exception fails the test."""
    try:
        return parse_event(payload)
    except ValidationError:
        return None


def _assert_round_trips(event: AnyEvent) -> None:
    wire = dump_event(event)
    again = parse_event(wire)
    assert again == event
    assert dump_event(again) == wire


@given(wire_events())
def test_every_valid_event_parses_to_its_type_and_round_trips(wire: dict[str, Json]) -> None:
    event = parse_event(_payload(wire))
    assert type(event) is EVENT_CLASSES[event.type]
    assert event.ts.utcoffset() == timedelta(0) == event.sent_ts.utcoffset()
    assert event.event_id.version == 7 and uuid7_time(event.event_id) >= 0
    _assert_round_trips(event)


@given(wire_events())
def test_the_python_and_json_parsers_agree(wire: dict[str, Json]) -> None:
    from_json = parse_event(_payload(wire))
    from_python = EVENT_CLASSES[from_json.type].model_validate(wire)
    assert from_python == from_json


@given(mutated(wire_events()))
def test_a_broken_event_is_a_validation_error_or_still_round_trips(wire: dict[str, Json]) -> None:
    event = _parse_or_invalid(_payload(wire))
    if event is not None:
        _assert_round_trips(event)


@given(st.binary(max_size=MAX_PAYLOAD_BYTES) | st.text(max_size=200))
def test_arbitrary_bytes_are_a_validation_error_not_a_crash(payload: bytes | str) -> None:
    _parse_or_invalid(payload)


@given(st.recursive(st.none() | st.booleans() | st.floats() | st.text(), st.lists, max_leaves=8))
def test_arbitrary_json_is_a_validation_error_not_a_crash(value: Json) -> None:
    assert _parse_or_invalid(json.dumps(value)) is None


@given(wire_statuses())
def test_every_valid_status_round_trips(wire: dict[str, Json]) -> None:
    status = _status.validate_json(_payload(wire))
    again = _status.validate_json(status.model_dump_json(by_alias=True))
    assert again == status


@given(mutated(wire_statuses()))
def test_a_broken_status_is_a_validation_error_or_still_round_trips(wire: dict[str, Json]) -> None:
    try:
        status = _status.validate_json(_payload(wire))
    except ValidationError:
        return
    assert _status.validate_json(status.model_dump_json(by_alias=True)) == status


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e999"])
@pytest.mark.parametrize(
    ("kind", "field"),
    [("fall", "on_floor_s"), ("activity", "duration_s"), ("no_motion", "still_s")],
)
def test_a_number_that_is_not_finite_is_rejected(kind: str, field: str, number: str) -> None:
    """Found by the round-trip property: ``Infinity`` (or ``1e999``) validated, and was written
    back as ``null``, which the contract rejects: an event the aggregator accepted could not be
    read again, and an infinite duration reached the roll-ups."""
    wire = _sample(kind)
    data: dict[str, Any] = wire["data"]
    payload = json.dumps(wire).replace(
        f'"{field}": {json.dumps(data[field])}', f'"{field}": {number}'
    )
    assert number in payload
    with pytest.raises(ValidationError, match="finite number"):
        parse_event(payload)


def _sample(kind: str) -> dict[str, Any]:
    for path in sorted((Path(protocol.__file__).parent / "samples").glob("*.json")):
        wire: dict[str, Any] = json.loads(path.read_text())
        if wire.get("type") == kind:
            return wire
    raise LookupError(kind)


@pytest.mark.parametrize(
    "day", ["2026-13-45", "2026-02-30", "0000-01-01", "\u0662\u0660\u0662\u0666-01-01"]
)
def test_a_mobility_day_that_is_not_a_calendar_day_is_rejected(day: str) -> None:
    """Found by folding accepted events into the roll-ups: `2026-13-45` matched the pattern
    and was accepted at ingest, though no reader can count it (the roll-ups raised on it, and
    now refuse it); the contract refuses it, so it is dead-lettered with its reason."""
    wire = _sample("mobility_day")
    with pytest.raises(ValidationError, match="day"):
        parse_event(json.dumps(wire | {"data": wire["data"] | {"day": day}}))
    leap = parse_event(json.dumps(wire | {"data": wire["data"] | {"day": "2024-02-29"}}))
    assert isinstance(leap, MobilityDayEvent) and leap.data.day == "2024-02-29"
