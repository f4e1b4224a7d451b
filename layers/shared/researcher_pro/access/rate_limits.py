"""Fairness between tenants: each may start only so much work per minute.

A fixed window counted in DynamoDB is enough here: it is one conditional write per start, shared by
every API container, and its only flaw (up to twice the rate across a window edge) is harmless for
a limit whose purpose is to stop runaway clients, not to meter them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from researcher_pro.access.start_counter import StartCounter
from researcher_pro.core.errors import RateLimited

WINDOW_SECONDS = 60


class StartLimiter:
    def __init__(self, counter: StartCounter, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self._counter = counter
        self._per_minute = per_minute
        self._clock = clock

    def admit(self, tenant: str) -> None:
        """Count one start for `tenant`, or raise RateLimited saying when to come back."""
        if self._per_minute <= 0:
            return
        now = self._clock()
        window = int(now) - int(now) % WINDOW_SECONDS
        if not self._counter.take(tenant, window, WINDOW_SECONDS, self._per_minute):
            retry_after = max(1, window + WINDOW_SECONDS - int(now))
            raise RateLimited(
                f"this API key may start {self._per_minute} tasks a minute; try again in {retry_after} s",
                retry_after,
            )
