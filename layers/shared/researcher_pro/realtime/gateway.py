"""The API Gateway management API: how a message reaches one WebSocket connection.

Posts, one per subscriber and event, are the fan-out's hot path, and boto3's client spent about twice the CPU
of the request itself on each (its event hooks, endpoint rules and response model, for a call whose answer is
a status), so that a post to 500 subscribers took more than a second of CPU. A post is therefore made as
boto3 would make it, but directly: the same request (`POST {stage}/@connections/{id}`), signed by botocore's
own SigV4 signer with the function's credentials, on urllib3's pool of kept-alive connections, as many as the
fan-out posts at once, so a burst of posts opens no new connection and none waits for one. It is retried as
boto3's standard mode retries (throttling, 5xx and connection errors), with shorter waits: a client can
always catch up from the event log. Closing a connection, which is rare, goes through boto3's client.
"""

from __future__ import annotations

import random
import time
from typing import Any
from urllib.parse import quote

import boto3
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError, NoCredentialsError, NoRegionError
from botocore.httpsession import get_cert_path

from researcher_pro.core.aws import LazyClient

# How many posts go out at once (the fan-out's pool), each on a connection the pool keeps alive.
POSTS_AT_ONCE = 16
POST_ATTEMPTS = 3
CONNECT_TIMEOUT_S, READ_TIMEOUT_S = 1.0, 3.0
BACKOFF_BASE_S, BACKOFF_CAP_S = 0.05, 0.5
# What boto3's standard retry mode retries: throttling (429) and server errors.
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": POST_ATTEMPTS},
    connect_timeout=CONNECT_TIMEOUT_S,
    read_timeout=READ_TIMEOUT_S,
)


class ConnectionGone(Exception):
    """410 Gone: the client is no longer connected."""


class PostRefused(Exception):
    """The management API refused a post, for good or after its retries."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(f"{status} {error_type}: {message}")
        self.status = status
        self.error_type = error_type


class _Poster:
    """PostToConnection as one signed request on a pooled connection."""

    def __init__(self, endpoint_url: str) -> None:
        session = boto3.session.Session()
        credentials = session.get_credentials()
        if credentials is None:
            raise NoCredentialsError()
        if not session.region_name:
            raise NoRegionError()
        self._credentials = credentials
        self._region: str = session.region_name
        self._endpoint = endpoint_url.rstrip("/")
        self._pool = urllib3.PoolManager(
            maxsize=POSTS_AT_ONCE,
            retries=False,
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S),
            ca_certs=get_cert_path(True),
        )

    def post_to_connection(self, connection_id: str, data: bytes) -> None:
        # The id quoted as botocore quotes a path parameter.
        url = f"{self._endpoint}/@connections/{quote(connection_id, safe='')}"
        for attempt in range(1, POST_ATTEMPTS + 1):
            request = AWSRequest(method="POST", url=url, data=data)
            SigV4Auth(self._credentials.get_frozen_credentials(), "execute-api", self._region).add_auth(request)
            try:
                response = self._pool.urlopen("POST", url, body=data, headers=dict(request.headers.items()))
            except urllib3.exceptions.HTTPError:
                if attempt == POST_ATTEMPTS:
                    raise
            else:
                if response.status < 300:
                    return
                if response.status == 410:
                    raise ConnectionGone(connection_id)
                if response.status not in RETRIED_STATUSES or attempt == POST_ATTEMPTS:
                    raise _refusal(response)
            # Full jitter: posts that failed together must not retry in step.
            time.sleep(random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2**attempt)))


class ConnectionGateway:
    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url
        self._poster: Any = LazyClient(lambda: _Poster(endpoint_url))
        self._client: Any = LazyClient(
            lambda: boto3.session.Session().client("apigatewaymanagementapi", endpoint_url=endpoint_url, config=_CONFIG)
        )

    def post(self, connection_id: str, data: bytes) -> None:
        """Raises ConnectionGone on 410; PostRefused, or urllib3's error, for anything else after the retries."""
        self._poster.post_to_connection(connection_id, data)

    def close(self, connection_id: str) -> None:
        """Disconnect a client; a connection that is already gone is fine."""
        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except ClientError as error:
            if not _gone(error):
                raise


def _refusal(response: Any) -> PostRefused:
    error_type = str(response.headers.get("x-amzn-errortype", "")).split(":", 1)[0]
    try:
        message = str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        message = response.data.decode("utf-8", "replace")[:200]
    return PostRefused(response.status, error_type or "Error", message)


def _gone(error: ClientError) -> bool:
    response: dict[str, Any] = getattr(error, "response", {})
    return response.get("Error", {}).get("Code") == "GoneException" or (
        response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 410
    )
