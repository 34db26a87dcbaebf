"""Prometheus metrics of one aggregator process, on their own registry.

A registry per `Metrics` (not the global one) so tests can build several apps in one process.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.ingested = Counter(
            "ambient_events_ingested",
            "Messages appended to a partition stream.",
            ["kind"],
            registry=self.registry,
        )
        self.deduplicated = Counter(
            "ambient_events_deduplicated",
            "Messages dropped as already stored (redelivery).",
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "ambient_events_dead_lettered",
            "Messages rejected to the dead-letter stream.",
            ["reason"],
            registry=self.registry,
        )
        self.alerts_opened = Counter(
            "ambient_alerts_opened",
            "Alerts opened.",
            ["kind", "priority"],
            registry=self.registry,
        )
        self.alerts_escalated = Counter(
            "ambient_alerts_escalated",
            "Escalations (timer or long lie) to the next role.",
            ["kind", "cause"],
            registry=self.registry,
        )
        self.alerts_suppressed = Counter(
            "ambient_alerts_suppressed",
            "Alerts recorded but not raised (staff in room, snooze).",
            ["kind", "cause"],
            registry=self.registry,
        )
        self.ingest_latency = Histogram(
            "ambient_ingest_latency_seconds",
            "From MQTT receipt to durable append in Redis (PUBACK follows).",
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5),
            registry=self.registry,
        )
        self.agent_clock_skew = Gauge(
            "ambient_agent_clock_skew_seconds",
            "Agent clock minus aggregator clock, as the agent last reported it.",
            ["site", "agent"],
            registry=self.registry,
        )
        self.redis_errors = Counter(
            "ambient_ingest_redis_errors",
            "Batches retried because Redis failed.",
            registry=self.registry,
        )
        self.task_crashes = Counter(
            "ambient_task_crashes",
            "Crashes of a supervised background task (each is logged and restarted).",
            ["task"],
            registry=self.registry,
        )
        self.task_failing = Gauge(
            "ambient_task_failing",
            "1 while a task is crashed and not yet running again for long enough, else 0.",
            ["task"],
            registry=self.registry,
        )
        self.entries_dead_lettered = Counter(
            "ambient_entries_dead_lettered",
            "Stored stream entries a reader set aside in the dead-letter stream.",
            ["reader", "reason"],
            registry=self.registry,
        )

    def set_clock_skew(self, site: str, agent: str, seconds: float) -> None:
        self.agent_clock_skew.labels(site, agent).set(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
