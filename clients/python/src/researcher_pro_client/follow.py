"""Following a task's progress events: live over the WebSocket API, from the event log when that fails.

Every event has a `seq` that grows by one per task, and the log (`GET …/events?after=`) holds all of them.
So a follower only has to remember the last `seq` it handed out: after a dropped socket it subscribes again
with `after` set to it, a gap (or a truncated event) is filled from the log, anything at or below it is a
duplicate and is skipped. Where no WebSocket can be reached it reads the log alone, every `poll_interval`.
It ends after the task's terminal event. A socket that cannot be opened at all sends the follower to the
log at once; one that drops after it worked is reopened a few times first.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel
from websockets.asyncio.client import ClientConnection as AsyncClientConnection
from websockets.asyncio.client import connect as aconnect
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from researcher_pro_client import calls
from researcher_pro_client.calls import Call
from researcher_pro_client.models import (
    TERMINAL_EVENT_TYPES,
    TERMINAL_STATUSES,
    AnalysisEvent,
    EventPage,
    ReportEvent,
    ResearchEvent,
)

TaskKind = Literal["research", "analysis", "report"]

# How long a quiet socket is trusted before the log is read in case a push was lost.
IDLE_SECONDS = 15.0
# Reconnects in a row that may fail before the follower settles for the log.
MAX_RECONNECTS = 3
OPEN_TIMEOUT = 10.0
# Socket failures worth a reconnect (or a fall back to the log): never a programming error.
SOCKET_ERRORS = (OSError, WebSocketException)


@dataclass(frozen=True)
class Stream[E: BaseModel]:
    """How one kind of task is followed: its subscribe field, its log and its event type."""

    id_field: str
    model: type[E]
    page: Callable[[str, int, int | None], Call[EventPage[E]]]
    # The task itself: a task that has ended but whose log no longer has its last event still ends.
    resource: Callable[[str], Call[Any]]


STREAMS: dict[TaskKind, Stream[Any]] = {
    "research": Stream("research_id", ResearchEvent, calls.research_events, calls.get_research),
    "analysis": Stream("analysis_id", AnalysisEvent, calls.analysis_events, calls.get_analysis),
    "report": Stream("report_id", ReportEvent, calls.report_events, calls.get_report),
}


class SocketRefused(Exception):
    """The WebSocket API refused this key or this subscription: the log will answer with the reason."""


class Cursor[E: BaseModel]:
    """What has been handed out so far; decides what a pushed message means."""

    def __init__(self, stream: Stream[E], task_id: str, after: int) -> None:
        self.stream = stream
        self.task_id = task_id
        self.last = after
        self.done = False

    def accept(self, event: E) -> bool:
        """Whether `event` is new (the next after the last one handed out); it then becomes the last."""
        seq = int(getattr(event, "seq", 0))
        if seq <= self.last:
            return False
        self.last = seq
        self.done = getattr(event, "type", "") in TERMINAL_EVENT_TYPES
        return True

    def read(self, raw: str | bytes) -> E | Literal["catch_up"] | None:
        """A pushed message as the event to hand out, "catch_up" when the log must be read first (a gap,
        or an event too large for one frame), or None when it is not news (an ack, a duplicate).
        An error about this task (not ours, no such task) raises `SocketRefused`."""
        try:
            message = json.loads(raw)
        except ValueError:
            return None
        if not isinstance(message, dict):
            return None
        if message.get("type") == "error":
            raise SocketRefused(str(message.get("detail") or "refused"))
        if message.get(self.stream.id_field) != self.task_id:
            return None
        seq = message.get("seq")
        if not isinstance(seq, int) or seq <= self.last:
            return None
        if seq > self.last + 1 or message.get("truncated"):
            return "catch_up"
        return self.stream.model.model_validate(message)

    def subscribe_message(self) -> str:
        return json.dumps({"action": "subscribe", self.stream.id_field: self.task_id, "after": self.last})


def socket_url(ws_url: str, api_key: str) -> str:
    return f"{ws_url}?token={quote(api_key, safe='')}"


def follow[E: BaseModel](
    send: Callable[[Call[Any]], Any],
    stream: Stream[E],
    task_id: str,
    after: int,
    ws_url: str | None,
    api_key: str,
    poll_interval: float,
) -> Iterator[E]:
    cursor = Cursor(stream, task_id, after)

    def catch_up() -> Iterator[E]:
        while not cursor.done:
            page: EventPage[E] = send(stream.page(task_id, cursor.last, 100))
            fresh = [event for event in page.items if cursor.accept(event)]
            yield from fresh
            if not fresh:
                return

    def live(socket: ClientConnection) -> Iterator[E]:
        socket.send(cursor.subscribe_message())
        while not cursor.done:
            try:
                raw: str | bytes | None = socket.recv(timeout=IDLE_SECONDS)
            except TimeoutError:
                raw = None
            read = "catch_up" if raw is None else cursor.read(raw)
            if read == "catch_up":
                yield from catch_up()
            elif read is not None and cursor.accept(read):
                yield read

    failures, connected = 0, False
    while ws_url and not cursor.done:
        try:
            with connect(socket_url(ws_url, api_key), open_timeout=OPEN_TIMEOUT) as socket:
                connected = True
                for event in live(socket):
                    failures = 0
                    yield event
        except (SocketRefused, InvalidStatus):
            break
        except SOCKET_ERRORS:
            failures += 1
            if not connected or failures > MAX_RECONNECTS:
                break
            time.sleep(reconnect_delay(failures))
    while not cursor.done:
        before = cursor.last
        yield from catch_up()
        if cursor.last == before and not cursor.done:
            if send(stream.resource(task_id)).status in TERMINAL_STATUSES:
                # It may have ended after the log was read: its last events are in the log by now.
                yield from catch_up()
                return
            time.sleep(poll_interval)


async def afollow[E: BaseModel](
    send: Callable[[Call[Any]], Awaitable[Any]],
    stream: Stream[E],
    task_id: str,
    after: int,
    ws_url: str | None,
    api_key: str,
    poll_interval: float,
) -> AsyncIterator[E]:
    cursor = Cursor(stream, task_id, after)

    async def catch_up() -> list[E]:
        caught: list[E] = []
        while not cursor.done:
            page: EventPage[E] = await send(stream.page(task_id, cursor.last, 100))
            fresh = [event for event in page.items if cursor.accept(event)]
            caught.extend(fresh)
            if not fresh:
                break
        return caught

    async def live(socket: AsyncClientConnection) -> AsyncIterator[E]:
        await socket.send(cursor.subscribe_message())
        while not cursor.done:
            try:
                raw: str | bytes | None = await asyncio.wait_for(socket.recv(), IDLE_SECONDS)
            except TimeoutError:
                raw = None
            read = "catch_up" if raw is None else cursor.read(raw)
            if read == "catch_up":
                for event in await catch_up():
                    yield event
            elif read is not None and cursor.accept(read):
                yield read

    failures, connected = 0, False
    while ws_url and not cursor.done:
        try:
            async with aconnect(socket_url(ws_url, api_key), open_timeout=OPEN_TIMEOUT) as socket:
                connected = True
                async for event in live(socket):
                    failures = 0
                    yield event
        except (SocketRefused, InvalidStatus):
            break
        except SOCKET_ERRORS:
            failures += 1
            if not connected or failures > MAX_RECONNECTS:
                break
            await asyncio.sleep(reconnect_delay(failures))
    while not cursor.done:
        before = cursor.last
        for event in await catch_up():
            yield event
        if cursor.last == before and not cursor.done:
            if (await send(stream.resource(task_id))).status in TERMINAL_STATUSES:
                # It may have ended after the log was read: its last events are in the log by now.
                for event in await catch_up():
                    yield event
                return
            await asyncio.sleep(poll_interval)


def reconnect_delay(failures: int) -> float:
    return float(min(2.0, 0.2 * 2**failures))
