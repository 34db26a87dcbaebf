"""Render a thermal scenario once, reuse the recording: tests and demos share one cache.

Same rules as `simulators.cache` for depth: the key holds the simulator and thermal model
versions and every option; files land under ``$XDG_CACHE_HOME/ambient/recordings/thermal``;
a lock file per key makes concurrent callers render it only once.
"""

from pathlib import Path
from typing import Any

from simulators import SIMULATOR_VERSION
from simulators.cache import cache_digest, cache_dir, cached_file
from simulators.thermal import THERMAL_MODEL_VERSION


def cached_thermal(scenario: str, seed: int = 0, **opts: Any) -> Path:
    """Path of the thermal recording of `scenario` (rendered now if not cached).

    `opts` are `record_thermal`'s keywords (sensor, mount, height_m, tilt_deg, room_temp_c,
    start_time, fps, max_seconds, powered_for_s). The labels file sits next to it.
    """
    from simulators.thermal.recording import record_thermal

    digest = cache_digest(SIMULATOR_VERSION, THERMAL_MODEL_VERSION, scenario, seed, opts=opts)
    sensor = str(opts.get("sensor", "mlx90640"))
    path = cache_dir() / "thermal" / f"{scenario}-{sensor}-s{seed}-{digest}.npz"
    return cached_file(path, lambda out: record_thermal(scenario, out, seed=seed, **opts))
