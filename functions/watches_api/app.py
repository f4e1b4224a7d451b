"""Watches: POST/GET /v1/watches, GET/PATCH/DELETE /v1/watches/{id}, run now, runs."""

from functools import partial

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.core.config import get_settings
from researcher_pro.watches.router import watches_router
from researcher_pro.watches.wiring import watch_service

settings = get_settings()
watches = partial(watch_service, settings)
app = create_app(settings, watches_router(watches))
handler = lambda_handler_for(app, watches)
