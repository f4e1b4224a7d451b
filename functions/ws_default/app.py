"""WebSocket $default: subscribe, unsubscribe, ping; replies and replays go out through the management API."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.config import get_settings
from researcher_pro.container import Container
from researcher_pro.observability import logger

realtime = Container(get_settings()).realtime


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    realtime.receive(
        event["requestContext"]["connectionId"], event.get("body"), binary=bool(event.get("isBase64Encoded"))
    )
    return {"statusCode": 200}
