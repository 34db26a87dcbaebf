"""`BodyConfig`: the heights of a body that several engines read, held once.

Whether someone is upright, down at the floor or resting on a mattress is asked by the fall,
bed-exit, mobility, activity and hand-hygiene engines and by the start-up search, each once
with its own copy of the same numbers. Here they are one section (``perception.body``), so a
room with a low bed or a short population is tuned in one place. An engine section may still
set its own value for that engine alone: the keys device configs had before this section
(``fall.standing_height_m``, ``bed_exit.sit_top_m``...), unset by default.
"""

from typing import Self

from pydantic import Field

from edge_agent.perception.config.base import Section


class BodyConfig(Section):
    """Shared body thresholds; heights are above the floor."""

    upright_top_m: float = Field(
        default=1.1,
        gt=0,
        description="Top of the body at least this high: upright or sitting up. A fall starts "
        "from here; someone in bed above it sits up; a patient lying in bed is below it, and "
        "nobody stands or walks with their head lower.",
    )
    floor_top_m: float = Field(
        default=0.6,
        gt=0,
        description="Top of the body below this, with the lowest points at the floor: down on "
        "the floor (fallen, or lying there).",
    )
    floor_clearance_m: float = Field(
        default=0.25,
        ge=0,
        description="Lowest points within this of the floor: touching it (not resting on a bed "
        "or sofa; at a bed's edge, the legs are over the side).",
    )
    mattress_bottom_m: float = Field(
        default=0.3,
        ge=0,
        description="Lowest points above this in a bed zone: the body rests on the mattress, "
        "the legs are not over the side.",
    )
    walk_speed_mps: float = Field(
        default=0.25, gt=0, description="Upright and at least this fast: walking."
    )
    posture_min_conf: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="A posture model label ('sitting', 'lying'...) counts when at least this "
        "sure; below it, geometry decides.",
    )

    def overridden(
        self,
        *,
        upright_top_m: float | None = None,
        floor_top_m: float | None = None,
        floor_clearance_m: float | None = None,
        mattress_bottom_m: float | None = None,
        walk_speed_mps: float | None = None,
        posture_min_conf: float | None = None,
    ) -> Self:
        """These thresholds with an engine's own values where it sets one (None: shared).

        The values come from validated engine sections, so they are not validated again.
        """
        given = {
            "upright_top_m": upright_top_m,
            "floor_top_m": floor_top_m,
            "floor_clearance_m": floor_clearance_m,
            "mattress_bottom_m": mattress_bottom_m,
            "walk_speed_mps": walk_speed_mps,
            "posture_min_conf": posture_min_conf,
        }
        update = {key: value for key, value in given.items() if value is not None}
        return self.model_copy(update=update) if update else self
