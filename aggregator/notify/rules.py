"""Pure rules: which events of a home become caregiver notifications.

Fall ``start``/``update`` → ``fall_detected`` (once per episode); an ``escalation`` step →
``long_lie`` (once per step; a skipped step after an outage sends only the one reached);
``end`` → ``fall_resolved`` (and ``fall_detected`` if it was never sent, so a short fall seen
only at its end still reaches the caregiver). An edge ``no_motion`` episode → ``inactivity``
once. Updates that change nothing produce the same ids again, which the outbox drops.
"""

from datetime import datetime

from aggregator.notify.config import HomeNotifyConfig
from aggregator.notify.model import Notification, NotificationKind, notification_id
from protocol import AnyEvent, FallEvent, NoMotionEvent, Phase


def _note(kind: NotificationKind, event: AnyEvent, anchor: str, **fields: object) -> Notification:
    return Notification.model_validate(
        {
            "notification_id": notification_id(kind, event.site, event.unit, anchor),
            "kind": kind,
            "site": event.site,
            "unit": event.unit,
            "room": event.room,
            "ts": event.ts,
            "episode_id": str(event.episode_id),
            "historical": event.historical,
            **fields,
        }
    )


def _fall(event: FallEvent) -> list[Notification]:
    episode = str(event.episode_id)
    floor = {"on_floor_s": round(event.data.on_floor_s, 1)}
    out = [_note(NotificationKind.FALL_DETECTED, event, episode, **floor)]
    if event.phase is Phase.END:
        out.append(
            _note(
                NotificationKind.FALL_RESOLVED,
                event,
                episode,
                recovered=event.data.recovered,
                **floor,
            )
        )
    elif event.data.escalation > 0:
        step = event.data.escalation
        out.append(
            _note(NotificationKind.LONG_LIE, event, f"{episode}:{step}", escalation=step, **floor)
        )
    return out


def event_notifications(
    event: AnyEvent, home: HomeNotifyConfig, now: datetime, stale_after_s: float
) -> list[Notification]:
    """Notifications an event of ``home`` asks for (maybe already sent: ids dedupe)."""
    if event.shadow or (now - event.ts).total_seconds() > stale_after_s:
        return []
    if isinstance(event, FallEvent):
        return _fall(event)
    if (
        isinstance(event, NoMotionEvent)
        and event.phase is not Phase.END
        and event.data.people > 0
        and event.data.still_s >= home.no_motion_min_s
    ):
        anchor = f"no_motion:{event.episode_id}"
        return [_note(NotificationKind.INACTIVITY, event, anchor, quiet_s=event.data.still_s)]
    return []
