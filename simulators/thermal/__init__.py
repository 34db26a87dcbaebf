"""Simulated thermal arrays (Grid-EYE, Omron 4×4 and 16×16, MLX90640, Lepton) in our rooms.

Importing this package is cheap (no numpy), so `ambient --help` stays fast: `record_thermal`
and `cached_thermal` load their modules on first use.
"""

from typing import TYPE_CHECKING, Any

THERMAL_MODEL_VERSION = "2"
"""Bumped whenever the thermal physics or noise change, so cached recordings are rebuilt."""

if TYPE_CHECKING:
    from simulators.thermal.cache import cached_thermal
    from simulators.thermal.recording import ThermalRecordingInfo, record_thermal

__all__ = ["THERMAL_MODEL_VERSION", "ThermalRecordingInfo", "cached_thermal", "record_thermal"]


def __getattr__(name: str) -> Any:
    if name in ("record_thermal", "ThermalRecordingInfo"):
        from simulators.thermal import recording

        return getattr(recording, name)
    if name == "cached_thermal":
        from simulators.thermal import cache

        return cache.cached_thermal
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
