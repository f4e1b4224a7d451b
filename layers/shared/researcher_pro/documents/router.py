"""/v1/documents"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fastapi import APIRouter, Response

from researcher_pro.access.dependencies import Tenant
from researcher_pro.core.models import Page
from researcher_pro.core.query import Cursor, Limit
from researcher_pro.documents.models import Document, DocumentCreate, DocumentWithText

if TYPE_CHECKING:
    from researcher_pro.documents.service import DocumentService


def documents_router(documents: Callable[[], DocumentService]) -> APIRouter:
    """`documents` gives the service when a request needs it (it is built on first use)."""
    router = APIRouter(prefix="/v1/documents", tags=["documents"])

    @router.post("", status_code=201, summary="Upload a document to research over")
    def create_document(body: DocumentCreate, tenant: Tenant) -> Document:
        return documents().create(tenant, body)

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
