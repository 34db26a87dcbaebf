"""Production measures of the alerting, from stored alerts alone (pure; no Redis, no clock).

- Time to acknowledge: from raised to the first answer by a person (an acknowledge, or a
  resolve without one: going straight to the room and resolving is an answer too).
- Time to resolve: from raised to a resolve by a person. System resolves (sensor back
  online, patient back in bed before leaving it) are not staff work and are left out.
- PPV per kind, from the outcomes people recorded: ``true_fall`` and ``assisted`` count as
  true (the patient needed someone), ``false_alarm`` and ``not_found`` as false (nobody
  needed anyone), ``other`` is left out of both. Technical kinds have no PPV.
- Alerts per bed-day: alerts raised (not suppressed) / (beds × days of the window).

Percentiles interpolate linearly between order statistics (numpy's default), so p50 of two
values is their mean.
"""

from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, Field

from aggregator.alerts.model import (
    SYSTEM_ACTOR,
    TECHNICAL_KINDS,
    Alert,
    AlertKind,
    AlertStatus,
    Outcome,
)

TRUE_OUTCOMES = frozenset({Outcome.TRUE_FALL, Outcome.ASSISTED})
FALSE_OUTCOMES = frozenset({Outcome.FALSE_ALARM, Outcome.NOT_FOUND})


class Quantiles(BaseModel):
    n: int
    p50: float
    p90: float


class KindMeasures(BaseModel):
    kind: AlertKind
    raised: int = Field(description="Alerts raised (shown to staff).")
    suppressed: int = Field(description="Alerts recorded but not raised.")
    acknowledged: int
    resolved: int
    outcomes: dict[str, int] = Field(description="Person-recorded outcomes, by outcome.")
    time_to_ack_s: Quantiles | None
    time_to_resolve_s: Quantiles | None
    ppv: float | None = Field(description="True / (true + false) outcomes; None without any.")
    alerts_per_bed_day: float | None


class UnitMeasures(BaseModel):
    start: datetime
    end: datetime
    beds: int
    bed_days: float
    raised: int
    suppressed: int
    alerts_per_bed_day: float | None
    kinds: list[KindMeasures]


def quantile(values: list[float], q: float) -> float:
    """Linear interpolation between order statistics; ``values`` must not be empty."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _quantiles(values: list[float]) -> Quantiles | None:
    if not values:
        return None
    return Quantiles(n=len(values), p50=quantile(values, 0.5), p90=quantile(values, 0.9))


def _by_person(alert: Alert) -> bool:
    return alert.resolved_by is not None and alert.resolved_by != SYSTEM_ACTOR


def time_to_ack_s(alert: Alert) -> float | None:
    answers = [t for t in (alert.acknowledged_at,) if t is not None]
    if alert.resolved_at is not None and _by_person(alert):
        answers.append(alert.resolved_at)
    if not answers:
        return None
    return (min(answers) - alert.opened_at).total_seconds()


def time_to_resolve_s(alert: Alert) -> float | None:
    if alert.resolved_at is None or not _by_person(alert):
        return None
    return (alert.resolved_at - alert.opened_at).total_seconds()


def _kind_measures(kind: AlertKind, alerts: list[Alert], bed_days: float) -> KindMeasures:
    raised = [a for a in alerts if a.status is not AlertStatus.SUPPRESSED]
    outcomes: dict[str, int] = {}
    for alert in raised:
        if alert.outcome is not None and _by_person(alert):
            outcomes[alert.outcome.value] = outcomes.get(alert.outcome.value, 0) + 1
    true = sum(outcomes.get(o.value, 0) for o in TRUE_OUTCOMES)
    false = sum(outcomes.get(o.value, 0) for o in FALSE_OUTCOMES)
    ppv = None if kind in TECHNICAL_KINDS or true + false == 0 else true / (true + false)
    acks = [t for t in map(time_to_ack_s, raised) if t is not None]
    resolves = [t for t in map(time_to_resolve_s, raised) if t is not None]
    return KindMeasures(
        kind=kind,
        raised=len(raised),
        suppressed=len(alerts) - len(raised),
        acknowledged=sum(a.acknowledged_at is not None for a in raised),
        resolved=sum(a.status is AlertStatus.RESOLVED for a in raised),
        outcomes=outcomes,
        time_to_ack_s=_quantiles(acks),
        time_to_resolve_s=_quantiles(resolves),
        ppv=ppv,
        alerts_per_bed_day=len(raised) / bed_days if bed_days > 0 else None,
    )


def distinct_beds(alerts: Iterable[Alert], rooms: Iterable[str] = ()) -> int:
    """Beds seen: each bed named by an alert, and each other room seen counts as one bed."""
    beds: set[tuple[str, str]] = set()
    bare: set[str] = set(rooms)
    for alert in alerts:
        if alert.bed:
            beds.add((alert.room, alert.bed))
        else:
            bare.add(alert.room)
    rooms_with_beds = {room for room, _ in beds}
    return len(beds) + len(bare - rooms_with_beds)


def unit_measures(
    alerts: Iterable[Alert], start: datetime, end: datetime, beds: int
) -> UnitMeasures:
    """Measures of the alerts raised (or suppressed) in [start, end) on ``beds`` beds."""
    window = [a for a in alerts if start <= a.opened_at < end]
    bed_days = beds * max(0.0, (end - start).total_seconds()) / 86_400
    kinds = [
        _kind_measures(kind, [a for a in window if a.kind is kind], bed_days)
        for kind in AlertKind
        if any(a.kind is kind for a in window)
    ]
    raised = sum(k.raised for k in kinds)
    return UnitMeasures(
        start=start,
        end=end,
        beds=beds,
        bed_days=bed_days,
        raised=raised,
        suppressed=sum(k.suppressed for k in kinds),
        alerts_per_bed_day=raised / bed_days if bed_days > 0 else None,
        kinds=kinds,
    )
