"""Analyses as the API sees them: start (on a text or a finished research), read, list, the event log."""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.analyses.models import Analysis, AnalysisEvent, AnalysisEventPage, AnalysisRequest
from researcher_pro.core import metric_names
from researcher_pro.core.clock import now_rfc3339
from researcher_pro.core.errors import Conflict, InvalidInput, NotFound
from researcher_pro.core.ids import ANALYSIS
from researcher_pro.core.models import Page
from researcher_pro.core.observability import metrics
from researcher_pro.research.service import ResearchService
from researcher_pro.tasks.messages import TaskMessage
from researcher_pro.tasks.queue import Queue, send_or_defer
from researcher_pro.tasks.repository import TaskRepository
from researcher_pro.tasks.resource import TaskResources
from researcher_pro.tasks.texts import TextStore


class AnalysisService:
    def __init__(
        self,
        repo: TaskRepository,
        research: ResearchService,
        texts: TextStore,
        queue: Queue,
        stuck_after_seconds: int,
        offline: bool,
    ) -> None:
        self._repo = repo
        self._resources = TaskResources(repo, Analysis, Analysis, AnalysisEvent)
        self._research = research
        self._texts = texts
        self._queue = queue
        self._stuck_after = stuck_after_seconds
        self._offline = offline

    def start(self, tenant: str, request: AnalysisRequest) -> Analysis:
        kinds = list(request.kinds or ())
        if "custom" in kinds and self._offline:
            raise InvalidInput(
                "kinds: 'custom' extraction needs a language model, and this service runs offline "
                "(no OPENAI_API_KEY); the other kinds work offline"
            )
        text = request.text if request.text is not None else self._research_text(tenant, str(request.research_id))
        analysis_id = ANALYSIS.new()
        now = now_rfc3339()
        record: dict[str, Any] = {
            "id": analysis_id,
            "kinds": kinds,
            "research_id": request.research_id,
            "instructions": request.instructions,
            "schema_json": json.dumps(request.json_schema) if request.json_schema is not None else None,
            "max_cost_usd": request.max_cost_usd,
            "text_chars": len(text),
            "method": "offline" if self._offline else "model",
            "status": "queued",
            "stage": None,
            "step": "map",
            "progress": 0.0,
            "created_at": now,
            "updated_at": now,
            **self._texts.keep(tenant, analysis_id, text),
        }
        # Written before it is queued: if the send fails, the sweeper finds the record and queues it.
        self._repo.create(tenant, record, due_at=time.time() + self._stuck_after)
        send_or_defer(
            self._queue,
            TaskMessage(task_id=analysis_id, tenant=tenant, kind="analysis", step="map"),
            lambda: self._repo.set_due(tenant, analysis_id, 0),  # due at once
        )
        metrics.add_metric(name=metric_names.ANALYSES_STARTED, unit=MetricUnit.Count, value=1)
        return self._resources.present(record)

    def get(self, tenant: str, analysis_id: str) -> Analysis:
        return self._resources.get(tenant, analysis_id)

    def list(self, tenant: str, limit: int, cursor: str | None, status: str | None) -> Page[Analysis]:
        return self._resources.list(tenant, limit, cursor, status)

    def events(self, tenant: str, analysis_id: str, after: int, limit: int) -> AnalysisEventPage:
        return self._resources.events(tenant, analysis_id, after, limit)

    def _research_text(self, tenant: str, research_id: str) -> str:
        research = self._research.record(tenant, research_id)
        if research is None:
            raise NotFound(f"research_id: no research {research_id}")
        if research["status"] != "succeeded":
            raise Conflict(
                f"research_id: research {research_id} is {research['status']}; only a succeeded research "
                "can be analysed"
            )
        # The cited answer is what the research says; its findings stand in when there is no answer.
        text = str(research.get("answer") or "").strip()
        if not text:
            text = "\n\n".join(str(f["text"]) for f in research.get("findings") or [])
        if not text.strip():
            raise Conflict(f"research_id: research {research_id} has no answer or findings to analyse")
        return text
