"""Thermal fall engine: a fall needs activity before going down, escalates on a long lie,
ends when the person is up; the pipeline reports a covered or dead array."""

import uuid
from datetime import UTC, datetime

import numpy as np

from edge_agent.detections import Detection
from edge_agent.perception.config import FallConfig, PerceptionConfig
from edge_agent.sources.thermal import ThermalFrame, ThermalMeta
from edge_agent.thermal.config import ThermalFallConfig
from edge_agent.thermal.fall import Subject, ThermalFallEngine
from edge_agent.thermal.pipeline import ThermalPipeline
from protocol import EventType, FallData, ModelRef, SensorHealthData


def _fall(d: Detection) -> FallData:
    assert isinstance(d.data, FallData)
    return d.data


MODEL = ModelRef(name="thermal-activity", version="1.0.0")
MOVING = {"empty": 0.05, "still": 0.05, "moving": 0.85, "on_floor": 0.05}
DOWN = {"empty": 0.02, "still": 0.03, "moving": 0.05, "on_floor": 0.9}
STILL = {"empty": 0.05, "still": 0.85, "moving": 0.05, "on_floor": 0.05}


def _run(
    engine: ThermalFallEngine, script: list[tuple[float, dict[str, float]]]
) -> list[Detection]:
    out: list[Detection] = []
    t = 0.0
    for seconds, probs in script:
        end = t + seconds
        while t < end:
            out += engine.step(t, probs, False, Subject(3, 0.0))
            t += 0.5
    return out


def test_down_after_moving_starts_a_fall_that_escalates_and_ends_when_up() -> None:
    shared = FallConfig(escalation_s=[60.0, 120.0])
    engine = ThermalFallEngine(ThermalFallConfig(), shared, MODEL)
    out = _run(engine, [(10.0, MOVING), (150.0, DOWN), (10.0, MOVING)])
    phases = [(d.phase.value, _fall(d).escalation) for d in out]
    assert phases[0] == ("start", 0)
    assert out[0].ts == 15.0  # down at 10 s, confirmed 5 s later
    assert ("update", 1) in phases and ("update", 2) in phases
    first_1 = next(d for d in out if _fall(d).escalation == 1)
    assert first_1.ts == 70.0  # the very model run that passed 60 s on the floor
    assert phases[-1] == ("end", 2) and _fall(out[-1]).recovered is True
    assert {d.type for d in out} == {EventType.FALL} and len({d.episode_id for d in out}) == 1


def test_lying_on_the_floor_with_no_activity_before_is_not_a_fall() -> None:
    engine = ThermalFallEngine(ThermalFallConfig(), FallConfig(), MODEL)
    assert _run(engine, [(30.0, STILL), (60.0, DOWN)]) == []


def test_a_short_dip_to_the_floor_is_not_a_fall() -> None:
    engine = ThermalFallEngine(ThermalFallConfig(), FallConfig(), MODEL)
    assert _run(engine, [(10.0, MOVING), (2.0, DOWN), (10.0, MOVING)]) == []


def test_a_descent_starts_a_fall_at_once_and_a_quick_recovery_ends_it() -> None:
    """The fall model saw a descent: the episode starts on that run; the person is up and
    walking 3 s later: it ends as recovered, and it was a fall all the same."""
    engine = ThermalFallEngine(ThermalFallConfig(fall_p=0.6), FallConfig(), MODEL)
    out: list[Detection] = []
    for i in range(40):  # 20 s, a run every 0.5 s
        t = i * 0.5
        p_fall = 0.9 if 10.0 <= t < 12.0 else 0.05
        probs = MOVING if t < 10.0 or t >= 13.0 else DOWN
        out += engine.step(t, probs, False, Subject(3, 0.0), p_fall)
    phases = [d.phase.value for d in out]
    assert phases[0] == "start" and phases[-1] == "end" and set(phases[1:-1]) <= {"update"}
    assert (
        len({d.episode_id for d in out}) == 1
        and out[0].ts == 10.0
        and _fall(out[-1]).recovered is True
    )
    assert out[-1].ts - out[0].ts <= 8.0


def test_after_a_fall_ends_the_descent_model_waits_before_starting_another() -> None:
    cfg = ThermalFallConfig(fall_p=0.6, refractory_s=10.0, recover_s=1.0)
    engine = ThermalFallEngine(cfg, FallConfig(), MODEL)
    starts = []
    for i in range(60):
        t = i * 0.5
        out = engine.step(t, MOVING, True, None, 0.9 if t in (5.0, 9.0, 25.0) else 0.0)
        starts += [d.ts for d in out if d.phase.value == "start"]
    assert starts == [5.0, 25.0]  # 9.0 came 3 s after the first one ended


def test_without_activity_probabilities_the_descent_still_decides() -> None:
    engine = ThermalFallEngine(ThermalFallConfig(fall_p=0.6), FallConfig(), MODEL)
    assert engine.step(1.0, None, False, None, 0.3) == []
    assert [d.phase.value for d in engine.step(1.4, None, False, None, 0.7)] == ["start"]


def _meta() -> ThermalMeta:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return ThermalMeta("mlx90640", 32, 24, (110.0, 75.0), "ceiling", 2.5, 0.0, 8.0, start, {})


def test_a_covered_array_opens_a_sensor_health_episode_and_no_fall() -> None:
    pipeline = ThermalPipeline(PerceptionConfig())
    rng = np.random.default_rng(0)
    meta = _meta()
    t0 = meta.start_time.timestamp()
    out = []
    for i in range(80):  # 10 s of a normal empty room
        temps = (22.0 + rng.normal(0, 0.3, (24, 32))).astype(np.float32)
        out += pipeline.process(ThermalFrame(i, t0 + i / 8, temps, meta))
    for i in range(80, 240):  # then 20 s of a flat frame: covered or dead
        out += pipeline.process(
            ThermalFrame(i, t0 + i / 8, np.full((24, 32), 21.0, np.float32), meta)
        )
    out += pipeline.flush(t0 + 30.0)
    health = [d for d in out if d.type == EventType.SENSOR_HEALTH]
    phases = [d.phase.value for d in health]
    assert phases[0] == "start" and phases[-1] == "end"  # closed by the flush
    assert isinstance(health[0].data, SensorHealthData) and health[0].data.state == "blocked"
    assert health[0].ts - t0 <= 10.0 + 5.0 + 0.5
    assert isinstance(health[0].episode_id, uuid.UUID)
    assert not [d for d in out if d.type == EventType.FALL]


def test_a_shadow_pipeline_marks_every_detection_shadow() -> None:
    pipeline = ThermalPipeline(PerceptionConfig(), shadow=True)
    meta = _meta()
    t0 = meta.start_time.timestamp()
    flat = np.full((24, 32), 21.0, np.float32)
    out: list[Detection] = []
    for i in range(80):
        out += pipeline.process(ThermalFrame(i, t0 + i / 8, flat, meta))
    out += pipeline.flush(t0 + 10.0)
    assert out and all(d.shadow for d in out)
