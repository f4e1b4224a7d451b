"""/v1/watches"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Response

from researcher_pro.access.dependencies import IdempotencyKey, Starts, Tenant
from researcher_pro.core.models import Page
from researcher_pro.core.problems import problems
from researcher_pro.core.query import Cursor, Limit
from researcher_pro.watches.models import Watch, WatchCreated, WatchRequest, WatchRun, WatchUpdate

if TYPE_CHECKING:
    from researcher_pro.watches.service import WatchService

WatchId = Annotated[str, "watch id"]


def watches_router(watches: Callable[[], WatchService]) -> APIRouter:
    """`watches` gives the service when a request needs it (it is built on first use)."""
    router = APIRouter(prefix="/v1/watches", tags=["watches"])

    @router.post(
        "",
        status_code=201,
        response_model=WatchCreated,
        summary="Create a watch: its baseline run starts now, then it re-runs on its schedule",
        description="The research parameters are a research request's (one of `query` or `template_id`). "
        "`schedule` is an EventBridge expression in UTC, `rate(N minutes|hours|days)` or `cron(...)` with six "
        "fields, that fires no more often than the deployment allows (one hour by default); `webhook_url` is "
        "https and resolves only to public addresses. Anything else is 422 saying why.",
    )
    def create_watch(body: WatchRequest, tenant: Tenant, starts: Starts, idempotency_key: IdempotencyKey = None) -> Any:
        return starts.run(
            tenant,
            idempotency_key,
            "watch.create",
            body.model_dump(mode="json"),
            lambda: watches().create(tenant, body).model_dump(mode="json"),
        )

    @router.get("", summary="List watches, newest first")
    def list_watches(tenant: Tenant, limit: Limit = 20, cursor: Cursor = None) -> Page[Watch]:
        return watches().list(tenant, limit, cursor)

    @router.get("/{watch_id}", summary="Read a watch")
    def get_watch(watch_id: WatchId, tenant: Tenant) -> Watch:
        return watches().get(tenant, watch_id)

    @router.patch(
        "/{watch_id}",
        summary="Change a watch's schedule, enabled flag, research parameters or webhook",
        description="Only the fields sent change; `null` clears an optional one. The research parameters are "
        "checked together as a research request would be (one of `query` or `template_id`). "
        "`webhook_secret` is present only when this change gave the watch its first webhook.",
        responses=problems((409, "The watch kept changing while being updated; try again")),
    )
    def update_watch(watch_id: WatchId, body: WatchUpdate, tenant: Tenant) -> WatchCreated:
        return watches().update(tenant, watch_id, body)

    @router.delete("/{watch_id}", status_code=204, response_class=Response, summary="Delete a watch; it runs no more")
    def delete_watch(watch_id: WatchId, tenant: Tenant) -> Response:
        watches().delete(tenant, watch_id)
        return Response(status_code=204)

    @router.post("/{watch_id}/run", status_code=202, response_model=WatchRun, summary="Run a watch now")
    def run_watch(watch_id: WatchId, tenant: Tenant, starts: Starts, idempotency_key: IdempotencyKey = None) -> Any:
        return starts.run(
            tenant,
            idempotency_key,
            "watch.run",
            {"watch_id": watch_id},
            lambda: watches().run_now(tenant, watch_id).model_dump(mode="json"),
        )

    @router.get("/{watch_id}/runs", summary="A watch's runs, newest first, each with its diff against the one before")
    def watch_runs(watch_id: WatchId, tenant: Tenant, limit: Limit = 20, cursor: Cursor = None) -> Page[WatchRun]:
        return watches().runs(tenant, watch_id, limit, cursor)

    return router
