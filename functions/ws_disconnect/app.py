"""WebSocket $disconnect: forget the connection and its subscriptions."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.core.config import get_settings
from researcher_pro.core.observability import logger
from researcher_pro.core.snapstart import register_restore_hooks
from researcher_pro.realtime.wiring import realtime_service

realtime = realtime_service(get_settings())
register_restore_hooks()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    realtime.disconnect(event["requestContext"]["connectionId"])
    return {"statusCode": 200}
