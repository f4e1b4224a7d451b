"""Perplexity web search over httpx: the Agent API (default) or legacy Sonar chat completions."""

from __future__ import annotations

from typing import Any

import httpx

from researcher_pro.core.errors import ProviderRejected
from researcher_pro.providers.base import Answered, Report, Retrieved, SearchQuery, Spend
from researcher_pro.providers.retry import Retryable, RetryPolicy, call_with_retries, parse_retry_after

INSTRUCTIONS = (
    "Search the web for sources that answer the question. Prefer primary and recent sources. "
    "Answer briefly; the sources matter more than the answer."
)
RETRYABLE_AGENT_ERRORS = {"rate_limit_exceeded", "server_error", "overloaded", "timeout", "internal_error"}


class PerplexitySearch:
    provider = "perplexity"

    def __init__(self, api_key: str, base_url: str, model: str, api: str, policy: RetryPolicy) -> None:
        self.model = model
        self._api = api
        self._policy = policy
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        )

    def search(self, query: SearchQuery, deadline: float, spend: Spend) -> dict[str, Any]:
        return call_with_retries(
            lambda timeout, report: self._attempt(query, timeout, report),
            name=f"Perplexity {self._api}",
            policy=self._policy,
            deadline=deadline,
            spend=spend,
        )

    def _attempt(self, query: SearchQuery, timeout: float, report: Report) -> dict[str, Any]:
        path, body = self._agent_request(query) if self._api == "agent" else self._sonar_request(query)
        try:
            response = self._http.post(path, json=body, timeout=timeout)
        except httpx.TimeoutException as error:
            raise Retryable("timed out") from error
        except httpx.TransportError as error:
            raise Retryable(f"connection failed: {type(error).__name__}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise Retryable(
                f"HTTP {response.status_code}",
                parse_retry_after(response.headers),
                throttled=response.status_code == 429,
            )
        if response.status_code >= 400:
            raise ProviderRejected(
                f"Perplexity refused the request: HTTP {response.status_code}: {response.text[:300]}"
            )
        try:
            payload = response.json()
        except ValueError as error:
            report(Answered())  # answered, so billed per request, though unreadable
            raise Retryable("response is not JSON", bad_output=True) from error
        if not isinstance(payload, dict):
            report(Answered())
            raise Retryable("response is not a JSON object", bad_output=True)
        usage = payload.get("usage")
        usage = usage if isinstance(usage, dict) else {}
        report(
            Answered(
                input_tokens=int(usage.get("input_tokens") or usage.get("prompt_tokens") or 0),
                output_tokens=int(usage.get("output_tokens") or usage.get("completion_tokens") or 0),
            )
        )
        parse = self._agent_results if self._api == "agent" else self._sonar_results
        results = parse(payload)
        return {"results": [r.__dict__ for r in results[: query.max_results]]}

    def _filters(self, query: SearchQuery) -> dict[str, Any]:
        filters: dict[str, Any] = {}
        if query.domains:
            filters["search_domain_filter"] = list(query.domains)
        if query.recency:
            filters["search_recency_filter"] = query.recency
        return filters

    def _agent_request(self, query: SearchQuery) -> tuple[str, dict[str, Any]]:
        tool: dict[str, Any] = {"type": "web_search"}
        if filters := self._filters(query):
            tool["filters"] = filters
        return "/v1/agent", {
            "model": self.model,
            "input": query.question,
            "instructions": INSTRUCTIONS,
            "tools": [tool],
            "max_output_tokens": 512,
        }

    def _sonar_request(self, query: SearchQuery) -> tuple[str, dict[str, Any]]:
        return "/chat/completions", {
            "model": self.model,
            "messages": [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": query.question}],
            **self._filters(query),
        }

    @staticmethod
    def _agent_results(payload: dict[str, Any]) -> list[Retrieved]:
        # Agent API failures arrive as HTTP 200 with status "failed".
        if payload.get("status") == "failed":
            error = payload.get("error") or {}
            code = str(error.get("code") or error.get("type") or "unknown")
            message = str(error.get("message") or "no message")
            if code in RETRYABLE_AGENT_ERRORS:
                raise Retryable(f"agent run failed: {code}: {message}")
            raise ProviderRejected(f"Perplexity agent run failed: {code}: {message}")
        results: list[Retrieved] = []
        for item in payload.get("output") or []:
            if isinstance(item, dict) and item.get("type") == "search_results":
                results.extend(_retrieved(r) for r in item.get("results") or [] if isinstance(r, dict))
        return results

    @staticmethod
    def _sonar_results(payload: dict[str, Any]) -> list[Retrieved]:
        results = [_retrieved(r) for r in payload.get("search_results") or [] if isinstance(r, dict)]
        if not results:
            results = [
                Retrieved(url=u, title=u, snippet="") for u in payload.get("citations") or [] if isinstance(u, str)
            ]
        return results


def _retrieved(result: dict[str, Any]) -> Retrieved:
    snippet = str(result.get("snippet") or "")
    return Retrieved(
        url=str(result.get("url") or ""),
        title=str(result.get("title") or result.get("url") or "Untitled"),
        snippet=snippet[:500],
        content=snippet,
        published_at=result.get("date") or result.get("last_updated"),
        origin="web",
    )
