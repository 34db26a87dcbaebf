"""Ground truth from a simulator labels file, in the depth models' terms (pure functions).

Postures are folded into what a depth blob can show and the engines use:

- ``on_floor``: lying, sitting or kneeling with the floor as support (fallen, floor sit,
  floor exercise: the posture says where the body is, the fall model says how it got there);
- ``lying``: lying on a bed, sofa or chair; ``sitting``: sitting on anything but the floor;
- ``crouching``: crouching, or kneeling on the feet (picking something up);
- ``standing`` / ``walking``: on the feet, split by the speed of the labelled position (the
  ``walking`` activity also covers waiting mid-walk); ``bending`` counts as standing;
- ``transition`` frames (getting up, sitting down, lying down) are not used for training.
"""

from collections.abc import Sequence
from typing import Any

from edge_agent.inference.features import rect_distance

POSTURES: tuple[str, ...] = ("standing", "walking", "sitting", "lying", "crouching", "on_floor")
WALKING_MPS = 0.3
"""Labelled horizontal speed above which someone on their feet is walking."""


def posture_label(person: dict[str, Any], speed_mps: float) -> str | None:
    """The folded posture of a labelled person, None for transitions (not trained on)."""
    posture = person.get("posture")
    support = person.get("support")
    if posture == "transition":
        return None
    if support == "floor" and posture in ("lying", "sitting", "kneeling"):
        return "on_floor"
    if posture == "lying":
        return "lying"
    if posture == "sitting":
        return "sitting"
    if posture in ("crouching", "kneeling"):
        return "crouching"
    if posture in ("standing", "bending"):
        return "walking" if speed_mps > WALKING_MPS else "standing"
    return None


def person_speeds(frames: Sequence[dict[str, Any]]) -> dict[tuple[int, int], float]:
    """Horizontal speed of each labelled person at each frame index (central difference)."""
    where: dict[int, dict[int, tuple[float, float, float]]] = {}
    for i, frame in enumerate(frames):
        for p in frame["persons"]:
            where.setdefault(p["id"], {})[i] = (frame["t"], p["position"][0], p["position"][1])
    speeds: dict[tuple[int, int], float] = {}
    for pid, seen in where.items():
        for i, (t, x, y) in seen.items():
            a = seen.get(i - 3, (t, x, y))
            b = seen.get(i + 3, (t, x, y))
            dt = b[0] - a[0]
            v = ((b[1] - a[1]) ** 2 + (b[2] - a[2]) ** 2) ** 0.5 / dt if dt > 0 else 0.0
            speeds[(pid, i)] = v
    return speeds


def dispenser_rects(meta: dict[str, Any]) -> list[tuple[list[float], list[float]]]:
    """The room's dispenser zones (``dispenser_in``, ``dispenser_out``) as (lo, hi) corners."""
    zones = meta.get("room", {}).get("zones", {})
    return [
        (list(z["lo"]), list(z["hi"])) for name, z in zones.items() if name.startswith("dispenser")
    ]


def zone_polygons(meta: dict[str, Any]) -> dict[str, list[tuple[float, float]]]:
    """Every labelled floor zone as a polygon (room coordinates of the simulator), named as in
    the labels: the shape a device `ZonesConfig` takes (beds, chairs, dispensers, doors)."""
    out: dict[str, list[tuple[float, float]]] = {}
    for name, z in meta.get("room", {}).get("zones", {}).items():
        (x0, y0), (x1, y1) = z["lo"][:2], z["hi"][:2]
        out[name] = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return out


def nearest_dispenser_m(
    x: float, y: float, rects: Sequence[tuple[Sequence[float], Sequence[float]]], far: float
) -> float:
    """Metres from a world point to the nearest dispenser zone (``far`` when there is none)."""
    return min((rect_distance(x, y, lo, hi) for lo, hi in rects), default=far)


def fall_windows(events: Sequence[dict[str, Any]], person: int) -> list[tuple[float, float]]:
    """(onset, landing) of each of this person's falls."""
    return [
        (float(e["onset"]), float(e["landing"]))
        for e in events
        if e.get("event") == "fall" and e.get("person") == person
    ]


def fall_label(
    t_end: float, person: int | None, events: Sequence[dict[str, Any]], after_s: tuple[float, float]
) -> int | None:
    """1 when the window ends ``after_s`` = (a, b) seconds after one of this person's landings,
    0 when it is clear of every fall, None (not trained on) for the fuzzy edges around one.

    Unmatched tracks (furniture, ghosts, a body split in two) are negatives except around
    any fall: a split body during a fall is ambiguous."""
    a, b = after_s
    falls = [f for e in events if e.get("event") == "fall" for f in [(e["onset"], e["landing"])]]
    for onset, landing in falls:
        mine = person is not None and any(
            e.get("event") == "fall" and e.get("person") == person and e["landing"] == landing
            for e in events
        )
        if mine and landing + a <= t_end <= landing + b:
            return 1
        if onset - 0.5 <= t_end <= landing + b + 3.0:
            return None
    return 0
