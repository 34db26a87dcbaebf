"""A fall episode tells the caregiver once per step: detected, each long-lie step, resolved."""

import uuid
from datetime import UTC, datetime, timedelta

from aggregator.notify.config import HomeNotifyConfig
from aggregator.notify.model import Notification, NotificationKind
from aggregator.notify.rules import event_notifications
from protocol import Phase
from tests.unit.notify.notify_events import HomeEvents

HOME = HomeNotifyConfig(home="home7/home")
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
STALE = 6 * 3600.0


def distinct(notes: list[Notification]) -> list[tuple[NotificationKind, int | None]]:
    """What an outbox keyed by notification id would send, in order."""
    seen: dict[str, Notification] = {}
    for note in notes:
        seen.setdefault(note.notification_id, note)
    return [(n.kind, n.escalation) for n in seen.values()]


def test_a_long_lie_episode_sends_one_notification_per_transition(
    home_events: HomeEvents,
) -> None:
    episode = uuid.uuid4()
    timeline = [
        (0, Phase.START, 0),
        (60, Phase.UPDATE, 0),
        (300, Phase.UPDATE, 1),
        (360, Phase.UPDATE, 1),
        (900, Phase.UPDATE, 2),
        (960, Phase.UPDATE, 2),
        (1000, Phase.END, 2),
    ]
    notes: list[Notification] = []
    for s, phase, step in timeline:
        ts = T0 + timedelta(seconds=s)
        event = home_events.fall(ts, phase, episode, on_floor_s=s, escalation=step)
        notes += event_notifications(event, HOME, ts + timedelta(seconds=1), STALE)
    assert distinct(notes) == [
        (NotificationKind.FALL_DETECTED, None),
        (NotificationKind.LONG_LIE, 1),
        (NotificationKind.LONG_LIE, 2),
        (NotificationKind.FALL_RESOLVED, None),
    ]
    resolved = notes[-1]
    assert resolved.recovered is True and resolved.on_floor_s == 1000
    assert {n.room for n in notes} == {"living"} and {n.episode_id for n in notes} == {str(episode)}


def test_a_redelivered_event_yields_the_same_ids(home_events: HomeEvents) -> None:
    event = home_events.fall(T0, Phase.START, uuid.uuid4())
    first = event_notifications(event, HOME, T0, STALE)
    again = event_notifications(event, HOME, T0 + timedelta(minutes=1), STALE)
    assert [n.notification_id for n in first] == [n.notification_id for n in again]


def test_a_fall_seen_only_at_its_end_is_still_reported(home_events: HomeEvents) -> None:
    event = home_events.fall(T0, Phase.END, uuid.uuid4(), on_floor_s=20)
    kinds = [n.kind for n in event_notifications(event, HOME, T0, STALE)]
    assert kinds == [NotificationKind.FALL_DETECTED, NotificationKind.FALL_RESOLVED]


def test_shadow_and_stale_events_are_not_sent(home_events: HomeEvents) -> None:
    shadow = home_events.fall(T0, Phase.START, uuid.uuid4(), shadow=True)
    assert event_notifications(shadow, HOME, T0, STALE) == []
    old = home_events.fall(T0, Phase.START, uuid.uuid4())
    assert event_notifications(old, HOME, T0 + timedelta(hours=7), STALE) == []


def test_no_motion_is_one_inactivity_per_episode_above_the_minimum(
    home_events: HomeEvents,
) -> None:
    episode = uuid.uuid4()
    home = HOME.model_copy(update={"no_motion_min_s": 600})
    short = home_events.no_motion(T0, Phase.START, episode, 300)
    assert event_notifications(short, home, T0, STALE) == []
    notes = [
        n
        for s in (600, 900)
        for n in event_notifications(
            home_events.no_motion(T0 + timedelta(seconds=s), Phase.UPDATE, episode, s),
            home,
            T0,
            STALE,
        )
    ]
    assert distinct(notes) == [(NotificationKind.INACTIVITY, None)]
    end = home_events.no_motion(T0 + timedelta(seconds=950), Phase.END, episode, 950)
    assert event_notifications(end, home, T0, STALE) == []
