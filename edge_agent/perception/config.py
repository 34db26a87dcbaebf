"""Settings of the perception pipeline and its event engines, one typed object per device.

Every threshold lives here (not as a constant in an engine) so an installer can tune a room
without touching code, and an empty config is a working config for a typical wall-mounted
depth camera. Distances are metres, times seconds, heights are above the floor.
"""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BackgroundConfig(_Section):
    learn_s: float = Field(
        default=1.5,
        gt=0,
        description="Seconds of frames used to learn the empty-room background (per-pixel "
        "median and noise).",
    )
    min_fg_m: float = Field(
        default=0.08, gt=0, description="Foreground: at least this much closer than background."
    )
    noise_rel_sq: float = Field(
        default=0.0042,
        ge=0,
        description="Depth noise floor σ per metre² of distance (D435 at 640×480: "
        "0.08 subpixel / (fx · 50 mm baseline) ≈ 0.0042; double at 320×240). The noise "
        "measured per pixel while learning is used where it is larger.",
    )
    noise_k: float = Field(
        default=3.0, gt=0, description="Foreground: at least this many σ closer than background."
    )
    update_after_s: float = Field(
        default=120.0,
        gt=0,
        description="A pixel is absorbed into the background only after this long unchanged "
        "foreground-free (or, for a stuck object, after this long still foreground and no "
        "person nearby); keeps a person lying still on the floor visible for long lies.",
    )


class TemporalConfig(_Section):
    max_frames: int = Field(
        default=6,
        ge=1,
        le=50,
        description="Each pixel averages up to this many recent readings that agree (then an "
        "EMA of that weight); the foreground threshold shrinks by √n. 1 turns the filter off.",
    )
    hold_s: float = Field(
        default=0.5,
        ge=0,
        description="A pixel with no reading (dark or shiny surface, occlusion) keeps its last "
        "value this long before it counts as unknown.",
    )


class BlobConfig(_Section):
    cell_m: float = Field(default=0.08, gt=0, description="Floor grid cell size for clustering.")
    min_points: int = Field(default=30, ge=1, description="Blobs with fewer points are noise.")
    min_area_m2: float = Field(
        default=0.05,
        ge=0,
        description="Blobs whose visible surface (sum of the points' pixel footprints) is "
        "smaller are noise; independent of resolution and stride.",
    )
    min_height_m: float = Field(
        default=0.15, ge=0, description="Blobs whose top is lower than this are noise."
    )
    max_height_m: float = Field(
        default=2.4, gt=0, description="Points above this are ignored (ceiling, lamps)."
    )
    min_footprint_m2: float = Field(
        default=0.02, ge=0, description="Blobs with a smaller floor footprint are noise."
    )
    stride: int | None = Field(
        default=None,
        ge=1,
        description="Use every n-th pixel in each direction (speed vs detail); by default "
        "whatever brings the image to about 320 pixels wide (2 at 640×480, 1 at 320×240).",
    )


class TrackingConfig(_Section):
    gate_m: float = Field(
        default=0.8, gt=0, description="Max floor distance between a track and its next blob."
    )
    confirm_frames: int = Field(
        default=5,
        ge=1,
        description="A track is confirmed (may count as a person) once seen this many frames "
        "in a row; depth noise at walls and corners flickers for a frame or two.",
    )
    handover_m: float = Field(
        default=1.6,
        gt=0,
        description="Second pass: a blob left over may continue a track left over this far "
        "away (a fall moves the body's centre by about a metre within a frame or two).",
    )
    max_missing_s: float = Field(
        default=3.0, gt=0, description="A track unseen for this long is dropped."
    )
    height_smoothing: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="EMA weight of the newest top-height sample (1 = no smoothing).",
    )


class FallConfig(_Section):
    standing_height_m: float = Field(
        default=1.1, gt=0, description="Top height that counts as upright before a fall."
    )
    fallen_height_m: float = Field(
        default=0.6, gt=0, description="Top height below which a person may be on the floor."
    )
    max_floor_clearance_m: float = Field(
        default=0.25,
        ge=0,
        description="Lowest body points must be within this of the floor (not on a bed/sofa).",
    )
    raised_bottom_m: float = Field(
        default=0.35,
        gt=0,
        description="Lowest body points at least this high: lying or sitting on a bed or sofa. "
        "A drop from there to the floor counts like a drop from standing (falls out of bed).",
    )
    max_drop_s: float = Field(
        default=2.5,
        gt=0,
        description="The drop from standing (or from a bed) to the floor must take at most "
        "this long: falls are fast, lying down on purpose is slow.",
    )
    confirm_s: float = Field(
        default=1.5, ge=0, description="Time down before a fall `start` is emitted."
    )
    update_interval_s: float = Field(
        default=5.0, gt=0, description="Seconds between `update`s of an open fall episode."
    )
    recover_height_m: float = Field(
        default=0.9, gt=0, description="Top height that counts as up again."
    )
    recover_s: float = Field(
        default=3.0, ge=0, description="Time up before the episode ends as recovered."
    )
    lost_end_s: float = Field(
        default=30.0, gt=0, description="A fallen person unseen this long ends unrecovered."
    )
    confidence: float = Field(default=0.9, ge=0, le=1, description="Reported confidence.")


class OccupancyConfig(_Section):
    debounce_s: float = Field(
        default=2.0, ge=0, description="A new people count must hold this long to be reported."
    )


class BedExitConfig(_Section):
    enabled: bool = Field(default=True, description="Run the bed-exit engine for fall-risk beds.")
    exit_s: float = Field(
        default=2.0, ge=0, description="Time out of the bed zone before an `exit` is reported."
    )
    exit_margin_m: float = Field(
        default=0.3,
        ge=0,
        description="Out of bed means the body centre is this far outside the bed outline "
        "(someone sitting on the edge with their legs down is just outside it).",
    )
    return_s: float = Field(
        default=5.0, ge=0, description="Time back in the bed zone before a `return`."
    )


_FRAME = (
    "(the calibrated room frame: origin on the floor straight below the camera, y along the "
    "camera's view, x to its right)."
)


class BedZone(_Section):
    id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Opaque bed id (wire `bed`)."
    )
    polygon: list[tuple[float, float]] = Field(
        min_length=3,
        description="Bed outline on the floor, [[x, y], ...] in room metres " + _FRAME,
    )
    fall_risk: bool = Field(default=False, description="Report bed exits for this bed.")


class ChairZone(_Section):
    id: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description="Opaque chair/sofa id."
    )
    polygon: list[tuple[float, float]] = Field(
        min_length=3,
        description="Seat outline on the floor, [[x, y], ...] in room metres " + _FRAME,
    )


class ZonesConfig(_Section):
    beds: list[BedZone] = Field(default_factory=list, description="Beds (lying there is fine).")
    chairs: list[ChairZone] = Field(
        default_factory=list, description="Chairs and sofas (sitting or lying there is fine)."
    )


class PerceptionConfig(_Section):
    """Everything perception and the engines need; the device config embeds it."""

    calibration_file: Path | None = Field(
        default=None,
        description="Floor calibration JSON: loaded if present, written after auto-calibration.",
    )
    mount: Literal["auto", "wall", "ceiling"] = Field(
        default="auto",
        description="How the camera hangs, as a hint for the automatic floor calibration: "
        "'wall' (on a wall or in a corner, tilted 10–65° down), 'ceiling' (looking down, at "
        "most 35° off vertical) or 'auto' (either: the floor is told apart from walls and "
        "furniture by physical priors).",
    )
    background: BackgroundConfig = Field(
        default_factory=BackgroundConfig, description="Background model."
    )
    temporal: TemporalConfig = Field(
        default_factory=TemporalConfig, description="Per-pixel temporal depth filter."
    )
    blobs: BlobConfig = Field(default_factory=BlobConfig, description="People as 3-D blobs.")
    tracking: TrackingConfig = Field(default_factory=TrackingConfig, description="Tracker.")
    fall: FallConfig = Field(default_factory=FallConfig, description="Fall engine.")
    occupancy: OccupancyConfig = Field(
        default_factory=OccupancyConfig, description="Occupancy engine."
    )
    bed_exit: BedExitConfig = Field(default_factory=BedExitConfig, description="Bed-exit engine.")
    zones: ZonesConfig = Field(default_factory=ZonesConfig, description="Beds and chairs.")

    @field_validator("zones")
    @classmethod
    def _unique_zone_ids(cls, zones: ZonesConfig) -> ZonesConfig:
        ids = [z.id for z in zones.beds] + [z.id for z in zones.chairs]
        if len(ids) != len(set(ids)):
            raise ValueError("zone ids must be unique")
        return zones
