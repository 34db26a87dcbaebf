"""Settings of the thermal pipeline: background, blobs, tracking and the fall rule.

Temperatures are °C, times seconds. Every default is chosen for arrays from 8×8 to 160×120;
thresholds that depend on the sensor are multiples of its measured noise, not fixed degrees.
"""

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThermalBackgroundConfig(_Section):
    noise_k: float = Field(
        default=4.0,
        gt=0,
        description="Foreground: warmer than background by this many σ of the pixel's own "
        "noise, measured online.",
    )
    min_excess_c: float = Field(
        default=0.25,
        ge=0,
        description="...and by at least this much (a quantised array's output step).",
    )
    max_person_excess_c: float = Field(
        default=15.0,
        gt=0,
        description="At start-up, a warm region with a pixel this much over the room is not a "
        "person (skin is 33–35 °C; a radiator, a lamp) and is background from the first frame.",
    )
    learn_s: float = Field(
        default=1.0,
        ge=0,
        description="No detections in the first seconds of a stream, while the first noise "
        "figures settle (a person in view is found from the first frame all the same).",
    )
    settle_s: float = Field(
        default=15.0,
        ge=0,
        description="How long an array takes to settle after power-up (Grid-EYE datasheet: "
        "≈15 s); quiet pixels follow their readings fast meanwhile.",
    )
    settle_follow_s: float = Field(
        default=2.0,
        gt=0,
        description="Time constant of the per-pixel background while settling.",
    )
    follow_s: float = Field(
        default=60.0,
        gt=0,
        description="Time constant of the per-pixel background where nobody is (fixed-pattern "
        "offsets, slow gradients); room-wide drift is followed every frame by a global offset.",
    )
    absorb_s: float = Field(
        default=600.0,
        gt=0,
        description="A warm pixel that stayed foreground this long with no tracked person on it "
        "becomes background (a radiator turned on, a laptop, a hot drink): 10 minutes. A "
        "tracked person (one who moved) is never absorbed, however long they lie still.",
    )
    cold_absorb_s: float = Field(
        default=20.0,
        gt=0,
        description="A pixel colder than background by the foreground margin this long is "
        "relearned (a warm object taken away, or a person present at start-up who left, "
        "leaves a cold ghost; people are never cold).",
    )


class ThermalBlobConfig(_Section):
    min_pixels: int = Field(default=1, ge=1, description="Smaller blobs are noise.")
    min_area_m2: float = Field(
        default=0.01,
        ge=0,
        description="Smaller blobs (face on, at their range) are noise or a hot drink, not a "
        "person: a few pixels of a fine array.",
    )
    min_peak_k: float = Field(
        default=6.0,
        gt=0,
        description="A blob's warmest pixel must exceed background by this many σ (a person on "
        "an 8×8 array is 1–4 pixels, so size alone cannot reject noise).",
    )


class ThermalTrackingConfig(_Section):
    gate_m: float = Field(default=1.2, gt=0, description="Max floor distance track → next blob.")
    max_missing_s: float = Field(default=3.0, gt=0, description="Unseen this long: dropped.")
    person_moved_m: float = Field(
        default=0.5,
        gt=0,
        description="A blob that moved this far from where it appeared is a person (never "
        "absorbed into the background).",
    )
    confirm_frames: int = Field(default=3, ge=1, description="Frames in a row to confirm.")


class ThermalFallConfig(_Section):
    """The thermal fall rule; update interval, escalation steps and the lost timeout come
    from the shared `FallConfig` (perception.fall), so both sensors escalate alike."""

    fall_p: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="The fall model's `fall` probability that starts an episode at once (the "
        "model's own threshold from its sidecar is used when it has one).",
    )
    refractory_s: float = Field(
        default=10.0,
        ge=0,
        description="After an episode ends, the fall model starts no new one for this long.",
    )
    activity_start: bool = Field(
        default=True,
        description="Also start an episode from the activity model: `on_floor` for "
        "`confirm_s` after activity (a fall the fall model missed, or with no fall model).",
    )
    on_floor_p: float = Field(
        default=0.7, ge=0, le=1, description="Model probability of on_floor that counts as down."
    )
    confirm_s: float = Field(
        default=5.0, ge=0, description="Down this long (every model run) before `start`."
    )
    gap_s: float = Field(
        default=1.0,
        ge=0,
        description="A 'down' run survives model runs saying otherwise this long.",
    )
    moving_before_s: float = Field(
        default=5.0,
        gt=0,
        description="Somebody must have been seen moving (model: moving, or a person track "
        "walking) at most this long before going down: a fall follows activity, while someone "
        "lying on the floor since the start or after a slow lie-down does not start one.",
    )
    recover_s: float = Field(
        default=4.0, ge=0, description="Seen moving this long ends the episode as recovered."
    )
    confidence: float = Field(default=0.85, ge=0, le=1, description="Reported confidence cap.")


class ThermalRestConfig(_Section):
    """Where lying down is normal: the configured beds and chairs (`perception.zones`) and,
    if `learn`, places learned from where people stay still for hours."""

    learn: bool = Field(
        default=True,
        description="Learn rest places (a bed or sofa nobody configured) from where warm tracks "
        "stay still for hours; a descent there is not a fall.",
    )
    learn_h: float = Field(
        default=3.0,
        gt=0,
        description="Hours of stillness in one floor cell (faded by `forget_days`) that make it "
        "a rest place: longer than any lie on the floor the agent would not have alerted on.",
    )
    forget_days: float = Field(
        default=14.0, gt=0, description="Time constant over which learned stillness fades."
    )
    cell_m: float = Field(default=0.5, gt=0, description="Size of a learned floor cell (m).")
    still_mps: float = Field(
        default=0.15, ge=0, description="A track slower than this counts as still."
    )
    state_file: Path | None = Field(
        default=None,
        description="JSON file keeping the learned rest places across restarts (relative to "
        "the device config); none: kept in memory only, relearned after a reboot.",
    )


class ThermalHealthConfig(_Section):
    """What makes a thermal frame unusable (fed to the shared sensor-health engine as the
    share of valid pixels)."""

    flat_range_c: float = Field(
        default=0.005,
        ge=0,
        description="A frame whose warmest and coldest pixels differ by less is dead or "
        "covered: no pixel counts as valid.",
    )
    min_c: float = Field(default=-20.0, description="Readings below this are not plausible.")
    max_c: float = Field(default=150.0, description="Readings above this are not plausible.")


class ThermalConfig(_Section):
    """Everything the thermal pipeline needs; geometry comes from the recording or device."""

    background: ThermalBackgroundConfig = Field(default_factory=ThermalBackgroundConfig)
    blobs: ThermalBlobConfig = Field(default_factory=ThermalBlobConfig)
    tracking: ThermalTrackingConfig = Field(default_factory=ThermalTrackingConfig)
    fall: ThermalFallConfig = Field(default_factory=ThermalFallConfig)
    health: ThermalHealthConfig = Field(default_factory=ThermalHealthConfig)
    rest: ThermalRestConfig = Field(default_factory=ThermalRestConfig)
    model_every_s: float = Field(
        default=0.5, gt=0, description="Run the activity model this often (seconds)."
    )
