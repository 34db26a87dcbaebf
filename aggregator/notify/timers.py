"""Pure timers: "not seen for N hours" and unusual inactivity, from a `HomeState` and now.

Only day-window hours count towards "not seen" (a night asleep out of view is not an
absence), and both timers fire only inside the day window, so nobody is woken for a quiet
night. Each fires once per quiet spell: its notification id is anchored on the moment the
spell began (last sighting, last activity), so the next one needs a new sighting first.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from aggregator.notify.config import HomeNotifyConfig
from aggregator.notify.home import HomeState
from aggregator.notify.model import Notification, NotificationKind, notification_id

MIN_GAP_SAMPLES = 10
"""Quiet gaps of an hour needed before the learned usual gap counts."""
MAX_DAYS = 62
"""Overlap is summed over at most this many days back (a home silent for months is not news)."""


def _window(day: date, start: time, end: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    begin = datetime.combine(day, start, zone)
    finish_day = day if end > start else day + timedelta(days=1)
    return begin, datetime.combine(finish_day, end, zone)


def in_day(now: datetime, start: time, end: time, zone: ZoneInfo) -> bool:
    local = now.astimezone(zone)
    for day in (local.date() - timedelta(days=1), local.date()):
        begin, finish = _window(day, start, end, zone)
        if begin <= now < finish:
            return True
    return False


def day_seconds(since: datetime, now: datetime, start: time, end: time, zone: ZoneInfo) -> float:
    """Seconds of [since, now] inside the daily window [start, end) of the home's zone."""
    if now <= since:
        return 0.0
    first = max(since, now - timedelta(days=MAX_DAYS)).astimezone(zone).date()
    last = now.astimezone(zone).date()
    total = 0.0
    day = first - timedelta(days=1)
    while day <= last:
        begin, finish = _window(day, start, end, zone)
        overlap = (min(finish, now) - max(begin, since)).total_seconds()
        total += max(0.0, overlap)
        day += timedelta(days=1)
    return total


def not_seen_due(state: HomeState, home: HomeNotifyConfig, now: datetime) -> Notification | None:
    """Nobody in view and none seen for ``not_seen_hours`` of day-window time."""
    if home.not_seen_hours is None or state.present_rooms or state.last_seen is None:
        return None
    zone = home.zone
    if not in_day(now, home.day_start, home.day_end, zone):
        return None
    quiet = day_seconds(state.last_seen, now, home.day_start, home.day_end, zone)
    if quiet < home.not_seen_hours * 3600:
        return None
    anchor = state.last_seen.isoformat()
    return Notification(
        notification_id=notification_id(NotificationKind.NOT_SEEN, home.site, home.unit, anchor),
        kind=NotificationKind.NOT_SEEN,
        site=home.site,
        unit=home.unit,
        ts=now,
        quiet_s=round(quiet, 1),
        since=state.last_seen,
    )


def inactivity_threshold_s(state: HomeState, home: HomeNotifyConfig, hour: int) -> float | None:
    """``inactivity_hours``, raised to ``factor`` × the usual gap once that hour is learned."""
    if home.inactivity_hours is None:
        return None
    floor = home.inactivity_hours * 3600
    usual = state.usual_gap.get(hour)
    if usual is None or usual.n < MIN_GAP_SAMPLES:
        return floor
    return max(floor, home.inactivity_factor * usual.mean_s)


def inactivity_due(state: HomeState, home: HomeNotifyConfig, now: datetime) -> Notification | None:
    """Someone home, in the day window, and no activity change for longer than usual."""
    if not state.present_rooms or state.last_active is None:
        return None
    zone = home.zone
    threshold = inactivity_threshold_s(state, home, state.last_active.astimezone(zone).hour)
    if threshold is None or not in_day(now, home.day_start, home.day_end, zone):
        return None
    quiet = (now - state.last_active).total_seconds()
    if quiet < threshold:
        return None
    anchor = f"quiet:{state.last_active.isoformat()}"
    return Notification(
        notification_id=notification_id(NotificationKind.INACTIVITY, home.site, home.unit, anchor),
        kind=NotificationKind.INACTIVITY,
        site=home.site,
        unit=home.unit,
        room=min(state.present_rooms) if len(state.present_rooms) == 1 else None,
        ts=now,
        quiet_s=round(quiet, 1),
        since=state.last_active,
    )


def due(state: HomeState, home: HomeNotifyConfig, now: datetime) -> list[Notification]:
    return [n for n in (not_seen_due(state, home, now), inactivity_due(state, home, now)) if n]
