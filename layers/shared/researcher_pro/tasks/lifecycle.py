"""How a task of one kind ends: the terminal change and its event, committed together, then handed to the
event sinks. The step engine ends tasks through it, and so do the sweeper and a cancel before the start."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.core import metric_names
from researcher_pro.core.clock import now_rfc3339
from researcher_pro.core.observability import add_metric, logger, metric_by
from researcher_pro.realtime.sinks import EventSink, emit
from researcher_pro.tasks.kinds import Outcome, TaskKind
from researcher_pro.tasks.outbox import staged_writes
from researcher_pro.tasks.repository import TaskRepository

LIVE = ("queued", "running")


class TaskLifecycle:
    def __init__(
        self, repo: TaskRepository, kind: TaskKind, event_ttl_seconds: int, sinks: Sequence[EventSink] = ()
    ) -> None:
        self.repo = repo
        self.kind = kind
        self.sinks = sinks
        self.event_ttl_seconds = event_ttl_seconds

    def event(
        self,
        record: dict[str, Any],
        outcome: Outcome,
        stage: str | None,
        progress: float,
        message: str,
        data: dict[str, Any],
    ) -> dict[str, Any]:
        return {
            "type": self.kind.event_types[outcome],
            f"{self.kind.name}_id": record["id"],
            "stage": stage,
            "progress": progress,
            "message": message,
            "data": data,
            "ts": now_rfc3339(),
        }

    def finish(
        self,
        record: dict[str, Any],
        status: Outcome,
        results: dict[str, Any],
        message: str,
        *,
        final_stage: str | None = None,
        data: dict[str, Any] | None = None,
        error: dict[str, str] | None = None,
        expected_statuses: tuple[str, ...] = LIVE,
        event: dict[str, Any] | None = None,
    ) -> bool:
        """End a live task as `status`; False when it had already moved on (another worker, a cancel)."""
        now = now_rfc3339()
        progress = 1.0 if status == "succeeded" else float(record.get("progress") or 0.0)
        stage = final_stage if status == "succeeded" else record.get("stage")
        event = {**self.event(record, status, stage, progress, message, data or {}), **(event or {})}
        finished = self.repo.transition(
            record["tenant"],
            record["id"],
            expected_seq=record["event_seq"],
            owner=record.get("lease_owner"),
            expected_statuses=expected_statuses,
            changes={
                "status": status,
                "progress": progress,
                "stage": stage,
                "updated_at": now,
                "completed_at": now,
                "error": error,
                **results,
            },
            event=event,
            event_ttl=self.event_ttl_seconds,
            terminal=True,
            also=staged_writes(self.sinks, record, {**event, "seq": record["event_seq"] + 1}),
        )
        if finished:
            add_metric(metric_names.task_ended(self.kind.metric_prefix, status), MetricUnit.Count, 1)
            if error:
                metric_by(metric_names.TASK_FAILURES, MetricUnit.Count, 1, Kind=self.kind.name, ErrorCode=error["code"])
            self.emit(record["tenant"], {**event, "seq": record["event_seq"] + 1})
        return finished

    def fail(self, record: dict[str, Any], code: str, message: str) -> bool:
        """End a live task as `failed` with a machine-readable `code`."""
        logger.warning(f"{self.kind.name} failed", extra={"code": code, "reason": message})
        return self.finish(record, "failed", {}, message, data={"code": code}, error={"code": code, "message": message})

    def emit(self, tenant: str, event: dict[str, Any]) -> None:
        emit(self.sinks, tenant, event)
