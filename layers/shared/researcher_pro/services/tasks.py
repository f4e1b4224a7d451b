"""Keeping tasks moving: the sweeper requeues steps whose worker died or whose message was lost."""

from __future__ import annotations

import time

from researcher_pro.models.tasks import TaskMessage
from researcher_pro.observability import logger
from researcher_pro.services.pipeline import ResearchPipeline
from researcher_pro.storage.queue import Queue
from researcher_pro.storage.research import ResearchRepository


class TaskSweeper:
    def __init__(
        self,
        repo: ResearchRepository,
        queue: Queue,
        pipeline: ResearchPipeline,
        stuck_after_seconds: int,
        max_sweeps: int,
    ) -> None:
        self._repo = repo
        self._queue = queue
        self._pipeline = pipeline
        self._stuck_after = stuck_after_seconds
        self._max_sweeps = max_sweeps

    def sweep(self) -> dict[str, int]:
        now = time.time()
        requeued = failed = 0
        for record in self._repo.due_for_sweep(now):
            tenant, research_id = record["tenant"], record["id"]
            sweeps = self._repo.note_sweep(tenant, research_id, now + self._stuck_after)
            if sweeps > self._max_sweeps:
                fresh = self._repo.get(tenant, research_id)
                if fresh and fresh["status"] in ("queued", "running"):
                    self._pipeline.fail(fresh, "timeout", f"the research stalled {sweeps - 1} times and was stopped")
                    failed += 1
                continue
            logger.info("requeueing a stalled step", extra={"research_id": research_id, "step": record["step"]})
            self._queue.send(
                TaskMessage(
                    task_id=research_id, tenant=tenant, kind="research", step=record["step"], attempt=sweeps + 1
                )
            )
            requeued += 1
        return {"requeued": requeued, "failed": failed}
