"""Per-person activity changes, and the no-motion episode of a person who stops moving."""

from edge_agent.detections import Detection
from edge_agent.engines import ActivityEngine, EngineFrame, NoMotionEngine, Observation
from edge_agent.perception.config import (
    ActivityConfig,
    BathroomZone,
    ChairZone,
    NoMotionConfig,
    ZonesConfig,
)
from edge_agent.perception.zones import ZoneMap
from protocol import ActivityData, ActivityState, NoMotionData, Phase

T0 = 1_700_000_000.0
A = ActivityState
ZMAP = ZoneMap(
    ZonesConfig(
        chairs=[ChairZone(id="sofa", polygon=[(2.0, 0.0), (3.0, 0.0), (3.0, 1.0), (2.0, 1.0)])],
        bathrooms=[
            BathroomZone(id="wc", polygon=[(-1.0, 3.0), (0.0, 3.0), (0.0, 4.0), (-1.0, 4.0)])
        ],
    )
)


def _obs(
    x: float,
    y: float,
    top: float,
    bottom: float = 0.0,
    *,
    speed: float = 0.0,
    posture: str | None = None,
    posture_conf: float = 0.0,
) -> Observation:
    seat = ZMAP.at(x, y)
    return Observation(
        2,
        x,
        y,
        top,
        bottom,
        is_person=True,
        born_t=T0,
        zone_id=seat.id if seat else None,
        zone_kind=seat.kind if seat else None,
        speed_mps=speed,
        zones=ZMAP.kinds_at(x, y),
        posture=posture,
        posture_conf=posture_conf,
    )


def _activity(out: list[Detection]) -> list[ActivityData]:
    return [d.data for d in out if isinstance(d.data, ActivityData)]


def test_walk_sit_on_the_sofa_stand_and_go_to_the_bathroom() -> None:
    engine = ActivityEngine(ActivityConfig(min_dwell_s=3.0, out_of_view_s=5.0))
    script = [
        (10, _obs(1.0, 2.0, 1.7, speed=0.8)),
        (60, _obs(2.5, 0.5, 1.15, bottom=0.4)),
        (5, _obs(1.0, 1.0, 1.7)),
        (5, _obs(-0.5, 3.5, 1.7)),
        (10, None),
    ]
    out: list[Detection] = []
    t = T0
    for seconds, obs in script:
        for _ in range(seconds * 5):
            out += engine.step(t, EngineFrame([obs] if obs else []))
            t += 0.2
    changes = [(d.previous, d.state, d.zone) for d in _activity(out)]
    assert changes == [
        (None, A.WALKING, None),
        (A.WALKING, A.SITTING, "chair"),
        (A.SITTING, A.STANDING, None),
        (A.STANDING, A.OUT_OF_VIEW, "bathroom"),
    ]
    sitting = _activity(out)[2]
    assert abs(sitting.duration_s - 60.0) < 0.5
    assert all(d.phase is Phase.INSTANT for d in out)


def test_height_jitter_at_the_standing_threshold_changes_nothing() -> None:
    engine = ActivityEngine(ActivityConfig(stand_top_m=1.3, min_dwell_s=2.0))
    out = [
        d
        for i in range(300)
        for d in engine.step(
            T0 + i / 10, EngineFrame([_obs(1.0, 2.0, 1.33 if i % 2 else 1.27 if i % 7 else 1.35)])
        )
    ]
    assert [d.state for d in _activity(out)] == [A.STANDING]


def test_a_sure_posture_model_saying_lying_on_the_floor_is_on_floor() -> None:
    engine = ActivityEngine(ActivityConfig())
    obs = _obs(1.0, 2.0, 0.7, bottom=0.1, posture="lying", posture_conf=0.9)
    assert engine.classify(obs) is A.ON_FLOOR
    unsure = _obs(1.0, 2.0, 0.7, bottom=0.1, posture="lying", posture_conf=0.3)
    assert engine.classify(unsure) is A.SITTING  # geometry: top 0.7 is not on the floor


def test_no_motion_opens_after_still_s_reports_and_ends_on_motion() -> None:
    engine = NoMotionEngine(NoMotionConfig(still_s=1800.0, update_interval_s=300.0))
    out: list[Detection] = []
    for i in range(0, 2500):  # one frame a second, breathing-sized jitter
        out += engine.step(
            T0 + i, EngineFrame([_obs(2.5 + 0.02 * (i % 3), 0.5, 1.15 + 0.03 * (i % 2), 0.4)])
        )
    out += engine.step(T0 + 2500, EngineFrame([_obs(1.5, 1.0, 1.7, speed=0.7)]))  # gets up
    phases = [(d.phase, d.ts - T0) for d in out]
    assert phases[0] == (Phase.START, 1800.0)
    assert [p for p, _ in phases] == [Phase.START, Phase.UPDATE, Phase.UPDATE, Phase.END]
    end = out[-1].data
    assert isinstance(end, NoMotionData) and end.still_s == 2500.0 and end.people == 1


def test_an_empty_room_is_not_still() -> None:
    engine = NoMotionEngine(NoMotionConfig(still_s=60.0))
    assert [d for i in range(300) for d in engine.step(T0 + i, EngineFrame())] == []
    out = [
        d
        for i in range(100)
        for d in engine.step(T0 + 300 + i, EngineFrame([_obs(2.5, 0.5, 1.15, 0.4)]))
    ]
    out += engine.step(T0 + 400, EngineFrame())  # left: the episode ends
    assert [d.phase for d in out] == [Phase.START, Phase.END]
