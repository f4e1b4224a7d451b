"""Health, and the whole API's OpenAPI document and docs page (built when first asked for)."""

from functools import partial

from researcher_pro.api.app import create_app
from researcher_pro.api.document import whole_api
from researcher_pro.api.health import health_router
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.core.config import get_settings

settings = get_settings()
app = create_app(settings, health_router(settings), described_by=partial(whole_api, settings))
handler = lambda_handler_for(app, app.openapi)
