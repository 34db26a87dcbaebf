"""A scene under construction: the room, a seeded rng, the cast and the ground-truth log.

Activities (`simulators.activities`, `simulators.falls`) take a `Stage` and a `Person`, extend
the person's script and log events; `Stage.scenario()` freezes the result. Everything random
comes from the stage's `random.Random`, so a seed gives the same scene every time.
"""

import random
from typing import Any

from simulators.body import standing
from simulators.motion import Posture, Script, Support
from simulators.people import CLOTHING, Aid, Clothing, Person, Role
from simulators.rooms import Room
from simulators.scenarios import Scenario

OUTSIDE_Y = -0.8
"""Where people wait in the corridor (behind the wall at y = 0, never rendered)."""


class Stage:
    """Room + cast + event log for one scenario being built."""

    def __init__(self, room: Room, rng: random.Random) -> None:
        self.room = room
        self.rng = rng
        self.people: list[Person] = []
        self.events: list[dict[str, Any]] = []

    def cast(
        self,
        role: Role,
        *,
        start: Script | None = None,
        height: float | None = None,
        aid: Aid = "none",
        clothing: Clothing | None = None,
        speed: float | None = None,
    ) -> Person:
        """A new person; without `start` they wait outside the door until they enter."""
        rng = self.rng
        if height is None:
            mean = 1.66 if role == "patient" else 1.72
            height = round(min(2.0, max(1.45, rng.gauss(mean, 0.09))), 3)
        if speed is None:
            slow = role == "patient" or aid != "none"
            speed = rng.uniform(0.45, 0.85) if slow else rng.uniform(0.9, 1.35)
        if clothing is None:
            choices = {
                "patient": ["gown", "gown", "pyjamas"],
                "staff": ["scrubs", "scrubs", "long_sleeves"],
                "visitor": ["long_sleeves", "t_shirt_shorts"],
                "resident": ["long_sleeves", "pyjamas", "t_shirt_shorts"],
            }[role]
            clothing = CLOTHING[rng.choice(choices)]
        script = start
        if script is None:
            door = self.room.door
            script = Script(height, standing(door.x, OUTSIDE_Y, door.yaw, height), speed=speed)
        script.speed = speed
        person = Person(
            len(self.people) + 1,
            role,
            height,
            script,
            build=round(rng.uniform(0.85, 1.3), 2),
            clothing=clothing,
            aid=aid,
        )
        self.people.append(person)
        return person

    def log(self, event: str, person: Person, **fields: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {"event": event, "person": person.id, "role": person.role}
        entry.update(fields)
        self.events.append(entry)
        return entry

    def scenario(self, name: str, description: str, duration: float, **meta: Any) -> Scenario:
        """Freeze: every script is padded (holding its last state) to `duration`."""
        for p in self.people:
            s = p.script
            if s.t < duration:
                _, seg = s.at(s.t)
                out = seg.activity == "out_of_room"
                s.hold(
                    duration - s.t,
                    "out_of_room" if out else seg.activity,
                    seg.posture if not out else Posture.STANDING,
                    seg.support if not out else Support.FEET,
                    sway=0.0 if out else 0.01,
                )
        events = sorted(self.events, key=_event_time)
        return Scenario(name, description, self.room, self.people, duration, events, meta)


def _event_time(event: dict[str, Any]) -> float:
    for key in ("onset", "t"):
        value = event.get(key)
        if isinstance(value, float | int):
            return float(value)
    return 0.0
