"""The index of a folder of labelled real recordings: what each clip is and where it came from.

A folder holds `.npz` thermal recordings and an `index.csv` with one row per recording
(`file, set, label, sensor, ...`). Labels are the sources' own words; here they become a kind
the evaluation can score:

- `fall`: a fall happens somewhere in the clip (no onset time unless `onset_s` is given);
- `other`: activity that must not raise a fall alert (walking, sitting, bowing, getting into
  bed, an empty room);
- `posture`: a held posture scored for occupancy and lying on the floor vs in bed, never as a
  fall target (someone lying on the floor from the first frame was not seen falling).

A clip's `group` is its session, person or scene within its set, so a protocol can hold out
whole groups (never the same session in training and in test).
"""

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from models.errors import ModelsError

Kind = Literal["fall", "other", "posture"]


class RealIndexError(ModelsError, ValueError):
    """The folder or its index cannot be used (message for the user)."""


@dataclass(frozen=True, slots=True)
class RealClip:
    path: Path
    set: str
    label: str
    kind: Kind
    group: str
    sensor: str
    seconds: float
    onset_s: float | None = None
    """Seconds from the clip's first frame to the fall, where the source gives it."""
    size: str = ""
    """The array, width×height (`8x8`), as the index gives it."""

    @property
    def id(self) -> str:
        return self.path.stem


_FALL_LABELS = frozenset(("fall", "data_fall", "top_fall"))
_POSTURE_SETS = frozenset(("bruno", "chandrayee"))


def kind_of(set_name: str, label: str) -> Kind:
    if label in _FALL_LABELS:
        return "fall"
    if set_name in _POSTURE_SETS:
        return "posture"
    return "other"


def group_of(set_name: str, stem: str, origin: dict[str, object]) -> str:
    """The session, person or scene a clip belongs to within its set."""
    if set_name == "gridfall":
        # gridfall_fall2_41 → fall2; gridfall_test7_walk124 → test7; gridfall_bgTemp1 → bgTemp1
        name = stem.removeprefix("gridfall_")
        return re.split(r"_", name, maxsplit=1)[0]
    if set_name == "rosendo":
        tags = origin.get("scene_tag")
        return str(tags[0]) if isinstance(tags, list) and tags else "unknown"
    if set_name == "bruno":
        return str(origin.get("volunteer", "unknown"))
    if set_name == "natfaulk":
        match = re.search(r"subject\d+", stem)
        return match.group(0) if match else stem
    return stem  # one recording, one session


def read_index(root: Path) -> list[RealClip]:
    """Every clip of the folder's index, in index order; a clear error when unusable."""
    index = root / "index.csv"
    if not root.is_dir():
        raise RealIndexError(f"real recordings folder not found: {root}")
    if not index.is_file():
        raise RealIndexError(f"no index.csv in {root} (one row per recording: file, set, label)")
    clips = []
    with index.open(newline="") as f:
        reader = csv.DictReader(f)
        missing = {"file", "set", "label"} - set(reader.fieldnames or ())
        if missing:
            raise RealIndexError(f"{index}: columns missing: {', '.join(sorted(missing))}")
        for line, row in enumerate(reader, start=2):
            path = root / row["file"]
            origin = _origin(path)
            onset = row.get("onset_s") or ""
            try:
                clips.append(
                    RealClip(
                        path=path,
                        set=row["set"],
                        label=row["label"],
                        kind=kind_of(row["set"], row["label"]),
                        group=group_of(row["set"], path.stem, origin),
                        sensor=row.get("sensor") or "unknown",
                        seconds=float(row.get("seconds") or 0.0),
                        size=row.get("size") or "",
                        onset_s=float(onset) if onset else None,
                    )
                )
            except ValueError as e:
                raise RealIndexError(f"{index}:{line}: {e}") from e
    return clips


def _origin(path: Path) -> dict[str, object]:
    """The source's own metadata from the recording's meta (empty when unreadable: the run
    reports the broken file, the index does not)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
    except (OSError, ValueError, KeyError):
        return {}
    origin = meta.get("origin") if isinstance(meta, dict) else None
    return origin if isinstance(origin, dict) else {}
