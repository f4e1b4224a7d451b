"""Retries, typed errors and the Idempotency-Key, against a scripted server standing in for a misbehaving
network (statuses and Retry-After on demand), and once through it to the real local cloud."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import pytest
from researcher_pro_client import (
    APIConnectionError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    UnprocessableEntityError,
)
from researcher_pro_client.errors import APIError

from tests.clients.scripted import ScriptedServer, Step, problem
from tests.harness import Cloud, free_port

FAST = RetryPolicy(max_retries=3, initial_delay=0.01, max_delay=0.05)
HEALTH = {
    "status": "ok",
    "version": "1",
    "mode": "offline",
    "providers": {"search": "offline", "model": "offline"},
    "detail": "",
    "ws_url": None,
}
RESEARCH = {
    "id": "res_1",
    "query": "q",
    "depth": "quick",
    "sources_requested": ["web"],
    "status": "queued",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()


def client_of(server: ScriptedServer, retries: RetryPolicy = FAST) -> Client:
    return Client(server.url, "rp_test", ws_url=False, retries=retries)


def test_a_5xx_is_retried_until_it_succeeds(scripted: ScriptedServer) -> None:
    scripted.script(problem(503, "down"), problem(500, "oops"), Step(200, body=HEALTH))
    with client_of(scripted) as rp:
        assert rp.health().status == "ok"
    assert len(scripted.seen) == 3


def test_429_waits_as_long_as_retry_after_says_in_seconds(scripted: ScriptedServer) -> None:
    scripted.script(problem(429, "slow down", headers={"Retry-After": "1"}), Step(200, body=HEALTH))
    with client_of(scripted) as rp:
        rp.health()
    first, second = scripted.seen
    assert second.at - first.at >= 0.95


def test_retry_after_may_be_an_http_date(scripted: ScriptedServer) -> None:
    # An HTTP date has whole seconds: two seconds ahead is at least one second away.
    later = formatdate(time.time() + 2, usegmt=True)
    scripted.script(problem(503, "maintenance", headers={"Retry-After": later}), Step(200, body=HEALTH))
    with client_of(scripted) as rp:
        rp.health()
    first, second = scripted.seen
    assert second.at - first.at >= 0.9


def test_a_retry_after_too_long_to_wait_is_raised_with_it(scripted: ScriptedServer) -> None:
    scripted.script(problem(429, "daily budget spent", headers={"Retry-After": "3600"}))
    with client_of(scripted) as rp, pytest.raises(RateLimitError) as raised:
        rp.research.create("q")
    assert len(scripted.seen) == 1
    assert raised.value.retry_after == pytest.approx(3600, abs=5)


def test_a_422_is_raised_at_once_with_its_problem_detail(scripted: ScriptedServer) -> None:
    errors = [{"field": "body.query", "message": "String should have at most 2000 characters", "type": "too_long"}]
    scripted.script(problem(422, "Invalid request: body.query", errors=errors), Step(200, body=RESEARCH))
    with client_of(scripted) as rp, pytest.raises(UnprocessableEntityError) as raised:
        rp.research.create("q" * 3000)
    assert len(scripted.seen) == 1, "a refused request must not be sent again"
    error = raised.value
    assert (error.status, error.detail, error.errors, error.code) == (
        422,
        "Invalid request: body.query",
        errors,
        "p422",
    )
    assert str(error) == (
        "422 Status 422: Invalid request: body.query (body.query: String should have at most 2000 characters)"
    )


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, PayloadTooLargeError),
        (418, BadRequestError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
    ],
)
def test_each_status_raises_its_own_error_carrying_the_problem(
    scripted: ScriptedServer, status: int, kind: type[APIError]
) -> None:
    scripted.script(problem(status, f"detail of {status}"))
    with client_of(scripted, RetryPolicy(max_retries=0)) as rp, pytest.raises(APIError) as raised:
        rp.research.get("res_1")
    assert type(raised.value) is kind
    assert (raised.value.status, raised.value.detail, raised.value.type) == (
        status,
        f"detail of {status}",
        f"/problems/p{status}",
    )
    assert "\n" not in str(raised.value)


def test_retries_stop_after_the_policys_count(scripted: ScriptedServer) -> None:
    scripted.script(*(problem(503, "down") for _ in range(5)))
    with client_of(scripted, RetryPolicy(max_retries=2, initial_delay=0.01)) as rp, pytest.raises(InternalServerError):
        rp.health()
    assert len(scripted.seen) == 3


def test_every_retry_of_a_start_carries_the_same_idempotency_key(scripted: ScriptedServer) -> None:
    scripted.script(
        problem(503, "down"), problem(502, "bad gateway"), Step(202, body=RESEARCH), Step(202, body=RESEARCH)
    )
    with client_of(scripted) as rp:
        rp.research.create("q")
        rp.research.create("q", idempotency_key="mine-1")
    keys = [seen.headers.get("idempotency-key") for seen in scripted.seen]
    assert keys[0] == keys[1] == keys[2] and uuid.UUID(str(keys[0])).version == 4
    assert keys[3] == "mine-1"


def test_a_write_without_an_idempotency_key_is_not_sent_twice(scripted: ScriptedServer) -> None:
    scripted.script(problem(503, "down"), Step(201, body={}))
    with client_of(scripted) as rp, pytest.raises(InternalServerError):
        rp.documents.create("A title", "Some text")
    assert len(scripted.seen) == 1


def test_an_unreachable_api_is_retried_then_a_connection_error() -> None:
    started = time.monotonic()
    unreachable = Client(f"http://127.0.0.1:{free_port()}", "rp_test", ws_url=False, retries=FAST)
    with unreachable as rp, pytest.raises(APIConnectionError, match="could not reach the API"):
        rp.health()
    assert time.monotonic() - started < 5


def test_the_async_client_retries_alike(scripted: ScriptedServer) -> None:
    scripted.script(problem(500, "oops"), Step(202, body=RESEARCH), problem(422, "no"))

    async def run() -> Any:
        async with AsyncClient(scripted.url, "rp_test", ws_url=False, retries=FAST) as rp:
            started = await rp.research.create("q")
            with pytest.raises(UnprocessableEntityError):
                await rp.research.create("q")
            return started

    assert asyncio.run(run()).id == "res_1"
    assert len(scripted.seen) == 3
    assert scripted.seen[0].headers["idempotency-key"] == scripted.seen[1].headers["idempotency-key"]


@pytest.mark.e2e
def test_a_start_whose_answer_was_lost_is_retried_and_starts_one_run(offline_cloud: Cloud) -> None:
    proxy = ScriptedServer(upstream=offline_cloud.url)
    # The API starts the run, then the answer is lost on the way back: the client sees a 502 and retries.
    proxy.script(Step(forward=True, then_status=502), Step(forward=True))
    query = f"Lost answer {uuid.uuid4().hex}"
    try:
        with Client(proxy.url, offline_cloud.key, ws_url=False, retries=FAST) as rp:
            started = rp.research.create(query, depth="quick", sources=["documents"])
    finally:
        proxy.close()
    assert proxy.seen[0].headers["idempotency-key"] == proxy.seen[1].headers["idempotency-key"]
    runs = offline_cloud.http.get("/v1/research", params={"limit": 100}).json()["items"]
    assert [run["id"] for run in runs if run["query"] == query] == [started.id]
