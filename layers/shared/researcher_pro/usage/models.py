"""Usage per tenant per day."""

from __future__ import annotations

from pydantic import BaseModel

from researcher_pro.core.models import Usage

MAX_DAYS = 366  # the longest window a usage report covers


class UsageDay(Usage):
    date: str


class UsageReport(BaseModel):
    from_date: str
    to_date: str
    days: list[UsageDay]
    totals: Usage
