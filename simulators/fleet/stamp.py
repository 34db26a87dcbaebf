"""Turn occurrences into wire events for one boot of one virtual agent, reproducibly.

Like the edge `EventStamper`, but every id (event ids, boot ids) comes from a seeded random
stream, so the same seed gives byte-identical events and a second back-fill is deduplicated
by ``event_id``. A new boot gets a new ``boot_id`` and ``seq`` starts again at 0. Event ids
of the types added after falls, bed exits and occupancy come from a stream of their own, so
those three keep their ids for a seed (their ``seq`` does move: one counter per boot).
"""

import random
import uuid
from datetime import UTC, datetime

from protocol import (
    EVENT_SCHEMA,
    STATUS_SCHEMA,
    AgentState,
    AgentStatus,
    AnyEvent,
    EventType,
    ModelRef,
    event_adapter,
)
from simulators.fleet.generators import Occurrence, RoomSpec

WireEvent = AnyEvent
SOFTWARE_VERSION = "sim-fleet/0.1.0"
CONFIG_HASH = "5137f1ee"
MODELS = [
    ModelRef(name="fall-rule", version="0.1.0"),
    ModelRef(name="bed-exit-rule", version="0.1.0"),
    ModelRef(name="occupancy-rule", version="0.1.0"),
]
_FIRST_TYPES = frozenset({EventType.FALL, EventType.BED_EXIT, EventType.OCCUPANCY})


def utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class SimStamper:
    """Identity, boot, seq and ids for one virtual agent."""

    def __init__(self, spec: RoomSpec, seed: int) -> None:
        self.spec = spec
        self._rng = random.Random(f"{seed}/stamp/{spec.site}/{spec.agent_id}")
        self._rng_new = random.Random(f"{seed}/stamp-new/{spec.site}/{spec.agent_id}")
        self.boot_id = self._uuid4()
        self.boots = 1
        self.seq = 0

    def new_boot(self) -> uuid.UUID:
        """A restart of the agent: new ``boot_id``, ``seq`` from 0."""
        self.boot_id = self._uuid4()
        self.boots += 1
        self.seq = 0
        return self.boot_id

    def stamp(
        self, occ: Occurrence, sent_ms: int | None = None, historical: bool = False
    ) -> WireEvent:
        spec = self.spec
        event = event_adapter.validate_python(
            {
                "schema": EVENT_SCHEMA,
                "event_id": self._uuid7(occ.ts_ms, occ.type in _FIRST_TYPES),
                "episode_id": occ.episode_id,
                "phase": occ.phase,
                "site": spec.site,
                "unit": spec.unit,
                "room": spec.room,
                "bed": occ.bed,
                "agent_id": spec.agent_id,
                "sensor_id": spec.sensor_id,
                "boot_id": self.boot_id,
                "seq": self.seq,
                "ts": utc(occ.ts_ms),
                "sent_ts": utc(occ.ts_ms if sent_ms is None else sent_ms),
                "historical": historical,
                "confidence": occ.confidence,
                "model": occ.model,
                "type": occ.type,
                "data": occ.data,
            }
        )
        self.seq += 1
        return event

    def status(self, state: AgentState, ts_ms: int) -> AgentStatus:
        spec = self.spec
        return AgentStatus(
            schema=STATUS_SCHEMA,
            state=state,
            site=spec.site,
            unit=spec.unit,
            room=spec.room,
            agent_id=spec.agent_id,
            boot_id=self.boot_id,
            ts=utc(ts_ms),
            software_version=SOFTWARE_VERSION,
            config_hash=CONFIG_HASH,
            models=MODELS,
        )

    def _uuid4(self) -> uuid.UUID:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4)

    def _uuid7(self, ms: int, first_types: bool = True) -> uuid.UUID:
        rng = self._rng if first_types else self._rng_new
        rand_a, rand_b = rng.getrandbits(12), rng.getrandbits(62)
        value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
        return uuid.UUID(int=value)
