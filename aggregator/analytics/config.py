"""The ``analytics:`` section of the central config: each unit's local time zone.

Shifts (day 07:00–19:00, night the rest) and a home's night (22:00–07:00) are local hours of
the unit; a unit without a zone counts them in UTC. Days and hours of the roll-ups stay UTC
whatever the zone, so reports over a range of days read the same keys everywhere.

    analytics:
      timezones:
        "site1/4west": Europe/Paris
        "home": Europe/London          # every unit named "home", on any site

A zone applies to the events rolled up after it is set: changing it does not recount the
days already rolled up.
"""

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aggregator.analytics.rollup import Shifts
from aggregator.store import Partition

_UNIT_REF = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$"


class AnalyticsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezones: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "`site/unit` (or a bare unit name, for that unit on every site) -> IANA time zone "
            "(Europe/Paris) of its shifts and nights; units not named count in UTC."
        ),
    )

    @field_validator("timezones")
    @classmethod
    def _known_zones(cls, value: dict[str, str]) -> dict[str, str]:
        for ref, zone in value.items():
            if not re.match(_UNIT_REF, ref):
                raise ValueError(f"{ref!r} is not `site/unit` nor a unit name")
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError) as e:
                raise ValueError(f"{ref}: unknown time zone {zone!r}") from e
        return value

    def shifts(self) -> dict[str, Shifts]:
        """What `AnalyticsConsumer(shifts=...)` takes: partition name or bare unit -> Shifts."""
        out: dict[str, Shifts] = {}
        for ref, zone in self.timezones.items():
            site, _, unit = ref.partition("/")
            key = Partition(site, unit).name if unit else site
            out[key] = Shifts(tz=zone)
        return out
