"""The alert state machine a charge nurse relies on at night: who is told, when the next
person is, what is held back and why, and that nothing is told twice.
"""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from aggregator import samples
from aggregator.alerts.escalation import due_escalations, escalate_if_due
from aggregator.alerts.lifecycle import (
    ActionKind,
    AlertAction,
    AlertError,
    acknowledge,
    on_bed_exit,
    on_fall,
    on_no_motion,
    on_sensor_health,
    resolve,
)
from aggregator.alerts.model import (
    Alert,
    AlertKind,
    AlertPhase,
    AlertStatus,
    Outcome,
    Presence,
    Priority,
)
from aggregator.alerts.policy import EscalationPolicy
from aggregator.alerts.store import decode_alert, encode_alert
from aggregator.alerts.suppression import RoomContext, SnoozeError, make_snooze
from aggregator.config import RulesConfig
from aggregator.rules.engine import AlertWork, needs_room, route_event
from edge_agent.detections import Detection, EventStamper
from protocol import (
    EventType,
    FallEvent,
    NoMotionData,
    NoMotionEvent,
    Phase,
    SensorHealthData,
    SensorHealthEvent,
)

T0 = 1_790_000_000.0
OPENED = datetime.fromtimestamp(T0, UTC)
POLICY = EscalationPolicy.from_config(RulesConfig())


def _at(seconds: float) -> datetime:
    return OPENED + timedelta(seconds=seconds)


def _fall(
    st: EventStamper, phase: Phase, ep: uuid.UUID, t: float, on_floor: float = 0.0, *, step: int = 0
) -> FallEvent:
    event = samples.fall(st, phase, ep, T0 + t, on_floor)
    return event.model_copy(update={"data": event.data.model_copy(update={"escalation": step})})


def _no_motion(st: EventStamper, phase: Phase, ep: uuid.UUID, t: float) -> NoMotionEvent:
    data = NoMotionData(still_s=1800 + t, people=1)
    event = st.stamp(Detection(EventType.NO_MOTION, phase, ep, T0 + t, 0.8, data, samples.MODEL))
    assert isinstance(event, NoMotionEvent)
    return event


def _health(
    st: EventStamper, phase: Phase, ep: uuid.UUID, t: float, state: str
) -> SensorHealthEvent:
    data = SensorHealthData.model_validate({"state": state, "detail": "view blocked 80%"})
    event = st.stamp(
        Detection(EventType.SENSOR_HEALTH, phase, ep, T0 + t, 0.9, data, samples.MODEL)
    )
    assert isinstance(event, SensorHealthEvent)
    return event


def _open_fall(st: EventStamper | None = None) -> Alert:
    st = st or samples.stamper()
    actions = on_fall(None, _fall(st, Phase.START, uuid.uuid4(), 0), OPENED, policy=POLICY)
    return actions[0].alert


def _tick_through(alert: Alert, seconds: range) -> tuple[Alert, list[tuple[int, AlertAction]]]:
    """The consumer's timer, once a second: every escalation with the second it happened."""
    told: list[tuple[int, AlertAction]] = []
    for s in seconds:
        for action in escalate_if_due(alert, _at(s), POLICY):
            told.append((s, action))
            alert = action.alert
    return alert, told


def _apply(alert: Alert | None, actions: list[AlertAction]) -> Alert | None:
    return actions[-1].alert if actions else alert


def test_unacknowledged_fall_goes_to_the_charge_nurse_at_60_s_exactly_once() -> None:
    alert = _open_fall()
    assert alert.recipient == "primary_nurse" and alert.escalation_level == 0
    alert, told = _tick_through(alert, range(0, 120))
    assert [(s, a.alert.recipient) for s, a in told] == [(60, "charge_nurse")]
    action = told[0][1]
    assert action.kind is ActionKind.ESCALATE and action.notify
    assert alert.phase is AlertPhase.ESCALATE and alert.escalation_level == 1
    assert alert.priority is Priority.HIGH and alert.status is AlertStatus.ACTIVE
    last = alert.audit[-1]
    assert (last.action, last.actor, last.recipient) == ("escalate", "system", "charge_nurse")
    assert last.at == _at(60)
    alert, later = _tick_through(alert, range(120, 400))
    assert [(s, a.alert.recipient) for s, a in later] == [(180, "unit_manager")]
    assert due_escalations([alert], _at(3600), POLICY) == []  # end of the chain: quiet


def test_acknowledging_stops_escalation() -> None:
    alert = acknowledge(_open_fall(), "rn-17", _at(30)).alert
    assert due_escalations([alert], _at(61), POLICY) == []
    _, told = _tick_through(alert, range(30, 600, 7))
    assert told == []
    # ... and so does a nurse's ack that lands between the look-up and the write.
    fresh = _open_fall()
    assert [d.level for d in due_escalations([fresh], _at(61), POLICY)] == [1]
    raced = acknowledge(fresh, "rn-17", _at(61)).alert
    assert escalate_if_due(raced, _at(61), POLICY) == []


def test_a_late_timer_jumps_to_the_step_reached_and_tells_only_that_role() -> None:
    _, told = _tick_through(_open_fall(), range(200, 201))  # consumer was down until 200 s
    assert [(a.alert.escalation_level, a.alert.recipient) for _, a in told] == [(2, "unit_manager")]


def test_long_lie_step_raises_the_level_of_the_same_alert_and_notifies_once() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    alert = _apply(None, on_fall(None, _fall(st, Phase.START, ep, 0), OPENED, policy=POLICY))
    assert alert is not None
    step1 = on_fall(alert, _fall(st, Phase.UPDATE, ep, 30, 30, step=1), _at(30), policy=POLICY)
    assert [(a.kind, a.notify) for a in step1] == [(ActionKind.ESCALATE, True)]
    raised = step1[0].alert
    assert raised.alert_id == alert.alert_id and raised.priority is Priority.HIGH
    assert (raised.escalation_level, raised.long_lie_step) == (1, 1)
    assert raised.recipient == "charge_nurse" and raised.phase is AlertPhase.ESCALATE
    same = on_fall(raised, _fall(st, Phase.UPDATE, ep, 35, 35, step=1), _at(35), policy=POLICY)
    assert [(a.kind, a.notify) for a in same] == [(ActionKind.UPDATE, False)]
    assert on_fall(same[0].alert, _fall(st, Phase.START, ep, 0), _at(36), policy=POLICY) == []
    # The timer does not tell the charge nurse a second time at 60 s.
    _, told = _tick_through(same[0].alert, range(36, 120))
    assert told == []
    # A long lie still calls for more help after someone acknowledged.
    acked = acknowledge(same[0].alert, "rn-17", _at(40)).alert
    step2 = on_fall(acked, _fall(st, Phase.UPDATE, ep, 300, 300, step=2), _at(300), policy=POLICY)
    assert step2[0].notify and step2[0].alert.recipient == "unit_manager"
    assert step2[0].alert.status is AlertStatus.ACKNOWLEDGED


def test_presence_is_on_then_latched_then_off_and_only_an_outcome_clears_it() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    alert = on_fall(None, _fall(st, Phase.START, ep, 0), OPENED)[0].alert
    assert alert.presence is Presence.ON
    ended = on_fall(alert, _fall(st, Phase.END, ep, 20, 20), _at(20))[0].alert
    assert ended.presence is Presence.LATCHED and ended.phase is AlertPhase.END and ended.open
    acked = acknowledge(ended, "rn-17", _at(25)).alert
    assert acked.open and acked.presence is Presence.LATCHED
    with pytest.raises(AlertError, match="outcome"):
        resolve(acked, "rn-17", None, _at(30))
    done = resolve(acked, "rn-17", Outcome.NOT_FOUND, _at(30)).alert
    assert done.presence is Presence.OFF and done.outcome is Outcome.NOT_FOUND and not done.open
    assert due_escalations([done], _at(999), POLICY) == []


def test_bed_exit_is_suppressed_while_staff_are_in_the_room_and_raised_once_they_leave() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    exit_event = samples.bed_exit(st, "exit", ep, T0)
    assert needs_room(exit_event)
    work = route_event(exit_event, OPENED, None, room=RoomContext(occupied=2), policy=POLICY)
    assert isinstance(work, AlertWork)
    actions = work.transition(None)
    assert [(a.kind, a.notify) for a in actions] == [(ActionKind.SUPPRESS, False)]
    held = actions[0].alert
    assert held.status is AlertStatus.SUPPRESSED and not held.open
    assert held.presence is Presence.OFF and "staff in room" in (held.reason or "")
    assert [e.action for e in held.audit] == ["suppress"]
    assert due_escalations([held], _at(999), POLICY) == []
    with pytest.raises(AlertError):
        acknowledge(held, "rn-17", _at(5))
    # Staff still there on the next event: nothing new.
    again = samples.bed_exit(st, "exit", ep, T0 + 5)
    still = route_event(again, _at(5), None, room=RoomContext(occupied=3))
    assert isinstance(still, AlertWork) and still.transition(held) == []
    # The staff left and the patient is still out of bed: raised now, telling the nurse.
    alone = route_event(again, _at(10), None, room=RoomContext(occupied=1), policy=POLICY)
    assert isinstance(alone, AlertWork)
    raised = alone.transition(held)
    assert [(a.kind, a.notify) for a in raised] == [(ActionKind.OPEN, True)]
    assert raised[0].alert.status is AlertStatus.ACTIVE and raised[0].alert.opened_at == _at(10)
    assert [e.action for e in raised[0].alert.audit] == ["suppress", "open"]


def test_bed_exit_of_a_bed_not_flagged_fall_risk_is_not_even_recorded() -> None:
    st = samples.stamper()
    event = samples.bed_exit(st, "exit", uuid.uuid4(), T0, bed="412-B")
    work = route_event(event, OPENED, ["412-A"], room=RoomContext(occupied=1))
    assert isinstance(work, AlertWork) and work.transition(None) == []


def test_bed_exit_heads_up_is_low_then_medium_on_exit_and_clears_itself_if_never_left() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    sit = on_bed_exit(None, samples.bed_exit(st, "predicted", ep, T0), OPENED, True)
    assert sit[0].alert.priority is Priority.LOW and sit[0].notify
    out = on_bed_exit(sit[0].alert, samples.bed_exit(st, "exit", ep, T0 + 4), _at(4), True)
    assert [(a.kind, a.notify) for a in out] == [(ActionKind.ESCALATE, True)]
    assert out[0].alert.priority is Priority.MEDIUM and out[0].alert.phase is AlertPhase.ESCALATE
    back = on_bed_exit(out[0].alert, samples.bed_exit(st, "return", ep, T0 + 60), _at(60), True)
    assert back[0].alert.open and back[0].alert.presence is Presence.LATCHED
    ep2 = uuid.uuid4()
    sit2 = on_bed_exit(None, samples.bed_exit(st, "predicted", ep2, T0), OPENED, True)[0].alert
    lay = on_bed_exit(sit2, samples.bed_exit(st, "return", ep2, T0 + 9), _at(9), True)[0].alert
    assert not lay.open and lay.resolved_by == "system" and lay.outcome is Outcome.OTHER


def test_falls_can_never_be_snoozed_but_advisories_can() -> None:
    with pytest.raises(SnoozeError, match="falls can never be snoozed"):
        make_snooze("412", 30, "rn-17", OPENED, kinds=[AlertKind.FALL])
    with pytest.raises(SnoozeError, match="sensor_offline"):
        make_snooze("412", 30, "rn-17", OPENED, kinds=[AlertKind.SENSOR_OFFLINE])
    with pytest.raises(SnoozeError, match="minutes"):
        make_snooze("412", 600, "rn-17", OPENED, max_minutes=120)
    snooze = make_snooze("412", 30, "rn-17", OPENED)
    assert AlertKind.FALL not in snooze.kinds and AlertKind.BED_EXIT in snooze.kinds
    room = RoomContext(occupied=1, snooze=snooze)
    st = samples.stamper()
    # A fall in a snoozed room alerts as ever.
    fall = route_event(_fall(st, Phase.START, uuid.uuid4(), 60), _at(60), None, room=room)
    assert isinstance(fall, AlertWork) and fall.transition(None)[0].kind is ActionKind.OPEN
    # No motion during the snooze is held back, and raised by its next update after it.
    ep = uuid.uuid4()
    quiet = route_event(_no_motion(st, Phase.START, ep, 60), _at(60), None, room=room)
    assert isinstance(quiet, AlertWork)
    held = quiet.transition(None)[0]
    assert held.kind is ActionKind.SUPPRESS and "snoozed by rn-17" in (held.alert.reason or "")
    later = route_event(_no_motion(st, Phase.UPDATE, ep, 1900), _at(1900), None, room=room)
    assert isinstance(later, AlertWork)
    raised = later.transition(held.alert)
    assert [(a.kind, a.notify) for a in raised] == [(ActionKind.OPEN, True)]
    assert raised[0].alert.priority is Priority.MEDIUM


def test_no_motion_updates_in_place_and_latches_when_movement_returns() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    alert = on_no_motion(None, _no_motion(st, Phase.START, ep, 0), OPENED)[0].alert
    upd = on_no_motion(alert, _no_motion(st, Phase.UPDATE, ep, 60), _at(60))
    assert [(a.kind, a.notify) for a in upd] == [(ActionKind.UPDATE, False)]
    assert upd[0].alert.still_s == 1860
    end = on_no_motion(upd[0].alert, _no_motion(st, Phase.END, ep, 90), _at(90))[0].alert
    assert end.open and end.presence is Presence.LATCHED


def test_sensor_health_is_low_technical_updates_quietly_and_clears_when_healthy() -> None:
    st, ep = samples.stamper(), uuid.uuid4()
    opened = on_sensor_health(None, _health(st, Phase.START, ep, 0, "blocked"), OPENED)
    alert = opened[0].alert
    assert alert.priority is Priority.LOW and alert.reason == "blocked" and opened[0].notify
    same = _health(st, Phase.UPDATE, ep, 10, "blocked")
    assert on_sensor_health(alert, same, _at(10)) == []  # nothing a person would see changed
    other = on_sensor_health(alert, _health(st, Phase.UPDATE, ep, 20, "uncertain"), _at(20))
    assert [(a.kind, a.notify) for a in other] == [(ActionKind.UPDATE, False)]
    done = on_sensor_health(other[0].alert, _health(st, Phase.END, ep, 30, "blocked"), _at(30))
    assert not done[0].alert.open and done[0].alert.resolved_by == "system"


def test_records_stored_before_the_state_machine_still_read() -> None:
    old = {
        "alert_id": "a1",
        "kind": "fall",
        "priority": "high",
        "status": "acknowledged",
        "condition": "ended",
        "phase": "update",
        "site": "demo",
        "unit": "4north",
        "room": "412",
        "bed": None,
        "agent_id": "agent-412",
        "episode_id": None,
        "opened_at": "2026-11-29T03:12:07Z",
        "updated_at": "2026-11-29T03:13:07Z",
        "event_ts": None,
        "on_floor_s": 60.0,
        "historical": False,
        "acknowledged_by": "rn-17",
        "acknowledged_at": "2026-11-29T03:12:37Z",
        "resolved_by": None,
        "resolved_at": None,
        "outcome": None,
        "audit": [
            {"at": "2026-11-29T03:12:07Z", "actor": "system", "action": "open", "detail": "start"}
        ],
    }
    alert = decode_alert({k: json.dumps(v) for k, v in old.items()})
    assert alert is not None
    assert alert.escalation_level == 0 and alert.recipient == "primary_nurse"
    assert alert.presence is Presence.LATCHED and alert.phase is AlertPhase.UPDATE
    assert decode_alert(encode_alert(alert)) == alert  # presence is written, and ignored on read
