"""Webhook channel: a signed JSON POST per notification, over the stdlib in a worker thread.

urllib keeps the aggregator's dependencies as they are; the `Poster` protocol is the seam
for another HTTP client (or a test double). Redirects are not followed: a webhook that
moved is a configuration error, reported once, not retried.
"""

import asyncio
import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Protocol

from aggregator.notify.backoff import Outcome, http_outcome
from aggregator.notify.config import WebhookConfig
from aggregator.notify.model import Notification
from aggregator.notify.signing import (
    ATTEMPT_HEADER,
    ID_HEADER,
    KIND_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

USER_AGENT = "ambient-notify/1"


class Poster(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> Outcome:
        """One blocking POST, classified; never raises for network or HTTP failures."""
        ...


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


class UrllibPoster:
    def __init__(self) -> None:
        self._opener = urllib.request.build_opener(_NoRedirect())

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout_s: float) -> Outcome:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=timeout_s) as response:
                return http_outcome(response.status)
        except urllib.error.HTTPError as e:
            with e:
                return http_outcome(e.code, e.headers.get("Retry-After"))
        except urllib.error.URLError as e:
            return Outcome(ok=False, retryable=True, reason=f"connection: {_short(e.reason)}")
        except TimeoutError:
            return Outcome(ok=False, retryable=True, reason="timeout")
        except OSError as e:
            return Outcome(ok=False, retryable=True, reason=f"connection: {_short(e)}")
        except http.client.HTTPException as e:
            return Outcome(ok=False, retryable=True, reason=f"bad response: {_short(e)}")


def _short(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timeout"
    return str(reason)[:80]


class WebhookChannel:
    def __init__(
        self,
        cfg: WebhookConfig,
        poster: Poster | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = f"webhook:{cfg.name}"
        self._cfg = cfg
        self._secret = cfg.signing_secret()
        self._poster = poster or UrllibPoster()
        self._clock = clock

    def request(self, notification: Notification, attempt: int) -> tuple[bytes, dict[str, str]]:
        """Body and headers of one attempt; signed afresh, so the timestamp is current."""
        body = notification.dump()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            ID_HEADER: notification.notification_id,
            KIND_HEADER: notification.kind.value,
            ATTEMPT_HEADER: str(attempt),
            SIGNATURE_HEADER: signature_header(self._secret, int(self._clock()), body),
        }
        return body, headers

    async def deliver(self, notification: Notification, attempt: int) -> Outcome:
        body, headers = self.request(notification, attempt)
        return await asyncio.to_thread(
            self._poster.post, self._cfg.url, body, headers, self._cfg.timeout_s
        )
