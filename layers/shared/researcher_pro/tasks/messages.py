"""The SQS message: one step of one task.

A plain dataclass, so the functions that only send messages (the API, the sweeper) need no pydantic to
start; the worker, which receives them from outside, reads them with `read_message` (pydantic checks
every field against the bounds below).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Annotated, Any, ClassVar, Literal

from annotated_types import Ge, MaxLen, MinLen

KindName = Literal["research", "analysis", "report", "document"]


@dataclass(frozen=True)
class TaskMessage:
    # Read by pydantic in `read_message`: a field we do not know is refused, not ignored.
    __pydantic_config__: ClassVar[dict[str, str]] = {"extra": "forbid"}

    task_id: Annotated[str, MinLen(1), MaxLen(64)]
    tenant: Annotated[str, MinLen(1), MaxLen(64)]
    kind: KindName
    step: Annotated[str, MinLen(1), MaxLen(32)]
    attempt: Annotated[int, Ge(1)] = 1

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    def next(self, step: str) -> TaskMessage:
        return replace(self, step=step, attempt=1)


def read_message(body: str) -> TaskMessage:
    """A message body as the worker receives it; raises pydantic's ValidationError when it is not one of ours."""
    message: TaskMessage = _reader().validate_json(body)
    return message


@cache
def _reader() -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(TaskMessage)
