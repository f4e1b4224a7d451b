"""The tenant's documents as a search index: BM25+ over their passages, on stemmed terms.

Ranking is by passage, not by document: a long document is found by the one passage that answers, and a
question is answered from passages, not from whole documents. `passages` gives the best passages (a document
may give several, up to a cap, so that one long document cannot crowd out the others); `search` gives the
best documents, one result each, with their best passages as the text to analyse.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rank_bm25 import BM25Plus

from researcher_pro.providers.base import Retrieved
from researcher_pro.providers.offline.text import SNIPPET_CHARS, clip, passages, terms

MAX_PASSAGES_PER_DOCUMENT = 2


class DocumentIndex:
    """A BM25+ index over the passages of one tenant's documents (BM25+ keeps IDF positive in a small corpus)."""

    def __init__(self, documents: list[dict[str, Any]]) -> None:
        self._passages: list[tuple[dict[str, Any], str]] = [
            (doc, passage) for doc in documents for passage in passages(str(doc.get("text", "")))
        ]
        corpus = [terms(p) or ["\u2205"] for _, p in self._passages]
        self._terms = [set(passage_terms) for passage_terms in corpus]
        self._bm25 = BM25Plus(corpus) if corpus else None

    def passages(self, question: str, k: int, per_document: int = MAX_PASSAGES_PER_DOCUMENT) -> list[Retrieved]:
        """The `k` passages that best match `question`, best first, at most `per_document` from one document.
        Each is its document as a source (url, title, date) with the passage as its `content`."""
        taken: Counter[str] = Counter()
        found: list[Retrieved] = []
        for index in self._ranked(question):
            doc, passage = self._passages[index]
            if taken[_url(doc)] >= per_document:
                continue
            taken[_url(doc)] += 1
            found.append(_retrieved(doc, passage, passage))
            if len(found) >= k:
                break
        return found

    def search(self, question: str, max_results: int) -> list[Retrieved]:
        """The `max_results` documents that best match `question`, best first, one result each: its best
        passage as the snippet, and its best passages (up to the cap), in the document's order, as `content`."""
        chosen: dict[str, list[int]] = {}
        for index in self._ranked(question):
            url = _url(self._passages[index][0])
            if url not in chosen and len(chosen) >= max_results:
                continue
            best = chosen.setdefault(url, [])
            if len(best) < MAX_PASSAGES_PER_DOCUMENT:
                best.append(index)
        found = []
        for indexes in chosen.values():
            doc, snippet = self._passages[indexes[0]]
            content = "\n\n".join(self._passages[i][1] for i in sorted(indexes))
            found.append(_retrieved(doc, snippet, content))
        return found

    def rarity(self) -> dict[str, float]:
        """Each term's IDF over the passages: how rare it is in this collection (for `expand_queries`)."""
        return dict(self._bm25.idf) if self._bm25 is not None else {}

    def _ranked(self, question: str) -> list[int]:
        """The passages that share a term with `question`, best first (ties in corpus order)."""
        query = terms(question)
        if self._bm25 is None or not query:
            return []
        scores = self._bm25.get_scores(query)
        wanted = set(query)
        # BM25+ gives every passage a floor score, so a passage must share a term to count as a match.
        matching = [i for i in range(len(scores)) if scores[i] > 0 and wanted & self._terms[i]]
        return sorted(matching, key=lambda i: -scores[i])


def _url(doc: dict[str, Any]) -> str:
    return str(doc.get("source_url") or f"/v1/documents/{doc['id']}")


def _retrieved(doc: dict[str, Any], snippet: str, content: str) -> Retrieved:
    return Retrieved(
        url=_url(doc),
        title=str(doc.get("title") or "Untitled document"),
        snippet=clip(snippet, SNIPPET_CHARS),
        content=content,
        published_at=doc.get("created_at"),
        origin="documents",
    )
