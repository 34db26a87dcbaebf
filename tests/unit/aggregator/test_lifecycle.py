"""The alert lifecycle a nurse relies on: one alert per fall, latched until resolved."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from aggregator import samples
from aggregator.alerts.lifecycle import (
    ActionKind,
    AlertError,
    acknowledge,
    on_agent_status,
    on_bed_exit,
    on_fall,
    resolve,
)
from aggregator.alerts.model import Alert, AlertStatus, Condition, Outcome, Priority
from aggregator.rules.engine import AlertWork, RoomWork, route_event
from protocol import AgentState, Phase

T0 = 1_790_000_000.0
NOW = datetime.fromtimestamp(T0 + 1, UTC)


def _apply(alert: Alert | None, actions: list) -> Alert | None:  # type: ignore[type-arg]  # test helper
    return actions[-1].alert if actions else alert


def test_fall_start_opens_one_high_priority_alert_that_notifies() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    actions = on_fall(None, samples.fall(st, Phase.START, ep, T0), NOW)
    assert [a.kind for a in actions] == [ActionKind.OPEN]
    alert = actions[0].alert
    assert actions[0].notify
    assert alert.priority is Priority.HIGH
    assert alert.status is AlertStatus.ACTIVE and alert.condition is Condition.PRESENT
    assert alert.room == "412" and alert.episode_id == str(ep)
    assert [e.action for e in alert.audit] == ["open"]


def test_same_episode_never_opens_a_second_alert() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    alert = on_fall(None, samples.fall(st, Phase.START, ep, T0), NOW)[0].alert
    again = on_fall(alert, samples.fall(st, Phase.START, ep, T0 + 0.1), NOW)
    assert again == []
    other = on_fall(None, samples.fall(st, Phase.START, uuid.uuid4(), T0 + 5), NOW)
    assert other[0].alert.alert_id != alert.alert_id


def test_update_changes_time_on_floor_in_place_without_notifying() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    alert = on_fall(None, samples.fall(st, Phase.START, ep, T0), NOW)[0].alert
    actions = on_fall(alert, samples.fall(st, Phase.UPDATE, ep, T0 + 60, on_floor_s=60), NOW)
    assert [a.kind for a in actions] == [ActionKind.UPDATE]
    assert not actions[0].notify
    updated = actions[0].alert
    assert updated.alert_id == alert.alert_id and updated.on_floor_s == 60
    stale = on_fall(updated, samples.fall(st, Phase.UPDATE, ep, T0 + 30, on_floor_s=30), NOW)
    assert stale == []


def test_fall_end_keeps_the_alert_latched_until_resolved() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    alert = on_fall(None, samples.fall(st, Phase.START, ep, T0), NOW)[0].alert
    actions = on_fall(alert, samples.fall(st, Phase.END, ep, T0 + 90, on_floor_s=90), NOW)
    ended = actions[0].alert
    assert actions[0].kind is ActionKind.CONDITION_END
    assert ended.condition is Condition.ENDED
    assert ended.open and ended.status is AlertStatus.ACTIVE


def test_acknowledge_silences_but_does_not_clear() -> None:
    st = samples.stamper()
    alert = on_fall(None, samples.fall(st, Phase.START, uuid.uuid4(), T0), NOW)[0].alert
    acked = acknowledge(alert, "rn-17", NOW + timedelta(seconds=20)).alert
    assert acked.status is AlertStatus.ACKNOWLEDGED and acked.open
    assert acked.acknowledged_by == "rn-17"
    assert acked.audit[-1].actor == "rn-17" and acked.audit[-1].action == "ack"


def test_resolve_requires_an_outcome_and_who() -> None:
    st = samples.stamper()
    alert = on_fall(None, samples.fall(st, Phase.START, uuid.uuid4(), T0), NOW)[0].alert
    with pytest.raises(AlertError):
        resolve(alert, "rn-17", None, NOW)
    with pytest.raises(AlertError):
        resolve(alert, " ", Outcome.TRUE_FALL, NOW)
    done = resolve(alert, "rn-17", Outcome.TRUE_FALL, NOW).alert
    assert not done.open and done.outcome is Outcome.TRUE_FALL and done.resolved_by == "rn-17"
    assert [e.action for e in done.audit] == ["open", "resolve"]
    with pytest.raises(AlertError):
        acknowledge(done, "rn-2", NOW)
    with pytest.raises(AlertError):
        resolve(done, "rn-2", Outcome.OTHER, NOW)


def test_events_after_resolve_do_not_reopen_the_episode() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    alert = on_fall(None, samples.fall(st, Phase.START, ep, T0), NOW)[0].alert
    done = resolve(alert, "rn-17", Outcome.FALSE_ALARM, NOW).alert
    assert on_fall(done, samples.fall(st, Phase.START, ep, T0), NOW) == []


def test_bed_exit_alerts_only_for_fall_risk_beds() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    exit_event = samples.bed_exit(st, "exit", ep, T0)
    assert on_bed_exit(None, exit_event, NOW, fall_risk=False) == []
    opened = on_bed_exit(None, exit_event, NOW, fall_risk=True)
    assert opened[0].alert.priority is Priority.MEDIUM
    back = on_bed_exit(opened[0].alert, samples.bed_exit(st, "return", ep, T0 + 30), NOW, True)
    assert back[0].alert.condition is Condition.ENDED and back[0].alert.open


def test_sensor_offline_opens_medium_technical_alert_and_online_ends_it() -> None:
    st = samples.stamper()
    offline = samples.agent_status(st, AgentState.OFFLINE, T0)
    opened = on_agent_status(None, offline, NOW)[0].alert
    assert opened.kind == "sensor_offline" and opened.priority is Priority.MEDIUM
    assert on_agent_status(opened, offline, NOW) == []  # redelivered Will: no second alert
    online = samples.agent_status(st, AgentState.ONLINE, T0 + 60, boot_id=uuid.uuid4())
    ended = on_agent_status(opened, online, NOW)[0].alert
    assert not ended.open and ended.resolved_by == "system"
    stopped = samples.agent_status(st, AgentState.STOPPED, T0 + 60)
    assert not on_agent_status(opened, stopped, NOW)[0].alert.open


def test_occupancy_updates_room_state_and_never_alerts() -> None:
    st = samples.stamper()
    work = route_event(samples.occupancy(st, 2, T0), NOW, None)
    assert isinstance(work, RoomWork) and work.state["occupied"] == 2
    fall = route_event(samples.fall(st, Phase.START, uuid.uuid4(), T0), NOW, None)
    assert isinstance(fall, AlertWork)


def test_shadow_model_events_never_alert() -> None:
    st = samples.stamper()
    event = samples.fall(st, Phase.START, uuid.uuid4(), T0).model_copy(update={"shadow": True})
    assert on_fall(None, event, NOW) == []
