"""Usage per tenant per day."""

from __future__ import annotations

from pydantic import BaseModel, Field

from researcher_pro.core.models import Usage

MAX_DAYS = 366  # the longest window a usage report covers


class UsageDay(Usage):
    date: str


class DailyBudget(BaseModel):
    daily_usd: float | None = Field(description="The tenant's daily spending cap in US dollars; null: none")
    day: str = Field(description="Today (UTC)")
    spent_usd: float = Field(description="Spent today, with what requests in flight hold")
    left_usd: float | None = Field(description="What is left of today's budget; null when there is no cap")


class UsageReport(BaseModel):
    from_date: str
    to_date: str
    days: list[UsageDay]
    totals: Usage
    budget: DailyBudget
