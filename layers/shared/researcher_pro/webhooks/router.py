"""/v1/webhooks"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Path, Response

from researcher_pro.access.dependencies import Tenant
from researcher_pro.core.models import Page
from researcher_pro.core.problems import problems
from researcher_pro.core.query import Cursor, Limit
from researcher_pro.webhooks.models import (
    Delivery,
    Webhook,
    WebhookCreate,
    WebhookCreated,
    WebhookSecret,
    WebhookUpdate,
)

if TYPE_CHECKING:
    from researcher_pro.webhooks.service import WebhookService

WebhookId = Annotated[str, Path(description="webhook id")]
DeliveryId = Annotated[str, Path(description="delivery id (the `webhook-id` header of its attempts)")]
WATCHS_OWN = "The webhook is a watch's (it changes with the watch's `webhook_url`)"
DISABLED = "The webhook is disabled: enable it with PATCH first"


def webhooks_router(webhooks: Callable[[], WebhookService]) -> APIRouter:
    """`webhooks` gives the service when a request needs it (it is built on first use)."""
    router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

    @router.post(
        "",
        status_code=201,
        summary="Register an endpoint for task and watch events",
        description="`url` is https and resolves only to public addresses (checked again before every delivery; "
        "redirects are not followed). The response holds the signing `secret` (Standard Webhooks, `whsec_…`), "
        "shown only here.",
        responses=problems((409, "The tenant has as many webhooks as it may have")),
    )
    def create_webhook(body: WebhookCreate, tenant: Tenant) -> WebhookCreated:
        return webhooks().create(tenant, body)

    @router.get("", summary="List webhooks, newest first")
    def list_webhooks(tenant: Tenant, limit: Limit = 20, cursor: Cursor = None) -> Page[Webhook]:
        return webhooks().list(tenant, limit, cursor)

    @router.get("/{webhook_id}", summary="Read a webhook")
    def get_webhook(webhook_id: WebhookId, tenant: Tenant) -> Webhook:
        return webhooks().get(tenant, webhook_id)

    @router.patch(
        "/{webhook_id}",
        summary="Change a webhook's url, events, description, or enable it again",
        description="Only the fields sent change. `enabled: true` re-enables a webhook that was disabled for "
        "failing; its pending deliveries are not resumed (retry them).",
        responses=problems((409, f"{WATCHS_OWN}: its url and events cannot be changed here")),
    )
    def update_webhook(webhook_id: WebhookId, body: WebhookUpdate, tenant: Tenant) -> Webhook:
        return webhooks().update(tenant, webhook_id, body)

    @router.delete(
        "/{webhook_id}",
        status_code=204,
        response_class=Response,
        summary="Delete a webhook and its deliveries",
        responses=problems((409, f"{WATCHS_OWN}: clear the watch's webhook_url instead")),
    )
    def delete_webhook(webhook_id: WebhookId, tenant: Tenant) -> Response:
        webhooks().delete(tenant, webhook_id)
        return Response(status_code=204)

    @router.post(
        "/{webhook_id}/test",
        status_code=202,
        summary="Send a `webhook.test` event",
        responses=problems((409, DISABLED)),
    )
    def test_webhook(webhook_id: WebhookId, tenant: Tenant) -> Delivery:
        return webhooks().send_test(tenant, webhook_id)

    @router.post(
        "/{webhook_id}/rotate-secret",
        summary="Replace the signing secret; the old one keeps signing for 24 hours",
        description="Deliveries carry one signature per valid secret (space-separated in `webhook-signature`), "
        "so a receiver verifies with either while it changes over.",
        responses=problems((409, "The webhook changed while its secret was being rotated; try again")),
    )
    def rotate_webhook_secret(webhook_id: WebhookId, tenant: Tenant) -> WebhookSecret:
        return webhooks().rotate_secret(tenant, webhook_id)

    @router.get("/{webhook_id}/deliveries", summary="A webhook's deliveries, newest first, with their attempts")
    def list_deliveries(
        webhook_id: WebhookId, tenant: Tenant, limit: Limit = 20, cursor: Cursor = None
    ) -> Page[Delivery]:
        return webhooks().deliveries(tenant, webhook_id, limit, cursor)

    @router.post(
        "/{webhook_id}/deliveries/{delivery_id}/retry",
        status_code=202,
        summary="Try a delivery again now, with its retry schedule afresh",
        responses=problems((409, f"{DISABLED}; or an attempt of the delivery is being made right now")),
    )
    def retry_delivery(webhook_id: WebhookId, delivery_id: DeliveryId, tenant: Tenant) -> Delivery:
        return webhooks().retry(tenant, webhook_id, delivery_id)

    return router
