"""The Annotated dependencies of every API route: who is calling, and the starts they may make."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Header, Request

from researcher_pro.access.wiring import api_keys, idempotent_starts
from researcher_pro.core.config import get_settings

if TYPE_CHECKING:
    # Only named here: Powertools' idempotency utility is imported when a start first needs it.
    from researcher_pro.access.idempotency import IdempotentStarts


def current_tenant(authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> str:
    key = None
    if authorization and authorization[:7].lower() == "bearer ":
        key = authorization[7:].strip()
    return api_keys(get_settings()).authenticate(key)


def starts(request: Request) -> IdempotentStarts:
    idempotent = idempotent_starts(get_settings())
    # Mangum puts the Lambda context in the ASGI scope.
    idempotent.register(request.scope.get("aws.context"))
    return idempotent


Tenant = Annotated[str, Depends(current_tenant)]
Starts = Annotated["IdempotentStarts", Depends(starts)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Retries with the same key and body return the first response",
    ),
]
