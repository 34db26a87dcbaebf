"""`Notifier`: the notify package wired together, one task for the aggregator's loop.

`Notifier.from_config` builds the real channels (signed webhooks over urllib, MQTT through
its own paho connection); tests pass their own channels. `run` starts MQTT, runs the input
and the delivery loops until ``stop``, then stops MQTT.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

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
        return cls(cfg, client, webhooks, registry, consumer=consumer, mqtt=mqtt)

    async def run(self, stop: asyncio.Event) -> None:
        if self.mqtt is not None:
            self.mqtt.start()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self.source.run(stop), name="notify-source")
                group.create_task(self.dispatcher.run(stop), name="notify-delivery")
        except* Exception:
            # A bug, not an outage (those are retried inside the loops): say so loudly, and
            # leave the rest of the aggregator running; queued work waits in Redis.
            logger.exception("notifier failed; notifications stopped until restart")
        finally:
            if self.mqtt is not None:
                self.mqtt.stop()
        logger.info("notifier stopped")
