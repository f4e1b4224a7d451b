"""What the model is given to read, and how what it quotes is checked.

Passages: each source's text (the page read, or the search snippet when the page could not be read) cut
into passages, and for each question the passages most relevant to it, by BM25 over those passages (no
embedding round trip: ranking is local and free), a few from each source at most. A passage is analysed
once in a run: the questions of a round share out the passages they rank (each in turn takes the best one
left), and a later round passes over those analysed before, whose findings it already has. So the model
reads further into the pages instead of reading the same top passages again for every question.

Quotes: a finding's quote must appear in the text of the source it cites. Only whitespace and quotation
marks are normalised (a model may re-wrap lines or straighten curly quotes); a quote that differs in any
other way is not the source's and the finding is dropped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from researcher_pro.providers.offline.text import passages as split_passages
from researcher_pro.providers.offline.text import terms

_SPACE = re.compile(r"\s+")
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Curly, low and angle quotation marks, and the prime forms models use for them, as straight quotes.
_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
MIN_QUOTE_CHARS = 12  # "and the" is not a quote


def normalise_quote(text: str) -> str:
    return _SPACE.sub(" ", text.translate(_QUOTES)).strip()


def quote_is_in(quote: str, source_text: str) -> bool:
    """Whether `quote` appears in `source_text`, up to whitespace and quotation marks."""
    wanted = normalise_quote(quote)
    return len(wanted) >= MIN_QUOTE_CHARS and wanted in normalise_quote(source_text)


@dataclass(frozen=True)
class Passage:
    source: int  # the source's number
    text: str

    @property
    def key(self) -> str:
        """What a checkpoint remembers of a passage the model was given."""
        return f"{self.source}:{hashlib.blake2b(self.text.encode(), digest_size=8).hexdigest()}"


def best_passages(question: str, texts: Mapping[int, str], count: int, per_source: int = 3) -> list[Passage]:
    """The `count` passages of `texts` (source number to text) most relevant to `question`, at most
    `per_source` from one source, in source order (the model reads them as a listing)."""
    return shared_passages([question], [texts], count, per_source)[0]


def shared_passages(
    questions: Sequence[str],
    texts: Sequence[Mapping[int, str]],
    count: int,
    per_source: int = 3,
    analysed: Collection[str] = (),
) -> list[list[Passage]]:
    """For each question, up to `count` passages of its own `texts` (source number to text), the most relevant
    to it that no other question takes and that are not `analysed` already (by key), at most `per_source` from
    one source, in source order. The questions choose in turn, each taking its best passage left, so each gets
    its best passages unless another ranks them higher still."""
    ranked = [_ranked(question, own, analysed) for question, own in zip(questions, texts, strict=True)]
    chosen: list[list[tuple[int, Passage]]] = [[] for _ in questions]
    taken: set[str] = set()
    per: list[dict[int, int]] = [{} for _ in questions]
    next_rank = [0] * len(questions)
    progressed = True
    while progressed:
        progressed = False
        for i, candidates in enumerate(ranked):
            while len(chosen[i]) < count and next_rank[i] < len(candidates):
                position, passage = candidates[next_rank[i]]
                next_rank[i] += 1
                if passage.key in taken or per[i].get(passage.source, 0) >= per_source:
                    continue
                taken.add(passage.key)
                per[i][passage.source] = per[i].get(passage.source, 0) + 1
                chosen[i].append((position, passage))
                progressed = True
                break
    return [[passage for _, passage in sorted(picks, key=lambda pick: pick[0])] for picks in chosen]


def _ranked(question: str, texts: Mapping[int, str], analysed: Collection[str]) -> list[tuple[int, Passage]]:
    """The passages of `texts` not yet analysed, each with its position in source order, the most relevant to
    `question` first (ties in source order)."""
    from rank_bm25 import BM25Plus  # numpy: the worker's only

    every = (Passage(n, one_line_paragraphs(passage)) for n, text in texts.items() for passage in split_passages(text))
    candidates = [(position, p) for position, p in enumerate(every) if p.key not in analysed]
    query = terms(question)
    if not candidates or not query:
        return candidates
    scores = BM25Plus([terms(p.text) or ["\u2205"] for _, p in candidates]).get_scores(query)
    return [candidates[i] for i in sorted(range(len(candidates)), key=lambda i: scores[i], reverse=True)]


def one_line_paragraphs(text: str) -> str:
    """Each paragraph on one line: a PDF's text, or a page's, breaks lines mid-sentence, which costs tokens and
    reads as sentence ends. Quotes are checked up to whitespace, so a quote of the joined text still holds."""
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in PARAGRAPH_BREAK.split(text) if paragraph.strip())


def verified(findings: Sequence[dict[str, object]], texts: Mapping[int, str]) -> tuple[list[dict[str, object]], int]:
    """The findings whose quote is in the text of the first source they cite, and how many were dropped."""
    kept: list[dict[str, object]] = []
    for finding in findings:
        citations = finding.get("citations") or []
        quote = str(finding.get("quote") or "")
        first = citations[0] if isinstance(citations, list) and citations else None
        if isinstance(first, int) and first in texts and quote_is_in(quote, texts[first]):
            kept.append(finding)
    return kept, len(findings) - len(kept)
