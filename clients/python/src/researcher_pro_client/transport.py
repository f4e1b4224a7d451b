"""Sending a call: headers, the Idempotency-Key, retries with backoff, and typed errors."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx

from researcher_pro_client.calls import Call
from researcher_pro_client.config import Config
from researcher_pro_client.errors import APIConnectionError, APITimeoutError, error_for
from researcher_pro_client.retries import RetryPolicy
from researcher_pro_client.version import __version__

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = f"researcher-pro-client/{__version__}"


def _request_args(config: Config, call: Call[Any], idempotency_key: str | None) -> dict[str, Any]:
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json, application/problem+json"}
    if call.authenticated:
        headers["Authorization"] = f"Bearer {config.api_key}"
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    absolute = call.path.startswith(("http://", "https://"))
    return {
        "method": call.method,
        "url": call.path if absolute else config.api_url + call.path,
        # None, not {}: an empty mapping would replace a query the URL has (a signed download URL's).
        "params": call.query() or None,
        "json": call.json,
        "files": call.files,
        "data": call.data,
        "headers": headers,
    }


def _key_for(call: Call[Any]) -> str | None:
    # One key per call, made before the first attempt: every retry of it carries the same one.
    if not call.starts_work:
        return None
    return call.idempotency_key or str(uuid.uuid4())


def _may_repeat(call: Call[Any], key: str | None) -> bool:
    return call.repeatable or key is not None


def _repeatable_failure(error: httpx.TransportError, call: Call[Any], key: str | None) -> bool:
    # A connection that was never made sent nothing, so even a one-off write may be sent again.
    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout) or _may_repeat(call, key)


def _connection_error(error: httpx.TransportError, call: Call[Any]) -> APIConnectionError:
    where = call.path if call.path.startswith("/") else "the download URL"
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"the API did not answer {call.method} {where} in time ({type(error).__name__})")
    return APIConnectionError(f"could not reach the API for {call.method} {where}: {error or type(error).__name__}")


class SyncTransport:
    def __init__(self, config: Config, retries: RetryPolicy, http: httpx.Client | None = None) -> None:
        self.config = config
        self.retries = retries
        self.http = http or httpx.Client(timeout=DEFAULT_TIMEOUT)

    def send[T](self, call: Call[T]) -> T:
        key = _key_for(call)
        retry = 0
        while True:
            retry += 1
            try:
                response = self.http.request(**_request_args(self.config, call, key))
            except httpx.TransportError as error:
                wait = self.retries.delay(retry) if _repeatable_failure(error, call, key) else None
                if wait is None:
                    raise _connection_error(error, call) from None
                time.sleep(wait)
                continue
            if response.is_success:
                return call.parse(response)
            if self.retries.retryable_status(response.status_code) and _may_repeat(call, key):
                wait = self.retries.delay(retry, response)
                if wait is not None:
                    response.close()
                    time.sleep(wait)
                    continue
            raise error_for(response)

    def close(self) -> None:
        self.http.close()


class AsyncTransport:
    def __init__(self, config: Config, retries: RetryPolicy, http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self.retries = retries
        self.http = http or httpx.AsyncClient(timeout=DEFAULT_TIMEOUT)

    async def send[T](self, call: Call[T]) -> T:
        key = _key_for(call)
        retry = 0
        while True:
            retry += 1
            try:
                response = await self.http.request(**_request_args(self.config, call, key))
            except httpx.TransportError as error:
                wait = self.retries.delay(retry) if _repeatable_failure(error, call, key) else None
                if wait is None:
                    raise _connection_error(error, call) from None
                await asyncio.sleep(wait)
                continue
            if response.is_success:
                return call.parse(response)
            if self.retries.retryable_status(response.status_code) and _may_repeat(call, key):
                wait = self.retries.delay(retry, response)
                if wait is not None:
                    await response.aclose()
                    await asyncio.sleep(wait)
                    continue
            raise error_for(response)

    async def close(self) -> None:
        await self.http.aclose()
