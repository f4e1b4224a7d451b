"""Shapes shared by every resource."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
# The highest event sequence number a client may name (`after`): far beyond any task's log, and within the
# ten digits of the log's sort keys.
MAX_EVENT_SEQ = 1_000_000_000


# Texts that must say something: not blank, their lengths counted as sent, and trimmed only after they are
# checked, so that the OpenAPI document's minLength, maxLength and pattern are exactly the rules. Whitespace is
# spelled out: `\s` differs between JSON Schema's regular expressions, pydantic's and Python's str.strip.
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
NON_SPACE = f"[^{WHITESPACE}]"  # for patterns
NOT_BLANK = NON_SPACE
TRIMMED = AfterValidator(lambda text: text.strip(WHITESPACE))


def json_bytes(value: Any) -> int:
    """How many bytes `value` takes as compact JSON in UTF-8: how size limits on structured input are counted."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def is_blank(text: str) -> bool:
    return not text.strip(WHITESPACE)


# The smallest spending cap a request may set (a millionth of a dollar); DynamoDB cannot store every float.
MIN_COST_USD = 0.000001


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
