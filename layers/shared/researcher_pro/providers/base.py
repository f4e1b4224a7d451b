"""What the pipeline needs from providers, independent of who provides it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, get_args

from pydantic import BaseModel

# Perplexity's Search API takes at most this many queries in one request.
MAX_QUERIES_PER_REQUEST = 5
MAX_RESULTS_PER_QUERY = 20
Recency = Literal["hour", "day", "week", "month", "year"]
RECENCIES = frozenset(get_args(Recency))


@dataclass(frozen=True)
class SearchQuery:
    """One search request: up to MAX_QUERIES_PER_REQUEST queries sharing their filters. It is one billed
    request and one cache entry, so a query set longer than one request allows is refused, not split here:
    the caller makes several (`search_requests`), and a retried step then pays again only for the requests
    that had not been answered. Its data is `{"results": [[Retrieved as dict, ...] for each query, in order]}`.

    `domains` is an allowlist ("a.org") or a denylist ("-b.org"), never both, as the Search API takes it.
    """

    queries: tuple[str, ...]
    recency: Recency | None = None
    domains: tuple[str, ...] = ()
    max_results: int = 8  # per query
    max_tokens_per_page: int = 1024  # of each page's text (about 4 characters a token)

    def __post_init__(self) -> None:
        if isinstance(self.queries, str):
            raise TypeError("queries is a tuple of queries, not one string")
        # Frozen and a cache key: lists given for tuples would make it unhashable.
        object.__setattr__(self, "queries", tuple(self.queries))
        object.__setattr__(self, "domains", tuple(self.domains))
        if not 1 <= len(self.queries) <= MAX_QUERIES_PER_REQUEST:
            raise ValueError(f"a search request has 1 to {MAX_QUERIES_PER_REQUEST} queries, not {len(self.queries)}")
        if not all(q.strip() for q in self.queries):
            raise ValueError("a search query cannot be empty")
        if self.recency is not None and self.recency not in RECENCIES:
            raise ValueError(f"recency must be one of {', '.join(sorted(RECENCIES))}")
        excluded = [d.startswith("-") for d in self.domains]
        if any(excluded) and not all(excluded):
            raise ValueError("domains are either allowed or excluded (-), never both")
        if not 1 <= self.max_results <= MAX_RESULTS_PER_QUERY:
            raise ValueError(f"max_results must be from 1 to {MAX_RESULTS_PER_QUERY}")
        if self.max_tokens_per_page < 1:
            raise ValueError("max_tokens_per_page must be positive")

    def as_request(self) -> dict[str, Any]:
        return {
            "queries": list(self.queries),
            "recency": self.recency,
            "domains": list(self.domains),
            "max_results": self.max_results,
            "max_tokens_per_page": self.max_tokens_per_page,
        }


def search_requests(
    queries: Sequence[str],
    recency: Recency | None = None,
    domains: Sequence[str] = (),
    max_results: int = 8,
    max_tokens_per_page: int = 1024,
) -> list[SearchQuery]:
    """`queries`, each asked once, in as few requests as the Search API allows, in order."""
    unique = list(dict.fromkeys(queries))
    return [
        SearchQuery(
            tuple(unique[i : i + MAX_QUERIES_PER_REQUEST]), recency, tuple(domains), max_results, max_tokens_per_page
        )
        for i in range(0, len(unique), MAX_QUERIES_PER_REQUEST)
    ]


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
        """{"results": [[Retrieved as dict, ...] for each of `query.queries`, in order]}: one request."""
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
