"""Agent and aggregator status: retained birth, Last Will, graceful stop.

An agent publishes ``online`` (retained) on every connect, registers ``offline`` as its Last
Will, and publishes ``stopped`` when shut down on purpose, so the aggregator can tell a crash
or a cut cable from maintenance. The aggregator publishes its own retained state; agents hold
events in their outbox while it is not ``online``.
"""

import uuid
from enum import StrEnum
from typing import Literal

from pydantic import Field

from protocol.common import OpaqueId, Strict, UtcTime
from protocol.events import ModelRef

STATUS_SCHEMA = "ambient.status/1"
AGGREGATOR_SCHEMA = "ambient.aggregator/1"


class AgentState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    STOPPED = "stopped"


class AgentStatus(Strict):
    schema_: Literal["ambient.status/1"] = Field(alias="schema")
    state: AgentState
    site: OpaqueId
    unit: OpaqueId
    room: OpaqueId
    agent_id: OpaqueId
    boot_id: uuid.UUID
    ts: UtcTime = Field(description="When this status was made (for a Will: at connect).")
    software_version: str = Field(max_length=40)
    config_hash: str = Field(pattern=r"^[0-9a-f]{8,64}$")
    models: list[ModelRef] = Field(default_factory=list, max_length=16)

    model_config = Strict.model_config | {"populate_by_name": True}


class AggregatorState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class AggregatorStatus(Strict):
    schema_: Literal["ambient.aggregator/1"] = Field(alias="schema")
    state: AggregatorState
    ts: UtcTime

    model_config = Strict.model_config | {"populate_by_name": True}
