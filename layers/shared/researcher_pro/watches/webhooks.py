"""Webhooks: where a watch may send its results (never inside our network), and signed delivery.

A URL is accepted only if it is https and every address its host resolves to is public. The check is
repeated at send time and the connection goes to an address that passed it (the TLS name and Host header
stay the URL's), so a DNS answer that changes between check and send cannot aim us at an internal
address. Redirects are never followed. Loopback (and plain http) can be allowed for local testing only.

Each delivery carries `X-ResearcherPro-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`
keyed by the watch's secret; receivers recompute it and reject old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from researcher_pro.core.errors import InvalidInput
from researcher_pro.core.observability import logger

SIGNATURE_HEADER = "X-ResearcherPro-Signature"
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class UnsafeWebhook(InvalidInput):
    pass


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _forbidden(address: Address, allow_loopback: bool) -> str | None:
    """Why `address` may not be called, or None when it may."""
    mapped = getattr(address, "ipv4_mapped", None) or getattr(address, "sixtofour", None)
    if mapped is not None:
        return _forbidden(mapped, allow_loopback)
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    checks = (
        ("is_unspecified", "an unspecified address"),
        ("is_link_local", "a link-local address"),
        ("is_multicast", "a multicast address"),
        ("is_reserved", "a reserved address"),
        ("is_private", "a private address"),
    )
    for attribute, reason in checks:
        if getattr(address, attribute):
            return reason
    if not address.is_global:
        return "an address that is not publicly routable"
    return None


class WebhookPolicy:
    def __init__(self, allow_loopback: bool = False, resolver: Resolver = system_resolver) -> None:
        self.allow_loopback = allow_loopback
        self._resolve = resolver

    def check(self, url: str) -> tuple[str, int, list[str]]:
        """(host, port, addresses it may be reached at), or UnsafeWebhook saying why not."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise UnsafeWebhook(f"webhook_url: not a valid URL ({error})") from error
        allowed_schemes = ("https", "http") if self.allow_loopback else ("https",)
        if parts.scheme.lower() not in allowed_schemes:
            raise UnsafeWebhook("webhook_url: must be an https:// URL")
        if parts.username or parts.password:
            raise UnsafeWebhook("webhook_url: must not carry credentials")
        host = parts.hostname
        if not host:
            raise UnsafeWebhook("webhook_url: has no host")
        port = port or (443 if parts.scheme.lower() == "https" else 80)
        try:
            addresses = self._resolve(host, port)
        except (OSError, UnicodeError) as error:
            raise UnsafeWebhook(f"webhook_url: the host {host!r} does not resolve") from error
        if not addresses:
            raise UnsafeWebhook(f"webhook_url: the host {host!r} does not resolve")
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            reason = _forbidden(address, self.allow_loopback)
            if reason:
                raise UnsafeWebhook(f"webhook_url: {host!r} resolves to {reason} ({address}), which is not allowed")
        return host, port, addresses


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
                host, port, addresses = self._policy.check(url)  # again: the answer may have changed
            except UnsafeWebhook as unsafe:
                logger.warning("webhook not sent", extra={"reason": unsafe.detail})
                return False
            parts = urlsplit(url)
            address = addresses[0]
            literal = f"[{address}]" if ":" in address else address
            target = parts._replace(netloc=f"{literal}:{port}").geturl()
            timestamp = int(time.time())
            headers = {
                "Host": parts.netloc.rsplit("@", 1)[-1],
                "Content-Type": "application/json",
                "User-Agent": "ResearcherPro-Webhook/1",
                SIGNATURE_HEADER: sign(secret, timestamp, body),
                "X-ResearcherPro-Event": event_type,
                "X-ResearcherPro-Delivery": delivery_id,
            }
            try:
                with httpx.Client(timeout=self._timeout, follow_redirects=False, trust_env=False) as http:
                    response = http.post(target, content=body, headers=headers, extensions={"sni_hostname": host})
                if response.status_code < 300:
                    return True
                retry = response.status_code == 429 or response.status_code >= 500
                logger.warning("webhook refused", extra={"status": response.status_code, "attempt": attempt})
                if not retry:
                    return False
            except httpx.HTTPError as error:
                logger.warning("webhook failed", extra={"error": type(error).__name__, "attempt": attempt})
            if attempt < self._attempts:
                time.sleep(0.5 * 2 ** (attempt - 1))
        return False
