"""The home's state follows who is there, and re-reading an event changes nothing."""

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from aggregator import samples
from aggregator.notify.home import HomeState, observe, observe_status
from protocol import ActivityState, AgentState, AnyEvent, Phase
from tests.unit.notify.notify_events import HomeEvents

UTC_ZONE = ZoneInfo("UTC")
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def fold(events: list[AnyEvent], state: HomeState | None = None) -> HomeState:
    out = state or HomeState()
    for event in events:
        out = observe(out, event, UTC_ZONE)
    return out


def test_leaving_view_sets_last_seen_to_the_moment_they_left(home_events: HomeEvents) -> None:
    state = fold([home_events.occupancy(T0, 1), home_events.occupancy(T0 + timedelta(hours=2), 0)])
    assert state.present_rooms == frozenset()
    assert state.last_seen == T0 + timedelta(hours=2)


def test_presence_is_per_room(home_events: HomeEvents) -> None:
    state = fold(
        [
            home_events.occupancy(T0, 1, room="living"),
            home_events.occupancy(T0 + timedelta(minutes=1), 1, room="kitchen"),
            home_events.occupancy(T0 + timedelta(minutes=2), 0, room="living"),
        ]
    )
    assert state.present_rooms == frozenset({"kitchen"})


def test_reapplying_an_event_after_a_crash_changes_nothing(home_events: HomeEvents) -> None:
    events = [
        home_events.occupancy(T0, 1),
        home_events.activity(T0 + timedelta(minutes=30)),
        home_events.activity(T0 + timedelta(minutes=50), ActivityState.SITTING),
    ]
    once = fold(events)
    twice = fold(events[1:], once)
    assert twice == once
    assert HomeState.load(once.dump()) == once


def test_activity_gaps_are_learned_per_local_hour(home_events: HomeEvents) -> None:
    state = fold(
        [
            home_events.occupancy(T0, 1),
            home_events.activity(T0 + timedelta(minutes=10)),
            home_events.activity(T0 + timedelta(minutes=40)),
        ]
    )
    assert state.last_active == T0 + timedelta(minutes=40)
    assert state.usual_gap[9].n == 2
    assert 600 < state.usual_gap[9].mean_s < 1800


def test_shadow_events_and_older_events_do_not_move_presence(home_events: HomeEvents) -> None:
    state = fold([home_events.occupancy(T0, 0)])
    shadow = home_events.fall(T0 + timedelta(minutes=1), Phase.START, uuid.uuid4(), shadow=True)
    assert fold([shadow], state) == state
    older = fold([home_events.occupancy(T0 - timedelta(minutes=5), 1)], state)
    assert older.present_rooms == frozenset()


def test_an_agent_going_offline_no_longer_vouches_for_its_room(home_events: HomeEvents) -> None:
    state = fold([home_events.occupancy(T0, 1)])
    st = samples.stamper(site="home7", unit="home", room="living", agent_id="agent-living")
    status = samples.agent_status(st, AgentState.OFFLINE, (T0 - timedelta(days=1)).timestamp())
    after = observe_status(state, status)
    assert after.present_rooms == frozenset() and after.last_seen == T0
