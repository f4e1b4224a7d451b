"""Research: POST/GET /v1/research, cancel, delete, events."""

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.api.routers import research
from researcher_pro.config import get_settings
from researcher_pro.container import Container

app = create_app(Container(get_settings()), research.router)
handler = lambda_handler_for(app)
