"""When to send a request again, and how long to wait first."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """A `Retry-After` header as seconds from now: it is either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass(frozen=True)
class RetryPolicy:
    """Retries on 429, 5xx and broken connections, never on another 4xx: a refused request stays refused.

    The wait before retry n (1, 2, …) is `initial_delay * 2**(n-1)` capped at `max_delay`, scaled by a random
    factor in [0.5, 1] so that many clients do not come back in step; a `Retry-After` from the server wins.
    A `Retry-After` longer than `max_retry_after` (a spent daily budget) is not waited for: the error is
    raised at once and says when to come back.
    """

    max_retries: int = 3
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def retryable_status(self, status: int) -> bool:
        return status == 429 or status >= 500

    def delay(self, retry: int, response: httpx.Response | None = None) -> float | None:
        """Seconds to wait before retry number `retry` (from 1), or None when it should not be made."""
        if retry > self.max_retries:
            return None
        if response is not None:
            asked = retry_after_seconds(response.headers.get("retry-after"))
            if asked is not None:
                return asked if asked <= self.max_retry_after else None
        backoff = min(self.max_delay, self.initial_delay * 2 ** (retry - 1))
        return backoff * random.uniform(0.5, 1.0)


NO_RETRIES = RetryPolicy(max_retries=0)
