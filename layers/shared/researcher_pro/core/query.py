"""Query parameters every list route shares (FastAPI; imported by routers, never by workers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Limit = Annotated[int, Query(ge=1, le=100, description="Page size")]
Cursor = Annotated[str | None, Query(max_length=4096, description="`next_cursor` of the previous page")]
After = Annotated[int, Query(ge=0, description="Return events with seq greater than this")]
EventLimit = Annotated[int, Query(ge=1, le=100)]
