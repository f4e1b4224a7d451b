"""Query parameters every list route shares (FastAPI; imported by routers, never by workers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from researcher_pro.core.models import MAX_EVENT_SEQ
from researcher_pro.core.pagination import MAX_CURSOR_CHARS

Limit = Annotated[int, Query(ge=1, le=100, description="Page size")]
Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_CURSOR_CHARS,
        description="`next_cursor` of the previous page, as it was given. A cursor this API did not issue for "
        "this list (altered, or from another list or tenant) is 422.",
    ),
]
After = Annotated[int, Query(ge=0, le=MAX_EVENT_SEQ, description="Return events with seq greater than this")]
EventLimit = Annotated[int, Query(ge=1, le=100)]
