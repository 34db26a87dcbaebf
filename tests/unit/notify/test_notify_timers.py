"""'Not seen for N hours' and inactivity fire once per quiet spell, by day only, on a fake clock."""

from datetime import UTC, datetime, time, timedelta

from aggregator.notify.config import HomeNotifyConfig
from aggregator.notify.home import Gap, HomeState
from aggregator.notify.model import NotificationKind
from aggregator.notify.timers import day_seconds, inactivity_due, not_seen_due

HOME = HomeNotifyConfig(home="home7/home", not_seen_hours=6, inactivity_hours=3)
DAY = datetime(2026, 3, 2, tzinfo=UTC)


def at(hours: float, day: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hours)


def away_since(seen: datetime) -> HomeState:
    return HomeState(last_seen=seen, latest=seen)


def test_not_seen_fires_after_n_day_hours_and_not_a_minute_before() -> None:
    state = away_since(at(8))
    assert not_seen_due(state, HOME, at(13, 0) + timedelta(minutes=59)) is None
    note = not_seen_due(state, HOME, at(14))
    assert note is not None and note.kind is NotificationKind.NOT_SEEN
    assert note.since == at(8) and note.quiet_s == 6 * 3600


def test_the_night_does_not_count_and_nobody_is_woken() -> None:
    state = away_since(at(21))  # left at 21:00; the day window is 07:00-22:00
    assert not_seen_due(state, HOME, at(23)) is None  # night: never fires
    assert not_seen_due(state, HOME, at(7.5, day=1)) is None  # 1 h + 0.5 h of day so far
    assert not_seen_due(state, HOME, at(11.9, day=1)) is None
    assert not_seen_due(state, HOME, at(12, day=1)) is not None  # 1 h + 5 h


def test_one_notification_per_absence_a_new_sighting_starts_a_new_one() -> None:
    first = not_seen_due(away_since(at(8)), HOME, at(14))
    later = not_seen_due(away_since(at(8)), HOME, at(18))
    assert first is not None and later is not None
    assert first.notification_id == later.notification_id  # same spell: the outbox drops it
    again = not_seen_due(away_since(at(15)), HOME, at(21))
    assert again is not None and again.notification_id != first.notification_id


def test_someone_in_view_or_never_seen_or_switched_off_is_not_an_absence() -> None:
    present = HomeState(present_rooms=frozenset({"living"}), last_seen=at(8), latest=at(8))
    assert not_seen_due(present, HOME, at(20)) is None
    assert not_seen_due(HomeState(), HOME, at(20)) is None
    off = HOME.model_copy(update={"not_seen_hours": None})
    assert not_seen_due(away_since(at(8)), off, at(20)) is None


def test_day_window_follows_the_home_time_zone() -> None:
    berlin = HOME.model_copy(update={"timezone": "Europe/Berlin"})
    # 06:30 UTC is 07:30 in Berlin (CET, UTC+1): half an hour of Berlin day so far.
    assert day_seconds(at(0), at(6.5), berlin.day_start, berlin.day_end, berlin.zone) == 1800
    assert day_seconds(at(0), at(6.5), time(7), time(22), HOME.zone) == 0


def test_window_over_midnight_counts_the_evening_and_the_early_morning() -> None:
    assert day_seconds(at(20), at(3, day=1), time(22), time(2), HOME.zone) == 4 * 3600


def present_since(active: datetime, usual: dict[int, Gap] | None = None) -> HomeState:
    return HomeState(
        present_rooms=frozenset({"living"}),
        last_seen=active,
        last_active=active,
        latest=active,
        usual_gap=usual or {},
    )


def test_inactivity_fires_after_the_configured_quiet_while_someone_is_home() -> None:
    state = present_since(at(9))
    assert inactivity_due(state, HOME, at(11.9)) is None
    note = inactivity_due(state, HOME, at(12))
    assert note is not None and note.kind is NotificationKind.INACTIVITY
    assert note.room == "living" and note.since == at(9)


def test_a_learned_long_usual_gap_at_that_hour_raises_the_threshold() -> None:
    napper = present_since(at(13), {13: Gap(mean_s=2.5 * 3600, n=20)})
    assert inactivity_due(napper, HOME, at(16)) is None  # 3 h: usual for this person
    assert inactivity_due(napper, HOME, at(18)) is not None  # 5 h = 2 x usual
    few = present_since(at(13), {13: Gap(mean_s=2.5 * 3600, n=3)})
    assert inactivity_due(few, HOME, at(16)) is not None  # not learned yet: the floor


def test_no_inactivity_when_away_or_at_night() -> None:
    away = HomeState(last_seen=at(9), last_active=at(9), latest=at(9))
    assert inactivity_due(away, HOME, at(15)) is None
    assert inactivity_due(present_since(at(18)), HOME, at(23)) is None
