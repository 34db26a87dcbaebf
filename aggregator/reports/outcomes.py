"""Alert outcomes for the falls report, read from the alert store's per-unit history.

The alert store (asyncio) keeps every alert of a unit in a sorted set by the time it was
raised, and each alert as a hash. Reports run on blocking redis-py clients (in FastAPI's
thread pool, or the `ambient report` command), so this reads the same keys synchronously:
one ZRANGEBYSCORE and one pipelined HGETALL per alert of the range.

Which alerts count, and what the times mean, follows `aggregator.alerts.measures` so the
report and the alert metrics agree:

- alerts about the patient only (falls, bed exits, no motion): technical alerts (sensor
  offline or untrusted) are not alarm burden on the patient's bed;
- suppressed alerts are left out (nobody was told);
- ``acknowledged_ms`` is the first answer by a person (an acknowledge, or a resolve by a
  person without one); ``resolved_ms`` and ``outcome`` only for a resolve by a person (the
  system clearing an alert is not a response, and records no judgement).
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import redis

from aggregator.alerts.measures import time_to_ack_s, time_to_resolve_s
from aggregator.alerts.model import TECHNICAL_KINDS, Alert, AlertStatus
from aggregator.alerts.store import decode_alert, history_key
from aggregator.analytics.query import ReportQuery
from aggregator.reports.falls import AlertOutcome


def _ms(t: datetime) -> int:
    return round(t.timestamp() * 1000)


def to_outcome(alert: Alert) -> AlertOutcome:
    """One stored alert as the falls report reads it (see the module's definitions)."""
    opened = _ms(alert.opened_at)
    ack_s, resolve_s = time_to_ack_s(alert), time_to_resolve_s(alert)
    return AlertOutcome(
        room=alert.room,
        kind=alert.kind.value,
        opened_ms=opened,
        acknowledged_ms=None if ack_s is None else opened + round(ack_s * 1000),
        resolved_ms=None if resolve_s is None else opened + round(resolve_s * 1000),
        outcome=None if resolve_s is None or alert.outcome is None else alert.outcome.value,
    )


class StoredOutcomes:
    """An `OutcomeSource` over the alert store: the patient alerts raised in a report's range.

    ``client`` is a blocking redis-py client on the aggregator's Redis.
    """

    def __init__(self, client: "redis.Redis") -> None:
        self._client = client

    def alerts(self, query: ReportQuery) -> list[Alert]:
        """Every alert of the unit raised in [start, end), suppressed and technical too."""
        part = query.part
        ids = cast(
            list[bytes],
            self._client.zrangebyscore(
                history_key(part), query.start_ms / 1000, f"({query.end_ms / 1000}"
            ),
        )
        pipe = self._client.pipeline(transaction=False)
        for alert_id in ids:
            pipe.hgetall(part.alert(alert_id.decode()))
        raws = cast(list[dict[Any, Any]], pipe.execute()) if ids else []
        return [a for a in map(decode_alert, raws) if a is not None]

    def __call__(self, query: ReportQuery) -> Sequence[AlertOutcome]:
        return [
            to_outcome(alert)
            for alert in self.alerts(query)
            if alert.status is not AlertStatus.SUPPRESSED and alert.kind not in TECHNICAL_KINDS
        ]
