"""Offline text analysis with libraries that ship their data (nothing is downloaded at run time):
segtok splits sentences, YAKE finds keyword topics, VADER's lexicon scores sentiment. Summary and key
points are extractive: the sentences that carry the most of the text's keywords. Entities come from a
capitalised-phrase heuristic and are typed `unclassified`, since nothing offline can tell a person from
a company honestly."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

from researcher_pro.providers.offline.text import STOPWORDS

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

TOPICS = 8
KEY_POINTS = 6
MAX_ENTITIES = 30
# VADER's own threshold for a sentence that leans one way; a whole text needs a clearer mean.
LEANS = 0.05
TEXT_LEANS = 0.1
# Runs of capitalised words, allowing "of", "de", "&" ... inside ("Bank of England", "Procter & Gamble").
WORD = r"(?:[A-Z][\w&'\u2019.-]*[\w&]|[A-Z])"
CAPITALISED = re.compile(rf"\b{WORD}(?:\s+(?:of|de|van|von|du|la|&)?\s*{WORD})*")


def analyse(text: str, kinds: Sequence[str]) -> dict[str, Any]:
    sentences = _sentences(text)
    result: dict[str, Any] = {}
    ranked: list[int] | None = None
    if "summary" in kinds or "key_points" in kinds:
        ranked = _rank_sentences(text, sentences)
    if "summary" in kinds and ranked is not None:
        length = 2 if len(sentences) <= 8 else 3 if len(sentences) <= 40 else 5
        result["summary"] = " ".join(sentences[i] for i in sorted(ranked[:length]))
    if "key_points" in kinds and ranked is not None:
        result["key_points"] = [sentences[i] for i in ranked[:KEY_POINTS]]
    if "topics" in kinds:
        result["topics"] = _topics(text)
    if "sentiment" in kinds:
        result["sentiment"] = _sentiment(sentences)
    if "entities" in kinds:
        result["entities"] = _entities(sentences)
    return result


def _sentences(text: str) -> list[str]:
    from segtok.segmenter import split_multi

    return [s.strip() for s in split_multi(text) if s.strip()] or [text.strip()]


def _keywords(text: str, top: int) -> list[tuple[str, float]]:
    import yake

    extractor = yake.KeywordExtractor(lan="en", n=2, top=top, dedup_lim=0.8)
    return [(str(phrase), float(score)) for phrase, score in extractor.extract_keywords(text)]


def _topics(text: str) -> list[str]:
    """YAKE's best keywords, skipping any that repeat words of a better one ("heat pump", "pumps")."""
    chosen: list[str] = []
    seen: list[set[str]] = []
    for phrase, _ in _keywords(text, TOPICS * 3):
        words = {w.lower().removesuffix("s") for w in phrase.split()}
        if any(words <= other or other <= words for other in seen):
            continue
        chosen.append(phrase)
        seen.append(words)
        if len(chosen) == TOPICS:
            break
    return chosen


def _rank_sentences(text: str, sentences: list[str]) -> list[int]:
    """Sentence indexes, best first: keyword weight covered, damped by length, with a lead bonus."""
    keywords = _keywords(text, 20)
    weights = [
        (re.compile(rf"\b{re.escape(phrase.lower())}\b"), 1.0 / (rank + 1)) for rank, (phrase, _) in enumerate(keywords)
    ]
    scores = []
    for index, sentence in enumerate(sentences):
        lowered = sentence.lower()
        covered = sum(weight for pattern, weight in weights if pattern.search(lowered))
        words = max(1, len(sentence.split()))
        scores.append(covered / math.pow(words, 0.3) + (0.1 if index == 0 else 0.0))
    return sorted(range(len(sentences)), key=lambda i: (-scores[i], i))


@cache
def _vader() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def _sentiment(sentences: list[str]) -> dict[str, Any]:
    analyser = _vader()
    scores = [float(analyser.polarity_scores(s)["compound"]) for s in sentences]
    mean = sum(scores) / len(scores)
    positive = sum(s >= LEANS for s in scores) / len(scores)
    negative = sum(s <= -LEANS for s in scores) / len(scores)
    if positive >= 0.25 and negative >= 0.25 and abs(mean) < 0.5:
        label = "mixed"
    elif mean >= TEXT_LEANS:
        label = "positive"
    elif mean <= -TEXT_LEANS:
        label = "negative"
    else:
        label = "neutral"
    return {"label": label, "score": round(max(-1.0, min(1.0, mean)), 4)}


def _entities(sentences: list[str]) -> list[dict[str, str]]:
    counts: Counter[str] = Counter()
    inside: set[str] = set()  # seen capitalised somewhere other than a sentence's first word
    for sentence in sentences:
        for match in CAPITALISED.finditer(sentence):
            words = match.group().split()
            at_start = match.start() == 0
            while words and words[0].lower() in STOPWORDS:
                words, at_start = words[1:], False
            while words and words[-1].lower() in STOPWORDS:
                words = words[:-1]
            if not words:
                continue
            name = " ".join(words).rstrip(".")
            counts[name] += 1
            if not at_start or len(words) > 1:
                inside.add(name)
    # A lone capitalised word that only ever opens a sentence is most likely just an opening word.
    names = [n for n, _ in counts.most_common() if n in inside or (n.isupper() and len(n) > 1)]
    return [{"name": name, "type": "unclassified"} for name in names[:MAX_ENTITIES]]
