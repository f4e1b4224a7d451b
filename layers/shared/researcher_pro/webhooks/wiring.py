"""The webhooks room's parts, built once per container from the settings.

Imports are inside the functions: a container loads only the parts it builds (the task worker stages and
drains the outbox, and never loads the API's models or httpx).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from researcher_pro.core.config import Settings

if TYPE_CHECKING:
    from researcher_pro.webhooks.delivery import DeliveryAttempts, DeliverySweeper
    from researcher_pro.webhooks.outbox import Derive, WebhookOutbox
    from researcher_pro.webhooks.queue import DeliveryQueue
    from researcher_pro.webhooks.repository import WebhookRepository
    from researcher_pro.webhooks.retries import RetrySchedule
    from researcher_pro.webhooks.service import WebhookService
    from researcher_pro.webhooks.urls import WebhookPolicy


@cache
def webhook_repository(settings: Settings) -> WebhookRepository:
    from researcher_pro.core.wiring import list_cursors
    from researcher_pro.webhooks.repository import WebhookRepository

    return WebhookRepository(settings.data_table, list_cursors(settings))


@cache
def delivery_queue(settings: Settings) -> DeliveryQueue:
    from researcher_pro.webhooks.queue import DeliveryQueue

    return DeliveryQueue(settings.webhook_queue_url)


@cache
def webhook_policy(settings: Settings) -> WebhookPolicy:
    from researcher_pro.webhooks.urls import WebhookPolicy

    return WebhookPolicy(allow_loopback=settings.webhook_allow_loopback)


@cache
def retry_schedule(settings: Settings) -> RetrySchedule:
    from researcher_pro.webhooks.retries import RetrySchedule

    return RetrySchedule.parse(settings.webhook_retry_seconds)


@cache
def webhook_service(settings: Settings) -> WebhookService:
    from researcher_pro.webhooks.service import WebhookService

    return WebhookService(
        webhook_repository(settings),
        delivery_queue(settings),
        webhook_policy(settings),
        settings.max_webhooks_per_tenant,
        settings.event_ttl_days * 86_400,
    )


def webhook_outbox(settings: Settings, derive: Sequence[Derive] = ()) -> WebhookOutbox:
    """The outbox sink of task ends; `derive` adds the events other rooms make of them (see watches.wiring)."""
    from researcher_pro.webhooks.outbox import WebhookOutbox

    return WebhookOutbox(webhook_repository(settings), lambda: webhook_service(settings), tuple(derive))


@cache
def delivery_attempts(settings: Settings) -> DeliveryAttempts:
    from researcher_pro.webhooks.delivery import DeliveryAttempts

    return DeliveryAttempts(
        webhook_repository(settings),
        delivery_queue(settings),
        webhook_policy(settings),
        retry_schedule(settings),
        settings.webhook_timeout_seconds,
        settings.webhook_disable_after_days,
    )


def delivery_sweeper(settings: Settings, outbox: WebhookOutbox) -> DeliverySweeper:
    from researcher_pro.webhooks.delivery import DeliverySweeper

    return DeliverySweeper(webhook_repository(settings), delivery_queue(settings), outbox)
