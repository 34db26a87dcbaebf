"""One thermal frame → excess over background, warm blobs and tracks (no model, no events).

Shared by the pipeline and by the model's training code, so the model learns from exactly
the excess images it will see on a device.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from edge_agent.thermal.background import ThermalBackground
from edge_agent.thermal.blobs import WarmBlob, find_warm_blobs
from edge_agent.thermal.config import ThermalConfig
from edge_agent.thermal.geometry import SensorGeometry
from edge_agent.thermal.tracker import ThermalTrack, ThermalTracker

F32 = npt.NDArray[np.float32]

_PROTECT_MARGIN_PX = 1


@dataclass(frozen=True, slots=True)
class PerceptionResult:
    excess: F32
    """(H, W) °C above the background (drift removed)."""
    sigma: F32
    """(H, W) each pixel's measured noise (°C): `excess / sigma` is the contrast in σ."""
    blobs: list[WarmBlob]
    tracks: list[ThermalTrack]


class ThermalPerception:
    """Background → blobs → tracks; feed frames in time order."""

    def __init__(self, geometry: SensorGeometry, config: ThermalConfig) -> None:
        self.geometry = geometry
        self.config = config
        self.background = ThermalBackground(config.background)
        self.tracker = ThermalTracker(config.tracking)

    def step(self, temps: F32, t: float) -> PerceptionResult:
        """Process one frame of finite °C values (the caller screens bad frames)."""
        bg = self.background
        excess = bg.excess(temps, t)
        sigma = bg.sigma_map
        blobs, index = find_warm_blobs(
            excess, bg.threshold_map, sigma, self.geometry, self.config.blobs
        )
        tracks = self.tracker.update(blobs, t)
        protected = np.zeros(excess.shape, dtype=bool)
        m = _PROTECT_MARGIN_PX
        for track in tracks:
            if track.person and track.blob_index >= 0:
                r0, r1, c0, c1 = blobs[track.blob_index].bbox
                protected[max(0, r0 - m) : r1 + m + 1, max(0, c0 - m) : c1 + m + 1] = True
        bg.update(temps, excess, index >= 0, protected, t)
        return PerceptionResult(excess, sigma, blobs, tracks)
