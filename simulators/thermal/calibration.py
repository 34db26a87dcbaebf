"""The table of real-sensor statistics the thermal simulator is calibrated against.

`measure(data_dir)` reads the folder of real thermal recordings (six public sets converted
to the project's `.npz` format, with an `index.csv`; the folder is never part of the
repository) and returns a small JSON-able table per set: person contrast against an
empty-room reference (against the true off-axis distance where the set has it), blob size,
empty-room pixel noise, frame-wide flicker, output step, frame-interval jitter and the level
at the start of a recording. Only these derived numbers are committed
(`simulators/thermal/real_stats.json`); `ambient sim thermal-stats DIR --out FILE` rewrites it.

Per-set choices (which frames count as empty, which reference a contrast is taken against)
live in `simulators.thermal.realsets`; the statistics themselves in `simulators.thermal.stats`,
shared with the simulated side.
"""

import csv
import json
import math
from pathlib import Path
from typing import Any

from simulators.errors import SimulatorError
from simulators.thermal import realsets

STATS_FORMAT = "ambient-thermal-real-stats/1"
COMMITTED = Path(__file__).with_name("real_stats.json")
"""The committed table (derived numbers only, a few KB)."""


class RealDataMissingError(SimulatorError, FileNotFoundError):
    """The real-recordings folder (or its index.csv) is not where we were told."""


def index_rows(data_dir: Path) -> list[dict[str, str]]:
    """The folder's index.csv, one dict per recording; raises RealDataMissingError plainly."""
    index = data_dir / "index.csv"
    if not data_dir.is_dir():
        raise RealDataMissingError(f"real thermal data folder not found: {data_dir}")
    if not index.is_file():
        raise RealDataMissingError(f"no index.csv in {data_dir}: not a real thermal data folder")
    with index.open(newline="") as f:
        return list(csv.DictReader(f))


def measure(data_dir: Path) -> dict[str, Any]:
    """Every set's statistics, in a fixed order (the same folder gives the same table)."""
    rows = index_rows(data_dir)
    by_set: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_set.setdefault(row["set"], []).append(row)
    sets: dict[str, Any] = {}
    for name, fn in realsets.MEASURES.items():
        if name in by_set:
            sets[name] = fn(data_dir, by_set[name])
    return {
        "format": STATS_FORMAT,
        "recordings": len(rows),
        "method": realsets.METHOD,
        "sets": sets,
    }


def write(table: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(table) + "\n")


def dumps(value: Any, depth: int = 0) -> str:
    """JSON with one line per leaf object (a bin, a summary), so a diff shows which changed."""
    pad, inner = " " * depth, " " * (depth + 1)
    if isinstance(value, dict) and not _is_leaf(value):
        items = [f"{inner}{json.dumps(k)}: {dumps(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        items = [inner + dumps(v, depth + 1) for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False)


def _is_leaf(value: dict[str, Any]) -> bool:
    return all(not isinstance(v, dict | list) for v in value.values())


def load(path: Path = COMMITTED) -> dict[str, Any]:
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or data.get("format") != STATS_FORMAT:
        raise ValueError(f"not a real thermal statistics table ({STATS_FORMAT}): {path}")
    return data


def differences(old: Any, new: Any, tol: float = 0.002, where: str = "") -> list[str]:
    """Where two tables disagree (floats beyond `tol`, anything else at all), as paths."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = [f"{where}/{k}: only in one" for k in sorted(set(old) ^ set(new))]
        for key in old.keys() & new.keys():
            out += differences(old[key], new[key], tol, f"{where}/{key}")
        return sorted(out)
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        return [
            d
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for d in differences(a, b, tol, f"{where}[{i}]")
        ]
    if isinstance(old, float) and isinstance(new, float | int) and not isinstance(new, bool):
        same = abs(old - new) <= tol or (math.isnan(old) and math.isnan(new))
        return [] if same else [f"{where}: {old} -> {new}"]
    return [] if old == new else [f"{where}: {old!r} -> {new!r}"]
