"""The fall engine and someone found on the floor when the agent starts: an alert, though
no fall was seen, with less confidence than a seen fall; nobody else without a drop."""

import pytest

from edge_agent.engines import EngineFrame, FallEngine, Observation
from edge_agent.perception.config import FallConfig
from protocol import EventType, Phase


def _down(track_id: int = 7, *, found: bool = True, top: float = 0.3) -> Observation:
    return Observation(
        track_id, 1.0, 2.0, top, 0.05, is_person=True, born_t=0.0, found_at_start=found
    )


def _run(engine: FallEngine, frames: list[tuple[float, Observation]]) -> list[Phase]:
    return [
        d.phase
        for t, o in frames
        for d in engine.step(t, EngineFrame([o]))
        if d.type is EventType.FALL
    ]


def test_someone_found_on_the_floor_at_start_up_is_a_fall_alert_with_less_confidence() -> None:
    engine = FallEngine(FallConfig())
    out = []
    for i in range(60):
        out += engine.step(2.0 + i / 10, EngineFrame([_down()]))
    [start] = [d for d in out if d.phase is Phase.START]
    assert start.ts == pytest.approx(2.0 + FallConfig().confirm_s, abs=0.15)
    assert start.confidence == FallConfig().found_down_confidence < FallConfig().confidence


def test_someone_seen_up_first_who_lies_down_slowly_is_not_a_fall() -> None:
    engine = FallEngine(FallConfig())
    frames = [(i / 10, _down(top=1.7)) for i in range(20)]  # standing, found at start
    frames += [(2.0 + i / 10, _down(top=1.7 - 1.4 * i / 150)) for i in range(150)]  # 15 s
    frames += [(17.0 + i / 10, _down()) for i in range(100)]
    assert _run(engine, frames) == []


def test_a_track_born_lying_later_is_not_a_fall_without_a_drop() -> None:
    engine = FallEngine(FallConfig())
    assert _run(engine, [(i / 10, _down(found=False)) for i in range(100)]) == []
