"""The API Gateway management API: how a message reaches one WebSocket connection.

boto3's `apigatewaymanagementapi` client, pointed at the stage's endpoint (`RP_WS_MANAGEMENT_URL`).
botocore's standard retry mode already retries throttling, 5xx and connection errors with backoff;
the timeouts keep those retries brief, since a client can always catch up from the event log.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from researcher_pro.core.aws import LazyClient

# How many posts go out at once (the fan-out's pool), each on a connection the client keeps alive: so a
# burst of posts opens no new connection, and none waits for one.
POSTS_AT_ONCE = 16
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    connect_timeout=1,
    read_timeout=3,
    max_pool_connections=POSTS_AT_ONCE,
)


class ConnectionGone(Exception):
    """410 Gone: the client is no longer connected."""


class ConnectionGateway:
    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self._client: Any = LazyClient(
            lambda: boto3.session.Session().client("apigatewaymanagementapi", endpoint_url=endpoint_url, config=_CONFIG)
        )

    def post(self, connection_id: str, data: bytes) -> None:
        """Raises ConnectionGone on 410; any other error after botocore's retries."""
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        except ClientError as error:
            if _gone(error):
                raise ConnectionGone(connection_id) from error
            raise

    def close(self, connection_id: str) -> None:
        """Disconnect a client; a connection that is already gone is fine."""
        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except ClientError as error:
            if not _gone(error):
                raise


def _gone(error: ClientError) -> bool:
    response: dict[str, Any] = getattr(error, "response", {})
    return response.get("Error", {}).get("Code") == "GoneException" or (
        response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 410
    )
