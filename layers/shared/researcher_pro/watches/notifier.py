"""`watch.run_completed`: when a watch's research ends, its diff summary goes to the other event sinks (the
WebSocket fan-out), and to webhooks.

It is itself an EventSink: it sees every committed event, ignores all but a research's terminal one, and
reads that research to learn whether a watch started it. Like every sink it runs after the commit and
never fails the research. For webhooks it is asked by the webhooks outbox (`webhook_events`), which hands a
research's end on durably: from the function that ended it, or from the sweeper if that function died.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from researcher_pro.core.clock import now_rfc3339
from researcher_pro.realtime.sinks import EventSink, emit
from researcher_pro.research.service import ResearchService
from researcher_pro.watches.history import RunHistory
from researcher_pro.watches.models import WatchRun

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
    def __init__(self, research: ResearchService, history: RunHistory, sinks: Sequence[EventSink]) -> None:
        self._research = research
        self._history = history
        # Where `watch.run_completed` goes: the other sinks (the WebSocket fan-out), never this notifier.
        self._sinks = sinks

    def emitted(self, tenant: str, event: dict[str, Any]) -> None:
        notice = self.notice(tenant, event)
        if notice is not None:
            emit(self._sinks, tenant, notice)

    def webhook_events(self, tenant: str, event: dict[str, Any]) -> list[dict[str, Any]]:
        """`watch.run_completed` for webhooks, when `event` ends a watch's run (as the outbox takes events)."""
        notice = self.notice(tenant, event)
        if notice is None:
            return []
        return [
            {
                "type": EVENT_TYPE,
                "key": f"{notice['research_id']}:{EVENT_TYPE}",
                "data": notice,
                "occurred_at": notice["ts"],
                "watch_id": notice["watch_id"],
            }
        ]

    def notice(self, tenant: str, event: dict[str, Any]) -> dict[str, Any] | None:
        """`watch.run_completed` when `event` is the end of a watch's research; None for any other event."""
        if event.get("type") not in TERMINAL_EVENTS or not event.get("research_id"):
            return None
        record = self._research.record(tenant, event["research_id"])
        watch_id = (record or {}).get("watch_id")
        if not watch_id:
            return None
        run = self._history.summary(tenant, watch_id, event["research_id"])
        if run is None:  # the watch was deleted meanwhile
            return None
        return run_completed_event(watch_id, run)
