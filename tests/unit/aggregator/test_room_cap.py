"""The room cap as a pure function: the alert that would be raised past it is held back."""

import uuid
from datetime import UTC, datetime

from aggregator import samples
from aggregator.alerts.lifecycle import ActionKind, AlertAction, on_fall
from aggregator.alerts.model import AlertStatus
from aggregator.alerts.room_cap import cap_room, suppression_cause
from protocol import Phase

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def _open() -> list[AlertAction]:
    st = samples.stamper(room="412")
    return on_fall(None, samples.fall(st, Phase.START, uuid.uuid4(), NOW.timestamp()), NOW)


def test_below_the_cap_nothing_changes() -> None:
    actions = _open()
    assert cap_room(actions, False, 19, 20, NOW) is actions


def test_at_the_cap_the_new_alert_is_recorded_suppressed_and_never_notified() -> None:
    (capped,) = cap_room(_open(), False, 20, 20, NOW)
    assert capped.kind is ActionKind.SUPPRESS and not capped.notify
    assert capped.alert.status is AlertStatus.SUPPRESSED and not capped.alert.open
    assert suppression_cause(capped.alert.reason) == "room_alert_cap"
    assert capped.alert.audit[-1].action == "suppress"


def test_an_alert_already_open_keeps_its_updates() -> None:
    actions = _open()
    assert cap_room(actions, True, 50, 20, NOW) is actions
