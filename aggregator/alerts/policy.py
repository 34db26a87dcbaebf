"""Who is told first and who next, per alert kind: the escalation chain as plain data."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aggregator.alerts.model import PRIMARY_RECIPIENT, AlertKind
from aggregator.config import EscalationStep, RulesConfig


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    primary: str = PRIMARY_RECIPIENT
    steps: Mapping[AlertKind, Sequence[EscalationStep]] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: RulesConfig) -> "EscalationPolicy":
        return cls(cfg.primary_recipient, dict(cfg.escalation))

    def recipient(self, kind: AlertKind, level: int) -> str:
        """Role told at ``level``; past the end of the chain, its last role."""
        chain = self.steps.get(kind, ())
        if level <= 0 or not chain:
            return self.primary
        return chain[min(level, len(chain)) - 1].to


DEFAULT_POLICY = EscalationPolicy()
"""No chain: everything goes to the primary recipient (tests, tools)."""
