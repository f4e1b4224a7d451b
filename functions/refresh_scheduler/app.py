"""Scheduled: starts the watches whose next run time has come (and finishes starts that were cut short)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.config import get_settings
from researcher_pro.container import Container
from researcher_pro.observability import logger, metrics
from researcher_pro.tracing import tracer

watches = Container(get_settings()).watches


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = watches.run_due()
    logger.info("refresh done", extra=result)
    return result
