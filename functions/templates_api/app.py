"""Templates: the tenant's own versioned research templates and the built-in ones."""

from researcher_pro.api.app import create_app
from researcher_pro.api.lambda_entry import lambda_handler_for
from researcher_pro.api.routers import templates
from researcher_pro.config import get_settings
from researcher_pro.container import Container

app = create_app(Container(get_settings()), templates.router)
handler = lambda_handler_for(app)
