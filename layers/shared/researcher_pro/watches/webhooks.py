"""Webhooks: where a watch may send its results (never inside our network), and signed delivery.

A URL is accepted only if it is https and passes the address guard every fetch of ours passes
(core/net.py): every address its host resolves to is public. The check is repeated at send time and the
connection goes to an address that passed it, so a DNS answer that changes between check and send cannot
aim us at an internal address. Redirects are never followed. Loopback (and plain http) can be allowed for
local testing only.

Each delivery carries `X-ResearcherPro-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
keyed by the watch's secret; receivers recompute it and reject old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from researcher_pro.core.net import AddressPolicy, PinnedSession, Resolver, Target, UnsafeAddress, system_resolver
from researcher_pro.core.observability import logger

SIGNATURE_HEADER = "X-ResearcherPro-Signature"


class UnsafeWebhook(UnsafeAddress):
    pass


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookPolicy:
    """Webhook URLs: https to public addresses; with `allow_loopback`, also http and loopback."""

    def __init__(self, allow_loopback: bool = False, resolver: Resolver = system_resolver) -> None:
        self.allow_loopback = allow_loopback
        schemes = ("https", "http") if allow_loopback else ("https",)
        self._addresses = AddressPolicy(allow_loopback, schemes, resolver)

    def check(self, url: str) -> Target:
        """(host, port, addresses it may be reached at), or UnsafeWebhook saying why not."""
        try:
            return self._addresses.check(url)
        except UnsafeAddress as unsafe:
            raise UnsafeWebhook(f"webhook_url: {unsafe.detail}") from unsafe


class WebhookSender:
    """Delivers a signed JSON POST, retrying network errors, 429 and 5xx a few times; never raises."""

    def __init__(self, policy: WebhookPolicy, timeout_seconds: float = 5.0, attempts: int = 3) -> None:
        self._policy = policy
        self._timeout = timeout_seconds
        self._attempts = attempts

    def deliver(self, url: str, secret: str, event_type: str, delivery_id: str, payload: dict[str, Any]) -> bool:
        import httpx  # only the worker delivers; API cold starts do not pay for it

        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        for attempt in range(1, self._attempts + 1):
            try:
                target = self._policy.check(url)  # again: the answer may have changed
            except UnsafeWebhook as unsafe:
                logger.warning("webhook not sent", extra={"reason": unsafe.detail})
                return False
            timestamp = int(time.time())
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "ResearcherPro-Webhook/1",
                SIGNATURE_HEADER: sign(secret, timestamp, body),
                "X-ResearcherPro-Event": event_type,
                "X-ResearcherPro-Delivery": delivery_id,
            }
            try:
                with (
                    PinnedSession(time.monotonic() + self._timeout) as session,
                    session.send("POST", url, target, headers=headers, content=body) as response,
                ):
                    status = response.status_code
                if status < 300:
                    return True
                retry = status == 429 or status >= 500
                logger.warning("webhook refused", extra={"status": status, "attempt": attempt})
                if not retry:
                    return False
            except httpx.HTTPError as error:
                logger.warning("webhook failed", extra={"error": type(error).__name__, "attempt": attempt})
            if attempt < self._attempts:
                time.sleep(0.5 * 2 ** (attempt - 1))
        return False
