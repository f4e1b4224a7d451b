"""Research as the API sees it: start, read, list, cancel, delete, and the event log."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.core import metric_names
from researcher_pro.core.clock import now_rfc3339
from researcher_pro.core.errors import Conflict, InvalidInput, NotFound
from researcher_pro.core.ids import RESEARCH
from researcher_pro.core.models import TERMINAL_STATUSES, Page
from researcher_pro.core.observability import metrics
from researcher_pro.research.models import Research, ResearchEvent, ResearchEventPage, ResearchRequest, ResearchSummary
from researcher_pro.tasks.lifecycle import TaskLifecycle
from researcher_pro.tasks.messages import TaskMessage
from researcher_pro.tasks.queue import Queue, send_or_defer
from researcher_pro.tasks.resource import TaskResources
from researcher_pro.templates.models import RenderedTemplate


class TemplateRenderer(Protocol):
    def render(
        self, tenant: str, template_id: str, variables: Mapping[str, Any], version: int | None = None
    ) -> RenderedTemplate: ...


class ResearchService:
    def __init__(
        self,
        lifecycle: TaskLifecycle,
        queue: Queue,
        stuck_after_seconds: int,
        templates: TemplateRenderer | None = None,
        offline: bool = False,
    ) -> None:
        self._lifecycle = lifecycle
        self._repo = lifecycle.repo
        self._resources = TaskResources(self._repo, Research, ResearchSummary, ResearchEvent)
        self._templates = templates
        self._queue = queue
        self._stuck_after = stuck_after_seconds
        self._offline = offline

    def start(
        self, tenant: str, request: ResearchRequest, watch_id: str | None = None, research_id: str | None = None
    ) -> Research:
        """Start a research run. With `research_id` (chosen up front by a caller that recorded it first) the
        start is idempotent: a retry finds the research already there and only makes sure it is queued."""
        if request.output_schema is not None and self._offline:
            raise InvalidInput(
                "output_schema: a structured answer needs a language model, and this service runs offline "
                "(no OPENAI_API_KEY)",
                [{"field": "body.output_schema", "message": "needs a language model (no OPENAI_API_KEY)"}],
            )
        now = now_rfc3339()
        record: dict[str, Any] = {
            "id": research_id or RESEARCH.new(),
            "query": request.query,
            **self._from_template(tenant, request),
            "depth": request.depth,
            "sources_requested": request.sources,
            "recency": request.recency,
            "domains": request.domains,
            "max_cost_usd": request.max_cost_usd,
            "max_rounds": request.max_rounds,
            "max_duration_s": request.max_duration_s,
            "output_schema_json": json.dumps(request.output_schema) if request.output_schema is not None else None,
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
        elif not self._repo.create(tenant, record, due_at=due_at):
            existing = self._resources.record(tenant, research_id)
            if existing["status"] == "queued" and existing.get("step") == "plan":
                # The first attempt may have died before sending; a duplicate message is harmless.
                send_or_defer(
                    self._queue,
                    TaskMessage(task_id=research_id, tenant=tenant, kind="research", step="plan"),
                    lambda: self._repo.set_due(tenant, research_id, 0),  # due at once
                )
            return self._resources.present(existing)
        send_or_defer(
            self._queue,
            TaskMessage(task_id=record["id"], tenant=tenant, kind="research", step="plan"),
            lambda: self._repo.set_due(tenant, record["id"], 0),  # due at once
        )
        metrics.add_metric(name=metric_names.RUNS_STARTED, unit=MetricUnit.Count, value=1)
        return self._resources.present(record)

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
        return self._resources.get(tenant, research_id)

    def get_many(self, tenant: str, research_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Research records by id, as stored (missing ones left out): what watches compare runs by."""
        return self._repo.get_many(tenant, research_ids)

    def record(self, tenant: str, research_id: str) -> dict[str, Any] | None:
        return self._resources.find(tenant, research_id)

    def list(self, tenant: str, limit: int, cursor: str | None, status: str | None) -> Page[ResearchSummary]:
        return self._resources.list(tenant, limit, cursor, status)

    def cancel(self, tenant: str, research_id: str) -> Research:
        for _ in range(5):
            record = self._resources.record(tenant, research_id)
            if record["status"] in TERMINAL_STATUSES:
                raise Conflict(f"research {research_id} has already {record['status']}")
            if record["status"] == "running":
                # A running step finishes; the worker stops at the next step boundary.
                if self._repo.request_cancel(tenant, research_id):
                    return self.get(tenant, research_id)
                continue
            cancelled = self._lifecycle.finish(
                record, "cancelled", {}, "Cancelled before it started", expected_statuses=("queued",)
            )
            if cancelled:
                return self.get(tenant, research_id)
        raise Conflict(f"research {research_id} changed while being cancelled; try again")

    def delete(self, tenant: str, research_id: str) -> None:
        if not RESEARCH.issued(research_id) or not self._repo.delete(tenant, research_id):
            raise self._resources.missing(research_id)

    def events(self, tenant: str, research_id: str, after: int, limit: int) -> ResearchEventPage:
        return self._resources.events(tenant, research_id, after, limit)
