"""Reports: POST/GET /v1/reports, GET /v1/reports/{id}, events."""

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.api.routers import reports
from researcher_pro.config import get_settings
from researcher_pro.container import Container

app = create_app(Container(get_settings()), reports.router)
handler = lambda_handler_for(app)
