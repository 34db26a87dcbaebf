"""Room layouts: walls, furniture as boxes, the camera in a high corner, and named spots.

Rooms are axis-aligned in the world frame (see `simulators.camera`). The camera hangs in the
corner at the origin, just below the ceiling, looking down the room's diagonal, so the floor,
the bed and the chair are all in view while the door (in the wall at y = 0) is just outside it.
`Room.with_camera` moves it (corner or ceiling mount, any height and tilt).

"hospital" and "home" are the original compact layouts the edge tests were tuned on; the
furnished layouts with real dimensions (single room, ICU bay, home bedroom, living room,
bathroom) live in `simulators.layouts` and are reached through `room(kind)` too.
"""

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from simulators.camera import CameraPose
from simulators.raycast import Box

RoomKind = Literal[
    "hospital", "home", "hospital_single", "icu_bay", "home_bedroom", "living_room", "bathroom"
]
ROOM_KINDS: tuple[RoomKind, ...] = (
    "hospital",
    "home",
    "hospital_single",
    "icu_bay",
    "home_bedroom",
    "living_room",
    "bathroom",
)
Mount = Literal["corner", "ceiling"]


@dataclass(frozen=True, slots=True)
class Spot:
    """A place a script walks to: floor position and facing (radians)."""

    x: float
    y: float
    yaw: float = 0.0


@dataclass(frozen=True, slots=True)
class Zone:
    """A floor rectangle with a meaning (dispenser, door, bed...), in world metres."""

    lo: tuple[float, float]
    hi: tuple[float, float]
    where: str = "inside"
    """"inside" or "outside" the room (a corridor dispenser is outside)."""

    def contains(self, x: float, y: float) -> bool:
        return self.lo[0] <= x <= self.hi[0] and self.lo[1] <= y <= self.hi[1]


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
    zones: dict[str, Zone] = field(default_factory=dict)
    seats: dict[str, float] = field(default_factory=dict)
    """Seat heights by name ("chair", "toilet", "sofa", "bed_edge") beyond `seat_top`."""
    mount: Mount = "corner"

    def seat(self, name: str) -> float:
        if name in self.seats:
            return self.seats[name]
        return self.bed_top if name == "bed_edge" else self.seat_top

    def with_camera(
        self,
        mount: Mount = "corner",
        height: float | None = None,
        tilt_deg: float | None = None,
        *,
        corner: int = 0,
    ) -> "Room":
        """The same room seen from another mount.

        corner: high in a corner, looking down the diagonal, `tilt_deg` below horizontal
        (default 35°); `corner` 0 is the origin, then counter-clockwise (1: x wall end, 2: the
        far corner, which sees the door wall, 3: y wall end). ceiling: at the room's centre
        looking down, `tilt_deg` away from straight down towards +y (default 0°). `height`
        defaults to just below the ceiling.
        """
        if mount == "corner":
            h = self.size[2] - 0.3 if height is None else height
            pose = _corner_camera(self.size, h, 35.0 if tilt_deg is None else tilt_deg, corner)
        else:
            h = self.size[2] - 0.05 if height is None else height
            tilt = 0.0 if tilt_deg is None else tilt_deg
            pose = CameraPose((self.size[0] / 2, self.size[1] / 2, h), 90.0, 90.0 - tilt)
        return dataclasses.replace(self, camera=pose, mount=mount)

    def meta(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "size": list(self.size),
            "mount": self.mount,
            "furniture": {
                name: {"lo": list(box.lo), "hi": list(box.hi), "material": box.material}
                for name, box in self.furniture.items()
            },
            "spots": {
                name: [round(s.x, 3), round(s.y, 3), round(s.yaw, 3)]
                for name, s in self.spots.items()
            },
            "zones": {
                name: {"lo": list(z.lo), "hi": list(z.hi), "where": z.where}
                for name, z in self.zones.items()
            },
            "door": [self.door.x, self.door.y],
            "bed_top": self.bed_top,
            "seat_top": self.seat_top,
        }


def _corner_camera(
    size: tuple[float, float, float], height: float, pitch: float, corner: int = 0
) -> CameraPose:
    sx = 1.0 if corner % 4 in (0, 3) else -1.0
    sy = 1.0 if corner % 4 in (0, 1) else -1.0
    x = 0.12 if sx > 0 else size[0] - 0.12
    y = 0.12 if sy > 0 else size[1] - 0.12
    yaw = math.degrees(math.atan2(sy * size[1], sx * size[0]))
    return CameraPose((x, y, height), yaw, pitch)


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
    """A room layout by kind (see `ROOM_KINDS`); raises KeyError naming the known ones."""
    from simulators.layouts import bathroom, home_bedroom, hospital_single, icu_bay, living_room

    builders: dict[str, Callable[[], Room]] = {
        "hospital": hospital_room,
        "home": home_room,
        "hospital_single": hospital_single,
        "icu_bay": icu_bay,
        "home_bedroom": home_bedroom,
        "living_room": living_room,
        "bathroom": bathroom,
    }
    try:
        return builders[kind]()
    except KeyError:
        raise KeyError(f"unknown room kind {kind!r}; known: {', '.join(builders)}") from None
