"""Furnished rooms with real dimensions: hospital single room, ICU bay, home rooms.

Sizes follow common practice (a single patient room of ~19 m², a hospital bed 0.95 × 2.05 m
with its mattress at 0.62 m and half rails at the head, chairs with a 0.46 m seat, a wall
dispenser at 1.1–1.35 m beside the door). Every bed lies along y with its head at the high-y
wall, so scripts can share one way of lying down. Furniture is boxes, so it occludes whatever
is behind it for the depth camera exactly as it would for a real one. Each box has a material
for the depth sensor model: screens are "dark", bed rails and sinks "shiny", the rest "matte".

Spots every layout may define (scripts check before using): chair, chair_front, bed_edge,
bed_side, middle, window, floor_free, dispenser_in, dispenser_out, sink, bathroom_door,
bathroom_inside, toilet, toilet_front, sofa.
"""

import math

from simulators.raycast import Box
from simulators.rooms import Room, Spot, Zone, _corner_camera

HALF_PI = math.pi / 2


def _zone(spot: Spot, half: float = 0.35, where: str = "inside") -> Zone:
    return Zone((spot.x - half, spot.y - half), (spot.x + half, spot.y + half), where)


def _box_zone(box: Box, margin: float = 0.0) -> Zone:
    return Zone((box.lo[0] - margin, box.lo[1] - margin), (box.hi[0] + margin, box.hi[1] + margin))


def _chair(x0: float, y0: float, seat: float, back_at_high_x: bool = True) -> dict[str, Box]:
    """A 0.5 m armchair with its back on the high-x side (the sitter faces −x)."""
    x1, y1 = x0 + 0.5, y0 + 0.5
    back = (x1 - 0.12, x1) if back_at_high_x else (x0, x0 + 0.12)
    return {
        "chair_seat": Box((x0, y0, seat - 0.07), (x1, y1, seat)),
        "chair_back": Box((back[0], y0, seat - 0.07), (back[1], y1, seat + 0.55)),
        "chair_base": Box((x0 + 0.07, y0 + 0.07, 0.0), (x1 - 0.07, y1 - 0.07, seat - 0.07)),
    }


def _hospital_bed(x0: float, y_head: float, top: float, rails: str) -> dict[str, Box]:
    """A 0.95 × 2.05 m bed, head at `y_head`; rails "head" (half rails) or "full"."""
    x1, y0 = x0 + 0.95, y_head - 2.05
    furniture = {
        "bed": Box((x0, y0, top - 0.17), (x1, y_head - 0.08, top)),
        "bed_base": Box((x0 + 0.1, y0 + 0.1, 0.0), (x1 - 0.1, y_head - 0.2, top - 0.17)),
        "headboard": Box((x0 - 0.05, y_head - 0.08, 0.0), (x1 + 0.05, y_head, 1.05)),
        "footboard": Box((x0, y0 - 0.05, top - 0.25), (x1, y0, top + 0.2)),
    }
    rail_y0 = y_head - 1.0 if rails == "head" else y0 + 0.3
    furniture["rail_left"] = Box(
        (x0 - 0.04, rail_y0, top), (x0, y_head - 0.15, top + 0.36), "shiny"
    )
    furniture["rail_right"] = Box(
        (x1, rail_y0, top), (x1 + 0.04, y_head - 0.15, top + 0.36), "shiny"
    )
    return furniture


def hospital_single() -> Room:
    """Single patient room 3.8 × 5.0 m: bed with half rails, chair, sink, dispensers, bathroom."""
    size = (3.8, 5.0, 2.8)
    bed_top, seat = 0.62, 0.46
    furniture = _hospital_bed(1.45, 5.0, bed_top, "head")
    furniture |= _chair(2.95, 3.1, seat)
    furniture |= {
        "locker": Box((2.75, 4.45, 0.0), (3.25, 4.95, 0.85)),
        "sink": Box((0.0, 1.7, 0.76), (0.5, 2.2, 0.88), "shiny"),
        "sink_pedestal": Box((0.0, 1.85, 0.0), (0.25, 2.05, 0.76)),
        "dispenser_in": Box((2.1, 0.0, 1.05), (2.22, 0.1, 1.35)),
        "wardrobe": Box((0.0, 2.7, 0.0), (0.6, 3.5, 2.0)),
    }
    spots = {
        "chair": Spot(3.2, 3.35, math.pi),
        "chair_front": Spot(2.75, 3.35, math.pi),
        "bed_edge": Spot(1.59, 3.5, math.pi),
        "bed_side": Spot(1.05, 3.5, math.pi),
        "bed_side_far": Spot(2.72, 3.95, math.pi),
        "middle": Spot(1.9, 2.0),
        "window": Spot(3.35, 2.3, 0.0),
        "floor_free": Spot(1.2, 1.8),
        "dispenser_in": Spot(2.16, 0.42, -HALF_PI),
        "dispenser_out": Spot(2.16, -0.45, HALF_PI),
        "sink": Spot(0.75, 1.95, math.pi),
        "bathroom_door": Spot(0.35, 0.75, math.pi),
        "bathroom_inside": Spot(-0.7, 0.75, math.pi),
    }
    door = Spot(3.05, 0.3, HALF_PI)
    zones = {
        "door": Zone((2.5, 0.0), (3.6, 0.7)),
        "dispenser_in": _zone(spots["dispenser_in"]),
        "dispenser_out": _zone(spots["dispenser_out"], where="outside"),
        "bed": _box_zone(furniture["bed"]),
        "chair": _box_zone(furniture["chair_seat"]),
        "sink": _zone(spots["sink"]),
        "bathroom_door": _zone(spots["bathroom_door"]),
    }
    camera = _corner_camera(size, 2.5, 35.0)
    return Room("hospital_single", size, furniture, camera, door, bed_top, seat, spots, zones, {})


def icu_bay() -> Room:
    """ICU bay 4.4 × 4.6 m, open to the unit at y = 0: bed with full rails, equipment."""
    size = (4.4, 4.6, 3.0)
    bed_top, seat = 0.68, 0.46
    furniture = _hospital_bed(1.75, 4.6, bed_top, "head")
    furniture["rail_right"] = Box((2.7, 2.85, bed_top), (2.74, 4.45, bed_top + 0.38), "shiny")
    furniture |= _chair(3.35, 2.3, seat)
    furniture |= {
        "ventilator": Box((0.8, 3.8, 0.0), (1.4, 4.4, 1.3)),
        "monitor": Box((2.95, 4.25, 1.3), (3.35, 4.55, 1.75), "dark"),
        "pump_stand": Box((0.9, 2.9, 0.0), (1.1, 3.1, 1.6)),
        "sink": Box((3.9, 0.6, 0.76), (4.4, 1.1, 0.88), "shiny"),
        "dispenser_in": Box((4.3, 0.2, 1.05), (4.4, 0.32, 1.35)),
    }
    spots = {
        "chair": Spot(3.6, 2.55, math.pi),
        "chair_front": Spot(3.15, 2.55, math.pi),
        "bed_edge": Spot(1.89, 3.3, math.pi),
        "bed_side": Spot(1.35, 3.3, math.pi),
        "bed_side_far": Spot(3.05, 3.6, math.pi),
        "middle": Spot(2.2, 1.6),
        "window": Spot(3.8, 1.8, 0.0),
        "floor_free": Spot(1.3, 1.6),
        "dispenser_in": Spot(3.95, 0.26, 0.0),
        "dispenser_out": Spot(3.2, -0.45, HALF_PI),
        "sink": Spot(3.6, 0.85, 0.0),
    }
    door = Spot(2.2, 0.3, HALF_PI)
    zones = {
        "door": Zone((1.2, 0.0), (3.2, 0.7)),
        "dispenser_in": _zone(spots["dispenser_in"]),
        "dispenser_out": _zone(spots["dispenser_out"], where="outside"),
        "bed": _box_zone(furniture["bed"]),
        "chair": _box_zone(furniture["chair_seat"]),
        "sink": _zone(spots["sink"]),
    }
    camera = _corner_camera(size, 2.7, 35.0)
    return Room("icu_bay", size, furniture, camera, door, bed_top, seat, spots, zones, {})


def home_bedroom() -> Room:
    """Bedroom 3.6 × 3.8 m: double bed, bedside table, wardrobe, chair."""
    size = (3.6, 3.8, 2.5)
    bed_top, seat = 0.55, 0.46
    furniture = {
        "bed": Box((0.9, 1.75, 0.0), (2.5, 3.72, bed_top)),
        "headboard": Box((0.85, 3.72, 0.0), (2.55, 3.8, 1.0)),
        "bedside_table": Box((2.6, 3.3, 0.0), (3.05, 3.75, 0.6)),
        "wardrobe": Box((3.0, 0.6, 0.0), (3.6, 1.8, 2.0)),
    }
    furniture |= _chair(0.1, 0.5, seat, back_at_high_x=False)
    spots = {
        "chair": Spot(0.4, 0.75, 0.0),
        "chair_front": Spot(0.85, 0.75, 0.0),
        "bed_edge": Spot(2.36, 2.5, 0.0),
        "bed_side": Spot(2.9, 2.5, 0.0),
        "middle": Spot(1.8, 1.2),
        "window": Spot(0.5, 1.5, math.pi),
        "floor_free": Spot(2.0, 1.1),
    }
    zones = {"bed": _box_zone(furniture["bed"]), "chair": _box_zone(furniture["chair_seat"])}
    camera = _corner_camera(size, 2.35, 35.0)
    door = Spot(2.6, 0.3, HALF_PI)
    return Room("home_bedroom", size, furniture, camera, door, bed_top, seat, spots, zones, {})


def living_room() -> Room:
    """Living room 5.0 × 4.2 m: sofa, armchair, coffee table, TV unit; no bed."""
    size = (5.0, 4.2, 2.5)
    seat = 0.45
    furniture = {
        "sofa_seat": Box((0.9, 3.35, 0.0), (2.9, 4.2, 0.42)),
        "sofa_back": Box((0.9, 3.95, 0.0), (2.9, 4.2, 0.85)),
        "coffee_table": Box((1.4, 2.2, 0.0), (2.4, 2.8, 0.42)),
        "tv_unit": Box((1.2, 0.0, 0.0), (2.6, 0.45, 0.55)),
    }
    furniture |= _chair(3.9, 1.2, seat)
    spots = {
        "chair": Spot(4.15, 1.45, math.pi),
        "chair_front": Spot(3.7, 1.45, math.pi),
        "sofa": Spot(1.9, 3.75, -HALF_PI),
        "middle": Spot(3.2, 2.4),
        "window": Spot(4.4, 3.4, 0.0),
        "floor_free": Spot(3.4, 2.8),
    }
    zones = {"chair": _box_zone(furniture["chair_seat"]), "sofa": _box_zone(furniture["sofa_seat"])}
    camera = _corner_camera(size, 2.35, 35.0)
    door = Spot(4.3, 0.3, HALF_PI)
    return Room(
        "living_room", size, furniture, camera, door, 0.42, seat, spots, zones, {"sofa": 0.42}
    )


def bathroom() -> Room:
    """Bathroom 2.4 × 2.3 m: toilet, basin, shower tray."""
    size = (2.4, 2.3, 2.5)
    furniture = {
        "toilet_bowl": Box((1.8, 1.5, 0.0), (2.25, 1.9, 0.42)),
        "cistern": Box((2.22, 1.45, 0.0), (2.4, 1.95, 0.85)),
        "sink": Box((0.9, 1.85, 0.78), (1.4, 2.3, 0.9), "shiny"),
        "shower_tray": Box((0.0, 1.2, 0.0), (0.8, 2.3, 0.05)),
    }
    spots = {
        "toilet": Spot(2.0, 1.7, math.pi),
        "toilet_front": Spot(1.5, 1.7, math.pi),
        "sink": Spot(1.15, 1.5, HALF_PI),
        "middle": Spot(1.2, 0.9),
        "floor_free": Spot(1.2, 1.0),
    }
    zones = {"toilet": _box_zone(furniture["toilet_bowl"]), "sink": _zone(spots["sink"])}
    camera = _corner_camera(size, 2.3, 40.0)
    door = Spot(1.6, 0.3, HALF_PI)
    return Room(
        "bathroom", size, furniture, camera, door, 0.42, 0.42, spots, zones, {"toilet": 0.42}
    )
