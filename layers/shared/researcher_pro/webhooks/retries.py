"""When a failed delivery is tried again: the waits of `RP_WEBHOOK_RETRY_SECONDS`, in order, each stretched
by a random share of up to a quarter (jitter: endpoints that failed together are not all retried in one burst)
but never shortened, so the schedule's sum is the least time a delivery keeps being tried."""

from __future__ import annotations

import random
from dataclasses import dataclass

SETTING = "RP_WEBHOOK_RETRY_SECONDS"
MAX_WAITS = 30
MAX_WAIT_SECONDS = 86_400
JITTER = 0.25


@dataclass(frozen=True)
class RetrySchedule:
    waits: tuple[int, ...]  # seconds after the 1st, 2nd, ... failed attempt

    @classmethod
    def parse(cls, text: str) -> RetrySchedule:
        """`text` is seconds, comma-separated (`5,300,1800`); ValueError naming the setting when it is not."""
        parts = [part.strip() for part in text.split(",")]
        if not 1 <= len(parts) <= MAX_WAITS or not all(part.isdigit() for part in parts):
            raise ValueError(f"{SETTING}={text!r}: expected 1 to {MAX_WAITS} whole numbers of seconds, comma-separated")
        waits = tuple(int(part) for part in parts)
        if not all(1 <= wait <= MAX_WAIT_SECONDS for wait in waits):
            raise ValueError(f"{SETTING}={text!r}: each wait is from 1 to {MAX_WAIT_SECONDS} seconds")
        return cls(waits)

    @property
    def attempts(self) -> int:
        """How many attempts a delivery gets before it is given up: the first, and one after each wait."""
        return len(self.waits) + 1

    def wait_after(self, failures: int, rng: random.Random | None = None) -> float | None:
        """Seconds until the next attempt after `failures` failed attempts; None when none is left."""
        if not 1 <= failures <= len(self.waits):
            return None
        return self.waits[failures - 1] * (1 + (rng or random).uniform(0, JITTER))
