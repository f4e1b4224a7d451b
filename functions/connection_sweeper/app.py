"""Scheduled: closes and forgets WebSocket connections past API Gateway's 2-hour limit."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.core.config import get_settings
from researcher_pro.core.observability import logger
from researcher_pro.realtime.wiring import realtime_service

realtime = realtime_service(get_settings())


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    result = realtime.sweep()
    if result["removed"]:
        logger.info("expired connections removed", extra=result)
    return result
