"""/v1/analyses"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from researcher_pro.api.dependencies import ContainerDep, Cursor, IdempotencyKey, Limit, Tenant
from researcher_pro.models.analyses import Analysis, AnalysisEventPage, AnalysisRequest
from researcher_pro.models.common import Page, Status

router = APIRouter(prefix="/v1/analyses", tags=["analyses"])
AnalysisId = Annotated[str, "analysis id"]


@router.post("", status_code=202, response_model=Analysis, summary="Analyse a text or a finished research")
def start_analysis(
    body: AnalysisRequest, tenant: Tenant, services: ContainerDep, idempotency_key: IdempotencyKey = None
) -> Any:
    return services.idempotency.run(
        tenant,
        idempotency_key,
        "analysis.start",
        body.model_dump(mode="json", by_alias=True),
        lambda: services.analyses.start(tenant, body).model_dump(mode="json"),
    )


@router.get("", summary="List analyses, newest first")
def list_analyses(
    tenant: Tenant, services: ContainerDep, limit: Limit = 20, cursor: Cursor = None, status: Status | None = None
) -> Page[Analysis]:
    return services.analyses.list(tenant, limit, cursor, status)


@router.get("/{analysis_id}", summary="Read an analysis")
def get_analysis(analysis_id: AnalysisId, tenant: Tenant, services: ContainerDep) -> Analysis:
    return services.analyses.get(tenant, analysis_id)


@router.get("/{analysis_id}/events", summary="The ordered progress log, for catching up")
def analysis_events(
    analysis_id: AnalysisId,
    tenant: Tenant,
    services: ContainerDep,
    after: Annotated[int, Query(ge=0, description="Return events with seq greater than this")] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> AnalysisEventPage:
    return services.analyses.events(tenant, analysis_id, after, limit)
