"""Engines against the simulator's labels, fed the simulated people's true positions.

Perception is left out on purpose (its own tests render depth): this checks that the
engines read the label semantics right (room_entry / room_exit with hand_rub and
patient_contact, transfer and assisted_walk with staff_count) given clean tracks. A rub at
the corridor dispenser happens outside the room's walls, where the camera cannot see, so
such entries are expected to read as not rubbed.
"""

import random
from typing import Any

import numpy as np
import pytest

from edge_agent.detections import Detection
from edge_agent.engines import EngineFrame, HandHygieneEngine, MobilityEngine, Observation
from edge_agent.perception.config import (
    BedZone,
    ChairZone,
    DispenserZone,
    DoorZone,
    HandHygieneConfig,
    MobilityConfig,
    ZonesConfig,
)
from edge_agent.perception.zones import ZoneMap
from protocol import HandHygieneData, MobilityData, MobilityState, Phase
from simulators.generate import random_scenario
from simulators.rooms import Zone
from simulators.scenarios import Scenario

FPS = 5
T0 = 1_800_000_000.0


def _rect(z: Zone) -> list[tuple[float, float]]:
    (x0, y0), (x1, y1) = z.lo, z.hi
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _zones(s: Scenario) -> ZonesConfig:
    z = s.room.zones
    return ZonesConfig(
        beds=[BedZone(id="bed", polygon=_rect(z["bed"]), fall_risk=True)],
        chairs=[ChairZone(id="chair", polygon=_rect(z["chair"]))],
        doors=[DoorZone(id="door", polygon=_rect(z["door"]))],
        dispensers=[DispenserZone(id="rub-in", polygon=_rect(z["dispenser_in"]))],
    )


def _replay(s: Scenario) -> list[Detection]:
    """True positions as tracks (a new track each time a person comes into the room)."""
    zones = _zones(s)
    zmap = ZoneMap(zones)
    hygiene = HandHygieneEngine(HandHygieneConfig(), zones.beds)
    mobility = MobilityEngine(MobilityConfig(), zones.beds)
    tracks: dict[int, tuple[int, float]] = {}
    last: dict[int, tuple[float, float]] = {}
    out: list[Detection] = []
    for i in range(int(s.duration * FPS)):
        t = T0 + i / FPS
        obs = []
        states = s.at(i / FPS)
        for st in states:
            pid = st.person.id
            track, born = tracks.setdefault(pid, (len(tracks) + 10 * pid, t))
            a, b, r = st.capsules
            top = float(np.max(np.maximum(a[:, 2], b[:, 2]) + r))
            bottom = max(0.0, float(np.min(np.minimum(a[:, 2], b[:, 2]) - r)))
            x, y = st.pose.x, st.pose.y
            px, py = last.get(pid, (x, y))
            last[pid] = (x, y)
            seat = zmap.at(x, y)
            obs.append(
                Observation(
                    track,
                    x,
                    y,
                    top,
                    bottom,
                    is_person=True,
                    born_t=born,
                    zone_id=seat.id if seat else None,
                    zone_kind=seat.kind if seat else None,
                    speed_mps=float(np.hypot(x - px, y - py)) * FPS,
                    zones=zmap.kinds_at(x, y),
                )
            )
        for pid in set(tracks) - {st.person.id for st in states}:
            del tracks[pid]
            last.pop(pid, None)
        out += mobility.step(t, EngineFrame(obs))
        out += hygiene.step(t, EngineFrame(obs, patient=mobility.patient))
    end = T0 + s.duration
    return out + mobility.flush(end) + hygiene.flush(end)


def _unseen_rub(s: Scenario, e: dict[str, Any]) -> bool:
    return any(
        h["event"] == "hand_rub"
        and h["where"] == "out"
        and h["person"] == e["person"]
        and abs(h["end"] - e["t"]) < 30
        for h in s.events
    )


@pytest.mark.parametrize("seed", [2, 6])
def test_staff_visits_read_like_their_labels(seed: int) -> None:
    s = random_scenario(
        random.Random(seed), kind="clip", room_kind="hospital_single", focus="staff_visit"
    )
    got = [(d.ts - T0, d.data) for d in _replay(s) if isinstance(d.data, HandHygieneData)]
    labels = [e for e in s.events if e["event"] in ("room_entry", "room_exit")]
    assert len(got) == len(labels) > 0
    for e in labels:
        direction = "entry" if e["event"] == "room_entry" else "exit"
        [data] = [x for ts, x in got if x.direction == direction and abs(ts - e["t"]) < 3]
        assert data.dispenser_used == (e["hand_rub"] and not _unseen_rub(s, e))
        if direction == "exit":
            assert data.patient_contact == e["patient_contact"]


@pytest.mark.parametrize("seed", [1, 3])
def test_assisted_transfers_count_their_staff(seed: int) -> None:
    s = random_scenario(
        random.Random(seed), kind="clip", room_kind="hospital_single", focus="assisted_transfer"
    )
    [transfer] = [e for e in s.events if e["event"] == "transfer"]
    steps = [
        d.data for d in _replay(s) if isinstance(d.data, MobilityData) and d.phase is not Phase.END
    ]
    [chair] = [m for m in steps if m.state is MobilityState.CHAIR]
    assert (chair.staff_count, chair.ims_level) == (transfer["staff_count"], 5)
    assert steps[0].previous is MobilityState.IN_BED
