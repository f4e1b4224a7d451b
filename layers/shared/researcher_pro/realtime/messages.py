"""What a WebSocket client is sent: topics, and messages that fit API Gateway's 32 KB frame."""

from __future__ import annotations

import json
from typing import Any

# API Gateway splits anything larger than a 32 KB frame; keep every message in one frame.
MAX_MESSAGE_BYTES = 32 * 1024
_BUDGET = MAX_MESSAGE_BYTES - 1024  # room for the `ref` and `truncated` fields

TASK_KINDS = ("research", "analysis", "report")
ALL = "all"
RESOURCE_PATHS = {"research": "/v1/research", "analysis": "/v1/analyses", "report": "/v1/reports"}


def topic(kind: str, task_id: str) -> str:
    return f"{kind}:{task_id}"


def task_of(event: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, id) of the task whose log an event belongs to: events carry `<kind>_id`."""
    for kind in TASK_KINDS:
        task_id = event.get(f"{kind}_id")
        if isinstance(task_id, str) and task_id:
            return kind, task_id
    return None


def ref_path(event: dict[str, Any]) -> str | None:
    """Where the whole of a trimmed event can be read over HTTPS."""
    task = task_of(event)
    if task is None:
        return None
    kind, task_id = task
    if kind == "research" and isinstance(event.get("seq"), int):
        return f"/v1/research/{task_id}/events?after={event['seq'] - 1}&limit=1"
    return f"{RESOURCE_PATHS[kind]}/{task_id}"


def encode(message: dict[str, Any]) -> bytes:
    """JSON under 32 KB. A larger event loses its `data` (and, if need be, the tail of its `message`),
    gains `truncated: true` and a `ref` path to read it whole."""
    data = _dump(message)
    if len(data) <= _BUDGET:
        return data
    slim = {**message, "data": {}, "truncated": True, "ref": ref_path(message)}
    data = _dump(slim)
    if len(data) <= _BUDGET:
        return data
    text = str(slim.get("message") or "")
    excess = len(data) - _BUDGET
    # Cut by characters until the encoded size fits; multi-byte characters make one pass too little.
    while len(data) > _BUDGET and text:
        text = text[: max(0, len(text) - max(excess, 64))]
        slim["message"] = text + "…"
        data = _dump(slim)
        excess = len(data) - _BUDGET
    return data


def _dump(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()
