"""Watches: POST/GET /v1/watches, GET/PATCH/DELETE /v1/watches/{id}, run now, runs."""

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.api.routers import watches
from researcher_pro.config import get_settings
from researcher_pro.container import Container

app = create_app(Container(get_settings()), watches.router)
handler = lambda_handler_for(app)
