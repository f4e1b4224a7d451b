"""Annotated dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from researcher_pro.container import Container


def container(request: Request) -> Container:
    built: Container = request.app.state.container
    return built


ContainerDep = Annotated[Container, Depends(container)]


def current_tenant(
    services: ContainerDep,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str:
    key = None
    if authorization and authorization[:7].lower() == "bearer ":
        key = authorization[7:].strip()
    return services.api_keys.authenticate(key)


Tenant = Annotated[str, Depends(current_tenant)]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size")]
Cursor = Annotated[str | None, Query(max_length=4096, description="`next_cursor` of the previous page")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Retries with the same key and body return the first response",
    ),
]
