"""Lambda entry for an API function: Mangum in front, Powertools Logger and Metrics around."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from fastapi import FastAPI
from mangum import Mangum

from researcher_pro.core.observability import logger, metrics
from researcher_pro.core.snapstart import register_restore_hooks


class LambdaHandler:
    """`handler(event, context)` for an app. `services` are what its requests build on first use; they are
    built before a SnapStart snapshot instead, so that restored copies start with them."""

    def __init__(self, app: FastAPI, services: tuple[Callable[[], object], ...]) -> None:
        self.services = services
        register_restore_hooks(*services)
        asgi = Mangum(app, lifespan="off")

        @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
        @metrics.log_metrics
        def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
            return asgi(event, context)

        self._handle = handle

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        reply: dict[str, Any] = self._handle(event, context)
        return reply


def lambda_handler_for(app: FastAPI, *services: Callable[[], object]) -> LambdaHandler:
    return LambdaHandler(app, services)
