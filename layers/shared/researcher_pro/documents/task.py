"""Extracting an uploaded file's text: one step, run when S3 says the file has landed (or, when it never
does, by the sweeper once its upload URL has expired).

The file must be what its upload declared (size and content type; S3 enforces both in AWS, and this checks
them again) and one we can read. A file that is not is deleted and the document fails with the reason; a
readable one becomes the document's text, and the file is deleted once the text is kept. Run again after a
crash, the step finds the document already ready and only tidies up.
"""

from __future__ import annotations

from typing import Any, ClassVar

from researcher_pro.core.errors import TaskFailure
from researcher_pro.documents.files import NAMES, FileRefused, read_file
from researcher_pro.documents.repository import DocumentRepository
from researcher_pro.documents.store import UploadStore
from researcher_pro.documents.uploads import EXTRACT_STEP, upload_key
from researcher_pro.providers.extract import parse_content_type
from researcher_pro.tasks.lifecycle import TaskLifecycle
from researcher_pro.tasks.metering import Cache, Meter
from researcher_pro.tasks.queue import Queue
from researcher_pro.tasks.steps import StepResult, StepTask, TaskPolicy


class DocumentExtraction(StepTask):
    steps = (EXTRACT_STEP,)
    progress: ClassVar[dict[str, float]] = {EXTRACT_STEP: 1.0}

    def __init__(
        self,
        lifecycle: TaskLifecycle,
        queue: Queue,
        cache: Cache,
        policy: TaskPolicy,
        documents: DocumentRepository,
        uploads: UploadStore,
    ) -> None:
        super().__init__(lifecycle, queue, cache, policy)
        self._documents = documents
        self._uploads = uploads

    def run(self, step: str, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        tenant, document_id = record["tenant"], record["id"]
        key = upload_key(tenant, document_id)
        document = self._documents.get(tenant, document_id, with_text=False)
        if document is None:
            self._uploads.delete(key)
            raise TaskFailure("the document was deleted before its file was read", "document_deleted")
        if document.get("status") == "ready":  # a step run again after it had kept the text
            self._uploads.delete(key)
            return _done(document)
        stored = self._uploads.head(key)
        if stored is None:
            raise TaskFailure("no file arrived before the upload URL expired; upload it again", "upload_missing")
        declared_type = str(document["content_type"])
        try:
            if stored.size != int(document["size_bytes"]):
                raise FileRefused(
                    422,
                    "upload_mismatch",
                    f"the file that arrived has {stored.size} bytes; the upload declared {document['size_bytes']}",
                )
            if parse_content_type(stored.content_type)[0] != parse_content_type(declared_type)[0]:
                raise FileRefused(
                    422,
                    "upload_mismatch",
                    f"the file arrived as {stored.content_type or 'no content type'}; the upload declared "
                    f"{declared_type}",
                )
            file = read_file(self._uploads.read(key), declared_type, document.get("filename"))
        except FileRefused as refused:
            self._uploads.delete(key)
            raise TaskFailure(refused.detail, refused.code) from refused
        changes: dict[str, Any] = {
            "kind": file.kind,
            "chars": len(file.text),
            "pages": file.pages,
            "warnings": file.warnings,
        }
        if file.title and not document.get("title_given"):
            changes["title"] = file.title[:500]
        if not self._documents.complete(tenant, document_id, changes, file.text):
            self._uploads.delete(key)
            raise TaskFailure("the document was deleted while its file was read", "document_deleted")
        self._uploads.delete(key)
        return _done({**document, **changes})


def _done(document: dict[str, Any]) -> StepResult:
    pages = f", {document['pages']} pages" if document.get("pages") else ""
    kind = NAMES.get(str(document.get("kind")), "text")
    summary = {name: document.get(name) for name in ("kind", "chars", "pages")}
    return StepResult(
        output=summary, message=f"Read {document.get('chars')} characters from {kind}{pages}", data=summary
    )
