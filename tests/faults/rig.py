"""A whole installation for fault tests: its own broker, Redis and aggregator processes, one
edge agent's link and outbox in this process, and a TCP proxy between them that can be cut.

Every run counts the events the edge handed to its outbox against the entries in the unit's
stream: sent, stored, duplicated, lost. The matrix is printed at the end of the session.
"""

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import redis

from aggregator.store import Partition
from ambient.services import Service, mosquitto, redis_server
from edge_agent.config import IdentityConfig, MqttConfig
from edge_agent.detections import Detection, EventStamper, Identity
from edge_agent.mqtt import MqttLink, StatusInfo
from edge_agent.outbox import Outbox
from protocol import EventType, ModelRef, OccupancyData, Phase
from tests.integration.aggregator_process import AggregatorProcess

SCALE_ENV = "AMBIENT_FAULT_SCALE"
"""``long`` runs every fault for the time the issue names (Redis down 60 s, an edge cut off
for 10 min); anything else runs the short versions that fit in CI."""


def long_run() -> bool:
    return os.environ.get(SCALE_ENV, "") == "long"


@dataclass(frozen=True, slots=True)
class Tally:
    fault: str
    sent: int
    stored: int
    duplicated: int
    lost: int
    note: str = ""

    def line(self) -> str:
        return (
            f"{self.fault:<44} sent {self.sent:>6}  stored {self.stored:>6}  "
            f"duplicated {self.duplicated:>4}  lost {self.lost:>5}  {self.note}"
        )


RESULTS: list[Tally] = []
"""Filled by `Rig.tally`, printed by the conftest at the end of the session."""


class Proxy:
    """A TCP relay from a local port to the broker: `cut()` drops every connection and
    refuses new ones (a network partition as the edge sees it), `heal()` lets them in."""

    def __init__(self, target_port: int) -> None:
        self.target = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._open.clear()

    def heal(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._cut:
                    client.close()
                    continue
                try:
                    upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
                except OSError:
                    client.close()
                    continue
                upstream.settimeout(None)
                self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class Edge:
    """One agent's outbox and MQTT link (the real ones), fed occupancy events."""

    def __init__(
        self, site: str, unit: str, broker_port: int, outbox_path: Path, clock_off_s: float = 0.0
    ) -> None:
        self.identity = IdentityConfig(
            site=site, unit=unit, room="room-1", agent_id="agent-1", sensor_id="cam-1"
        )
        self.stamper = EventStamper(Identity(site, unit, "room-1", "agent-1", "cam-1"))
        self.outbox = Outbox(outbox_path)
        self.link = MqttLink(
            MqttConfig(
                host="127.0.0.1",
                port=broker_port,
                client_id=f"agent-1-{site}",
                reconnect_min_s=1,
                reconnect_max_s=2,
                send_rate_per_s=100_000,  # stress rates, not paced like a real agent
                send_burst=1_000_000,
            ),
            self.identity,
            self.outbox,
            StatusInfo(uuid.uuid4(), "0.1.0", "ab" * 32),
            clock=lambda: datetime.now(UTC) + timedelta(seconds=clock_off_s),
        )
        self.sent: list[str] = []
        self.clock: Callable[[], float] = lambda: time.time() + clock_off_s

    def start(self) -> None:
        self.link.start()

    def send(self, count: int, per_s: float = 200.0) -> None:
        """Hand ``count`` events to the outbox at ``per_s``, as the engines would."""
        began = time.monotonic()
        for i in range(count):
            event = self.stamper.stamp(_occupancy(self.clock(), i))
            self.link.send(event)
            self.sent.append(str(event.event_id))
            ahead = began + (i + 1) / per_s - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)

    def stop(self) -> None:
        self.link.stop()
        self.outbox.close()


def _occupancy(ts: float, i: int) -> Detection:
    return Detection(
        type=EventType.OCCUPANCY,
        phase=Phase.INSTANT,
        episode_id=uuid.uuid4(),
        ts=ts,
        confidence=0.9,
        data=OccupancyData(count=i % 3),
        model=ModelRef(name="occupancy", version="1.0.0"),
    )


@dataclass
class Rig:
    """Broker, Redis and aggregator of one test, each its own process in ``tmp``."""

    tmp: Path
    appendonly: bool = True
    site: str = field(default_factory=lambda: f"f{uuid.uuid4().hex[:10]}")
    through_proxy: bool = False
    edge_clock_off_s: float = 0.0

    def __post_init__(self) -> None:
        self.unit = f"u{self.site}"
        self.broker: Service = mosquitto(self.tmp / "mosquitto").start()
        self.redis: Service = redis_server(self.tmp / "redis", appendonly=self.appendonly).start()
        self.store = redis.Redis(port=self.redis.port, socket_timeout=5)
        # The faults are driven at stress rates no real agent sends (see Edge): durability is
        # measured here, the per-agent limits have their own tests.
        self.aggregator = AggregatorProcess(
            self.tmp,
            {
                "sites": [self.site],
                "mqtt": {"host": "127.0.0.1", "port": self.broker.port, "client_id": self.site},
                "redis": {"url": f"{self.redis.url}/0"},
                "ingest": {
                    "agent_rate_per_s": 100000,
                    "agent_burst": 1000000,
                    "state_republish_s": 2,
                },
            },
        )
        self.proxy = Proxy(self.broker.port) if self.through_proxy else None
        edge_port = self.proxy.port if self.proxy else self.broker.port
        self.edge = Edge(
            self.site,
            self.unit,
            edge_port,
            self.tmp / "edge" / "outbox.sqlite3",
            clock_off_s=self.edge_clock_off_s,
        )

    def stored_ids(self) -> list[str]:
        key = Partition(self.site, self.unit).events
        try:
            rows = cast(list[tuple[bytes, dict[bytes, bytes]]], self.store.xrange(key))
        except redis.RedisError:
            return []
        return [
            json.loads(f[b"payload"])["event_id"] for _, f in rows if f.get(b"kind") != b"status"
        ]

    def wait_delivered(self, timeout: float = 60) -> None:
        """Until every event the edge sent is stored, or the outbox is empty and nothing
        more arrives for a few seconds (then the tally says what was lost)."""
        sent = set(self.edge.sent)
        deadline = time.monotonic() + timeout
        last, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            stored = self.stored_ids()
            if sent <= set(stored):
                return
            if len(stored) != last:
                last, quiet_since = len(stored), time.monotonic()
            elif self.edge.outbox.depth() == 0 and time.monotonic() - quiet_since > 8:
                return
            time.sleep(0.2)

    def tally(self, fault: str, note: str = "") -> Tally:
        stored = Counter(self.stored_ids())
        sent = set(self.edge.sent)
        result = Tally(
            fault=fault,
            sent=len(sent),
            stored=sum(1 for i in stored if i in sent),
            duplicated=sum(n - 1 for i, n in stored.items() if n > 1),
            lost=sum(1 for i in sent if i not in stored),
            note=note,
        )
        RESULTS.append(result)
        return result

    def close(self) -> None:
        self.edge.stop()
        self.aggregator.kill()
        if self.proxy:
            self.proxy.close()
        self.store.close()
        for service in (self.broker, self.redis):
            if service.proc is not None and service.proc.poll() is None:
                service.stop()
