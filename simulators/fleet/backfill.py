"""Back-fill: months of simulated history written straight into the aggregator's Redis.

Events go through the aggregator's own ingest path — `classify` (validate, bind to topic,
dedupe id) and `RedisBatchWriter` (the dedupe + XADD Lua script, pipelined per batch) — as
``historical`` events with their true past timestamps, so running the same seed twice adds
nothing. Agents restart now and then (new ``boot_id``, ``seq`` from 0, a retained-style
``online`` status written at each boot). The ground truth is returned beside the events.
"""

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from aggregator.ingest.validate import Accepted, Rejected, classify
from aggregator.ingest.writer import BatchWriter, Outcome
from protocol import (
    MAX_PAYLOAD_BYTES,
    AgentState,
    agent_status_topic,
    dump_event,
    event_topic,
)
from simulators.errors import SimulatorError
from simulators.fleet.generators import RoomSpec
from simulators.fleet.rates import DEFAULT_RATES, RoomKind, RoomRates
from simulators.fleet.room import RoomModel, day_start_ms
from simulators.fleet.stamp import SimStamper
from simulators.fleet.truth import FleetTruth

logger = logging.getLogger(__name__)

BATCH = 2000


class BackfillError(SimulatorError, RuntimeError):
    """A message of our own making was refused by the aggregator's validation."""


@dataclass(slots=True)
class BackfillStats:
    rooms: int = 0
    days: int = 0
    events: int = 0
    statuses: int = 0
    appended: int = 0
    duplicates: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return (self.events + self.statuses) / self.seconds if self.seconds else 0.0


class _Batcher:
    def __init__(self, writer: BatchWriter, stats: BackfillStats) -> None:
        self._writer, self._stats = writer, stats
        self._items: list[Accepted] = []

    def add(self, topic: str, payload: bytes) -> None:
        verdict = classify(topic, payload, MAX_PAYLOAD_BYTES)
        if isinstance(verdict, Rejected):
            raise BackfillError(f"aggregator refused a simulated message: {verdict.detail}")
        self._items.append(verdict)
        if len(self._items) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self._items:
            return
        for outcome in self._writer.write(self._items):
            if outcome is Outcome.APPENDED:
                self._stats.appended += 1
            else:
                self._stats.duplicates += 1
        self._items.clear()


def backfill(
    writer: BatchWriter,
    rooms: Sequence[RoomSpec],
    *,
    start: date,
    days: int,
    seed: int,
    rates: dict[RoomKind, RoomRates] | None = None,
    update_s: float = 30.0,
    restarts_per_30_days: float = 1.0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[FleetTruth, BackfillStats]:
    """Write ``days`` days from ``start`` for every room; returns (truth, stats)."""
    table = rates or DEFAULT_RATES
    end = start + timedelta(days=days)
    truth = FleetTruth(seed=seed, start=start.isoformat(), end=end.isoformat())
    stats = BackfillStats()
    batcher = _Batcher(writer, stats)
    began = time.perf_counter()
    for index, spec in enumerate(rooms):
        model = RoomModel(spec, table[spec.kind], seed=seed, start=start, update_s=update_s)
        stamper = SimStamper(spec, seed)
        restarts = random.Random(f"{seed}/restarts/{spec.site}/{spec.agent_id}")
        for n, day in enumerate(model.days(days)):
            midnight = day_start_ms(day.day)
            boot_ms: int | None = midnight  # the first boot, at the start
            if n > 0:
                at = midnight + restarts.randrange(86_400_000)
                boot_ms = at if restarts.random() < restarts_per_30_days / 30.0 else None
            for occ in day.occurrences:
                if boot_ms is not None and occ.ts_ms >= boot_ms:
                    stats.statuses += _boot(batcher, stamper, boot_ms, first=n == 0)
                    boot_ms = None
                event = stamper.stamp(occ, historical=True)
                batcher.add(
                    event_topic(spec.site, spec.agent_id, occ.type.value), dump_event(event)
                )
                stats.events += 1
            if boot_ms is not None:
                stats.statuses += _boot(batcher, stamper, boot_ms, first=n == 0)
            stats.days += 1
        truth.rooms.append(model.truth)
        stats.rooms += 1
        if progress is not None:
            progress(index + 1, len(rooms))
    batcher.flush()
    stats.seconds = time.perf_counter() - began
    logger.info(
        "back-filled %d rooms x %d days: %d events, %d appended, %d duplicates, %.0f msg/s",
        stats.rooms,
        days,
        stats.events,
        stats.appended,
        stats.duplicates,
        stats.per_second,
    )
    return truth, stats


def _boot(batcher: _Batcher, stamper: SimStamper, ts_ms: int, first: bool) -> int:
    """A (re)start of the agent: new boot unless it is the first, and its online status."""
    if not first:
        stamper.new_boot()
    status = stamper.status(AgentState.ONLINE, ts_ms)
    topic = agent_status_topic(stamper.spec.site, stamper.spec.agent_id)
    batcher.add(topic, status.model_dump_json(by_alias=True).encode())
    return 1
