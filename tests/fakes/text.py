"""Small, deterministic text helpers shared by the stand-in search engine and the extractive model.

Both must agree on what a "term" is, or a query the model proposes would not find what the search
engine indexed: lowercase words, a crude suffix stemmer (so "climates" meets "climate" and "cold-climate"),
and a short stopword list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just may me might more most much my no
    nor not now of off on once only or other our out over own same she should so some such than that the
    their them then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would you your yours""".split()  # noqa: SIM905 - a paragraph of words reads better than a column
)
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
WORD = re.compile(r"[^\W_]+", flags=re.UNICODE)
# A sentence ends at . ! or ? followed by whitespace and a capital, a digit or an opening quote/bracket;
# "2.7" and "e.g. this" therefore stay inside one sentence.
SENTENCE_END = re.compile("(?<=[.!?])[\"'\u201d\u2019)]?\\s+(?=[\"'\u201c\u2018(\\[]?[A-Z0-9])")


def fold(text: str) -> str:
    """Lowercase without accents, so "Luleå" and "Lulea" are the same word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def stem(word: str) -> str:
    if len(word) > 5 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    return WORD.findall(fold(text))


def terms(text: str) -> list[str]:
    """The content terms of a text, stemmed, stopwords removed, in order (with repeats)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


def phrase(text: str) -> str:
    """A text as space-separated folded words: "HP-COLD-22" and "hp cold 22" become the same phrase."""
    return " ".join(words(text))


def contains_phrase(text: str, wanted: str) -> bool:
    return f" {phrase(wanted)} " in f" {phrase(text)} "


def sentence_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence, as offsets into `text`, so callers can copy sentences verbatim.
    A blank line always ends a sentence: a heading is not the start of the paragraph under it."""
    block_start = 0
    for block in [*PARAGRAPH_BREAK.finditer(text), None]:
        block_end = block.start() if block else len(text)
        start = block_start
        for match in SENTENCE_END.finditer(text, block_start, block_end):
            end = match.start() + len(match.group(0).rstrip())
            yield from _trimmed(text, start, end)
            start = match.end()
        yield from _trimmed(text, start, block_end)
        block_start = block.end() if block else len(text)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]
