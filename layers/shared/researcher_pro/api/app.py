"""The FastAPI app factory every API function uses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.middleware.gzip import GZipMiddleware

from researcher_pro.api.errors import install_error_handlers
from researcher_pro.api.limits import BodySizeLimit
from researcher_pro.config import VERSION
from researcher_pro.container import Container

SECURITY = {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "An API key: rp_…"}}


def create_app(container: Container, *routers: APIRouter) -> FastAPI:
    app = FastAPI(
        title="Researcher Pro",
        version=VERSION,
        description="Research questions in, cited answers out. Asynchronous, resumable, cost-capped.",
    )
    app.state.container = container
    for router in routers:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(BodySizeLimit, max_bytes=container.settings.max_body_bytes)
    build_schema = app.openapi

    def openapi_with_security() -> dict[str, Any]:
        # Built on first request, not at import: cold start is a user-visible cost.
        if app.openapi_schema is None:
            schema = build_schema()
            schema.setdefault("components", {})["securitySchemes"] = SECURITY
            schema["security"] = [{"bearerAuth": []}]
        return app.openapi_schema or {}

    app.openapi = openapi_with_security  # type: ignore[method-assign]
    return app
