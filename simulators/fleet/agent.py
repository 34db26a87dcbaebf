"""One virtual edge agent: its room's events on a simulated clock, its own MQTT connection.

Behaves like the real agent on the wire: retained ``online`` birth on every connect, Last
Will ``offline``, ``stopped`` on a clean stop, a new ``boot_id`` with ``seq`` from 0 after a
restart, and events held during an offline spell and then sent marked ``historical``.
An offline spell is a network cut: the agent sends MQTT 5 DISCONNECT with reason 0x04
("disconnect with Will message"), so the broker publishes the Will just as after a real cut.

Not thread-safe: the fleet's single network thread calls every method, and paho's callbacks
run inside that thread's ``loop_read``.
"""

import logging
import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from protocol import AgentState, AgentStatus, EventType, agent_status_topic, dump_event, event_topic
from simulators.fleet.generators import Occurrence
from simulators.fleet.room import RoomModel
from simulators.fleet.stamp import SimStamper, WireEvent, utc

logger = logging.getLogger(__name__)

_DISCONNECT_WITH_WILL = 4


@dataclass(slots=True)
class AgentCounters:
    births: int = 0
    events: int = 0
    historical: int = 0
    acked: int = 0
    restarts: int = 0
    outages: int = 0
    refused: int = 0


@dataclass(frozen=True, slots=True)
class Outage:
    start_ms: int
    end_ms: int
    restart: bool


class VirtualAgent:
    def __init__(
        self,
        model: RoomModel,
        stamper: SimStamper,
        outages: Iterator[Outage],
        *,
        host: str,
        port: int,
        keepalive_s: int = 60,
    ) -> None:
        self.spec = model.spec
        self.model = model
        self.stamper = stamper
        self.counters = AgentCounters()
        self.connected = False
        self.stopping = False
        self._host, self._port, self._keepalive = host, port, keepalive_s
        self._outages = outages
        self._outage: Outage | None = next(outages, None)
        self._offline_until: int | None = None
        self._restart = False
        self._due: deque[Occurrence] = deque()
        self._held: deque[WireEvent] = deque()
        self._status_topic = agent_status_topic(self.spec.site, self.spec.agent_id)
        self._now_ms = 0
        self.client = self._make_client()

    # -- schedule --------------------------------------------------------------------------

    @property
    def offline(self) -> bool:
        return self._offline_until is not None

    @property
    def held(self) -> int:
        return len(self._held)

    def skip_until(self, ms: int) -> None:
        """Drop what the room did before the fleet started; report who is there at ``ms``."""
        count: Occurrence | None = None
        while self._peek() < ms:
            occ = self._due.popleft()
            if occ.type is EventType.OCCUPANCY:
                count = occ
        if count is not None:  # as an agent reports the count it sees when it starts
            self._due.appendleft(replace(count, ts_ms=ms))

    def next_due_ms(self) -> int:
        candidates = [self._peek()]
        if self._offline_until is not None:
            candidates.append(self._offline_until)
        elif self._outage is not None:
            candidates.append(self._outage.start_ms)
        return min(candidates)

    def force_outage(self, now_ms: int, duration_ms: int, restart: bool) -> None:
        if self._offline_until is None:
            self._outage = Outage(now_ms, now_ms + duration_ms, restart)

    def advance(self, now_ms: int) -> None:
        """Do everything due up to ``now_ms`` on the simulated clock, in time order."""
        while True:
            event_ms = self._peek()
            if self._offline_until is not None and self._offline_until <= min(event_ms, now_ms):
                self._end_outage(self._offline_until)
            elif self._outage is not None and self._outage.start_ms <= min(event_ms, now_ms):
                self._begin_outage(self._outage)
            elif event_ms <= now_ms:
                self._occur(self._due.popleft(), now_ms)
            else:
                return

    def _peek(self) -> int:
        while not self._due:
            self._due.extend(self.model.next_day().occurrences)
        return self._due[0].ts_ms

    def _occur(self, occ: Occurrence, now_ms: int) -> None:
        if self.offline or not self.connected:
            self._held.append(self.stamper.stamp(occ, historical=True))
            return
        self._publish(self.stamper.stamp(occ, sent_ms=now_ms))

    def _begin_outage(self, outage: Outage) -> None:
        self._offline_until, self._restart = outage.end_ms, outage.restart
        self._outage = next(self._outages, None)
        while self._outage is not None and self._outage.start_ms < outage.end_ms:
            self._outage = next(self._outages, None)
        self.counters.outages += 1
        if self.connected:
            self.client.disconnect(
                ReasonCode(PacketTypes.DISCONNECT, identifier=_DISCONNECT_WITH_WILL)
            )
        self.connected = False

    def _end_outage(self, end_ms: int) -> None:
        if self._restart:
            self.stamper.new_boot()
            self.counters.restarts += 1
        self._offline_until = None
        self.connect(end_ms)

    # -- MQTT ------------------------------------------------------------------------------

    def connect(self, now_ms: int) -> None:
        """(Re)connect with a Will for the current boot; the birth goes out on CONNACK."""
        if self.offline or self.stopping:
            return
        will = self.stamper.status(AgentState.OFFLINE, now_ms)
        self.client.will_set(self._status_topic, _status_bytes(will), qos=1, retain=True)
        self._now_ms = now_ms
        try:
            if self.client.socket() is None:
                self.client.connect(self._host, self._port, keepalive=self._keepalive)
        except OSError as e:
            logger.debug("agent %s cannot connect: %s", self.spec.agent_id, e)

    def publish_stopped(self, now_ms: int) -> None:
        self.stopping = True
        if self.connected:
            stopped = self.stamper.status(AgentState.STOPPED, now_ms)
            self.client.publish(self._status_topic, _status_bytes(stopped), qos=1, retain=True)

    def set_clock(self, now_ms: int) -> None:
        self._now_ms = now_ms

    def _publish(self, event: WireEvent) -> None:
        topic = event_topic(event.site, event.agent_id, event.type.value)
        info = self.client.publish(topic, dump_event(event), qos=1)
        if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
            self.counters.events += 1
            self.counters.historical += int(event.historical)

    def _flush_held(self) -> None:
        sent = utc(self._now_ms)
        while self._held and self.connected:
            self._publish(self._held.popleft().model_copy(update={"sent_ts": sent}))

    def _make_client(self) -> paho.Client:
        client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=f"sim-{self.spec.agent_id}", protocol=paho.MQTTv5
        )
        client.max_inflight_messages_set(100)
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_publish = self._on_publish
        return client

    def _on_connect(
        self, client: paho.Client, _u: Any, _f: Any, reason: ReasonCode, _p: Any
    ) -> None:
        if reason.is_failure:  # a refused CONNACK is not "connected"
            logger.warning("broker refused agent %s: %s", self.spec.agent_id, reason)
            return
        self.connected = True
        birth = self.stamper.status(AgentState.ONLINE, self._now_ms)
        client.publish(self._status_topic, _status_bytes(birth), qos=1, retain=True)
        self.counters.births += 1
        self._flush_held()

    def _on_disconnect(
        self, _c: paho.Client, _u: Any, _f: Any, reason: ReasonCode, _p: Any
    ) -> None:
        self.connected = False

    def _on_publish(self, _c: paho.Client, _u: Any, _mid: int, reason: ReasonCode, _p: Any) -> None:
        if reason.is_failure:
            self.counters.refused += 1
        else:
            self.counters.acked += 1


def _status_bytes(status: AgentStatus) -> bytes:
    return status.model_dump_json(by_alias=True).encode()


def outage_schedule(
    seed: int,
    agent_id: str,
    *,
    start_ms: int,
    per_day: float,
    minutes: tuple[float, float],
    restart_fraction: float,
) -> Iterator[Outage]:
    """Offline spells as a Poisson process; a share of them end with a restart."""
    rng = random.Random(f"{seed}/outages/{agent_id}")
    t = start_ms
    while per_day > 0:
        t += int(rng.expovariate(per_day) * 86_400_000)
        length = int(rng.uniform(*minutes) * 60_000)
        yield Outage(t, t + length, rng.random() < restart_fraction)
        t += length
