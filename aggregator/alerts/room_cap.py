"""A cap on the open alerts of one room: a flood of fake falls cannot bury the feed.

Found by a hostile test: ~2,700 fake falls from one room made the alerts API take 8.7 s, and
every other room's alert sat among them. Beyond ``cap`` open alerts in a room, one more is
recorded as suppressed (reason ``room_alert_cap``: stored, audited, counted, never on the feed
nor notified) instead of raised. The room's alerts already open stay on the feed, so nurses
still see that the room needs someone. Pure: the caller counts the room's open alerts.
"""

from dataclasses import replace
from datetime import datetime

from aggregator.alerts.lifecycle import ActionKind, AlertAction, audit_with
from aggregator.alerts.model import SYSTEM_ACTOR, AlertStatus

ROOM_CAP_REASON = "room_alert_cap"


def cap_room(
    actions: list[AlertAction], was_open: bool, open_in_room: int, cap: int, now: datetime
) -> list[AlertAction]:
    """``actions`` as they are, or with the alert they would raise suppressed instead."""
    if was_open or open_in_room < cap:
        return actions
    capped = []
    for action in actions:
        alert = action.alert
        if not alert.open:
            capped.append(action)
            continue
        why = f"{ROOM_CAP_REASON}: {open_in_room} alerts already open in room {alert.room}"
        held = alert.model_copy(
            update={
                "status": AlertStatus.SUPPRESSED,
                "reason": why,
                "audit": audit_with(alert, now, SYSTEM_ACTOR, "suppress", why),
            }
        )
        capped.append(replace(action, kind=ActionKind.SUPPRESS, alert=held, notify=False))
    return capped


def suppression_cause(reason: str | None) -> str:
    """The metric label of a suppressed alert's reason."""
    text = reason or ""
    if text.startswith(ROOM_CAP_REASON):
        return ROOM_CAP_REASON
    return "snooze" if text.startswith("snoozed") else "staff_present"
