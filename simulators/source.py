"""Depth frames rendered on the fly from a simulator spec or scenario: hours without a file.

A day of normal activity is hours of frames (~150 KB each even at 320×240), so datasets store
it as a seeded spec; this source renders it while the pipeline runs. Frames come from the same
render loop, noise model and intrinsics as a recording of the same spec, with the same
timestamps (recording clock: ``start_time + index / fps``), so the agent cannot tell them
apart. It belongs to the simulator (the edge never imports it); the renderer is imported only
when a source is created, so evaluation workers and the demo pay for it only when they play.
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from edge_agent.sources.base import DepthFrame, Intrinsics, SourceError, pace

DEPTH_SCALE = np.float32(0.001)
"""Metres per Z16 unit, as the simulated D435 reports it."""


class SimulatedSource:
    """Frames of an `ItemSpec`, a spec file (``*.spec.json``) or a `Scenario`.

    For a spec, width/height/fps default to the spec's own sensor. For a bare scenario they
    default to 640×480 at 15 fps, and `seed`/`start_time` play the roles they have in
    `simulators.recording.record`, which gives identical frames.
    """

    def __init__(
        self,
        spec_or_scenario: Any,
        *,
        width: int | None = None,
        height: int | None = None,
        fps: int | None = None,
        real_time: bool = False,
        seed: int = 0,
        start_time: datetime | None = None,
    ) -> None:
        try:
            from simulators.dataset import frames as sim_frames
            from simulators.dataset.plan import duration, scenario_for
            from simulators.dataset.spec import ItemSpec, SpecError
            from simulators.scenarios import Scenario
        except ImportError as e:
            raise SourceError("the simulator is not installed (install ambient[sim])") from e
        self._sim = sim_frames
        self.real_time = real_time
        self._closed = False
        item = spec_or_scenario
        if isinstance(item, str | Path):
            try:
                item = ItemSpec.read(Path(item))
            except SpecError as e:
                raise SourceError(str(e)) from e
        if isinstance(item, ItemSpec):
            asked = (width or item.width, height or item.height)
            if asked != (item.width, item.height):
                # Another resolution would need another noise stream: not the spec's frames.
                raise SourceError(
                    f"spec {item.id} is {item.width}x{item.height}, not {asked[0]}x{asked[1]}"
                )
            try:
                self._scenario: Scenario = scenario_for(item)
            except ValueError as e:
                raise SourceError(f"cannot build spec {item.id}: {e}") from e
            self._duration = duration(item, self._scenario)
            self.width, self.height = item.width, item.height
            self.fps = fps or item.fps
            self._seed = item.seed
            self._start_ms = float(item.start_ms)
        elif isinstance(item, Scenario):
            from simulators.recording import DEFAULT_START

            self._scenario = item
            self._duration = item.duration
            self.width, self.height, self.fps = width or 640, height or 480, fps or 15
            self._seed = seed
            self._start_ms = float(int((start_time or DEFAULT_START).timestamp() * 1000))
        else:
            raise SourceError(f"not a simulator spec or scenario: {type(item).__name__}")
        camera = sim_frames.camera_for(self._scenario.room, self.width, self.height)
        self.intrinsics = Intrinsics(
            camera.width, camera.height, camera.fx, camera.fy, camera.ppx, camera.ppy
        )

    @property
    def frame_count(self) -> int:
        return int(self._sim.frame_count(self._duration, self.fps))

    def frames(self) -> Iterator[DepthFrame]:
        rendered = self._sim.render(
            self._scenario,
            duration_s=self._duration,
            width=self.width,
            height=self.height,
            fps=self.fps,
            rng=self._sim.noise_rng(self._seed, self._scenario),
            start_ms=self._start_ms,
        )
        origin: tuple[float, float] | None = None
        for frame in rendered:
            if self._closed:
                return
            t = frame.ts_ms / 1000.0
            if self.real_time:
                origin = pace(origin, t)
            depth = np.multiply(frame.depth_mm, DEPTH_SCALE, dtype=np.float32)
            yield DepthFrame(frame.index, t, depth, self.intrinsics)

    def close(self) -> None:
        self._closed = True
