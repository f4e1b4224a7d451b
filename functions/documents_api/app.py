"""Documents: the tenant's own sources, as text or as files."""

from functools import partial

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.core.config import get_settings
from researcher_pro.documents.router import body_limit, documents_router
from researcher_pro.documents.wiring import document_service

settings = get_settings()
documents = partial(document_service, settings)
app = create_app(
    settings,
    documents_router(documents, settings.document_upload_max_bytes),
    max_body_bytes=body_limit(settings.max_body_bytes, settings.document_upload_max_bytes),
)
handler = lambda_handler_for(app, documents)
