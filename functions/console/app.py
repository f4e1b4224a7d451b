"""GET /console: one page to try Researcher Pro in a browser. It takes an API key, starts or opens a
research run, follows it over the WebSocket API (resuming with `after` if the socket drops), and shows
its progress, its answer rendered from Markdown, its sources and what it cost; it also uploads documents.

GET /console/static/{name}: the page's script and style sheet, and the browser libraries it renders the
answer with (marked, then DOMPurify; vendored in static/vendor, pinned in vendor.json). They are served
from this origin because the page's Content-Security-Policy allows no other, and each URL carries a hash
of its content, so a browser may keep it for good. There is no build step: the files are served as they are.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import secrets
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from researcher_pro.core.config import get_settings
from researcher_pro.core.snapstart import register_restore_hooks

WS_URL = get_settings().ws_url
register_restore_hooks()

HERE = Path(__file__).parent
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
STATIC_HEADERS = {
    "cache-control": "public, max-age=31536000, immutable",
    "x-content-type-options": "nosniff",
    "cross-origin-resource-policy": "same-origin",
}


class Asset(NamedTuple):
    body: str
    media_type: str
    url: str


def _assets() -> dict[str, Asset]:
    assets = {}
    for path in sorted([*(HERE / "static").iterdir(), *(HERE / "static" / "vendor").iterdir()]):
        media_type = MEDIA_TYPES.get(path.suffix)
        if media_type is not None:
            body = path.read_text(encoding="utf-8")
            version = hashlib.sha256(body.encode()).hexdigest()[:16]
            assets[path.name] = Asset(body, media_type, f"/console/static/{path.name}?v={version}")
    return assets


# Read once per container; the function's folder is the deployment package, so the files ship with it.
ASSETS = _assets()
PAGE = re.sub(
    r"__ASSET:([\w.-]+)__",
    lambda found: ASSETS[found.group(1)].url,
    (HERE / "console.html").read_text(encoding="utf-8"),
)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    name = (event.get("pathParameters") or {}).get("name")
    if name is None:
        return _page()
    asset = ASSETS.get(name)
    if asset is None:
        problem = {"type": "/problems/not_found", "title": "Not found", "status": 404, "detail": "No such file"}
        return {
            "statusCode": 404,
            "headers": {"content-type": "application/problem+json"},
            "body": json.dumps(problem),
        }
    return {"statusCode": 200, "headers": {"content-type": asset.media_type, **STATIC_HEADERS}, "body": asset.body}


def _page() -> dict[str, Any]:
    nonce = secrets.token_urlsafe(16)
    page = PAGE.replace("__WS_URL__", html.escape(WS_URL, quote=True)).replace("__NONCE__", nonce)
    # Scripts and styles only with this response's nonce, and no HTML string reaches the DOM unless it is a
    # Trusted Type made by DOMPurify's policy: the answer, sources and titles come from the web and models.
    policy = (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        f"connect-src 'self' {_origin(WS_URL)}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
        "require-trusted-types-for 'script'; trusted-types dompurify"
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
