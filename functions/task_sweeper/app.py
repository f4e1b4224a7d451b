"""Scheduled: requeues research steps whose worker died or whose message was lost."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.config import get_settings
from researcher_pro.container import Container
from researcher_pro.observability import logger, metrics
from researcher_pro.tracing import tracer

sweeper = Container(get_settings()).sweeper


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = sweeper.sweep()
    logger.info("sweep done", extra=result)
    return result
