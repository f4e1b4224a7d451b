"""/v1/research"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from researcher_pro.api.dependencies import ContainerDep, Cursor, IdempotencyKey, Limit, Tenant
from researcher_pro.models.common import Page, Status
from researcher_pro.models.research import Research, ResearchEventPage, ResearchRequest, ResearchSummary

router = APIRouter(prefix="/v1/research", tags=["research"])
ResearchId = Annotated[str, "research id"]


@router.post("", status_code=202, response_model=Research, summary="Start a research run")
def start_research(
    body: ResearchRequest, tenant: Tenant, services: ContainerDep, idempotency_key: IdempotencyKey = None
) -> Any:
    return services.idempotency.run(
        tenant,
        idempotency_key,
        "research.start",
        body.model_dump(mode="json"),
        lambda: services.research.start(tenant, body).model_dump(mode="json"),
    )


@router.get("", summary="List research, newest first")
def list_research(
    tenant: Tenant, services: ContainerDep, limit: Limit = 20, cursor: Cursor = None, status: Status | None = None
) -> Page[ResearchSummary]:
    """Each item is the research without its answer, findings and sources; read one research for those."""
    return services.research.list(tenant, limit, cursor, status)


@router.get("/{research_id}", summary="Read a research run")
def get_research(research_id: ResearchId, tenant: Tenant, services: ContainerDep) -> Research:
    return services.research.get(tenant, research_id)


@router.post("/{research_id}/cancel", status_code=202, summary="Cancel at the next step boundary")
def cancel_research(research_id: ResearchId, tenant: Tenant, services: ContainerDep) -> Research:
    return services.research.cancel(tenant, research_id)


@router.delete("/{research_id}", status_code=204, response_class=Response, summary="Delete a research run")
def delete_research(research_id: ResearchId, tenant: Tenant, services: ContainerDep) -> Response:
    services.research.delete(tenant, research_id)
    return Response(status_code=204)


@router.get("/{research_id}/events", summary="The ordered progress log, for catching up")
def research_events(
    research_id: ResearchId,
    tenant: Tenant,
    services: ContainerDep,
    after: Annotated[int, Query(ge=0, description="Return events with seq greater than this")] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
) -> ResearchEventPage:
    return services.research.events(tenant, research_id, after, limit)
