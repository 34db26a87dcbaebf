"""How the first fall rule does on simulated recordings it was not tuned on.

Run: ``.venv/bin/python bench/fall_rule_sim.py [--seeds 10 11 12 13 14]``. Renders (or reuses
from the cache) each scenario for each seed at 320×240, replays it through the agent's own
source and pipeline, and compares fall `start`s with the labelled landings: a fall counts as
alerted when a start comes 0–10 s after landing; any other start is a false alert. The
figures are on SIMULATED data only; real recordings will read lower.
"""

import argparse
import math
import statistics
from pathlib import Path

from edge_agent.perception.config import PerceptionConfig
from edge_agent.pipeline import Pipeline
from edge_agent.sources.realsense import RealSenseSource
from protocol import EventType, Phase
from simulators.cache import cached_recording
from simulators.recording import read_labels

SCENARIOS = ("walk_fall_forward", "home_fall", "walk_sit_stand", "bed_exit", "quiet_room")
WINDOW_S = 10.0


def fall_starts(recording: Path) -> tuple[list[float], float, float]:
    """Fall start times (s from the first frame), and the recording's length."""
    source = RealSenseSource(recording, real_time=False, loop=False)
    pipeline = Pipeline(PerceptionConfig())
    starts: list[float] = []
    t0 = t = math.nan
    try:
        for frame in source.frames():
            t = frame.t
            t0 = t if math.isnan(t0) else t0
            for d in pipeline.process(frame):
                if d.type is EventType.FALL and d.phase is Phase.START:
                    starts.append(d.ts - t0)
    finally:
        source.close()
    return starts, t - t0, t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=[10, 11, 12, 13, 14])
    args = parser.parse_args()
    falls = alerted = false_alerts = 0
    delays: list[float] = []
    seconds = 0.0
    for scenario in SCENARIOS:
        for seed in args.seeds:
            recording = cached_recording(scenario, seed=seed, width=320, height=240)
            landings = [e["landing"] for e in read_labels(recording).events if e["event"] == "fall"]
            starts, length, _ = fall_starts(recording)
            seconds += length
            unmatched = list(starts)
            for landing in landings:
                falls += 1
                hits = [s for s in unmatched if 0 <= s - landing <= WINDOW_S]
                if hits:
                    alerted += 1
                    delays.append(hits[0] - landing)
                    unmatched.remove(hits[0])
            false_alerts += len(unmatched)
            print(f"{scenario:18s} seed {seed:3d}: falls {len(landings)}, starts {len(starts)}")
    hours = seconds / 3600
    print(f"\nsimulated recordings: {len(SCENARIOS) * len(args.seeds)}, {seconds / 60:.1f} min")
    print(f"falls alerted within {WINDOW_S:.0f} s of landing: {alerted}/{falls}")
    if delays:
        print(
            f"landing → fall start: median {statistics.median(delays):.1f} s, "
            f"max {max(delays):.1f} s"
        )
    print(f"false fall alerts: {false_alerts} in {hours:.2f} h ({false_alerts / hours:.1f}/h)")


if __name__ == "__main__":
    main()
