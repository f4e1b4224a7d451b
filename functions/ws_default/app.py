"""WebSocket $default: subscribe, unsubscribe, ping; replies and replays go out through the management API."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.core.config import get_settings
from researcher_pro.core.observability import logger, metrics
from researcher_pro.core.snapstart import register_restore_hooks
from researcher_pro.realtime.wiring import realtime_service

realtime = realtime_service(get_settings())
register_restore_hooks()


@logger.inject_lambda_context
@metrics.log_metrics  # the messages it posted (replies, and what a subscription catches up on)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    realtime.receive(
        event["requestContext"]["connectionId"], event.get("body"), binary=bool(event.get("isBase64Encoded"))
    )
    return {"statusCode": 200}
