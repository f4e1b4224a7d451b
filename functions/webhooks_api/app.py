"""Webhooks: /v1/webhooks (CRUD, test, rotate the secret), deliveries and their retry."""

from functools import partial

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.core.config import get_settings
from researcher_pro.webhooks.router import webhooks_router
from researcher_pro.webhooks.wiring import webhook_service

settings = get_settings()
webhooks = partial(webhook_service, settings)
app = create_app(settings, webhooks_router(webhooks))
handler = lambda_handler_for(app, webhooks)
