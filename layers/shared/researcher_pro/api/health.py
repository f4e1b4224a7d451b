"""/v1/health: no key needed."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from researcher_pro.core.config import VERSION, Settings


class Providers(BaseModel):
    search: Literal["perplexity", "offline"]
    model: Literal["openai", "offline"]


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    mode: Literal["online", "offline", "partial"]
    providers: Providers
    detail: str
    ws_url: str | None = Field(
        None, description="The WebSocket API clients follow progress on (`?token=<api key>`); null when there is none"
    )


def health_router(settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/v1/health", tags=["health"])

    @router.get("", summary="Is the service up, and which providers does it use?")
    def health() -> Health:
        search: Literal["perplexity", "offline"] = "offline" if settings.offline_search else "perplexity"
        model: Literal["openai", "offline"] = "offline" if settings.offline_model else "openai"
        offline = [
            name for name, value in (("PERPLEXITY_API_KEY", search), ("OPENAI_API_KEY", model)) if value == "offline"
        ]
        mode: Literal["online", "offline", "partial"] = (
            "offline" if len(offline) == 2 else "partial" if offline else "online"
        )
        detail = (
            "All providers are configured."
            if not offline
            else f"No {' or '.join(offline)}: research runs over your documents with extractive analysis."
        )
        return Health(
            status="ok",
            version=VERSION,
            mode=mode,
            providers=Providers(search=search, model=model),
            detail=detail,
            ws_url=settings.ws_url or None,
        )

    return router
