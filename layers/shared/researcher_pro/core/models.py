"""Shapes shared by every resource."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
# The highest event sequence number a client may name (`after`): far beyond any task's log, and within the
# ten digits of the log's sort keys.
MAX_EVENT_SEQ = 1_000_000_000


class StrictInput(BaseModel):
    """Request bodies: unknown fields and type coercion are both errors."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Page[T](BaseModel):
    items: list[T]
    next_cursor: str | None = None


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    model_calls: int = 0
    cache_hits: int = 0


class ErrorInfo(BaseModel):
    code: str
    message: str


def optional_fields(model: type[BaseModel]) -> dict[str, Any]:
    """`model`'s fields as `create_model` takes them, each optional with no default: the body of a partial
    update that checks every value it is sent exactly as `model` does (its validators aside)."""
    fields: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        annotation: Any = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
        fields[name] = (annotation | None, Field(default=None, alias=field.alias, description=field.description))
    return fields
