"""Research: the request a client sends, the resource it reads back, and its progress events."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, field_validator, model_validator

from researcher_pro.core.models import (
    MIN_COST_USD,
    NOT_BLANK,
    TRIMMED,
    ErrorInfo,
    Status,
    StrictInput,
    Usage,
    json_bytes,
)
from researcher_pro.tasks.models import EventPage, TaskEvent

Depth = Literal["quick", "standard", "deep"]
SourceKind = Literal["web", "documents"]
Recency = Literal["day", "week", "month", "year"]
Stage = Literal["plan", "search", "analyze", "synthesize"]

MAX_VARIABLES_BYTES = 32_768
SUB_QUESTIONS_BY_DEPTH: dict[str, int] = {"quick": 1, "standard": 3, "deep": 5}

Domain = Annotated[
    str,
    StringConstraints(
        min_length=1,
        max_length=254,
        pattern=r"^-?([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$",
    ),
]


def _allowed_or_excluded(domains: list[str]) -> list[str]:
    # Web search takes an allowlist or a denylist ("-example.com"), never a mix of the two.
    excluded = [d.startswith("-") for d in domains]
    if any(excluded) and not all(excluded):
        raise ValueError("domains are either all allowed or all excluded ('-example.com'), not a mix")
    return domains


Domains = Annotated[list[Domain], Field(max_length=20), AfterValidator(_allowed_or_excluded)]


class ResearchRequest(StrictInput):
    query: Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NOT_BLANK), TRIMMED] | None = None
    depth: Depth = "standard"
    sources: Annotated[list[SourceKind], Field(min_length=1, max_length=2)] = ["web"]
    recency: Recency | None = None
    domains: Domains = []
    max_cost_usd: Annotated[float, Field(ge=MIN_COST_USD, le=1000)] | None = None
    template_id: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")] | None = (
        None
    )
    variables: (
        Annotated[
            dict[str, Any],
            Field(
                max_length=60,
                description=f"The template's variables; at most {MAX_VARIABLES_BYTES} bytes as compact JSON (UTF-8)",
            ),
        ]
        | None
    ) = None

    @field_validator("variables")
    @classmethod
    def _variables_fit(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and json_bytes(value) > MAX_VARIABLES_BYTES:
            raise ValueError(f"variables must be at most {MAX_VARIABLES_BYTES} bytes as compact JSON (UTF-8)")
        return value

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def _query_or_template(self) -> ResearchRequest:
        if self.query is None and self.template_id is None:
            raise ValueError("either 'query' or 'template_id' is required")
        if self.query is not None and self.template_id is not None:
            raise ValueError("give either 'query' or 'template_id', not both: a template renders the query")
        if self.variables is not None and self.template_id is None:
            raise ValueError("'variables' is only allowed together with 'template_id'")
        return self


class Source(BaseModel):
    n: int
    url: str
    title: str
    snippet: str = ""
    published_at: str | None = None
    origin: SourceKind = "web"


class Finding(BaseModel):
    text: str
    citations: list[int]


class ResearchSummary(BaseModel):
    """A research as lists show it: all but its answer, findings and sources (read the research for those)."""

    id: str
    query: str
    depth: Depth
    sources_requested: list[SourceKind]
    recency: Recency | None = None
    domains: list[str] = []
    max_cost_usd: float | None = None
    status: Status
    stage: Stage | None = None
    progress: float = 0.0
    created_at: str
    updated_at: str
    completed_at: str | None = None
    usage: Usage = Usage()
    dropped_citations: int = 0
    cancel_requested: bool = False
    error: ErrorInfo | None = None
    watch_id: str | None = None
    template_id: str | None = None
    template_version: int | None = None
    variables: dict[str, Any] | None = Field(default=None, description="The template variables, as given")


class Research(ResearchSummary):
    answer: str | None = None
    findings: list[Finding] = []
    sources: list[Source] = []


EventType = Literal[
    "research.progress",
    "research.completed",
    "research.failed",
    "research.cancelled",
]


class ResearchEvent(TaskEvent):
    type: EventType
    research_id: str
    stage: Stage | None = None


ResearchEventPage = EventPage[ResearchEvent]
