"""Which scenario(s) an item spec stands for: the one place that chooses the scenario source.

`scenario_source()` names the generator in use; `parts()` turns a spec into the scenario
parts played back to back (a clip is one part; the fallback builds a day from many short
normal-activity scenarios in one room, a generator builds a day as one long scenario).
Swapping the fallback for `simulators.generate` touches only `_generated`/`scenario_source`.
"""

import dataclasses
import random
from dataclasses import dataclass
from typing import Any

from simulators import body
from simulators.camera import CameraPose
from simulators.dataset.spec import ItemSpec
from simulators.rooms import Room
from simulators.scenarios import Scenario, build

FALLBACK = ("scenarios", "1")
"""Named scripted scenarios with jittered mounts (until `simulators.generate` exists)."""

FALLS = ("walk_fall_forward", "home_fall")
NEGATIVES = ("walk_sit_stand", "bed_exit", "quiet_room", "empty_room")
DAY_PARTS = {"hospital": ("bed_exit", "quiet_room", "empty_room"), "home": ("walk_sit_stand",)}
"""Normal activity only: a day measures false alarms."""


@dataclass(frozen=True, slots=True)
class Part:
    """A scenario played from `offset_s` (item time) for `duration_s` seconds."""

    scenario: Scenario
    offset_s: float
    duration_s: float
    name: str


@dataclass(frozen=True, slots=True)
class Person:
    """Who someone in a scenario is (the parts of it that labels and summaries need)."""

    id: int
    role: str
    height: float
    script: Any
    """A `simulators.motion.Script`: `.segments`, and `.at(t)` → (pose, segment)."""


@dataclass(frozen=True, slots=True)
class State:
    """One person at one instant, with the capsules to render."""

    person: Person
    pose: Any
    segment: Any
    capsules: tuple[Any, Any, Any]


def scenario_source() -> tuple[str, str]:
    """(generator name, version) recorded in every spec and the manifest."""
    return FALLBACK


def people(scenario: Scenario) -> list[Person]:
    """Everyone in a scenario: its cast if it has one, else its single scripted person."""
    cast = getattr(scenario, "people", None)
    if cast is not None:
        return [Person(p.id, str(p.role), p.height, p.script) for p in cast]
    if scenario.script is None:
        return []
    role = "patient" if scenario.room.kind == "hospital" else "resident"
    return [Person(1, role, scenario.height, scenario.script)]


def states(scenario: Scenario, t: float) -> list[State]:
    """Everyone to render at time t (scenario time), by the scenario's own rule if it has one."""
    at = getattr(scenario, "at", None)
    if at is not None:
        return [
            State(
                Person(s.person.id, str(s.person.role), s.person.height, s.person.script),
                s.pose,
                s.segment,
                s.capsules,
            )
            for s in at(t)
        ]
    out = []
    for person in people(scenario):
        pose, segment = person.script.at(t)
        out.append(State(person, pose, segment, body.capsules(pose, person.height)))
    return out


def parts(spec: ItemSpec) -> list[Part]:
    """The scenario parts of a spec, in play order, covering at most `spec.duration_s`.

    The spec names its generator, so items built with an older source still render the same.
    """
    if spec.generator == FALLBACK[0]:
        return _fallback(spec)
    raise ValueError(f"unknown scenario generator {spec.generator!r}")


def _fallback(spec: ItemSpec) -> list[Part]:
    rng = random.Random(spec.seed)
    if spec.kind == "clip":
        name = rng.choice(FALLS if spec.fall else NEGATIVES)
        scenario = build(name, rng.randrange(2**31))
        scenario = _mounted(scenario, _mount(rng, scenario.room))
        return [Part(scenario, 0.0, min(scenario.duration, spec.duration_s), name)]
    kind = rng.choice(("hospital", "home"))
    names = DAY_PARTS[kind]
    mount: CameraPose | None = None
    out: list[Part] = []
    t = 0.0
    while t < spec.duration_s - 1e-9:
        name = rng.choice(names)
        scenario = build(name, rng.randrange(2**31))
        if mount is None:
            mount = _mount(rng, scenario.room)
        scenario = _mounted(scenario, mount)
        length = min(scenario.duration, spec.duration_s - t)
        out.append(Part(scenario, t, length, name))
        t += length
    return out


def _mount(rng: random.Random, room: Room) -> CameraPose:
    """The room's corner mount, moved the way installers differ: height, tilt and aim."""
    base = room.camera
    x, y, z = base.position
    z = min(room.size[2] - 0.1, z + rng.uniform(-0.3, 0.25))
    return CameraPose(
        (x, y, round(z, 3)),
        round(base.yaw_deg + rng.uniform(-6.0, 6.0), 2),
        round(base.pitch_deg + rng.uniform(-7.0, 10.0), 2),
    )


def _mounted(scenario: Scenario, mount: CameraPose) -> Scenario:
    return dataclasses.replace(scenario, room=dataclasses.replace(scenario.room, camera=mount))
