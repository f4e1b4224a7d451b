"""Keeping tasks moving: the sweeper requeues steps whose worker died or whose message was lost, and ends
tasks that keep stalling.

A task is due when its step has not moved on in time. If it holds no live lease while messages wait in the
queue, its message may be among them, only waiting its turn, or it may be gone with a worker that died between
committing a step and sending the next one's message. So its step is sent again, once for the step while the
backlog lasts, and postponed after that; neither is counted (a backlog must never fail a task as stalled), and
a message sent twice finds its step taken or done. Without a backlog it has stalled: its step is sent again,
and its sweeps counted; the count starts afresh with each step, and past `max_sweeps` the task ends `timeout`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from researcher_pro.core.observability import logger
from researcher_pro.tasks.lifecycle import TaskLifecycle
from researcher_pro.tasks.messages import TaskMessage
from researcher_pro.tasks.queue import Queue

LIVE = ("queued", "running")


class TaskSweeper:
    def __init__(
        self,
        lifecycles: Mapping[str, TaskLifecycle],
        queue: Queue,
        stuck_after_seconds: int,
        max_sweeps: int,
    ) -> None:
        self._lifecycles = lifecycles
        self._queue = queue
        self._stuck_after = stuck_after_seconds
        self._max_sweeps = max_sweeps

    def sweep(self) -> dict[str, int]:
        now = time.time()
        requeued = resent = failed = postponed = 0
        # Every kind shares one due-time index, so any repository can read it.
        due = self._lifecycles["research"].repo.due_for_sweep(now)
        backlog = self._queue.backlog() if due else 0
        for record in due:
            kind = record.get("kind", "research")
            lifecycle = self._lifecycles[kind]
            tenant, task_id = record["tenant"], record["id"]
            leased = float(record.get("lease_until") or 0) > now
            if backlog and not leased:
                if lifecycle.repo.note_resend(tenant, task_id, now + self._stuck_after):
                    logger.info("sending a step again behind a backlog", extra={"task_id": task_id, "kind": kind})
                    self._queue.send(TaskMessage(task_id=task_id, tenant=tenant, kind=kind, step=record["step"]))
                    resent += 1
                else:
                    lifecycle.repo.set_due(tenant, task_id, now + self._stuck_after)
                    postponed += 1
                continue
            sweeps = lifecycle.repo.note_sweep(tenant, task_id, now + self._stuck_after)
            if sweeps is None:  # it ended meanwhile
                continue
            if sweeps > self._max_sweeps:
                fresh = lifecycle.repo.get(tenant, task_id)
                if fresh and fresh["status"] in LIVE:
                    lifecycle.fail(fresh, "timeout", f"the {kind} stalled {sweeps - 1} times and was stopped")
                    failed += 1
                continue
            logger.info("requeueing a stalled step", extra={"task_id": task_id, "kind": kind, "step": record["step"]})
            self._queue.send(
                TaskMessage(task_id=task_id, tenant=tenant, kind=kind, step=record["step"], attempt=sweeps + 1)
            )
            requeued += 1
        return {"requeued": requeued, "resent": resent, "failed": failed, "postponed": postponed}
