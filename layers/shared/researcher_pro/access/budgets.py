"""A daily spending cap per tenant: `rp-admin set-budget --tenant T --daily-usd X`, or the deployment's
default (`DailyBudgetUSD`; 0 is no cap).

- A start on a day whose budget is spent is refused: 429, `Retry-After` at the next UTC day.
- A running task is held to it request by request (see tasks/metering.py): a request whose worst case no
  longer fits is not made, and the task ends `failed` with `budget_exceeded`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from researcher_pro.access.budget_repository import BudgetRepository
from researcher_pro.core.errors import RateLimited

LIMIT_CACHE_SECONDS = 30.0  # a changed budget applies within this


def utc_day(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).date().isoformat()


def seconds_to_next_day(moment: float) -> int:
    now = datetime.fromtimestamp(moment, UTC)
    tomorrow = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    return max(1, int((tomorrow - now).total_seconds() + 0.999))


class DailyBudgets:
    def __init__(self, repo: BudgetRepository, default_usd: float, clock: Callable[[], float] = time.time) -> None:
        self._repo = repo
        self._default = default_usd if default_usd > 0 else None
        self._clock = clock
        self._limits: dict[str, tuple[float | None, float]] = {}

    def limit(self, tenant: str) -> float | None:
        """The tenant's daily budget in US dollars; None when it has none."""
        cached = self._limits.get(tenant)
        now = time.monotonic()
        if cached and cached[1] > now:
            return cached[0]
        own = self._repo.daily_limit(tenant)
        limit = own if own is not None else self._default
        self._limits[tenant] = (limit, now + LIMIT_CACHE_SECONDS)
        return limit

    def spent_today(self, tenant: str) -> tuple[str, float]:
        day = utc_day(self._clock())
        return day, self._repo.committed(tenant, day)

    def admit(self, tenant: str) -> None:
        """Refuse a start (429) when the tenant's budget for today is spent."""
        limit = self.limit(tenant)
        if limit is None:
            return
        day, spent = self.spent_today(tenant)
        if spent >= limit:
            raise RateLimited(
                f"this tenant's daily budget of ${limit:.2f} is spent for {day} (UTC); new work starts tomorrow",
                seconds_to_next_day(self._clock()),
            )

    # --- DayBudget, for the meter ----------------------------------------------------------------
    def reserve(self, tenant: str, day: str, amount: float) -> bool:
        limit = self.limit(tenant)
        return limit is None or self._repo.reserve(tenant, day, amount, limit)

    def settle(self, tenant: str, day: str, reserved: float, spent: float) -> None:
        if self.limit(tenant) is not None and spent != reserved:
            self._repo.adjust(tenant, day, spent - reserved)
