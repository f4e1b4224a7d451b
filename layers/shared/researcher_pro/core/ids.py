"""Resource ids: the one place that issues them and recognises them.

An id is a prefix naming its kind, an underscore, and 32 lowercase hex digits (a random UUID); built-in
templates are named `builtin-<slug>`. A string that is not of this form can name nothing of ours, so the
services answer it exactly as they answer a missing resource (404) before they ask storage for it. That
also keeps what a client puts in a path out of DynamoDB keys, whose sizes DynamoDB limits (and moto does not).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

_HEX32 = re.compile(r"[0-9a-f]{32}")
_BUILTIN_TEMPLATE = re.compile(r"builtin-[a-z0-9]+(?:-[a-z0-9]+)*")
BUILTIN_TEMPLATE_PREFIX = "builtin-"
MAX_BUILTIN_TEMPLATE_ID_CHARS = 64


@dataclass(frozen=True)
class IdFormat:
    prefix: str

    def new(self) -> str:
        return f"{self.prefix}_{uuid.uuid4().hex}"

    def from_hex(self, digits: str) -> str:
        """The id of this kind with these 32 hex digits (ids whose digits are chosen, not random)."""
        if _HEX32.fullmatch(digits) is None:
            raise ValueError(f"not 32 lowercase hex digits: {digits!r}")
        return f"{self.prefix}_{digits}"

    def issued(self, value: object) -> bool:
        """Whether `value` could be an id of this kind that we issued."""
        if not isinstance(value, str) or len(value) != len(self.prefix) + 33:
            return False
        return value.startswith(f"{self.prefix}_") and _HEX32.fullmatch(value, len(self.prefix) + 1) is not None


RESEARCH = IdFormat("res")
ANALYSIS = IdFormat("ana")
REPORT = IdFormat("rep")
DOCUMENT = IdFormat("doc")
WATCH = IdFormat("wat")
TEMPLATE = IdFormat("tpl")
WEBHOOK = IdFormat("whk")
DELIVERY = IdFormat("msg")  # a webhook delivery: its id is the `webhook-id` header of every attempt


def is_builtin_template_id(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) <= MAX_BUILTIN_TEMPLATE_ID_CHARS
        and _BUILTIN_TEMPLATE.fullmatch(value) is not None
    )


def is_template_id(value: object) -> bool:
    """A tenant's template (`tpl_…`) or a built-in one (`builtin-…`)."""
    return TEMPLATE.issued(value) or is_builtin_template_id(value)
