"""WebSocket $connect: `?token=<api key>` authenticates; a bad token is refused before a connection exists."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from researcher_pro.core.config import get_settings
from researcher_pro.core.errors import Unauthorized
from researcher_pro.core.observability import logger
from researcher_pro.core.snapstart import register_restore_hooks
from researcher_pro.realtime.wiring import realtime_service

realtime = realtime_service(get_settings())
register_restore_hooks()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    connection_id = event["requestContext"]["connectionId"]
    token = (event.get("queryStringParameters") or {}).get("token")
    try:
        tenant = realtime.connect(connection_id, token)
    except Unauthorized as error:
        return {"statusCode": 401, "body": error.detail}
    logger.info("connected", extra={"connection_id": connection_id, "tenant": tenant})
    return {"statusCode": 200}
