"""The FastAPI app factory every API function uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.middleware.gzip import GZipMiddleware

from researcher_pro.api.contract import make_exact
from researcher_pro.api.errors import install_error_handlers
from researcher_pro.api.limits import BodySizeLimit
from researcher_pro.core.config import VERSION, Settings

SECURITY = {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key: rp_…"}}


def create_app(
    settings: Settings,
    *routers: APIRouter,
    described_by: Callable[[], FastAPI] | None = None,
    max_body_bytes: int | None = None,
) -> FastAPI:
    """An app serving `routers`. Its OpenAPI document describes them, or, with `described_by`, the app that
    function builds (the health function serves the whole API's document without serving its routes).
    Bodies may have `max_body_bytes` (default: the setting); a route that takes larger ones says so itself."""
    app = FastAPI(
        title="Researcher Pro",
        version=VERSION,
        description="Research questions in, cited answers out. Asynchronous, resumable, cost-capped.",
    )
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes or settings.max_body_bytes)
    build_schema = app.openapi

    def openapi_with_security() -> dict[str, Any]:
        # Built on first request, not at import: cold start is a user-visible cost.
        if app.openapi_schema is None:
            if described_by:
                app.openapi_schema = described_by().openapi()  # made exact by that app's own builder
                return app.openapi_schema
            schema = build_schema()
            schema.setdefault("components", {})["securitySchemes"] = SECURITY
            schema["security"] = [{"bearerAuth": []}]
            app.openapi_schema = make_exact(schema, app, settings.max_body_bytes)
        return app.openapi_schema

    app.openapi = openapi_with_security  # type: ignore[method-assign]
    return app
