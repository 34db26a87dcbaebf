"""The audit trail a quality team files elsewhere: FHIR R4 Communications, one per transition."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from aggregator import samples
from aggregator.alerts import fhir
from aggregator.alerts.escalation import escalate_if_due
from aggregator.alerts.lifecycle import acknowledge, on_bed_exit, on_fall, resolve
from aggregator.alerts.model import Alert, Outcome
from aggregator.alerts.policy import EscalationPolicy
from aggregator.alerts.suppression import make_snooze
from aggregator.config import RulesConfig
from protocol import Phase

T0 = 1_790_000_000.0
OPENED = datetime.fromtimestamp(T0, UTC)
POLICY = EscalationPolicy.from_config(RulesConfig())
REQUIRED = {"resourceType", "id", "status", "category", "priority", "subject", "sent", "payload"}


def _at(seconds: float) -> datetime:
    return OPENED + timedelta(seconds=seconds)


def _fall_story() -> Alert:
    st = samples.stamper(site="hosp1", unit="4west", room="412")
    alert = on_fall(None, samples.fall(st, Phase.START, uuid.uuid4(), T0), OPENED, policy=POLICY)
    a = alert[0].alert
    a = escalate_if_due(a, _at(61), POLICY)[0].alert
    a = acknowledge(a, "rn-17", _at(75)).alert
    return resolve(a, "rn-17", Outcome.TRUE_FALL, _at(300)).alert


def _code(concept: dict[str, object]) -> str:
    codings = concept["coding"]
    assert isinstance(codings, list)
    return str(codings[0]["code"])


def test_every_transition_is_a_communication_with_who_when_and_to_whom() -> None:
    alert = _fall_story()
    comms = fhir.communications(alert)
    assert len(comms) == len(alert.audit) == 4
    json.dumps(comms)  # plain JSON, nothing left to serialise
    for resource in comms:
        assert resource.keys() >= REQUIRED
        assert resource["resourceType"] == "Communication"
        assert resource["status"] == "completed"
        assert resource["priority"] == "stat"  # a fall is high priority
        assert _code(resource["category"][0]) == "alert"
        assert resource["subject"]["identifier"]["value"] == "hosp1/4west/412"
        assert resource["about"][0]["identifier"]["value"] == alert.alert_id
        assert resource["payload"][0]["contentString"]
    assert [_code(r["topic"]) for r in comms] == [
        "created",
        "escalated",
        "acknowledged",
        "resolved",
    ]
    assert [r["sent"] for r in comms] == [
        "2026-09-21T14:13:20Z",
        "2026-09-21T14:14:21Z",
        "2026-09-21T14:14:35Z",
        "2026-09-21T14:18:20Z",
    ]
    assert [r["recipient"][0]["identifier"]["value"] for r in comms[:2]] == [
        "primary_nurse",
        "charge_nurse",
    ]
    assert comms[0]["sender"]["type"] == "Device"
    assert comms[2]["sender"] == {
        "type": "Practitioner",
        "identifier": {"system": fhir.STAFF_SYSTEM, "value": "rn-17"},
        "display": "rn-17",
    }
    assert "to charge_nurse" in comms[1]["payload"][0]["contentString"]
    assert len({r["id"] for r in comms}) == 4
    assert fhir.communications(alert) == comms  # ids are stable across exports


def test_a_suppressed_alert_is_a_communication_not_done_with_its_reason() -> None:
    st = samples.stamper()
    event = samples.bed_exit(st, "exit", uuid.uuid4(), T0)
    held = on_bed_exit(None, event, OPENED, True, "staff in room (2 people)")[0].alert
    (comm,) = fhir.communications(held)
    assert comm["status"] == "not-done"
    assert comm["statusReason"]["text"] == "staff in room (2 people)"
    assert comm["priority"] == "asap"  # medium
    assert comm["subject"]["identifier"]["value"].endswith("/412/412-A")


def test_unit_bundle_keeps_the_window_and_orders_by_time() -> None:
    alert = _fall_story()
    snooze = make_snooze("414", 30, "rn-2", _at(100))
    out = fhir.unit_bundle(
        [alert], [snooze], "hosp1", "4west", start=_at(60), end=_at(200), now=_at(400)
    )
    assert out["resourceType"] == "Bundle" and out["type"] == "collection"
    resources = [e["resource"] for e in out["entry"]]
    assert [_code(r["topic"]) for r in resources] == ["escalated", "acknowledged", "snoozed"]
    for entry in out["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    assert "rn-2" in resources[2]["payload"][0]["contentString"]
