"""Caregiver notifications end to end against a real Redis, a real broker and a local HTTP
receiver: retried until accepted, signed, durable across a notifier restart, dead-lettered
with a reason when they cannot go, and published on MQTT with Home Assistant discovery.
"""

import asyncio
import json
import queue
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as daytime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import paho.mqtt.client as mqtt
import pytest
import redis.asyncio as aioredis
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client import CollectorRegistry

from aggregator import samples
from aggregator.config import MqttConfig
from aggregator.notify.config import (
    HomeNotifyConfig,
    MqttOutConfig,
    NotifyConfig,
    RetryConfig,
    WebhookConfig,
)
from aggregator.notify.delivery import Channel
from aggregator.notify.model import NotificationKind
from aggregator.notify.mqtt import MqttChannel
from aggregator.notify.service import Notifier
from aggregator.notify.signing import verify
from aggregator.notify.webhook import WebhookChannel
from aggregator.store import PARTITIONS_KEY, Partition
from ambient.services import Service, free_port
from protocol import Phase, dump_event

pytestmark = [pytest.mark.integration, pytest.mark.anyio]

SECRET = "whsec-integration"
FAST_RETRY = RetryConfig(max_attempts=50, base_s=0.05, cap_s=0.2, lease_s=5)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(redis_service: Service) -> AsyncIterator[aioredis.Redis]:
    # A database of its own: the notify keys are global to a database, not per partition.
    redis = aioredis.Redis.from_url(f"{redis_service.url}/11")
    await redis.flushdb()
    yield redis
    await redis.aclose()


@dataclass
class Receiver:
    """A webhook endpoint answering with the scripted statuses, then 200."""

    script: list[int]
    requests: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def start(self, port: int = 0) -> "Receiver":
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = outer.script.pop(0) if outer.script else 200
                outer.requests.append((dict(self.headers.items()), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def accepted(self) -> list[tuple[dict[str, str], bytes, int]]:
        return [r for r in self.requests if r[2] == 200]


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    made: list[Receiver] = []
    yield made
    for receiver in made:
        receiver.stop()


def home() -> Partition:
    tag = uuid.uuid4().hex[:8]
    return Partition(f"home{tag}", "home")


def config(part: Partition, webhooks: list[WebhookConfig], **kw: object) -> NotifyConfig:
    return NotifyConfig.model_validate(
        {
            "homes": [HomeNotifyConfig(home=f"{part.site}/{part.unit}")],
            "webhooks": webhooks,
            "mqtt": kw.pop("mqtt", MqttOutConfig(enabled=False)),
            "retry": kw.pop("retry", FAST_RETRY),
            **kw,
        }
    )


def hook(url: str) -> WebhookConfig:
    return WebhookConfig.model_validate({"name": "family", "url": url, "secret": SECRET})


async def append_fall(
    redis: aioredis.Redis, part: Partition, phase: Phase, episode: uuid.UUID, on_floor: float
) -> None:
    st = samples.stamper(site=part.site, unit=part.unit, room="living", agent_id="agent-living")
    event = samples.fall(st, phase, episode, time.time(), on_floor)
    await redis.sadd(PARTITIONS_KEY, part.name)
    await redis.xadd(part.events, {"kind": "event", "payload": dump_event(event), "recv_ts": "0"})


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Running:
    notifier: Notifier
    stop: asyncio.Event
    task: "asyncio.Task[None]"

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 5)


def start(
    redis: aioredis.Redis,
    cfg: NotifyConfig,
    channels: list[Channel],
    mqtt_channel: MqttChannel | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Running:
    notifier = Notifier(
        cfg,
        redis,
        channels,
        CollectorRegistry(),
        consumer="notify-test",
        mqtt=mqtt_channel,
        clock=clock,
        poll_s=0.05,
    )
    stop = asyncio.Event()
    return Running(notifier, stop, asyncio.create_task(notifier.run(stop)))


async def test_two_503s_then_accepted_is_one_signed_delivery_after_three_attempts(
    client: aioredis.Redis, receivers: list[Receiver]
) -> None:
    receiver = Receiver(script=[503, 503]).start()
    receivers.append(receiver)
    part = home()
    cfg = config(part, [hook(receiver.url)])
    running = start(client, cfg, [WebhookChannel(cfg.webhooks[0])])
    try:
        episode = uuid.uuid4()
        await append_fall(client, part, Phase.START, episode, 0.0)

        async def delivered() -> bool:
            return bool(receiver.accepted()) and await running.notifier.outbox.pending() == 0

        await wait_for(delivered, 5, "the webhook to accept")
        assert [r[2] for r in receiver.requests] == [503, 503, 200]
        headers, body, _ = receiver.accepted()[0]
        assert verify(SECRET.encode(), headers["X-Ambient-Signature"], body, time.time()) > 0
        note = json.loads(body)
        assert note["kind"] == "fall_detected" and note["site"] == part.site
        assert {r[0]["X-Ambient-Id"] for r in receiver.requests} == {note["notification_id"]}
        assert [r[0]["X-Ambient-Attempt"] for r in receiver.requests] == ["1", "2", "3"]
        log = await running.notifier.outbox.attempts(note["notification_id"])
        assert [(row["attempt"], row["result"], row["reason"]) for row in log] == [
            ("1", "retry", "http 503"),
            ("2", "retry", "http 503"),
            ("3", "delivered", "http 200"),
        ]

        # An update of the same episode is not news: nothing more is sent.
        await append_fall(client, part, Phase.UPDATE, episode, 30.0)

        async def consumed() -> bool:
            groups = await client.xinfo_groups(part.events)
            return bool(groups) and groups[0]["lag"] == 0 and groups[0]["pending"] == 0

        await wait_for(consumed, 5, "the update to be read")
        await asyncio.sleep(0.2)
        assert len(receiver.requests) == 3
    finally:
        await running.close()


async def test_a_receiver_that_is_down_gets_it_after_a_notifier_restart(
    client: aioredis.Redis, receivers: list[Receiver]
) -> None:
    port = free_port()
    part = home()
    cfg = config(part, [hook(f"http://127.0.0.1:{port}/hook")])
    first = start(client, cfg, [WebhookChannel(cfg.webhooks[0])])
    episode = uuid.uuid4()
    try:
        await append_fall(client, part, Phase.START, episode, 0.0)
        await append_fall(client, part, Phase.UPDATE, episode, 300.0)

        async def failed_twice() -> bool:
            return len(await client.xrange("ambient:{notify}:log") or []) >= 2

        await wait_for(failed_twice, 5, "failed attempts")
    finally:
        await first.close()
    log = await first.notifier.outbox.attempts(
        json.loads((await client.hvals("ambient:{notify}:jobs"))[0])["notification_id"]
    )
    assert log and {row["result"] for row in log} == {"retry"}
    assert log[0]["reason"].startswith("connection")
    assert await first.notifier.outbox.pending() == 1  # one fall_detected, waiting in Redis

    receiver = Receiver(script=[]).start(port)
    receivers.append(receiver)
    second = start(client, cfg, [WebhookChannel(cfg.webhooks[0])])
    try:

        async def delivered() -> bool:
            return bool(receiver.accepted()) and await second.notifier.outbox.pending() == 0

        await wait_for(delivered, 5, "delivery after the restart")
        await asyncio.sleep(0.2)
        kinds = [json.loads(body)["kind"] for _, body, _ in receiver.requests]
        assert kinds == ["fall_detected"]
        assert int(receiver.requests[0][0]["X-Ambient-Attempt"]) > len(log)
    finally:
        await second.close()


async def test_a_delivery_that_keeps_failing_is_dead_lettered_with_its_reason(
    client: aioredis.Redis, receivers: list[Receiver]
) -> None:
    receiver = Receiver(script=[503] * 10).start()
    receivers.append(receiver)
    part = home()
    retry = RetryConfig(max_attempts=3, base_s=0.02, cap_s=0.05, lease_s=5)
    cfg = config(part, [hook(receiver.url)], retry=retry)
    running = start(client, cfg, [WebhookChannel(cfg.webhooks[0])])
    try:
        await append_fall(client, part, Phase.START, uuid.uuid4(), 0.0)

        async def dead() -> bool:
            return bool(await running.notifier.outbox.dead_letters())

        await wait_for(dead, 5, "a dead letter")
        (letter,) = await running.notifier.outbox.dead_letters()
        assert (letter["channel"], letter["attempts"], letter["reason"]) == (
            "webhook:family",
            "3",
            "http 503",
        )
        assert json.loads(letter["payload"])["kind"] == "fall_detected"
        assert len(receiver.requests) == 3 and await running.notifier.outbox.pending() == 0
        metrics = running.notifier.metrics
        assert metrics.dead_lettered.labels("webhook:family")._value.get() == 1
        assert metrics.attempts.labels("webhook:family", "retry")._value.get() == 2
    finally:
        await running.close()


class Subscriber:
    """A plain MQTT subscriber collecting (topic, payload, retain)."""

    def __init__(self, broker: Service, topics: list[str]) -> None:
        self.messages: queue.Queue[tuple[str, bytes, bool]] = queue.Queue()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_message = lambda _c, _u, m: self.messages.put(
            (m.topic, bytes(m.payload), bool(m.retain))
        )
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *_: subscribed.set()
        self.client.on_connect = lambda c, *_: c.subscribe([(t, 1) for t in topics])
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()
        assert subscribed.wait(5), "subscriber did not subscribe"

    def collect(
        self, until: Callable[[dict[str, list[tuple[bytes, bool]]]], bool]
    ) -> dict[str, list[tuple[bytes, bool]]]:
        seen: dict[str, list[tuple[bytes, bool]]] = {}
        deadline = time.monotonic() + 5
        while not until(seen):
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; got {sorted(seen)}")
            try:
                topic, payload, retain = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            seen.setdefault(topic, []).append((payload, retain))
        return seen

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


async def test_mqtt_notification_and_retained_home_assistant_discovery(
    client: aioredis.Redis, broker: Service
) -> None:
    part = home()
    cfg = config(part, [], mqtt=MqttOutConfig(enabled=True, ha_discovery=True))
    # The production wiring, as the aggregator builds it.
    mqtt_cfg = MqttConfig(port=broker.port, client_id=f"agg-{part.site}")
    notifier = Notifier.from_config(
        cfg, client, mqtt_cfg, CollectorRegistry(), consumer="notify-test"
    )
    channel = notifier.mqtt
    assert channel is not None
    base = f"ambient/v1/{part.site}/homes/home"
    event_cfg = f"homeassistant/event/ambient_{part.site}_home/alerts/config"
    sensor_cfg = f"homeassistant/binary_sensor/ambient_{part.site}_home/on_floor/config"
    stop = asyncio.Event()
    running = Running(notifier, stop, asyncio.create_task(notifier.run(stop)))
    subscriber = None
    try:
        await wait_for(lambda: asyncio.sleep(0, result=channel.connected), 5, "MQTT connect")
        await asyncio.sleep(0.2)  # the discovery configs go out right after CONNACK
        # A subscriber that arrives later still gets the discovery configs: they are retained.
        subscriber = await asyncio.to_thread(
            Subscriber, broker, [f"{base}/#", f"homeassistant/+/ambient_{part.site}_home/#"]
        )
        configs = await asyncio.to_thread(
            subscriber.collect, lambda seen: event_cfg in seen and sensor_cfg in seen
        )
        assert configs[event_cfg][0][1] and configs[sensor_cfg][0][1]  # retained
        assert "fall_detected" in json.loads(configs[event_cfg][0][0])["event_types"]

        await append_fall(client, part, Phase.START, uuid.uuid4(), 0.0)
        seen = await asyncio.to_thread(
            subscriber.collect,
            lambda s: all(f"{base}/{t}" in s for t in ("notifications", "ha/event", "ha/on_floor")),
        )
        payload, retain = seen[f"{base}/notifications"][0]
        note = json.loads(payload)
        assert note["kind"] == NotificationKind.FALL_DETECTED and not retain
        assert note["schema"] == "ambient.notification/1"
        assert json.loads(seen[f"{base}/ha/event"][0][0])["event_type"] == "fall_detected"
        assert seen[f"{base}/ha/on_floor"][0][0] == b"ON"

        async def delivered() -> bool:  # PUBACKs in, then the outbox is told
            return await running.notifier.outbox.pending() == 0

        await wait_for(delivered, 5, "the delivery to be recorded")
    finally:
        if subscriber is not None:
            subscriber.close()
        await running.close()


async def test_not_seen_is_sent_once_when_the_clock_passes_n_hours(
    client: aioredis.Redis, receivers: list[Receiver]
) -> None:
    receiver = Receiver(script=[]).start()
    receivers.append(receiver)
    part = home()
    all_day = HomeNotifyConfig(
        home=f"{part.site}/{part.unit}",
        not_seen_hours=1,
        inactivity_hours=None,
        day_start=daytime(0, 0),
        day_end=daytime(23, 59, 59),
    )
    cfg = config(part, [hook(receiver.url)], tick_s=0.05).model_copy(update={"homes": [all_day]})
    st = samples.stamper(site=part.site, unit=part.unit, room="living", agent_id="agent-living")
    left = time.time() - 1800  # someone was in view until half an hour ago
    await client.sadd(PARTITIONS_KEY, part.name)
    for ts, count in ((left - 600, 1), (left, 0)):
        event = samples.occupancy(st, count, ts)
        payload = dump_event(event)
        await client.xadd(part.events, {"kind": "event", "payload": payload, "recv_ts": "0"})
    ahead = timedelta(0)
    running = start(
        client, cfg, [WebhookChannel(cfg.webhooks[0])], clock=lambda: datetime.now(UTC) + ahead
    )
    try:

        async def consumed() -> bool:
            groups = await client.xinfo_groups(part.events)
            return bool(groups) and groups[0]["lag"] == 0 and groups[0]["pending"] == 0

        await wait_for(consumed, 5, "the occupancy events to be read")
        await asyncio.sleep(0.3)  # several timer ticks at 30 minutes of absence
        assert receiver.requests == []

        ahead = timedelta(minutes=31)  # now 61 minutes since last seen

        async def sent() -> bool:
            return bool(receiver.accepted())

        await wait_for(sent, 5, "the not-seen notification")
        await asyncio.sleep(0.3)  # more ticks: the same absence is not sent again
        (request,) = receiver.requests
        note = json.loads(request[1])
        assert note["kind"] == "not_seen" and note["quiet_s"] >= 3600
        assert datetime.fromisoformat(note["since"]).timestamp() == pytest.approx(left, abs=0.01)
    finally:
        await running.close()
