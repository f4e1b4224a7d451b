"""A tiny HTTP server that answers from a script: a stand-in for a misbehaving network or gateway in front of
the API. A step either answers itself (a status, headers, a problem body) or passes the request on to the real
API, and may then lose the API's answer on the way back, as a dropped connection would."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


@dataclass
class Step:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | None = None
    forward: bool = False  # to the real API
    then_status: int | None = None  # after forwarding: answer this instead of what the API said


def problem(status: int, detail: str, **extra: Any) -> Step:
    headers = extra.pop("headers", {})
    return Step(
        status,
        headers,
        {"type": f"/problems/p{status}", "title": f"Status {status}", "status": status, "detail": detail, **extra},
    )


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class ScriptedServer:
    def __init__(self, upstream: str | None = None) -> None:
        self.steps: deque[Step] = deque()
        self.seen: list[Seen] = []
        self.upstream = upstream
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                scripted._handle(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    def script(self, *steps: Step) -> None:
        self.steps.extend(steps)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("content-length") or 0)
        body = request.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.seen.append(Seen(request.command, request.path, headers, body, time.monotonic()))
        step = self.steps.popleft() if self.steps else Step(forward=self.upstream is not None)
        status, reply_headers, payload = step.status, dict(step.headers), b""
        if step.forward:
            assert self.upstream is not None
            passed = {k: v for k, v in headers.items() if k not in {"host", "content-length", "connection"}}
            answer = httpx.request(request.command, self.upstream + request.path, headers=passed, content=body)
            status, payload = answer.status_code, answer.content
            reply_headers["content-type"] = answer.headers.get("content-type", "application/json")
        elif step.body is not None:
            payload = json.dumps(step.body).encode()
            reply_headers.setdefault(
                "content-type", "application/problem+json" if status >= 400 else "application/json"
            )
        if step.then_status is not None:
            status, payload = step.then_status, b""
        request.send_response(status)
        for name, value in reply_headers.items():
            request.send_header(name, value)
        request.send_header("content-length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)
