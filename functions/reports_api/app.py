"""Reports: POST/GET /v1/reports, GET /v1/reports/{id}, events."""

from functools import partial

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.core.config import get_settings
from researcher_pro.reports.router import reports_router
from researcher_pro.reports.wiring import report_service

settings = get_settings()
reports = partial(report_service, settings)
app = create_app(settings, reports_router(reports))
handler = lambda_handler_for(app, reports)
