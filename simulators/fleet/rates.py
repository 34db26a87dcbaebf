"""How often things happen in each kind of room: the knobs of the fleet's room model.

Defaults are plausible figures, stated once here so tests and reports can quote them:
staff visits every 10–60 min by day and every 1–3 h at night in a hospital room, a few bed
exits per patient-day for fall-risk beds (mostly at night), and falls rare (about 3 per
1,000 patient-days in hospital), a fraction of which become long lies (≥ 1 h on the floor);
hand-hygiene compliance 40–70 % (exits above entries), one or two mobilization sessions per
hospital patient-day.
Times of day are UTC hours of the simulated clock.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class RoomKind(StrEnum):
    HOSPITAL = "hospital"
    """Single hospital room: one patient, nurses and doctors, visitors by day."""
    ICU = "icu"
    """ICU bay: a patient mostly in bed, staff very often, bed exits rare."""
    HOME = "home"
    """An older person living alone: carer visits, outings, falls often unseen for long."""


Range = tuple[float, float]


class RoomRates(BaseModel):
    """Rates and durations for one kind of room (all times in minutes unless named _s)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    day_start_h: int = Field(default=7, ge=0, le=23, description="Hour the day shift starts.")
    night_start_h: int = Field(default=22, ge=0, le=23, description="Hour the night starts.")
    staff_gap_day_min: Range = Field(
        default=(10.0, 60.0), description="Gap between staff visits by day (uniform, min)."
    )
    staff_gap_night_min: Range | None = Field(
        default=(60.0, 180.0), description="Gap between staff visits at night (None: none)."
    )
    staff_visit_min: Range = Field(default=(2.0, 15.0), description="Length of a staff visit.")
    two_staff_fraction: float = Field(
        default=0.2, ge=0, le=1, description="Share of staff visits made by two people."
    )
    visitors_per_day: float = Field(
        default=1.0, ge=0, description="Mean visits by family/friends per day (Poisson)."
    )
    visit_min: Range = Field(default=(20.0, 120.0), description="Length of a visit.")
    away_per_day: float = Field(
        default=0.3, ge=0, description="Mean spells per day the patient is out of the room."
    )
    away_min: Range = Field(default=(30.0, 90.0), description="Length of a spell away.")
    fall_risk_fraction: float = Field(
        default=0.4, ge=0, le=1, description="Share of rooms whose bed is flagged fall-risk."
    )
    bed_exits_per_day: float = Field(
        default=3.0, ge=0, description="Mean bed exits per patient-day of a fall-risk bed."
    )
    bed_exit_night_fraction: float = Field(
        default=0.7, ge=0, le=1, description="Share of bed exits at night."
    )
    bed_exit_warning_s: Range = Field(
        default=(10.0, 50.0), description="Sitting on the edge before leaving the bed (s)."
    )
    out_of_bed_min: Range = Field(default=(2.0, 20.0), description="Time out of bed.")
    falls_per_1000_days: float = Field(
        default=3.0, ge=0, description="Falls per 1,000 patient-days (Poisson)."
    )
    fall_night_fraction: float = Field(
        default=0.5, ge=0, le=1, description="Share of falls at night."
    )
    fall_drop_s: Range = Field(default=(0.6, 1.5), description="Onset to landing (s).")
    fall_confirm_s: float = Field(
        default=3.0, ge=0, description="Landing to the `start` event (the engine's confirm)."
    )
    long_lie_fraction: float = Field(
        default=0.05, ge=0, le=1, description="Share of falls that become long lies."
    )
    lie_min: Range = Field(default=(0.5, 15.0), description="Time on the floor, normal falls.")
    long_lie_min: Range = Field(default=(60.0, 180.0), description="Time on the floor, long lie.")
    staff_respond: bool = Field(
        default=True, description="Staff come in when someone falls (hospital, ICU)."
    )
    unrecovered_fraction: float = Field(
        default=0.05, ge=0, le=1, description="Falls that end out of view (recovered=False)."
    )
    hh_entry_compliance: float = Field(
        default=0.45, ge=0, le=1, description="Share of room entries with dispenser use."
    )
    hh_exit_compliance: float = Field(
        default=0.65, ge=0, le=1, description="Share of room exits with dispenser use."
    )
    hh_contact_fraction: float = Field(
        default=0.8, ge=0, le=1, description="Share of staff visits that touch the patient."
    )
    mobility_sessions_per_day: float = Field(
        default=1.5, ge=0, description="Mean mobilization sessions per patient-day (Poisson)."
    )
    mobility_stand_fraction: float = Field(
        default=0.85, ge=0, le=1, description="Share of sessions that get to standing."
    )
    mobility_walk_fraction: float = Field(
        default=0.6, ge=0, le=1, description="Share of standing sessions that go on to walk."
    )
    home_activity: bool = Field(
        default=False, description="Report the resident's activity (in bed, sitting, up...)."
    )
    bathroom_visits_per_day: float = Field(
        default=5.0, ge=0, description="Daytime bathroom visits (Poisson), home only."
    )


DEFAULT_RATES: dict[RoomKind, RoomRates] = {
    RoomKind.HOSPITAL: RoomRates(),
    RoomKind.ICU: RoomRates(
        staff_gap_day_min=(5.0, 20.0),
        staff_gap_night_min=(15.0, 45.0),
        staff_visit_min=(3.0, 20.0),
        two_staff_fraction=0.4,
        visitors_per_day=1.5,
        visit_min=(15.0, 60.0),
        away_per_day=0.1,
        fall_risk_fraction=1.0,
        bed_exits_per_day=0.3,
        falls_per_1000_days=1.0,
        long_lie_fraction=0.0,
        lie_min=(0.5, 5.0),
        hh_entry_compliance=0.6,
        hh_exit_compliance=0.7,
        hh_contact_fraction=0.9,
        mobility_sessions_per_day=1.0,
        mobility_stand_fraction=0.6,
        mobility_walk_fraction=0.4,
    ),
    RoomKind.HOME: RoomRates(
        staff_gap_day_min=(180.0, 420.0),
        staff_gap_night_min=None,
        staff_visit_min=(15.0, 45.0),
        two_staff_fraction=0.0,
        visitors_per_day=0.4,
        visit_min=(30.0, 180.0),
        away_per_day=0.8,
        away_min=(60.0, 240.0),
        fall_risk_fraction=1.0,
        bed_exits_per_day=2.0,
        bed_exit_night_fraction=0.8,
        out_of_bed_min=(3.0, 15.0),
        falls_per_1000_days=4.0,
        long_lie_fraction=0.3,
        lie_min=(1.0, 30.0),
        staff_respond=False,
        hh_entry_compliance=0.4,
        hh_exit_compliance=0.5,
        hh_contact_fraction=0.7,
        mobility_sessions_per_day=0.0,
        home_activity=True,
    ),
}
"""Per kind of room; override any field with ``rates.model_copy(update={...})``."""
