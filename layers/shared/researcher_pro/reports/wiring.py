"""The reports room's service and task, built once per container from the settings."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.realtime.sinks import EventSink
    from researcher_pro.reports.service import ReportService
    from researcher_pro.reports.store import ReportStore
    from researcher_pro.reports.task import ReportTask
    from researcher_pro.reports.writer import SectionWriter


@cache
def report_store(settings: Settings) -> ReportStore:
    from researcher_pro.reports.store import ReportStore

    return ReportStore(settings.artifacts_bucket)


@cache
def report_service(settings: Settings) -> ReportService:
    from researcher_pro.reports.service import ReportService
    from researcher_pro.research.wiring import research_records
    from researcher_pro.tasks.wiring import task_queue, task_repository
    from researcher_pro.templates.wiring import template_service

    return ReportService(
        task_repository(settings, "report"),
        research_records(settings),
        task_queue(settings),
        report_store(settings),
        template_service(settings),
        settings.stuck_after_seconds,
        settings.report_url_ttl_seconds,
    )


@cache
def report_task(settings: Settings, sinks: tuple[EventSink, ...]) -> ReportTask:
    from researcher_pro.providers.wiring import language_model
    from researcher_pro.reports.task import ReportTask
    from researcher_pro.reports.writer import ExtractiveSectionWriter, ModelSectionWriter
    from researcher_pro.research.wiring import research_records
    from researcher_pro.tasks.wiring import response_cache, task_lifecycle, task_policy, task_queue

    model = language_model(settings)
    writer: SectionWriter = ExtractiveSectionWriter() if model is None else ModelSectionWriter(model)
    return ReportTask(
        lifecycle=task_lifecycle(settings, "report", sinks),
        queue=task_queue(settings),
        cache=response_cache(settings),
        research=research_records(settings),
        writer=writer,
        store=report_store(settings),
        policy=task_policy(settings),
        inline_limit_bytes=settings.report_inline_bytes,
    )
