"""The audit trail as FHIR R4 ``Communication`` resources, one per transition.

Each transition (raised, updated, escalated, acknowledged, ended, resolved, suppressed,
snoozed) becomes a Communication a hospital system can file: who sent it (a staff id, or
the agent for the system), which role it went to, when, how urgent (alert priority mapped
onto FHIR request priority), about which alert, and for which room or bed. Subjects are
opaque references (site/unit/room/bed), never a patient: the aggregator does not know
patients. Plain dicts, because this is an export format and nothing reads it back here.
"""

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from aggregator.alerts.model import SYSTEM_ACTOR, Alert, AuditEntry, Priority
from aggregator.alerts.suppression import Snooze

FhirResource = dict[str, Any]

CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/communication-category"
KIND_SYSTEM = "urn:ambient:alert-kind"
TRANSITION_SYSTEM = "urn:ambient:alert-transition"
ALERT_SYSTEM = "urn:ambient:alert"
LOCATION_SYSTEM = "urn:ambient:location"
ROLE_SYSTEM = "urn:ambient:role"
STAFF_SYSTEM = "urn:ambient:staff"
AGENT_SYSTEM = "urn:ambient:agent"

PRIORITY = {
    Priority.HIGH: "stat",
    Priority.MEDIUM: "asap",
    Priority.LOW: "urgent",
    Priority.INFO: "routine",
}
"""Alert priority onto FHIR request-priority (routine < urgent < asap < stat)."""

TRANSITION = {
    "open": "created",
    "update": "updated",
    "escalate": "escalated",
    "ack": "acknowledged",
    "condition_end": "ended",
    "resolve": "resolved",
    "suppress": "suppressed",
    "snooze": "snoozed",
}

_NAMESPACE = uuid.UUID("9c1f6f0e-58a4-4c83-8f0e-4a3c1c9d2e71")


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _location(site: str, unit: str, room: str, bed: str | None) -> dict[str, Any]:
    value = "/".join([site, unit, room] + ([bed] if bed else []))
    display = f"room {room}" + (f" bed {bed}" if bed else "")
    return {"identifier": {"system": LOCATION_SYSTEM, "value": value}, "display": display}


def _role(role: str) -> dict[str, Any]:
    return {
        "type": "PractitionerRole",
        "identifier": {"system": ROLE_SYSTEM, "value": role},
        "display": role,
    }


def _sender(actor: str, agent_id: str) -> dict[str, Any]:
    if actor == SYSTEM_ACTOR:
        ident = {"system": AGENT_SYSTEM, "value": agent_id}
        return {"type": "Device", "identifier": ident, "display": "ambient (system)"}
    ident = {"system": STAFF_SYSTEM, "value": actor}
    return {"type": "Practitioner", "identifier": ident, "display": actor}


def _text(alert: Alert, entry: AuditEntry, transition: str, recipient: str | None) -> str:
    where = f"room {alert.room}" + (f" bed {alert.bed}" if alert.bed else "")
    what = f"{alert.kind.value.replace('_', ' ')} alert ({alert.priority.value}), {where}"
    parts = [f"{what}: {transition}"]
    if entry.action in ("open", "escalate") and recipient:
        parts.append(f"to {recipient}")
    if entry.actor != SYSTEM_ACTOR:
        parts.append(f"by {entry.actor}")
    if entry.detail:
        parts.append(f"({entry.detail})")
    return " ".join(parts)


def communications(alert: Alert) -> list[FhirResource]:
    """Every transition of one alert, oldest first."""
    out: list[FhirResource] = []
    told: str | None = alert.recipient if not alert.audit else None
    for index, entry in enumerate(alert.audit):
        told = entry.recipient or told
        transition = TRANSITION.get(entry.action, entry.action)
        resource: FhirResource = {
            "resourceType": "Communication",
            "id": str(uuid.uuid5(_NAMESPACE, f"{alert.alert_id}/{index}")),
            "identifier": [{"system": TRANSITION_SYSTEM, "value": f"{alert.alert_id}/{index}"}],
            "status": "not-done" if entry.action == "suppress" else "completed",
            "category": [
                {"coding": [{"system": CATEGORY_SYSTEM, "code": "alert"}]},
                {"coding": [{"system": KIND_SYSTEM, "code": alert.kind.value}]},
            ],
            "priority": PRIORITY[alert.priority],
            "subject": _location(alert.site, alert.unit, alert.room, alert.bed),
            "topic": {"coding": [{"system": TRANSITION_SYSTEM, "code": transition}]},
            "about": [
                {
                    "identifier": {"system": ALERT_SYSTEM, "value": alert.alert_id},
                    "display": f"{alert.kind.value} alert",
                }
            ],
            "sent": _iso(entry.at),
            "sender": _sender(entry.actor, alert.agent_id),
            "payload": [{"contentString": _text(alert, entry, transition, told)}],
        }
        if told is not None:
            resource["recipient"] = [_role(told)]
        if entry.action == "suppress":
            resource["statusReason"] = {"text": entry.detail}
        out.append(resource)
    return out


def snooze_communication(site: str, unit: str, snooze: Snooze) -> FhirResource:
    """A room snooze: who held back which advisories, until when."""
    kinds = ", ".join(k.value for k in snooze.kinds)
    key = f"snooze/{site}/{unit}/{snooze.room}/{_iso(snooze.at)}"
    return {
        "resourceType": "Communication",
        "id": str(uuid.uuid5(_NAMESPACE, key)),
        "identifier": [{"system": TRANSITION_SYSTEM, "value": key}],
        "status": "completed",
        "category": [{"coding": [{"system": CATEGORY_SYSTEM, "code": "notification"}]}],
        "priority": "routine",
        "subject": _location(site, unit, snooze.room, None),
        "topic": {"coding": [{"system": TRANSITION_SYSTEM, "code": "snoozed"}]},
        "sent": _iso(snooze.at),
        "sender": _sender(snooze.by, ""),
        "payload": [
            {
                "contentString": f"advisories ({kinds}) snoozed in room {snooze.room} "
                f"by {snooze.by} until {_iso(snooze.until)}"
            }
        ],
    }


def bundle(resources: Iterable[FhirResource], now: datetime) -> FhirResource:
    """A ``collection`` Bundle, entries in the order given (callers sort by time)."""
    entries = [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": _iso(now),
        "entry": entries,
    }


def unit_bundle(
    alerts: Iterable[Alert],
    snoozes: Iterable[Snooze],
    site: str,
    unit: str,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> FhirResource:
    """Every transition of a unit's alerts, and every snooze, sent in [start, end), by time."""
    picked: list[tuple[datetime, FhirResource]] = []
    for alert in alerts:
        for entry, resource in zip(alert.audit, communications(alert), strict=True):
            if start <= entry.at < end:
                picked.append((entry.at, resource))
    for snooze in snoozes:
        if start <= snooze.at < end:
            picked.append((snooze.at, snooze_communication(site, unit, snooze)))
    picked.sort(key=lambda pair: pair[0])
    return bundle((resource for _, resource in picked), now)
