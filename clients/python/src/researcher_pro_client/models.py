"""The API's resources and request bodies, one class per schema of its OpenAPI document, with the same name.

Resources accept fields this version does not know yet (a newer server adds fields; it never removes them).
Request bodies carry the API's limits, so a caller (the MCP server, a form) can check input before sending it.
To add a field the server gained, add one line to the class of the same name: the project's drift test
compares every class here with the server's document and names what differs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
Depth = Literal["quick", "standard", "deep"]
SourceKind = Literal["web", "documents"]
Recency = Literal["day", "week", "month", "year"]
ResearchStage = Literal["plan", "search", "read", "analyze", "reflect", "synthesize"]
StopReason = Literal["complete", "rounds", "budget", "deadline"]
AnalysisKind = Literal["summary", "key_points", "sentiment", "entities", "topics", "custom"]
AnalysisStage = Literal["map", "reduce"]
ReportFormat = Literal["markdown", "html", "json"]
ReportStage = Literal["outline", "write", "render"]
VariableType = Literal["string", "number", "enum", "list"]
ResearchEventType = Literal["research.progress", "research.completed", "research.failed", "research.cancelled"]
AnalysisEventType = Literal["analysis.progress", "analysis.completed", "analysis.failed", "analysis.cancelled"]
ReportEventType = Literal["report.progress", "report.ready", "report.failed", "report.cancelled"]
TERMINAL_EVENT_TYPES: frozenset[str] = frozenset(
    {
        "research.completed",
        "research.failed",
        "research.cancelled",
        "analysis.completed",
        "analysis.failed",
        "analysis.cancelled",
        "report.ready",
        "report.failed",
        "report.cancelled",
    }
)

# Texts must say something: at least one character that is not whitespace (the server's exact whitespace set).
WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
NOT_BLANK = f"[^{WHITESPACE}]"
DOMAIN_PATTERN = r"^-?([a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$"
TEMPLATE_ID_PATTERN = r"^[A-Za-z0-9_-]+$"
Domain = Annotated[str, StringConstraints(min_length=1, max_length=254, pattern=DOMAIN_PATTERN)]
TemplateId = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=TEMPLATE_ID_PATTERN)]
CostCap = Annotated[float, Field(ge=0.000001, le=1000)]
Query = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NOT_BLANK)]
MaxRounds = Annotated[int, Field(ge=1, le=8)]
MaxDuration = Annotated[int, Field(ge=30, le=3600)]
SourceKinds = Annotated[list[SourceKind], Field(min_length=1, max_length=2)]
Domains = Annotated[list[Domain], Field(max_length=20)]
Variables = Annotated[dict[str, Any], Field(max_length=60)]
AnalysisText = Annotated[str, StringConstraints(min_length=1, max_length=100_000, pattern=NOT_BLANK)]
AnalysisKinds = Annotated[list[AnalysisKind], Field(min_length=1, max_length=6)]
TaskId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
DocumentTitle = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=NOT_BLANK)]
DocumentKind = Literal["pdf", "docx", "html", "markdown", "text"]
DocumentStatus = Literal["pending", "processing", "ready", "failed"]
DOCUMENT_DONE: frozenset[str] = frozenset({"ready", "failed"})
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # a file sent through a presigned upload
SourceUrl = Annotated[str, StringConstraints(max_length=2048, pattern=f"^https?://{NOT_BLANK}+$")]
Schedule = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=NOT_BLANK)]
WebhookUrl = Annotated[str, StringConstraints(min_length=1, max_length=2048, pattern=NOT_BLANK)]
MAX_DOCUMENT_BYTES = 1_000_000  # of UTF-8 text: the server checks it, its schema cannot say it


class Resource(BaseModel):
    """What the API returns: fields added by a newer server are kept, not refused."""

    model_config = ConfigDict(extra="allow")


class RequestBody(BaseModel):
    """What a client sends: the server refuses unknown fields, so this does too."""

    model_config = ConfigDict(extra="forbid")


class Page[T](Resource):
    items: list[T]
    next_cursor: str | None = None


class EventPage[T](Resource):
    items: list[T]
    next_after: int


# --- shared ----------------------------------------------------------------------------------------------


class Usage(Resource):
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    model_calls: int = 0
    cache_hits: int = 0


class ErrorInfo(Resource):
    code: str
    message: str


class Providers(Resource):
    search: Literal["perplexity", "offline"]
    model: Literal["openai", "offline"]


PROBLEM_ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["field", "message"],
        "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "type": {"type": "string"}},
    },
}


class Problem(Resource):
    """An error answer (application/problem+json); errors.APIError carries it."""

    type: str
    title: str
    status: int
    detail: str
    # Which input was refused and why: [{"field": "body.query", "message": "...", "type": "..."}].
    errors: Annotated[list[dict[str, str]], WithJsonSchema(PROBLEM_ERRORS)] = []


class Health(Resource):
    status: Literal["ok"]
    version: str
    mode: Literal["online", "offline", "partial"]
    providers: Providers
    detail: str
    ws_url: str | None = None


# --- research --------------------------------------------------------------------------------------------


class ResearchRequest(RequestBody):
    query: Query | None = None
    depth: Depth = "standard"
    sources: SourceKinds = ["web"]
    recency: Recency | None = None
    domains: Domains = []
    max_cost_usd: CostCap | None = None
    template_id: TemplateId | None = None
    variables: Variables | None = None
    max_rounds: MaxRounds | None = None
    max_duration_s: MaxDuration | None = None
    output_schema: dict[str, Any] | None = None


class Source(Resource):
    n: int
    url: str
    title: str
    snippet: str = ""
    published_at: str | None = None
    origin: SourceKind = "web"
    read: bool = False


class Finding(Resource):
    text: str
    citations: list[int]
    quote: str | None = None


class ResearchSummary(Resource):
    id: str
    query: str
    depth: Depth
    sources_requested: list[SourceKind]
    recency: Recency | None = None
    domains: list[str] = []
    max_cost_usd: float | None = None
    status: Status
    stage: ResearchStage | None = None
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
    variables: dict[str, Any] | None = None
    max_rounds: int | None = None
    max_duration_s: int | None = None
    rounds: int = 0
    stop_reason: StopReason | None = None
    brief: list[str] = []
    pages_read: int = 0
    unverified_findings: int = 0


class Research(ResearchSummary):
    answer: str | None = None
    findings: list[Finding] = []
    sources: list[Source] = []
    output_schema: dict[str, Any] | None = None
    structured: dict[str, Any] | None = None
    structured_citations: dict[str, list[int]] | None = None


class ResearchEvent(Resource):
    seq: int
    progress: float
    message: str
    data: dict[str, Any] = {}
    ts: str
    type: ResearchEventType
    research_id: str
    stage: ResearchStage | None = None
    round: int | None = None
    of: int | None = None


# --- analyses --------------------------------------------------------------------------------------------


class AnalysisRequest(RequestBody):
    text: AnalysisText | None = None
    research_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    kinds: AnalysisKinds | None = None
    # `schema` would shadow a BaseModel attribute; the alias keeps the wire name.
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    instructions: Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NOT_BLANK)] | None = None
    max_cost_usd: CostCap | None = None


class Sentiment(Resource):
    label: Literal["positive", "neutral", "negative", "mixed"]
    score: Annotated[float, Field(ge=-1, le=1)]


class Entity(Resource):
    name: str
    type: str


class AnalysisResult(Resource):
    summary: str | None = None
    key_points: list[str] | None = None
    sentiment: Sentiment | None = None
    entities: list[Entity] | None = None
    topics: list[str] | None = None
    custom: dict[str, Any] | None = None


class Analysis(Resource):
    id: str
    status: Status
    kinds: list[AnalysisKind]
    research_id: str | None = None
    instructions: str | None = None
    text_chars: int
    chunks: int | None = None
    method: Literal["model", "offline"]
    max_cost_usd: float | None = None
    stage: AnalysisStage | None = None
    progress: float = 0.0
    created_at: str
    updated_at: str
    completed_at: str | None = None
    result: dict[str, Any] | None = None
    usage: Usage = Usage()
    cancel_requested: bool = False
    error: ErrorInfo | None = None

    def parsed_result(self) -> AnalysisResult | None:
        """The result with its known parts typed (the API keeps it an open object)."""
        return AnalysisResult.model_validate(self.result) if self.result is not None else None


class AnalysisEvent(Resource):
    seq: int
    progress: float
    message: str
    data: dict[str, Any] = {}
    ts: str
    type: AnalysisEventType
    analysis_id: str
    stage: AnalysisStage | None = None


# --- reports ---------------------------------------------------------------------------------------------


class ReportRequest(RequestBody):
    research_id: TaskId
    template_id: TaskId | None = None
    format: ReportFormat = "markdown"


class Report(Resource):
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


class ReportEvent(Resource):
    seq: int
    progress: float
    message: str
    data: dict[str, Any] = {}
    ts: str
    type: ReportEventType
    report_id: str
    stage: ReportStage | None = None


# --- documents -------------------------------------------------------------------------------------------


class DocumentCreate(RequestBody):
    title: DocumentTitle
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_DOCUMENT_BYTES, pattern=NOT_BLANK)]
    source_url: SourceUrl | None = None


def _never_null(schema: dict[str, Any]) -> None:
    """An optional form field is sent or not; it is never null."""
    schema.update(next(option for option in schema.pop("anyOf") if option.get("type") != "null"))
    schema.pop("default", None)


class DocumentForm(RequestBody):
    """The multipart form of `POST /v1/documents`: a file and, optionally, its title."""

    file: bytes
    title: DocumentTitle | None = Field(default=None, json_schema_extra=_never_null)


class UploadRequest(RequestBody):
    """A file to send straight to storage (`documents.upload` does it for files too large for the body)."""

    filename: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=NOT_BLANK)]
    content_type: Annotated[
        str, StringConstraints(max_length=255, pattern=r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$")
    ]
    size: Annotated[int, Field(ge=1, le=MAX_UPLOAD_BYTES)]
    title: DocumentTitle | None = None


class Document(Resource):
    id: str
    title: str
    source_url: str | None = None
    size_bytes: int
    created_at: str
    status: DocumentStatus = "ready"
    kind: DocumentKind | None = None
    filename: str | None = None
    chars: int | None = None
    pages: int | None = None
    warnings: list[str] = []
    error: ErrorInfo | None = None


class UploadForm(Resource):
    """Where to POST the file (multipart: every one of `fields`, then `file`), until `expires_at`."""

    url: str
    method: Literal["POST"] = "POST"
    fields: dict[str, str]
    expires_at: str


class DocumentUpload(Resource):
    document: Document
    upload: UploadForm


class DocumentWithText(Document):
    text: str


# --- templates -------------------------------------------------------------------------------------------


class TemplateVariable(RequestBody):
    type: VariableType
    required: bool = False
    default: str | int | float | list[str] | None = None
    description: Annotated[str, StringConstraints(max_length=500)] = ""
    values: (
        Annotated[
            list[Annotated[str, StringConstraints(min_length=1, max_length=200)]], Field(min_length=1, max_length=50)
        ]
        | None
    ) = None


class TemplateSection(RequestBody):
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    instructions: Annotated[str, StringConstraints(max_length=2000)] = ""


class TemplateInput(RequestBody):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NOT_BLANK)]
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    variables: Annotated[
        dict[Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")], TemplateVariable],
        Field(max_length=30, json_schema_extra={"additionalProperties": False}),
    ] = {}
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=NOT_BLANK)]
    sections: Annotated[list[TemplateSection], Field(max_length=20)] = []


class Template(Resource):
    id: str
    name: str
    description: str = ""
    variables: dict[str, TemplateVariable] = {}
    prompt: str
    sections: list[TemplateSection] = []
    version: int
    builtin: bool = False
    created_at: str
    updated_at: str


class RenderRequest(RequestBody):
    variables: Annotated[dict[str, Any], Field(max_length=60)] = {}
    version: Annotated[int, Field(ge=1, le=1_000_000_000)] | None = None


class RenderedSection(Resource):
    title: str
    instructions: str


class RenderedTemplate(Resource):
    template_id: str
    version: int
    prompt: str
    sections: list[RenderedSection]


# --- watches ---------------------------------------------------------------------------------------------


class WatchRequest(RequestBody):
    query: Query | None = None
    depth: Depth = "standard"
    sources: SourceKinds = ["web"]
    recency: Recency | None = None
    domains: Domains = []
    max_cost_usd: CostCap | None = None
    template_id: TemplateId | None = None
    variables: Variables | None = None
    max_rounds: MaxRounds | None = None
    max_duration_s: MaxDuration | None = None
    output_schema: dict[str, Any] | None = None
    schedule: Schedule
    enabled: bool = True
    webhook_url: WebhookUrl | None = None


class WatchUpdate(RequestBody):
    query: Query | None = None
    depth: Depth | None = None
    sources: SourceKinds | None = None
    recency: Recency | None = None
    domains: Domains | None = None
    max_cost_usd: CostCap | None = None
    template_id: TemplateId | None = None
    variables: Variables | None = None
    max_rounds: MaxRounds | None = None
    max_duration_s: MaxDuration | None = None
    output_schema: dict[str, Any] | None = None
    schedule: Schedule | None = None
    enabled: bool | None = None
    webhook_url: WebhookUrl | None = None


class Watch(Resource):
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
    webhook_id: str | None = None
    next_run_at: str | None = None
    last_run_at: str | None = None
    last_research_id: str | None = None
    runs: int = 0
    created_at: str
    updated_at: str


class WatchCreated(Watch):
    webhook_secret: str | None = None


class SourceRef(Resource):
    url: str
    title: str = ""


class FindingRef(Resource):
    text: str
    sources: list[str]


class WatchDiff(Resource):
    new_sources: list[SourceRef]
    dropped_sources: list[SourceRef]
    new_findings: list[FindingRef]
    unsupported_findings: list[FindingRef]
    changed: bool


class WatchRun(Resource):
    research_id: str
    started_at: str
    trigger: Literal["baseline", "schedule", "manual"]
    status: Status | Literal["starting", "deleted"]
    cost_usd: float = 0.0
    cache_hits: int = 0
    previous_research_id: str | None = None
    diff: WatchDiff | None = None


# --- usage -----------------------------------------------------------------------------------------------


class UsageDay(Usage):
    date: str


class DailyBudget(Resource):
    daily_usd: float | None
    day: str
    spent_usd: float
    left_usd: float | None


class UsageReport(Resource):
    from_date: str
    to_date: str
    days: list[UsageDay]
    totals: Usage
    budget: DailyBudget


# --- webhooks ---------------------------------------------------------------------------------------------

WebhookEventType = Literal[
    "research.completed",
    "research.failed",
    "research.cancelled",
    "analysis.completed",
    "analysis.failed",
    "report.ready",
    "report.failed",
    "watch.run_completed",
]
WebhookEvents = Annotated[list[WebhookEventType], Field(min_length=1, max_length=8)]
WebhookDescription = Annotated[str, StringConstraints(max_length=500)]


class WebhookCreate(RequestBody):
    url: WebhookUrl
    events: WebhookEvents
    description: WebhookDescription = ""


class WebhookUpdate(RequestBody):
    url: WebhookUrl | None = None
    events: WebhookEvents | None = None
    description: WebhookDescription | None = None
    enabled: bool | None = None


class Webhook(Resource):
    id: str
    url: str
    events: list[WebhookEventType]
    description: str
    enabled: bool
    disabled_reason: str | None = None
    failing_since: str | None = None
    watch_id: str | None = None
    created_at: str
    updated_at: str


class WebhookCreated(Webhook):
    secret: str


class WebhookSecret(Resource):
    secret: str
    previous_secret_expires_at: str


class DeliveryAttempt(Resource):
    at: str
    status_code: int | None = None
    error: str | None = None
    duration_ms: int


class Delivery(Resource):
    id: str
    webhook_id: str
    event_type: str
    payload: dict[str, Any]
    status: Literal["pending", "succeeded", "failed"]
    attempts: list[DeliveryAttempt]
    last_status: int | None = None
    next_attempt_at: str | None = None
    detail: str | None = None
    created_at: str
