"""Perplexity's Search API (`POST /search`), as the official `perplexityai` SDK calls it.

It answers from `index` (tests/fakes/search_index.py documents the request and response bodies); it is empty
until a test gives it documents, e.g. `SearchIndex(FakeWeb().search_documents())`, and a test may swap it for
another to change the web between two searches. Requests without a bearer key are refused with 401, invalid
ones with 400, as the API refuses them.
"""

from __future__ import annotations

from typing import Any

from tests.fakes.search_index import DEFAULT_MAX_RESULTS, SearchIndex, SearchRejected
from tests.fakes.server import FakeServer, Refusal


class FakePerplexity(FakeServer):
    name = "perplexity"

    def __init__(self, index: SearchIndex | None = None, delay: float = 0.0) -> None:
        super().__init__(delay)
        self.index = index or SearchIndex()
        # Pages found by every query, after the index's own: results no index would hold (hostile titles,
        # `javascript:` URLs), in the API's result shape.
        self.extra_results: list[dict[str, Any]] = []

    def reset(self) -> None:
        super().reset()
        self.extra_results = []

    def searches(self) -> list[list[str]]:
        """The queries of every `/search` request so far, one list per request."""
        return [[q] if isinstance(q, str) else list(q) for q in (c["body"].get("query") for c in self.calls("/search"))]

    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if path != "/search":
            raise AssertionError(f"unexpected path {path}")
        if not self.request_headers().get("authorization", "").startswith("Bearer "):
            raise Refusal(401, "Missing or invalid API key", "authentication_error")
        try:
            reply = self.index.search(body)
        except SearchRejected as rejected:
            raise Refusal(rejected.status, rejected.message) from None
        if self.extra_results:
            # Last in every list, which still holds no more than `max_results`, as the API's lists never do.
            extra = [dict(r) for r in self.extra_results]
            room = max(0, int(body.get("max_results") or DEFAULT_MAX_RESULTS) - len(extra))
            grouped = isinstance(body.get("query"), list)
            lists = reply["results"] if grouped else [reply["results"]]
            lists = [[*found[:room], *extra] for found in lists]
            reply["results"] = lists if grouped else lists[0]
        return reply
