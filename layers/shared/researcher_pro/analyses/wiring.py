"""The analyses room's service and task, built once per container from the settings."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from researcher_pro.analyses.analysts import TextAnalyst
    from researcher_pro.analyses.service import AnalysisService
    from researcher_pro.analyses.task import AnalysisTask
    from researcher_pro.realtime.sinks import EventSink

from researcher_pro.core.config import Settings


@cache
def analysis_service(settings: Settings) -> AnalysisService:
    from researcher_pro.analyses.service import AnalysisService
    from researcher_pro.research.wiring import research_records
    from researcher_pro.tasks.wiring import task_queue, task_repository, text_store

    return AnalysisService(
        task_repository(settings, "analysis"),
        research_records(settings),
        text_store(settings),
        task_queue(settings),
        settings.stuck_after_seconds,
        offline=settings.offline_model,
    )


@cache
def analysis_task(settings: Settings, sinks: tuple[EventSink, ...]) -> AnalysisTask:
    from researcher_pro.analyses.analysts import ModelTextAnalyst, OfflineTextAnalyst
    from researcher_pro.analyses.task import AnalysisTask
    from researcher_pro.providers.wiring import language_model
    from researcher_pro.tasks.wiring import response_cache, task_lifecycle, task_policy, task_queue, text_store

    model = language_model(settings)
    analyst: TextAnalyst = (
        OfflineTextAnalyst() if model is None else ModelTextAnalyst(model, settings.analysis_chunk_chars)
    )
    return AnalysisTask(
        lifecycle=task_lifecycle(settings, "analysis", sinks),
        queue=task_queue(settings),
        cache=response_cache(settings),
        texts=text_store(settings),
        analyst=analyst,
        policy=task_policy(settings),
    )
