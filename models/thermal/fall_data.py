"""The fall model's training inputs: every decision window of a clip, as the device makes it.

A clip (real or simulated `.npz`) is replayed through the on-device perception (background,
noise, blobs) and `FallStream`, and the ticks plus the decision points are kept, so the model
trains on exactly the windows the pipeline will show it. Ticks are cached per clip (a few
hundred KB), keyed by the file and `FALL_INPUT_VERSION`, under the project's cache folder.
"""

import functools
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ambient.cache import cache_root
from edge_agent.sources.thermal import ThermalRecordingSource
from edge_agent.thermal.config import ThermalConfig
from edge_agent.thermal.fall_input import FRAMES, FallSampler, FallStream
from edge_agent.thermal.geometry import SensorGeometry
from edge_agent.thermal.perception import ThermalPerception

logger = logging.getLogger(__name__)

FALL_INPUT_VERSION = 1
"""Bumped whenever the cache's layout changes (the perception code is hashed as well)."""
MAX_DECISIONS = 400
"""A long recording (an hour of walking) keeps this many decisions, evenly spread."""

F16 = npt.NDArray[np.float16]
F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]


@dataclass(frozen=True, slots=True)
class ClipTicks:
    ticks: F16
    """(n, PLANES, rows, cols) every tick of the clip."""
    context: F32
    """(CONTEXT_PLANES, rows, cols)."""
    decisions: I32
    """Tick counts (1-based: ticks[:k]) at which the model ran."""
    times: F32
    """Seconds from the first frame to each decision."""

    def windows(self) -> F32:
        """(len(decisions), CHANNELS, rows, cols): the model's inputs at each decision."""
        out = []
        for k in self.decisions.tolist():
            part = self.ticks[max(0, k - FRAMES) : k].astype(np.float32)
            if len(part) < FRAMES:
                part = np.concatenate([np.repeat(part[:1], FRAMES - len(part), axis=0), part])
            out.append(np.concatenate([part.reshape(-1, *part.shape[2:]), self.context]))
        return np.stack(out) if out else np.zeros((0, 1, 1, 1), np.float32)


def clip_ticks(path: Path, config: ThermalConfig | None = None) -> ClipTicks:
    """Ticks and decisions of one recording (cached); raises SourceError on a bad file."""
    key = _key(path)
    cached = cache_root() / "thermal-fall" / f"{key}.npz"
    if cached.exists():
        with np.load(cached) as data:
            return ClipTicks(data["ticks"], data["context"], data["decisions"], data["times"])
    ticks = _compute(path, config or ThermalConfig())
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{cached.name}.{os.getpid()}.tmp.npz")  # runs may share a cache
    np.savez(
        tmp, ticks=ticks.ticks, context=ticks.context, decisions=ticks.decisions, times=ticks.times
    )
    tmp.replace(cached)
    return ticks


def _key(path: Path) -> str:
    stat = path.stat()
    text = f"{FALL_INPUT_VERSION}|{_code_hash()}|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@functools.cache
def _code_hash() -> str:
    """The perception code the ticks come from: a change to it rebuilds every clip's ticks."""
    import edge_agent.sources.thermal
    import edge_agent.thermal

    files = sorted(Path(edge_agent.thermal.__file__).parent.glob("*.py"))
    digest = hashlib.sha256()
    for path in [*files, Path(edge_agent.sources.thermal.__file__)]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _compute(path: Path, config: ThermalConfig) -> ClipTicks:
    source = ThermalRecordingSource(path, real_time=False, loop=False)
    try:
        geometry = SensorGeometry.from_meta(source.meta)
        perception = ThermalPerception(geometry, config)
        sampler = FallSampler(geometry.height, geometry.width, geometry.mount, geometry.hfov_deg)
        stream = FallStream(sampler)
        ticks: list[F32] = []
        decisions: list[int] = []
        times: list[float] = []
        first: float | None = None
        for frame in source.frames():
            first = frame.t if first is None else first
            result = perception.step(frame.temps_c, frame.t)
            before = sampler.count
            due = stream.push(result.excess, result.sigma, frame.t)
            made = sampler.count - before
            ticks.extend(sampler.recent(made))
            if due:
                decisions.append(sampler.count)
                times.append(frame.t - first)
    finally:
        source.close()
    if len(decisions) > MAX_DECISIONS:
        keep = np.linspace(0, len(decisions) - 1, MAX_DECISIONS).round().astype(int)
        decisions = [decisions[i] for i in keep]
        times = [times[i] for i in keep]
    rows, cols = sampler.context.shape[1:]
    stack = (
        np.stack(ticks).astype(np.float16) if ticks else np.zeros((0, 2, rows, cols), np.float16)
    )
    return ClipTicks(
        stack,
        sampler.context,
        np.asarray(decisions, dtype=np.int32),
        np.asarray(times, dtype=np.float32),
    )
