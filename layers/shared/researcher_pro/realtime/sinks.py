"""Where committed events go next.

An event is first made durable in its task's log (the source of truth a reconnecting client reads);
only then is it handed to the sinks. A sink must never fail the task: it swallows and logs its own
errors, because the client can always catch up from the log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from researcher_pro.core.observability import logger


class EventSink(Protocol):
    def emitted(self, tenant: str, event: dict[str, Any]) -> None:
        """`event` is committed (it carries its `seq` when it belongs to a task's log)."""
        ...


def emit(sinks: Sequence[EventSink], tenant: str, event: dict[str, Any]) -> None:
    for sink in sinks:
        try:
            sink.emitted(tenant, event)
        except Exception:
            logger.exception("an event sink failed", extra={"sink": type(sink).__name__, "type": event.get("type")})


class LazySink:
    """A sink built on its first event: a function that rarely commits events of a kind (an API's cancel,
    the sweeper) does not pay at start for what reacts to them."""

    def __init__(self, build: Callable[[], EventSink]) -> None:
        self._build = build
        self._sink: EventSink | None = None

    def emitted(self, tenant: str, event: dict[str, Any]) -> None:
        if self._sink is None:
            self._sink = self._build()
        self._sink.emitted(tenant, event)
