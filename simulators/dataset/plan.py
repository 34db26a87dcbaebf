"""Which scenario an item spec stands for: the one place that chooses the scenario source.

`scenario_source()` names the generator written into every new spec; `scenario_for()` turns
a spec back into its scenario (room, cast, scripts, events, camera mount), always the same
one for the same spec. A spec names its generator, so a new source can be added beside this
one without changing what old specs render.
"""

import dataclasses
import random
from typing import TYPE_CHECKING, cast

from simulators.dataset.spec import ItemSpec
from simulators.scenarios import Scenario

if TYPE_CHECKING:
    from simulators.rooms import RoomKind

GENERATED = ("generate", "1")
"""`simulators.generate.random_scenario` + `random_mount`: rooms, casts, activities, falls."""


def scenario_source() -> tuple[str, str]:
    """(generator name, version) recorded in every new spec and the manifest."""
    return GENERATED


def scenario_for(spec: ItemSpec) -> Scenario:
    """The spec's scenario: a clip falls or not as the spec says; a day is normal activity."""
    if spec.generator != GENERATED[0]:
        raise ValueError(f"unknown scenario generator {spec.generator!r}")
    from simulators.generate import random_mount, random_scenario

    rng = random.Random(spec.seed)
    fall = 1.0 if spec.fall else 0.0
    if spec.thermal is not None:
        # The thermal array's mount is in the spec; the room is the generator's or the spec's.
        kind = cast("RoomKind | None", spec.thermal.room_kind)
        return random_scenario(rng, kind="clip", fall_fraction=fall, room_kind=kind)
    if spec.kind == "clip":
        scenario = random_scenario(rng, kind="clip", fall_fraction=fall)
    else:
        scenario = random_scenario(rng, kind="day", duration_s=spec.duration_s)
    return dataclasses.replace(scenario, room=random_mount(rng, scenario.room))


def duration(spec: ItemSpec, scenario: Scenario) -> float:
    """How much of the scenario the item plays: all of it, up to the spec's length."""
    return min(scenario.duration, spec.duration_s)
