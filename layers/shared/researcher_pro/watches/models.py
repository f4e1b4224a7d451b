"""Watches: saved research that re-runs on a schedule, and each run's difference from the one before."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, ValidationError, create_model

from researcher_pro.core.models import NOT_BLANK, TRIMMED, Status, StrictInput, optional_fields
from researcher_pro.research.models import Depth, Recency, ResearchRequest, SourceKind
from researcher_pro.webhooks.models import WebhookUrl

# The research a watch runs: exactly the fields of a research request.
RESEARCH_PARAMS = frozenset(ResearchRequest.model_fields)

ScheduleText = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=NOT_BLANK), TRIMMED]
RunTrigger = Literal["baseline", "schedule", "manual"]


class WatchRequest(ResearchRequest):
    """A research request (query, or template and variables; depth, sources, filters, budget) plus when to
    run it. Research validation is ResearchRequest's own, so whatever a research accepts a watch accepts.
    The schedule's syntax and frequency are checked by the watch service (the minimum interval is a setting)."""

    schedule: ScheduleText
    enabled: bool = True
    webhook_url: WebhookUrl | None = None


if TYPE_CHECKING:
    ResearchChanges = StrictInput
else:
    # A research request's fields, each optional, with the very constraints a research request has.
    ResearchChanges = create_model("ResearchChanges", __base__=StrictInput, **optional_fields(ResearchRequest))


class WatchUpdate(ResearchChanges):
    """Only the fields sent change; `null` clears an optional one (recency, max_cost_usd, webhook_url...)."""

    schedule: ScheduleText | None = None
    enabled: bool | None = None
    webhook_url: WebhookUrl | None = None


class Watch(BaseModel):
    id: str
    query: str | None = None
    template_id: str | None = None
    variables: dict[str, Any] | None = None
    depth: Depth
    sources: list[SourceKind]
    recency: Recency | None = None
    domains: list[str] = []
    max_cost_usd: float | None = None
    max_rounds: int | None = None
    max_duration_s: int | None = None
    output_schema: dict[str, Any] | None = None
    schedule: str
    enabled: bool
    webhook_url: str | None = None
    webhook_id: str | None = Field(
        None, description="The webhook `webhook_url` is: its deliveries are under /v1/webhooks/{webhook_id}"
    )
    next_run_at: str | None = Field(None, description="When the schedule next runs it (null while disabled)")
    last_run_at: str | None = None
    last_research_id: str | None = None
    runs: int = 0
    created_at: str
    updated_at: str


class WatchCreated(Watch):
    webhook_secret: str | None = Field(
        None,
        description="Signs webhook deliveries (Standard Webhooks, `whsec_…`); shown only in this response (and "
        "when a webhook is first set)",
    )


class SourceRef(BaseModel):
    url: str
    title: str = ""


class FindingRef(BaseModel):
    text: str
    sources: list[str] = Field(description="Normalised URLs of the sources the finding cites")


class WatchDiff(BaseModel):
    new_sources: list[SourceRef]
    dropped_sources: list[SourceRef]
    new_findings: list[FindingRef]
    unsupported_findings: list[FindingRef] = Field(description="Findings of the previous run no longer supported")
    changed: bool


class WatchRun(BaseModel):
    research_id: str
    started_at: str
    trigger: RunTrigger
    status: Status | Literal["starting", "deleted"]
    cost_usd: float = 0.0
    cache_hits: int = 0
    previous_research_id: str | None = Field(None, description="The earlier successful run this one is compared with")
    diff: WatchDiff | None = Field(None, description="Null for the first successful run, or a run that did not succeed")


def first_error(error: ValidationError) -> str:
    """The first problem pydantic found, as `field: message`."""
    issue = error.errors()[0]
    field = ".".join(str(p) for p in issue.get("loc", ())) or "body"
    return f"{field}: {issue.get('msg', 'invalid')}"
