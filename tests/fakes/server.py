"""A small threaded JSON server with scripted faults: status codes, slowness, malformed bodies, outages."""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Fault:
    status: int = 500
    retry_after: str | None = None
    malformed: bool = False


class Refusal(Exception):
    """Raised by `answer` for a request the real API refuses (4xx), with its error body."""

    def __init__(self, status: int, message: str, type: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type


@dataclass
class Script:
    """What the next requests get. Faults are used up one by one; `down` and `delay` persist."""

    faults: deque[Fault] = field(default_factory=deque)
    down: bool = False
    delay: float = 0.0
    # Answers wait while this is clear: a caller holds the requests coming in (a run at its first provider call)
    # until it opens it.
    opened: threading.Event = field(default_factory=lambda: _set(threading.Event()))


def _set(event: threading.Event) -> threading.Event:
    event.set()
    return event


class FakeServer(ABC):
    name = "fake"

    def __init__(self, delay: float = 0.0) -> None:
        self.default_delay = delay  # seconds before every answer; `reset` restores it
        self.script = Script(delay=delay)
        self.requests: list[dict[str, Any]] = []
        self.answered = 0  # requests answered 200, what the real provider would bill
        self._lock = threading.Lock()
        self._current = threading.local()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.script = Script(delay=self.default_delay)
            self.requests.clear()
            self.answered = 0

    def fail_next(self, *statuses: int, retry_after: str | None = None) -> None:
        self.script.faults.extend(Fault(status=s, retry_after=retry_after) for s in statuses)

    def malformed_next(self, count: int = 1) -> None:
        self.script.faults.extend(Fault(status=200, malformed=True) for _ in range(count))

    def calls(self, path: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def request_headers(self) -> dict[str, str]:
        """The headers of the request being answered (in `answer`, on the thread serving it)."""
        return dict(getattr(self._current, "headers", {}))

    @abstractmethod
    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """The successful reply, in the wire format of the API being faked."""

    def malformed(self, path: str, body: dict[str, Any]) -> bytes:
        return b'{"truncated": '

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("content-length") or 0)
        raw = request.rfile.read(length)
        body = json.loads(raw or b"{}")
        self._current.headers = {k.lower(): v for k, v in request.headers.items()}
        # `received_at` (epoch seconds) compares with times other processes print; `status` is set once answered.
        entry = {
            "path": request.path,
            "body": body,
            "headers": dict(request.headers),
            "at": time.monotonic(),
            "received_at": time.time(),
            "status": None,
        }
        self._current.entry = entry
        with self._lock:
            self.requests.append(entry)
            fault = self.script.faults.popleft() if self.script.faults else None
            down, delay, opened = self.script.down, self.script.delay, self.script.opened
        opened.wait()
        if delay:
            time.sleep(delay)
        if down:
            fault = Fault(status=503)
        if fault and fault.malformed:
            self._send(request, 200, self.malformed(request.path, body))
        elif fault:
            headers = {"retry-after": fault.retry_after} if fault.retry_after else {}
            error = {"error": {"message": f"injected {fault.status}", "type": "server_error", "code": None}}
            self._send(request, fault.status, json.dumps(error).encode(), headers)
        else:
            try:
                reply = self.answer(request.path, body)
            except Refusal as refusal:
                refused = {"error": {"message": refusal.message, "type": refusal.type, "code": refusal.status}}
                self._send(request, refusal.status, json.dumps(refused).encode())
                return
            self._send(request, 200, json.dumps(reply).encode())

    def _send(
        self, request: BaseHTTPRequestHandler, status: int, payload: bytes, headers: dict[str, str] | None = None
    ) -> None:
        with self._lock:
            self._current.entry["status"] = status
            if status == 200:
                self.answered += 1
        request.send_response(status)
        request.send_header("content-type", "application/json")
        request.send_header("content-length", str(len(payload)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(payload)
