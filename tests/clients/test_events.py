"""`events()`: live over the WebSocket, resumed by seq after the server drops the socket mid-run, and from the
event log alone when no WebSocket can be reached. Either way: every event once, in order, to the end."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import boto3
import pytest
from researcher_pro_client import AsyncClient, Client
from researcher_pro_client.models import ResearchEvent

from tests.clients.conftest import QUESTION, subscribers
from tests.clients.scripted import ScriptedServer, Step
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.harness import Cloud, free_port

pytestmark = pytest.mark.e2e


def drop(cloud: Cloud, connection_id: str) -> None:
    """Close a client's socket from the server's side, as API Gateway does (idle, 2-hour limit, deploys)."""
    management = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=cloud.ws_url.replace("ws://", "http://"),
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    management.delete_connection(ConnectionId=connection_id)


def as_logged(events: list[ResearchEvent]) -> list[dict[str, Any]]:
    return [event.model_dump(exclude_none=True) for event in events]


def test_a_socket_dropped_mid_run_is_resumed_with_no_gap_and_no_duplicate(
    online_cloud: Cloud, online_sdk: Client, fakes: tuple[FakeOpenAI, FakePerplexity]
) -> None:
    _, perplexity = fakes
    perplexity.script.delay = 0.5  # the run outlives the drop
    started = online_sdk.research.create("Why do sleeper trains return?", depth="quick")
    received: list[ResearchEvent] = []
    connections: list[str] = []
    for event in online_sdk.research.events(started.id):
        received.append(event)
        # A replayed event can arrive just before its subscription is written (it is written where the replay
        # ended): the first one waits a moment for it.
        deadline = time.monotonic() + (10 if len(received) == 1 else 0)
        while not (live := subscribers(online_cloud, started.id) - set(connections)) and time.monotonic() < deadline:
            time.sleep(0.05)
        connections.extend(sorted(live))
        if len(received) == 1:
            assert connections, "the first event came without a subscribed socket"
            drop(online_cloud, connections[0])
    assert len(connections) >= 2, "the client did not reconnect after the drop"
    # How the run ends is the server's business (a loaded machine can time a step out); the events end with it.
    assert received[-1].type in {"research.completed", "research.failed", "research.cancelled"}
    log = online_cloud.events(started.id)
    assert [e.seq for e in received] == [e["seq"] for e in log] == list(range(1, len(log) + 1))
    assert as_logged(received) == [{k: v for k, v in e.items() if v is not None} for e in log]


def test_without_a_reachable_websocket_events_come_from_the_log(offline_cloud: Cloud) -> None:
    nowhere = f"ws://127.0.0.1:{free_port()}/dev"

    async def follow() -> list[ResearchEvent]:
        async with AsyncClient(offline_cloud.url, offline_cloud.key, ws_url=nowhere, poll_interval=0.2) as rp:
            if not (await rp.documents.list(limit=100)).items:
                await rp.documents.create("Heat pump primer", "Heat pumps keep working in cold climates.")
            started = await rp.research.create(QUESTION, depth="quick", sources=["documents"])
            return [event async for event in rp.research.events(started.id)]

    received = asyncio.run(follow())
    assert received and received[-1].type == "research.completed"
    log = offline_cloud.events(received[-1].research_id)
    assert [e.seq for e in received] == [e["seq"] for e in log]


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_a_run_that_ends_between_reading_the_log_and_its_status_still_yields_its_last_event(
    offline_cloud: Cloud, flavour: str
) -> None:
    """Read from the log alone, a run can commit its completion after the follower read the log and before it
    asked for the run's status: the follower must read the log once more, not stop one event short."""
    with Client(offline_cloud.url, offline_cloud.key, ws_url=False) as rp:
        if not rp.documents.list(limit=100).items:
            rp.documents.create("Heat pump primer", "Heat pumps keep working in cold climates.")
        finished = rp.research.wait(rp.research.create(QUESTION, depth="quick", sources=["documents"]).id, timeout=60)
    http = offline_cloud.client(offline_cloud.key)
    whole = http.get(f"/v1/research/{finished.id}/events", params={"after": 0, "limit": 100}).json()
    assert whole["items"][-1]["type"] == "research.completed"
    # The log as it was read while the run went on (all but its last event, then nothing new, twice: the second
    # time just before the completion was committed); then the run's status, and the log, as they are now.
    before, nothing_new = {**whole, "items": whole["items"][:-1]}, {**whole, "items": []}
    gateway = ScriptedServer(upstream=offline_cloud.url)
    gateway.script(Step(200, body=before), Step(200, body=nothing_new), Step(200, body=nothing_new), Step(forward=True))
    try:
        if flavour == "sync":
            with Client(gateway.url, offline_cloud.key, ws_url=False, poll_interval=0.05) as rp:
                received = list(rp.research.events(finished.id))
        else:

            async def follow() -> list[ResearchEvent]:
                async with AsyncClient(gateway.url, offline_cloud.key, ws_url=False, poll_interval=0.05) as rp:
                    return [event async for event in rp.research.events(finished.id)]

            received = asyncio.run(follow())
    finally:
        gateway.close()
    assert [e.seq for e in received] == [e["seq"] for e in whole["items"]]
    assert received[-1].type == "research.completed"
    log, status = f"/v1/research/{finished.id}/events", f"/v1/research/{finished.id}"
    assert [(s.method, s.path.split("?")[0]) for s in gateway.seen] == [
        ("GET", log),
        ("GET", log),
        ("GET", log),
        ("GET", status),
        ("GET", log),
    ]
