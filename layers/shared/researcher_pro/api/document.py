"""The whole API in one app, to describe it: its OpenAPI document (`/openapi.json`, `/docs`). Each route is
served by its own function; this app only names them all, so it never builds a service."""

from __future__ import annotations

from fastapi import FastAPI

from researcher_pro.core.config import Settings


def whole_api(settings: Settings) -> FastAPI:
    from researcher_pro.analyses.router import analyses_router
    from researcher_pro.analyses.wiring import analysis_service
    from researcher_pro.api.app import create_app
    from researcher_pro.api.health import health_router
    from researcher_pro.documents.router import documents_router
    from researcher_pro.documents.wiring import document_service
    from researcher_pro.reports.router import reports_router
    from researcher_pro.reports.wiring import report_service
    from researcher_pro.research.router import research_router
    from researcher_pro.research.wiring import research_service
    from researcher_pro.templates.router import templates_router
    from researcher_pro.templates.wiring import template_service
    from researcher_pro.usage.router import usage_router
    from researcher_pro.usage.wiring import usage_service
    from researcher_pro.watches.router import watches_router
    from researcher_pro.watches.wiring import watch_service
    from researcher_pro.webhooks.router import webhooks_router
    from researcher_pro.webhooks.wiring import webhook_service

    return create_app(
        settings,
        health_router(settings),
        research_router(lambda: research_service(settings, ())),
        analyses_router(lambda: analysis_service(settings)),
        reports_router(lambda: report_service(settings)),
        documents_router(lambda: document_service(settings), settings.document_upload_max_bytes),
        usage_router(lambda: usage_service(settings)),
        templates_router(lambda: template_service(settings)),
        watches_router(lambda: watch_service(settings)),
        webhooks_router(lambda: webhook_service(settings)),
    )
