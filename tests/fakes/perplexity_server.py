"""Perplexity: the Search API (`POST /search`, as the official `perplexityai` SDK calls it), the Agent API
(`POST /v1/agent`, search_results output item, failures as HTTP 200 with status "failed") and the legacy
Sonar chat completions (`POST /chat/completions`).

The Search API answers from `index` (tests/fakes/search_index.py documents the request and response
bodies); it is empty until a test gives it documents, e.g. `SearchIndex(FakeWeb().search_documents())`.
Requests without a bearer key are refused with 401, invalid ones with 400, as the API refuses them.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from typing import Any

from tests.fakes.search_index import SearchIndex, SearchRejected
from tests.fakes.server import FakeServer, Refusal


class FakePerplexity(FakeServer):
    name = "perplexity"

    def __init__(self, index: SearchIndex | None = None, delay: float = 0.0) -> None:
        super().__init__(delay)
        self.index = index or SearchIndex()
        self.failed_runs = 0  # agent runs that answer HTTP 200 with status "failed"
        self.results_per_query = 3
        self.extra_results: list[dict[str, Any]] = []  # found by every query, after the usual ones

    def reset(self) -> None:
        super().reset()
        self.extra_results = []

    def results(self, question: str) -> list[dict[str, Any]]:
        # Each question finds two sources of its own and one shared by all (found again: deduplicated).
        digest = hashlib.sha256(question.encode()).hexdigest()[:8]
        own = [
            {
                "id": i + 1,
                "title": f"Report {digest}-{i}",
                "url": f"https://example.org/{digest}/{i}?utm_source=x",
                "snippet": f"Finding {i} about {question}.",
                "date": "2026-10-01",
                "last_updated": "2026-10-02",
                "source": "web",
            }
            for i in range(self.results_per_query - 1)
        ]
        shared = {
            "id": 9,
            "title": "Overview",
            "url": "https://WWW.example.com/overview/",
            "snippet": "An overview.",
            "date": None,
            "last_updated": None,
            "source": "web",
        }
        return [*own, shared, *self.extra_results]

    def searches(self) -> list[list[str]]:
        """The queries of every `/search` request so far, one list per request."""
        return [[q] if isinstance(q, str) else list(q) for q in (c["body"].get("query") for c in self.calls("/search"))]

    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path == "/search":
            return self._search(body)
        if path == "/v1/agent":
            return self._agent(body)
        if path == "/chat/completions":
            return self._sonar(body)
        raise AssertionError(f"unexpected path {path}")

    def _search(self, body: dict[str, Any]) -> dict[str, Any]:
        if not self.request_headers().get("authorization", "").startswith("Bearer "):
            raise Refusal(401, "Missing or invalid API key", "authentication_error")
        try:
            return self.index.search(body)
        except SearchRejected as rejected:
            raise Refusal(rejected.status, rejected.message) from None

    def _agent(self, body: dict[str, Any]) -> dict[str, Any]:
        assert body["tools"][0]["type"] == "web_search"
        base = {
            "id": f"resp_{uuid.uuid4().hex[:10]}",
            "created_at": int(time.time()),
            "model": body["model"],
            "object": "response",
        }
        if self.failed_runs > 0:
            self.failed_runs -= 1
            return {
                **base,
                "status": "failed",
                "output": [],
                "error": {"code": "invalid_request", "message": "injected agent failure"},
            }
        question = body["input"]
        return {
            **base,
            "status": "completed",
            "output": [
                {"type": "search_results", "queries": [question], "results": self.results(question)},
                {
                    "type": "message",
                    "id": "msg_1",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": f"About {question}.", "annotations": []}],
                },
            ],
            "usage": {"input_tokens": 40, "output_tokens": 60, "total_tokens": 100},
        }

    def _sonar(self, body: dict[str, Any]) -> dict[str, Any]:
        question = body["messages"][-1]["content"]
        results = self.results(question)
        return {
            "id": uuid.uuid4().hex,
            "model": body["model"],
            "created": int(time.time()),
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": f"About {question} [1]."},
                }
            ],
            "citations": [r["url"] for r in results],
            "search_results": [{"title": r["title"], "url": r["url"], "date": r["date"]} for r in results],
            "usage": {"prompt_tokens": 30, "completion_tokens": 50, "total_tokens": 80},
        }
