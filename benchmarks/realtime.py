"""Real-time delivery: from an event's append to its arrival at a subscribed WebSocket client.

Research runs on the local cloud with fake model servers answering every call after CALL_DELAY_S
(so a run lasts long enough to subscribe before it ends). For each run, every connection subscribes
to the run's id with `after: 0`. A sample is an event's arrival time at one connection minus the
event's own `ts` (stamped by the worker just before the transaction that appends it, millisecond
precision, the same clock), counted only for events stamped after that connection's subscription
was acknowledged: live pushes, not replays of what happened before. The arrival time is when the
client's event loop read the message from its socket: the connections share one event loop, and the
time it then takes to get to each of 500 messages that arrived together is the benchmark's own.

Two ways, each its own figures:
- subscribed (the target's figures): the fake model servers hold the run at its first call until every
  connection's subscription is acknowledged, so every event of the run is pushed to all of them: what a
  push to that many subscribers costs.
- while subscribing (`while_subscribing`): every connection subscribes as the run starts and the run goes
  on meanwhile, so its first events meet the subscriptions still being made (and the replays they send):
  on the local cloud, one Python process on a few cores serves every one of those requests and every push.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import deque
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.frames import Frame, Opcode
from websockets.protocol import Event

from benchmarks.common import percentile, rounded
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.search_index import SearchIndex
from tests.fakes.server import FakeServer
from tests.fakes.web import FakeWeb
from tests.harness import Cloud

CALL_DELAY_S = 0.3
ENDINGS = {"research.completed", "research.failed", "research.cancelled"}
SUBSCRIBERS = (1, 50, 500)
RUNS = {1: 30, 50: 6, 500: 1}  # counted runs of each way, after one that is not (it meets cold containers)
WHILE_SUBSCRIBING = (50, 500)  # one subscription cannot meet another
TARGET_SUBSCRIBERS = 50
P99_THRESHOLD_MS = 250.0
CONNECTING_AT_ONCE = 8  # the local cloud runs $connect on a few containers: more only queue
OPEN_TIMEOUT_S = 60


class StampedConnection(ClientConnection):
    """A client connection that notes when each message was read from its socket."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: deque[float] = deque()
        self._read_at = 0.0

    def data_received(self, data: bytes) -> None:
        self._read_at = time.time()
        super().data_received(data)

    def process_event(self, event: Event) -> None:
        if isinstance(event, Frame) and event.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONT) and event.fin:
            self.arrivals.append(self._read_at)  # a whole message: a frame that ends one
        super().process_event(event)


def recv_timeout(subscribers: int) -> float:
    """How long a connection may wait for its next message: all of them subscribe at once, and the local cloud
    takes its time over hundreds of subscriptions."""
    return 120 + 1.5 * subscribers


async def follow(ws: StampedConnection, research_id: str, timeout: float, acked_now: asyncio.Event) -> list[float]:
    """Subscribe (`acked_now` is set when it is acknowledged), then the live events until the run ends: the
    latency of each (ms)."""
    await ws.send(json.dumps({"action": "subscribe", "research_id": research_id, "after": 0}))
    live: list[float] = []
    acked = None
    while True:
        raw = await asyncio.wait_for(ws.recv(), timeout)
        arrived = ws.arrivals.popleft()
        message = json.loads(raw)
        if message.get("type") == "subscribed":
            acked = arrived
            acked_now.set()
            continue
        if message.get("research_id") != research_id or "seq" not in message:
            continue
        stamped = datetime.fromisoformat(message["ts"]).timestamp()
        if acked is not None and stamped > acked:
            live.append((arrived - stamped) * 1000)
        if message["type"] in ENDINGS:
            if acked is None:
                raise RuntimeError("a run ended before its subscription was acknowledged")
            return live


async def measure_subscribers(cloud: Cloud, fakes: list[FakeServer], subscribers: int, runs: int) -> dict[str, Any]:
    url = f"{cloud.ws_url}?token={cloud.key}"
    connecting = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def opened() -> StampedConnection:
        async with connecting:
            connection = await connect(url, create_connection=StampedConnection, open_timeout=OPEN_TIMEOUT_S)
        assert isinstance(connection, StampedConnection)
        return connection

    async def followed(run: int, held: bool) -> list[list[float]]:
        """One run followed by every connection; `held`: its first model call waits for every subscription."""
        query = f"realtime benchmark {subscribers}/{run} {secrets.token_hex(4)}: how do tides work?"
        for fake in fakes if held else []:
            fake.script.opened.clear()
        try:
            research = cloud.start({"query": query, "depth": "quick"})
            acked = [asyncio.Event() for _ in sockets]
            following = [
                asyncio.ensure_future(follow(ws, research["id"], recv_timeout(subscribers), ack))
                for ws, ack in zip(sockets, acked, strict=True)
            ]
            if held:
                await asyncio.wait_for(asyncio.gather(*(ack.wait() for ack in acked)), recv_timeout(subscribers))
        finally:
            for fake in fakes:
                fake.script.opened.set()
        return list(await asyncio.gather(*following))

    sockets = await asyncio.gather(*(opened() for _ in range(subscribers)))
    figures: dict[str, Any] = {"subscribers": subscribers, "runs": runs}
    try:
        for held in (True, False) if subscribers in WHILE_SUBSCRIBING else (True,):
            samples: list[float] = []
            for run in range(runs + 1):
                results = await followed(run, held)
                if run:  # the first run meets cold containers
                    samples.extend(latency for live in results for latency in live)
            if not samples:
                raise RuntimeError("no live event arrived after a subscription was acknowledged")
            measured = {
                "samples": len(samples),
                "p50_ms": rounded(percentile(samples, 50)),
                "p99_ms": rounded(percentile(samples, 99)),
                "max_ms": rounded(max(samples)),
            }
            figures |= measured if held else {"while_subscribing": measured}
    finally:
        for ws in sockets:
            await ws.close()
    return figures


def measured_or_why_not(cloud: Cloud, fakes: list[FakeServer], subscribers: int) -> dict[str, Any]:
    """One subscriber count's figures; one that cannot be measured says why, and the others are kept."""
    try:
        return asyncio.run(measure_subscribers(cloud, fakes, subscribers, RUNS[subscribers]))
    except (TimeoutError, RuntimeError, OSError, WebSocketException) as error:
        return {"subscribers": subscribers, "error": f"{type(error).__name__}: {error}"}


def measure() -> dict[str, Any]:
    web = FakeWeb()  # what the fake Search API searches (its pages are never read)
    openai, perplexity = FakeOpenAI(), FakePerplexity(SearchIndex(web.search_documents()))
    openai.script.delay = perplexity.script.delay = CALL_DELAY_S
    env = {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": f"{openai.url}/v1",
        "PERPLEXITY_API_KEY": "pplx-test",
        "PERPLEXITY_BASE_URL": perplexity.url,
        "RP_LOCAL_TICK_SECONDS": "60",  # keeps the sweepers out of the measurements
    }
    try:
        with Cloud(env) as cloud:
            figures = {f"subscribers_{n}": measured_or_why_not(cloud, [openai, perplexity], n) for n in SUBSCRIBERS}
    finally:
        openai.close()
        perplexity.close()
        web.close()
    measured = figures[f"subscribers_{TARGET_SUBSCRIBERS}"]
    return {
        "fake_call_delay_s": CALL_DELAY_S,
        **figures,
        "target": {
            "description": (
                f"append-to-arrival p99 at most {P99_THRESHOLD_MS:.0f} ms with {TARGET_SUBSCRIBERS} connections "
                "subscribed to the run (the `while_subscribing` figures, of runs that go on while they subscribe, "
                "are reported beside it)"
            ),
            "threshold_ms": P99_THRESHOLD_MS,
            "met": "p99_ms" in measured and measured["p99_ms"] <= P99_THRESHOLD_MS,
        },
    }
