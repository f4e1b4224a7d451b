"""Offline providers: the tenant's own documents ranked locally with BM25, and extractive analysis.

They let the whole system run, and give useful cited answers, with no API keys at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rank_bm25 import BM25Plus

from researcher_pro.providers.base import Retrieved

PASSAGE_CHARS = 900
SNIPPET_CHARS = 400
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "tell",
        "explain",
        "describe",
        "give",
        "list",
        "key",
        "main",
        "recent",
        "developments",
        "background",
        "evidence",
    ]
)
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


def terms(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


def passages(text: str) -> list[str]:
    """Paragraphs, merged while short and split while long, so each passage is worth quoting."""
    chunks: list[str] = []
    current = ""
    for paragraph in (p.strip() for p in re.split(r"\n\s*\n", text)):
        if not paragraph:
            continue
        for piece in _split_long(paragraph):
            if current and len(current) + len(piece) > PASSAGE_CHARS:
                chunks.append(current)
                current = piece
            else:
                current = f"{current}\n\n{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def _split_long(paragraph: str) -> Iterable[str]:
    if len(paragraph) <= PASSAGE_CHARS:
        yield paragraph
        return
    current = ""
    for sentence in _SENTENCE.split(paragraph):
        if current and len(current) + len(sentence) > PASSAGE_CHARS:
            yield current
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        yield current


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
                snippet=_clip(passage, SNIPPET_CHARS),
                content=passage,
                published_at=doc.get("created_at"),
                origin="documents",
            )
            if len(results) >= max_results:
                break
        return list(results.values())


class OfflineAnalyst:
    """Plans by rephrasing, analyses by picking the sentences that best match, synthesises by quoting."""

    FACETS = (
        "{t}",
        "{t}: definitions and background",
        "{t}: evidence, figures and examples",
        "{t}: risks, limits and open questions",
        "{t}: recent changes and outlook",
    )

    def plan(self, query: str, count: int) -> list[str]:
        topic = " ".join(terms(query)[:8]) or query
        questions = [query] + [facet.format(t=topic) for facet in self.FACETS[1:]]
        return questions[:count]

    def analyse(self, question: str, sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
        wanted = set(terms(question))
        scored: list[tuple[float, str, int]] = []
        for source in sources:
            n = int(source["n"])
            for raw in _SENTENCE.split(str(source.get("content") or source.get("snippet") or "")):
                sentence = " ".join(raw.split())
                overlap = len(wanted & set(terms(sentence)))
                if overlap and 30 <= len(sentence) <= 600:
                    scored.append((overlap / (1 + len(terms(sentence)) ** 0.5), sentence, n))
        scored.sort(key=lambda s: s[0], reverse=True)
        findings: list[dict[str, Any]] = []
        per_source: dict[int, int] = {}
        for _, sentence, n in scored:
            if per_source.get(n, 0) >= 2:
                continue
            per_source[n] = per_source.get(n, 0) + 1
            findings.append({"text": sentence, "citations": [n]})
            if len(findings) >= 6:
                break
        return findings

    def synthesise(self, query: str, findings: list[dict[str, Any]], sources: list[dict[str, Any]]) -> str:
        if not findings:
            return (
                f"No passage in the available sources answers \u201c{query}\u201d. "
                "Upload relevant documents (POST /v1/documents) or configure a web search provider."
            )
        lines = [f"**{query}**", "", f"What your sources say ({len(findings)} findings):", ""]
        lines += [f"- {f['text']} [{', '.join(str(n) for n in f['citations'])}]" for f in findings]
        quoted = []
        for finding in findings:
            n = finding["citations"][0]
            if n not in quoted:
                quoted.append(n)
        by_n = {s["n"]: s for s in sources}
        lines += ["", "Key passages:", ""]
        for n in quoted[:3]:
            source = by_n[n]
            lines += [f"> {_clip(source['snippet'], SNIPPET_CHARS)} [{n}]", f"> \u2014 {source['title']}", ""]
        return "\n".join(lines).rstrip() + "\n"

    def section_bodies(self, findings: list[dict[str, Any]], sections: Sequence[Mapping[str, str]]) -> list[str]:
        """Each finding under the section whose title and instructions share the most terms with it; findings
        that match no section go under the first, which templates use for the overview."""
        wanted = [set(terms(f"{s['title']} {s.get('instructions', '')}")) for s in sections]
        placed: list[list[str]] = [[] for _ in sections]
        for finding in findings:
            words = set(terms(finding["text"]))
            overlaps = [len(words & section) for section in wanted]
            best = max(range(len(sections)), key=lambda i: (overlaps[i], -i))
            cited = "".join(f"[{n}]" for n in finding["citations"])
            placed[best if overlaps[best] else 0].append(f"- {finding['text']} {cited}")
        return ["\n".join(lines) for lines in placed]


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"
