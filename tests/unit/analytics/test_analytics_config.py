"""The ``analytics:`` config section: each unit's time zone becomes its shifts."""

import pytest
from pydantic import ValidationError

from aggregator.analytics.config import AnalyticsConfig
from aggregator.analytics.rollup import Shifts

WINTER_0630_UTC = 1_767_594_600_000  # 2026-01-05 06:30 UTC = 07:30 in Paris


def test_a_unit_zone_moves_its_shift_change_to_local_seven() -> None:
    cfg = AnalyticsConfig(timezones={"s1/4west": "Europe/Paris", "home": "Europe/London"})
    shifts = cfg.shifts()
    assert shifts == {"s1:4west": Shifts(tz="Europe/Paris"), "home": Shifts(tz="Europe/London")}
    assert shifts["s1:4west"].shift(WINTER_0630_UTC) == "day"
    assert Shifts().shift(WINTER_0630_UTC) == "night"  # a unit not named counts in UTC


@pytest.mark.parametrize(
    "timezones", [{"s1/4west": "Mars/Olympus"}, {"s1/4 west": "UTC"}, {"s1/": "UTC"}]
)
def test_an_unknown_zone_or_a_malformed_unit_is_refused(timezones: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        AnalyticsConfig(timezones=timezones)
