"""Each kind of bad message is rejected with its own reason; good ones find their partition."""

import json
import uuid

from aggregator import samples
from aggregator.ingest.validate import Accepted, DeadReason, Rejected, classify
from protocol import Phase, agent_status_topic, dump_event, event_topic
from protocol.status import AgentState

T0 = 1_790_000_000.0


def _event() -> tuple[str, bytes]:
    st = samples.stamper(site="s1", unit="4north", agent_id="agent-1")
    event = samples.fall(st, Phase.START, uuid.uuid4(), T0)
    return event_topic("s1", "agent-1", "fall"), dump_event(event)


def _reason(topic: str, payload: bytes) -> DeadReason:
    verdict = classify(topic, payload, 2048)
    assert isinstance(verdict, Rejected), verdict
    return verdict.reason


def test_valid_event_is_accepted_with_partition_and_event_id() -> None:
    topic, payload = _event()
    verdict = classify(topic, payload, 2048)
    assert isinstance(verdict, Accepted)
    assert verdict.partition.name == "s1:4north" and verdict.kind == "event"
    assert verdict.dedupe_id == json.loads(payload)["event_id"]


def test_each_bad_input_has_its_reason() -> None:
    topic, payload = _event()
    body = json.loads(payload)
    assert _reason(topic, b"{not json") is DeadReason.INVALID_JSON
    assert _reason(topic, json.dumps(body | {"schema": "ambient.event/2"}).encode()) is (
        DeadReason.SCHEMA_VERSION
    )
    assert _reason(topic, json.dumps(body | {"patient": "x"}).encode()) is DeadReason.UNKNOWN_FIELD
    assert _reason(event_topic("s1", "agent-2", "fall"), payload) is DeadReason.AGENT_MISMATCH
    assert _reason(event_topic("s2", "agent-1", "fall"), payload) is DeadReason.SITE_MISMATCH
    assert _reason(event_topic("s1", "agent-1", "occupancy"), payload) is DeadReason.TYPE_MISMATCH
    assert _reason(topic, payload + b" " * 3000) is DeadReason.TOO_LARGE
    assert _reason("ambient/v1/s1/elsewhere", payload) is DeadReason.BAD_TOPIC


def test_a_timestamp_past_the_calendar_in_utc_is_rejected_not_raised() -> None:
    """Found by a hostile test: this raised OverflowError, its batch was never acked and all
    ingest stopped for good."""
    topic, payload = _event()
    body = json.loads(payload)
    for ts in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
        for key in ("ts", "sent_ts"):
            verdict = classify(topic, json.dumps(body | {key: ts}).encode(), 2048)
            assert isinstance(verdict, Rejected), (key, ts)
            assert verdict.reason is DeadReason.INVALID and key in verdict.detail


def test_status_is_accepted_and_bound_to_its_topic() -> None:
    st = samples.stamper(site="s1", agent_id="agent-1")
    status = samples.agent_status(st, AgentState.OFFLINE, T0)
    payload = status.model_dump_json(by_alias=True).encode()
    verdict = classify(agent_status_topic("s1", "agent-1"), payload, 2048)
    assert isinstance(verdict, Accepted) and verdict.kind == "status"
    assert _reason(agent_status_topic("s1", "agent-9"), payload) is DeadReason.AGENT_MISMATCH
