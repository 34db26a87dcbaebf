"""JSON API of the alert state machine beyond ack/resolve: room snoozes, the audit trail
(JSON or FHIR R4 ``Communication`` bundles) and production measures of a unit.

A router the web app includes (`alert_router`), kept with its domain so the web module does
not grow a handler per feature.
"""

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from aggregator.alerts import fhir
from aggregator.alerts.measures import distinct_beds, unit_measures
from aggregator.alerts.model import AlertKind
from aggregator.alerts.store import AlertStore
from aggregator.alerts.suppression import SnoozeError, make_snooze
from aggregator.store import Partition

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
AUDIT_LOOKBACK = timedelta(days=7)
"""A unit's audit export covers alerts raised up to this long before the window starts."""

Format = Literal["json", "fhir"]


class SnoozeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: float = Field(gt=0, description="How long advisories are held back.")
    by: str = Field(min_length=1, max_length=64, description="Staff id asking.")
    kinds: list[AlertKind] | None = Field(
        default=None, description="Advisory kinds to hold back; default: all advisories."
    )


def _partition(site: str, unit: str) -> Partition:
    if not (_ID.match(site) and _ID.match(unit)):
        raise HTTPException(404, "no such unit")
    return Partition(site, unit)


def _utc(value: datetime | None, default: datetime) -> datetime:
    if value is None:
        return default
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _window(
    start: datetime | None, end: datetime | None, now: datetime, span: timedelta
) -> tuple[datetime, datetime]:
    try:
        stop = _utc(end, now)
        begin = _utc(start, stop - span)
    except OverflowError as e:  # 0001-01-01 minus a day, 9999-12-31 -14:00 in UTC...
        raise HTTPException(400, "`from`/`to` out of range (years 1 to 9999 in UTC)") from e
    if begin >= stop:
        raise HTTPException(400, "`from` must be before `to`")
    return begin, stop


def alert_router(
    store: AlertStore,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    *,
    max_snooze_minutes: float = 120,
) -> APIRouter:
    router = APIRouter()

    @router.post("/api/sites/{site}/units/{unit}/rooms/{room}/snooze")
    async def snooze_room(
        site: str, unit: str, room: str, body: SnoozeBody, request: Request
    ) -> dict[str, Any]:
        """Hold back advisories of one room for a while; falls are refused (400). With sign-in
        on, the signed-in user is recorded, not the typed id."""
        principal = getattr(request.state, "principal", None)
        by = principal.id if principal is not None else body.by
        part = _partition(site, unit)
        if not _ID.match(room):
            raise HTTPException(404, "no such room")
        try:
            snooze = make_snooze(
                room,
                body.minutes,
                by,
                clock(),
                kinds=body.kinds,
                max_minutes=max_snooze_minutes,
            )
        except SnoozeError as e:
            raise HTTPException(400, str(e)) from e
        await store.set_snooze(part, snooze)
        return snooze.model_dump(mode="json")

    @router.get("/api/sites/{site}/units/{unit}/snoozes")
    async def snoozes(site: str, unit: str) -> list[dict[str, Any]]:
        """Rooms whose advisories are held back right now."""
        now = clock()
        current = await store.snoozes(_partition(site, unit))
        return [s.model_dump(mode="json") for s in current if s.until > now]

    @router.get("/api/alerts/{alert_id}/audit")
    async def alert_audit(alert_id: str, format: Format = "json") -> Any:
        """Every transition of one alert; ``format=fhir``: a Bundle of Communications."""
        alert = await store.get(alert_id)
        if alert is None:
            raise HTTPException(404, "no such alert")
        if format == "fhir":
            return fhir.bundle(fhir.communications(alert), clock())
        return [entry.model_dump(mode="json") for entry in alert.audit]

    @router.get("/api/sites/{site}/units/{unit}/audit")
    async def unit_audit(
        site: str,
        unit: str,
        start: Annotated[datetime | None, Query(alias="from")] = None,
        end: Annotated[datetime | None, Query(alias="to")] = None,
        format: Format = "fhir",
    ) -> Any:
        """Transitions of a unit's alerts and its snoozes in [from, to) (default: last 24 h)."""
        part = _partition(site, unit)
        now = clock()
        begin, stop = _window(start, end, now, timedelta(days=1))
        alerts = await store.history(part, begin - AUDIT_LOOKBACK, stop)
        snoozes = await store.snooze_log(part)
        result = fhir.unit_bundle(
            alerts, snoozes, part.site, part.unit, start=begin, end=stop, now=now
        )
        if format == "fhir":
            return result
        return [entry["resource"] for entry in result["entry"]]

    @router.get("/api/sites/{site}/units/{unit}/alert-metrics")
    async def alert_metrics(
        site: str,
        unit: str,
        start: Annotated[datetime | None, Query(alias="from")] = None,
        end: Annotated[datetime | None, Query(alias="to")] = None,
        beds: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    ) -> dict[str, Any]:
        """Time to acknowledge/resolve, PPV per kind and alerts per bed-day (default: 7 days).

        ``beds`` defaults to the beds seen: in the unit's alerts, and rooms with occupancy.
        """
        part = _partition(site, unit)
        begin, stop = _window(start, end, clock(), timedelta(days=7))
        alerts = await store.history(part, begin, stop)
        count = beds or distinct_beds(alerts, await store.rooms(part)) or 1
        return unit_measures(alerts, begin, stop, count).model_dump(mode="json")

    return router
