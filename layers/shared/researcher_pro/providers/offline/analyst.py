"""The offline analyst: plans by rephrasing and analyses by picking the sentences that best match. It calls
nothing, so it costs nothing."""

from __future__ import annotations

from typing import Any

from researcher_pro.providers.offline.text import SENTENCE, terms, words


class OfflineAnalyst:
    """Plans by rephrasing, analyses by picking the sentences that best match."""

    FACETS = (
        "{t}",
        "{t}: definitions and background",
        "{t}: evidence, figures and examples",
        "{t}: risks, limits and open questions",
        "{t}: recent changes and outlook",
    )

    def plan(self, query: str, count: int) -> list[str]:
        topic = " ".join(words(query)[:8]) or query
        questions = [query] + [facet.format(t=topic) for facet in self.FACETS[1:]]
        return questions[:count]

    def analyse(self, question: str, sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
        wanted = set(terms(question))
        scored: list[tuple[float, str, int]] = []
        for source in sources:
            n = int(source["n"])
            for raw in SENTENCE.split(str(source.get("content") or source.get("snippet") or "")):
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
