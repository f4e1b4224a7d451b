"""GET /console: one page to try Researcher Pro in a browser. It takes an API key, starts or picks a
research run, follows it over the WebSocket API (resuming with `after` if the socket drops) and shows
its progress and answer. No build step: the page is console.html as it is. Everything that comes
from data is set with textContent, never parsed as HTML."""

from __future__ import annotations

import html
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from researcher_pro.core.config import get_settings
from researcher_pro.core.snapstart import register_restore_hooks

WS_URL = get_settings().ws_url
register_restore_hooks()

# Read once per container; the function's folder is the deployment package, so the page ships with it.
PAGE = (Path(__file__).parent / "console.html").read_text(encoding="utf-8")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    nonce = secrets.token_urlsafe(16)
    page = PAGE.replace("__WS_URL__", html.escape(WS_URL, quote=True)).replace("__NONCE__", nonce)
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        f"connect-src 'self' {_origin(WS_URL)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
    return {
        "statusCode": 200,
        "headers": {
            "content-type": "text/html; charset=utf-8",
            "content-security-policy": policy,
            "cache-control": "no-store",
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
        },
        "body": page,
    }
