"""Research: POST/GET /v1/research, cancel, delete, events."""

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.core.config import get_settings
from researcher_pro.research.router import research_router
from researcher_pro.research.wiring import research_service
from researcher_pro.watches.wiring import event_sinks

settings = get_settings()


def research():  # built on the first request that needs it
    return research_service(settings, event_sinks(settings))


app = create_app(settings, research_router(research))
handler = lambda_handler_for(app, research)
