"""/v1/research"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Response

from researcher_pro.access.dependencies import Tenant
from researcher_pro.core.problems import problems
from researcher_pro.research.models import Research, ResearchEventPage, ResearchRequest, ResearchSummary
from researcher_pro.tasks.routes import TaskRoutes, add_task_routes

if TYPE_CHECKING:
    from researcher_pro.research.service import ResearchService

ROUTES = TaskRoutes(
    noun="research",
    plural="research",
    request=ResearchRequest,
    resource=Research,
    summary=ResearchSummary,
    event_page=ResearchEventPage,
    start_summary="Start a research run",
    list_summary="List research, newest first",
    list_description="Each item is the research without its answer, findings and sources; read one research for those.",
    get_summary="Read a research run",
    start_description=(
        "Give either `query` or `template_id` (with its `variables`), not both; `variables` only with "
        "`template_id`. A template that does not exist or does not render with the variables is 422 naming "
        "`body.template_id` or `body.variables.<name>`. `domains` entries are host names, a leading `-` "
        "excludes one. The run is 202 `queued`; follow it with GET, its events or the WebSocket API."
    ),
)
ResearchId = Annotated[str, Path(description="research id")]


def research_router(research: Callable[[], ResearchService]) -> APIRouter:
    """`research` gives the service when a request needs it (it is built on first use)."""
    router = APIRouter(prefix="/v1/research", tags=["research"])
    add_task_routes(router, research, ROUTES)

    @router.post(
        "/{research_id}/cancel",
        status_code=202,
        summary="Cancel at the next step boundary",
        responses=problems((409, "The research has already ended, or changed while being cancelled; try again")),
    )
    def cancel_research(research_id: ResearchId, tenant: Tenant) -> Research:
        return research().cancel(tenant, research_id)

    @router.delete("/{research_id}", status_code=204, response_class=Response, summary="Delete a research run")
    def delete_research(research_id: ResearchId, tenant: Tenant) -> Response:
        research().delete(tenant, research_id)
        return Response(status_code=204)

    return router
