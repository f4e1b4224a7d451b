"""/v1/usage"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query

from researcher_pro.access.dependencies import Tenant
from researcher_pro.usage.models import UsageReport

if TYPE_CHECKING:
    from researcher_pro.usage.service import UsageService


def usage_router(usage: Callable[[], UsageService]) -> APIRouter:
    """`usage` gives the service when a request needs it (it is built on first use)."""
    router = APIRouter(prefix="/v1/usage", tags=["usage"])

    @router.get("", summary="Tokens, model calls, cache hits and cost per day")
    def usage_report(
        tenant: Tenant,
        from_date: Annotated[
            date | None, Query(alias="from", description="First day (UTC), default 29 days ago")
        ] = None,
        to_date: Annotated[date | None, Query(alias="to", description="Last day (UTC), default today")] = None,
    ) -> UsageReport:
        return usage().report(tenant, from_date, to_date)

    return router
