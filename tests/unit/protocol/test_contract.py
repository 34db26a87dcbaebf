"""The wire contract: sample payloads validate, round-trip, and strictness holds."""

import json
import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError

import protocol
from protocol.events import dump_event
from protocol.schema import write_schemas

SAMPLES = Path(protocol.__file__).parent / "samples"


def _sample(name: str) -> dict[str, object]:
    value: dict[str, object] = json.loads((SAMPLES / name).read_text())
    return value


EVENT_SAMPLES = sorted(p.name for p in SAMPLES.glob("*.json") if p.name != "agent-status.json")


def test_every_event_type_has_a_sample() -> None:
    types = {json.loads((SAMPLES / name).read_text())["type"] for name in EVENT_SAMPLES}
    assert types == {t.value for t in protocol.EventType}


@pytest.mark.parametrize("name", EVENT_SAMPLES)
def test_sample_events_round_trip(name: str) -> None:
    event = protocol.parse_event((SAMPLES / name).read_bytes())
    assert type(event) is protocol.EVENT_CLASSES[event.type]
    again = protocol.parse_event(dump_event(event))
    assert again == event
    assert len(dump_event(event)) < protocol.MAX_PAYLOAD_BYTES


def test_fall_sample_is_typed() -> None:
    event = protocol.parse_event((SAMPLES / "fall-start.json").read_bytes())
    assert isinstance(event, protocol.FallEvent)
    assert event.data.track_id == 3
    assert event.ts.utcoffset() is not None


def test_status_sample_validates() -> None:
    status = protocol.AgentStatus.model_validate_json((SAMPLES / "agent-status.json").read_text())
    assert status.state is protocol.AgentState.ONLINE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "Extra inputs are not permitted"),
        ({"schema": "ambient.event/2"}, "ambient.event/1"),
        ({"event_id": str(uuid.uuid4())}, "UUIDv7"),
        ({"type": "teleport"}, "does not match any of the expected tags"),
        ({"room": "Mr Smith"}, "should match pattern"),
        ({"ts": "2026-01-01T03:12:07"}, "timezone"),
        ({"confidence": 1.5}, "less than or equal to 1"),
    ],
)
def test_invalid_events_are_rejected(change: dict[str, object], message: str) -> None:
    payload = _sample("fall-start.json") | change
    with pytest.raises(ValidationError, match=message):
        protocol.parse_event(json.dumps(payload))


def test_unknown_field_inside_data_is_rejected() -> None:
    payload = _sample("fall-start.json")
    payload["data"] = {"on_floor_s": 0, "track_id": 1, "height_m": 0.4, "image": "..."}
    with pytest.raises(ValidationError, match="Extra inputs"):
        protocol.parse_event(json.dumps(payload))


def test_data_must_match_the_type() -> None:
    payload = _sample("fall-start.json") | {"type": "occupancy"}
    with pytest.raises(ValidationError):
        protocol.parse_event(json.dumps(payload))


def test_uuid7_is_time_ordered_and_carries_time() -> None:
    ids = [protocol.new_uuid7(1_767_236_000_000) for _ in range(5000)]
    assert ids == sorted(ids, key=lambda u: u.int)
    assert len(set(ids)) == len(ids)
    assert all(i.version == 7 for i in ids)
    assert protocol.uuid7_time(ids[0]) == pytest.approx(1_767_236_000.0, abs=0.01)


def test_topics_build_and_parse() -> None:
    topic = protocol.event_topic("stmarys", "edge-412", "fall")
    assert topic == "ambient/v1/stmarys/agents/edge-412/events/fall"
    parsed = protocol.parse_agent_topic(topic)
    assert (parsed.site, parsed.agent_id, parsed.kind, parsed.name) == (
        "stmarys",
        "edge-412",
        "events",
        "fall",
    )
    status = protocol.parse_agent_topic(protocol.agent_status_topic("stmarys", "edge-412"))
    assert status.kind == "status"
    assert protocol.events_subscription().startswith("$share/")


@pytest.mark.parametrize(
    "topic",
    [
        "ambient/v2/s/agents/a/events/fall",
        "ambient/v1/s/agents/a/events",
        "ambient/v1/s/agents/a/photos/x",
        "ambient/v1/s/agents/a b/events/fall",
        "other/v1/s/agents/a/status",
    ],
)
def test_foreign_topics_are_refused(topic: str) -> None:
    with pytest.raises(protocol.TopicError):
        protocol.parse_agent_topic(topic)


def test_builders_refuse_ids_that_would_change_the_topic() -> None:
    with pytest.raises(protocol.TopicError):
        protocol.event_topic("site", "agent/../other", "fall")
    with pytest.raises(protocol.TopicError):
        protocol.event_topic("site", "agent", "#")


def test_schema_export_writes_valid_json_schema(tmp_path: Path) -> None:
    paths = write_schemas(tmp_path)
    names = sorted(p.name for p in paths)
    assert names == [
        "agent-status.schema.json",
        "aggregator-status.schema.json",
        "event.schema.json",
    ]
    event_schema = json.loads((tmp_path / "event.schema.json").read_text())
    assert "fall" in json.dumps(event_schema["discriminator"])


def test_status_carries_the_clock_skew_and_leaves_it_out_while_unknown() -> None:
    """Old statuses stay valid; an unknown skew is not on the wire, so an aggregator that
    predates the field still reads the status."""
    old = (SAMPLES / "agent-status.json").read_bytes()
    status = protocol.AgentStatus.model_validate_json(old)
    assert status.clock_skew_s is None
    assert "clock_skew_s" not in json.loads(status.model_dump_json(by_alias=True))
    skewed = status.model_copy(update={"clock_skew_s": -2.5})
    wire = skewed.model_dump_json(by_alias=True)
    assert json.loads(wire)["clock_skew_s"] == -2.5
    assert protocol.AgentStatus.model_validate_json(wire) == skewed
    with pytest.raises(ValidationError):
        protocol.AgentStatus.model_validate_json(wire.replace("-2.5", "1e300"))
