"""Usage reports: tokens, model calls, cache hits and cost per day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from researcher_pro.access.budgets import DailyBudgets
from researcher_pro.core.errors import InvalidInput
from researcher_pro.core.models import Usage
from researcher_pro.tasks.repository import USAGE_FIELDS
from researcher_pro.usage.models import MAX_DAYS, DailyBudget, UsageDay, UsageReport
from researcher_pro.usage.repository import UsageRepository

DEFAULT_DAYS = 30


class UsageService:
    def __init__(self, repo: UsageRepository, budgets: DailyBudgets) -> None:
        self._repo = repo
        self._budgets = budgets

    def report(self, tenant: str, first: date | None, last: date | None) -> UsageReport:
        last = last or datetime.now(UTC).date()
        first = first or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise InvalidInput("'from' must not be after 'to'")
        if (last - first).days >= MAX_DAYS:
            raise InvalidInput(f"a usage report covers at most {MAX_DAYS} days")
        days = [
            UsageDay(
                date=item["sk"].removeprefix("DAY#"), **{name: item.get(f"usage_{name}", 0) for name in USAGE_FIELDS}
            )
            for item in self._repo.days(tenant, first.isoformat(), last.isoformat())
        ]
        totals = Usage(
            input_tokens=sum(d.input_tokens for d in days),
            output_tokens=sum(d.output_tokens for d in days),
            cost_usd=round(sum(d.cost_usd for d in days), 6),
            model_calls=sum(d.model_calls for d in days),
            cache_hits=sum(d.cache_hits for d in days),
        )
        return UsageReport(
            from_date=first.isoformat(), to_date=last.isoformat(), days=days, totals=totals, budget=self.budget(tenant)
        )

    def budget(self, tenant: str) -> DailyBudget:
        limit = self._budgets.limit(tenant)
        day, spent = self._budgets.spent_today(tenant)
        left = None if limit is None else round(max(0.0, limit - spent), 6)
        return DailyBudget(daily_usd=limit, day=day, spent_usd=round(spent, 6), left_usd=left)
