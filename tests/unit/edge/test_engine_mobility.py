"""Mobility: transitions out of bed and back, staff beside the patient, ICU Mobility Scale."""

from dataclasses import replace
from datetime import UTC, datetime

from edge_agent.detections import Detection, EventStamper, Identity
from edge_agent.engines import EngineFrame, MobilityEngine, Observation, ims_level
from edge_agent.perception.config import BedZone, ChairZone, MobilityConfig, ZonesConfig
from edge_agent.perception.zones import ZoneMap
from protocol import MobilityData, MobilityDayData, MobilityState, Phase, dump_event, parse_event

FPS = 5
T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC).timestamp()
BED = BedZone(id="bed-1", polygon=[(0.0, 0.0), (1.0, 0.0), (1.0, 2.0), (0.0, 2.0)])
CHAIR = ChairZone(id="chair-1", polygon=[(2.0, 0.5), (2.7, 0.5), (2.7, 1.2), (2.0, 1.2)])
ZMAP = ZoneMap(ZonesConfig(beds=[BED], chairs=[CHAIR]))

Pose = tuple[float, float, float, float, float]
"""x, y, top, bottom, speed."""
LYING: Pose = (0.5, 1.0, 0.8, 0.5, 0.0)
EDGE: Pose = (1.2, 1.0, 1.35, 0.05, 0.0)  # on the edge, legs over the side
STANDING: Pose = (1.4, 1.0, 1.62, 0.0, 0.0)
IN_CHAIR: Pose = (2.35, 0.85, 1.2, 0.4, 0.0)
WALKING: Pose = (3.0, 2.5, 1.62, 0.0, 0.6)
STAFF_A, STAFF_B = (1.6, 0.3), (1.6, 1.7)
S = MobilityState


def _obs(track: int, pose: Pose) -> Observation:
    x, y, top, bottom, speed = pose
    seat = ZMAP.at(x, y)
    return Observation(
        track,
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
    )


Script = list[tuple[float, Pose, int]]
"""Seconds in a pose, with that many staff beside the patient."""


def _run(
    engine: MobilityEngine,
    script: Script,
    start: float = T0,
) -> list[Detection]:
    """Seconds in a pose with that many staff beside the patient (track 1)."""
    out: list[Detection] = []
    t = start
    for seconds, pose, staff in script:
        for _ in range(int(seconds * FPS)):
            obs = [_obs(1, pose)]
            obs += [
                _obs(10 + k, (*spot, 1.7, 0.0, 0.0))
                for k, spot in enumerate([STAFF_A, STAFF_B][:staff])
            ]
            out += engine.step(t, EngineFrame(obs))
            t += 1 / FPS
    return out


def _mobility(out: list[Detection]) -> list[tuple[Phase, MobilityData]]:
    return [(d.phase, d.data) for d in out if isinstance(d.data, MobilityData)]


def test_transfer_to_the_chair_with_two_staff_is_ims_5_with_two_staff() -> None:
    engine = MobilityEngine(MobilityConfig(min_dwell_s=3.0, end_still_s=120.0), [BED])
    script: Script = [(10, LYING, 0), (10, LYING, 2), (10, EDGE, 2), (5, STANDING, 2)]
    script += [(10, IN_CHAIR, 2), (150, IN_CHAIR, 0)]
    out = _run(engine, script)
    steps = _mobility(out)
    assert [(p, d.previous, d.state, d.ims_level, d.staff_count) for p, d in steps] == [
        (Phase.START, S.IN_BED, S.SITTING_EDGE, 3, 2),
        (Phase.UPDATE, S.SITTING_EDGE, S.STANDING, 4, 2),
        (Phase.UPDATE, S.STANDING, S.CHAIR, 5, 2),
        (Phase.END, None, S.CHAIR, 5, 2),
    ]
    start, _, _, end = (d for _, d in steps)
    assert abs(start.duration_s - 20.0) < 0.5  # in bed before sitting up
    assert 4.0 <= end.active_s <= 6.0  # the standing part
    assert abs(end.duration_s - 15.0) < 0.5  # edge of the bed to the chair
    assert len({d.episode_id for d in out}) == 1 and all(d.bed == "bed-1" for d in out)
    assert out[-1].ts - (T0 + 35.0) >= 119.9  # 120 s settled in the chair
    stamper = EventStamper(Identity("site-1", "unit-1", "room-1", "agent-1", "cam-1"))
    assert all(parse_event(dump_event(stamper.stamp(d))) for d in out)


def test_walking_alone_then_back_to_bed_and_the_day_summary_at_midnight() -> None:
    late = datetime(2026, 11, 28, 23, 55, tzinfo=UTC).timestamp()
    engine = MobilityEngine(MobilityConfig(end_still_s=60.0), [BED])
    script: Script = [(10, LYING, 0), (8, EDGE, 0), (5, STANDING, 0), (60, WALKING, 0)]
    script += [(5, STANDING, 0), (5, EDGE, 0), (400, LYING, 0)]
    out = _run(engine, script, start=late)
    steps = _mobility(out)
    walking = next(d for _, d in steps if d.state is S.WALKING)
    assert walking.ims_level == 10 and walking.staff_count == 0
    phase, end = steps[-1]
    assert phase is Phase.END and end.ims_level == 10 and end.state is S.IN_BED
    assert 60.0 <= end.active_s <= 75.0
    [day] = [d for d in out if isinstance(d.data, MobilityDayData)]
    assert isinstance(day.data, MobilityDayData)
    assert day.data.day == "2026-11-28" and day.ts >= late + 300
    assert (day.data.max_ims_level, day.data.sessions, day.data.out_of_bed) == (10, 1, True)
    assert day.data.active_s > 60.0
    [today] = engine.flush(late + 600)
    assert isinstance(today.data, MobilityDayData) and today.data.day == "2026-11-29"
    assert today.data.sessions == 0 and today.data.max_ims_level == 0


def test_walking_with_one_helper_is_ims_8_and_with_two_ims_7() -> None:
    assert (ims_level(S.WALKING, 0), ims_level(S.WALKING, 1), ims_level(S.WALKING, 2)) == (
        10,
        8,
        7,
    )
    engine = MobilityEngine(MobilityConfig(), [BED])
    helper = (3.5, 2.5)
    out: list[Detection] = []
    t = T0
    for seconds, pose in [(10, LYING), (8, EDGE), (5, STANDING), (20, WALKING)]:
        for _ in range(seconds * FPS):
            obs = [_obs(1, pose)]
            if pose is WALKING:
                obs.append(_obs(20, (*helper, 1.7, 0.0, 0.6)))
            out += engine.step(t, EngineFrame(obs))
            t += 1 / FPS
    walking = next(d for _, d in _mobility(out) if d.state is S.WALKING)
    assert walking.ims_level == 8 and walking.staff_count == 1


def test_jitter_at_the_bed_edge_makes_no_transitions() -> None:
    engine = MobilityEngine(MobilityConfig(min_dwell_s=3.0), [BED])
    script: Script = []
    for _ in range(20):
        script += [(4, LYING, 0), (1, EDGE, 0), (0.4, STANDING, 0)]
    assert _mobility(_run(engine, script)) == []
    assert engine.state is S.IN_BED


def test_a_home_without_a_bed_zone_follows_the_lone_person() -> None:
    engine = MobilityEngine(MobilityConfig(), [])
    out = _run(engine, [(10, IN_CHAIR, 0), (10, WALKING, 0)])
    [(phase, data)] = _mobility(out)
    assert (phase, data.previous, data.state) == (Phase.START, S.CHAIR, S.WALKING)
    assert out[0].bed is None


def test_a_walk_with_a_turn_on_the_spot_is_one_walk() -> None:
    engine = MobilityEngine(MobilityConfig(min_dwell_s=3.0), [BED])
    script: Script = [(10, LYING, 0), (8, EDGE, 0), (5, STANDING, 0)]
    script += [(2.4, WALKING, 0), (0.8, (3.0, 2.5, 1.62, 0.0, 0.0), 0), (2.4, WALKING, 0)]
    script += [(10, STANDING, 0)]
    states = [d.state for _, d in _mobility(_run(engine, script))]
    assert states == [S.SITTING_EDGE, S.STANDING, S.WALKING, S.STANDING]


def test_the_patient_up_when_the_agent_starts_is_followed_not_the_nurse_who_comes_in() -> None:
    engine = MobilityEngine(MobilityConfig(), [BED])
    door_zone = ("door",)
    out: list[Detection] = []
    for i in range(40 * FPS):
        t = T0 + i / FPS
        walking = 10 * FPS <= i < 20 * FPS
        patient = _obs(1, WALKING if walking else STANDING)
        obs = [patient]
        if i >= 5 * FPS:  # a nurse comes in by the door and stands still
            nurse = _obs(7, (3.0, 0.3, 1.75, 0.0, 0.0))
            obs.append(nurse if i > 5 * FPS else replace(nurse, zones=door_zone))
        out += engine.step(t, EngineFrame(obs))
    assert engine.patient == 1
    assert [d.state for _, d in _mobility(out)][:2] == [S.STANDING, S.WALKING]
