"""What the pipeline needs from providers, independent of who provides it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel


@dataclass(frozen=True)
class SearchQuery:
    question: str
    recency: str | None = None
    domains: tuple[str, ...] = ()
    max_results: int = 8

    def as_request(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "recency": self.recency,
            "domains": list(self.domains),
            "max_results": self.max_results,
        }


@dataclass
class Retrieved:
    """A source as retrieved: `content` is the text we may analyse, `snippet` what we show."""

    url: str
    title: str
    snippet: str
    content: str = ""
    published_at: str | None = None
    origin: str = "web"


@dataclass(frozen=True)
class Answered:
    """What one request the provider answered costs us. A provider bills every request it answers, whatever
    the answer (malformed JSON, output off the schema, a refusal): each is reported, as soon as it arrives."""

    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 1


Report = Callable[[Answered], None]


class Spend(Protocol):
    """Where a provider call accounts for its requests, one attempt at a time."""

    def attempt(self) -> AbstractContextManager[Report]:
        """Entered before each request (raises BudgetExceeded when the request may not fit what is left);
        gives the function to report the request with once the provider has answered it."""
        ...


@dataclass(frozen=True)
class ModelCall:
    system: str
    user: str
    schema: type[BaseModel]
    max_output_tokens: int = 2000
    extra: dict[str, Any] = field(default_factory=dict)

    def as_request(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "user": self.user,
            "schema": self.schema.__name__,
            "schema_body": self.schema.model_json_schema(),
            "max_output_tokens": self.max_output_tokens,
        }


@dataclass(frozen=True)
class JsonSchemaCall:
    """A structured call on a plain JSON Schema (a caller's own, already in strict form) instead of a
    pydantic model. `check` sees the decoded output before it is cached (never before it is billed: the
    request was answered) and may reshape it or raise; what it returns is the call's data."""

    system: str
    user: str
    name: str
    schema: dict[str, Any]
    max_output_tokens: int = 2000
    check: Callable[[dict[str, Any]], dict[str, Any]] | None = field(default=None, compare=False)

    def as_request(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "user": self.user,
            "schema": self.name,
            "schema_body": self.schema,
            "max_output_tokens": self.max_output_tokens,
        }


class SearchProvider(Protocol):
    provider: str
    model: str

    def search(self, query: SearchQuery, deadline: float, spend: Spend) -> dict[str, Any]:
        """{"results": [Retrieved as dict, ...]}."""
        ...


class StructuredModel(Protocol):
    provider: str
    model: str

    def complete(self, call: ModelCall, deadline: float, spend: Spend) -> dict[str, Any]:
        """The model's JSON output, valid against `call.schema`."""
        ...


class JsonSchemaModel(StructuredModel, Protocol):
    def complete_json(self, call: JsonSchemaCall, deadline: float, spend: Spend) -> dict[str, Any]:
        """The model's JSON object output, as `call.check` returned it."""
        ...
