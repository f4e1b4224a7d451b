"""Scheduled: requeues task steps whose worker died or whose message was lost; ends tasks that keep stalling."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.core.config import get_settings
from researcher_pro.core.observability import logger, metrics
from researcher_pro.tasks.wiring import task_sweeper
from researcher_pro.watches.wiring import event_sinks

settings = get_settings()
sweeper = task_sweeper(settings, event_sinks(settings))


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = sweeper.sweep()
    logger.info("sweep done", extra=result)
    return result
