"""The ingest writer against a real Redis: a redelivery is a harmless duplicate, but the same
event_id with other content is dead-lettered whole, never silently dropped."""

import json
import uuid
from collections.abc import Iterator
from typing import cast

import pytest
import redis

from aggregator import samples
from aggregator.ingest.validate import Accepted, classify
from aggregator.ingest.writer import Outcome, RedisBatchWriter
from aggregator.store import DEADLETTER_COUNTS, DEADLETTER_STREAM, Partition
from ambient.services import Service
from protocol import Phase, dump_event, event_topic

pytestmark = pytest.mark.integration


@pytest.fixture
def client(redis_service: Service) -> Iterator[redis.Redis]:
    c = redis.Redis(port=redis_service.port)
    yield c
    c.close()


def _accepted(topic: str, payload: bytes) -> Accepted:
    verdict = classify(topic, payload, 2048)
    assert isinstance(verdict, Accepted), verdict
    return verdict


def test_a_conflicting_duplicate_is_dead_lettered_and_a_redelivery_is_not(
    client: redis.Redis,
) -> None:
    site = f"w{uuid.uuid4().hex[:8]}"
    st = samples.stamper(site=site, unit="4north", agent_id="agent-1")
    event = samples.fall(st, Phase.START, uuid.uuid4(), 1_790_000_000.0)
    topic = event_topic(site, "agent-1", "fall")
    original = dump_event(event)
    forged = dump_event(event.model_copy(update={"room": "999", "confidence": 0.99}))
    writer = RedisBatchWriter(client, 3600, None)
    before = int(client.hget(DEADLETTER_COUNTS, "conflicting_duplicate") or 0)

    first = writer.write([_accepted(topic, original)])
    again = writer.write([_accepted(topic, original), _accepted(topic, forged)])

    assert first == [Outcome.APPENDED]
    assert again == [Outcome.DUPLICATE, Outcome.CONFLICT]
    stream = Partition(site, "4north").events
    stored = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrange(stream))
    assert [fields[b"payload"] for _, fields in stored] == [original]
    letters = [
        fields
        for _, fields in cast(
            list[tuple[bytes, dict[bytes, bytes]]], client.xrange(DEADLETTER_STREAM)
        )
        if fields[b"topic"] == topic.encode()
    ]
    assert [f[b"reason"] for f in letters] == [b"conflicting_duplicate"]
    assert letters[0][b"payload"] == forged, "kept whole, so nothing is lost"
    assert str(event.event_id) in letters[0][b"detail"].decode()
    assert json.loads(letters[0][b"payload"])["room"] == "999"
    assert int(client.hget(DEADLETTER_COUNTS, "conflicting_duplicate") or 0) == before + 1
