"""The wire contract shared by every process: events, agent status, topics, schema version.

Everything that crosses the network is one of these models. They are strict: unknown fields
are rejected, ids are opaque (no names, no patient identifiers), and every payload carries its
schema version so a consumer can refuse what it does not understand.
"""

from protocol.events import (
    EVENT_SCHEMA,
    BedExitData,
    BedExitEvent,
    Event,
    EventType,
    FallData,
    FallEvent,
    ModelRef,
    OccupancyData,
    OccupancyEvent,
    Phase,
    dump_event,
    event_adapter,
    parse_event,
)
from protocol.ids import new_uuid7, uuid7_time
from protocol.status import (
    AGGREGATOR_SCHEMA,
    STATUS_SCHEMA,
    AgentState,
    AgentStatus,
    AggregatorState,
    AggregatorStatus,
)
from protocol.topics import (
    TOPIC_ROOT,
    AgentTopic,
    TopicError,
    agent_status_topic,
    aggregator_state_topic,
    event_topic,
    events_subscription,
    parse_agent_topic,
    state_topic,
    status_subscription,
    unit_alerts_topic,
)

MAX_PAYLOAD_BYTES = 2048
"""Hard cap on any payload an edge agent may send (the privacy guard enforces it)."""

__all__ = [
    "AGGREGATOR_SCHEMA",
    "EVENT_SCHEMA",
    "MAX_PAYLOAD_BYTES",
    "STATUS_SCHEMA",
    "TOPIC_ROOT",
    "AgentState",
    "AgentStatus",
    "AgentTopic",
    "AggregatorState",
    "AggregatorStatus",
    "BedExitData",
    "BedExitEvent",
    "Event",
    "EventType",
    "FallData",
    "FallEvent",
    "ModelRef",
    "OccupancyData",
    "OccupancyEvent",
    "Phase",
    "TopicError",
    "agent_status_topic",
    "aggregator_state_topic",
    "dump_event",
    "event_adapter",
    "event_topic",
    "events_subscription",
    "new_uuid7",
    "parse_agent_topic",
    "parse_event",
    "state_topic",
    "status_subscription",
    "unit_alerts_topic",
    "uuid7_time",
]
