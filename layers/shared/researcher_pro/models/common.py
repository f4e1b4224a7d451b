"""Shapes shared by every resource."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})


class StrictInput(BaseModel):
    """Request bodies: unknown fields and type coercion are both errors."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Page[T](BaseModel):
    items: list[T]
    next_cursor: str | None = None


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


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    model_calls: int = 0
    cache_hits: int = 0


class ErrorInfo(BaseModel):
    code: str
    message: str


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
