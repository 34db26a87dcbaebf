"""Settings of the perception pipeline and its event engines, one typed object per device.

Every threshold lives here (not as a constant in an engine) so an installer can tune a room
without touching code, and an empty config is a working config for a typical wall-mounted
depth camera. Distances are metres, times seconds, heights are above the floor.
"""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from edge_agent.models_config import ModelsConfig


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
        default=60.0,
        gt=0,
        description="Foreground that stays put this long with no person on it (a chair pushed "
        "to a new place, a bag left on the floor) is absorbed into the background. Pixels "
        "around a tracked person never are, so a person lying still after a fall stays "
        "visible for hours; places something left are background again within about a "
        "second.",
    )


class StartupConfig(_Section):
    """Finding people who are already in view when the agent starts (or restarts)."""

    window_s: float = Field(
        default=10.0,
        gt=0,
        description="For this long after the background is learned, a new track shaped like "
        "a person lying down (in bed, on a sofa, on the floor) counts as a person at once: "
        "someone lying there when the agent started never stood up in view.",
    )
    reference: bool = Field(
        default=True,
        description="Keep an empty-room reference beside the floor calibration "
        "(floor.json → floor.room.npz): loaded at start-up, so whoever is in view is "
        "foreground at once; written when the room has been empty for `empty_s`.",
    )
    empty_s: float = Field(
        default=300.0,
        gt=0,
        description="Nothing tracked for this long on a healthy sensor: the room is empty "
        "and its background is stored as the reference.",
    )
    rewrite_s: float = Field(
        default=3600.0,
        gt=0,
        description="The reference is written again (drift, furniture moved and absorbed) "
        "at most this often.",
    )
    min_agree: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="A stored reference is used only when at least this share of the first "
        "learned view agrees with it; less means the camera moved or the room changed.",
    )
    search: bool = Field(
        default=True,
        description="Without a usable reference, look for people in the first learned "
        "background by shape (standing or sitting up, lying on the floor, in a bed zone) and "
        "keep them foreground until they move away.",
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
        default=0.8,
        gt=0,
        description="Max floor distance between a track's predicted position and its next "
        "blob (widens by 0.6 m per second unseen, up to 1 m more).",
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
        default=3.0,
        gt=0,
        description="A track unseen for this long is dropped; until then it coasts at its "
        "velocity (someone hidden behind someone else for a second or two keeps their id).",
    )
    max_merged_s: float = Field(
        default=60.0,
        gt=0,
        description="A track sharing one blob with another (two people close together, as "
        "in an assisted transfer) is kept this long; when the blob splits, heights and "
        "predicted positions give each person their id back.",
    )
    height_smoothing: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="EMA weight per frame of the newest top, centroid and lowest heights and "
        "extent (1 = no smoothing).",
    )
    speed_tau_s: float = Field(
        default=0.5,
        gt=0,
        description="Time constant (s) of the EMA of the floor velocity (finite differences of "
        "the blob centroid); speed_mps is its magnitude.",
    )
    vspeed_tau_s: float = Field(
        default=0.25,
        gt=0,
        description="Time constant (s) of the EMA of the vertical speed of the top (finite "
        "differences); a fall reads below −1 m/s.",
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
    confidence: float = Field(
        default=0.9, ge=0, le=1, description="Reported confidence of a fall seen by geometry."
    )
    found_down_confidence: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Reported confidence for a person found on the floor when the agent "
        "starts and never seen up since: an alert, though no fall was seen.",
    )
    escalation_s: list[float] = Field(
        default_factory=lambda: [300.0, 900.0, 3600.0],
        max_length=10,
        description="Long-lie steps: seconds on the floor after which an `update` with the "
        "next escalation number is sent (1 after the first, 2 after the second...). "
        "≥ 1 h on the floor is the clinical long lie.",
    )
    fall_p_threshold: float = Field(
        default=0.7,
        ge=0,
        le=1,
        description="A fall model probability at least this high counts as evidence of a fall "
        "on its own (the person must still be down on the floor).",
    )

    @field_validator("escalation_s")
    @classmethod
    def _ascending(cls, steps: list[float]) -> list[float]:
        if any(s <= 0 for s in steps) or steps != sorted(set(steps)):
            raise ValueError("escalation_s must be positive and strictly increasing")
        return steps


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
    sit_top_m: float = Field(
        default=1.1,
        gt=0,
        description="Top height in or at the bed above which the occupant sits up, not lies.",
    )
    on_bed_bottom_m: float = Field(
        default=0.3,
        ge=0,
        description="Lowest points above this: the body rests on the mattress, not the floor.",
    )
    edge_bottom_m: float = Field(
        default=0.25,
        ge=0,
        description="An occupant sitting up at the bed's edge whose lowest points are below "
        "this has their legs over the side: the earliest sign of getting up.",
    )
    posture_min_conf: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="A posture model label ('sitting', 'lying') counts when at least this sure.",
    )


class MobilityConfig(_Section):
    enabled: bool = Field(default=True, description="Run the mobility engine.")
    patient_bed: str | None = Field(
        default=None,
        description="Bed id whose occupant is the patient; by default the first bed, and with "
        "no bed the lone person in view (a home).",
    )
    min_dwell_s: float = Field(
        default=3.0, ge=0, description="A new state must hold this long to count (debounce)."
    )
    edge_margin_m: float = Field(
        default=0.45,
        ge=0,
        description="Sitting on the edge: the body centre within this of the bed outline.",
    )
    sit_top_m: float = Field(
        default=1.1, gt=0, description="Top height above which someone in bed is sitting up."
    )
    stand_ratio: float = Field(
        default=0.88,
        gt=0,
        le=1,
        description="Standing: top at least this share of the patient's height (learned from "
        "walking; `default_height_m` before that).",
    )
    default_height_m: float = Field(
        default=1.65, gt=0, le=2.5, description="Patient height assumed until seen walking."
    )
    walk_speed_mps: float = Field(
        default=0.25, gt=0, description="Upright and at least this fast: walking."
    )
    staff_radius_m: float = Field(
        default=1.5, gt=0, description="Other people this close to the patient count as staff."
    )
    end_still_s: float = Field(
        default=120.0,
        ge=0,
        description="The session ends once the patient is back in bed or in a chair this long.",
    )
    adopt_m: float = Field(
        default=1.0,
        gt=0,
        description="A new track this close to where the lost patient track was is the patient.",
    )
    posture_min_conf: float = Field(
        default=0.6, ge=0, le=1, description="Posture model labels count when this sure."
    )


class HandHygieneConfig(_Section):
    enabled: bool = Field(default=True, description="Run the hand-hygiene engine (needs a door).")
    window_s: float = Field(
        default=60.0,
        gt=0,
        description="A dispenser use within ± this of a doorway crossing counts for it.",
    )
    rub_min_s: float = Field(
        default=2.0,
        ge=0,
        description="Standing in a dispenser zone (or the dispenser model saying so) this long "
        "is a use; walking past is not.",
    )
    dispenser_p_threshold: float = Field(
        default=0.6, ge=0, le=1, description="Dispenser model probability that means in use."
    )
    contact_m: float = Field(
        default=0.5,
        ge=0,
        description="Patient contact: the body centre within this of the bed outline.",
    )
    patient_near_m: float = Field(
        default=0.8,
        ge=0,
        description="Patient contact: the body centre within this of the patient's (an "
        "assisted walk, a transfer from the chair).",
    )
    contact_wait_s: float = Field(
        default=600.0,
        gt=0,
        description="An entry is reported at the exit, or after this long (contact so far).",
    )
    gone_s: float = Field(
        default=1.5,
        gt=0,
        description="A track unseen this long after being at the door has left the room.",
    )
    relink_s: float = Field(
        default=5.0,
        ge=0,
        description="A track lost inside the room and a new one appearing within this time ...",
    )
    relink_m: float = Field(
        default=1.5, ge=0, description="... and this distance are the same visitor."
    )


class NoMotionConfig(_Section):
    enabled: bool = Field(default=True, description="Run the no-motion engine.")
    still_s: float = Field(
        default=1800.0,
        gt=0,
        description="Someone present and nothing moving this long opens a no-motion episode.",
    )
    update_interval_s: float = Field(
        default=300.0, gt=0, description="Seconds between `update`s of an open episode."
    )
    move_m: float = Field(
        default=0.3, gt=0, description="A body centre moving this far from where it rested."
    )
    height_change_m: float = Field(
        default=0.2, gt=0, description="A top height changing this much (sitting up, standing)."
    )
    speed_mps: float = Field(
        default=0.3, gt=0, description="A measured speed above this (averaged by the tracker)."
    )


class ActivityConfig(_Section):
    enabled: bool = Field(default=True, description="Run the per-person activity engine.")
    min_dwell_s: float = Field(
        default=3.0, ge=0, description="A new activity must hold this long to be reported."
    )
    out_of_view_s: float = Field(
        default=5.0, gt=0, description="A track unseen this long is out of view."
    )
    floor_top_m: float = Field(
        default=0.6, gt=0, description="Top below this with the body at the floor: on the floor."
    )
    floor_bottom_m: float = Field(
        default=0.25, ge=0, description="Lowest points within this of the floor: at the floor."
    )
    lying_top_m: float = Field(
        default=0.85, gt=0, description="Top below this, off the floor: lying (sofa, bed)."
    )
    stand_top_m: float = Field(
        default=1.3, gt=0, description="Top at least this high: standing (or walking)."
    )
    walk_speed_mps: float = Field(
        default=0.25, gt=0, description="Upright and at least this fast: walking."
    )
    posture_min_conf: float = Field(
        default=0.6, ge=0, le=1, description="Posture model labels count when this sure."
    )


class SensorHealthConfig(_Section):
    blocked_valid_below: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Blocked: fewer than this share of pixels have a depth reading ...",
    )
    blocked_near_above: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="... or more than this share are closer than 0.3 m (a hand, a cloth).",
    )
    blocked_s: float = Field(default=5.0, ge=0, description="... for this long.")
    unfamiliar_fg_above: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Unfamiliar: more than this share of the view is foreground (moved "
        "furniture, a scene unlike the learned one) ...",
    )
    unfamiliar_s: float = Field(default=30.0, ge=0, description="... for this long.")
    uncertain_conf_below: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="Uncertain: the models' mean confidence below this ...",
    )
    uncertain_s: float = Field(default=30.0, ge=0, description="... for this long.")
    recover_s: float = Field(
        default=5.0, ge=0, description="Healthy again after this long without any problem."
    )
    update_interval_s: float = Field(
        default=300.0, gt=0, description="Seconds between `update`s of an open episode."
    )


_FRAME = (
    "(the calibrated room frame: origin on the floor straight below the camera, y along the "
    "camera's view, x to its right)."
)


_ZONE_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


def _check_polygon(polygon: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """A zone outline must enclose some floor: three points on a line are a typo."""
    area = 0.0
    for (x0, y0), (x1, y1) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        area += x0 * y1 - x1 * y0
    if abs(area) / 2 < 0.01:
        raise ValueError("polygon encloses less than 0.01 m² (points on a line or repeated?)")
    return polygon


class _Zone(_Section):
    id: str = Field(pattern=_ZONE_ID, description="Opaque zone id, unique in the room.")
    polygon: list[tuple[float, float]] = Field(
        min_length=3, description="Outline on the floor, [[x, y], ...] in room metres " + _FRAME
    )

    @field_validator("polygon")
    @classmethod
    def _has_area(cls, polygon: list[tuple[float, float]]) -> list[tuple[float, float]]:
        return _check_polygon(polygon)


class BedZone(_Zone):
    """A bed (wire `bed` is its id); lying there is fine."""

    fall_risk: bool = Field(default=False, description="Report bed exits for this bed.")


class ChairZone(_Zone):
    """A chair or sofa: sitting or lying there is fine."""


class DoorZone(_Zone):
    """The floor just inside a room door: people appear and vanish here when they come and go.

    Cover the threshold and about half a metre into the room; the hand-hygiene engine counts
    a person who comes from here into the room as an entry and one who leaves the room through
    here (and vanishes or goes on to the corridor) as an exit.
    """


class DispenserZone(_Zone):
    """Where a person stands to use a hand-rub dispenser (about 0.6 × 0.6 m in front of it)."""

    where: Literal["inside", "outside"] = Field(
        default="inside",
        description="'inside' the room, or 'outside' in the corridor (seen only when the "
        "camera sees through the door; its zone counts as outside the room).",
    )


class BathroomZone(_Zone):
    """The floor in front of a bathroom door: a person vanishing here is in the bathroom."""


class ZonesConfig(_Section):
    beds: list[BedZone] = Field(default_factory=list, description="Beds (lying there is fine).")
    chairs: list[ChairZone] = Field(
        default_factory=list, description="Chairs and sofas (sitting or lying there is fine)."
    )
    doors: list[DoorZone] = Field(
        default_factory=list, description="Room doors (hand-hygiene entries and exits)."
    )
    dispensers: list[DispenserZone] = Field(
        default_factory=list, description="Hand-rub dispensers, inside or outside the room."
    )
    bathrooms: list[BathroomZone] = Field(
        default_factory=list, description="Bathroom doors (visits out of view)."
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> "ZonesConfig":
        seen: set[str] = set()
        for zone in [*self.beds, *self.chairs, *self.doors, *self.dispensers, *self.bathrooms]:
            if zone.id in seen:
                raise ValueError(f"zone id {zone.id!r} is used twice; zone ids must be unique")
            seen.add(zone.id)
        return self


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
    startup: StartupConfig = Field(
        default_factory=StartupConfig,
        description="People already in view at start-up; the empty-room reference.",
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
    mobility: MobilityConfig = Field(default_factory=MobilityConfig, description="Mobility engine.")
    hand_hygiene: HandHygieneConfig = Field(
        default_factory=HandHygieneConfig, description="Hand-hygiene engine."
    )
    no_motion: NoMotionConfig = Field(
        default_factory=NoMotionConfig, description="No-motion engine."
    )
    activity: ActivityConfig = Field(
        default_factory=ActivityConfig, description="Per-person activity engine."
    )
    sensor_health: SensorHealthConfig = Field(
        default_factory=SensorHealthConfig, description="Sensor-health engine."
    )
    zones: ZonesConfig = Field(
        default_factory=ZonesConfig,
        description="Beds, chairs, doors, dispensers and bathroom doors.",
    )
    models: ModelsConfig = Field(
        default_factory=ModelsConfig,
        description="On-device models per person track (posture, fall, dispenser), shadows.",
    )

    @field_validator("zones")
    @classmethod
    def _unique_zone_ids(cls, zones: ZonesConfig) -> ZonesConfig:
        ids = [z.id for z in zones.beds] + [z.id for z in zones.chairs]
        if len(ids) != len(set(ids)):
            raise ValueError("zone ids must be unique")
        return zones
