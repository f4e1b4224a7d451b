"""Scheduled: starts the watches whose next run time has come (and finishes starts that were cut short)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.core.config import get_settings
from researcher_pro.core.observability import logger, metrics
from researcher_pro.watches.wiring import watch_scheduler

scheduler = watch_scheduler(get_settings())


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = scheduler.run_due()
    logger.info("refresh done", extra=result)
    return result
