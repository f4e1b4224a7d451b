"""One attempt of one delivery, from the deliveries queue; and the sweeper that keeps deliveries moving.

An attempt is claimed under a lease (a conditional write), made, and recorded. A message delivered twice
finds the attempt taken or made and does nothing. A function killed mid-attempt leaves its message in the
queue and a lease that runs out first: the message comes back, and the attempt is made again, with the same
`webhook-id`. A timeout, a network error, 429 and 5xx are tried again after the retry schedule's next wait
(a queue message delayed by it, or, past the queue's 15 minutes, the sweeper's index); any other answer
outside 2xx is not. An endpoint whose every attempt has failed for `disable_after_days` is disabled, and
the delivery that found it so says so.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.core import metric_names
from researcher_pro.core.clock import epoch_rfc3339
from researcher_pro.core.net import PinnedSession
from researcher_pro.core.observability import logger, metrics
from researcher_pro.webhooks.queue import MAX_DELAY_SECONDS, DeliveryMessage, DeliveryQueue
from researcher_pro.webhooks.repository import HANDOFF_GRACE_SECONDS, WebhookRepository
from researcher_pro.webhooks.retries import RetrySchedule
from researcher_pro.webhooks.signing import signed_headers
from researcher_pro.webhooks.urls import UnsafeWebhook, WebhookPolicy

if TYPE_CHECKING:
    from researcher_pro.webhooks.outbox import WebhookOutbox

LEASE_MARGIN_SECONDS = 5.0  # beyond the attempt's timeout: recording the outcome
MAX_ATTEMPTS_KEPT = 50  # a delivery's log keeps its latest attempts (manual retries can add many)
USER_AGENT = "ResearcherPro-Webhooks/1"


class Answer(NamedTuple):
    """How an attempt went: the endpoint's status, or why it gave none; and whether to try again."""

    status_code: int | None
    error: str | None
    retryable: bool


class DeliveryAttempts:
    def __init__(
        self,
        repo: WebhookRepository,
        queue: DeliveryQueue,
        policy: WebhookPolicy,
        schedule: RetrySchedule,
        timeout_seconds: float,
        disable_after_days: float,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._repo = repo
        self._queue = queue
        self._policy = policy
        self._schedule = schedule
        self._timeout = timeout_seconds
        self._disable_after = disable_after_days * 86_400
        self._rng = rng or random.Random()
        self._clock = clock

    def attempt(self, message: DeliveryMessage, owner: str) -> str:
        """Make the attempt `message` asks for; returns what happened. Raises only when the message should
        come back (storage failed us): the lease then runs out and the attempt is made again."""
        now = self._clock()
        lease_until = now + self._timeout + LEASE_MARGIN_SECONDS
        delivery = self._repo.claim_delivery(
            message.tenant, message.webhook_id, message.delivery_id, owner, lease_until, now
        )
        if delivery is None:
            return "skipped: done, not due, attempted by another, or gone"
        endpoint = self._repo.get_endpoint(message.tenant, message.webhook_id)
        if endpoint is None or not endpoint.get("enabled"):
            why = "the webhook was deleted" if endpoint is None else "the webhook is disabled"
            self._end(message.tenant, delivery, owner, "failed", why, None)
            return f"failed: {why}"
        started = time.monotonic()
        status_code, error, retryable = self._post(endpoint, delivery, now)
        attempt: dict[str, Any] = {
            "at": epoch_rfc3339(now),
            "status_code": status_code,
            "error": error,
            "duration_ms": round((time.monotonic() - started) * 1000),
        }
        metrics.add_metric(name=metric_names.WEBHOOK_DELIVERIES, unit=MetricUnit.Count, value=1)
        if status_code is not None and 200 <= status_code < 300:
            self._end(message.tenant, delivery, owner, "succeeded", None, attempt)
            if endpoint.get("failing_since") is not None:
                self._repo.note_success(message.tenant, endpoint["id"])
            return "succeeded"
        metrics.add_metric(name=metric_names.WEBHOOK_DELIVERY_FAILURES, unit=MetricUnit.Count, value=1)
        logger.info("webhook attempt failed", extra={"status": status_code, "error": error, "webhook": endpoint["id"]})
        disabled = self._note_failure(message.tenant, endpoint["id"], now)
        if disabled:
            self._end(message.tenant, delivery, owner, "failed", disabled, attempt)
            return "failed: endpoint disabled"
        if not retryable:
            why = f"not retried: the endpoint answered {status_code}" if status_code else f"not retried: {error}"
            self._end(message.tenant, delivery, owner, "failed", why, attempt)
            return f"failed: {why}"
        failures = int(delivery.get("failures") or 0) + 1
        wait = self._schedule.wait_after(failures, self._rng)
        if wait is None:
            why = f"given up after the retry schedule's {self._schedule.attempts} attempts"
            self._end(message.tenant, delivery, owner, "failed", why, attempt)
            return f"failed: {why}"
        self._again(message, delivery, owner, attempt, failures, now + wait, wait)
        return f"retrying in {wait:.0f} s"

    # --- the request -----------------------------------------------------------------------------
    def _post(self, endpoint: dict[str, Any], delivery: dict[str, Any], now: float) -> Answer:
        import httpx  # only the delivery function sends; the API's cold start does not pay for it

        try:
            target = self._policy.check(endpoint["url"])  # again: the name may resolve elsewhere now
        except UnsafeWebhook as unsafe:
            return Answer(None, f"refused: {unsafe.detail}", retryable=False)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            **signed_headers(delivery["id"], delivery["payload"], valid_secrets(endpoint, now), datetime.now(UTC)),
        }
        try:
            with (
                PinnedSession(time.monotonic() + self._timeout) as session,
                session.send(
                    "POST", endpoint["url"], target, headers=headers, content=delivery["payload"].encode()
                ) as response,
            ):
                status = response.status_code
        except httpx.TimeoutException:
            return Answer(None, f"timed out after {self._timeout:g} s", retryable=True)
        except httpx.HTTPError as error:
            return Answer(None, f"{type(error).__name__}: {error}"[:300], retryable=True)
        return Answer(status, None, retryable=status == 429 or status >= 500)

    # --- outcomes --------------------------------------------------------------------------------
    def _note_failure(self, tenant: str, webhook_id: str, now: float) -> str | None:
        """Why the endpoint is now disabled, when this failure disabled it."""
        endpoint = self._repo.note_failure(tenant, webhook_id, now)
        if endpoint is None:
            return None
        since = float(endpoint["failing_since"])
        if now - since < self._disable_after:
            return None
        reason = f"disabled: every attempt has failed since {epoch_rfc3339(since)}"
        if self._repo.disable(tenant, webhook_id, reason, epoch_rfc3339(now)):
            metrics.add_metric(name=metric_names.WEBHOOK_ENDPOINTS_DISABLED, unit=MetricUnit.Count, value=1)
            logger.warning("webhook disabled", extra={"webhook": webhook_id, "tenant": tenant})
        return f"the webhook was {reason}"

    def _end(
        self,
        tenant: str,
        delivery: dict[str, Any],
        owner: str,
        status: str,
        why: str | None,
        attempt: dict[str, Any] | None,
    ) -> None:
        changes: dict[str, Any] = {"status": status, "detail": why}
        if attempt is not None:
            changes["attempts"] = _kept([*(delivery.get("attempts") or []), attempt])
        self._repo.finish_attempt(tenant, delivery, owner, changes, due_at=None)

    def _again(
        self,
        message: DeliveryMessage,
        delivery: dict[str, Any],
        owner: str,
        attempt: dict[str, Any],
        failures: int,
        at: float,
        wait: float,
    ) -> None:
        soon = wait <= MAX_DELAY_SECONDS
        changes = {
            "attempts": _kept([*(delivery.get("attempts") or []), attempt]),
            "failures": failures,
            "next_attempt_at": at,
        }
        # A wait the queue can hold is a delayed message (the sweeper looks only if it never comes); a longer
        # one is the sweeper's, at the time itself.
        recorded = self._repo.finish_attempt(
            message.tenant, delivery, owner, changes, at + (HANDOFF_GRACE_SECONDS if soon else 0)
        )
        if recorded and soon:
            self._queue.send(message, wait)


class DeliverySweeper:
    """Sends what is due and was not sent: the ends of tasks whose function died before handing them on,
    deliveries whose next attempt waits longer than a queue delay can, and messages that were lost."""

    def __init__(self, repo: WebhookRepository, queue: DeliveryQueue, outbox: WebhookOutbox) -> None:
        self._repo = repo
        self._queue = queue
        self._outbox = outbox

    def sweep(self, now: float | None = None) -> dict[str, int]:
        now = time.time() if now is None else now
        handed_on = sent = 0
        for item in self._repo.due(now):
            # Moved on first, conditionally: of two sweepers that read it, one acts.
            if not self._repo.postpone(item, now + HANDOFF_GRACE_SECONDS):
                continue
            if item.get("kind") == "webhook_outbox":
                self._outbox.drain(item["tenant"], item["task_id"])
                handed_on += 1
            elif item.get("kind") == "webhook_delivery" and item.get("status") == "pending":
                self._queue.send(DeliveryMessage(item["tenant"], item["webhook_id"], item["id"]))
                sent += 1
        return {"handed_on": handed_on, "sent": sent}


def valid_secrets(endpoint: dict[str, Any], now: float) -> list[str]:
    """The secret, and the one it replaced while the rotation's overlap lasts."""
    valid = [endpoint["secret"]]
    if endpoint.get("previous_secret") and float(endpoint.get("previous_secret_expires") or 0) > now:
        valid.append(endpoint["previous_secret"])
    return valid


def _kept(attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return attempts[-MAX_ATTEMPTS_KEPT:]
