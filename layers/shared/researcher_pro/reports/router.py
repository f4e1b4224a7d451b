"""/v1/reports"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter

from researcher_pro.core.problems import problems
from researcher_pro.reports.models import Report, ReportEventPage, ReportRequest
from researcher_pro.tasks.routes import TaskRoutes, add_task_routes

if TYPE_CHECKING:
    from researcher_pro.reports.service import ReportService

ROUTES = TaskRoutes(
    noun="report",
    plural="reports",
    request=ReportRequest,
    resource=Report,
    summary=Report,
    event_page=ReportEventPage,
    start_summary="Write a report on a finished research",
    list_summary="List reports, newest first (without bodies)",
    get_summary="Read a report: inline content when small, and a time-limited download URL",
    start_description=(
        "`research_id` is a research of yours that has succeeded. `template_id` (a template you can see) "
        "shapes the sections; without it, the research's own template does, if it had one. A template that "
        "does not exist or cannot render with the research's variables is 422 naming `template_id`."
    ),
    start_problems=problems(
        (404, "`research_id` names no research of yours"),
        (409, "The research has not succeeded (yet), or has no answer or findings to use"),
    ),
)


def reports_router(reports: Callable[[], ReportService]) -> APIRouter:
    """`reports` gives the service when a request needs it (it is built on first use)."""
    router = APIRouter(prefix="/v1/reports", tags=["reports"])
    add_task_routes(router, reports, ROUTES)
    return router
