"""Real-time delivery: from an event's append to its arrival at a subscribed WebSocket client.

Research runs on the local cloud with fake model servers answering every call after CALL_DELAY_S
(so a run lasts long enough to subscribe before it ends). For each run, every connection subscribes
to the run's id with `after: 0`. A sample is an event's arrival time at one connection minus the
event's own `ts` (stamped by the worker just before the transaction that appends it, millisecond
precision, the same clock), counted only for events stamped after that connection's subscription
was acknowledged: live pushes, not replays of what happened before. Every connection subscribes as
the run starts, so many of those pushes meet the subscriptions still being made; the `settled_`
figures are of the events stamped once every subscription was acknowledged. The arrival time is
when the client's event loop read the message from its socket: the connections share one event
loop, and the time it then takes to get to each of 500 messages that arrived together is the
benchmark's own.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException
from websockets.frames import Frame, Opcode
from websockets.protocol import Event

from benchmarks.common import median, percentile, rounded
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.search_index import SearchIndex
from tests.fakes.web import FakeWeb
from tests.harness import Cloud

CALL_DELAY_S = 0.3
ENDINGS = {"research.completed", "research.failed", "research.cancelled"}
SUBSCRIBERS = (1, 50, 500)
RUNS = {1: 30, 50: 6, 500: 1}
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


@dataclass
class Followed:
    acked: float  # when the subscription was acknowledged
    live: list[tuple[float, float]]  # each live event's ts and latency (ms)


async def follow(ws: StampedConnection, research_id: str, timeout: float) -> Followed:
    """Subscribe, then the live events until the run ends."""
    await ws.send(json.dumps({"action": "subscribe", "research_id": research_id, "after": 0}))
    live: list[tuple[float, float]] = []
    acked = None
    while True:
        raw = await asyncio.wait_for(ws.recv(), timeout)
        arrived = ws.arrivals.popleft()
        message = json.loads(raw)
        if message.get("type") == "subscribed":
            acked = arrived
            continue
        if message.get("research_id") != research_id or "seq" not in message:
            continue
        stamped = datetime.fromisoformat(message["ts"]).timestamp()
        if acked is not None and stamped > acked:
            live.append((stamped, (arrived - stamped) * 1000))
        if message["type"] in ENDINGS:
            if acked is None:
                raise RuntimeError("a run ended before its subscription was acknowledged")
            return Followed(acked, live)


async def measure_subscribers(cloud: Cloud, subscribers: int, runs: int) -> dict[str, Any]:
    url = f"{cloud.ws_url}?token={cloud.key}"
    connecting = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def opened() -> StampedConnection:
        async with connecting:
            connection = await connect(url, create_connection=StampedConnection, open_timeout=OPEN_TIMEOUT_S)
        assert isinstance(connection, StampedConnection)
        return connection

    sockets = await asyncio.gather(*(opened() for _ in range(subscribers)))
    try:
        samples: list[float] = []
        settled: list[float] = []  # of events stamped once every connection's subscription was acknowledged
        for run in range(runs + 1):
            query = f"realtime benchmark {subscribers}/{run} {secrets.token_hex(4)}: how do tides work?"
            research = cloud.start({"query": query, "depth": "quick"})
            results = await asyncio.gather(*(follow(ws, research["id"], recv_timeout(subscribers)) for ws in sockets))
            if run:  # the first run meets cold containers
                all_acked = max(result.acked for result in results)
                for result in results:
                    samples.extend(latency for _, latency in result.live)
                    settled.extend(latency for stamped, latency in result.live if stamped > all_acked)
    finally:
        for ws in sockets:
            await ws.close()
    if not samples:
        raise RuntimeError("no live event arrived after a subscription was acknowledged")
    figures: dict[str, Any] = {
        "subscribers": subscribers,
        "runs": runs,
        "samples": len(samples),
        "p50_ms": rounded(percentile(samples, 50)),
        "p99_ms": rounded(percentile(samples, 99)),
        "median_ms": rounded(median(samples)),
        "max_ms": rounded(max(samples)),
        "settled_samples": len(settled),
    }
    if settled:
        figures |= {
            "settled_p50_ms": rounded(percentile(settled, 50)),
            "settled_p99_ms": rounded(percentile(settled, 99)),
        }
    return figures


def measured_or_why_not(cloud: Cloud, subscribers: int) -> dict[str, Any]:
    """One subscriber count's figures; one that cannot be measured says why, and the others are kept."""
    try:
        return asyncio.run(measure_subscribers(cloud, subscribers, RUNS[subscribers]))
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
            figures = {f"subscribers_{n}": measured_or_why_not(cloud, n) for n in SUBSCRIBERS}
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
                "subscribed to the run"
            ),
            "threshold_ms": P99_THRESHOLD_MS,
            "met": "p99_ms" in measured and measured["p99_ms"] <= P99_THRESHOLD_MS,
        },
    }
