"""The MQTT side of ingest: a persistent MQTT 5 session, manual PUBACK after Redis.

paho's network thread only queues messages (never block in a callback); one worker thread
drains the queue in batches, classifies, writes to Redis in one round trip, and only then
acknowledges each message. If Redis is down nothing is acked: the broker keeps the messages
in our session and redelivers them, and the dedupe marker makes redelivery harmless. The
fixed client id, ``clean_start=False`` and a session expiry make the broker queue QoS 1
messages while the aggregator is down. The events subscription is a plain one unless
``mqtt.shared_subscription`` is set: Mosquitto 2.0 restores plain subscriptions of a persistent
session after its own restart but not ``$share`` ones, whose queued events would be lost.
"""

import logging
import os
import queue
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from aggregator.config import MqttConfig
from aggregator.ingest.limits import IngestGate
from aggregator.ingest.validate import POLICY_REASONS, Accepted, DeadReason, Rejected, classify
from aggregator.ingest.writer import BatchWriter, DeadLetter, Outcome
from aggregator.metrics import Metrics
from aggregator.registry import RegistryFile
from aggregator.supervise import retry_blocking
from protocol import events_subscription, status_subscription

logger = logging.getLogger(__name__)

PASSWORD_ENV = "AMBIENT_MQTT_PASSWORD"
RECEIVE_MAXIMUM = 1000
"""Unacked messages the broker may have in flight to us: bounds our memory queue."""


@dataclass(frozen=True, slots=True)
class Received:
    mid: int
    qos: int
    topic: str
    payload: bytes
    received: float
    generation: int


def make_client(cfg: MqttConfig, client_id: str, **kwargs: Any) -> mqtt.Client:
    """A paho MQTT 5 client with credentials and TLS from config (shared with presence)."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, **kwargs
    )
    if cfg.username:
        # The password comes from the config or, better, from the environment (systemd
        # EnvironmentFile with mode 0600), so central.yaml can be committed without secrets.
        password = cfg.password.get_secret_value() if cfg.password else None
        client.username_pw_set(cfg.username, password or os.environ.get(PASSWORD_ENV))
    if cfg.tls_ca:
        client.tls_set(ca_certs=str(cfg.tls_ca), tls_version=ssl.PROTOCOL_TLS_CLIENT)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client


class MqttIngest:
    """Subscribes to every agent's events and status of the configured sites."""

    def __init__(
        self,
        cfg: MqttConfig,
        sites: list[str],
        writer: BatchWriter,
        metrics: Metrics,
        *,
        max_payload_bytes: int,
        batch_size: int = 200,
        registry: RegistryFile | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_crash: Callable[[Exception], None] = lambda _e: None,
        gate: IngestGate | None = None,
    ) -> None:
        """``on_crash`` hears of each batch that failed (from the writer thread)."""
        self._on_crash = on_crash
        self._cfg = cfg
        self._sites = sites
        self._writer = writer
        self._metrics = metrics
        self._max_bytes = max_payload_bytes
        self._batch_size = batch_size
        self._registry = registry
        self._clock = clock
        self._gate = gate  # time window and per-agent rate; None: validation only
        self._queue: queue.Queue[Received] = queue.Queue()
        self._stop = threading.Event()
        self._generation = 0
        self._connected = threading.Event()
        self._worker: threading.Thread | None = None
        self._client = make_client(cfg, cfg.client_id, manual_ack=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_subscribe = self._on_subscribe

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]  # paho
        props.SessionExpiryInterval = self._cfg.session_expiry_s
        props.ReceiveMaximum = RECEIVE_MAXIMUM
        self._worker = threading.Thread(target=self._run, name="ingest-writer", daemon=True)
        self._worker.start()
        self._client.connect_async(
            self._cfg.host,
            self._cfg.port,
            self._cfg.keepalive_s,
            clean_start=False,
            properties=props,
        )
        self._client.loop_start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop without acking what is queued: the broker redelivers it next time."""
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout)
        self._client.disconnect()
        self._client.loop_stop()
        self._connected.clear()

    # paho callbacks (network thread): quick, never blocking.
    def _on_connect(
        self, client: mqtt.Client, _u: object, flags: Any, reason: Any, _p: object
    ) -> None:
        if reason.is_failure:
            logger.error("broker refused the ingest connection: %s", reason)
            return
        self._generation += 1
        events = SubscribeOptions(qos=1)
        # Retained statuses only when the subscription is new (not on every session resume).
        status = SubscribeOptions(qos=1, retainHandling=SubscribeOptions.RETAIN_SEND_IF_NEW_SUB)
        shared = self._cfg.shared_subscription
        subs = [(events_subscription(site, shared), events) for site in self._sites]
        subs += [(status_subscription(site), status) for site in self._sites]
        client.subscribe(subs)
        logger.info(
            "ingest connected to %s:%d (session present: %s), sites %s",
            self._cfg.host,
            self._cfg.port,
            flags.session_present,
            ",".join(self._sites),
        )

    def _on_subscribe(
        self, _c: mqtt.Client, _u: object, _mid: int, codes: list[Any], _p: object
    ) -> None:
        failed = [code for code in codes if code.is_failure]
        if failed:
            logger.error("broker refused ingest subscriptions: %s", failed)
            return
        self._connected.set()  # ready: connected and subscribed

    def _on_disconnect(
        self, _c: mqtt.Client, _u: object, _f: object, reason: Any, _p: object
    ) -> None:
        self._connected.clear()
        if not self._stop.is_set():
            logger.warning("ingest disconnected from broker: %s (paho reconnects)", reason)

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        self._queue.put(
            Received(
                msg.mid, msg.qos, msg.topic, bytes(msg.payload), self._clock(), self._generation
            )
        )

    # worker thread
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                batch = [self._queue.get(timeout=0.2)]
            except queue.Empty:
                continue
            while len(batch) < self._batch_size:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._process(batch)
            except Exception as e:
                logger.exception("ingest batch failed; messages stay unacked for redelivery")
                self._on_crash(e)

    def _process(self, batch: list[Received]) -> None:
        items: list[Accepted | DeadLetter] = []
        registry = self._registry.current() if self._registry is not None else None
        for msg in batch:
            verdict = (
                self._gate.judge(msg.topic, msg.payload, registry)
                if self._gate
                else classify(msg.topic, msg.payload, self._max_bytes, registry=registry)
            )
            if isinstance(verdict, Rejected):
                items.append(DeadLetter(verdict.reason, verdict.detail, msg.topic, msg.payload))
            else:
                items.append(verdict)
        outcomes = self._write_with_retry(items)
        if outcomes is None:
            return
        now = self._clock()
        for msg, item, outcome in zip(batch, items, outcomes, strict=True):
            if outcome is Outcome.APPENDED:
                assert isinstance(item, Accepted)
                self._metrics.ingested.labels(item.kind).inc()
            elif outcome is Outcome.DUPLICATE:
                self._metrics.deduplicated.inc()
            elif outcome is Outcome.CONFLICT:
                self._metrics.dead_lettered.labels(DeadReason.CONFLICTING_DUPLICATE.value).inc()
                logger.warning("dead-lettered a conflicting duplicate on %s", msg.topic)
            else:
                assert isinstance(item, DeadLetter)
                self._metrics.dead_lettered.labels(item.reason.value).inc()
                if item.reason not in POLICY_REASONS:  # those are logged once per interval
                    logger.warning("dead-lettered a message on %s: %s", msg.topic, item.reason)
            self._metrics.ingest_latency.observe(now - msg.received)
            if msg.qos > 0 and msg.generation == self._generation:
                self._client.ack(msg.mid, msg.qos)

    def _write_with_retry(self, items: list[Accepted | DeadLetter]) -> list[Outcome] | None:
        return retry_blocking(
            lambda: self._writer.write(items),
            self._stop,
            what="redis write failed, not acking",
            on_error=lambda _e: self._metrics.redis_errors.inc(),
        )
