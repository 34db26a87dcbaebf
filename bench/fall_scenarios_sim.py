"""How the agent does on the named fall scenarios (`simulators.fall_scenarios`), per seed.

Run: ``.venv/bin/python bench/fall_scenarios_sim.py [--seeds 0 1 2 3 4 5 6 7]``. Renders (or
reuses from the cache, the same files `tests/unit/edge/test_edge_fall_scenarios.py` uses)
each scenario at 320×240 and 15 fps, cut 10 s after the landing, replays it through the
agent's own source and pipeline with the zones an installer would draw, and prints for each
fall whether a `start` came 0–10 s after the landing, how late, and how far the alerted track
was from the person who fell. SIMULATED data only; real recordings will read lower.
"""

import argparse
import math
import statistics
from pathlib import Path

from edge_agent.perception.config import BlobConfig, PerceptionConfig, ZonesConfig
from edge_agent.pipeline import Pipeline
from edge_agent.sources.realsense import RealSenseSource
from models.evaluate.items import room_frame, room_frame_zones
from protocol import EventType, FallData, Phase
from simulators.cache import cached_recording
from simulators.recording import read_labels
from simulators.scenarios import build

SCENARIOS = (
    "chair_slide",
    "bed_roll",
    "fall_with_visitor",
    "fall_ceiling",
    "fall_behind_bed",
    "chair_sit_slow",
)
AFTER_LANDING_S = 10.0
WINDOW_S = 10.0


def fall_starts(
    recording: Path, min_area_m2: float | None = None
) -> list[tuple[float, tuple[float, float] | None]]:
    """Fall starts: seconds from the first frame, and the alerted track's floor position."""
    labels = read_labels(recording)
    zones = ZonesConfig.model_validate(room_frame_zones(labels.meta))
    blobs = BlobConfig() if min_area_m2 is None else BlobConfig(min_area_m2=min_area_m2)
    pipeline = Pipeline(PerceptionConfig(zones=zones, blobs=blobs))
    source = RealSenseSource(recording, real_time=False, loop=False)
    starts: list[tuple[float, tuple[float, float] | None]] = []
    t0 = math.nan
    try:
        for frame in source.frames():
            t0 = frame.t if math.isnan(t0) else t0
            for d in pipeline.process(frame):
                if d.type is EventType.FALL and d.phase is Phase.START:
                    track = d.data.track_id if isinstance(d.data, FallData) else -1
                    seen = {o.track_id: (o.x, o.y) for o in pipeline.observations}
                    starts.append((d.ts - t0, seen.get(track)))
    finally:
        source.close()
    return starts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(8)))
    parser.add_argument(
        "--min-area-m2",
        type=float,
        default=None,
        help="try another blobs.min_area_m2 (default: the shipped config's)",
    )
    args = parser.parse_args()
    for scenario in SCENARIOS:
        alerted = falls = false_alerts = 0
        delays: list[float] = []
        for seed in args.seeds:
            events = build(scenario, seed).events
            landings = [e["landing"] for e in events if e["event"] == "fall"]
            cut = {"max_seconds": round(landings[0] + AFTER_LANDING_S, 1)} if landings else {}
            recording = cached_recording(scenario, seed=seed, width=320, height=240, fps=15, **cut)
            starts = fall_starts(recording, args.min_area_m2)
            note = "no fall" if not landings else "missed"
            unmatched = list(starts)
            for landing in landings:
                falls += 1
                hits = [s for s in unmatched if 0 <= s[0] - landing <= WINDOW_S]
                if hits:
                    alerted += 1
                    delays.append(hits[0][0] - landing)
                    unmatched.remove(hits[0])
                    note = f"alerted {hits[0][0] - landing:.1f} s after landing"
                    note += _distance(recording, hits[0])
            false_alerts += len(unmatched)
            print(f"{scenario:18s} seed {seed:2d}: {note}, other starts {len(unmatched)}")
        summary = f"{scenario}: other starts {false_alerts}"
        if falls:
            summary += f", alerted {alerted}/{falls}"
        if delays:
            summary += f", delay median {statistics.median(delays):.1f} s, max {max(delays):.1f} s"
        print(summary + "\n")


def _distance(recording: Path, start: tuple[float, tuple[float, float] | None]) -> str:
    """How far the alerted track was from each person (labelled positions)."""
    t, where = start
    labels = read_labels(recording)
    to_room = room_frame(labels.meta)
    if where is None or to_room is None:
        return ""
    frame = min(labels.frames, key=lambda f: abs(float(f["t"]) - t))
    parts = [
        f"person {p['id']} ({p['role']}) {math.dist(to_room(*p['position'][:2]), where):.2f} m"
        for p in frame["persons"]
        if p["in_room"]
    ]
    return "; track to " + ", ".join(parts)


if __name__ == "__main__":
    main()
