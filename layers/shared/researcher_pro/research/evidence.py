"""What the model is given to read, and how what it quotes is checked.

Passages: each source's text (the page read, or the search snippet when the page could not be read) cut
into passages, and for each question the passages most relevant to it, by BM25 over those passages (no
embedding round trip: ranking is local and free), a few from each source at most.

Quotes: a finding's quote must appear in the text of the source it cites. Only whitespace and quotation
marks are normalised (a model may re-wrap lines or straighten curly quotes); a quote that differs in any
other way is not the source's and the finding is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
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


def best_passages(question: str, texts: Mapping[int, str], count: int, per_source: int = 3) -> list[Passage]:
    """The `count` passages of `texts` (source number to text) most relevant to `question`, at most
    `per_source` from one source, in source order (the model reads them as a listing)."""
    from rank_bm25 import BM25Plus  # numpy: the worker's only

    candidates = [
        Passage(n, one_line_paragraphs(passage)) for n, text in texts.items() for passage in split_passages(text)
    ]
    if not candidates:
        return []
    query = terms(question)
    if not query:
        return candidates[:count]
    scores = BM25Plus([terms(p.text) or ["\u2205"] for p in candidates]).get_scores(query)
    ranked = sorted(range(len(candidates)), key=lambda i: scores[i], reverse=True)
    chosen: list[int] = []
    taken: dict[int, int] = {}
    for index in ranked:
        source = candidates[index].source
        if taken.get(source, 0) >= per_source:
            continue
        taken[source] = taken.get(source, 0) + 1
        chosen.append(index)
        if len(chosen) == count:
            break
    return [candidates[i] for i in sorted(chosen)]


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
