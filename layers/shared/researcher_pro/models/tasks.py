"""The SQS message: one step of one task."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

TaskKind = Literal["research", "analysis", "report"]


class TaskMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: Annotated[str, Field(min_length=1, max_length=64)]
    tenant: Annotated[str, Field(min_length=1, max_length=64)]
    kind: TaskKind
    step: Annotated[str, Field(min_length=1, max_length=32)]
    attempt: Annotated[int, Field(ge=1)] = 1
