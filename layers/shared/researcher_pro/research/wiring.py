"""The research room's service and pipeline, built once per container from the settings.

`sinks` are where committed research events go after the log; the function that serves research
chooses them (see watches.wiring.event_sinks), since reactions to research belong to other rooms.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.realtime.sinks import EventSink
    from researcher_pro.research.analyst import Analyst
    from researcher_pro.research.pages import PageStore
    from researcher_pro.research.pipeline import ResearchPipeline
    from researcher_pro.research.service import ResearchService


@cache
def research_service(settings: Settings, sinks: tuple[EventSink, ...]) -> ResearchService:
    from researcher_pro.research.service import ResearchService
    from researcher_pro.tasks.wiring import task_lifecycle, task_queue
    from researcher_pro.templates.wiring import template_service

    return ResearchService(
        task_lifecycle(settings, "research", sinks),
        task_queue(settings),
        settings.stuck_after_seconds,
        template_service(settings),
        offline=settings.offline_model,
    )


def research_records(settings: Settings) -> ResearchService:
    """The research service for rooms that only read research (analyses, reports, watch runs) or start it
    (watches): they end no research, so it needs no event sinks."""
    return research_service(settings, ())


@cache
def research_pipeline(settings: Settings, sinks: tuple[EventSink, ...]) -> ResearchPipeline:
    from researcher_pro.documents.wiring import document_service
    from researcher_pro.providers.wiring import language_model, page_reader, web_search
    from researcher_pro.research.analyst import ExtractiveAnalyst, ModelAnalyst
    from researcher_pro.research.pipeline import LoopSettings, ResearchPipeline
    from researcher_pro.tasks.wiring import response_cache, task_lifecycle, task_policy, task_queue

    model = language_model(settings)
    analyst: Analyst = ExtractiveAnalyst() if model is None else ModelAnalyst(model)
    web = web_search(settings)
    return ResearchPipeline(
        lifecycle=task_lifecycle(settings, "research", sinks),
        queue=task_queue(settings),
        cache=response_cache(settings),
        documents=document_service(settings),
        web=web,
        reader=page_reader(settings) if web is not None else None,
        pages=page_store(settings),
        analyst=analyst,
        policy=task_policy(settings),
        loop=LoopSettings(
            rounds_by_depth={
                "quick": settings.rounds_quick,
                "standard": settings.rounds_standard,
                "deep": settings.rounds_deep,
            },
            results_per_query=settings.search_results_per_question,
            pages_per_query=settings.pages_per_query,
            page_seconds=settings.fetch_timeout_seconds,
            model=settings.openai_model,
        ),
    )


@cache
def page_store(settings: Settings) -> PageStore:
    from researcher_pro.research.pages import PageStore

    return PageStore(settings.data_table, settings.artifacts_bucket, settings.page_cache_ttl_seconds)
