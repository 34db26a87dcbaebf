"""JSON Schema export for non-Python consumers (``ambient protocol schema``)."""

import json
from pathlib import Path

from pydantic import TypeAdapter

from protocol.events import event_adapter
from protocol.status import AgentStatus, AggregatorStatus


def schemas() -> dict[str, dict[str, object]]:
    """One JSON Schema per payload kind, keyed by file stem."""
    return {
        "event": event_adapter.json_schema(by_alias=True),
        "agent-status": TypeAdapter(AgentStatus).json_schema(by_alias=True),
        "aggregator-status": TypeAdapter(AggregatorStatus).json_schema(by_alias=True),
    }


def write_schemas(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in schemas().items():
        path = out_dir / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
