"""Bags from a simulated thermal dataset (`ambient sim dataset --thermal`): the simulator knows
when each fall lands, so its bags are sharp.

A clip with a fall visible to the array gives a fall bag of the decisions made while the
descent is in the model's 3 s window (from the landing to 3.5 s after) and a non-fall bag of
the decisions well before the fall and long after it (lying still, getting up, walking: no
descent in view). A clip whose fall the array does not see, and every hard-negative clip, is
one non-fall bag. Every simulated clip is its own group of the set `sim`; simulated bags are
training data in every fold, never held out: the held-out protocols are about real data.
"""

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from edge_agent.sources.base import SourceError
from edge_agent.thermal.geometry import SensorGeometry
from models.thermal.dataset import to_sensor_frame, visible
from models.thermal.fall_bags import SIM_SET, Bag
from models.thermal.fall_data import ClipTicks, clip_ticks

logger = logging.getLogger(__name__)

POSITIVE_S = (0.0, 3.5)
"""Decisions from the landing to this long after it see the descent."""
QUIET_BEFORE_S = 1.0
QUIET_AFTER_S = 12.0


def sim_bags(
    dataset: Path, splits: tuple[str, ...] = ("train", "val")
) -> tuple[list[Bag], dict[str, Any]]:
    """The dataset's thermal clips of `splits` as bags, and what the sidecar says of them."""
    manifest = json.loads((dataset / "manifest.json").read_text())
    items = [i for i in manifest["items"] if "sensor" in i and i.get("split") in splits]
    bags: list[Bag] = []
    for item in items:
        try:
            ticks = clip_ticks(dataset / item["path"])
        except SourceError as e:
            logger.warning("left out of training: %s", e)
            continue
        bags.extend(_bags(item, ticks, dataset / item["labels"]))
    info = {
        "dataset": dataset.name,
        "manifest_sha256": manifest.get("manifest_sha256"),
        "splits": list(splits),
        "clips": len(items),
        "bags": len(bags),
        "fall_bags": sum(b.label for b in bags),
    }
    return bags, info


def _bags(item: dict[str, Any], ticks: ClipTicks, labels: Path) -> list[Bag]:
    lines = [json.loads(line) for line in labels.open() if line.strip()]
    meta = lines[0]
    frames = [line for line in lines if "frame" in line]
    falls = [e for e in lines if e.get("event") == "fall"]
    fov = meta["fov_deg"]
    geometry = SensorGeometry(
        meta["width"],
        meta["height"],
        fov[0],
        fov[1],
        meta["mount"],
        meta["height_m"],
        meta["tilt_deg"],
    )
    seen = [f for f in falls if _seen(geometry, meta, frames, f)]
    times = ticks.times
    group = str(item["id"])
    array = f"{meta['width']}x{meta['height']}"
    if not seen:
        return [Bag(group, SIM_SET, group, 0, ticks, array)]
    fall = seen[0]
    landing, onset = float(fall["landing"]), float(fall["onset"])
    end = float(fall.get("end") or landing)
    positive = (times >= landing + POSITIVE_S[0]) & (times <= landing + POSITIVE_S[1])
    quiet = (times < onset - QUIET_BEFORE_S) | (times > max(landing, end) + QUIET_AFTER_S)
    out = []
    if positive.any():
        out.append(Bag(f"{group}-fall", SIM_SET, group, 1, _only(ticks, positive), array))
    if quiet.any():
        out.append(Bag(f"{group}-quiet", SIM_SET, group, 0, _only(ticks, quiet), array))
    return out


def _only(ticks: ClipTicks, keep: np.ndarray) -> ClipTicks:
    return ClipTicks(ticks.ticks, ticks.context, ticks.decisions[keep], ticks.times[keep])


def _seen(
    geometry: SensorGeometry,
    meta: dict[str, Any],
    frames: list[dict[str, Any]],
    fall: dict[str, Any],
) -> bool:
    """The faller is in the array's view where they land."""
    landing = float(fall["landing"])
    frame = min(frames, key=lambda f: abs(float(f["t"]) - landing), default=None)
    if frame is None:
        return False
    for person in frame.get("persons", []):
        if person["id"] == fall.get("person"):
            return visible(geometry, to_sensor_frame(meta, person["position"]))
    return False
