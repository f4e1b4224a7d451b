"""Reports: the request that turns a finished research into a document, and the resource read back."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

from researcher_pro.core.models import ErrorInfo, Status, StrictInput, Usage
from researcher_pro.tasks.models import EventPage, TaskEvent

ReportFormat = Literal["markdown", "html", "json"]
ReportStage = Literal["outline", "write", "render"]

ResourceId = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class ReportRequest(StrictInput):
    research_id: ResourceId
    template_id: ResourceId | None = None
    format: ReportFormat = "markdown"


class Report(BaseModel):
    id: str
    status: Status
    format: ReportFormat
    research_id: str
    template_id: str | None = None
    template_version: int | None = None
    stage: ReportStage | None = None
    progress: float = 0.0
    created_at: str
    updated_at: str
    completed_at: str | None = None
    title: str | None = None
    sections: list[str] = []
    content_type: str | None = None
    size_bytes: int | None = None
    content: str | None = None
    download_url: str | None = None
    download_expires_at: str | None = None
    dropped_citations: int = 0
    usage: Usage = Usage()
    error: ErrorInfo | None = None


EventType = Literal["report.progress", "report.ready", "report.failed", "report.cancelled"]


class ReportEvent(TaskEvent):
    type: EventType
    report_id: str
    stage: ReportStage | None = None


ReportEventPage = EventPage[ReportEvent]
