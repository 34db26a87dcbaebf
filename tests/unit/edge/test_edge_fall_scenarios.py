"""Named falls through the agent's own source and pipeline, as a nurse would meet them.

A slow slide from a chair, a roll out of bed that the bed half hides, a fall while a visitor
stands by the window, a fall under a ceiling camera, a collapse between the bed and the
chair; and a slow sit-down into the chair that must stay quiet (`simulators.fall_scenarios`).
Each is rendered for three seeds (320×240, 15 fps, cut `AFTER_LANDING_S` after the landing,
cached like every recording test) and replayed with the zones an installer would draw. A
fall must bring exactly one `start`, within `ALERT_WITHIN_S` of the landing, naming the
track of the person who fell: where that track is, the fallen person lies, and nobody else.

Detection figures over seeds 0–7 (`bench/fall_scenarios_sim.py`) are in the module's
`MISSED` reasons for the cases today's pipeline does not find every time.
"""

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edge_agent.perception.config import PerceptionConfig, ZonesConfig
from edge_agent.pipeline import Pipeline
from edge_agent.sources.realsense import RealSenseSource
from models.evaluate.items import room_frame, room_frame_zones
from protocol import EventType, FallData, OccupancyData, Phase
from simulators.cache import cached_recording
from simulators.recording import Labels, read_labels
from simulators.scenarios import build

SIZE: dict[str, Any] = {"width": 320, "height": 240, "fps": 15}
SEEDS = (0, 1, 2)
ALERT_WITHIN_S = 5.0
"""1.5 s down to confirm, plus tracking: alerts came 1.2–2.5 s after landing when found."""
AFTER_LANDING_S = 10.0
ON_THE_PERSON_M = 1.0
"""The alerted track's centroid (of what the camera sees of the body) to the labelled
position of the person who fell."""
FALLS = ("chair_slide", "bed_roll", "fall_with_visitor", "fall_ceiling", "fall_behind_bed")
_BEHIND_BED = (
    "fall_behind_bed: alerted in 3/8 seeds (2, 4, 6: 2.0, 5.6, 2.1 s after landing, so 2/8 "
    "within 5 s). The bed hides 55-80 % of the body about 5 m from the camera: what is left "
    "makes a blob of ~40 points and 0.025 m², under blobs.min_area_m2 = 0.05, so the track "
    "is lost on landing (with 0.02: 5/8, all within 2.3 s)"
)
MISSED = {
    ("bed_roll", 0): (
        "bed_roll: alerted in 7/8 seeds (1.7-2.5 s after landing); seed 0 is missed: the bed "
        "leaves ~200 of ~570 body pixels, a blob of 0.035 m² under blobs.min_area_m2 = 0.05, "
        "so the track is lost on landing (with 0.02: 8/8)"
    ),
    ("fall_behind_bed", 0): _BEHIND_BED,
    ("fall_behind_bed", 1): _BEHIND_BED,
}


def _cases(names: tuple[str, ...]) -> list[Any]:
    return [
        pytest.param(
            name,
            seed,
            id=f"{name}-{seed}",
            marks=[pytest.mark.xfail(raises=AssertionError, strict=True, reason=MISSED[name, seed])]
            if (name, seed) in MISSED
            else [],
        )
        for name in names
        for seed in SEEDS
    ]


@dataclass(frozen=True, slots=True)
class Alert:
    t: float
    """Seconds since the first frame."""
    where: tuple[float, float] | None
    """The alerted track's floor position (room frame) on that frame."""


@dataclass(frozen=True, slots=True)
class Replay:
    labels: Labels
    alerts: list[Alert]
    """Fall `start`s."""
    most_people: int
    """Largest occupancy count reported."""


@functools.cache
def _replay(scenario: str, seed: int) -> Replay:
    """The scenario's recording through a fresh pipeline (once per module run)."""
    landings = [e["landing"] for e in build(scenario, seed).events if e["event"] == "fall"]
    cut = {"max_seconds": round(landings[0] + AFTER_LANDING_S, 1)} if landings else {}
    recording: Path = cached_recording(scenario, seed=seed, **SIZE, **cut)
    labels = read_labels(recording)
    zones = ZonesConfig.model_validate(room_frame_zones(labels.meta))
    pipeline = Pipeline(PerceptionConfig(zones=zones))
    source = RealSenseSource(recording, real_time=False, loop=False)
    alerts: list[Alert] = []
    most = 0
    t0 = math.nan
    try:
        for frame in source.frames():
            t0 = frame.t if math.isnan(t0) else t0
            for d in pipeline.process(frame):
                if isinstance(d.data, OccupancyData):
                    most = max(most, d.data.count)
                if d.type is EventType.FALL and d.phase is Phase.START:
                    assert isinstance(d.data, FallData)
                    seen = {o.track_id: (o.x, o.y) for o in pipeline.observations}
                    alerts.append(Alert(d.ts - t0, seen.get(d.data.track_id)))
    finally:
        source.close()
    return Replay(labels, alerts, most)


def _people_at(labels: Labels, t: float) -> dict[int, tuple[float, float]]:
    """Everyone in the room at `t` (labelled positions, in the pipeline's room frame)."""
    to_room = room_frame(labels.meta)
    assert to_room is not None
    frame = min(labels.frames, key=lambda f: abs(float(f["t"]) - t))
    return {
        int(p["id"]): to_room(float(p["position"][0]), float(p["position"][1]))
        for p in frame["persons"]
        if p["in_room"]
    }


@pytest.mark.recordings
@pytest.mark.parametrize(("scenario", "seed"), _cases(FALLS))
def test_a_fall_is_alerted_once_within_seconds_on_the_person_who_fell(
    scenario: str, seed: int
) -> None:
    replay = _replay(scenario, seed)
    [fall] = [e for e in replay.labels.events if e["event"] == "fall"]
    assert len(replay.alerts) == 1, f"fall starts at {[a.t for a in replay.alerts]} s"
    [alert] = replay.alerts
    assert 0.0 <= alert.t - fall["landing"] <= ALERT_WITHIN_S
    assert alert.where is not None
    people = _people_at(replay.labels, alert.t)
    nearest = min(people, key=lambda pid: math.dist(people[pid], alert.where or (0.0, 0.0)))
    assert nearest == fall["person"]
    assert math.dist(people[nearest], alert.where) <= ON_THE_PERSON_M


@pytest.mark.recordings
def test_the_visitor_is_in_view_while_the_patient_falls() -> None:
    """The two-person case really has two people in view (or the attribution is moot)."""
    replay = _replay("fall_with_visitor", SEEDS[0])
    [fall] = [e for e in replay.labels.events if e["event"] == "fall"]
    assert len(_people_at(replay.labels, fall["landing"])) == 2
    assert replay.most_people == 2


@pytest.mark.recordings
@pytest.mark.parametrize("seed", SEEDS)
def test_sitting_down_slowly_into_the_chair_is_not_a_fall(seed: int) -> None:
    replay = _replay("chair_sit_slow", seed)
    assert replay.alerts == []
    assert replay.most_people == 1  # seen: the quiet is not an empty view
