"""Perplexity's Search API (`POST /search`) through the official `perplexityai` SDK: ranked web pages with
their text, several queries in one request, billed per request (no tokens).

Why Search and nothing else: research needs sources and their text, not Perplexity's answer (our own model
writes that). Search returns up to 20 pages a query with up to `max_tokens_per_page` of each page's text,
for up to 5 queries a request, at a flat price per request; the Agent API and Sonar return an answer we would
throw away, fewer and shorter sources, and bill tokens on top.

One request is one attempt under our retry loop (the SDK's own retries are off, so a request is never sent
twice behind the loop's back) and is billed as soon as Perplexity has answered it, before its body is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import perplexity
from perplexity import Perplexity

from researcher_pro.core.errors import ProviderRejected
from researcher_pro.providers.base import Answered, Report, Retrieved, SearchQuery, Spend
from researcher_pro.providers.retry import Retryable, RetryPolicy, call_with_retries, parse_retry_after

# The price table's name for a Search API request (core/config.py DEFAULT_PRICES): Search has no models.
SEARCH_MODEL = "perplexity-search"
SNIPPET_CHARS = 500  # what a source shows; its whole text is its `content`
MAX_RESPONSE_TOKENS = 1_000_000


class PerplexitySearch:
    provider = "perplexity"
    model = SEARCH_MODEL

    def __init__(self, api_key: str, base_url: str, policy: RetryPolicy) -> None:
        self._policy = policy
        # Made with the container, as the worker is the only function that searches.
        self._client = Perplexity(api_key=api_key, base_url=base_url, max_retries=0, timeout=policy.timeout)

    def search(self, query: SearchQuery, deadline: float, spend: Spend) -> dict[str, Any]:
        return call_with_retries(
            lambda timeout, report: self._attempt(query, timeout, report),
            name="Perplexity Search",
            policy=self._policy,
            deadline=deadline,
            spend=spend,
        )

    def _attempt(self, query: SearchQuery, timeout: float, report: Report) -> dict[str, Any]:
        filters: dict[str, Any] = {}
        if query.domains:
            filters["search_domain_filter"] = list(query.domains)
        if query.recency:
            filters["search_recency_filter"] = query.recency
        with _provider_errors():
            raw = self._client.search.with_raw_response.create(
                # One query is sent as a string, as the API documents it; several as a list, answered per query.
                query=query.queries[0] if len(query.queries) == 1 else list(query.queries),
                max_results=query.max_results,
                max_tokens_per_page=query.max_tokens_per_page,
                # The whole response's budget, so that no page gets less than its own budget.
                max_tokens=min(MAX_RESPONSE_TOKENS, len(query.queries) * query.max_results * query.max_tokens_per_page),
                timeout=timeout,
                **filters,
            )
        report(Answered(requests=1))  # answered: billed, whatever its body turns out to be
        try:
            reply = raw.parse()
        except ValueError as error:  # the SDK lets the JSON decoding error through
            raise Retryable("the response is not JSON", bad_output=True) from error
        grouped = _per_query(getattr(reply, "results", None), len(query.queries))
        return {"results": [_sources(pages, query.max_results) for pages in grouped]}


@contextmanager
def _provider_errors() -> Iterator[None]:
    """The SDK's exceptions as the retry loop understands them: retry, or give up."""
    try:
        yield
    except perplexity.APIStatusError as error:
        if error.status_code == 429 or error.status_code >= 500 or error.status_code in (408, 409):
            raise Retryable(
                f"HTTP {error.status_code}",
                parse_retry_after(error.response.headers),
                throttled=error.status_code == 429,
            ) from error
        raise ProviderRejected(f"Perplexity refused the search: HTTP {error.status_code}: {_reason(error)}") from error
    except perplexity.APIConnectionError as error:  # timeouts included
        raise Retryable(type(error).__name__) from error


def _reason(error: perplexity.APIStatusError) -> str:
    """The API's own words for a refusal (`{"error": {"message": ...}}`), else the SDK's."""
    body = error.body
    detail = body.get("error") if isinstance(body, dict) else None
    message = detail.get("message") if isinstance(detail, dict) else None
    return str(message or error.message)[:300]


def _per_query(results: object, queries: int) -> list[list[Any]]:
    """One list of pages per query. The API answers a single query with a flat list and several with one list
    per query (the SDK's type says flat for both); anything else is output we cannot use."""
    if not isinstance(results, list):
        raise Retryable("the response has no result list", bad_output=True)
    if all(isinstance(r, list) for r in results) and (results or queries > 1):
        if len(results) != queries:
            raise Retryable(f"{len(results)} result lists for {queries} queries", bad_output=True)
        return results
    if queries == 1 and not any(isinstance(r, list) for r in results):
        return [results]
    raise Retryable("the result lists do not match the queries", bad_output=True)


def _sources(pages: list[Any], limit: int) -> list[dict[str, Any]]:
    found = (_retrieved(page) for page in pages)
    return [source.__dict__ for source in found if source.url][:limit]


def _retrieved(page: Any) -> Retrieved:
    text = str(_field(page, "snippet") or "")
    url = str(_field(page, "url") or "")
    return Retrieved(
        url=url,
        title=str(_field(page, "title") or url or "Untitled"),
        snippet=text[:SNIPPET_CHARS],
        # The page's text as Search found it: what is analysed when the page itself cannot be read.
        content=text,
        published_at=str(_field(page, "date") or _field(page, "last_updated") or "") or None,
        origin="web",
    )


def _field(page: Any, name: str) -> Any:
    # The SDK builds its models without validation: a page may be a model missing a field, or a plain dict.
    return page.get(name) if isinstance(page, dict) else getattr(page, name, None)
