"""Running a task one step per SQS message, whatever the kind of task.

Each step is claimed under a lease, runs, and commits its checkpoint, its progress event and the
move to the next step in one transaction. A redelivered message finds the step done and does nothing,
or taken, and is sent again for when the taker's lease runs out; a crashed step's lease runs out and the
step runs again, its paid calls answered from the cache. Subclasses name their steps and say what each
one does; nothing else.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.core import metric_names
from researcher_pro.core.aws import WriteContention
from researcher_pro.core.clock import now_rfc3339
from researcher_pro.core.config import ModelPrice
from researcher_pro.core.errors import OutOfTime, RetryStep, TaskFailure
from researcher_pro.core.observability import logger, metric_by
from researcher_pro.tasks.lifecycle import LIVE, TaskLifecycle
from researcher_pro.tasks.messages import TaskMessage
from researcher_pro.tasks.metering import Cache, DayBudget, Meter
from researcher_pro.tasks.queue import Queue
from researcher_pro.tasks.repository import TaskRepository

SAFETY_MARGIN_SECONDS = 3.0


@dataclass(frozen=True)
class TaskPolicy:
    prices: dict[str, ModelPrice]
    event_ttl_seconds: int = 30 * 86_400
    max_step_attempts: int = 3
    stuck_after_seconds: int = 600
    concurrency: int = 8
    day_budget: DayBudget | None = None  # the tenants' daily spending caps


@dataclass(frozen=True)
class StepResult:
    output: dict[str, Any]  # the step's checkpoint (the last step's: the task's results)
    message: str
    data: dict[str, Any]
    changes: dict[str, Any] = field(default_factory=dict)  # record fields the move to the next step sets
    event: dict[str, Any] = field(default_factory=dict)  # top-level fields of the step's progress event


class StepTask(ABC):
    # A task whose steps run in a fixed order names them here; one whose steps branch overrides the
    # methods below instead (the first step is always the first of `steps`).
    steps: ClassVar[tuple[str, ...]]
    progress: ClassVar[dict[str, float]]

    def __init__(self, lifecycle: TaskLifecycle, queue: Queue, cache: Cache, policy: TaskPolicy) -> None:
        self.lifecycle = lifecycle
        self.repo: TaskRepository = lifecycle.repo
        self.kind = lifecycle.kind.name
        self._queue = queue
        self._cache = cache
        self._policy = policy

    @abstractmethod
    def run(self, step: str, record: dict[str, Any], checkpoints: dict[str, Any], meter: Meter) -> StepResult:
        """Do the paid work of `step`; raise TaskFailure for a clean failure."""

    def run_step(self, message: TaskMessage, *, remaining_seconds: float, owner: str, receive_count: int) -> str:
        """Run one step; returns what happened. Raises only when the message should be retried."""
        now = time.time()
        record = self.repo.claim_step(
            message.tenant, message.task_id, message.step, owner, now + remaining_seconds + 1, now
        )
        if record is None:
            current = self.repo.get(message.tenant, message.task_id)
            if current is None or current.get("status") not in LIVE or current.get("step") != message.step:
                return f"skipped: step done, or {self.kind} ended or gone"
            # Another worker holds the step (a duplicate delivery, or a message sent again). Were that worker to
            # die, this message would be the one left to run the step: it is sent again, to arrive when the lease
            # has run out (it then finds the step done, or free to take), before this one is deleted.
            self._queue.send(message, delay_seconds=float(current.get("lease_until") or now) - now + 1)
            return "deferred: the step is held by another worker"
        if record.get("cancel_requested"):
            self.lifecycle.finish(record, "cancelled", {}, "Cancelled at the client's request")
            return "cancelled"
        started = time.monotonic()
        meter = self._meter(record, message.step, started + remaining_seconds - SAFETY_MARGIN_SECONDS)
        try:
            checkpoints = self.repo.checkpoints(message.tenant, message.task_id)
            result = self.run(message.step, record, checkpoints, meter)
        except TaskFailure as failure:
            self.lifecycle.fail(record, failure.code, failure.message)
            return f"failed: {failure.code}"
        except OutOfTime as error:
            # Not a failed attempt: the invocation ended first. The step runs again in a fresh one; a step
            # that never fits keeps stalling, and the sweeper ends it after its sweeps.
            logger.info("step out of time; it will run again", extra={"step": message.step, "kind": self.kind})
            self.repo.release_step(record["tenant"], record["id"], owner, counted=False)
            raise error
        except WriteContention as error:
            logger.error("a write kept being refused; the step will run again", extra={"step": message.step})
            return self._retry_or_fail(
                record, owner, receive_count, "internal_error", "storage kept refusing a write", error
            )
        except RetryStep as error:
            return self._retry_or_fail(record, owner, receive_count, error.code, error.message, error)
        except Exception as error:
            logger.exception("step crashed", extra={"step": message.step, "kind": self.kind})
            return self._retry_or_fail(
                record, owner, receive_count, "internal_error", f"an internal error stopped the {self.kind}", error
            )
        elapsed_ms = round((time.monotonic() - started) * 1000)
        metric_by(metric_names.STEP_DURATION, MetricUnit.Milliseconds, elapsed_ms, Kind=self.kind, Step=message.step)
        self._complete_step(record, message, result, meter, elapsed_ms)
        return "done"

    def workers(self, jobs: int) -> int:
        return max(1, min(jobs, self._policy.concurrency))

    def next_step(self, step: str, result: StepResult) -> str | None:
        """The step after `step`; None when the task is done."""
        position = self.steps.index(step)
        return self.steps[position + 1] if position + 1 < len(self.steps) else None

    def stage_of(self, step: str) -> str:
        """What clients see as the task's stage once `step` is done."""
        return step

    def progress_after(self, step: str, result: StepResult) -> float:
        return self.progress[step]

    def budget_for(self, step: str, record: dict[str, Any]) -> float | None:
        """What `step` may have spent, with the steps before it, when it ends: the task's cap by default."""
        budget = record.get("max_cost_usd")
        return None if budget is None else float(budget)

    # --- state changes -------------------------------------------------------------------------
    def _complete_step(
        self, record: dict[str, Any], message: TaskMessage, result: StepResult, meter: Meter, elapsed_ms: int
    ) -> None:
        step = message.step
        data = {**result.data, "cache_hits": meter.cache_hits, "elapsed_ms": elapsed_ms}
        stage = self.stage_of(step)
        next_step = self.next_step(step, result)
        if next_step is None:
            self.lifecycle.finish(
                record,
                "succeeded",
                {**result.output, **result.changes},
                result.message,
                final_stage=stage,
                data=data,
                event=result.event,
            )
            return
        progress = self.progress_after(step, result)
        event = {**self.lifecycle.event(record, "progress", stage, progress, result.message, data), **result.event}
        moved = self.repo.transition(
            record["tenant"],
            record["id"],
            expected_seq=record["event_seq"],
            owner=record["lease_owner"],
            changes={
                **result.changes,
                "step": next_step,
                "stage": stage,
                "progress": progress,
                "updated_at": now_rfc3339(),
                # Attempts, sweeps and the sweeper's resend are counted per step: a new step starts afresh.
                "step_attempts": 0,
                "sweeps": 0,
                "step_resent": False,
            },
            checkpoint=(step, result.output),
            event=event,
            event_ttl=self._policy.event_ttl_seconds,
            due_at=time.time() + self._policy.stuck_after_seconds,
        )
        if moved:
            # The next step's message and the push to subscribers go out side by side, so a watching
            # client does not wait for the queue; the invocation still ends only when both are done.
            with ThreadPoolExecutor(max_workers=1) as pool:
                queued = pool.submit(self._queue.send, message.next(next_step))
                self.lifecycle.emit(record["tenant"], {**event, "seq": record["event_seq"] + 1})
                queued.result()

    def _retry_or_fail(
        self, record: dict[str, Any], owner: str, receive_count: int, code: str, message: str, error: Exception
    ) -> str:
        # The record counts every claim of this step, whichever message delivered it (a message the sweeper
        # sent again starts its own receive count at 1), and not the claims that only ran out of time.
        attempts = int(record.get("step_attempts") or 0)
        if attempts >= self._policy.max_step_attempts:
            self.lifecycle.fail(record, code, f"{message} (after {attempts} attempts)")
            return f"failed: {code}"
        self.repo.release_step(record["tenant"], record["id"], owner)
        raise error

    def _meter(self, record: dict[str, Any], step: str, deadline: float) -> Meter:
        return Meter(
            tenant=record["tenant"],
            task_id=record["id"],
            day=datetime.now(UTC).date().isoformat(),
            cache=self._cache,
            usage=self.repo,
            prices=self._policy.prices,
            deadline=deadline,
            budget_usd=self.budget_for(step, record),
            spent_usd=float(record.get("usage_cost_usd") or 0.0),
            day_budget=self._policy.day_budget,
        )
