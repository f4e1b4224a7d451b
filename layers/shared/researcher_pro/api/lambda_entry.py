"""Lambda entry for an API function: Mangum in front, Powertools around."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from fastapi import FastAPI
from mangum import Mangum

from researcher_pro.observability import logger, metrics, tracer

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


def lambda_handler_for(app: FastAPI) -> Handler:
    asgi = Mangum(app, lifespan="off")

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return asgi(event, context)

    return handler
