"""Checking a webhook delivery where it arrives: its Standard Webhooks signature, by the specification's own
library, so that a receiver trusts only what Researcher Pro sent, and only once it is fresh."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

__all__ = ["WebhookVerificationError", "verify"]


def verify(payload: bytes | str, headers: Mapping[str, str], secret: str) -> dict[str, Any]:
    """The event a delivery carries (`type`, `timestamp`, `data`), once its signature is checked against
    `secret` (the webhook's `whsec_…`) and its `webhook-timestamp` is within five minutes of now.

    `payload` is the request body exactly as received (parse it only after this); `headers` are the request's
    (any case). Raises WebhookVerificationError for a forged, altered, replayed-late or unsigned delivery.
    Deduplicate on `headers["webhook-id"]`: every attempt of one delivery carries the same id.
    """
    event: dict[str, Any] = Webhook(secret).verify(payload, dict(headers))
    return event
