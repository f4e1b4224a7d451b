"""A watch's runs read back: each with its status and cost from its research, and its diff against the
previous successful run."""

from __future__ import annotations

from typing import Any

from researcher_pro.core.models import Page
from researcher_pro.research.service import ResearchService
from researcher_pro.watches.diff import diff_runs
from researcher_pro.watches.models import WatchRun
from researcher_pro.watches.repository import WatchRepository

LOOKAHEAD = 10  # older runs read past a page to find each run's previous successful run
SUMMARY_WINDOW = 25  # runs looked at when a completed run is summarised


class RunHistory:
    def __init__(self, repo: WatchRepository, research: ResearchService) -> None:
        self._repo = repo
        self._research = research

    def page(self, tenant: str, watch_id: str, limit: int, cursor: str | None) -> Page[WatchRun]:
        runs, older, next_cursor = self._repo.runs(tenant, watch_id, limit, cursor, LOOKAHEAD)
        return Page[WatchRun](items=self._described(tenant, runs, older), next_cursor=next_cursor)

    def summary(self, tenant: str, watch_id: str, research_id: str) -> WatchRun | None:
        runs, older, _ = self._repo.runs(tenant, watch_id, SUMMARY_WINDOW, None, LOOKAHEAD)
        everything = runs + older
        for index, run in enumerate(everything):
            if run["research_id"] == research_id:
                return self._described(tenant, [run], everything[index + 1 :])[0]
        return None

    def _described(self, tenant: str, runs: list[dict[str, Any]], older: list[dict[str, Any]]) -> list[WatchRun]:
        everything = runs + older
        records = self._research.get_many(tenant, [r["research_id"] for r in everything])
        described = []
        for index, run in enumerate(runs):
            record = records.get(run["research_id"])
            previous = next(
                (
                    records[r["research_id"]]
                    for r in everything[index + 1 :]
                    if records.get(r["research_id"], {}).get("status") == "succeeded"
                ),
                None,
            )
            diff = None
            if record and record["status"] == "succeeded" and previous:
                diff = diff_runs(previous, record)
            if record:
                status = record["status"]
            elif run.get("start_error"):
                status = "failed"
            else:
                status = "starting" if run["pending_start"] else "deleted"
            described.append(
                WatchRun(
                    research_id=run["research_id"],
                    started_at=run["started_at"],
                    trigger=run["trigger"],
                    status=status,
                    cost_usd=float((record or {}).get("usage_cost_usd") or 0.0),
                    cache_hits=int((record or {}).get("usage_cache_hits") or 0),
                    previous_research_id=previous["id"] if previous and diff else None,
                    diff=diff,
                )
            )
        return described
