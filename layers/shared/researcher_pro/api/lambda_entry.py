"""Lambda entry for an API function: Mangum in front, Powertools Logger and Metrics around."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from fastapi import FastAPI
from mangum import Mangum

from researcher_pro.observability import logger, metrics

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def lambda_handler_for(app: FastAPI) -> Handler:
    asgi = Mangum(app, lifespan="off")

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return asgi(event, context)

    return handler
