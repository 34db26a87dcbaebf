"""Hand hygiene: room entries and exits as opportunities, dispenser use, patient contact."""

from collections.abc import Iterator

from edge_agent.detections import Detection, EventStamper, Identity
from edge_agent.engines import EngineFrame, HandHygieneEngine, Observation
from edge_agent.perception.config import (
    BedZone,
    BodyConfig,
    DispenserZone,
    DoorZone,
    HandHygieneConfig,
    ZonesConfig,
)
from edge_agent.perception.zones import ZoneMap
from protocol import HandHygieneData, Phase, dump_event, parse_event

T0 = 1_700_000_000.0
FPS = 5


def _rect(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


BED = BedZone(id="bed-1", polygon=_rect(1.0, 2.0, 2.0, 4.0))
ZONES = ZonesConfig(
    beds=[BED],
    doors=[DoorZone(id="door-1", polygon=_rect(-0.5, 0.0, 0.5, 0.6))],
    dispensers=[
        DispenserZone(id="rub-in", polygon=_rect(0.6, 0.6, 1.2, 1.2)),
        DispenserZone(id="rub-out", polygon=_rect(-0.5, -1.2, 0.5, -0.6), where="outside"),
    ],
)
ZMAP = ZoneMap(ZONES)
DOOR = (0.0, 0.3)
INSIDE = (0.0, 1.2)
DISPENSER = (0.9, 0.9)
BEDSIDE = (0.7, 3.0)  # 0.3 m from the bed's edge
CORRIDOR_RUB = (0.0, -0.9)
MIDROOM = (0.0, 2.5)

Leg = tuple[float, tuple[float, float] | None]
"""Seconds at a place (None: out of view)."""


def _observe(track: int, x: float, y: float, born: float, top: float = 1.7) -> Observation:
    seat = ZMAP.at(x, y)
    return Observation(
        track,
        x,
        y,
        top,
        0.0 if top > 1.2 else 0.4,
        is_person=True,
        born_t=born,
        zone_id=seat.id if seat else None,
        zone_kind=seat.kind if seat else None,
        zones=ZMAP.kinds_at(x, y),
    )


def _frames(*people: tuple[int, list[Leg]]) -> Iterator[tuple[float, list[Observation]]]:
    """Each person walks their legs (teleporting between places: frames are what count)."""
    timelines = []
    for track, legs in people:
        places: list[tuple[float, float] | None] = []
        for seconds, place in legs:
            places += [place] * int(seconds * FPS)
        timelines.append((track, places))
    total = max(len(p) for _, p in timelines)
    born: dict[int, float] = {}
    for i in range(total + 200 * FPS):
        t = T0 + i / FPS
        obs = []
        for track, places in timelines:
            place = places[i] if i < len(places) else None
            if place is not None:
                born.setdefault(track, t)
                obs.append(_observe(track, *place, born=born[track]))
        yield t, obs


def _run(engine: HandHygieneEngine, *people: tuple[int, list[Leg]]) -> list[Detection]:
    out = [d for t, obs in _frames(*people) for d in engine.step(t, EngineFrame(obs))]
    return out + engine.flush(T0 + 10_000)


def _data(out: list[Detection]) -> list[HandHygieneData]:
    return [d.data for d in out if isinstance(d.data, HandHygieneData)]


def test_nurse_rubs_on_entry_touches_the_patient_and_leaves_without_rubbing() -> None:
    nurse: list[Leg] = [
        (1, DOOR),
        (1, INSIDE),
        (5, DISPENSER),
        (20, BEDSIDE),
        (3, INSIDE),
        (1, DOOR),
    ]
    out = _run(HandHygieneEngine(HandHygieneConfig(window_s=60.0), [BED]), (5, nurse))
    entry, exit_ = _data(out)
    assert (entry.direction, entry.dispenser_used, entry.patient_contact) == ("entry", True, True)
    assert entry.dispenser_offset_s is not None and 0.5 < entry.dispenser_offset_s < 1.5
    assert (exit_.direction, exit_.dispenser_used, exit_.patient_contact) == ("exit", False, True)
    assert out[0].episode_id == out[1].episode_id
    assert all(d.phase is Phase.INSTANT for d in out)
    # Dated at the crossings (entry at 1 s, exit at the last frame at the door, 31 s)...
    assert abs(out[0].ts - (T0 + 1.0)) < 0.3 and abs(out[1].ts - (T0 + 30.8)) < 0.3
    # ... and valid on the wire.
    stamper = EventStamper(Identity("site-1", "unit-1", "room-1", "agent-1", "cam-1"))
    assert all(parse_event(dump_event(stamper.stamp(d))) for d in out)


def test_entry_is_reported_only_after_its_window_and_the_visit_is_settled() -> None:
    engine = HandHygieneEngine(HandHygieneConfig(window_s=60.0), [BED])
    nurse: list[Leg] = [(1, DOOR), (1, INSIDE), (20, BEDSIDE), (3, INSIDE), (1, DOOR)]
    when = [(t, d) for t, obs in _frames((5, nurse)) for d in engine.step(t, EngineFrame(obs))]
    (entry_t, entry), (exit_t, _) = when
    assert isinstance(entry.data, HandHygieneData) and entry.data.direction == "entry"
    assert entry_t - entry.ts >= 60.0 and exit_t >= entry_t


def test_rubbing_after_patient_contact_counts_for_the_exit_not_the_entry() -> None:
    nurse: list[Leg] = [(1, DOOR), (1, INSIDE), (15, BEDSIDE), (4, DISPENSER), (1, DOOR)]
    entry, exit_ = _data(_run(HandHygieneEngine(HandHygieneConfig(), [BED]), (5, nurse)))
    assert (entry.dispenser_used, exit_.dispenser_used) == (False, True)
    assert exit_.dispenser_offset_s is not None and exit_.dispenser_offset_s < 0


def test_corridor_dispenser_seen_through_the_door_counts_for_the_entry() -> None:
    nurse: list[Leg] = [(4, CORRIDOR_RUB), (1, DOOR), (10, BEDSIDE), (1, DOOR)]
    entry, exit_ = _data(_run(HandHygieneEngine(HandHygieneConfig(), [BED]), (5, nurse)))
    assert entry.dispenser_used and not exit_.dispenser_used
    assert entry.dispenser_offset_s is not None and entry.dispenser_offset_s < -4.0


def test_walking_past_the_dispenser_is_not_a_use() -> None:
    nurse: list[Leg] = [(1, DOOR), (1, DISPENSER), (10, MIDROOM), (1, DISPENSER), (1, DOOR)]
    config = HandHygieneConfig(rub_min_s=2.0)
    assert [
        d.dispenser_used for d in _data(_run(HandHygieneEngine(config, [BED]), (5, nurse)))
    ] == [
        False,
        False,
    ]


def test_a_track_broken_mid_room_is_one_visit_not_a_new_entry() -> None:
    first: list[Leg] = [(1, DOOR), (3, MIDROOM)]
    second: list[Leg] = [(4.4, None), (10, (0.3, 2.6)), (1, DOOR)]  # new id 0.3 m away
    out = _run(HandHygieneEngine(HandHygieneConfig(), [BED]), (5, first), (6, second))
    assert [d.direction for d in _data(out)] == ["entry", "exit"]
    assert len({d.episode_id for d in out}) == 1


def test_someone_appearing_inside_is_no_entry_and_a_peek_at_the_door_is_nothing() -> None:
    inside: list[Leg] = [(10, MIDROOM), (1, DOOR)]  # was there when the agent started
    peek: list[Leg] = [(3, DOOR)]
    out = _run(HandHygieneEngine(HandHygieneConfig(), [BED]), (5, inside), (9, peek))
    assert [d.direction for d in _data(out)] == ["exit"]


def test_patient_contact_is_unknown_without_a_bed_zone() -> None:
    nurse: list[Leg] = [(1, DOOR), (10, BEDSIDE), (1, DOOR)]
    data = _data(_run(HandHygieneEngine(HandHygieneConfig(), []), (5, nurse)))
    assert [d.patient_contact for d in data] == [None, None]


def _lies_in_bed_then_walks_out(engine: HandHygieneEngine) -> list[Detection]:
    out: list[Detection] = []
    for i in range(50):  # lying in bed first
        out += engine.step(T0 + i / FPS, EngineFrame([_observe(3, 1.5, 3.0, T0, top=0.8)]))
    for i in range(50, 80):
        out += engine.step(T0 + i / FPS, EngineFrame([_observe(3, *MIDROOM, T0)]))
    for i in range(80, 90):
        out += engine.step(T0 + i / FPS, EngineFrame([_observe(3, *DOOR, T0)]))
    out += [d for i in range(90, 1000) for d in engine.step(T0 + i / FPS, EngineFrame())]
    return out + engine.flush(T0 + 300)


def test_the_patient_walking_out_is_not_an_opportunity() -> None:
    assert _lies_in_bed_then_walks_out(HandHygieneEngine(HandHygieneConfig(), [BED])) == []


def test_lying_in_bed_means_below_the_body_sections_upright_height() -> None:
    """`perception.body.upright_top_m` below the 0.8 m the patient lies at: they sit up, by
    that measure, so they are not taken for the patient and walking out is an exit."""
    body = BodyConfig(upright_top_m=0.7)
    out = _lies_in_bed_then_walks_out(HandHygieneEngine(HandHygieneConfig(), [BED], body=body))
    assert [d.direction for d in _data(out)] == ["exit"]


def test_helping_the_patient_walk_away_from_the_bed_is_patient_contact() -> None:
    engine = HandHygieneEngine(HandHygieneConfig(), [BED])
    patient = _observe(3, 0.0, 3.5, T0)  # standing by the window, far from the bed
    nurse: list[Leg] = [(1, DOOR), (10, (0.5, 3.5)), (1, DOOR)]  # 0.5 m from the patient
    out: list[Detection] = []
    for t, obs in _frames((5, nurse)):
        out += engine.step(t, EngineFrame([*obs, patient], patient=3))
    entry, exit_ = _data(out + engine.flush(T0 + 10_000))
    assert (entry.patient_contact, exit_.patient_contact) == (True, True)
    assert {d.track_id for d in (entry, exit_)} == {5}  # the patient made no opportunity


def test_a_visitor_still_at_the_door_when_the_recording_ends_has_left() -> None:
    engine = HandHygieneEngine(HandHygieneConfig(), [BED])
    nurse: list[Leg] = [(1, DOOR), (10, BEDSIDE), (0.6, DOOR)]
    out: list[Detection] = []
    for i, (t, obs) in enumerate(_frames((5, nurse))):
        if i > 58:  # the recording stops while the nurse is in the doorway
            break
        out += engine.step(t, EngineFrame(obs))
    directions = [d.direction for d in _data(out + engine.flush(T0 + 12.0))]
    assert directions == ["entry", "exit"]
