"""The offline analyst: plans by rephrasing, analyses by picking the sentences that best match, and
synthesises by quoting. It calls nothing, so it costs nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from researcher_pro.providers.offline.text import SENTENCE, SNIPPET_CHARS, clip, terms, words


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
            lines += [f"> {clip(source['snippet'], SNIPPET_CHARS)} [{n}]", f"> \u2014 {source['title']}", ""]
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
