"""The core room's shared parts, built once per container from the settings: the list cursors' signer."""

from __future__ import annotations

import secrets
from functools import cache

from researcher_pro.core.config import Settings
from researcher_pro.core.observability import logger
from researcher_pro.core.pagination import Cursors


@cache
def list_cursors(settings: Settings) -> Cursors:
    """Cursors signed with the deployment's cursor key (a generated secret), read once per container."""

    def key() -> bytes:
        if settings.cursor_secret_arn:
            from researcher_pro.core.secrets import secret_text

            return secret_text(settings.cursor_secret_arn).encode()
        # Outside a deployment (a test, a script): a key of this process alone; its cursors work only here.
        logger.warning("no cursor secret configured: list cursors are signed with a key of this process")
        return secrets.token_bytes(32)

    return Cursors(key)
