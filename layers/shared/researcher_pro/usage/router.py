"""/v1/usage"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from researcher_pro.access.dependencies import Tenant
from researcher_pro.usage.models import MAX_DAYS, UsageReport

if TYPE_CHECKING:
    from researcher_pro.usage.service import UsageService


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    """Days are written YYYY-MM-DD, as the document says (`format: date`); pydantic alone would take `0`."""
    if isinstance(value, str) and _DAY.fullmatch(value) is None:
        raise ValueError("expected a day as YYYY-MM-DD")
    return value


Day = BeforeValidator(_iso_day)


def usage_router(usage: Callable[[], UsageService]) -> APIRouter:
    """`usage` gives the service when a request needs it (it is built on first use)."""
    router = APIRouter(prefix="/v1/usage", tags=["usage"])

    @router.get(
        "",
        summary="Tokens, model calls, cache hits and cost per day",
        description=f"`from` must not be after `to`, and the window covers at most {MAX_DAYS} days (both are 422).",
    )
    def usage_report(
        tenant: Tenant,
        from_date: Annotated[
            date | None, Query(alias="from", description="First day (UTC), default 29 days ago"), Day
        ] = None,
        to_date: Annotated[date | None, Query(alias="to", description="Last day (UTC), default today"), Day] = None,
    ) -> UsageReport:
        return usage().report(tenant, from_date, to_date)

    return router
