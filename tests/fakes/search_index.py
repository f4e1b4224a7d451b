"""The search engine behind the fake Perplexity Search API (`POST /search`, tests/fakes/perplexity_server.py).

It takes the request body exactly as the `perplexityai` SDK sends it and returns the response body exactly
as the API does:

    request  {"query": "..." | ["...", ...],          # at most 5 queries
              "max_results": 10,                      # 1..20
              "max_tokens_per_page": 1024,            # snippet budget per result, in tokens (~4 characters)
              "max_tokens": 10000,                    # snippet budget of the whole response
              "search_domain_filter": ["a.org", "-b.org", "https://c.org/path"],  # allow- or denylist, <= 20
              "search_recency_filter": "hour" | "day" | "week" | "month" | "year",
              "search_after_date_filter" / "search_before_date_filter": "%m/%d/%Y",        # on `date`
              "last_updated_after_filter" / "last_updated_before_filter": "%m/%d/%Y",      # on `last_updated`
              "search_language_filter": ["en"], "country": "NO", "display_server_time": false,
              "search_context_size": ..., "search_mode": ..., "search_type": ...}   # accepted
    response {"id": "<uuid>", "results": [{"title", "url", "snippet", "date", "last_updated"}, ...]}
             # for a list of queries, "results" holds one such list per query, in the order asked;
             # "server_time" is added when display_server_time is true

Ranking is BM25 over each document's title and text, with a small bias towards `country`. A snippet is
verbatim text of the document: its paragraphs most relevant to the query, in document order, cut at a
sentence end to fit the token budgets. A *gated* document (`gates`) is returned only for a query that
contains one of its gate phrases: that is how a planted fact is kept out of reach of every search but one
that names its study. Invalid requests are refused with 400, as the API refuses them.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from tests.fakes.text import contains_phrase, sentence_spans, terms

MAX_QUERIES = 5
MAX_RESULTS = 20
DEFAULT_MAX_RESULTS = 10
DEFAULT_TOKENS_PER_PAGE = 1024
DEFAULT_MAX_TOKENS = 10_000
CHARS_PER_TOKEN = 4
MAX_DOMAINS = 20
MAX_LANGUAGES = 10
RECENCY = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}
RECENCY |= {"month": timedelta(days=30), "year": timedelta(days=365)}
CONTEXT_SIZES = {"low", "medium", "high"}
COUNTRY_BIAS = 1.25
GATE_BONUS = 2.0
K1, B = 1.2, 0.75
PARAGRAPHS = re.compile(r"\n\s*\n")


class SearchRejected(Exception):
    """A request the API refuses: 400 with a message naming the field."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class SearchDocument:
    url: str
    title: str
    text: str  # the main text the index holds; snippets are cut from it
    date: str | None = None  # publication date, YYYY-MM-DD
    last_updated: str | None = None
    language: str = "en"
    country: str | None = None
    gates: tuple[str, ...] = ()
    weight: float = 1.0  # a multiplier on the score: below 1 for pages a search engine ranks down

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()

    @property
    def netloc(self) -> str:
        return urlsplit(self.url).netloc.lower()


@dataclass
class _Indexed:
    document: SearchDocument
    counts: Counter[str]
    length: int
    paragraphs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Filters:
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    published_after: date | None = None
    published_before: date | None = None
    updated_after: date | None = None
    updated_before: date | None = None
    languages: tuple[str, ...] = ()
    country: str | None = None


class SearchIndex:
    def __init__(self, documents: Iterable[SearchDocument] = (), *, today: date | None = None) -> None:
        self.today = today
        self._docs: list[_Indexed] = []
        for document in documents:
            self.add(document)

    def add(self, document: SearchDocument) -> None:
        counts = Counter(terms(document.title) * 2 + terms(document.text))
        paragraphs = [p.strip() for p in PARAGRAPHS.split(document.text) if p.strip()]
        self._docs.append(_Indexed(document, counts, sum(counts.values()), paragraphs))

    @property
    def documents(self) -> list[SearchDocument]:
        return [d.document for d in self._docs]

    def rank(self, query: str, *, filters: _Filters | None = None) -> list[tuple[float, SearchDocument]]:
        """Every matching document with its score, best first."""
        wanted = set(terms(query))
        eligible = [
            d
            for d in self._docs
            if self._allowed(d.document, query) and self._passes(d.document, filters or _Filters())
        ]
        if not wanted or not eligible:
            return []
        average = sum(d.length for d in self._docs) / len(self._docs)
        idf = {}
        for term in wanted:
            df = sum(1 for d in self._docs if term in d.counts)
            idf[term] = math.log(1 + (len(self._docs) - df + 0.5) / (df + 0.5))
        scored = []
        for indexed in eligible:
            score = 0.0
            for term in wanted:
                tf = indexed.counts.get(term, 0)
                if tf:
                    score += idf[term] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * indexed.length / average))
            if score <= 0:
                continue
            score *= indexed.document.weight
            if indexed.document.gates:
                score += GATE_BONUS
            if filters and filters.country and indexed.document.country == filters.country:
                score *= COUNTRY_BIAS
            scored.append((score, indexed.document))
        scored.sort(key=lambda pair: (-pair[0], pair[1].url))
        return scored

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        """The API's answer to a request body, or SearchRejected."""
        queries, many = _queries(body)
        max_results = _integer(body, "max_results", DEFAULT_MAX_RESULTS, 1, MAX_RESULTS)
        per_page = _integer(body, "max_tokens_per_page", DEFAULT_TOKENS_PER_PAGE, 1, 1_000_000)
        budget = _integer(body, "max_tokens", DEFAULT_MAX_TOKENS, 1, 1_000_000) * CHARS_PER_TOKEN
        filters = self._filters(body)
        grouped = []
        for query in queries:
            results = []
            for _, document in self.rank(query, filters=filters)[:max_results]:
                snippet = self._snippet(document, query, min(per_page * CHARS_PER_TOKEN, budget))
                budget -= len(snippet)
                results.append(
                    {
                        "title": document.title,
                        "url": document.url,
                        "snippet": snippet,
                        "date": document.date,
                        "last_updated": document.last_updated,
                    }
                )
            grouped.append(results)
        reply: dict[str, Any] = {"id": str(uuid.uuid4()), "results": grouped if many else grouped[0]}
        if body.get("display_server_time"):
            reply["server_time"] = datetime.now(UTC).isoformat()
        return reply

    def _today(self) -> date:
        return self.today or date.today()

    def _allowed(self, document: SearchDocument, query: str) -> bool:
        return not document.gates or any(contains_phrase(query, gate) for gate in document.gates)

    def _passes(self, document: SearchDocument, filters: _Filters) -> bool:
        if filters.allow and not any(_domain_matches(document, entry) for entry in filters.allow):
            return False
        if any(_domain_matches(document, entry) for entry in filters.deny):
            return False
        if filters.languages and document.language not in filters.languages:
            return False
        published = _iso(document.date)
        updated = _iso(document.last_updated) or published
        checks = (
            (filters.published_after, published, True),
            (filters.published_before, published, False),
            (filters.updated_after, updated, True),
            (filters.updated_before, updated, False),
        )
        for bound, value, after in checks:
            if bound is None:
                continue
            if value is None or (value < bound if after else value > bound):
                return False
        return True

    def _filters(self, body: dict[str, Any]) -> _Filters:
        domains = body.get("search_domain_filter") or []
        if not isinstance(domains, list) or not all(isinstance(d, str) and d.strip("-") for d in domains):
            raise SearchRejected("search_domain_filter must be a list of domains or URLs")
        if len(domains) > MAX_DOMAINS:
            raise SearchRejected(f"search_domain_filter accepts at most {MAX_DOMAINS} entries")
        deny = tuple(d[1:].lower() for d in domains if d.startswith("-"))
        allow = tuple(d.lower() for d in domains if not d.startswith("-"))
        if deny and allow:
            raise SearchRejected("search_domain_filter cannot mix allowed and excluded (-) domains")
        languages = body.get("search_language_filter") or []
        if (
            not isinstance(languages, list)
            or len(languages) > MAX_LANGUAGES
            or not all(isinstance(c, str) and re.fullmatch(r"[a-z]{2}", c) for c in languages)
        ):
            raise SearchRejected("search_language_filter must be at most 10 ISO 639-1 codes (two lowercase letters)")
        country = body.get("country")
        if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Za-z]{2}", country)):
            raise SearchRejected("country must be an ISO 3166-1 alpha-2 code")
        for name, allowed in (("search_context_size", CONTEXT_SIZES), ("search_recency_filter", set(RECENCY))):
            if body.get(name) is not None and body[name] not in allowed:
                raise SearchRejected(f"{name} must be one of {sorted(allowed)}")
        published_after = _us_date(body, "search_after_date_filter")
        recency = body.get("search_recency_filter")
        if recency:
            # Pages carry dates without a time of day, so "hour" is as wide as "day": today or yesterday.
            since = self._today() - timedelta(days=max(RECENCY[recency].days, 1))
            published_after = max(since, published_after) if published_after else since
        return _Filters(
            allow=allow,
            deny=deny,
            published_after=published_after,
            published_before=_us_date(body, "search_before_date_filter"),
            updated_after=_us_date(body, "last_updated_after_filter"),
            updated_before=_us_date(body, "last_updated_before_filter"),
            languages=tuple(languages),
            country=country.upper() if isinstance(country, str) else None,
        )

    def _snippet(self, document: SearchDocument, query: str, chars: int) -> str:
        indexed = next(d for d in self._docs if d.document is document)
        wanted = set(terms(query))
        order = sorted(
            range(len(indexed.paragraphs)),
            key=lambda i: (-len(wanted & set(terms(indexed.paragraphs[i]))), i),
        )
        chosen: dict[int, str] = {}
        left = chars
        for i in order:
            paragraph = indexed.paragraphs[i]
            cost = len(paragraph) + (2 if chosen else 0)
            if cost <= left:
                chosen[i] = paragraph
                left -= cost
                continue
            cut = _cut_at_sentence(paragraph, left - (2 if chosen else 0))
            if cut:
                chosen[i] = cut
            break
        return "\n\n".join(chosen[i] for i in sorted(chosen))


def _cut_at_sentence(paragraph: str, chars: int) -> str:
    end = 0
    for _, stop in sentence_spans(paragraph):
        if stop > chars:
            break
        end = stop
    return paragraph[:end]


def _domain_matches(document: SearchDocument, entry: str) -> bool:
    if "://" in entry:
        return document.url.lower().startswith(entry.rstrip("/"))
    entry = entry.removeprefix("www.")
    return entry in (document.host, document.netloc) or document.host.endswith("." + entry)


def _iso(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _us_date(body: dict[str, Any], name: str) -> date | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        return datetime.strptime(str(value), "%m/%d/%Y").date()
    except ValueError:
        raise SearchRejected(f"{name} must be a date in %m/%d/%Y format, e.g. 3/1/2025") from None


def _integer(body: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SearchRejected(f"{name} must be an integer from {low} to {high}")
    return value


def _queries(body: dict[str, Any]) -> tuple[Sequence[str], bool]:
    query = body.get("query")
    if isinstance(query, str) and query.strip():
        return [query], False
    if (
        isinstance(query, list)
        and 1 <= len(query) <= MAX_QUERIES
        and all(isinstance(q, str) and q.strip() for q in query)
    ):
        return query, True
    raise SearchRejected(f"query must be a non-empty string or a list of 1 to {MAX_QUERIES} non-empty strings")
