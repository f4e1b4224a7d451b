"""The documents room's service, built once per container from the settings."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.documents.service import DocumentService


@cache
def document_service(settings: Settings) -> DocumentService:
    from researcher_pro.core.wiring import list_cursors
    from researcher_pro.documents.repository import DocumentRepository
    from researcher_pro.documents.service import DocumentService

    return DocumentService(DocumentRepository(settings.data_table, settings.artifacts_bucket, list_cursors(settings)))
