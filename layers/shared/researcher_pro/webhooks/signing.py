"""Secrets and signatures, per the Standard Webhooks specification, by its reference library.

A secret is `whsec_` and the base64 of 24 random bytes. Each delivery carries `webhook-id` (the delivery's
id, the same on every attempt), `webhook-timestamp` (unix seconds of this attempt) and `webhook-signature`:
`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per secret that is valid now, space-separated,
so a receiver holding either the new or the old secret of a rotation verifies it.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 24


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(delivery_id: str, body: str, valid_secrets: Sequence[str], at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt, signed with each of `valid_secrets`."""
    signatures = " ".join(Webhook(secret).sign(delivery_id, at, body) for secret in valid_secrets)
    return {
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }
