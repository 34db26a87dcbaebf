"""MQTT channel: each notification on its home's topic (QoS 1, not retained), and, with Home
Assistant discovery on, as an event entity message and the "person on floor" state.

A delivery counts only once the broker has acknowledged every publish of it (PUBACK);
waiting happens in a worker thread, never in paho's callbacks. While disconnected a delivery
fails as retryable and the durable outbox tries again later: paho's queue is memory only.
Discovery configs are (re)published retained on every connect, so a broker that lost its
retained store heals itself.
"""

import asyncio
import logging
from typing import Any

import paho.mqtt.client as mqtt

from aggregator.notify.backoff import Outcome
from aggregator.notify.config import HomeNotifyConfig, MqttOutConfig
from aggregator.notify.ha import discovery_configs, event_payload, on_floor_state
from aggregator.notify.model import Notification
from aggregator.notify.topics import ha_event_topic, ha_on_floor_topic, notifications_topic

logger = logging.getLogger(__name__)


class MqttChannel:
    name = "mqtt"

    def __init__(
        self,
        client: mqtt.Client,
        host: str,
        port: int,
        cfg: MqttOutConfig,
        homes: list[HomeNotifyConfig],
        *,
        keepalive_s: int = 30,
        timeout_s: float = 5.0,
    ) -> None:
        self._client = client
        self._host, self._port, self._keepalive = host, port, keepalive_s
        self._cfg = cfg
        self._homes = homes
        self._timeout = timeout_s
        client.on_connect = self._on_connect

    def start(self) -> None:
        self._client.connect_async(self._host, self._port, self._keepalive)
        self._client.loop_start()

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()

    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, reason: Any, _p: object
    ) -> None:
        if reason.is_failure:
            logger.error("broker refused the notify connection: %s", reason)
            return
        if not self._cfg.ha_discovery:
            return
        for home in self._homes:
            for topic, payload in discovery_configs(
                self._cfg.discovery_prefix, home.site, home.unit
            ).items():
                client.publish(topic, payload, qos=1, retain=True)

    def messages(self, notification: Notification) -> list[tuple[str, bytes, bool]]:
        """(topic, payload, retain) of one notification."""
        n = notification
        out = [(notifications_topic(n.site, n.unit), n.dump(), False)]
        if self._cfg.ha_discovery:
            out.append((ha_event_topic(n.site, n.unit), event_payload(n), False))
            state = on_floor_state(n)
            if state is not None:
                out.append((ha_on_floor_topic(n.site, n.unit), state.encode(), True))
        return out

    async def deliver(self, notification: Notification, attempt: int) -> Outcome:
        del attempt  # same message every time: receivers dedupe by notification_id
        if not self._client.is_connected():
            return Outcome(ok=False, retryable=True, reason="mqtt not connected")
        infos = [
            self._client.publish(topic, payload, qos=1, retain=retain)
            for topic, payload, retain in self.messages(notification)
        ]
        try:
            await asyncio.to_thread(_wait_all, infos, self._timeout)
        except (RuntimeError, ValueError, TimeoutError) as e:
            return Outcome(ok=False, retryable=True, reason=f"mqtt: {str(e)[:80]}")
        return Outcome(ok=True, reason="puback")


def _wait_all(infos: list[mqtt.MQTTMessageInfo], timeout_s: float) -> None:
    for info in infos:
        info.wait_for_publish(timeout_s)
        if not info.is_published():
            raise TimeoutError("no PUBACK in time")
