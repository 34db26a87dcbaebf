"""Each kind of bad message is rejected with its own reason; good ones find their partition."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from aggregator import samples
from aggregator.ingest.validate import Accepted, DeadReason, Rejected, TimeWindow, classify
from protocol import AgentStatus, Phase, agent_status_topic, dump_event, event_topic
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


# -- the time window: found by a hostile test, falls dated 0001, 1900, 2300 and 9999 reached
# the feed and escalated, and an alert dated in the future ignored every later real update.

NOW = datetime.fromtimestamp(T0, UTC)
WINDOW = TimeWindow(NOW, max_future_s=300, max_age_s=6 * 86400)


def _dated(ts: str, **change: object) -> bytes:
    _, payload = _event()
    return json.dumps(json.loads(payload) | {"ts": ts, "sent_ts": ts} | change).encode()


@pytest.mark.parametrize(
    ("ts", "reason"),
    [
        ("0001-01-01T00:00:00Z", DeadReason.TOO_OLD),
        ("1900-01-01T00:00:00Z", DeadReason.TOO_OLD),
        ("2300-01-01T00:00:00Z", DeadReason.FUTURE),
        ("9999-12-31T23:59:59Z", DeadReason.FUTURE),
    ],
)
def test_an_implausible_date_is_dead_lettered_with_its_reason(ts: str, reason: DeadReason) -> None:
    topic, _ = _event()
    verdict = classify(topic, _dated(ts), 2048, WINDOW)
    assert isinstance(verdict, Rejected) and verdict.reason is reason
    assert verdict.detail.startswith(f"ts {ts[:4]}")


def test_the_window_edges_are_inside() -> None:
    topic, _ = _event()
    for ts in (NOW + timedelta(seconds=299), NOW - timedelta(days=6) + timedelta(seconds=1)):
        assert isinstance(classify(topic, _dated(ts.isoformat()), 2048, WINDOW), Accepted)
    late = (NOW + timedelta(seconds=301)).isoformat()
    assert _reason_in(topic, _dated(late)) is DeadReason.FUTURE


def test_a_held_replay_of_yesterday_is_accepted() -> None:
    topic, _ = _event()
    yesterday = (NOW - timedelta(days=1)).isoformat()
    payload = _dated(yesterday, historical=True, sent_ts=(NOW - timedelta(hours=20)).isoformat())
    assert isinstance(classify(topic, payload, 2048, WINDOW), Accepted)


def test_a_replay_older_than_the_window_is_too_old() -> None:
    topic, _ = _event()
    assert _reason_in(topic, _dated((NOW - timedelta(days=7)).isoformat(), historical=True)) is (
        DeadReason.TOO_OLD
    )


def test_sent_ts_in_the_future_is_refused_too() -> None:
    topic, payload = _event()
    body = json.loads(payload) | {"sent_ts": "2300-01-01T00:00:00Z"}
    verdict = classify(topic, json.dumps(body).encode(), 2048, WINDOW)
    assert isinstance(verdict, Rejected) and verdict.reason is DeadReason.FUTURE
    assert verdict.detail.startswith("sent_ts ")


def test_a_status_is_never_refused_for_its_time() -> None:
    """A Last Will carries the time of connect: after days connected it is days old, and it
    must still raise the sensor-offline alert. One from a box whose clock is an hour fast
    (set at connect, before the box knew) must too: a status's time is only shown."""
    st = samples.stamper(site="s1", agent_id="agent-1")
    topic = agent_status_topic("s1", "agent-1")
    will = samples.agent_status(st, AgentState.OFFLINE, T0 - 30 * 86400)
    assert isinstance(classify(topic, _json(will), 2048, WINDOW), Accepted)
    ahead = samples.agent_status(st, AgentState.OFFLINE, T0 + 3600)
    assert isinstance(classify(topic, _json(ahead), 2048, WINDOW), Accepted)


def _json(status: AgentStatus) -> bytes:
    return status.model_dump_json(by_alias=True).encode()


def _reason_in(topic: str, payload: bytes) -> DeadReason:
    verdict = classify(topic, payload, 2048, WINDOW)
    assert isinstance(verdict, Rejected), verdict
    return verdict.reason
