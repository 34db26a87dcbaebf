"""`Fleet`: hundreds of virtual agents in one process, one MQTT connection each.

One thread runs everything: the simulated clock, every agent's due events, and the network
I/O of every paho client through ``poll`` (paho's external-loop API: ``loop_read``,
``loop_write``, ``loop_misc``). No thread per client, no locks, and no ``select`` limit of
1024 sockets. Other threads talk to the fleet only through `Fleet.outage`, `stop` and
`stats`.
"""

import logging
import queue
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from simulators.fleet.agent import AgentCounters, VirtualAgent, outage_schedule
from simulators.fleet.layout import make_rooms
from simulators.fleet.rates import DEFAULT_RATES, RoomKind
from simulators.fleet.room import RoomModel
from simulators.fleet.stamp import SimStamper

logger = logging.getLogger(__name__)

_TICK_S = 0.05
_MAINTENANCE_S = 1.0
_BUDGET_S = 0.1
"""Longest stretch spent publishing before the sockets are read again."""


class FleetConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(default="127.0.0.1", description="MQTT broker host.")
    port: int = Field(default=1883, ge=1, le=65535, description="MQTT broker port.")
    agents: int = Field(default=20, ge=1, le=20_000, description="Virtual agents (rooms).")
    site: str = Field(default="sim", description="Opaque site id of every agent.")
    units: int = Field(default=1, ge=1, description="Units the rooms are spread over.")
    kinds: tuple[RoomKind, ...] = Field(
        default=(RoomKind.HOSPITAL,), description="Kinds of room, cycled over the units."
    )
    speed: float = Field(default=1.0, gt=0, description="Simulated seconds per real second.")
    start: datetime | None = Field(
        default=None, description="Simulated clock at start (None: now)."
    )
    seed: int = Field(default=0, description="Seed of rooms, events, ids and outages.")
    update_s: float = Field(default=30.0, gt=0, description="Fall update interval (s).")
    outages_per_day: float = Field(
        default=0.2, ge=0, description="Offline spells per agent per simulated day."
    )
    outage_min: tuple[float, float] = Field(
        default=(1.0, 30.0), description="Length of an offline spell (simulated minutes)."
    )
    restart_fraction: float = Field(
        default=0.5, ge=0, le=1, description="Share of spells that end with a restart."
    )
    keepalive_s: int = Field(default=60, ge=5, description="MQTT keepalive of each agent.")


@dataclass(frozen=True, slots=True)
class FleetStats:
    agents: int
    connected: int
    held: int
    births: int
    events: int
    historical: int
    acked: int
    restarts: int
    outages: int
    refused: int
    sim_time: datetime
    lag_s: float
    """How far the oldest due event is behind the simulated clock (0: keeping up)."""


@dataclass(frozen=True, slots=True)
class _Outage:
    index: int
    sim_s: float
    restart: bool


class Fleet:
    def __init__(self, config: FleetConfig, wall: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._wall = wall
        start = config.start or datetime.now(UTC)
        self._sim0_ms = int(start.timestamp() * 1000)
        self._wall0 = wall()
        self._stop = threading.Event()
        self._commands: queue.Queue[_Outage] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._cursor = 0
        self._stats_lock = threading.Lock()
        self._stats: FleetStats | None = None
        rooms = make_rooms(
            config.agents,
            site=config.site,
            units=config.units,
            kinds=config.kinds,
            seed=config.seed,
        )
        first_day = datetime.fromtimestamp(self._sim0_ms / 1000, UTC).date()
        self.agents: list[VirtualAgent] = []
        for spec in rooms:
            model = RoomModel(
                spec,
                DEFAULT_RATES[spec.kind],
                seed=config.seed,
                start=first_day,
                update_s=config.update_s,
            )
            outages = outage_schedule(
                config.seed,
                spec.agent_id,
                start_ms=self._sim0_ms,
                per_day=config.outages_per_day,
                minutes=config.outage_min,
                restart_fraction=config.restart_fraction,
            )
            agent = VirtualAgent(
                model,
                SimStamper(spec, config.seed),
                outages,
                host=config.host,
                port=config.port,
                keepalive_s=config.keepalive_s,
            )
            agent.skip_until(self._sim0_ms)
            self.agents.append(agent)

    def sim_ms(self) -> int:
        return self._sim0_ms + int((self._wall() - self._wall0) * self.config.speed * 1000)

    def start(self) -> None:
        """Connect every agent and run the network thread."""
        now = self.sim_ms()
        for agent in self.agents:
            agent.connect(now)
        self._stats = self._collect()  # from now on only the network thread collects
        self._thread = threading.Thread(target=self._run, name="fleet", daemon=True)
        self._thread.start()

    def outage(self, index: int, sim_s: float, restart: bool) -> None:
        """Cut agent ``index`` off for ``sim_s`` simulated seconds, starting now."""
        self._commands.put(_Outage(index, sim_s, restart))

    def stop(self, timeout: float = 15.0) -> None:
        """Graceful stop: retained ``stopped`` from every agent, then DISCONNECT (bounded)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("fleet thread did not stop within %.1f s", timeout)

    def stats(self) -> FleetStats:
        with self._stats_lock:
            return self._stats if self._stats is not None else self._collect()  # not started

    # -- network thread ------------------------------------------------------------------

    def _run(self) -> None:
        last_maintenance = 0.0
        while not self._stop.is_set():
            try:
                now = self.sim_ms()
                self._commands_due(now)
                self._advance(now)
                self._poll(_TICK_S)
                if self._wall() - last_maintenance >= _MAINTENANCE_S:
                    last_maintenance = self._wall()
                    self._maintain(now)
            except Exception:  # one bad tick must not end the whole fleet
                logger.exception("fleet tick failed")
                time.sleep(_TICK_S)
        try:
            self._shutdown()
        except Exception:
            logger.exception("fleet shutdown failed")

    def _advance(self, now: int) -> None:
        """Publish what is due, within a time budget so the network is read every tick.

        Asked for more than one process can send, the fleet falls behind its clock (reported
        as ``lag_s``) instead of starving the PUBACK path.
        """
        deadline = self._wall() + _BUDGET_S
        count = len(self.agents)
        for step in range(count):
            agent = self.agents[(self._cursor + step) % count]
            agent.set_clock(now)
            if agent.next_due_ms() <= now:
                agent.advance(now)
                if self._wall() > deadline:
                    self._cursor = (self._cursor + step + 1) % count
                    return

    def _commands_due(self, now: int) -> None:
        while True:
            try:
                cmd = self._commands.get_nowait()
            except queue.Empty:
                return
            self.agents[cmd.index].force_outage(now, int(cmd.sim_s * 1000), cmd.restart)

    def _poll(self, timeout_s: float) -> None:
        poller = select.poll()
        by_fd: dict[int, VirtualAgent] = {}
        for agent in self.agents:
            sock = agent.client.socket()
            if sock is None:
                continue
            fd = sock.fileno()
            by_fd[fd] = agent
            mask = select.POLLIN | (select.POLLOUT if agent.client.want_write() else 0)
            poller.register(fd, mask)
        if not by_fd:
            time.sleep(timeout_s)
            return
        for fd, mask in poller.poll(timeout_s * 1000):
            agent = by_fd[fd]
            if mask & (select.POLLIN | select.POLLERR | select.POLLHUP):
                agent.client.loop_read()
            if mask & select.POLLOUT and agent.client.socket() is not None:
                agent.client.loop_write()

    def _maintain(self, now: int) -> None:
        for agent in self.agents:
            agent.client.loop_misc()  # keepalive pings, timeouts
            if not agent.offline and agent.client.socket() is None:
                agent.connect(now)  # lost connection (broker restart): try again
        with self._stats_lock:
            self._stats = self._collect()

    def _shutdown(self) -> None:
        now = self.sim_ms()
        for agent in self.agents:
            agent.publish_stopped(now)
        deadline = self._wall() + 5.0
        while self._wall() < deadline and any(
            a.connected and a.client.want_write()
            for a in self.agents
            if a.client.socket() is not None
        ):
            self._poll(_TICK_S)
        self._poll(0.2)  # the last PUBACKs
        for agent in self.agents:
            agent.client.disconnect()
        deadline = self._wall() + 5.0
        while self._wall() < deadline and any(a.client.socket() is not None for a in self.agents):
            self._poll(_TICK_S)
        with self._stats_lock:
            self._stats = self._collect()

    def _collect(self) -> FleetStats:
        now = self.sim_ms()
        totals = AgentCounters()
        for agent in self.agents:
            for f in fields(AgentCounters):
                setattr(totals, f.name, getattr(totals, f.name) + getattr(agent.counters, f.name))
        return FleetStats(
            agents=len(self.agents),
            connected=sum(1 for a in self.agents if a.connected),
            held=sum(a.held for a in self.agents),
            births=totals.births,
            events=totals.events,
            historical=totals.historical,
            acked=totals.acked,
            restarts=totals.restarts,
            outages=totals.outages,
            refused=totals.refused,
            sim_time=datetime.fromtimestamp(now / 1000, UTC),
            lag_s=max(0.0, (now - min(a.next_due_ms() for a in self.agents)) / 1000),
        )
