"""Sensor health: a blocked or unfamiliar view says so and never turns into a confident alert."""

from edge_agent.detections import Detection, EventStamper, Identity
from edge_agent.engines import EngineFrame, FallEngine, Observation, SensorHealthEngine
from edge_agent.perception.config import FallConfig, SensorHealthConfig
from protocol import EventType, Phase, SensorHealthData, dump_event, parse_event

T0 = 1_700_000_000.0
IDENTITY = Identity("site-1", "unit-1", "room-1", "agent-1", "cam-1")


def _health(out: list[Detection]) -> list[tuple[Phase, str]]:
    return [(d.phase, d.data.state) for d in out if isinstance(d.data, SensorHealthData)]


def _person(t: float, top: float, bottom: float) -> Observation:
    return Observation(7, 1.0, 2.0, top, bottom, is_person=True, born_t=T0)


def test_blocked_camera_reports_sensor_health_and_no_fall() -> None:
    health = SensorHealthEngine(SensorHealthConfig(blocked_s=5.0, recover_s=5.0))
    fall = FallEngine(FallConfig())
    out: list[Detection] = []
    for i in range(210):  # 21 s at 10 fps
        t = T0 + i / 10
        blocked = 20 <= i < 150  # a towel over the lens from 2 s to 15 s
        valid, near = (0.05, 0.9) if blocked else (0.95, 0.0)
        out += health.step(t, valid, near, 0.05, None)
        # What perception makes of a towel: a "person" whose top drops to the floor.
        top, bottom = (0.4, 0.0) if i >= 25 else (1.7, 0.0)
        out += fall.step(t, EngineFrame([_person(t, top, bottom)], trusted=health.healthy))
    assert [d for d in out if d.type is EventType.FALL] == []
    assert _health(out) == [(Phase.START, "blocked"), (Phase.END, "blocked")]
    start, end = [d for d in out if d.type is EventType.SENSOR_HEALTH]
    assert abs(start.ts - (T0 + 2.0 + 5.0)) < 0.15
    assert abs(end.ts - (T0 + 15.0 + 5.0)) < 0.15
    assert health.healthy
    event = parse_event(dump_event(EventStamper(IDENTITY).stamp(start)))
    assert isinstance(event.data, SensorHealthData) and "valid 5%" in event.data.detail


def test_unhealthy_at_once_when_blocked_but_not_for_one_odd_frame_of_foreground() -> None:
    health = SensorHealthEngine(SensorHealthConfig())
    health.step(T0, 0.95, 0.0, 0.9, 0.1)  # a crowd at the bed, a doubtful model: one frame
    assert health.healthy
    health.step(T0 + 0.1, 0.1, 0.0, 0.0, None)
    assert not health.healthy


def test_a_scene_unlike_the_learned_one_is_unfamiliar_then_blocked_is_an_update() -> None:
    health = SensorHealthEngine(SensorHealthConfig(unfamiliar_s=30.0, blocked_s=5.0))
    out: list[Detection] = []
    for i in range(420):
        t = T0 + i / 10
        valid = 0.1 if i >= 350 else 0.9
        out += health.step(t, valid, 0.0, 0.8, None)  # furniture moved: 80 % foreground
    assert _health(out) == [(Phase.START, "unfamiliar"), (Phase.UPDATE, "blocked")]
    assert abs(out[0].ts - (T0 + 30.0)) < 0.15
    assert len({d.episode_id for d in out}) == 1


def test_low_model_confidence_for_long_is_uncertain() -> None:
    health = SensorHealthEngine(SensorHealthConfig(uncertain_s=30.0))
    out = [d for i in range(0, 400) for d in health.step(T0 + i / 10, 0.9, 0.0, 0.1, 0.2)]
    assert _health(out) == [(Phase.START, "uncertain")]
    assert not health.healthy
    assert _health(health.flush(T0 + 41)) == [(Phase.END, "uncertain")]
