"""The edge's clock skew, from the aggregator's live state: what the status reports."""

import uuid
from datetime import UTC, datetime, timedelta

from aggregator import samples
from edge_agent.clock import SkewEstimate, corrected
from protocol import Phase

AGG = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_a_retained_state_says_nothing_about_the_clock() -> None:
    skew = SkewEstimate()
    assert not skew.observe(AGG + timedelta(hours=5), AGG, retained=True)
    assert skew.reported is None


def test_the_least_delayed_of_recent_samples_is_reported() -> None:
    skew = SkewEstimate()
    # Our clock runs 42 s ahead; deliveries take 0.05 to 0.8 s.
    delays = [0.8, 0.05, 0.3, 0.6]
    published = [
        skew.observe(
            AGG + timedelta(seconds=42 + d, minutes=i), AGG + timedelta(minutes=i), retained=False
        )
        for i, d in enumerate(delays)
    ]
    assert published == [True, False, False, False], "moves under 1 s are not republished"
    assert skew.reported == 42.8
    assert not skew.observe(AGG + timedelta(seconds=42.05), AGG, retained=False)


def test_a_clock_that_jumps_is_reported_again() -> None:
    skew = SkewEstimate(samples=1)
    assert skew.observe(AGG - timedelta(seconds=3), AGG, retained=False)
    assert skew.reported == -3.0
    assert skew.observe(AGG + timedelta(seconds=120), AGG, retained=False)
    assert skew.reported == 120.0


def test_events_of_a_clock_known_to_be_off_are_put_on_the_aggregators_time() -> None:
    st = samples.stamper(site="s1", agent_id="agent-1")
    fall = samples.fall(st, Phase.START, uuid.uuid4(), AGG.timestamp() + 3600)
    fixed = corrected(fall, 3600.25)
    assert fixed.ts == AGG - timedelta(seconds=0.25)
    assert fixed.sent_ts == fall.sent_ts - timedelta(seconds=3600.25)
    assert fixed.event_id == fall.event_id
    assert corrected(fall, None) is fall  # not measured yet: as stamped
    assert corrected(fall, 0.4) is fall  # within the network delay: as stamped
