"""From a task's end to its webhook deliveries, without losing it when a function dies at the wrong moment.

When a task ends and its tenant has webhooks, an outbox item (the terminal event, as its log holds it) is
written in the very transaction that ends the task (a `TerminalOutbox`, tasks/outbox.py). After the commit
this sink drains it: the deliveries are made and queued, then the item is deleted. If the function died
between the commit and the drain, the item is in the sweeper's index, a grace period on, and the sweeper
drains it. Draining twice makes no second delivery (delivery ids are chosen by the event and the endpoint).

Other rooms add events that follow from a task's end (a watch's run: `watch.run_completed`) through
`derive`: each function gives the tenant and the terminal event, and returns events to publish too, as
dicts of WebhookEvent's fields (rooms above this one do not import its events module).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from researcher_pro.core.observability import logger
from researcher_pro.tasks.kinds import KINDS
from researcher_pro.webhooks.events import TASK_EVENT_TYPES, WebhookEvent, task_event
from researcher_pro.webhooks.repository import HANDOFF_GRACE_SECONDS, WebhookRepository

if TYPE_CHECKING:
    from researcher_pro.webhooks.service import WebhookService

Derive = Callable[[str, dict[str, Any]], list[dict[str, Any]]]

# Every kind's terminal event types, and the kind each belongs to.
TERMINAL = {kind.event_types[o]: kind.name for kind in KINDS.values() for o in ("succeeded", "failed", "cancelled")}


class WebhookOutbox:
    def __init__(
        self, repo: WebhookRepository, service: Callable[[], WebhookService], derive: Sequence[Derive] = ()
    ) -> None:
        self._repo = repo
        self._service = service  # built when a drain first needs it
        self._derive = derive
        self._staged: set[tuple[str, str]] = set()  # staged by this container, drained by it after the commit

    def staged(self, record: dict[str, Any], event: dict[str, Any]) -> list[dict[str, Any]]:
        tenant, task_id = record["tenant"], record["id"]
        if event.get("type") not in TASK_EVENT_TYPES:  # every end that derives events is one of these too
            return []
        try:
            wanted = self._repo.has_endpoints(tenant)
        except Exception:
            logger.exception("could not tell whether the tenant has webhooks; the task's end is kept for them")
            wanted = True
        if not wanted:
            return []
        self._staged.add((tenant, task_id))
        now = time.time()
        entry = {"task_id": task_id, "task_kind": TERMINAL[event["type"]], "event": event}
        return [self._repo.outbox_put(tenant, task_id, {**entry, "ended_at": now}, now + HANDOFF_GRACE_SECONDS)]

    def emitted(self, tenant: str, event: dict[str, Any]) -> None:
        kind = TERMINAL.get(str(event.get("type")))
        task_id = event.get(f"{kind}_id") if kind else None
        if task_id and (tenant, task_id) in self._staged:
            self._staged.discard((tenant, task_id))
            self.drain(tenant, task_id)

    def drain(self, tenant: str, task_id: str) -> int:
        """Publish what the outbox holds for the end of `task_id`, then forget it: how many deliveries."""
        entry = self._repo.outbox_get(tenant, task_id)
        if entry is None:
            return 0
        terminal = entry["event"]
        events = [task_event(entry["task_kind"], task_id, terminal)]
        for derive in self._derive:
            events.extend(WebhookEvent(**fields) for fields in derive(tenant, terminal))
        service = self._service()
        count = sum(service.publish(tenant, event, float(entry["ended_at"])) for event in events)
        self._repo.outbox_delete(tenant, task_id)
        return count
