"""/v1/documents"""

from __future__ import annotations

from fastapi import APIRouter, Response

from researcher_pro.api.dependencies import ContainerDep, Cursor, Limit, Tenant
from researcher_pro.models.common import Page
from researcher_pro.models.documents import Document, DocumentCreate, DocumentWithText

router = APIRouter(prefix="/v1/documents", tags=["documents"])


@router.post("", status_code=201, summary="Upload a document to research over")
def create_document(body: DocumentCreate, tenant: Tenant, services: ContainerDep) -> Document:
    return services.documents.create(tenant, body)


@router.get("", summary="List documents, newest first")
def list_documents(tenant: Tenant, services: ContainerDep, limit: Limit = 20, cursor: Cursor = None) -> Page[Document]:
    return services.documents.list(tenant, limit, cursor)


@router.get("/{document_id}", summary="Read a document with its text")
def get_document(document_id: str, tenant: Tenant, services: ContainerDep) -> DocumentWithText:
    return services.documents.get(tenant, document_id)


@router.delete("/{document_id}", status_code=204, response_class=Response, summary="Delete a document")
def delete_document(document_id: str, tenant: Tenant, services: ContainerDep) -> Response:
    services.documents.delete(tenant, document_id)
    return Response(status_code=204)
