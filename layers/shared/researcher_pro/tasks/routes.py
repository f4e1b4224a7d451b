"""The routes every task resource (research, analyses, reports) has alike: start it, list them, read one,
and read its event log. Each kind adds its own routes beside these (research: cancel and delete)."""

# No `from __future__ import annotations` here: FastAPI reads these endpoints' annotations when they are
# defined, and they name the models each kind passes in.

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Path
from pydantic import BaseModel

from researcher_pro.access.dependencies import IdempotencyKey, Starts, Tenant
from researcher_pro.core.models import Page, Status
from researcher_pro.core.query import After, Cursor, EventLimit, Limit


class TaskService(Protocol):
    def start(self, tenant: str, request: Any) -> BaseModel: ...
    def get(self, tenant: str, task_id: str) -> BaseModel: ...
    def list(self, tenant: str, limit: int, cursor: str | None, status: str | None) -> BaseModel: ...
    def events(self, tenant: str, task_id: str, after: int, limit: int) -> BaseModel: ...


@dataclass(frozen=True)
class TaskRoutes:
    noun: str  # "analysis": start_analysis, get_analysis, analysis_events, the `analysis.start` idempotency scope
    plural: str  # "analyses": list_analyses
    request: type[BaseModel]
    resource: type[BaseModel]
    summary: type[BaseModel]
    event_page: type[BaseModel]
    start_summary: str
    list_summary: str
    get_summary: str
    list_description: str | None = None
    start_description: str | None = None  # the rules a schema cannot state
    start_problems: dict[int | str, dict[str, Any]] = field(default_factory=dict)  # beyond what every start has


def add_task_routes(router: APIRouter, service: Callable[[], TaskService], routes: TaskRoutes) -> None:
    """`service` gives the kind's service when a request needs it (it is built on first use)."""
    id_name = f"{routes.noun}_id"
    TaskId = Annotated[str, Path(alias=id_name, description=f"{routes.noun} id")]

    @router.post(
        "",
        status_code=202,
        response_model=routes.resource,
        summary=routes.start_summary,
        description=routes.start_description,
        responses=routes.start_problems,
        name=f"start_{routes.noun}",
    )
    def start(
        body: routes.request,  # type: ignore[name-defined]
        tenant: Tenant,
        starts: Starts,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        return starts.run(
            tenant,
            idempotency_key,
            f"{routes.noun}.start",
            body.model_dump(mode="json", by_alias=True),
            lambda: service().start(tenant, body).model_dump(mode="json"),
        )

    @router.get(
        "",
        response_model=Page[routes.summary],  # type: ignore[name-defined]
        summary=routes.list_summary,
        description=routes.list_description,
        name=f"list_{routes.plural}",
    )
    def list_tasks(tenant: Tenant, limit: Limit = 20, cursor: Cursor = None, status: Status | None = None) -> Any:
        return service().list(tenant, limit, cursor, status)

    @router.get(
        f"/{{{id_name}}}", response_model=routes.resource, summary=routes.get_summary, name=f"get_{routes.noun}"
    )
    def get_task(task_id: TaskId, tenant: Tenant) -> Any:
        return service().get(tenant, task_id)

    @router.get(
        f"/{{{id_name}}}/events",
        response_model=routes.event_page,
        # Each event exactly as it was pushed over the WebSocket: a field it did not carry is left out, not null.
        response_model_exclude_unset=True,
        summary="The ordered progress log, for catching up",
        name=f"{routes.noun}_events",
    )
    def task_events(task_id: TaskId, tenant: Tenant, after: After = 0, limit: EventLimit = 100) -> Any:
        return service().events(tenant, task_id, after, limit)
