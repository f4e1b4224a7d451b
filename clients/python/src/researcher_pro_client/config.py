"""Where the API is and which key to use: from arguments, else from the environment.

- `api_url`: argument, else `RP_API_URL`, else the local cloud (`http://127.0.0.1:3000`).
- `api_key`: argument, else `RP_API_KEY`. Required.
- `ws_url` (the WebSocket API that pushes progress): argument, else `RP_WS_URL`, else the `ws_url` that
  `GET /v1/health` reports (a deployed stack and the local cloud both report theirs), else none. `off`
  (or `ws_url=False`) turns the WebSocket off. Without one, progress is followed by polling the event log.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from researcher_pro_client.errors import ResearcherProError

DEFAULT_API_URL = "http://127.0.0.1:3000"
WS_OFF = "off"


class ConfigurationError(ResearcherProError):
    """The client was not told enough to reach the API (no key, a URL that is not one)."""


@dataclass(frozen=True)
class Config:
    api_url: str
    api_key: str
    # None: ask the API's health route; "": no WebSocket, poll instead.
    ws_url: str | None

    @classmethod
    def resolve(
        cls,
        api_url: str | None = None,
        api_key: str | None = None,
        ws_url: str | bool | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Config:
        env = os.environ if environ is None else environ
        url = (api_url or env.get("RP_API_URL") or DEFAULT_API_URL).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ConfigurationError(f"the API URL must start with http:// or https://, not {url!r}")
        key = api_key or env.get("RP_API_KEY") or ""
        if not key:
            raise ConfigurationError("no API key: pass api_key= or set RP_API_KEY")
        return cls(url, key, _ws_url(ws_url, env.get("RP_WS_URL")))


def _ws_url(given: str | bool | None, from_env: str | None) -> str | None:
    if given is False:
        return ""
    chosen = given if isinstance(given, str) and given else (from_env or None)
    if chosen is None:
        return None
    if chosen.strip().lower() == WS_OFF:
        return ""
    if not chosen.startswith(("ws://", "wss://")):
        raise ConfigurationError(f"the WebSocket URL must start with ws:// or wss://, not {chosen!r}")
    return chosen.rstrip("/")
