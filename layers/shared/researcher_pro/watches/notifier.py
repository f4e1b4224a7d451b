"""`watch.run_completed`: when a watch's research ends, its diff summary goes to the other event sinks (the
WebSocket fan-out) and to the watch's webhook.

It is itself an EventSink: it sees every committed event, ignores all but a research's terminal one, and
reads that research to learn whether a watch started it. Like every sink it runs after the commit and
never fails the research; a webhook that keeps failing is given up after a few attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from researcher_pro.core.clock import now_rfc3339
from researcher_pro.realtime.sinks import EventSink, emit
from researcher_pro.research.service import ResearchService
from researcher_pro.watches.history import RunHistory
from researcher_pro.watches.models import WatchRun
from researcher_pro.watches.repository import WatchRepository
from researcher_pro.watches.webhooks import WebhookSender

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
        "ts": now_rfc3339(),
    }


class WatchRunNotifier:
    def __init__(
        self,
        research: ResearchService,
        watch_repo: WatchRepository,
        history: RunHistory,
        webhooks: WebhookSender,
        sinks: Sequence[EventSink],
    ) -> None:
        self._research = research
        self._watches = watch_repo
        self._history = history
        self._webhooks = webhooks
        # Where `watch.run_completed` goes: the other sinks (the WebSocket fan-out), never this notifier.
        self._sinks = sinks

    def emitted(self, tenant: str, event: dict[str, Any]) -> None:
        if event.get("type") not in TERMINAL_EVENTS or not event.get("research_id"):
            return
        record = self._research.record(tenant, event["research_id"])
        watch_id = (record or {}).get("watch_id")
        if not watch_id:
            return
        run = self._history.summary(tenant, watch_id, event["research_id"])
        if run is None:  # the watch was deleted meanwhile
            return
        notice = run_completed_event(watch_id, run)
        emit(self._sinks, tenant, notice)
        watch = self._watches.get(tenant, watch_id)
        if watch and watch.get("webhook_url") and watch.get("webhook_secret"):
            self._webhooks.deliver(watch["webhook_url"], watch["webhook_secret"], EVENT_TYPE, run.research_id, notice)
