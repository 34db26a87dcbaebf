"""The simulator against the real sensors: same geometries, same statistics, stated tolerances.

`simulators/thermal/real_stats.json` holds statistics measured on real recordings (the
recordings themselves are not needed here); `simulators.thermal.simcheck` renders the same
geometries and `simulators.thermal.compare` holds each figure to its tolerance (contrast per
off-axis distance and per posture, blob size, pixel noise, filtering, flicker, frame-interval
jitter). The other tests pin down the mechanisms behind those figures.
"""

import random
from pathlib import Path

import numpy as np
import pytest

from edge_agent.sources.thermal import ThermalRecordingSource
from simulators import body, poses
from simulators.thermal import calibration, compare, simcheck
from simulators.thermal.recording import read_thermal_labels, record_thermal
from simulators.thermal.scene import BodyTemps


@pytest.mark.recordings  # renders about 6,000 thermal frames: the slow tier
def test_simulated_sensors_match_the_real_statistics() -> None:
    real = calibration.load()
    checks = compare.compare(real, simcheck.simulate(real, seed=0))
    off = [c for c in checks if not c.ok]
    assert len(checks) >= 35
    assert not off, "simulated and real sensors drifted apart:\n" + compare.table(checks)


def _peak(style: str, room_c: float, *, blanket: bool = False, lying: bool = False) -> float:
    rig = simcheck.Rig.ceiling("d6t44", room_c, seed=1, furniture={"bed": simcheck.BED})
    ax, ay = rig.axis
    h = 1.75
    pose = (
        poses.supine(ax, ay, 0.0, simcheck.BED.hi[2], h) if lying else body.standing(ax, ay, 0.0, h)
    )
    person = simcheck.dressed(
        pose, h, 1.0, style=style, temps=BodyTemps(), room_c=room_c, blanket=blanket
    )
    return float(rig.renderer.render([person]).max() - rig.renderer.render([]).max())


def test_insulation_clothing_blankets_and_a_warm_room_lower_the_contrast() -> None:
    indoor = _peak("long_sleeves", 20.0, lying=True)
    assert _peak("coat", 20.0, lying=True) < 0.7 * indoor
    assert _peak("long_sleeves", 20.0, lying=True, blanket=True) < 0.7 * indoor
    # Every insulated surface sits a share of the way from room to skin: a warmer room
    # leaves less difference to see.
    assert _peak("long_sleeves", 28.0, lying=True) < 0.6 * indoor


def test_a_blanket_covers_people_lying_in_bed_only() -> None:
    from simulators.scenarios import build
    from simulators.thermal import adapter

    scene = build("bed_exit", 0)
    temps = {p.id: BodyTemps(blanket=True) for p in scene.people}
    covered = [
        s.covered
        for t in np.arange(0.0, scene.duration, 0.5)
        for s in adapter.people_at(scene, t, temps, 22.0)
    ]
    assert any(covered) and not all(covered)
    shares = [BodyTemps.seeded(random.Random(i)).blanket for i in range(400)]
    assert 0.5 < np.mean(shares) < 0.7


def test_recordings_have_jittered_clocks_and_the_4x4_array(tmp_path: Path) -> None:
    out = tmp_path / "d6t.npz"
    info = record_thermal("walk_fall_forward", out, sensor="d6t44", seed=1, max_seconds=8.0)
    frames = list(ThermalRecordingSource(out).frames())
    t = np.array([f.t for f in frames]) - frames[0].t
    intervals = np.diff(t) * info.frames / info.duration_s
    assert np.all(intervals > 0) and 0.005 < intervals.std() < 0.06
    assert frames[0].temps_c.shape == (4, 4)
    assert frames[0].meta.fov_deg == (44.2, 45.7)
    labels = read_thermal_labels(out)
    assert [line["t"] for line in labels.frames] == pytest.approx(t.tolist(), abs=1e-3)
    assert labels.meta["noise"]["interval_jitter"] == pytest.approx(0.021)
