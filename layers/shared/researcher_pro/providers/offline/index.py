"""The tenant's documents as a search index: BM25+ over their passages."""

from __future__ import annotations

from typing import Any

from rank_bm25 import BM25Plus

from researcher_pro.providers.base import Retrieved
from researcher_pro.providers.offline.text import SNIPPET_CHARS, clip, passages, terms


class DocumentIndex:
    """A BM25+ index over the passages of one tenant's documents (BM25+ keeps IDF positive in a small corpus)."""

    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self._passages: list[tuple[dict[str, Any], str]] = [
            (doc, passage) for doc in documents for passage in passages(str(doc.get("text", "")))
        ]
        corpus = [terms(p) or ["\u2205"] for _, p in self._passages]
        self._bm25 = BM25Plus(corpus) if corpus else None

    def search(self, question: str, max_results: int) -> list[Retrieved]:
        query = terms(question)
        if self._bm25 is None or not query:
            return []
        scores = self._bm25.get_scores(query)
        wanted = set(query)
        ranked = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
        results: dict[str, Retrieved] = {}
        for index in ranked:
            doc, passage = self._passages[index]
            if scores[index] <= 0 or not wanted & set(terms(passage)):
                continue
            url = doc.get("source_url") or f"/v1/documents/{doc['id']}"
            if url in results:
                continue
            results[url] = Retrieved(
                url=url,
                title=str(doc.get("title") or "Untitled document"),
                snippet=clip(passage, SNIPPET_CHARS),
                content=passage,
                published_at=doc.get("created_at"),
                origin="documents",
            )
            if len(results) >= max_results:
                break
        return list(results.values())
