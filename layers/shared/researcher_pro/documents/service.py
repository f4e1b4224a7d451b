"""The tenant's documents: added, read, listed and deleted through the API, and searched by research."""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from researcher_pro.core.clock import rfc3339
from researcher_pro.core.errors import NotFound
from researcher_pro.core.ids import DOCUMENT
from researcher_pro.core.models import Page
from researcher_pro.documents.models import Document, DocumentCreate, DocumentWithText
from researcher_pro.documents.repository import DocumentRepository

if TYPE_CHECKING:
    from researcher_pro.providers.offline.index import DocumentIndex


INDEXES_KEPT = 16  # tenants whose document index a container keeps


class DocumentService:
    def __init__(self, repo: DocumentRepository) -> None:
        self._repo = repo
        # Built once per tenant and documents version: a search reads one counter, not every document.
        self._indexes: OrderedDict[str, tuple[int, DocumentIndex]] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, tenant: str, request: DocumentCreate) -> Document:
        record = {
            "id": DOCUMENT.new(),
            "title": request.title,
            "source_url": request.source_url,
            "size_bytes": len(request.text.encode("utf-8")),
            "created_at": rfc3339(datetime.now(UTC)),
        }
        self._repo.create(tenant, record, request.text)
        return Document.model_validate(record)

    def get(self, tenant: str, document_id: str) -> DocumentWithText:
        # An id we could not have issued is missing without asking storage.
        record = self._repo.get(tenant, document_id, with_text=True) if DOCUMENT.issued(document_id) else None
        if record is None:
            raise NotFound(f"no document {document_id}")
        return DocumentWithText.model_validate(record)

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[Document]:
        records, next_cursor = self._repo.list_page(tenant, limit, cursor)
        return Page[Document](items=[Document.model_validate(r) for r in records], next_cursor=next_cursor)

    def delete(self, tenant: str, document_id: str) -> None:
        if not DOCUMENT.issued(document_id) or not self._repo.delete(tenant, document_id):
            raise NotFound(f"no document {document_id}")

    def index(self, tenant: str) -> DocumentIndex:
        """The tenant's documents as a search index, for research that asks for them; rebuilt only when
        its documents have changed since this container built it."""
        # Imported here: BM25 pulls in numpy, which the documents API never needs.
        from researcher_pro.providers.offline.index import DocumentIndex

        version = self._repo.version(tenant)
        with self._lock:
            kept = self._indexes.get(tenant)
            if kept and kept[0] == version:
                self._indexes.move_to_end(tenant)
                return kept[1]
        index = DocumentIndex(self._repo.all_with_text(tenant))
        with self._lock:
            self._indexes[tenant] = (version, index)
            self._indexes.move_to_end(tenant)
            while len(self._indexes) > INDEXES_KEPT:
                self._indexes.popitem(last=False)
        return index
