"""Bags of decision windows with a clip label, and the folds of a held-out protocol.

Real recordings are labelled per clip, not per frame: somewhere in a `fall` clip somebody
falls, nowhere in a `walk` clip. So each clip is a bag of the windows the device would show
the fall model, with the clip's label (multiple-instance learning: a fall bag needs one
window that says fall, a non-fall bag none). Held-out protocols split by (set, group): a
group is a session, scene or person, never in training and in test at once.
"""

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from edge_agent.sources.base import SourceError
from models.evaluate.real.index import RealClip, read_index
from models.thermal.fall_data import ClipTicks, clip_ticks

logger = logging.getLogger(__name__)

Key = tuple[str, str]
"""(set, group)."""
SIM_SET = "sim"
"""Simulated clips: training data in every fold, never held out."""


@dataclass(frozen=True, slots=True)
class Bag:
    id: str
    set: str
    group: str
    label: int
    """1: a fall happens in it; 0: none does."""
    ticks: ClipTicks
    array: str = ""
    """Width×height of the array (`8x8`): a threshold may be set per array."""

    @property
    def key(self) -> Key:
        return (self.set, self.group)


def real_bags(root: Path, sets: tuple[str, ...] = ()) -> list[Bag]:
    """Every usable clip of a real folder as a bag (posture clips are non-fall bags: lying
    on the floor from the first frame on is not a descent)."""
    bags = []
    for clip in read_index(root):
        if sets and clip.set not in sets:
            continue
        bag = _bag(clip)
        if bag is not None:
            bags.append(bag)
    return bags


def _bag(clip: RealClip) -> Bag | None:
    try:
        ticks = clip_ticks(clip.path)
    except SourceError as e:
        logger.warning("left out of training: %s", e)
        return None
    if len(ticks.decisions) == 0:
        logger.warning("left out of training: %s gives no decision (too short)", clip.id)
        return None
    return Bag(clip.id, clip.set, clip.group, int(clip.kind == "fall"), ticks, clip.size)


@dataclass(frozen=True, slots=True)
class Fold:
    name: str
    held_out: frozenset[Key]


def plan_folds(bags: list[Bag], protocol: str, k: int = 5) -> list[Fold]:
    """The folds of `protocol` over the real bags: `loso` (one per set), `groups` (`k` folds,
    each set's groups dealt round the folds by a hash of their name) or `none` (one fold
    holding nothing out: the model to ship). Simulated bags are in every fold's training."""
    keys = sorted({b.key for b in bags if b.set != SIM_SET})
    if protocol == "none":
        return [Fold("all", frozenset())]
    if protocol == "loso":
        sets = sorted({s for s, _ in keys})
        return [Fold(f"loso-{s}", frozenset(key for key in keys if key[0] == s)) for s in sets]
    if protocol == "groups":
        slots: dict[int, set[Key]] = {i: set() for i in range(k)}
        for set_name in sorted({s for s, _ in keys}):
            groups = sorted((g for s, g in keys if s == set_name), key=_stable)
            offset = _stable(set_name) % k
            for i, group in enumerate(groups):
                slots[(i + offset) % k].add((set_name, group))
        return [Fold(f"groups-{i}", frozenset(slots[i])) for i in range(k)]
    raise ValueError(f"unknown protocol {protocol!r}: loso, groups or none")


def validation_keys(bags: list[Bag], share: float = 0.15) -> set[Key]:
    """About `share` of each real set's groups with a fall and of those without (at least one
    of each kind where a set has two or more), chosen by a hash: tuning data (the threshold,
    the best epoch) inside a fold's training side. Stratified, because many sources record a
    session per activity: a validation share of label-pure groups could hold no fall.
    Simulated clips are never validation: the threshold is set where the device will run,
    on real arrays (the simulator's hard negatives would push it above real falls)."""
    falls: dict[Key, bool] = {}
    for b in bags:
        if b.set == SIM_SET:
            continue
        falls[b.key] = falls.get(b.key, False) or bool(b.label)
    out: set[Key] = set()
    for set_name in sorted({s for s, _ in falls}):
        for kind in (True, False):
            groups = sorted(
                (g for (s, g), f in falls.items() if s == set_name and f == kind), key=_stable
            )
            if len(groups) < 2:
                continue
            n = max(1, round(share * len(groups)))
            out.update((set_name, g) for g in groups[:n])
    return out


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)
