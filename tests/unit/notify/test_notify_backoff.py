"""Retries back off exponentially with jitter, and only failures that may pass are retried."""

import pytest

from aggregator.notify.backoff import Outcome, delay_s, http_outcome, next_delay_s


def test_schedule_doubles_within_jitter_bounds_and_stops_at_the_cap() -> None:
    lows = [delay_s(n, base_s=2, cap_s=60, rand=0.0) for n in range(1, 8)]
    highs = [delay_s(n, base_s=2, cap_s=60, rand=0.999999) for n in range(1, 8)]
    assert lows == [1, 2, 4, 8, 16, 30, 30]
    assert [round(h) for h in highs] == [2, 4, 8, 16, 32, 60, 60]


def test_jitter_spreads_senders_over_the_upper_half_of_the_step() -> None:
    delays = {round(delay_s(4, 1, 100, r / 10), 3) for r in range(10)}
    assert len(delays) == 10 and min(delays) == 4 and max(delays) < 8


@pytest.mark.parametrize(
    ("status", "ok", "retryable"),
    [
        (200, True, False),
        (204, True, False),
        (301, False, False),
        (400, False, False),
        (401, False, False),
        (404, False, False),
        (410, False, False),
        (429, False, True),
        (500, False, True),
        (502, False, True),
        (503, False, True),
    ],
)
def test_status_classes(status: int, ok: bool, retryable: bool) -> None:
    outcome = http_outcome(status)
    assert (outcome.ok, outcome.retryable) == (ok, retryable)
    assert outcome.reason == f"http {status}"


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    outcome = http_outcome(429, "120")
    assert outcome.retry_after_s == 120
    assert next_delay_s(outcome, 1, base_s=2, cap_s=600, rand=0.0) == 120
    assert next_delay_s(outcome, 1, base_s=2, cap_s=60, rand=0.0) == 60
    no_header = Outcome(ok=False, retryable=True, reason="timeout")
    assert next_delay_s(no_header, 1, base_s=2, cap_s=60, rand=0.0) == 1
