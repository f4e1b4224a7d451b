"""/v1/documents"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from researcher_pro.access.dependencies import Tenant
from researcher_pro.core.models import Page
from researcher_pro.core.problems import problems
from researcher_pro.core.query import Cursor, Limit
from researcher_pro.documents.files import READ, FileRefused
from researcher_pro.documents.models import (
    Document,
    DocumentCreate,
    DocumentForm,
    DocumentUpload,
    DocumentWithText,
    Title,
    UploadRequest,
)
from researcher_pro.providers.extract import parse_content_type

if TYPE_CHECKING:
    from researcher_pro.documents.service import DocumentService

# What a multipart body may carry around its file: boundaries, part headers (a long file name) and the title.
FORM_FRAMING_BYTES = 16 * 1024
_REF = "#/components/schemas/{model}"
_TITLE = TypeAdapter(Title)


def body_limit(max_body_bytes: int, max_file_bytes: int) -> int:
    """The largest request body the documents API reads: a JSON body's limit, or a file's with its form."""
    return max(max_body_bytes, max_file_bytes + FORM_FRAMING_BYTES)


def documents_router(documents: Callable[[], DocumentService], max_file_bytes: int) -> APIRouter:
    """`documents` gives the service when a request needs it (it is built on first use); files sent in the
    request body may have `max_file_bytes`."""
    router = APIRouter(prefix="/v1/documents", tags=["documents"])

    @router.post(
        "",
        status_code=201,
        response_model=Document,
        summary="Add a document to research over: text (JSON), or a file (multipart)",
        description=(
            f"As JSON, a title and its text. As `multipart/form-data`, a `file` ({READ}) of at most "
            f"{max_file_bytes} bytes and an optional `title`: its kind is read from its bytes and content type "
            "and its text extracted at once (larger files, up to 50 MiB: `POST /v1/documents/uploads`). A file "
            "that cannot be read is refused, naming the problem in `type` (`/problems/unsupported_file`, "
            "`encrypted_file`, `corrupt_file`, `no_text_layer`, `no_text`, `file_too_large`), and nothing is kept."
        ),
        responses=problems(
            (413, f"The body is too large: a file of more than {max_file_bytes} bytes, or a larger body"),
            (415, f"Neither JSON nor multipart/form-data, or a file that is not {READ}"),
            (422, "Invalid input, or a file whose text cannot be read (encrypted, damaged, no text layer)"),
        ),
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": DocumentCreate.model_json_schema(ref_template=_REF)},
                    "multipart/form-data": {"schema": DocumentForm.model_json_schema(ref_template=_REF)},
                },
            }
        },
    )
    async def create_document(request: Request, tenant: Tenant) -> Any:
        # The body is read here, not by FastAPI: one operation takes two media types.
        kind, _ = parse_content_type(request.headers.get("content-type"))
        if kind == "multipart/form-data":
            content, filename, content_type, title = await _form(request)
            return await run_in_threadpool(documents().create_from_file, tenant, content, filename, content_type, title)
        if kind and kind != "application/json" and not kind.endswith("+json"):
            raise FileRefused(
                415, "unsupported_media_type", f"send application/json or multipart/form-data, not {kind}"
            )
        body = _json_body(DocumentCreate, await request.body())
        return await run_in_threadpool(documents().create, tenant, body)

    @router.post(
        "/uploads",
        status_code=201,
        summary="Start a presigned upload of a large file (up to 50 MiB)",
        description=(
            "Returns the document, `pending`, and a form to POST the file with straight to storage before "
            "`upload.expires_at`: every one of `upload.fields`, then the file as `file`, with exactly the declared "
            "size and content type. Once it has landed the document is `processing`, then `ready` (or `failed`, "
            "with `error`); `GET /v1/documents/{document_id}` tells which."
        ),
        responses=problems((415, f"A content type that is not {READ}")),
    )
    def start_upload(body: UploadRequest, tenant: Tenant) -> DocumentUpload:
        return documents().start_upload(tenant, body)

    @router.get("", summary="List documents, newest first")
    def list_documents(tenant: Tenant, limit: Limit = 20, cursor: Cursor = None) -> Page[Document]:
        return documents().list(tenant, limit, cursor)

    @router.get("/{document_id}", summary="Read a document with its text")
    def get_document(document_id: str, tenant: Tenant) -> DocumentWithText:
        return documents().get(tenant, document_id)

    @router.delete("/{document_id}", status_code=204, response_class=Response, summary="Delete a document")
    def delete_document(document_id: str, tenant: Tenant) -> Response:
        documents().delete(tenant, document_id)
        return Response(status_code=204)

    return router


def _json_body(model: type[DocumentCreate], raw: bytes) -> DocumentCreate:
    """The body as FastAPI reads a JSON body, with its errors: malformed JSON, or fields named `body.<field>`."""
    try:
        value = json.loads(raw) if raw else None
    except (ValueError, RecursionError) as error:  # nested too deep for the parser is malformed too
        pos = getattr(error, "pos", 0)
        detail = getattr(error, "msg", str(error))
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body", pos), "msg": "JSON decode error", "ctx": {"error": detail}}]
        ) from error
    if value is None:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    try:
        return model.model_validate(value)
    except ValidationError as invalid:
        raise RequestValidationError(
            [{**issue, "loc": ("body", *issue["loc"])} for issue in invalid.errors(include_url=False)]
        ) from invalid


async def _form(request: Request) -> tuple[bytes, str | None, str | None, str | None]:
    """(file bytes, its name, its content type, the title) of a multipart body; 422 naming the field for
    anything else in it, as for a JSON body."""
    issues: list[dict[str, Any]] = []
    async with request.form(max_files=2, max_fields=4) as form:
        for name in dict.fromkeys(form.keys()):
            if name not in DocumentForm.model_fields:
                issues.append(
                    {"type": "extra_forbidden", "loc": ("body", name), "msg": "Extra inputs are not permitted"}
                )
        files = form.getlist("file")
        titles = form.getlist("title")
        if not files:
            issues.append({"type": "missing", "loc": ("body", "file"), "msg": "Field required"})
        elif len(files) > 1 or not isinstance(files[0], UploadFile):
            issues.append({"type": "file", "loc": ("body", "file"), "msg": "Expected one file, sent as a file part"})
        title: str | None = None
        if len(titles) > 1 or any(isinstance(t, UploadFile) for t in titles):
            issues.append({"type": "string_type", "loc": ("body", "title"), "msg": "Expected one text field"})
        elif titles:
            try:
                title = _TITLE.validate_python(titles[0])
            except ValidationError as invalid:
                issues += [{**i, "loc": ("body", "title")} for i in invalid.errors(include_url=False)]
        if issues:
            raise RequestValidationError(issues)
        upload = files[0]
        assert isinstance(upload, UploadFile)
        return await upload.read(), upload.filename, upload.content_type, title
