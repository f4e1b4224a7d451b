"""Reactions to a task's end that must not be lost: a sink that is also a `TerminalOutbox` stages writes that
are committed in the very transaction that ends the task (a transactional outbox). The work they describe is
done after the commit by the sink, or later by a sweep if the function died first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class TerminalOutbox(Protocol):
    def staged(self, record: dict[str, Any], event: dict[str, Any]) -> list[dict[str, Any]]:
        """TransactWriteItems entries to commit with the task's terminal `event` (which carries its `seq`)."""
        ...


def staged_writes(sinks: Sequence[object], record: dict[str, Any], event: dict[str, Any]) -> list[dict[str, Any]]:
    return [write for sink in sinks if isinstance(sink, TerminalOutbox) for write in sink.staged(record, event)]
