"""One dataset item as a small, seeded description: enough to render it again, anywhere.

A clip is rendered once to a RealSense recording; a day (hours of normal activity) is far too
big to store as frames, so it is stored as this spec and rendered on the fly when replayed
(`edge_agent.sources.simulated.SimulatedSource`). Either way the spec is the single source
of truth: the same spec always gives the same scenario, frames, noise and timestamps.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from simulators import SIMULATOR_VERSION

ItemKind = Literal["clip", "day"]
SPEC_FORMAT = "ambient-sim-item/1"
DATASET_START = datetime(2026, 1, 1, tzinfo=UTC)


class SpecError(ValueError):
    """A spec file that is not a spec, or is from an unknown format."""


def derive_seed(*parts: object) -> int:
    """A 31-bit seed from named parts: stable across runs, processes and Python versions."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


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

    @property
    def start(self) -> datetime:
        return datetime.fromisoformat(self.start_time.replace("Z", "+00:00"))

    @property
    def start_ms(self) -> int:
        return int(self.start.timestamp() * 1000)

    def to_json(self) -> dict[str, Any]:
        return {"format": SPEC_FORMAT, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ItemSpec":
        if data.get("format") != SPEC_FORMAT:
            raise SpecError(f"not an item spec ({SPEC_FORMAT}): format={data.get('format')!r}")
        fields = {k: v for k, v in data.items() if k != "format"}
        try:
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
