"""The aggregator's retained ``online``/``offline`` state, one small connection per site.

MQTT allows one Last Will per connection, and each site has its own state topic, so each
site gets a presence connection whose Will says ``offline``. Edge agents watch this topic and
hold events in their outbox while the aggregator is not ``online``.

While connected, ``online`` is published again every ``republish_s`` with a fresh ``ts``:
agents compare that time, on a live (not retained) delivery, with their own clock and report
the skew in their status.
"""

import logging
import math
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from aggregator.config import MqttConfig
from aggregator.ingest.mqtt import make_client
from protocol import AGGREGATOR_SCHEMA, AggregatorState, AggregatorStatus, aggregator_state_topic

logger = logging.getLogger(__name__)


def _status(state: AggregatorState, now: datetime) -> bytes:
    status = AggregatorStatus.model_validate(
        {"schema": AGGREGATOR_SCHEMA, "state": state, "ts": now}
    )
    return status.model_dump_json(by_alias=True).encode()


class Presence:
    def __init__(
        self,
        cfg: MqttConfig,
        site: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        republish_s: float | None = None,
    ) -> None:
        self._cfg = cfg
        self._topic = aggregator_state_topic(site)
        self._clock = clock
        self._republish_s = republish_s
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._client = make_client(cfg, f"{cfg.client_id}-presence-{site}"[:64])
        self._client.will_set(
            self._topic, _status(AggregatorState.OFFLINE, clock()), qos=1, retain=True
        )
        self._client.on_connect = self._on_connect

    def start(self) -> None:
        self._client.connect_async(self._cfg.host, self._cfg.port, self._cfg.keepalive_s)
        self._client.loop_start()
        if self._republish_s:
            self._ticker = threading.Thread(target=self._tick, name="presence", daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        """Publish ``online`` again now and then (paho's publish is thread-safe, queued)."""
        assert self._republish_s is not None
        while not self._stop.wait(self._republish_s):
            if self._client.is_connected():
                self._publish_online(self._client)

    def _publish_online(self, client: mqtt.Client) -> None:
        """``online``, retained; when republished, it expires after three missed periods, so
        a broker that comes back from a crash with an old ``online`` (its last save predates
        our ``offline``) drops it instead of telling agents to send for good."""
        props = None
        if self._republish_s:
            props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]  # paho
            props.MessageExpiryInterval = math.ceil(3 * self._republish_s)
        status = _status(AggregatorState.ONLINE, self._clock())
        client.publish(self._topic, status, 1, True, properties=props)

    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, reason: Any, _p: object
    ) -> None:
        if reason.is_failure:
            logger.error("broker refused the presence connection: %s", reason)
            return
        self._publish_online(client)

    def stop(self, timeout: float = 2.0) -> None:
        """Say ``offline`` on purpose (a clean disconnect does not send the Will)."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout)
        if self._client.is_connected():
            info = self._client.publish(
                self._topic, _status(AggregatorState.OFFLINE, self._clock()), 1, True
            )
            try:
                info.wait_for_publish(timeout)
            except RuntimeError:
                logger.warning("could not publish aggregator offline on %s", self._topic)
        self._client.disconnect()
        self._client.loop_stop()
