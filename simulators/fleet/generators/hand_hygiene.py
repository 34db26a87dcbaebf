"""Hand-hygiene opportunities: every staff member crossing the doorway, in and out.

Each person of a staff visit makes an entry at the visit's start and an exit at its end
(sharing one ``episode_id``), uses the dispenser with the room kind's compliance (exits more
often than entries, as observed in practice), and touches the patient on most visits. The
simulated engine reports the visit's contact on both crossings. Visitors are not counted:
the opportunities are those of health-care workers.
"""

from protocol import EventType, HandHygieneData, ModelRef, Phase
from simulators.fleet.generators.base import DayContext, Occurrence, uuid7_from

HAND_HYGIENE_MODEL = ModelRef(name="hand-hygiene-rule", version="0.1.0")
WINDOW_S = 10.0
STAGGER_MS = 1500
"""A second person crosses the doorway 1.5 s after the first (and leaves 1.5 s before)."""


class HandHygieneGenerator:
    name = "hand_hygiene"

    def plan(self, ctx: DayContext) -> None:
        rates = ctx.rates
        rng = ctx.sub_rng(self.name)
        for start, end, people in ctx.staff_visits:
            for person in range(people):
                episode = uuid7_from(rng, start)
                track = rng.randrange(1000)
                contact = rng.random() < rates.hh_contact_fraction
                crossings = (
                    ("entry", start + person * STAGGER_MS, rates.hh_entry_compliance),
                    ("exit", end - person * STAGGER_MS, rates.hh_exit_compliance),
                )
                for direction, ts, compliance in crossings:
                    used = rng.random() < compliance
                    offset = round(rng.uniform(-5.0, 8.0), 1) if used else None
                    data = HandHygieneData.model_validate(
                        {
                            "direction": direction,
                            "track_id": track,
                            "dispenser_used": used,
                            "dispenser_offset_s": offset,
                            "patient_contact": contact,
                            "window_s": WINDOW_S,
                        }
                    )
                    ctx.state.push_event(
                        Occurrence(
                            ts,
                            EventType.HAND_HYGIENE,
                            Phase.INSTANT,
                            episode,
                            data,
                            0.9,
                            HAND_HYGIENE_MODEL,
                        )
                    )
