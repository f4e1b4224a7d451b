"""Templates: the tenant's own versioned research templates and the built-in ones."""

from functools import partial

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.core.config import get_settings
from researcher_pro.templates.router import templates_router
from researcher_pro.templates.wiring import template_service

settings = get_settings()
templates = partial(template_service, settings)
app = create_app(settings, templates_router(templates))
handler = lambda_handler_for(app, templates)
