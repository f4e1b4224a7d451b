"""Splitting a long text into parts a model can take, on paragraph boundaries where it can.

Our own few lines: the splitters in libraries come with frameworks (LangChain, LlamaIndex) far heavier
than the rule they implement."""

from __future__ import annotations

import re

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SENTENCE_END = re.compile(r"(?<=[.!?\u3002\uff01\uff1f])\s+")  # also the CJK full stops


def split_text(text: str, max_chars: int) -> list[str]:
    """Parts of at most `max_chars` characters: whole paragraphs packed together; a paragraph too long
    for one part is cut between sentences, and a sentence too long between words."""
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, max_chars):
        candidate = f"{current}\n\n{piece}" if current else piece
        if len(candidate) <= max_chars:
            current = candidate
        else:
            parts.append(current)
            current = piece
    if current:
        parts.append(current)
    return parts or [text[:max_chars]]


def _pieces(text: str, max_chars: int) -> list[str]:
    pieces: list[str] = []
    for paragraph in (p.strip() for p in PARAGRAPH_BREAK.split(text)):
        if not paragraph:
            continue
        if len(paragraph) <= max_chars:
            pieces.append(paragraph)
            continue
        sentence_group = ""
        for sentence in SENTENCE_END.split(paragraph):
            for cut in _cut(sentence, max_chars):
                candidate = f"{sentence_group} {cut}" if sentence_group else cut
                if len(candidate) <= max_chars:
                    sentence_group = candidate
                else:
                    pieces.append(sentence_group)
                    sentence_group = cut
        if sentence_group:
            pieces.append(sentence_group)
    return pieces


def _cut(sentence: str, max_chars: int) -> list[str]:
    cuts: list[str] = []
    while len(sentence) > max_chars:
        space = sentence.rfind(" ", 0, max_chars)
        at = space if space > max_chars // 2 else max_chars
        cuts.append(sentence[:at].strip())
        sentence = sentence[at:].strip()
    if sentence:
        cuts.append(sentence)
    return cuts
