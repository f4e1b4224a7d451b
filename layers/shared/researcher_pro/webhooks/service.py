"""Webhooks as the API sees them (create, read, change, delete, test, rotate the secret, deliveries and their
retry), the webhook a watch's `webhook_url` becomes, and publishing an event to every endpoint that wants it."""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from researcher_pro.core.clock import epoch_rfc3339
from researcher_pro.core.errors import Conflict, NotFound
from researcher_pro.core.ids import DELIVERY, WEBHOOK
from researcher_pro.core.models import Page
from researcher_pro.core.observability import logger
from researcher_pro.webhooks.events import TEST_EVENT, WATCH_RUN_COMPLETED, WebhookEvent
from researcher_pro.webhooks.models import (
    Delivery,
    DeliveryAttempt,
    Webhook,
    WebhookCreate,
    WebhookCreated,
    WebhookSecret,
    WebhookUpdate,
)
from researcher_pro.webhooks.queue import DeliveryMessage, DeliveryQueue
from researcher_pro.webhooks.repository import HANDOFF_GRACE_SECONDS, WebhookRepository
from researcher_pro.webhooks.signing import new_secret
from researcher_pro.webhooks.urls import WebhookPolicy

ROTATION_OVERLAP_SECONDS = 86_400  # after a rotation, deliveries are signed with the old secret too this long


class WebhookService:
    def __init__(
        self,
        repo: WebhookRepository,
        queue: DeliveryQueue,
        policy: WebhookPolicy,
        max_webhooks: int,
        delivery_ttl_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._repo = repo
        self._queue = queue
        self._policy = policy
        self._max = max_webhooks
        self._ttl = delivery_ttl_seconds
        self._clock = clock

    # --- the API ---------------------------------------------------------------------------------
    def create(self, tenant: str, body: WebhookCreate) -> WebhookCreated:
        self._policy.check(body.url)
        endpoint, secret = self._new_endpoint(body.url, list(dict.fromkeys(body.events)), body.description, None)
        if not self._repo.create_endpoint(tenant, endpoint, self._max):
            raise Conflict(
                f"this tenant has {self._max} webhooks, as many as it may have: delete one to create another"
            )
        return WebhookCreated(**self._webhook(endpoint).model_dump(), secret=secret)

    def get(self, tenant: str, webhook_id: str) -> Webhook:
        return self._webhook(self._endpoint(tenant, webhook_id))

    def list(self, tenant: str, limit: int, cursor: str | None) -> Page[Webhook]:
        records, next_cursor = self._repo.endpoints_page(tenant, limit, cursor)
        return Page[Webhook](items=[self._webhook(r) for r in records], next_cursor=next_cursor)

    def update(self, tenant: str, webhook_id: str, body: WebhookUpdate) -> Webhook:
        endpoint = self._endpoint(tenant, webhook_id)
        given = body.model_dump(exclude_unset=True, exclude_none=True)
        if endpoint.get("watch_id") and ({"url", "events"} & set(given)):
            raise Conflict(
                f"this webhook is watch {endpoint['watch_id']}'s: change its url with the watch's webhook_url"
            )
        changes: dict[str, Any] = {"updated_at": epoch_rfc3339(self._clock())}
        if "url" in given:
            self._policy.check(given["url"])
            changes["url"] = given["url"]
        if "events" in given:
            changes["events"] = list(dict.fromkeys(given["events"]))
        if "description" in given:
            changes["description"] = given["description"]
        if "enabled" in given:
            changes["enabled"] = given["enabled"]
            # Re-enabled: it starts with a clean record. Disabled by request: that is the reason.
            changes["disabled_reason"] = None if given["enabled"] else "disabled through the API"
            changes["failing_since"] = None
        updated = self._repo.update_endpoint(tenant, webhook_id, changes)
        if updated is None:
            raise NotFound(f"no webhook {webhook_id}")
        return self._webhook(updated)

    def delete(self, tenant: str, webhook_id: str) -> None:
        endpoint = self._endpoint(tenant, webhook_id)
        if endpoint.get("watch_id"):
            raise Conflict(f"this webhook is watch {endpoint['watch_id']}'s: clear the watch's webhook_url instead")
        if not self._repo.delete_endpoint(tenant, webhook_id, counted=True):
            raise NotFound(f"no webhook {webhook_id}")

    def rotate_secret(self, tenant: str, webhook_id: str) -> WebhookSecret:
        endpoint = self._endpoint(tenant, webhook_id)
        now = self._clock()
        secret = new_secret()
        expires = now + ROTATION_OVERLAP_SECONDS
        changes = {
            "secret": secret,
            "previous_secret": endpoint["secret"],
            "previous_secret_expires": expires,
            "updated_at": epoch_rfc3339(now),
        }
        # On the version read: two rotations at once must not both keep "their" previous secret.
        if self._repo.update_endpoint(tenant, webhook_id, changes, int(endpoint["version"])) is None:
            raise Conflict(f"webhook {webhook_id} changed while its secret was being rotated; try again")
        return WebhookSecret(secret=secret, previous_secret_expires_at=epoch_rfc3339(expires))

    def send_test(self, tenant: str, webhook_id: str) -> Delivery:
        endpoint = self._enabled(tenant, webhook_id)
        now = self._clock()
        event = WebhookEvent(
            type=TEST_EVENT,
            key=f"test:{secrets.token_hex(8)}",
            data={"webhook_id": webhook_id, "message": "A test event from Researcher Pro"},
            occurred_at=epoch_rfc3339(now),
        )
        delivery_id = self._deliver(tenant, endpoint["id"], event, now)
        return self._delivery(self._found_delivery(tenant, webhook_id, delivery_id))

    def deliveries(self, tenant: str, webhook_id: str, limit: int, cursor: str | None) -> Page[Delivery]:
        self._endpoint(tenant, webhook_id)
        records, next_cursor = self._repo.deliveries_page(tenant, webhook_id, limit, cursor)
        return Page[Delivery](items=[self._delivery(r) for r in records], next_cursor=next_cursor)

    def retry(self, tenant: str, webhook_id: str, delivery_id: str) -> Delivery:
        """Try a delivery again now, whatever became of it, with its retry schedule afresh."""
        self._enabled(tenant, webhook_id)
        self._found_delivery(tenant, webhook_id, delivery_id)
        now = self._clock()
        if not self._repo.retry_delivery(tenant, webhook_id, delivery_id, now, now + HANDOFF_GRACE_SECONDS):
            raise Conflict(f"delivery {delivery_id} is being attempted right now; look again in a moment")
        self._send(DeliveryMessage(tenant, webhook_id, delivery_id))
        return self._delivery(self._found_delivery(tenant, webhook_id, delivery_id))

    # --- a watch's webhook -----------------------------------------------------------------------
    # The watch service checks a watch's url (check_watch_url) before it writes anything.
    def check_watch_url(self, url: str) -> None:
        self._policy.check(url, field="webhook_url")

    def create_for_watch(self, tenant: str, watch_id: str, url: str) -> tuple[str, str]:
        """The webhook a watch's `webhook_url` becomes: it receives that watch's runs. Its id and secret."""
        endpoint, secret = self._new_endpoint(url, [WATCH_RUN_COMPLETED], f"Watch {watch_id}", watch_id)
        self._repo.create_endpoint(tenant, endpoint, max_counted=None)
        return endpoint["id"], secret

    def change_watch_url(self, tenant: str, webhook_id: str, url: str) -> None:
        self._repo.update_endpoint(tenant, webhook_id, {"url": url, "updated_at": epoch_rfc3339(self._clock())})

    def delete_for_watch(self, tenant: str, webhook_id: str) -> None:
        self._repo.delete_endpoint(tenant, webhook_id, counted=False)

    # --- publishing ------------------------------------------------------------------------------
    def publish(self, tenant: str, event: WebhookEvent, at: float) -> int:
        """A delivery of `event` to each enabled endpoint that subscribes to it, queued; how many. Publishing
        the same event again (its `key`, at the same `at`) makes no second delivery."""
        count = 0
        for endpoint in self._repo.endpoints(tenant):
            if not endpoint.get("enabled") or event.type not in endpoint.get("events", ()):
                continue
            if endpoint.get("watch_id") and endpoint["watch_id"] != event.watch_id:
                continue
            self._deliver(tenant, endpoint["id"], event, at)
            count += 1
        return count

    def _deliver(self, tenant: str, webhook_id: str, event: WebhookEvent, at: float) -> str:
        # The id sorts by the event's time (deliveries are listed newest first) and is the same whenever
        # this event is published to this endpoint again.
        digest = hashlib.sha256(f"{tenant}\n{event.key}\n{webhook_id}".encode()).hexdigest()[:20]
        delivery_id = DELIVERY.from_hex(f"{int(at * 1000):012x}{digest}")
        now = self._clock()
        record = {
            "id": delivery_id,
            "webhook_id": webhook_id,
            "event_type": event.type,
            "payload": event.body(),
            "status": "pending",
            "attempts": [],
            "failures": 0,
            "next_attempt_at": now,
            "created_at": epoch_rfc3339(now),
        }
        if self._repo.create_delivery(tenant, record, now + HANDOFF_GRACE_SECONDS, self._ttl):
            self._send(DeliveryMessage(tenant, webhook_id, delivery_id))
        return delivery_id

    def _send(self, message: DeliveryMessage) -> None:
        try:
            self._queue.send(message)
        except (BotoCoreError, ClientError):
            logger.exception("the deliveries queue could not be reached; the sweeper will send the delivery")

    # --- helpers ---------------------------------------------------------------------------------
    def _new_endpoint(
        self, url: str, events: Sequence[str], description: str, watch_id: str | None
    ) -> tuple[dict[str, Any], str]:
        created = epoch_rfc3339(self._clock())
        secret = new_secret()
        endpoint = {
            "id": WEBHOOK.new(),
            "url": url,
            "events": list(events),
            "description": description,
            "enabled": True,
            "secret": secret,
            "watch_id": watch_id,
            "created_at": created,
            "updated_at": created,
        }
        return endpoint, secret

    def _endpoint(self, tenant: str, webhook_id: str) -> dict[str, Any]:
        # An id we could not have issued is missing without asking storage.
        endpoint = self._repo.get_endpoint(tenant, webhook_id) if WEBHOOK.issued(webhook_id) else None
        if endpoint is None:
            raise NotFound(f"no webhook {webhook_id}")
        return endpoint

    def _enabled(self, tenant: str, webhook_id: str) -> dict[str, Any]:
        endpoint = self._endpoint(tenant, webhook_id)
        if not endpoint.get("enabled"):
            raise Conflict(f"webhook {webhook_id} is disabled: enable it with PATCH first")
        return endpoint

    def _found_delivery(self, tenant: str, webhook_id: str, delivery_id: str) -> dict[str, Any]:
        found = self._repo.get_delivery(tenant, webhook_id, delivery_id) if DELIVERY.issued(delivery_id) else None
        if found is None:
            raise NotFound(f"no delivery {delivery_id}")
        return found

    @staticmethod
    def _webhook(record: dict[str, Any]) -> Webhook:
        failing = record.get("failing_since")
        return Webhook(
            id=record["id"],
            url=record["url"],
            events=record["events"],
            description=record.get("description") or "",
            enabled=bool(record["enabled"]),
            disabled_reason=None if record["enabled"] else record.get("disabled_reason"),
            failing_since=epoch_rfc3339(failing) if failing is not None else None,
            watch_id=record.get("watch_id"),
            created_at=record["created_at"],
            updated_at=record["updated_at"],
        )

    @staticmethod
    def _delivery(record: dict[str, Any]) -> Delivery:
        attempts = [DeliveryAttempt(**a) for a in record.get("attempts") or []]
        pending = record["status"] == "pending"
        return Delivery(
            id=record["id"],
            webhook_id=record["webhook_id"],
            event_type=record["event_type"],
            payload=json.loads(record["payload"]),
            status=record["status"],
            attempts=attempts,
            last_status=attempts[-1].status_code if attempts else None,
            next_attempt_at=epoch_rfc3339(record["next_attempt_at"]) if pending else None,
            detail=record.get("detail"),
            created_at=record["created_at"],
        )
