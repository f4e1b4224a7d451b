"""`watch.run_completed`: when a watch's research ends, its diff summary goes to the other event sinks (the
WebSocket fan-out) and to the watch's webhook.

It is itself an EventSink: it sees every committed event, ignores all but a research's terminal one, and
reads that research to learn whether a watch started it. Like every sink it runs after the commit and
never fails the research; a webhook that keeps failing is given up after a few attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from researcher_pro.models.common import rfc3339
from researcher_pro.models.watches import WatchRun
from researcher_pro.realtime.sinks import EventSink, emit
from researcher_pro.services.watches import WatchRuns
from researcher_pro.services.webhooks import WebhookSender
from researcher_pro.storage.tasks import TaskRepository
from researcher_pro.storage.watches import WatchRepository

TERMINAL_EVENTS = frozenset({"research.completed", "research.failed", "research.cancelled"})
EVENT_TYPE = "watch.run_completed"
LISTED = 20  # URLs listed per kind of change; the counts are always complete (frames stay small)


def run_completed_event(watch_id: str, run: WatchRun) -> dict[str, Any]:
    diff = run.diff
    summary: dict[str, Any] | None = None
    if diff is not None:
        summary = {
            "changed": diff.changed,
            "new_sources": len(diff.new_sources),
            "dropped_sources": len(diff.dropped_sources),
            "new_findings": len(diff.new_findings),
            "unsupported_findings": len(diff.unsupported_findings),
            "new_source_urls": [s.url for s in diff.new_sources[:LISTED]],
            "dropped_source_urls": [s.url for s in diff.dropped_sources[:LISTED]],
        }
    return {
        "type": EVENT_TYPE,
        "watch_id": watch_id,
        "research_id": run.research_id,
        "status": run.status,
        "trigger": run.trigger,
        "cost_usd": run.cost_usd,
        "cache_hits": run.cache_hits,
        "previous_research_id": run.previous_research_id,
        "diff": summary,
        "ts": rfc3339(datetime.now(UTC)),
    }


class WatchRunNotifier:
    def __init__(
        self,
        research_repo: TaskRepository,
        watch_repo: WatchRepository,
        runs: WatchRuns,
        webhooks: WebhookSender,
        sinks: Sequence[EventSink],
    ) -> None:
        self._research = research_repo
        self._watches = watch_repo
        self._runs = runs
        self._webhooks = webhooks
        # The container's sink list, this notifier among them; it forwards to every other sink there.
        self._sinks = sinks

    def emitted(self, tenant: str, event: dict[str, Any]) -> None:
        if event.get("type") not in TERMINAL_EVENTS or not event.get("research_id"):
            return
        record = self._research.get(tenant, event["research_id"])
        watch_id = (record or {}).get("watch_id")
        if not watch_id:
            return
        run = self._runs.summary(tenant, watch_id, event["research_id"])
        if run is None:  # the watch was deleted meanwhile
            return
        notice = run_completed_event(watch_id, run)
        emit([sink for sink in self._sinks if sink is not self], tenant, notice)
        watch = self._watches.get(tenant, watch_id)
        if watch and watch.get("webhook_url") and watch.get("webhook_secret"):
            self._webhooks.deliver(watch["webhook_url"], watch["webhook_secret"], EVENT_TYPE, run.research_id, notice)
