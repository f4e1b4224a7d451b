"""The shapes of a task's event log, as the API returns them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class TaskEvent(BaseModel):
    """What every task's progress event carries; each kind adds its `type`, its id and its `stage`."""

    seq: int
    progress: float
    message: str
    data: dict[str, Any] = {}
    ts: str


class EventPage[E: TaskEvent](BaseModel):
    """A slice of a task's event log; `next_after` is the `after` that reads on from it."""

    items: list[E]
    next_after: int
