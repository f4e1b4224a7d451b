"""Health, and the whole API's OpenAPI document and docs page (so it includes every router)."""

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.api.routers import analyses, documents, health, reports, research, templates, usage, watches
from researcher_pro.config import get_settings
from researcher_pro.container import Container

app = create_app(
    Container(get_settings()),
    health.router,
    research.router,
    analyses.router,
    reports.router,
    documents.router,
    usage.router,
    templates.router,
    watches.router,
)
handler = lambda_handler_for(app)
