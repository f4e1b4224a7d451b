"""Usage: tokens, calls, cache hits and cost per day."""

from functools import partial

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.core.config import get_settings
from researcher_pro.usage.router import usage_router
from researcher_pro.usage.wiring import usage_service

settings = get_settings()
usage = partial(usage_service, settings)
app = create_app(settings, usage_router(usage))
handler = lambda_handler_for(app, usage)
