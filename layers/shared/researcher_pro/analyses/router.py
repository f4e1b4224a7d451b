"""/v1/analyses"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter

from researcher_pro.analyses.models import Analysis, AnalysisEventPage, AnalysisRequest
from researcher_pro.core.problems import problems
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
    start_description=(
        "Give exactly one of `text` or `research_id` (a research of yours that has succeeded: its answer is "
        "analysed). `kinds` defaults to `['summary']`, or `['custom']` with a `schema`; `custom` needs a "
        "`schema` (at most 16 KB as JSON, objects and arrays nested at most 10 deep, with a strict form: no "
        "`allOf`, `not`, `if`, `patternProperties`, open objects or remote `$ref`) and a language model: "
        "offline it is 422."
    ),
    start_problems=problems(
        (404, "`research_id` names no research of yours"),
        (409, "The research has not succeeded (yet), or has no answer or findings to use"),
    ),
)


def analyses_router(analyses: Callable[[], AnalysisService]) -> APIRouter:
    """`analyses` gives the service when a request needs it (it is built on first use)."""
    router = APIRouter(prefix="/v1/analyses", tags=["analyses"])
    add_task_routes(router, analyses, ROUTES)
    return router
