"""Analyses: the request a client sends, the resource it reads back, and its progress events."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_serializer, field_validator, model_validator

from researcher_pro.core.models import MIN_COST_USD, NOT_BLANK, TRIMMED, ErrorInfo, Status, StrictInput, Usage
from researcher_pro.tasks.models import EventPage, TaskEvent

AnalysisKind = Literal["summary", "key_points", "sentiment", "entities", "topics", "custom"]
STANDARD_KINDS: tuple[str, ...] = ("summary", "key_points", "sentiment", "entities", "topics")
SentimentLabel = Literal["positive", "neutral", "negative", "mixed"]
Stage = Literal["map", "reduce"]
MAX_TEXT_CHARS = 100_000


class AnalysisRequest(StrictInput):
    text: (
        Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_CHARS), Field(pattern=NOT_BLANK)] | None
    ) = None
    research_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    kinds: Annotated[list[AnalysisKind], Field(min_length=1, max_length=6)] | None = Field(
        default=None,
        description="What to produce. Default: ['summary'], or ['custom'] when a schema is given; "
        "a schema adds 'custom' to the kinds listed.",
    )
    json_schema: dict[str, Any] | None = Field(
        default=None,
        alias="schema",
        description="A JSON Schema (an object at the top level) that the 'custom' result must satisfy",
    )
    instructions: (
        Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NOT_BLANK), TRIMMED] | None
    ) = None
    max_cost_usd: Annotated[float, Field(ge=MIN_COST_USD, le=1000)] | None = None

    @field_validator("json_schema")
    @classmethod
    def _usable_schema(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            from researcher_pro.core.json_schema import check_schema

            check_schema(value)  # SchemaRefused is a ValueError: a 422 naming `schema`
        return value

    @model_validator(mode="after")
    def _one_input_and_kinds(self) -> AnalysisRequest:
        if (self.text is None) == (self.research_id is None):
            raise ValueError("give exactly one of 'text' or 'research_id'")
        default: list[AnalysisKind] = ["custom"] if self.json_schema is not None else ["summary"]
        kinds = list(dict.fromkeys(self.kinds or default))
        if self.json_schema is not None and "custom" not in kinds:
            kinds.append("custom")
        if "custom" in kinds and self.json_schema is None:
            raise ValueError("the 'custom' kind needs a 'schema'")
        self.kinds = kinds
        return self


class Sentiment(BaseModel):
    label: SentimentLabel
    score: float = Field(ge=-1.0, le=1.0)


class Entity(BaseModel):
    name: str
    type: str


class AnalysisResult(BaseModel):
    summary: str | None = None
    key_points: list[str] | None = None
    sentiment: Sentiment | None = None
    entities: list[Entity] | None = None
    topics: list[str] | None = None
    custom: dict[str, Any] | None = None


class Analysis(BaseModel):
    id: str
    status: Status
    kinds: list[AnalysisKind]
    research_id: str | None = None
    instructions: str | None = None
    text_chars: int
    chunks: int | None = Field(default=None, description="How many parts the text was analysed in")
    method: Literal["model", "offline"] = Field(
        description="'offline' when no model is configured: extractive summary and key points, keyword "
        "topics, lexicon sentiment, capitalised-phrase entities (type 'unclassified')"
    )
    max_cost_usd: float | None = None
    stage: Stage | None = None
    progress: float = 0.0
    created_at: str
    updated_at: str
    completed_at: str | None = None
    result: AnalysisResult | None = None
    usage: Usage = Usage()
    cancel_requested: bool = False
    error: ErrorInfo | None = None

    @field_serializer("result")
    def _requested_kinds_only(self, result: AnalysisResult | None) -> dict[str, Any] | None:
        if result is None:
            return None
        # Kinds that were not asked for are left out rather than shown as null; a custom result keeps
        # its own nulls, which the caller's schema may allow.
        return {name: value for name, value in result.model_dump(mode="json").items() if value is not None}


EventType = Literal["analysis.progress", "analysis.completed", "analysis.failed", "analysis.cancelled"]


class AnalysisEvent(TaskEvent):
    type: EventType
    analysis_id: str
    stage: Stage | None = None


AnalysisEventPage = EventPage[AnalysisEvent]
