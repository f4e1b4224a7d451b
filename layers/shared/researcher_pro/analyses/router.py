"""/v1/analyses"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter

from researcher_pro.analyses.models import Analysis, AnalysisEventPage, AnalysisRequest
from researcher_pro.tasks.routes import TaskRoutes, add_task_routes

if TYPE_CHECKING:
    from researcher_pro.analyses.service import AnalysisService

ROUTES = TaskRoutes(
    noun="analysis",
    plural="analyses",
    request=AnalysisRequest,
    resource=Analysis,
    summary=Analysis,
    event_page=AnalysisEventPage,
    start_summary="Analyse a text or a finished research",
    list_summary="List analyses, newest first",
    get_summary="Read an analysis",
)


def analyses_router(analyses: Callable[[], AnalysisService]) -> APIRouter:
    """`analyses` gives the service when a request needs it (it is built on first use)."""
    router = APIRouter(prefix="/v1/analyses", tags=["analyses"])
    add_task_routes(router, analyses, ROUTES)
    return router
