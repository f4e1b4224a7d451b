"""Scheduled: hands on the task ends and sends the webhook deliveries whose time has come and whose message
never came (a function died first, or the wait was longer than a queue delay can be)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.core.config import get_settings
from researcher_pro.core.observability import logger, metrics
from researcher_pro.watches.wiring import webhook_sweeper

sweeper = webhook_sweeper(get_settings())


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = sweeper.sweep()
    if any(result.values()):
        logger.info("webhook sweep done", extra=result)
    return result
