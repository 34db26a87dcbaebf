"""Sensing: the background, start-up, the temporal filter, blobs and tracking."""

from pydantic import Field

from edge_agent.perception.config.base import Section


class BackgroundConfig(Section):
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


class StartupConfig(Section):
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


class TemporalConfig(Section):
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


class BlobConfig(Section):
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


class TrackingConfig(Section):
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
