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
Stage = Literal["plan", "search", "read", "analyze", "reflect", "synthesize"]
StopReason = Literal["complete", "rounds", "budget", "deadline"]

MAX_VARIABLES_BYTES = 32_768
SUB_QUESTIONS_BY_DEPTH: dict[str, int] = {"quick": 1, "standard": 3, "deep": 5}
MAX_ROUNDS = 8  # the most rounds a request may ask for; each depth has its own limit below it (settings)

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

    max_rounds: Annotated[int, Field(ge=1, le=MAX_ROUNDS)] | None = Field(
        default=None, description="Rounds of search, read, analyse and reflect at most (default: the depth's)"
    )
    max_duration_s: Annotated[int, Field(ge=30, le=3600)] | None = Field(
        default=None, description="Seconds the run may take: it stops looking in time to write its answer"
    )
    output_schema: dict[str, Any] | None = Field(
        default=None,
        description="A JSON Schema (an object at the top level): the finished run also returns `structured`, "
        "valid against it, with the source numbers that support each top-level field",
    )

    @field_validator("variables")
    @classmethod
    def _variables_fit(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and json_bytes(value) > MAX_VARIABLES_BYTES:
            raise ValueError(f"variables must be at most {MAX_VARIABLES_BYTES} bytes as compact JSON (UTF-8)")
        return value

    @field_validator("output_schema")
    @classmethod
    def _usable_schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            from researcher_pro.core.json_schema import check_schema

            check_schema(value)  # SchemaRefused is a ValueError: a 422 naming `output_schema`
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
    read: bool = Field(default=False, description="Its page text was read, not only its search snippet")


class Finding(BaseModel):
    text: str
    citations: list[int]
    quote: str | None = Field(
        default=None, description="Copied verbatim from the first source cited, and checked against its text"
    )


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
    max_rounds: int | None = None
    max_duration_s: int | None = None
    rounds: int = Field(default=0, description="Rounds of search, read, analyse and reflect done")
    stop_reason: StopReason | None = Field(
        default=None,
        description="Why it stopped looking: nothing was missing, the round limit, the budget, or the deadline",
    )
    brief: list[str] = Field(default=[], description="The facets a complete answer must cover")
    pages_read: int = Field(default=0, description="Distinct pages whose text was read")
    unverified_findings: int = Field(
        default=0, description="Findings dropped because their quote is not in the source they cite"
    )


class Research(ResearchSummary):
    answer: str | None = None
    findings: list[Finding] = []
    sources: list[Source] = []
    output_schema: dict[str, Any] | None = None
    structured: dict[str, Any] | None = Field(
        default=None, description="With `output_schema`: the answer as an object valid against it"
    )
    structured_citations: dict[str, list[int]] | None = Field(
        default=None, description="With `output_schema`: the sources supporting each top-level field of `structured`"
    )


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
    round: int | None = Field(default=None, description="The round this event belongs to (search to reflect)")
    of: int | None = Field(default=None, description="The most rounds the run may have")


ResearchEventPage = EventPage[ResearchEvent]
