"""The refresh scheduler's work: start every watch whose next run time has come, and finish the starts
that were cut short.

Moving a due watch to its next run time and recording its run are one conditional transaction on the
due time that was read, so overlapping or repeated invocations run a due time once; missed runs
collapse into one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from researcher_pro.core.errors import RateLimited
from researcher_pro.core.observability import logger
from researcher_pro.watches.repository import WatchRepository
from researcher_pro.watches.runs import WatchRuns
from researcher_pro.watches.schedules import parse_schedule


class WatchScheduler:
    def __init__(self, repo: WatchRepository, runs: WatchRuns, admit: Callable[[str], None]) -> None:
        self._repo = repo
        self._runs = runs
        # A scheduled run is work started for its tenant like any other: it counts against the tenant's start
        # rate and daily budget, and waits for a later tick when either refuses it.
        self._admit = admit

    def run_due(self, now: float | None = None, limit: int = 100) -> dict[str, int]:
        """Start every watch whose next run time has come, and finish starts that were cut short."""
        now = time.time() if now is None else now
        counts = {"started": 0, "skipped": 0, "resumed": 0, "deferred": 0, "errors": 0}
        for item in self._repo.due(int(now), limit):
            try:
                if item["due_for"] == "watch":
                    try:
                        self._admit(item["tenant"])
                    except RateLimited:
                        counts["deferred"] += 1
                        continue
                    counts["started" if self._start_due_watch(item, now) else "skipped"] += 1
                else:
                    self._runs.start(item["tenant"], item)
                    counts["resumed"] += 1
            except Exception:
                # One watch's trouble must not hold up the others; a recorded run is resumed next tick.
                logger.exception("a due watch could not be handled", extra={"watch": item.get("id")})
                counts["errors"] += 1
        return counts

    def _start_due_watch(self, watch: dict[str, Any], now: float) -> bool:
        tenant, watch_id = watch["tenant"], watch["id"]
        schedule = parse_schedule(watch["schedule"], require_future=False)
        # The first fire time after now, not after the missed one: missed runs collapse into this one.
        upcoming = schedule.next_after(
            datetime.fromtimestamp(now, UTC), datetime.fromtimestamp(watch["schedule_anchor"], UTC)
        )
        run = {**self._runs.new_run(watch, "schedule", now), "due_at": int(watch["next_run_at"])}
        moved = self._repo.reschedule(
            tenant,
            watch_id,
            expected_next_run=int(watch["next_run_at"]),
            next_run=int(upcoming.timestamp()) if upcoming else None,
            run=run,
            resume_at=self._runs.resume_at(now),
        )
        if moved:
            self._runs.start(tenant, run)
        return moved
