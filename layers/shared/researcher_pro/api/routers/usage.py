"""/v1/usage"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from researcher_pro.api.dependencies import ContainerDep, Tenant
from researcher_pro.models.usage import UsageReport

router = APIRouter(prefix="/v1/usage", tags=["usage"])


@router.get("", summary="Tokens, model calls, cache hits and cost per day")
def usage_report(
    tenant: Tenant,
    services: ContainerDep,
    from_date: Annotated[date | None, Query(alias="from", description="First day (UTC), default 29 days ago")] = None,
    to_date: Annotated[date | None, Query(alias="to", description="Last day (UTC), default today")] = None,
) -> UsageReport:
    return services.usage.report(tenant, from_date, to_date)
