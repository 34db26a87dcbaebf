"""Episode-level check of the thermal fall path on held-out clips: replay each clip through
`ThermalPipeline` and compare fall starts with the simulator's falls.

A fall clip counts as found when a fall `start` comes within 10 s after landing (and before
the person is up again); any fall start in a clip without a fall, or before the landing,
is a false alarm. Run: ``python -m models.thermal.episodes [--split test] [--model DIR] [DIR]``.
"""

import argparse
import json
from collections import Counter
from pathlib import Path

from edge_agent.inference.runtime import OnnxModel
from edge_agent.sources.thermal import ThermalRecordingSource
from edge_agent.thermal.pipeline import ThermalPipeline
from models.thermal.clips import default_dir, split_of
from protocol import EventType, Phase

WITHIN_S = 10.0


def check(path: Path, model: OnnxModel | None = None) -> tuple[str, bool, int, int]:
    """(sensor, has a fall, falls found in time, false alarms) for one clip."""
    lines = [json.loads(line) for line in path.with_suffix(".labels.jsonl").open()]
    falls = [e for e in lines if e.get("event") == "fall"]
    source = ThermalRecordingSource(path)
    start = source.meta.start_time.timestamp()
    pipeline = ThermalPipeline(model=model)
    starts: list[float] = []
    last = start
    try:
        for frame in source.frames():
            last = frame.t
            for d in pipeline.process(frame):
                if d.type == EventType.FALL and d.phase == Phase.START:
                    starts.append(d.ts - start)
    finally:
        source.close()
    pipeline.flush(last)
    found = 0
    matched: set[int] = set()
    for fall in falls:
        landing = float(fall["landing"])
        for i, s in enumerate(starts):
            if i not in matched and landing - 1.0 <= s <= landing + WITHIN_S:
                matched.add(i)
                found += 1
                break
    return source.meta.sensor, bool(falls), found, len(starts) - len(matched)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=default_dir())
    parser.add_argument("--split", default="test", choices=("train", "val", "test"))
    parser.add_argument("--model", type=Path, default=None, help="model directory to check")
    args = parser.parse_args()
    model = OnnxModel(args.model) if args.model is not None else None
    totals: Counter[tuple[str, str]] = Counter()
    for path in sorted(args.folder.glob("[0-9]*.npz")):
        if ".windows" in path.name or split_of(int(path.name[:4])) != args.split:
            continue
        sensor, has_fall, found, false = check(path, model)
        totals[(sensor, "fall_clips")] += has_fall
        totals[(sensor, "found")] += found
        totals[(sensor, "false_alarms")] += false
        totals[(sensor, "clips")] += 1
        print(f"{path.name}: fall={has_fall} found={found} false_alarms={false}")
    for sensor in sorted({s for s, _ in totals}):
        c = {k: totals[(sensor, k)] for k in ("clips", "fall_clips", "found", "false_alarms")}
        print(f"{sensor}: {c}")


if __name__ == "__main__":
    main()
