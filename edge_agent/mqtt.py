"""The agent's MQTT link: status birth/will/stop, and draining the outbox to the broker.

paho-mqtt 2.x, MQTT 5, QoS 1. paho's network thread only *reports* (connected, disconnected,
aggregator state, PUBACK) into a queue; one worker thread owns every decision and every
outbox write, so no callback ever blocks and the mid → event map has a single owner (a PUBACK
can arrive before ``publish()`` returns; it waits in the queue until the map knows its mid).

Events are held in the outbox (not published) until the broker is connected *and* the
aggregator's retained state says ``online``; events queued while that was not the case are
sent marked ``historical``. An event leaves the outbox only on a successful PUBACK; in-flight
messages survive a reconnect because paho re-sends them (same mid, DUP set).

Sending is paced (``send_rate_per_s``, ``send_burst``) below the aggregator's per-agent limit,
so a replay of hours of held events is never refused as a flood.

The aggregator's state, republished live now and then, also gives our clock skew
(`edge_agent.clock`); the retained status is published again when it changes.
"""

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.reasoncodes import ReasonCode
from pydantic import ValidationError

from ambient.ratelimit import TokenBucket
from edge_agent.clock import LARGE_SKEW_S, SkewEstimate, corrected, corrected_by
from edge_agent.config import IdentityConfig, MqttConfig
from edge_agent.detections import WireEvent
from edge_agent.errors import EdgeError
from edge_agent.outbox import Outbox
from edge_agent.privacy import PrivacyError, to_wire
from protocol import (
    STATUS_SCHEMA,
    AgentState,
    AgentStatus,
    AggregatorState,
    AggregatorStatus,
    ModelRef,
    agent_status_topic,
    aggregator_state_topic,
    event_topic,
)

logger = logging.getLogger(__name__)

REFUSED_RETRY_S = 5.0
"""After the broker refuses an event (failed PUBACK), wait this long before offering more."""


class LinkError(EdgeError, RuntimeError):
    """The MQTT client cannot be set up (bad TLS files, bad options)."""


@dataclass(frozen=True, slots=True)
class _Connected:
    pass


@dataclass(frozen=True, slots=True)
class _Disconnected:
    reason: str


@dataclass(frozen=True, slots=True)
class _Aggregator:
    online: bool


@dataclass(frozen=True, slots=True)
class _Ack:
    mid: int
    reason: ReasonCode


@dataclass(frozen=True, slots=True)
class _Wake:
    pass


_Note = _Connected | _Disconnected | _Aggregator | _Ack | _Wake


@dataclass(frozen=True, slots=True)
class _InFlight:
    event_id: str
    label: str


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """What the retained status says about this boot of this agent."""

    boot_id: uuid.UUID
    software_version: str
    config_hash: str
    models: Sequence[ModelRef] = ()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class MqttLink:
    """Sends outbox events and agent status over one MQTT 5 connection."""

    def __init__(
        self,
        config: MqttConfig,
        identity: IdentityConfig,
        outbox: Outbox,
        status: StatusInfo,
        clock: Callable[[], datetime] = _utcnow,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.identity = identity
        self.outbox = outbox
        self.status = status
        self.clock = clock
        self.sent = 0
        self.acked = 0
        self.skew = SkewEstimate()  # touched by the network thread only
        self._monotonic = monotonic
        self._pace = TokenBucket.full(config.send_rate_per_s, config.send_burst, monotonic())
        self._notes: queue.Queue[_Note] = queue.Queue()
        self._stop = threading.Event()
        self._ready = False
        self._ready_lock = threading.Lock()
        self._inflight: dict[int, _InFlight] = {}
        self._retry_at = 0.0
        self._worker: threading.Thread | None = None
        self._status_topic = agent_status_topic(identity.site, identity.agent_id)
        self._aggregator_topic = aggregator_state_topic(identity.site)
        self._client = self._make_client()

    @property
    def ready(self) -> bool:
        """Connected and the aggregator is online: events flow."""
        return self._ready

    def start(self) -> None:
        """Connect in the background (retrying with backoff) and start the outbox worker."""
        self._worker = threading.Thread(target=self._run, name="mqtt-outbox", daemon=True)
        self._worker.start()
        self._client.connect_async(
            self.config.host, self.config.port, keepalive=self.config.keepalive_s
        )
        self._client.loop_start()

    def send(self, event: WireEvent) -> None:
        """Queue an event durably; it is published when the link is ready. Once this clock is
        known to be off the aggregator's (`edge_agent.clock`), its times are put right first."""
        event = corrected(event, self.skew.reported)
        with self._ready_lock:
            self.outbox.put(event, held=not self._ready)
        self._notes.put(_Wake())

    def stop(self) -> None:
        """Graceful stop: drain what can be sent, retained ``stopped``, DISCONNECT (bounded)."""
        timeout = self.config.timeout_s
        deadline = time.monotonic() + timeout
        while self._ready and self.outbox.depth() and time.monotonic() < deadline:
            time.sleep(0.02)  # let queued and in-flight events be acknowledged (bounded)
        if self.outbox.depth():
            logger.info(
                "stopping with %d events in the outbox: sent on the next start", self.outbox.depth()
            )
        self._stop.set()
        self._notes.put(_Wake())
        if self._worker is not None:
            self._worker.join(timeout)
        if self._client.is_connected():
            info = self._client.publish(
                self._status_topic, self._status_payload(AgentState.STOPPED), qos=1, retain=True
            )
            try:
                info.wait_for_publish(timeout)
            except (RuntimeError, ValueError) as e:
                logger.warning("could not publish the stopped status: %s", e)
        self._client.disconnect()
        stopper = threading.Thread(target=self._client.loop_stop, daemon=True)
        stopper.start()
        stopper.join(timeout)
        if stopper.is_alive():
            logger.warning("MQTT network thread did not stop within %.1f s", timeout)

    # -- paho network thread: report only -------------------------------------------------

    def _make_client(self) -> paho.Client:
        cfg = self.config
        client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=cfg.client_id, protocol=paho.MQTTv5
        )
        if cfg.username is not None:
            secret = cfg.secret()
            client.username_pw_set(
                cfg.username, secret.get_secret_value() if secret is not None else None
            )
        if cfg.tls is not None:
            try:
                client.tls_set(
                    ca_certs=str(cfg.tls.ca_file) if cfg.tls.ca_file else None,
                    certfile=str(cfg.tls.cert_file) if cfg.tls.cert_file else None,
                    keyfile=str(cfg.tls.key_file) if cfg.tls.key_file else None,
                )
            except (OSError, ValueError) as e:
                raise LinkError(f"cannot set up TLS: {e}") from e
        client.reconnect_delay_set(cfg.reconnect_min_s, cfg.reconnect_max_s)
        client.max_inflight_messages_set(cfg.max_inflight)
        client.will_set(
            self._status_topic, self._status_payload(AgentState.OFFLINE), qos=1, retain=True
        )
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        return client

    def _status_payload(self, state: AgentState) -> bytes:
        ident, info = self.identity, self.status
        return to_wire(
            AgentStatus(
                schema=STATUS_SCHEMA,
                state=state,
                site=ident.site,
                unit=ident.unit,
                room=ident.room,
                agent_id=ident.agent_id,
                boot_id=info.boot_id,
                ts=self.clock() - timedelta(seconds=corrected_by(self.skew.reported)),
                software_version=info.software_version,
                config_hash=info.config_hash,
                models=list(info.models),
                clock_skew_s=self.skew.reported,
            )
        )

    def _on_connect(
        self, client: paho.Client, _u: Any, _f: Any, reason: ReasonCode, _p: Any
    ) -> None:
        if reason.is_failure:  # a refused CONNACK is not "connected"
            logger.warning("broker refused the connection: %s", reason)
            return
        client.publish(self._status_topic, self._status_payload(AgentState.ONLINE), 1, True)
        client.subscribe(self._aggregator_topic, qos=1)
        logger.info("connected to %s:%d", self.config.host, self.config.port)
        self._notes.put(_Connected())

    def _on_disconnect(
        self, _c: paho.Client, _u: Any, _f: Any, reason: ReasonCode, _p: Any
    ) -> None:
        self._notes.put(_Disconnected(str(reason)))

    def _on_message(self, client: paho.Client, _u: Any, message: paho.MQTTMessage) -> None:
        if message.topic != self._aggregator_topic:
            return
        try:
            state = AggregatorStatus.model_validate_json(message.payload)
        except ValidationError:
            logger.warning(
                "unreadable aggregator state (%d bytes): holding events", len(message.payload)
            )
            self._notes.put(_Aggregator(False))
            return
        self._notes.put(_Aggregator(state.state == AggregatorState.ONLINE))
        if state.state == AggregatorState.ONLINE and self.skew.observe(
            self.clock(), state.ts, retained=bool(message.retain)
        ):
            skew = self.skew.reported or 0.0
            if abs(skew) >= LARGE_SKEW_S:
                logger.warning("this clock is %+.0f s off the aggregator's: check NTP", skew)
            client.publish(self._status_topic, self._status_payload(AgentState.ONLINE), 1, True)

    def _on_publish(self, _c: paho.Client, _u: Any, mid: int, reason: ReasonCode, _p: Any) -> None:
        self._notes.put(_Ack(mid, reason))

    # -- worker thread: owns the outbox side ----------------------------------------------

    def _run(self) -> None:
        connected = aggregator_online = False
        while not self._stop.is_set():
            try:
                note = self._notes.get(timeout=0.5)
            except queue.Empty:
                note = _Wake()
            try:
                if isinstance(note, _Connected):
                    connected = True
                elif isinstance(note, _Disconnected):
                    if connected:
                        logger.warning(
                            "disconnected from the broker (%s): holding events", note.reason
                        )
                    connected = aggregator_online = False
                elif isinstance(note, _Aggregator):
                    if note.online != aggregator_online:
                        logger.info("aggregator is %s", "online" if note.online else "not online")
                    aggregator_online = note.online
                elif isinstance(note, _Ack):
                    self._acked(note)
                self._set_ready(connected and aggregator_online)
                self._drain()
            except Exception:  # the worker must outlive any one bad event
                logger.exception("outbox worker error")

    def _set_ready(self, ready: bool) -> None:
        with self._ready_lock:
            if self._ready and not ready:
                self.outbox.hold_all()
            self._ready = ready

    def _acked(self, note: _Ack) -> None:
        entry = self._inflight.pop(note.mid, None)
        if entry is None:  # a status message
            return
        if note.reason.is_failure:
            logger.warning("broker refused %s: %s; will retry", entry.label, note.reason)
            self.outbox.release(entry.event_id)
            self._retry_at = self._monotonic() + REFUSED_RETRY_S
            return
        self.outbox.delete(entry.event_id)
        self.acked += 1

    def _drain(self) -> None:
        if not self._ready or self._monotonic() < self._retry_at:
            return
        room = self.config.max_inflight - len(self._inflight)
        room = min(room, int(self._pace.refill(self._monotonic())))
        if room <= 0:
            return
        for event in self.outbox.pending(room):
            event_id = str(event.event_id)
            label = f"{event.type.value} {event.phase.value} room={event.room}"
            try:
                payload = to_wire(event)
            except PrivacyError as e:
                logger.error("dropping %s: refused by the privacy guard: %s", label, e)
                self.outbox.delete(event_id)
                continue
            topic = event_topic(event.site, event.agent_id, event.type.value)
            info = self._client.publish(topic, payload, qos=1)
            if info.rc not in (MQTTErrorCode.MQTT_ERR_SUCCESS, MQTTErrorCode.MQTT_ERR_NO_CONN):
                logger.warning("publish of %s failed: %s", label, paho.error_string(info.rc))
                return
            self._pace.take(self._monotonic())
            self._inflight[info.mid] = _InFlight(event_id, label)
            self.outbox.mark_inflight(event_id)
            self.sent += 1
            logger.info("sent %s%s", label, " (historical)" if event.historical else "")
