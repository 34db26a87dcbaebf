"""The event engines' sections: fall, occupancy, bed exit, mobility, hand hygiene, no motion,
activity and sensor health.

Body heights several engines share are `BodyConfig` (``perception.body``). The keys that
repeated them here stay, unset, as overrides for one engine: a device config that sets one
keeps meaning what it did (``body_thresholds`` gives the engine's resolved values).
"""

from pydantic import Field, field_validator

from edge_agent.perception.config.base import Section
from edge_agent.perception.config.body import BodyConfig

_SHARED = "Unset: the shared value."


class FallConfig(Section):
    standing_height_m: float | None = Field(
        default=None,
        gt=0,
        description="For this engine, `body.upright_top_m`: top height that counts as upright "
        f"before a fall. {_SHARED}",
    )
    fallen_height_m: float | None = Field(
        default=None,
        gt=0,
        description="For this engine, `body.floor_top_m`: top height below which a person may be "
        f"on the floor. {_SHARED}",
    )
    max_floor_clearance_m: float | None = Field(
        default=None,
        ge=0,
        description="For this engine, `body.floor_clearance_m`: lowest body points must be "
        f"within this of the floor (not on a bed/sofa). {_SHARED}",
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

    def body_thresholds(self, shared: BodyConfig) -> BodyConfig:
        """The shared body thresholds with this engine's own values."""
        return shared.overridden(
            upright_top_m=self.standing_height_m,
            floor_top_m=self.fallen_height_m,
            floor_clearance_m=self.max_floor_clearance_m,
        )


class OccupancyConfig(Section):
    debounce_s: float = Field(
        default=2.0, ge=0, description="A new people count must hold this long to be reported."
    )


class BedExitConfig(Section):
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
    sit_top_m: float | None = Field(
        default=None,
        gt=0,
        description="For this engine, `body.upright_top_m`: top height in or at the bed above "
        f"which the occupant sits up, not lies. {_SHARED}",
    )
    on_bed_bottom_m: float | None = Field(
        default=None,
        ge=0,
        description="For this engine, `body.mattress_bottom_m`: lowest points above this: the "
        f"body rests on the mattress, not the floor. {_SHARED}",
    )
    edge_bottom_m: float | None = Field(
        default=None,
        ge=0,
        description="For this engine, `body.floor_clearance_m`: an occupant sitting up at the "
        "bed's edge whose lowest points are below this has their legs over the side: the "
        f"earliest sign of getting up. {_SHARED}",
    )
    posture_min_conf: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="For this engine, `body.posture_min_conf`: a posture model label "
        f"('sitting', 'lying') counts when at least this sure. {_SHARED}",
    )

    def body_thresholds(self, shared: BodyConfig) -> BodyConfig:
        """The shared body thresholds with this engine's own values."""
        return shared.overridden(
            upright_top_m=self.sit_top_m,
            mattress_bottom_m=self.on_bed_bottom_m,
            floor_clearance_m=self.edge_bottom_m,
            posture_min_conf=self.posture_min_conf,
        )


class MobilityConfig(Section):
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
    sit_top_m: float | None = Field(
        default=None,
        gt=0,
        description="For this engine, `body.upright_top_m`: top height above which someone in "
        f"bed is sitting up. {_SHARED}",
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
    walk_speed_mps: float | None = Field(
        default=None,
        gt=0,
        description="For this engine, `body.walk_speed_mps`: upright and at least this fast: "
        f"walking. {_SHARED}",
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
    posture_min_conf: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="For this engine, `body.posture_min_conf`: posture model labels count when "
        f"this sure. {_SHARED}",
    )

    def body_thresholds(self, shared: BodyConfig) -> BodyConfig:
        """The shared body thresholds with this engine's own values."""
        return shared.overridden(
            upright_top_m=self.sit_top_m,
            walk_speed_mps=self.walk_speed_mps,
            posture_min_conf=self.posture_min_conf,
        )


class HandHygieneConfig(Section):
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


class NoMotionConfig(Section):
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


class ActivityConfig(Section):
    enabled: bool = Field(default=True, description="Run the per-person activity engine.")
    min_dwell_s: float = Field(
        default=3.0, ge=0, description="A new activity must hold this long to be reported."
    )
    out_of_view_s: float = Field(
        default=5.0, gt=0, description="A track unseen this long is out of view."
    )
    floor_top_m: float | None = Field(
        default=None,
        gt=0,
        description="For this engine, `body.floor_top_m`: top below this with the body at the "
        f"floor: on the floor. {_SHARED}",
    )
    floor_bottom_m: float | None = Field(
        default=None,
        ge=0,
        description="For this engine, `body.floor_clearance_m`: lowest points within this of "
        f"the floor: at the floor. {_SHARED}",
    )
    lying_top_m: float = Field(
        default=0.85, gt=0, description="Top below this, off the floor: lying (sofa, bed)."
    )
    stand_top_m: float = Field(
        default=1.3, gt=0, description="Top at least this high: standing (or walking)."
    )
    walk_speed_mps: float | None = Field(
        default=None,
        gt=0,
        description="For this engine, `body.walk_speed_mps`: upright and at least this fast: "
        f"walking. {_SHARED}",
    )
    posture_min_conf: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="For this engine, `body.posture_min_conf`: posture model labels count when "
        f"this sure. {_SHARED}",
    )

    def body_thresholds(self, shared: BodyConfig) -> BodyConfig:
        """The shared body thresholds with this engine's own values."""
        return shared.overridden(
            floor_top_m=self.floor_top_m,
            floor_clearance_m=self.floor_bottom_m,
            walk_speed_mps=self.walk_speed_mps,
            posture_min_conf=self.posture_min_conf,
        )


class SensorHealthConfig(Section):
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
