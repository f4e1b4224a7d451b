"""Text as the offline providers see it: words (stopwords out), the stemmed terms they are matched by, and
passages worth quoting.

Terms are stemmed with the English Snowball stemmer, and a hyphenated compound is a term of its own and
yields its parts too, so that "cold climates" finds "cold-climate" and "climate". Words stay unstemmed
wherever a person reads them (a plan's topic, a follow-up query).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

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
        "also",
        "although",
        "among",
        "across",
        "even",
        "every",
        "get",
        "gets",
        "got",
        "however",
        "may",
        "might",
        "must",
        "per",
        "rather",
        "shall",
        "since",
        "still",
        "though",
        "thus",
        "upon",
        "via",
        "whether",
        "within",
        "without",
        "yet",
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
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")
_stemmers = threading.local()  # a Snowball stemmer keeps its word in itself: one per thread


def words(text: str) -> list[str]:
    """The words of `text`, lowercased, stopwords and single characters out: as a person would read them."""
    found = (w.strip("-'") for w in _WORD.findall(text.lower()))
    return [w for w in found if len(w) > 1 and w not in STOPWORDS]


def terms(text: str) -> list[str]:
    """The terms `text` is indexed and matched by: each word stemmed; a hyphenated compound, then its parts."""
    return [term for term, _ in forms(text)]


def forms(text: str) -> list[tuple[str, str]]:
    """Each term of `text` (as `terms` gives them) with the word it was made from."""
    found: list[tuple[str, str]] = []
    for word in words(text):
        parts = [part for part in word.split("-") if part]
        if len(parts) == 1:
            found.append((stem(parts[0]), word))
            continue
        found.append(("-".join(stem(part) for part in parts), word))
        found += [(stem(part), part) for part in parts if len(part) > 1 and part not in STOPWORDS]
    return found


@lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    stemmer: Any = getattr(_stemmers, "english", None)
    if stemmer is None:
        # Imported on first use: the package loads all of its 36 stemmers (about 90 ms), and the functions
        # that import this module for its passages never stem.
        from snowballstemmer import stemmer as snowball

        stemmer = _stemmers.english = snowball("english")
    return str(stemmer.stemWord(word))


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
    for sentence in SENTENCE.split(paragraph):
        if current and len(current) + len(sentence) > PASSAGE_CHARS:
            yield current
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        yield current


def clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "\u2026"
