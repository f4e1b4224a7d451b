"""Reports as the API sees them: start one on a finished research, read it with a fresh download URL, list."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools.metrics import MetricUnit

from researcher_pro.core import metric_names
from researcher_pro.core.clock import now_rfc3339, rfc3339
from researcher_pro.core.errors import Conflict, InvalidInput, NotFound
from researcher_pro.core.ids import REPORT
from researcher_pro.core.models import Page
from researcher_pro.core.observability import metrics
from researcher_pro.reports.models import Report, ReportEvent, ReportEventPage, ReportRequest
from researcher_pro.research.service import ResearchService
from researcher_pro.tasks.messages import TaskMessage
from researcher_pro.tasks.queue import Queue, send_or_defer
from researcher_pro.tasks.repository import TaskRepository
from researcher_pro.tasks.resource import TaskResources

if TYPE_CHECKING:
    from researcher_pro.templates.models import RenderedTemplate, Template

# Bodies and download URLs come with GET /v1/reports/{id} only; lists stay light.
NOT_LISTED = ("content", "download_url", "download_expires_at")
MAX_SECTIONS = 30
# A research outline shorter than this (a quick run's one or two sections) gives a report the default sections.
MIN_OUTLINE_SECTIONS = 3
Sections = list[dict[str, str]]


class TemplateSections(Protocol):
    """What reports need from templates: a template (the tenant's own or a built-in) rendered with the
    variables of the research it reports on. Raises NotFound for a template the tenant cannot see, and
    InvalidInput for variables it cannot render with."""

    def resolve(self, tenant: str, template_id: str) -> Template: ...
    def render(self, tenant: str, template_id: str, variables: Mapping[str, Any]) -> RenderedTemplate: ...


class DownloadLinks(Protocol):
    def download_url(self, key: str, content_type: str, filename: str, expires_in: int) -> str: ...


class ReportService:
    def __init__(
        self,
        repo: TaskRepository,
        research: ResearchService,
        queue: Queue,
        links: DownloadLinks,
        templates: TemplateSections,
        stuck_after_seconds: int,
        url_ttl_seconds: int,
    ) -> None:
        self._repo = repo
        self._resources = TaskResources(repo, Report, Report, ReportEvent, omit_from_lists=NOT_LISTED)
        self._research = research
        self._queue = queue
        self._links = links
        self._templates = templates
        self._stuck_after = stuck_after_seconds
        self._url_ttl = url_ttl_seconds

    def start(self, tenant: str, request: ReportRequest) -> Report:
        research = self._research.record(tenant, request.research_id)
        if research is None:
            raise NotFound(f"research_id: no research {request.research_id}")
        if research["status"] != "succeeded":
            raise Conflict(
                f"research_id: research {request.research_id} is {research['status']}; "
                "a report needs a research that has succeeded"
            )
        template_id = request.template_id
        if template_id is None or template_id == research.get("template_id"):
            # The research's own template, as the research rendered it; without one, the outline the
            # research wrote its answer to, when it has a report's worth of sections.
            template_id = research.get("template_id")
            version = research.get("template_version")
            outline = research.get("outline") or []
            sections = research.get("template_sections") or (outline if len(outline) >= MIN_OUTLINE_SECTIONS else None)
        else:
            version, sections = self._template(tenant, template_id, research)
        now = now_rfc3339()
        record: dict[str, Any] = {
            "id": REPORT.new(),
            "research_id": request.research_id,
            "template_id": template_id,
            "template_version": version,
            "template_sections": sections,
            "format": request.format,
            "status": "queued",
            "stage": None,
            "step": "outline",
            "progress": 0.0,
            "created_at": now,
            "updated_at": now,
        }
        # Written before it is queued: if the send fails, the sweeper finds the record and queues it.
        self._repo.create(tenant, record, due_at=time.time() + self._stuck_after)
        send_or_defer(
            self._queue,
            TaskMessage(task_id=record["id"], tenant=tenant, kind="report", step="outline"),
            lambda: self._repo.set_due(tenant, record["id"], 0),  # due at once
        )
        metrics.add_metric(name=metric_names.REPORTS_STARTED, unit=MetricUnit.Count, value=1)
        return self._report(record)

    def get(self, tenant: str, report_id: str) -> Report:
        return self._report(self._resources.record(tenant, report_id))

    def list(self, tenant: str, limit: int, cursor: str | None, status: str | None) -> Page[Report]:
        return self._resources.list(tenant, limit, cursor, status)

    def events(self, tenant: str, report_id: str, after: int, limit: int) -> ReportEventPage:
        return self._resources.events(tenant, report_id, after, limit)

    def _template(self, tenant: str, template_id: str, research: dict[str, Any]) -> tuple[int | None, Sections | None]:
        """Another template than the research used: its sections, with those of the research's
        variables that it declares (the others take their defaults)."""
        try:
            template = self._templates.resolve(tenant, template_id)
            variables = {k: v for k, v in (research.get("variables") or {}).items() if k in template.variables}
            rendered = self._templates.render(tenant, template_id, variables)
        except NotFound as missing:
            raise InvalidInput(f"template_id: no template {template_id}") from missing
        except InvalidInput as unusable:
            raise InvalidInput(
                f"template_id: template {template_id} cannot shape this report: {unusable.detail}"
            ) from unusable
        sections = [s.model_dump() for s in rendered.sections[:MAX_SECTIONS]]
        return rendered.version, sections or None

    def _report(self, record: dict[str, Any]) -> Report:
        if record.get("status") != "succeeded" or not record.get("body_key"):
            return self._resources.present(record)
        # Signed afresh on every read, so a link is never older than its time limit.
        filename = str(record["body_key"]).rsplit("/", 1)[-1]
        url = self._links.download_url(record["body_key"], record["content_type"], filename, self._url_ttl)
        expires_at = rfc3339(datetime.now(UTC) + timedelta(seconds=self._url_ttl))
        return self._resources.present(record, download_url=url, download_expires_at=expires_at)
