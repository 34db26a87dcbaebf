"""An installer's escalation chain is read as written, and a chain out of order is refused."""

import pytest

from aggregator.alerts.model import AlertKind
from aggregator.alerts.policy import EscalationPolicy
from aggregator.config import ConfigError, parse_config


def test_escalation_chain_from_yaml_names_who_is_told_at_each_level() -> None:
    cfg = parse_config(
        "rules:\n"
        "  primary_recipient: caregiver\n"
        "  escalation:\n"
        "    fall: [{after_s: 30, to: neighbour}, {after_s: 120, to: emergency_line}]\n"
    )
    policy = EscalationPolicy.from_config(cfg.rules)
    assert [policy.recipient(AlertKind.FALL, level) for level in range(4)] == [
        "caregiver",
        "neighbour",
        "emergency_line",
        "emergency_line",
    ]
    assert policy.recipient(AlertKind.BED_EXIT, 1) == "caregiver"  # no chain: never escalates


def test_out_of_order_chain_and_unknown_kind_name_the_key() -> None:
    with pytest.raises(ConfigError, match="after_s must strictly increase"):
        parse_config(
            "rules:\n  escalation:\n    fall: [{after_s: 90, to: a}, {after_s: 60, to: b}]\n"
        )
    with pytest.raises(ConfigError, match="escalation"):
        parse_config("rules:\n  escalation:\n    falls: []\n")
