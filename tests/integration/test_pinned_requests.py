"""Requests go only where the address guard said they may: to the address that was checked, with the URL's
host in the Host header, within one deadline. (Webhook deliveries, which are sent this way, are tested in
test_webhooks.py.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from researcher_pro.core.net import PinnedSession, Target


@dataclass
class Receiver:
    """An HTTP endpoint on 127.0.0.1 that keeps what it was sent and answers `status` (after `delay`)."""

    status: int = 204
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
            time.sleep(state.delay)
            self.send_response(state.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield state
    server.shutdown()
    server.server_close()


def test_a_request_goes_to_the_checked_address_with_the_urls_host(receiver: Receiver) -> None:
    # No DNS knows this name: the request can only arrive if it went to the address that was checked.
    url = f"http://hooks.example.test:{receiver.port}/inbox"
    target = Target("hooks.example.test", receiver.port, ["127.0.0.1"])
    with PinnedSession(time.monotonic() + 5) as session, session.send("GET", url, target) as response:
        assert response.status_code == 204
    assert receiver.received[0]["path"] == "/inbox"
    assert receiver.received[0]["headers"]["Host"] == f"hooks.example.test:{receiver.port}"


def test_the_next_checked_address_is_tried_when_one_does_not_connect(receiver: Receiver) -> None:
    # Nothing listens on ::1 there; every address of a target was checked, so the next one may be used.
    url = f"http://hooks.example.test:{receiver.port}/"
    closed = Target("hooks.example.test", receiver.port, ["::1", "127.0.0.1"])
    with PinnedSession(time.monotonic() + 5) as session, session.send("GET", url, closed) as response:
        assert response.status_code == 204


def test_a_url_on_another_host_than_the_checked_one_is_not_sent(receiver: Receiver) -> None:
    target = Target("hooks.example.test", receiver.port, ["127.0.0.1"])
    with (
        PinnedSession(time.monotonic() + 5) as session,
        pytest.raises(ValueError, match="not on the checked host"),
        session.send("GET", f"http://elsewhere.example.test:{receiver.port}/", target),
    ):
        pass
    assert receiver.received == []


def test_a_server_slower_than_the_deadline_is_given_up_at_the_deadline(receiver: Receiver) -> None:
    receiver.delay = 3.0
    target = Target("127.0.0.1", receiver.port, ["127.0.0.1"])
    started = time.monotonic()
    with (
        PinnedSession(time.monotonic() + 0.5) as session,
        pytest.raises(httpx.TimeoutException),
        session.send("GET", f"http://127.0.0.1:{receiver.port}/slow", target),
    ):
        pass
    assert time.monotonic() - started < 1.5
