"""Agent and aggregator status: retained birth, Last Will, graceful stop.

An agent publishes ``online`` (retained) on every connect, registers ``offline`` as its Last
Will, and publishes ``stopped`` when shut down on purpose, so the aggregator can tell a crash
or a cut cable from maintenance. The aggregator publishes its own retained state; agents hold
events in their outbox while it is not ``online``.

The aggregator republishes its state every few tens of seconds; an agent compares the ``ts``
of a live (not retained) copy with its own clock and reports the difference as
``clock_skew_s``, so a drifting edge clock is seen before its events fall outside the
aggregator's time window. The field is left out of the payload while unknown, so a status
without it reads the same to an aggregator that predates it.
"""

import uuid
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

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
    clock_skew_s: float | None = Field(
        default=None,
        ge=-1e9,
        le=1e9,
        description="Agent clock minus aggregator clock (s), from the aggregator's last live "
        "state; None (left out) until measured.",
    )

    model_config = Strict.model_config | {"populate_by_name": True}

    @model_serializer(mode="wrap")
    def _skew_only_when_known(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("clock_skew_s") is None:
            data.pop("clock_skew_s", None)
        return data


class AggregatorState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class AggregatorStatus(Strict):
    schema_: Literal["ambient.aggregator/1"] = Field(alias="schema")
    state: AggregatorState
    ts: UtcTime

    model_config = Strict.model_config | {"populate_by_name": True}
