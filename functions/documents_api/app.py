"""Documents: the tenant's own sources."""

from functools import partial

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.core.config import get_settings
from researcher_pro.documents.router import documents_router
from researcher_pro.documents.wiring import document_service

settings = get_settings()
documents = partial(document_service, settings)
app = create_app(settings, documents_router(documents))
handler = lambda_handler_for(app, documents)
