"""Hypothesis strategies for the wire contract, read off the models themselves.

Each field's strategy comes from its annotation and constraints (patterns, bounds, lengths,
literals, enums, nested models), so a field added to `protocol` is fuzzed without touching
this file. What a JSON Schema cannot say is known here by the validator it runs: an
``event_id`` is a UUIDv7 (`_require_v7`), a time is zone-aware and stays in the calendar
once in UTC (`_require_utc`), a day is one the calendar has (`_calendar_day`).

The strategies give wire values (what `json.dumps` takes, keyed by alias), so the tests send
real payloads through the real parsers.
"""

import functools
import types
import uuid
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo

from protocol import EVENT_CLASSES, AgentStatus
from protocol.common import _require_utc
from protocol.events import _calendar_day, _require_v7

Json = Any
"""A value `json.dumps` takes: None, bool, int, float, str, list or dict of these."""

_CONSTRAINTS = ("ge", "gt", "le", "lt", "min_length", "max_length", "pattern")
_BIG = 2**63 - 1
_OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))


def uuid7s() -> st.SearchStrategy[uuid.UUID]:
    """Any UUIDv7: 48-bit milliseconds, version 7, variant 10, random bits elsewhere."""
    return st.builds(
        lambda ms, a, b: uuid.UUID(int=ms << 80 | 0x7 << 76 | a << 64 | 0b10 << 62 | b),
        st.integers(0, 2**48 - 1),
        st.integers(0, 2**12 - 1),
        st.integers(0, 2**62 - 1),
    )


def utc_times() -> st.SearchStrategy[datetime]:
    """Zone-aware times, any offset within ±14 h, that are still a datetime once in UTC."""
    return st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_OFFSETS
    )


def _constraints(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, FieldInfo):
            found |= _constraints(item.metadata)
        for name in _CONSTRAINTS:
            value = getattr(item, name, None)
            if value is not None:
                found[name] = value
    return found


def _validators(metadata: list[Any]) -> set[Any]:
    found = set()
    for item in metadata:
        if isinstance(item, FieldInfo):
            found |= _validators(item.metadata)
        if isinstance(item, AfterValidator):
            found.add(item.func)
    return found


def _text(c: dict[str, Any]) -> st.SearchStrategy[str]:
    lo, hi = c.get("min_length", 0), c.get("max_length")
    if "pattern" not in c:
        return st.text(min_size=lo, max_size=hi)
    pattern = st.from_regex(c["pattern"], fullmatch=True)
    return pattern.filter(lambda s: lo <= len(s) <= (hi if hi is not None else len(s)))


def _number(kind: type, c: dict[str, Any]) -> st.SearchStrategy[Json]:
    if kind is int:
        lo = c["gt"] + 1 if "gt" in c else c.get("ge", -_BIG)
        hi = c["lt"] - 1 if "lt" in c else c.get("le", _BIG)
        return st.integers(lo, hi)
    return st.floats(
        min_value=c.get("gt", c.get("ge")),
        max_value=c.get("lt", c.get("le")),
        exclude_min="gt" in c,
        exclude_max="lt" in c,
        allow_nan=False,
        allow_infinity=False,
    )


def wire_value(annotation: Any, metadata: list[Any] | None = None) -> st.SearchStrategy[Json]:
    """Valid wire values of one annotated type."""
    metadata = list(metadata or [])
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        return wire_value(inner, metadata + extra)
    if origin in (Union, types.UnionType):
        return st.one_of([wire_value(arg, metadata) for arg in get_args(annotation)])
    if origin is Literal:
        return st.sampled_from(
            [v.value if isinstance(v, Enum) else v for v in get_args(annotation)]
        )
    if origin is list:
        c = _constraints(metadata)
        (item,) = get_args(annotation)
        return st.lists(
            wire_value(item), min_size=c.get("min_length", 0), max_size=c.get("max_length")
        )
    if annotation is type(None):
        return st.none()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return wire_model(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from([m.value for m in annotation])
    if annotation is bool:
        return st.booleans()
    if annotation in (int, float):
        return _number(annotation, _constraints(metadata))
    if annotation is str:
        if _calendar_day in _validators(metadata):
            return st.dates().map(lambda d: d.isoformat())
        return _text(_constraints(metadata))
    if annotation is uuid.UUID:
        ids = uuid7s() if _require_v7 in _validators(metadata) else st.uuids()
        return ids.map(str)
    if annotation is datetime:
        assert _require_utc in _validators(metadata), "every wire time is a UtcTime"
        return utc_times().map(lambda t: t.isoformat())
    raise NotImplementedError(f"no strategy for {annotation!r}: teach tests/unit/protocol")


@functools.cache
def wire_model(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Json]]:
    """Valid payloads of a model as wire dicts; fields with a default are sometimes left out.

    Cached: building the pattern strategies costs more than drawing from them."""
    required: dict[str, st.SearchStrategy[Json]] = {}
    optional: dict[str, st.SearchStrategy[Json]] = {}
    for name, field in model.model_fields.items():
        value = wire_value(field.annotation, field.metadata)
        (required if field.is_required() else optional)[field.alias or name] = value
    return st.fixed_dictionaries(required, optional=optional)


@functools.cache
def wire_events() -> st.SearchStrategy[dict[str, Json]]:
    """A valid event of any type, as the wire dict an edge agent would send."""
    return st.one_of([wire_model(cls) for cls in EVENT_CLASSES.values()])


@functools.cache
def wire_statuses() -> st.SearchStrategy[dict[str, Json]]:
    return wire_model(AgentStatus)


EDGE_VALUES: list[Json] = [
    float("inf"),
    float("-inf"),
    float("nan"),
    -0.0,
    -1,
    2**63,
    2**64,
    1e308,
    5e-324,
    "",
    " ",
    "a\n",
    "x" * 65,
    "\u00c4",
    "\u0000",
    "2026-01-01T00:00:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00+14:00",
    None,
    True,
    [],
    {},
]
"""Values at the edges of what a field takes: infinities, the calendar's ends, a trailing
newline (which Python's ``$`` lets through and the contract's patterns must not)."""

JSON_VALUES: st.SearchStrategy[Json] = st.sampled_from(EDGE_VALUES) | st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value, and the edge values more often than chance would give them. Python's json
writes NaN and the infinities as ``NaN`` and ``Infinity``, as a careless sender would."""


def _edge_like(value: Json) -> st.SearchStrategy[Json]:
    """Edge values of the same JSON kind as ``value``: the mutations most likely to slip by."""
    if isinstance(value, bool) or value is None:
        return st.sampled_from([None, True, False, 0, 1, "true"])
    if isinstance(value, int | float):
        return st.sampled_from([v for v in EDGE_VALUES if isinstance(v, int | float)])
    if isinstance(value, str):
        return st.sampled_from([v for v in EDGE_VALUES if isinstance(v, str)]) | st.just(
            value + "\n"
        )
    return JSON_VALUES


@st.composite
def mutated(draw: st.DrawFn, wire: st.SearchStrategy[dict[str, Json]]) -> dict[str, Json]:
    """A valid wire dict with one field (or one field of ``data``) removed, set to an edge
    value of its own kind, set to any JSON value, or added."""
    value = dict(draw(wire))
    target = value
    if isinstance(value.get("data"), dict) and draw(st.booleans()):
        target = value["data"] = dict(value["data"])
    key = draw(st.sampled_from(sorted(target)) | st.text(max_size=12))
    how = draw(st.sampled_from(["remove", "edge", "edge", "any", "any"]))
    if how == "remove":
        target.pop(key, None)
    elif how == "edge":
        target[key] = draw(_edge_like(target.get(key)))
    else:
        target[key] = draw(JSON_VALUES)
    return value
