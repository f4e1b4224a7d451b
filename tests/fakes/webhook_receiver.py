"""A webhook receiver on loopback, as a customer runs one: it answers each delivery with the next status of its
script (then 204), keeps what it was sent, and verifies signatures with the Standard Webhooks library."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.script: deque[int] = deque()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, raw))
                status = receiver.script.popleft() if receiver.script else 204
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks/researcher-pro"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def answer(self, *statuses: int) -> None:
        """The statuses of the next deliveries, in order; 204 after them."""
        self.script.extend(statuses)

    def requests(self, match: Callable[[dict[str, Any]], bool]) -> list[tuple[dict[str, str], bytes]]:
        return [(headers, raw) for headers, raw in list(self.received) if match(json.loads(raw))]

    def verified(
        self, secret: str, match: Callable[[dict[str, Any]], bool], count: int = 1, timeout: float = 30
    ) -> list[tuple[dict[str, str], dict[str, Any]]]:
        """The first `count` requests whose payload `match`es, each verified as a receiver verifies it."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.requests(match)
            if len(found) >= count:
                return [(headers, Webhook(secret).verify(raw, headers)) for headers, raw in found[:count]]
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} deliveries arrived: {self.received}")
            time.sleep(0.1)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
