"""/v1/reports"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from researcher_pro.api.dependencies import ContainerDep, Cursor, IdempotencyKey, Limit, Tenant
from researcher_pro.models.common import Page, Status
from researcher_pro.models.reports import Report, ReportEventPage, ReportRequest

router = APIRouter(prefix="/v1/reports", tags=["reports"])
ReportId = Annotated[str, "report id"]


@router.post("", status_code=202, response_model=Report, summary="Write a report on a finished research")
def start_report(
    body: ReportRequest, tenant: Tenant, services: ContainerDep, idempotency_key: IdempotencyKey = None
) -> Any:
    return services.idempotency.run(
        tenant,
        idempotency_key,
        "report.start",
        body.model_dump(mode="json"),
        lambda: services.reports.start(tenant, body).model_dump(mode="json"),
    )


@router.get("", summary="List reports, newest first (without bodies)")
def list_reports(
    tenant: Tenant, services: ContainerDep, limit: Limit = 20, cursor: Cursor = None, status: Status | None = None
) -> Page[Report]:
    return services.reports.list(tenant, limit, cursor, status)


@router.get("/{report_id}", summary="Read a report: inline content when small, and a time-limited download URL")
def get_report(report_id: ReportId, tenant: Tenant, services: ContainerDep) -> Report:
    return services.reports.get(tenant, report_id)


@router.get("/{report_id}/events", summary="The ordered progress log, for catching up")
def report_events(
    report_id: ReportId,
    tenant: Tenant,
    services: ContainerDep,
    after: Annotated[int, Query(ge=0, description="Return events with seq greater than this")] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> ReportEventPage:
    return services.reports.events(tenant, report_id, after, limit)
