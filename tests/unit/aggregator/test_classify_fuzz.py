"""Property tests of ingest's `classify`: it never raises, whatever the topic and payload; it
accepts or dead-letters with a reason; what it accepts parses and belongs to its topic.

A validator that raises instead of rejecting stops ingest (issue 11, finding 1: one event
halted all ingest for good), so this is fuzzed with arbitrary bytes and topics, with valid
payloads on the wrong topics, and with valid payloads broken one field at a time.
"""

import json

from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from aggregator.ingest.validate import Accepted, DeadReason, Rejected, classify
from protocol import (
    MAX_PAYLOAD_BYTES,
    TOPIC_ROOT,
    AgentStatus,
    EventType,
    agent_status_topic,
    event_topic,
    parse_event,
)
from tests.unit.protocol.strategies import (
    Json,
    mutated,
    wire_events,
    wire_statuses,
)

_status: TypeAdapter[AgentStatus] = TypeAdapter(AgentStatus)

IDS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,8}", fullmatch=True)
SEGMENTS = IDS | st.sampled_from(["", "+", "#", "agents", "events", "status", "x\n", "\x00"])
SEGMENTS |= st.text(max_size=10)
MAX_BYTES = st.sampled_from([MAX_PAYLOAD_BYTES, 4 * MAX_PAYLOAD_BYTES]) | st.integers(
    0, 2 * MAX_PAYLOAD_BYTES
)
"""Mostly the real limits, so most payloads get past the size check to the interesting ones."""
WIRE = st.sampled_from([wire_events(), wire_statuses()]).flatmap(lambda kind: kind)
"""Events and statuses half and half (a plain `|` would give a status one time in ten)."""


@st.composite
def agent_topics(draw: st.DrawFn) -> str:
    """Topics shaped like the contract's, with any segment possibly wrong."""
    site, agent = draw(SEGMENTS), draw(SEGMENTS)
    tail = draw(
        st.sampled_from([["status"], ["state", "x"], ["cmd", "x"], []])
        | st.lists(SEGMENTS, max_size=3)
        | st.sampled_from(list(EventType)).map(lambda t: ["events", t.value])
    )
    return "/".join([TOPIC_ROOT, site, draw(st.sampled_from(["agents", "agent"])), agent, *tail])


def _bytes(wire: Json) -> bytes:
    return json.dumps(wire).encode()


@st.composite
def messages(draw: st.DrawFn) -> tuple[str, bytes]:
    """A topic and a payload: valid, broken, on its own topic, on another, or noise."""
    wire = draw(WIRE)
    is_event = "type" in wire
    own_topic = (
        event_topic(wire["site"], wire["agent_id"], wire["type"])
        if is_event
        else agent_status_topic(wire["site"], wire["agent_id"])
    )
    topics = {
        "own": st.just(own_topic),
        "another agent's": st.tuples(IDS, IDS, st.sampled_from(list(EventType))).map(
            lambda t: event_topic(*t) if is_event else agent_status_topic(t[0], t[1])
        ),
        "shaped": agent_topics(),
        "noise": st.text(max_size=60),
    }
    payloads = {
        "valid": st.just(_bytes(wire)),
        "broken": mutated(st.just(wire)).map(_bytes),
        "cut": st.integers(0, 40).map(lambda n: _bytes(wire)[:n]),
        "noise": st.binary(max_size=64),
    }
    weights = ["own", "own", "own", "another agent's", "shaped", "noise"]
    topic = draw(topics[draw(st.sampled_from(weights))])
    payload = draw(
        payloads[draw(st.sampled_from(["valid", "valid", "broken", "broken", "cut", "noise"]))]
    )
    return topic, payload


def _check_verdict(topic: str, payload: bytes, max_bytes: int) -> Accepted | Rejected:
    verdict = classify(topic, payload, max_bytes)
    assert isinstance(verdict, Accepted | Rejected), verdict
    if isinstance(verdict, Rejected):
        assert isinstance(verdict.reason, DeadReason)
        assert isinstance(verdict.detail, str) and 0 < len(verdict.detail) <= 200
        return verdict
    assert len(payload) <= max_bytes and verdict.payload == payload
    parts = topic.split("/")
    if verdict.kind == "event":
        event = parse_event(payload)
        assert (event.site, event.agent_id, event.type.value) == (parts[2], parts[4], parts[6])
        assert (verdict.partition.site, verdict.partition.unit) == (event.site, event.unit)
        assert verdict.dedupe_id == str(event.event_id)
    else:
        status = _status.validate_json(payload)
        assert (status.site, status.agent_id, parts[5:]) == (parts[2], parts[4], ["status"])
        assert (verdict.partition.site, verdict.partition.unit) == (status.site, status.unit)
    return verdict


@given(st.text(max_size=80) | agent_topics(), st.binary(max_size=256), MAX_BYTES)
def test_noise_is_dead_lettered_with_a_reason_never_raised(
    topic: str, payload: bytes, max_bytes: int
) -> None:
    _check_verdict(topic, payload, max_bytes)


@given(messages(), MAX_BYTES)
def test_what_is_accepted_parses_and_belongs_to_its_topic(
    message: tuple[str, bytes], max_bytes: int
) -> None:
    _check_verdict(*message, max_bytes)


@given(WIRE)
def test_a_valid_payload_on_its_own_topic_is_accepted(wire: dict[str, Json]) -> None:
    if "type" in wire:
        topic = event_topic(wire["site"], wire["agent_id"], wire["type"])
    else:
        topic = agent_status_topic(wire["site"], wire["agent_id"])
    verdict = _check_verdict(topic, _bytes(wire), MAX_PAYLOAD_BYTES * 4)
    assert isinstance(verdict, Accepted), verdict


@given(wire_events(), st.integers(0, 64))
def test_a_payload_over_the_limit_is_too_large_whatever_else_is_wrong(
    wire: dict[str, Json], short_by: int
) -> None:
    payload = _bytes(wire)
    verdict = classify("not/a/topic", payload, max(len(payload) - 1 - short_by, 0))
    assert isinstance(verdict, Rejected) and verdict.reason is DeadReason.TOO_LARGE
