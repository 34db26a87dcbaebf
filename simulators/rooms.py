"""Room layouts: walls, furniture as boxes, the camera in a high corner, and named spots.

Rooms are axis-aligned in the world frame (see `simulators.camera`). The camera hangs in the
corner at the origin, just below the ceiling, looking down the room's diagonal, so the floor,
the bed and the chair are all in view while the door (in the wall at y = 0) is just outside it.
"""

import math
from dataclasses import dataclass, field
from typing import Literal

from simulators.camera import CameraPose
from simulators.raycast import Box

RoomKind = Literal["hospital", "home"]


@dataclass(frozen=True, slots=True)
class Spot:
    """A place a script walks to: floor position and facing (radians)."""

    x: float
    y: float
    yaw: float = 0.0


@dataclass(frozen=True, slots=True)
class Room:
    """One room: size (x, y, ceiling), furniture and where things are."""

    kind: RoomKind
    size: tuple[float, float, float]
    furniture: dict[str, Box]
    camera: CameraPose
    door: Spot
    bed_top: float
    """Height of the mattress surface (metres)."""
    seat_top: float
    """Height of the chair seat (metres)."""
    spots: dict[str, Spot] = field(default_factory=dict)

    def meta(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "size": list(self.size),
            "furniture": {
                name: {"lo": list(box.lo), "hi": list(box.hi)}
                for name, box in self.furniture.items()
            },
        }


def _corner_camera(size: tuple[float, float, float], height: float, pitch: float) -> CameraPose:
    yaw = math.degrees(math.atan2(size[1], size[0]))
    return CameraPose((0.12, 0.12, height), yaw, pitch)


def hospital_room() -> Room:
    """Single patient room: bed head against the far wall, visitor chair beside it."""
    size = (4.0, 5.0, 2.8)
    bed_top = 0.62
    seat_top = 0.46
    furniture = {
        "bed": Box((1.55, 2.80, 0.30), (2.50, 4.92, bed_top)),
        "bed_base": Box((1.65, 2.90, 0.0), (2.40, 4.82, 0.30)),
        "headboard": Box((1.50, 4.88, 0.0), (2.55, 5.0, 1.05)),
        "chair_seat": Box((3.05, 2.95, 0.40), (3.55, 3.45, seat_top)),
        "chair_back": Box((3.50, 2.95, 0.40), (3.62, 3.45, 1.00)),
        "chair_base": Box((3.12, 3.02, 0.0), (3.48, 3.38, 0.40)),
        "locker": Box((3.2, 4.4, 0.0), (3.7, 4.9, 0.85)),
    }
    spots = {
        "chair": Spot(3.30, 3.20, math.pi),
        "chair_front": Spot(2.85, 3.20, math.pi),
        "bed_lie": Spot(2.02, 3.55, -math.pi / 2),
        "bed_edge": Spot(1.72, 3.75, math.pi),
        "bed_side": Spot(1.15, 3.75, math.pi),
        "middle": Spot(2.0, 2.0),
        "window": Spot(3.3, 1.4),
    }
    return Room(
        "hospital",
        size,
        furniture,
        _corner_camera(size, 2.5, 35.0),
        Spot(3.2, 0.25, math.pi / 2),
        bed_top,
        seat_top,
        spots,
    )


def home_room() -> Room:
    """Bed-sitting room at home: low bed, sofa, armchair; lower ceiling."""
    size = (4.5, 4.2, 2.6)
    bed_top = 0.50
    seat_top = 0.45
    furniture = {
        "bed": Box((2.9, 2.2, 0.0), (4.5, 4.2, bed_top)),
        "sofa_seat": Box((0.9, 3.35, 0.0), (2.5, 4.2, 0.42)),
        "sofa_back": Box((0.9, 3.95, 0.0), (2.5, 4.2, 0.85)),
        "chair_seat": Box((3.7, 0.9, 0.0), (4.3, 1.5, seat_top)),
        "chair_back": Box((4.2, 0.9, 0.0), (4.4, 1.5, 0.95)),
        "table": Box((1.6, 1.9, 0.0), (2.4, 2.5, 0.45)),
    }
    spots = {
        "chair": Spot(3.95, 1.2, math.pi),
        "chair_front": Spot(3.45, 1.2, math.pi),
        "bed_lie": Spot(3.7, 2.9, -math.pi / 2),
        "bed_edge": Spot(3.1, 3.1, math.pi),
        "bed_side": Spot(2.55, 3.1, math.pi),
        "middle": Spot(2.3, 1.4),
        "window": Spot(1.2, 2.8),
    }
    return Room(
        "home",
        size,
        furniture,
        _corner_camera(size, 2.45, 35.0),
        Spot(2.8, 0.25, math.pi / 2),
        bed_top,
        seat_top,
        spots,
    )


def room(kind: RoomKind) -> Room:
    return hospital_room() if kind == "hospital" else home_room()
