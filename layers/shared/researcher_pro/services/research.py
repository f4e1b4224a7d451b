"""Research as the API sees it: start, read, list, cancel, delete, and the event log."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.errors import Conflict, InvalidInput, NotFound
from researcher_pro.models.common import TERMINAL_STATUSES, Page, Usage, rfc3339
from researcher_pro.models.research import Research, ResearchEvent, ResearchEventPage, ResearchRequest, ResearchSummary
from researcher_pro.models.tasks import TaskMessage
from researcher_pro.models.templates import RenderedTemplate
from researcher_pro.observability import metrics
from researcher_pro.realtime.sinks import EventSink, emit
from researcher_pro.storage.queue import Queue
from researcher_pro.storage.tasks import USAGE_FIELDS, TaskRepository

RESEARCH_FIELDS = set(Research.model_fields)
# What a list reads of each record: a summary's fields (usage is stored as one counter per figure).
SUMMARY_ATTRIBUTES = tuple(
    sorted((set(ResearchSummary.model_fields) - {"usage"}) | {f"usage_{name}" for name in USAGE_FIELDS})
)


class TemplateRenderer(Protocol):
    def render(
        self, tenant: str, template_id: str, variables: Mapping[str, Any], version: int | None = None
    ) -> RenderedTemplate: ...


class ResearchService:
    def __init__(
        self,
        repo: TaskRepository,
        queue: Queue,
        stuck_after_seconds: int,
        event_ttl_seconds: int,
        sinks: Sequence[EventSink] = (),
        templates: TemplateRenderer | None = None,
    ) -> None:
        self._repo = repo
        self._templates = templates
        self._sinks = sinks
        self._queue = queue
        self._stuck_after = stuck_after_seconds
        self._event_ttl = event_ttl_seconds

    def start(
        self, tenant: str, request: ResearchRequest, watch_id: str | None = None, research_id: str | None = None
    ) -> Research:
        """Start a research run. With `research_id` (chosen up front by a caller that recorded it first) the
        start is idempotent: a retry finds the research already there and only makes sure it is queued."""
        now = rfc3339(datetime.now(UTC))
        record: dict[str, Any] = {
            "id": research_id or f"res_{uuid.uuid4().hex}",
            "query": request.query,
            **self._from_template(tenant, request),
            "depth": request.depth,
            "sources_requested": request.sources,
            "recency": request.recency,
            "domains": request.domains,
            "max_cost_usd": request.max_cost_usd,
            "status": "queued",
            "stage": None,
            "step": "plan",
            "progress": 0.0,
            "created_at": now,
            "updated_at": now,
            "watch_id": watch_id,
        }
        # Written before it is queued: if the send fails, the sweeper finds the record and queues it.
        due_at = time.time() + self._stuck_after
        if research_id is None:
            self._repo.create(tenant, record, due_at=due_at)
        elif not self._repo.create_if_absent(tenant, record, due_at=due_at):
            existing = self._record(tenant, research_id)
            if existing["status"] == "queued" and existing.get("step") == "plan":
                # The first attempt may have died before sending; a duplicate message is harmless.
                self._queue.send(TaskMessage(task_id=research_id, tenant=tenant, kind="research", step="plan"))
            return self._research(existing)
        self._queue.send(TaskMessage(task_id=record["id"], tenant=tenant, kind="research", step="plan"))
        metrics.add_metric(name="RunsStarted", unit=MetricUnit.Count, value=1)
        return self._research({**record, "tenant": tenant})

    def _from_template(self, tenant: str, request: ResearchRequest) -> dict[str, Any]:
        """The rendered query and sections, and which template version made them."""
        if request.template_id is None:
            return {}
        if self._templates is None:
            raise InvalidInput("Templates are not available here")
        variables = request.variables or {}
        try:
            rendered = self._templates.render(tenant, request.template_id, variables)
        except NotFound as missing:
            raise InvalidInput(
                f"Invalid request: body.template_id ({missing.detail})",
                [{"field": "body.template_id", "message": missing.detail}],
            ) from missing
        return {
            "query": rendered.prompt,
            "template_id": rendered.template_id,
            "template_version": rendered.version,
            "variables": variables,
            "template_sections": [s.model_dump() for s in rendered.sections],
        }

    def get(self, tenant: str, research_id: str) -> Research:
        return self._research(self._record(tenant, research_id))

    def list(self, tenant: str, limit: int, cursor: str | None, status: str | None) -> Page[ResearchSummary]:
        records, next_cursor = self._repo.list_page(tenant, limit, cursor, status, SUMMARY_ATTRIBUTES)
        return Page[ResearchSummary](
            items=[ResearchSummary.model_validate(_resource_fields(r)) for r in records], next_cursor=next_cursor
        )

    def cancel(self, tenant: str, research_id: str) -> Research:
        for _ in range(5):
            record = self._record(tenant, research_id)
            if record["status"] in TERMINAL_STATUSES:
                raise Conflict(f"research {research_id} has already {record['status']}")
            if record["status"] == "running":
                # A running step finishes; the worker stops at the next step boundary.
                if self._repo.request_cancel(tenant, research_id):
                    return self.get(tenant, research_id)
                continue
            now = rfc3339(datetime.now(UTC))
            event: dict[str, Any] = {
                "type": "research.cancelled",
                "research_id": research_id,
                "stage": record.get("stage"),
                "progress": float(record.get("progress") or 0.0),
                "message": "Cancelled before it started",
                "data": {},
                "ts": now,
            }
            cancelled = self._repo.advance(
                tenant,
                research_id,
                expected_seq=record["event_seq"],
                expected_statuses=("queued",),
                changes={"status": "cancelled", "updated_at": now, "completed_at": now},
                event=event,
                event_ttl=self._event_ttl,
                terminal=True,
            )
            if cancelled:
                emit(self._sinks, tenant, {**event, "seq": record["event_seq"] + 1})
                return self.get(tenant, research_id)
        raise Conflict(f"research {research_id} changed while being cancelled; try again")

    def delete(self, tenant: str, research_id: str) -> None:
        if not self._repo.delete(tenant, research_id):
            raise NotFound(f"no research {research_id}")

    def events(self, tenant: str, research_id: str, after: int, limit: int) -> ResearchEventPage:
        self._record(tenant, research_id)
        items = [ResearchEvent.model_validate(e) for e in self._repo.events(tenant, research_id, after, limit)]
        return ResearchEventPage(items=items, next_after=items[-1].seq if items else after)

    def _record(self, tenant: str, research_id: str) -> dict[str, Any]:
        record = self._repo.get(tenant, research_id)
        if record is None:
            raise NotFound(f"no research {research_id}")
        return record

    @staticmethod
    def _research(record: dict[str, Any]) -> Research:
        return Research.model_validate(_resource_fields(record))


def _resource_fields(record: dict[str, Any]) -> dict[str, Any]:
    usage = Usage(**{name: record.get(f"usage_{name}", 0) for name in USAGE_FIELDS})
    return {**{k: v for k, v in record.items() if k in RESEARCH_FIELDS}, "usage": usage}
