"""What the ward learns from production: time to acknowledge and resolve, PPV per kind from
the outcomes nurses recorded, and how many alerts a bed costs per day.
"""

import uuid
from datetime import UTC, datetime, timedelta

from aggregator import samples
from aggregator.alerts.lifecycle import (
    acknowledge,
    on_agent_status,
    on_bed_exit,
    on_fall,
    resolve,
)
from aggregator.alerts.measures import distinct_beds, quantile, unit_measures
from aggregator.alerts.model import Alert, Outcome
from protocol import AgentState, Phase

T0 = 1_790_000_000.0
DAY0 = datetime.fromtimestamp(T0, UTC)


def _at(seconds: float) -> datetime:
    return DAY0 + timedelta(seconds=seconds)


def _fall(
    opened: float, ack: float | None, done: float | None, outcome: Outcome | None, room: str = "420"
) -> Alert:
    st = samples.stamper(room=room)
    event = samples.fall(st, Phase.START, uuid.uuid4(), T0 + opened)
    alert = on_fall(None, event, _at(opened))[0].alert
    if ack is not None:
        alert = acknowledge(alert, "rn-1", _at(opened + ack)).alert
    if done is not None:
        alert = resolve(alert, "rn-1", outcome, _at(opened + done)).alert
    return alert


def test_times_ppv_and_alerts_per_bed_day() -> None:
    falls = [
        _fall(0, 30, 120, Outcome.TRUE_FALL),
        _fall(100, 60, 200, Outcome.FALSE_ALARM),  # times are from its own opening
        _fall(200, None, 90, Outcome.NOT_FOUND),  # went straight there: resolve is the answer
        _fall(300, 10, 50, Outcome.OTHER),  # neither true nor false: out of PPV
        _fall(400, None, None, None),  # still open, nobody answered yet
    ]
    st = samples.stamper(room="430")
    assisted = on_bed_exit(None, samples.bed_exit(st, "exit", uuid.uuid4(), T0), _at(10), True)
    bed_alert = resolve(assisted[0].alert, "rn-2", Outcome.ASSISTED, _at(70)).alert
    held = on_bed_exit(None, samples.bed_exit(st, "exit", uuid.uuid4(), T0), _at(20), True, "staff")
    offline = on_agent_status(None, samples.agent_status(st, AgentState.OFFLINE, T0), _at(5))
    online = samples.agent_status(st, AgentState.ONLINE, T0 + 60, boot_id=uuid.uuid4())
    tech = on_agent_status(offline[0].alert, online, _at(65))[0].alert
    before = _fall(-3600, 5, 10, Outcome.TRUE_FALL)  # outside the window

    alerts = [*falls, bed_alert, held[0].alert, tech, before]
    got = unit_measures(alerts, DAY0, DAY0 + timedelta(days=2), beds=4)
    kinds = {k.kind.value: k for k in got.kinds}
    fall = kinds["fall"]
    assert fall.raised == 5 and fall.suppressed == 0 and fall.resolved == 4
    assert fall.outcomes == {"true_fall": 1, "false_alarm": 1, "not_found": 1, "other": 1}
    assert fall.ppv == 1 / 3
    assert fall.time_to_ack_s is not None and fall.time_to_ack_s.n == 4
    assert fall.time_to_ack_s.p50 == 45.0  # of 10, 30, 60, 90 (the not_found one: 90)
    resolves = fall.time_to_resolve_s  # of 50, 90, 120, 200
    assert resolves is not None and (resolves.p50, resolves.p90) == (105.0, 176.0)
    bed = kinds["bed_exit"]
    assert (bed.raised, bed.suppressed, bed.ppv) == (1, 1, 1.0)
    offline_kind = kinds["sensor_offline"]
    assert offline_kind.ppv is None and offline_kind.time_to_resolve_s is None  # system resolve
    assert got.raised == 7 and got.suppressed == 1 and got.bed_days == 8
    assert got.alerts_per_bed_day == 7 / 8
    assert fall.alerts_per_bed_day == 5 / 8


def test_percentiles_interpolate_and_beds_count_once() -> None:
    assert quantile([10.0], 0.9) == 10.0
    assert quantile([10.0, 20.0], 0.5) == 15.0
    assert quantile([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0], 0.9) == 10.0
    st = samples.stamper(room="412")
    a = on_bed_exit(None, samples.bed_exit(st, "exit", uuid.uuid4(), T0, "412-A"), DAY0, True)
    b = on_bed_exit(None, samples.bed_exit(st, "exit", uuid.uuid4(), T0, "412-B"), DAY0, True)
    alerts = [a[0].alert, b[0].alert, _fall(0, None, None, None)]
    # 412 counts as its two beds; 414 and the fall's room as one bed each.
    assert distinct_beds(alerts, ["412", "414"]) == 2 + 1 + 1
