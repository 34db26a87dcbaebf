"""What the engines see of a person in one frame: positions and heights, never pixels."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Observation:
    """One tracked object seen in the current frame, in room coordinates (metres)."""

    track_id: int
    x: float
    y: float
    top_m: float
    """Highest point above the floor (robust)."""
    bottom_m: float
    """Lowest point above the floor (robust): ≈ 0 when lying on the floor."""
    is_person: bool
    """Stood upright or walked at some point (not furniture)."""
    born_t: float
    zone_id: str | None = None
    zone_kind: str | None = None
    """"bed" or "chair" when the centroid is inside a configured zone."""
    fall_risk: bool = False
    """The zone is a bed of a fall-risk patient."""
