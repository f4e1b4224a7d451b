"""The documents room's service and extraction task, built once per container from the settings."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.documents.repository import DocumentRepository
    from researcher_pro.documents.service import DocumentService
    from researcher_pro.documents.task import DocumentExtraction
    from researcher_pro.realtime.sinks import EventSink


@cache
def document_repository(settings: Settings) -> DocumentRepository:
    from researcher_pro.core.wiring import list_cursors
    from researcher_pro.documents.repository import DocumentRepository

    return DocumentRepository(settings.data_table, settings.artifacts_bucket, list_cursors(settings))


@cache
def document_service(settings: Settings) -> DocumentService:
    from researcher_pro.documents.service import DocumentService, UploadPolicy
    from researcher_pro.documents.store import UploadStore
    from researcher_pro.tasks.wiring import task_repository

    return DocumentService(
        document_repository(settings),
        UploadStore(settings.artifacts_bucket),
        task_repository(settings, "document"),
        UploadPolicy(settings.document_upload_max_bytes, settings.document_upload_url_ttl_seconds),
    )


@cache
def document_task(settings: Settings, sinks: tuple[EventSink, ...]) -> DocumentExtraction:
    from researcher_pro.documents.store import UploadStore
    from researcher_pro.documents.task import DocumentExtraction
    from researcher_pro.tasks.wiring import response_cache, task_lifecycle, task_policy, task_queue

    return DocumentExtraction(
        lifecycle=task_lifecycle(settings, "document", sinks),
        queue=task_queue(settings),
        cache=response_cache(settings),
        policy=task_policy(settings),
        documents=document_repository(settings),
        uploads=UploadStore(settings.artifacts_bucket),
    )
