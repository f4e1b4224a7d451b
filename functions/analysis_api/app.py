"""Analyses: POST/GET /v1/analyses, events."""

from functools import partial

from researcher_pro.analyses.router import analyses_router
from researcher_pro.analyses.wiring import analysis_service
from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.core.config import get_settings

settings = get_settings()
analyses = partial(analysis_service, settings)
app = create_app(settings, analyses_router(analyses))
handler = lambda_handler_for(app, analyses)
