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
    """Stood upright or walked at some point, or found as a person at start-up (not
    furniture)."""
    born_t: float
    zone_id: str | None = None
    zone_kind: str | None = None
    """"bed" or "chair" when the centroid is inside a configured zone."""
    fall_risk: bool = False
    """The zone is a bed of a fall-risk patient."""
    centroid_m: float = 0.0
    """Mean height of the visible body above the floor."""
    extent_m: float = 0.0
    """Largest horizontal extent (standing ≈ 0.5 m, lying ≈ 1.6 m)."""
    speed_mps: float = 0.0
    """Horizontal speed on the floor plane."""
    vspeed_mps: float = 0.0
    """Vertical speed of the top of the body (negative going down)."""
    zones: tuple[str, ...] = ()
    """Kinds of every configured zone the centroid is in (bed, chair, door, dispenser...)."""
    merged: bool = False
    """Shares one blob with someone else (a nurse beside the patient): position predicted."""
    found_at_start: bool = False
    """Already in the room when the agent started (found by shape, not seen coming in)."""
    posture: str | None = None
    """The posture model's label (standing, walking, sitting, lying, on_floor...); None when
    no model ran for this track yet: engines then fall back to geometry."""
    posture_conf: float = 0.0
    fall_p: float | None = None
    """The fall model's probability that this track fell in its last window."""
    dispenser_p: float | None = None
    """The dispenser model's probability that this track is using a dispenser now."""
