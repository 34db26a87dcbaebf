"""When to try a delivery again, and whether to try at all.

Exponential backoff with "equal jitter": the n-th retry waits between half and all of
``min(cap, base * 2**(n-1))``, so a receiver coming back is not hit by every sender at once,
and a retry is never sooner than half the nominal step. Only failures that may pass are
retried: timeouts, connection errors, 5xx and 429; any other 4xx will fail the same way again.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Outcome:
    """Result of one delivery attempt."""

    ok: bool
    retryable: bool = False
    reason: str = ""
    """Short, for logs and the dead-letter stream: ``http 503``, ``timeout``, ``refused``."""
    retry_after_s: float | None = None
    """A server's ``Retry-After``, when it sent one."""


def delay_s(retry: int, base_s: float, cap_s: float, rand: float) -> float:
    """Wait before retry number ``retry`` (1 = after the first failure); ``rand`` in [0, 1)."""
    step = min(cap_s, base_s * float(2 ** max(0, retry - 1)))
    return step / 2 + step / 2 * rand


def http_outcome(status: int, retry_after: str | None = None) -> Outcome:
    """Classify an HTTP status: 2xx delivered, 5xx/429 retried, other 4xx (and 3xx) not."""
    if 200 <= status < 300:
        return Outcome(ok=True, reason=f"http {status}")
    retryable = status >= 500 or status == 429
    after: float | None = None
    if retry_after is not None and retry_after.strip().isdigit():
        after = float(retry_after.strip())
    return Outcome(ok=False, retryable=retryable, reason=f"http {status}", retry_after_s=after)


def next_delay_s(outcome: Outcome, retry: int, base_s: float, cap_s: float, rand: float) -> float:
    """The backoff, or a server's ``Retry-After`` when longer, never beyond ``cap_s``."""
    wait = delay_s(retry, base_s, cap_s, rand)
    if outcome.retry_after_s is not None:
        wait = max(wait, min(outcome.retry_after_s, cap_s))
    return wait
