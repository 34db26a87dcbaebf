"""`Notifier`: the notify package wired together, one task for the aggregator's loop.

`Notifier.from_config` builds the real channels (signed webhooks over urllib, MQTT through
its own paho connection); tests pass their own channels. Its two loops (the input and the
delivery) are supervised tasks of the aggregator (`aggregator.supervise`): a bug in one is
logged with its traceback, counted and restarted, and the rest of the aggregator runs on;
queued work waits in Redis meanwhile. `run` does the same on its own, for tests and tools.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

import redis.asyncio as aioredis
from prometheus_client import CollectorRegistry

from aggregator.config import MqttConfig
from aggregator.ingest.mqtt import make_client
from aggregator.notify.config import NotifyConfig
from aggregator.notify.delivery import Channel, Dispatcher
from aggregator.notify.metrics import NotifyMetrics
from aggregator.notify.mqtt import MqttChannel
from aggregator.notify.outbox import Outbox
from aggregator.notify.source import NotifySource
from aggregator.notify.webhook import WebhookChannel
from aggregator.poison import PoisonReason
from aggregator.supervise import Supervisor

logger = logging.getLogger(__name__)


class Notifier:
    def __init__(
        self,
        cfg: NotifyConfig,
        client: "aioredis.Redis",
        channels: list[Channel],
        registry: CollectorRegistry,
        *,
        consumer: str,
        mqtt: MqttChannel | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        poll_s: float = 1.0,
        dead_letter_after: int = 3,
        on_set_aside: Callable[[PoisonReason], None] = lambda _reason: None,
    ) -> None:
        self.metrics = NotifyMetrics(registry)
        self.outbox = Outbox(client, dedupe_ttl_s=cfg.dedupe_ttl_s)
        self.mqtt = mqtt
        every = {c.name: c for c in channels}
        if mqtt is not None:
            every[mqtt.name] = mqtt
        self.dispatcher = Dispatcher(
            self.outbox,
            every,
            cfg.retry,
            self.metrics,
            clock=lambda: clock().timestamp(),
            poll_s=poll_s,
        )
        self.source = NotifySource(
            client,
            self.outbox,
            cfg,
            self.metrics,
            consumer=consumer,
            clock=clock,
            on_queued=self.dispatcher.wake.set,
            dead_letter_after=dead_letter_after,
            on_set_aside=on_set_aside,
        )

    @classmethod
    def from_config(
        cls,
        cfg: NotifyConfig,
        client: "aioredis.Redis",
        mqtt_cfg: MqttConfig,
        registry: CollectorRegistry,
        *,
        consumer: str,
        dead_letter_after: int = 3,
        on_set_aside: Callable[[PoisonReason], None] = lambda _reason: None,
    ) -> "Notifier":
        """The production wiring; raises ValueError when a webhook has no signing secret."""
        webhooks: list[Channel] = [WebhookChannel(w, clock=time.time) for w in cfg.webhooks]
        mqtt = None
        if cfg.mqtt.enabled:
            client_id = f"{mqtt_cfg.client_id}-notify"[:64]
            mqtt = MqttChannel(
                make_client(mqtt_cfg, client_id),
                mqtt_cfg.host,
                mqtt_cfg.port,
                cfg.mqtt,
                cfg.homes,
                keepalive_s=mqtt_cfg.keepalive_s,
            )
        return cls(
            cfg,
            client,
            webhooks,
            registry,
            consumer=consumer,
            mqtt=mqtt,
            dead_letter_after=dead_letter_after,
            on_set_aside=on_set_aside,
        )

    def start(self) -> None:
        """Connect the MQTT channel (its paho thread reconnects by itself)."""
        if self.mqtt is not None:
            self.mqtt.start()

    def stop(self) -> None:
        if self.mqtt is not None:
            self.mqtt.stop()
        logger.info("notifier stopped")

    def loops(self, stop: asyncio.Event) -> dict[str, Callable[[], Awaitable[None]]]:
        """The long-running work, by task name, for a `Supervisor`; each runs until ``stop``."""
        return {
            "notify-source": partial(self.source.run, stop),
            "notify-delivery": partial(self.dispatcher.run, stop),
        }

    async def run(self, stop: asyncio.Event, stop_timeout_s: float = 5.0) -> None:
        """Start, run the loops under a supervisor of their own until ``stop``, then stop."""
        supervisor = Supervisor(stop)
        self.start()
        try:
            for name, loop in self.loops(stop).items():
                supervisor.start(name, loop)
            await stop.wait()
            await supervisor.wait(stop_timeout_s)
        finally:
            self.stop()
