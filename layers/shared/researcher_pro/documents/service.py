"""The tenant's documents: added (as text, as a file in the request, or as a file uploaded to storage), read,
listed and deleted through the API, and searched by research.

A document uploaded to storage is `pending` until its file lands, then its extraction task reads it. Until
it is ready its status is the task's: queued is `pending`, running is `processing`, failed is `failed` with
the task's reason. So whatever ends the task (a refused file, a file that never came, a worker that kept
dying, the sweeper) ends the document with it; no document waits for ever.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from researcher_pro.core.clock import rfc3339
from researcher_pro.core.errors import NotFound
from researcher_pro.core.ids import DOCUMENT
from researcher_pro.core.models import Page
from researcher_pro.documents.files import FileRefused, accepted_content_type, read_file, unsupported
from researcher_pro.documents.models import (
    Document,
    DocumentCreate,
    DocumentUpload,
    DocumentWithText,
    UploadForm,
    UploadRequest,
)
from researcher_pro.documents.repository import DocumentRepository
from researcher_pro.documents.store import UploadStore
from researcher_pro.documents.uploads import EXTRACT_STEP, upload_key
from researcher_pro.tasks.repository import TaskRepository

if TYPE_CHECKING:
    from researcher_pro.providers.offline.index import DocumentIndex


INDEXES_KEPT = 16  # tenants whose document index a container keeps
# How long after its URL expires an upload may still land (a POST begun in time may take a while) before
# the sweeper runs its extraction anyway, which then fails it for want of a file.
UPLOAD_GRACE_SECONDS = 300
_STATUS_OF_TASK = {"queued": "pending", "running": "processing", "failed": "failed", "cancelled": "failed"}


@dataclass(frozen=True)
class UploadPolicy:
    max_file_bytes: int  # a file in the request body
    url_ttl_seconds: int  # a presigned upload's


class DocumentService:
    def __init__(
        self, repo: DocumentRepository, uploads: UploadStore, tasks: TaskRepository, policy: UploadPolicy
    ) -> None:
        self._repo = repo
        self._uploads = uploads
        self._tasks = tasks
        self._policy = policy
        # Built once per tenant and documents version: a search reads one counter, not every document.
        self._indexes: OrderedDict[str, tuple[int, DocumentIndex]] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, tenant: str, request: DocumentCreate) -> Document:
        record = {
            **_new_record(request.title),
            "source_url": request.source_url,
            "size_bytes": len(request.text.encode("utf-8")),
            "kind": "text",
            "chars": len(request.text),
        }
        self._repo.create(tenant, record, request.text)
        return Document.model_validate(record)

    def create_from_file(
        self, tenant: str, content: bytes, filename: str | None, content_type: str | None, title: str | None
    ) -> Document:
        """A document from a file sent in the request: read at once; FileRefused (and nothing kept) when it
        cannot be."""
        limit = self._policy.max_file_bytes
        if len(content) > limit:
            raise FileRefused(
                413,
                "file_too_large",
                f"the file has {len(content)} bytes; files of up to {limit} bytes can be sent here, larger ones "
                "through POST /v1/documents/uploads",
            )
        file = read_file(content, content_type, filename)
        record = {
            **_new_record(title or file.title or _stem(filename)),
            "size_bytes": len(content),
            "filename": filename,
            "kind": file.kind,
            "chars": len(file.text),
            "pages": file.pages,
            "warnings": file.warnings,
        }
        self._repo.create(tenant, record, file.text)
        return Document.model_validate(record)

    def start_upload(self, tenant: str, request: UploadRequest) -> DocumentUpload:
        """A pending document, and the signed form that sends its file to storage."""
        if not accepted_content_type(request.content_type):
            raise unsupported(f"content_type: {request.content_type} is not a kind of document we read")
        ttl = self._policy.url_ttl_seconds
        expires = time.time() + ttl
        record = {
            **_new_record(request.title or _stem(request.filename)),
            "title_given": request.title is not None,
            "filename": request.filename,
            "content_type": request.content_type,
            "size_bytes": request.size,
            "status": "pending",
            "kind": None,
        }
        document_id, now = record["id"], record["created_at"]
        # The task first: due once the URL has expired, so that a file that never comes still ends the
        # document (the sweeper runs the step, which finds no file). A document without its task is failed.
        task = {"id": document_id, "status": "queued", "stage": None, "step": EXTRACT_STEP, "progress": 0.0}
        self._tasks.create(
            tenant, {**task, "created_at": now, "updated_at": now}, due_at=expires + UPLOAD_GRACE_SECONDS
        )
        self._repo.create_pending(tenant, record)
        form = self._uploads.form(upload_key(tenant, document_id), request.content_type, request.size, ttl)
        return DocumentUpload(
            document=Document.model_validate(record),
            upload=UploadForm(
                url=form["url"], fields=form["fields"], expires_at=rfc3339(datetime.fromtimestamp(expires, UTC))
            ),
        )

    def get(self, tenant: str, document_id: str) -> DocumentWithText:
        # An id we could not have issued is missing without asking storage.
        record = self._repo.get(tenant, document_id, with_text=True) if DOCUMENT.issued(document_id) else None
        if record is None:
            raise NotFound(f"no document {document_id}")
        tasks = self._tasks.get_many(tenant, [document_id]) if record.get("status") == "pending" else {}
        return DocumentWithText.model_validate(_presented(record, tasks))

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[Document]:
        records, next_cursor = self._repo.list_page(tenant, limit, cursor)
        pending = [r["id"] for r in records if r.get("status") == "pending"]
        tasks = self._tasks.get_many(tenant, pending) if pending else {}
        return Page[Document](
            items=[Document.model_validate(_presented(r, tasks)) for r in records], next_cursor=next_cursor
        )

    def delete(self, tenant: str, document_id: str) -> None:
        old = self._repo.delete(tenant, document_id) if DOCUMENT.issued(document_id) else None
        if old is None:
            raise NotFound(f"no document {document_id}")
        if old.get("status") == "pending":
            # Its extraction, if it comes, finds no task to run; a file that lands later expires with the
            # bucket's rule for uploads.
            self._tasks.delete(tenant, document_id)
            self._uploads.delete(upload_key(tenant, document_id))

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


def _new_record(title: str) -> dict[str, Any]:
    return {
        "id": DOCUMENT.new(),
        "title": title[:500],
        "status": "ready",
        "created_at": rfc3339(datetime.now(UTC)),
    }


def _stem(filename: str | None) -> str:
    return PurePosixPath(filename or "").stem.strip() or "Untitled document"


def _presented(record: dict[str, Any], tasks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A document as the API shows it: a pending one with its extraction task's status and reason."""
    if record.get("status") != "pending":
        return record
    task = tasks.get(record["id"])
    if task is None:
        error = {"code": "upload_not_started", "message": "the upload could not be started; upload the file again"}
        return {**record, "status": "failed", "error": error}
    # A task that has just succeeded has made its document ready already; one read a moment before that is
    # still processing.
    status = _STATUS_OF_TASK.get(str(task["status"]), "processing")
    return {**record, "status": status, "error": task.get("error") if status == "failed" else None}
