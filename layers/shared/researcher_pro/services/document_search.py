"""The tenant's documents as a search index (imported by the worker only: BM25 pulls in numpy)."""

from __future__ import annotations

from researcher_pro.providers.offline import DocumentIndex
from researcher_pro.storage.documents import DocumentRepository


class DocumentLibrary:
    def __init__(self, repo: DocumentRepository) -> None:
        self._repo = repo

    def index(self, tenant: str) -> DocumentIndex:
        return DocumentIndex(self._repo.all_with_text(tenant))
