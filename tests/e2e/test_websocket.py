"""Real-time progress over the WebSocket API, with a real WebSocket client against the local cloud."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from researcher_pro.realtime.connections import ConnectionRepository
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.harness import Cloud

pytestmark = pytest.mark.e2e

Fakes = tuple[FakeOpenAI, FakePerplexity]
ENDINGS = {"research.completed", "research.failed", "research.cancelled"}
CONNECTIONS_TABLE = "researcher-pro-local-ConnectionsTable"
RECEIVE_TIMEOUT = 60


def url(cloud: Cloud, key: str | None) -> str:
    return cloud.ws_url if key is None else f"{cloud.ws_url}?token={key}"


async def receive(ws: ClientConnection) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)))


async def send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(json.dumps(message))


async def subscribe(ws: ClientConnection, research_id: str, after: int | None = 0) -> dict[str, Any]:
    message: dict[str, Any] = {"action": "subscribe", "research_id": research_id}
    if after is not None:
        message["after"] = after
    await send(ws, message)
    ack = await receive(ws)
    assert ack == {"type": "subscribed", "research_id": research_id, "after": after or 0}, ack
    return ack


async def until_the_end(ws: ClientConnection, seen: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    events = seen if seen is not None else []
    while not events or events[-1]["type"] not in ENDINGS:
        events.append(await receive(ws))
    return events


def test_a_bad_or_missing_token_is_refused_at_connect(online_cloud: Cloud) -> None:
    async def attempt(key: str | None) -> int:
        try:
            async with connect(url(online_cloud, key)):
                return 101
        except InvalidStatus as refused:
            return refused.response.status_code

    async def both() -> list[int]:
        return [await attempt("rp_not-a-key"), await attempt(None), await attempt("")]

    assert asyncio.run(both()) == [401, 401, 401]


def test_a_subscriber_receives_every_event_in_order_as_the_log_has_them(online_cloud: Cloud, fakes: Fakes) -> None:
    _, perplexity = fakes
    perplexity.script.delay = 0.3  # the run outlives the subscribe

    async def follow() -> tuple[str, list[dict[str, Any]]]:
        async with connect(url(online_cloud, online_cloud.key)) as ws:
            research = online_cloud.start({"query": "How do tides work?", "depth": "quick"})
            await subscribe(ws, research["id"], after=0)
            return research["id"], await until_the_end(ws)

    research_id, pushed = asyncio.run(follow())
    assert pushed[-1]["type"] == "research.completed"
    assert [e["seq"] for e in pushed] == list(range(1, len(pushed) + 1))
    assert pushed == online_cloud.events(research_id)


def test_another_tenants_research_is_an_error_and_brings_no_events(online_cloud: Cloud, fakes: Fakes) -> None:
    intruder_key = online_cloud.create_key("ws-intruder")

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        async with (
            connect(url(online_cloud, online_cloud.key)) as owner,
            connect(url(online_cloud, intruder_key)) as intruder,
        ):
            research = online_cloud.start({"query": "Who owns this research?", "depth": "quick"})
            await send(intruder, {"action": "subscribe", "research_id": research["id"], "after": 0})
            refused = await receive(intruder)
            await subscribe(owner, research["id"], after=0)
            owned = await until_the_end(owner)
            # Every push of the run has gone out by now; the intruder's next message is its pong.
            await send(intruder, {"action": "ping"})
            return refused, await receive(intruder), owned

    refused, after_the_run, owned = asyncio.run(scenario())
    assert refused["type"] == "error" and "no research" in refused["detail"]
    assert after_the_run == {"type": "pong"}
    assert owned[-1]["type"] == "research.completed"


def test_a_dropped_socket_resumes_with_after_and_ends_with_the_whole_log_once(
    online_cloud: Cloud, fakes: Fakes
) -> None:
    _, perplexity = fakes
    perplexity.script.delay = 1.0

    async def scenario() -> tuple[str, list[dict[str, Any]]]:
        async with connect(url(online_cloud, online_cloud.key)) as first:
            research = online_cloud.start({"query": "Why do sleeper trains return?", "depth": "quick"})
            await subscribe(first, research["id"], after=0)
            received = [await receive(first)]
        # Offline for a while: the run moves on without us.
        while len(online_cloud.events(research["id"])) <= received[-1]["seq"]:
            await asyncio.sleep(0.1)
        async with connect(url(online_cloud, online_cloud.key)) as second:
            await subscribe(second, research["id"], after=received[-1]["seq"])
            return research["id"], await until_the_end(second, received)

    research_id, received = asyncio.run(scenario())
    assert received[-1]["type"] == "research.completed"
    assert received == online_cloud.events(research_id)


def test_a_client_that_vanished_without_disconnect_is_deleted_on_its_first_410(
    online_cloud: Cloud, fakes: Fakes
) -> None:
    _, perplexity = fakes
    perplexity.script.delay = 0.3
    connections = ConnectionRepository(CONNECTIONS_TABLE, db=online_cloud.aws("dynamodb"))
    ghost = "Z2hvc3QtY29ubj0="

    async def scenario() -> tuple[str, list[dict[str, Any]]]:
        async with connect(url(online_cloud, online_cloud.key)) as live:
            research = online_cloud.start({"query": "Where did the ghost go?", "depth": "quick"})
            # A connection API Gateway no longer has, still on record with a subscription.
            connections.connect(ghost, "dev", "2026-01-01T00:00:00.000Z", 2_000_000_000)
            assert connections.subscribe(ghost, "dev", f"research:{research['id']}", 0, 2_000_000_000)
            await subscribe(live, research["id"], after=0)
            return research["id"], await until_the_end(live)

    research_id, pushed = asyncio.run(scenario())
    assert pushed == online_cloud.events(research_id)  # the fan-out carried on past the 410
    assert connections.get_with_topics(ghost)[0] is None
    assert connections.subscriptions("dev", [ghost], f"research:{research_id}") == []


MALFORMED: list[tuple[str | bytes, str]] = [
    ("not json", "not JSON"),
    ("[1, 2]", "JSON object"),
    ('{"action": "dance"}', "unknown action 'dance'"),
    ('{"no_action": true}', "unknown action None"),
    ('{"action": "subscribe"}', "exactly one of"),
    ('{"action": "subscribe", "research_id": "res_1", "all": true}', "exactly one of"),
    ('{"action": "subscribe", "research_id": "res_1", "after": -1}', "after"),
    ('{"action": "subscribe", "research_id": "res_1", "after": "3"}', "after"),
    ('{"action": "subscribe", "all": true, "after": 3}', "after resumes one task's log"),
    ('{"action": "subscribe", "research_id": "res_1", "colour": "blue"}', "colour"),
    ('{"action": "subscribe", "research_id": "../../etc"}', "research_id"),
    ('{"action": "ping", "extra": 1}', "extra"),
    (b"\x00\x01binary", "binary frames"),
]


def test_malformed_messages_get_an_error_and_the_socket_stays_open(online_cloud: Cloud) -> None:
    async def scenario() -> list[dict[str, Any]]:
        replies = []
        async with connect(url(online_cloud, online_cloud.key)) as ws:
            for message, _ in MALFORMED:
                await ws.send(message)
                replies.append(await receive(ws))
            await send(ws, {"action": "ping"})
            replies.append(await receive(ws))
        return replies

    replies = asyncio.run(scenario())
    for (message, expected), reply in zip(MALFORMED, replies, strict=False):
        assert reply["type"] == "error" and expected in reply["detail"], (message, reply)
    assert replies[-1] == {"type": "pong"}


def test_subscribing_to_all_follows_every_run_of_the_tenant_and_unsubscribe_stops_it(
    online_cloud: Cloud, fakes: Fakes
) -> None:
    key = online_cloud.create_key("ws-watcher")
    http = online_cloud.client(key)

    async def scenario() -> tuple[str, list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
        async with connect(url(online_cloud, key)) as ws:
            await send(ws, {"action": "subscribe", "all": True})
            assert await receive(ws) == {"type": "subscribed", "all": True}
            research = online_cloud.start({"query": "What is new in geothermal?", "depth": "quick"}, http=http)
            pushed = [e for e in await until_the_end(ws) if e.get("research_id") == research["id"]]
            await send(ws, {"action": "unsubscribe", "all": True})
            unsubscribed = await receive(ws)
            second = online_cloud.start({"query": "And in tidal power?", "depth": "quick"}, http=http)
            online_cloud.wait(second["id"], http=http)
            await send(ws, {"action": "ping"})
            return research["id"], pushed, unsubscribed, await receive(ws)

    research_id, pushed, unsubscribed, after = asyncio.run(scenario())
    log = online_cloud.client(key).get(f"/v1/research/{research_id}/events").json()["items"]
    assert pushed[-1]["type"] == "research.completed"
    assert pushed == log[-len(pushed) :]  # live from the moment of subscribing, in order
    assert unsubscribed == {"type": "unsubscribed", "all": True}
    assert after == {"type": "pong"}


def test_the_management_api_answers_410_for_a_connection_that_is_gone(online_cloud: Cloud) -> None:
    management = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=online_cloud.ws_url.replace("ws://", "http://"),
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    for call in (
        lambda: management.post_to_connection(ConnectionId="bm9ib2R5", Data=b"{}"),
        lambda: management.get_connection(ConnectionId="bm9ib2R5"),
        lambda: management.delete_connection(ConnectionId="bm9ib2R5"),
    ):
        with pytest.raises(ClientError) as gone:
            call()
        assert gone.value.response["Error"]["Code"] == "GoneException"
        assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410
