"""One dataset item as a small, seeded description: enough to render it again, anywhere.

A clip is rendered once to a RealSense recording, or to a thermal recording when the spec
carries a `ThermalSpec` (which array, where it hangs, the room temperature, how long it has
been on); a day (hours of normal activity) is far too big to store as frames, so it is
stored as this spec and rendered on the fly when replayed
(`simulators.source.SimulatedSource`). Either way the spec is the single source
of truth: the same spec always gives the same scenario, frames, noise and timestamps.
"""

import dataclasses
import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from simulators import SIMULATOR_VERSION
from simulators.errors import SimulatorError

ItemKind = Literal["clip", "day"]
SPEC_FORMAT = "ambient-sim-item/1"
DATASET_START = datetime(2026, 1, 1, tzinfo=UTC)


class SpecError(SimulatorError, ValueError):
    """A spec file that is not a spec, or is from an unknown format."""


def derive_seed(*parts: object) -> int:
    """A 31-bit seed from named parts: stable across runs, processes and Python versions."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True, slots=True)
class ThermalSpec:
    """The thermal array of a thermal clip, drawn once from the item's seed and kept here."""

    sensor: str
    mount: str
    """"ceiling" (looking down, tilted off vertical) or "wall" (high, tilted down)."""
    height_m: float
    tilt_deg: float
    fps: float
    room_temp_c: float
    powered_for_s: float
    """How long the array had been on at the first frame (0: the clip starts at power-up)."""
    room_kind: str | None = None
    """The room the scenario is drawn in (None: any of the generator's)."""


@dataclass(frozen=True, slots=True)
class ItemSpec:
    """What to render: the seeded scenario source, the sensor and the recording clock."""

    id: str
    kind: ItemKind
    seed: int
    """The item's own seed: scenario, people, mount and sensor noise all follow from it."""
    duration_s: float
    """Clips: an upper bound (a scripted story may end earlier); days: the length."""
    width: int
    height: int
    fps: int
    start_time: str
    """Recording clock at t = 0, ISO 8601 UTC (``...Z``)."""
    generator: str
    generator_version: str
    fall: bool | None = None
    """Clips: whether the story contains a fall (datasets balance falls and hard negatives)."""
    simulator_version: str = field(default=SIMULATOR_VERSION)
    thermal: ThermalSpec | None = None
    """A thermal clip's array (None: a RealSense depth item; `fps` is then the rounded
    rate and `width`, `height` the array's)."""

    @property
    def start(self) -> datetime:
        return datetime.fromisoformat(self.start_time.replace("Z", "+00:00"))

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    def to_json(self) -> dict[str, Any]:
        data = {"format": SPEC_FORMAT, **asdict(self)}
        if self.thermal is None:  # depth specs read exactly as before thermal items existed
            del data["thermal"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ItemSpec":
        if data.get("format") != SPEC_FORMAT:
            raise SpecError(f"not an item spec ({SPEC_FORMAT}): format={data.get('format')!r}")
        fields = {k: v for k, v in data.items() if k != "format"}
        try:
            if isinstance(fields.get("thermal"), dict):
                fields["thermal"] = ThermalSpec(**fields["thermal"])
            return cls(**fields)
        except TypeError as e:
            raise SpecError(f"bad item spec: {e}") from e

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> "ItemSpec":
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise SpecError(f"cannot read item spec {path}: {e}") from e
        if not isinstance(data, dict):
            raise SpecError(f"not an item spec: {path}")
        return cls.from_json(data)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def clip_spec(
    dataset_seed: int,
    index: int,
    *,
    width: int,
    height: int,
    fps_choices: tuple[int, ...],
    duration_s: float,
    generator: tuple[str, str],
) -> ItemSpec:
    """Clip `index` of a dataset: even indices fall, odd ones are hard negatives (balanced)."""
    item_id = f"clip-{index:05d}"
    seed = derive_seed("ambient-dataset", dataset_seed, item_id)
    fps = fps_choices[derive_seed("fps", seed) % len(fps_choices)]
    # A time of day per clip (night-time matters to some engines), on its own calendar day.
    start = DATASET_START + timedelta(days=index, seconds=derive_seed("start", seed) % 86_400)
    return ItemSpec(
        item_id,
        "clip",
        seed,
        duration_s,
        width,
        height,
        fps,
        iso(start),
        generator[0],
        generator[1],
        fall=index % 2 == 0,
    )


def day_spec(
    dataset_seed: int,
    index: int,
    *,
    width: int,
    height: int,
    fps: int,
    hours: float,
    generator: tuple[str, str],
) -> ItemSpec:
    """Day `index` of a dataset: `hours` of normal activity from 07:00 on its own date."""
    item_id = f"day-{index:04d}"
    seed = derive_seed("ambient-dataset", dataset_seed, item_id)
    start = DATASET_START + timedelta(days=index, hours=7)
    return ItemSpec(
        item_id,
        "day",
        seed,
        round(hours * 3600.0, 3),
        width,
        height,
        fps,
        iso(start),
        generator[0],
        generator[1],
    )


THERMAL_MOUNTS = ("ceiling", "wall")


def thermal_clip_spec(
    dataset_seed: int,
    index: int,
    *,
    sensors: tuple[str, ...],
    mounts: tuple[str, ...],
    rooms: tuple[str, ...],
    duration_s: float,
    generator: tuple[str, str],
) -> ItemSpec:
    """Thermal clip `index`: like `clip_spec` (even indices fall), seen by the arrays of
    `sensors` in turn, on a mount drawn from `mounts`, in a room from `rooms` (empty: any).

    Heights stay under 2.5 m, the lowest ceiling of the simulated rooms: ceiling mounts at
    2.25-2.45 m tilted 0-15°, wall mounts at 2.0-2.4 m tilted 20-45° down. Rooms are 19-28 °C;
    one clip in ten starts at power-up, the rest after 30 s to 30 min.
    """
    from simulators.thermal.sensors import sensor

    base = clip_spec(
        dataset_seed,
        index,
        width=0,
        height=0,
        fps_choices=(0,),
        duration_s=duration_s,
        generator=generator,
    )
    rng = random.Random(derive_seed("thermal", base.seed))
    # Sensors in turn, two clips each (a fall and a hard negative): every array is covered.
    spec = sensor(sensors[(index // 2) % len(sensors)])
    mount = mounts[rng.randrange(len(mounts))]
    if mount == "ceiling":
        height, tilt = rng.uniform(2.25, 2.45), rng.uniform(0.0, 15.0)
    else:
        height, tilt = rng.uniform(2.0, 2.4), rng.uniform(20.0, 45.0)
    powered = 0.0 if rng.random() < 0.1 else rng.uniform(30.0, 1800.0)
    thermal = ThermalSpec(
        sensor=spec.name,
        mount=mount,
        height_m=round(height, 2),
        tilt_deg=round(tilt, 1),
        fps=spec.fps,
        room_temp_c=round(rng.uniform(19.0, 28.0), 1),
        powered_for_s=round(powered, 1),
        room_kind=rooms[rng.randrange(len(rooms))] if rooms else None,
    )
    return dataclasses.replace(
        base, width=spec.width, height=spec.height, fps=round(spec.fps), thermal=thermal
    )
