"""Room tiles from event sequences: what word a room shows, and since when."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from aggregator import samples
from aggregator.rules.engine import RoomWork, room_work
from aggregator.rules.room_state import RoomState, RoomSummary, apply_signal, read_state
from edge_agent.detections import Detection, EventStamper
from protocol import (
    ActivityData,
    ActivityState,
    AgentState,
    AgentStatus,
    AnyEvent,
    EventType,
    Phase,
    SensorHealthData,
)

T0 = datetime(2026, 11, 29, 2, 0, tzinfo=UTC).timestamp()
NOW = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)


def activity(st: EventStamper, state: ActivityState, ts: float) -> AnyEvent:
    data = ActivityData(track_id=1, state=state, duration_s=5.0)
    return st.stamp(
        Detection(EventType.ACTIVITY, Phase.INSTANT, uuid.uuid4(), ts, 0.9, data, samples.MODEL)
    )


def health(st: EventStamper, phase: Phase, episode: uuid.UUID, ts: float) -> AnyEvent:
    data = SensorHealthData(state="blocked", detail="view blocked")
    return st.stamp(
        Detection(EventType.SENSOR_HEALTH, phase, episode, ts, 0.9, data, samples.MODEL)
    )


def replay(items: Sequence[AnyEvent | AgentStatus], now: datetime = NOW) -> RoomState | None:
    state: RoomState | None = None
    for item in items:
        work = room_work(item, now)
        if work is None:
            continue
        state = apply_signal(state, work.room, work.signal) or state
    return state


def test_occupied_then_in_bed_then_out_of_bed_then_empty() -> None:
    st = samples.stamper(room="412")
    seen = replay([samples.occupancy(st, 1, T0)])
    assert seen is not None and seen.summary is RoomSummary.OCCUPIED and seen.room == "412"
    in_bed = replay([samples.occupancy(st, 1, T0), activity(st, ActivityState.IN_BED, T0 + 5)])
    assert in_bed is not None and in_bed.summary is RoomSummary.IN_BED
    up = replay(
        [
            samples.occupancy(st, 1, T0),
            activity(st, ActivityState.IN_BED, T0 + 5),
            activity(st, ActivityState.WALKING, T0 + 60),
        ]
    )
    assert up is not None and up.summary is RoomSummary.OUT_OF_BED
    assert up.since == datetime.fromtimestamp(T0 + 60, UTC)
    gone = replay(
        [
            samples.occupancy(st, 1, T0),
            activity(st, ActivityState.WALKING, T0 + 60),
            samples.occupancy(st, 0, T0 + 90),
        ]
    )
    assert gone is not None and gone.summary is RoomSummary.EMPTY


def test_bed_exit_moves_the_patient_out_and_back_and_predicted_changes_nothing() -> None:
    st = samples.stamper()
    ep = uuid.uuid4()
    start = [samples.occupancy(st, 1, T0), activity(st, ActivityState.IN_BED, T0 + 1)]
    edge = replay([*start, samples.bed_exit(st, "predicted", ep, T0 + 10)])
    assert edge is not None and edge.summary is RoomSummary.IN_BED
    out = replay([*start, samples.bed_exit(st, "exit", ep, T0 + 20)])
    assert out is not None and out.summary is RoomSummary.OUT_OF_BED
    back = replay(
        [
            *start,
            samples.bed_exit(st, "exit", ep, T0 + 20),
            samples.bed_exit(st, "return", ep, T0 + 80),
        ]
    )
    assert back is not None and back.summary is RoomSummary.IN_BED
    assert back.since == datetime.fromtimestamp(T0 + 80, UTC)


def test_on_floor_from_fall_start_until_its_end_and_since_stays_at_the_fall() -> None:
    st = samples.stamper()
    ep = uuid.uuid4()
    walking = [samples.occupancy(st, 1, T0), activity(st, ActivityState.WALKING, T0 + 1)]
    down = [*walking, samples.fall(st, Phase.START, ep, T0 + 30)]
    fallen = replay([*down, samples.fall(st, Phase.UPDATE, ep, T0 + 90, on_floor_s=60)])
    assert fallen is not None and fallen.summary is RoomSummary.ON_FLOOR
    assert fallen.since == datetime.fromtimestamp(T0 + 30, UTC), "an update is not a new fall"
    up = replay([*down, samples.fall(st, Phase.END, ep, T0 + 200)])
    assert up is not None and up.summary is RoomSummary.OUT_OF_BED


def test_a_fall_stays_on_the_tile_while_the_sensor_is_offline() -> None:
    st = samples.stamper()
    ep = uuid.uuid4()
    offline = samples.agent_status(st, AgentState.OFFLINE, T0 - 3600)
    online = samples.agent_status(st, AgentState.ONLINE, T0 + 300, boot_id=uuid.uuid4())
    both = replay([samples.fall(st, Phase.START, ep, T0), offline])
    assert both is not None and both.summary is RoomSummary.ON_FLOOR
    assert both.offline_agents == ["agent-412"]
    dark = replay([samples.occupancy(st, 1, T0), offline])
    assert dark is not None and dark.summary is RoomSummary.SENSOR_OFFLINE
    assert dark.since == NOW, "a Will's time is the connect time; the outage is known now"
    back = replay([samples.occupancy(st, 1, T0), offline, online])
    assert back is not None and back.summary is RoomSummary.OCCUPIED


def test_sensor_health_episode_marks_the_room_until_it_ends() -> None:
    st = samples.stamper()
    ep = uuid.uuid4()
    start = [samples.occupancy(st, 1, T0), health(st, Phase.START, ep, T0 + 5)]
    blocked = replay(start)
    assert blocked is not None and blocked.summary is RoomSummary.SENSOR_OFFLINE
    assert list(blocked.sensor_issues.values()) == ["blocked"]
    clear = replay([*start, health(st, Phase.END, ep, T0 + 50)])
    assert clear is not None and clear.summary is RoomSummary.OCCUPIED


def test_a_late_replayed_reading_does_not_undo_a_newer_one() -> None:
    st = samples.stamper()
    late = replay([samples.occupancy(st, 0, T0 + 60), samples.occupancy(st, 2, T0)])
    assert late is not None and late.summary is RoomSummary.EMPTY and late.occupied == 0


def test_nothing_new_stores_nothing_and_shadow_events_say_nothing() -> None:
    st = samples.stamper()
    first = replay([samples.occupancy(st, 1, T0)])
    again = room_work(samples.occupancy(st, 1, T0 + 5), NOW)
    assert isinstance(again, RoomWork) and again.state["occupied"] == 1
    assert apply_signal(first, again.room, again.signal) is None
    shadow = samples.fall(st, Phase.START, uuid.uuid4(), T0).model_copy(update={"shadow": True})
    assert room_work(shadow, NOW) is None


def test_records_stored_before_room_states_read_back() -> None:
    old = read_state("412", {"occupied": 2, "ts": "2026-11-29T02:00:00+00:00"})
    assert old is not None and old.summary is RoomSummary.OCCUPIED
    assert old.since == datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
    assert read_state("412", None) is None
    assert old.since is not None and old.since < NOW - timedelta(minutes=30)
