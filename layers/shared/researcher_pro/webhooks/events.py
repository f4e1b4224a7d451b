"""The events a webhook can subscribe to, and what a delivery's body is.

Plain Python (no pydantic): the task worker stages and publishes these, and must not pay for the API models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, get_args

# A task's terminal event, by the event type its log gives it (tasks/kinds.py).
TaskEventType = Literal[
    "research.completed",
    "research.failed",
    "research.cancelled",
    "analysis.completed",
    "analysis.failed",
    "report.ready",
    "report.failed",
]
WatchEventType = Literal["watch.run_completed"]  # made by the watches room of a watch's research's end
# What an endpoint may subscribe to.
EventType = Literal[TaskEventType, WatchEventType]
TASK_EVENT_TYPES: tuple[str, ...] = get_args(TaskEventType)
(WATCH_RUN_COMPLETED,) = get_args(WatchEventType)
TEST_EVENT = "webhook.test"  # sent by POST /v1/webhooks/{id}/test whatever the endpoint subscribes to


@dataclass(frozen=True)
class WebhookEvent:
    """One event to deliver to every endpoint that subscribes to its type. `key` names it uniquely within the
    tenant (a task's end, a watch's run), so publishing it again makes no second delivery."""

    type: str
    key: str
    data: dict[str, Any]
    occurred_at: str  # RFC 3339
    watch_id: str | None = None  # watch.run_completed: endpoints that belong to another watch do not get it

    def body(self) -> str:
        """The request body, per the Standard Webhooks payload shape: `type`, `timestamp` and `data`."""
        payload = {"type": self.type, "timestamp": self.occurred_at, "data": self.data}
        return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def task_event(kind: str, task_id: str, event: dict[str, Any]) -> WebhookEvent:
    """A task's terminal event as a webhook event: its `data` is the event exactly as the task's event log
    holds it, plus the task's id and type."""
    return WebhookEvent(
        type=str(event["type"]),
        key=f"{task_id}:{event['type']}",
        data={**event, "task_id": task_id, "task_type": kind},
        occurred_at=str(event.get("ts") or ""),
    )
