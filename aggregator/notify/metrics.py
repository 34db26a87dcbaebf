"""Counters of the notifier, registered on the aggregator's registry (one ``/metrics``)."""

from prometheus_client import CollectorRegistry, Counter, Gauge


class NotifyMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.queued = Counter(
            "ambient_notify_queued",
            "Notifications queued (once per transition).",
            ["kind"],
            registry=registry,
        )
        self.attempts = Counter(
            "ambient_notify_attempts",
            "Delivery attempts by channel type and result.",
            ["channel", "result"],
            registry=registry,
        )
        self.delivered = Counter(
            "ambient_notify_delivered",
            "Notifications delivered.",
            ["channel", "kind"],
            registry=registry,
        )
        self.dead_lettered = Counter(
            "ambient_notify_dead_lettered",
            "Deliveries given up, to the dead-letter stream.",
            ["channel"],
            registry=registry,
        )
        self.pending = Gauge(
            "ambient_notify_pending",
            "Deliveries waiting in the durable queue.",
            registry=registry,
        )
