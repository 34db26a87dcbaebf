"""Fall engine on its own: long-lie escalation steps and the fall model as evidence."""

import pytest
from pydantic import ValidationError

from edge_agent.detections import Detection
from edge_agent.engines import EngineFrame, FallEngine, Observation
from edge_agent.perception.config import FallConfig
from protocol import FallData, Phase

T0 = 1_700_000_000.0


def _obs(top: float, *, born: float = T0, fall_p: float | None = None) -> Observation:
    return Observation(4, 1.0, 2.0, top, 0.05, is_person=True, born_t=born, fall_p=fall_p)


def _data(d: Detection) -> FallData:
    assert isinstance(d.data, FallData)
    return d.data


def _lie(engine: FallEngine, lie_s: float, fps: float = 2.0) -> tuple[float, list[Detection]]:
    """Stand 2 s, drop to the floor, lie ``lie_s``; returns the landing time and output."""
    out: list[Detection] = []
    for i in range(int(2 * fps)):
        out += engine.step(T0 + i / fps, EngineFrame([_obs(1.7)]))
    landing = T0 + 2.0
    for i in range(int(lie_s * fps) + 1):
        out += engine.step(landing + i / fps, EngineFrame([_obs(0.35)]))
    return landing, out


def test_six_minute_lie_escalates_once_exactly_at_five_minutes() -> None:
    engine = FallEngine(FallConfig(escalation_s=[300.0, 900.0, 3600.0]))
    landing, out = _lie(engine, 360.0)
    assert out[0].phase is Phase.START and _data(out[0]).escalation == 0
    escalated = [d for d in out if _data(d).escalation > 0]
    assert escalated[0].ts == landing + 300.0
    assert escalated[0].phase is Phase.UPDATE and _data(escalated[0]).on_floor_s == 300.0
    assert {_data(d).escalation for d in escalated} == {1}
    [end] = engine.flush(landing + 360.0)
    assert end.phase is Phase.END and _data(end).escalation == 1
    assert _data(end).recovered is False


def test_escalation_comes_even_while_the_person_is_out_of_sight() -> None:
    engine = FallEngine(FallConfig(escalation_s=[10.0], lost_end_s=60.0))
    landing, out = _lie(engine, 5.0)
    assert [d.phase for d in out] == [Phase.START]
    unseen = [d for i in range(40) for d in engine.step(landing + 5.5 + i / 2, EngineFrame())]
    assert [(d.ts - landing, _data(d).escalation) for d in unseen] == [(10.0, 1)]


def test_geometry_with_a_doubting_model_alerts_less_confidently() -> None:
    sure = FallEngine(FallConfig(confidence=0.9))
    _, plain = _lie(sure, 3.0)
    doubted = FallEngine(FallConfig(confidence=0.9))
    out: list[Detection] = []
    for i in range(4):
        out += doubted.step(T0 + i / 2, EngineFrame([_obs(1.7)]))
    for i in range(8):
        out += doubted.step(T0 + 2 + i / 2, EngineFrame([_obs(0.35, fall_p=0.1)]))
    assert plain[0].confidence == 0.9
    assert out[0].phase is Phase.START and out[0].confidence == 0.5


def test_the_model_alone_opens_a_fall_the_geometry_did_not_see_drop() -> None:
    # The person was never seen upright (the drop happened behind the bed end).
    engine = FallEngine(FallConfig(fall_p_threshold=0.7))
    quiet = [d for i in range(10) for d in engine.step(T0 + i / 2, EngineFrame([_obs(0.35)]))]
    assert quiet == []
    down = EngineFrame([_obs(0.35, fall_p=0.9)])
    out = [d for i in range(10) for d in engine.step(T0 + 5 + i / 2, down)]
    assert out[0].phase is Phase.START
    assert 0.5 < out[0].confidence < 0.9  # less sure than a seen drop


def test_an_untrusted_view_starts_no_fall() -> None:
    engine = FallEngine(FallConfig())
    up, down = EngineFrame([_obs(1.7)], trusted=False), EngineFrame([_obs(0.35)], trusted=False)
    out = [d for i in range(4) for d in engine.step(T0 + i / 2, up)]
    out += [d for i in range(20) for d in engine.step(T0 + 2 + i / 2, down)]
    assert out == []


def test_bad_escalation_steps_are_refused_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="strictly increasing"):
        FallConfig(escalation_s=[900.0, 300.0])
