"""Follow-up queries without a model: pseudo-relevance feedback, the offline loop's reflect step.

The passages that best answered a round say what else the question touches: a term they make salient that
no query has used yet (a process, a place, a study they name) is worth a search of its own. Salience is
tf-idf over those passages (frequent in a passage, in few of them), discounted by the passage's rank, so
the best passages speak loudest. Everything is deterministic: the same passages give the same queries.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from researcher_pro.providers.offline.text import forms, terms, words

TOPIC_WORDS = 6  # of the question, carried into each follow-up so it stays on topic
MIN_TERM_CHARS = 3


def expand_queries(
    question: str,
    top_passages: Sequence[str],
    earlier_queries: Sequence[str],
    count: int = 3,
    rarity: Mapping[str, float] | None = None,
) -> list[str]:
    """Up to `count` follow-up queries, most salient first: the question's topic and one term salient in
    `top_passages` (best first) that neither the question nor any of `earlier_queries` has. A query that
    says what an earlier one said (the same terms, in any order or inflection) is never proposed.

    `rarity` (a term's IDF over the whole collection, as `DocumentIndex.rarity` gives it) ranks down the
    words every passage uses; without it, salience is judged within the top passages alone."""
    asked = [question, *earlier_queries]
    known = {term for query in asked for term in terms(query)}
    said = {_meaning(query) for query in asked}
    topic = " ".join(words(question)[:TOPIC_WORDS]) or question.strip()

    candidates, spelled = _salient(top_passages, rarity)
    queries: list[str] = []
    covered = set(known)
    for term in candidates:
        if len(queries) >= count:
            break
        parts = set(term.split("-"))
        if term in covered or parts <= covered or term.isdigit() or len(term) < MIN_TERM_CHARS:
            continue
        query = f"{topic} {spelled[term]}"
        if _meaning(query) in said:
            continue
        said.add(_meaning(query))
        covered |= {term, *parts}  # a compound proposed covers its parts
        queries.append(query)
    return queries


def _salient(passages: Sequence[str], rarity: Mapping[str, float] | None) -> tuple[list[str], dict[str, str]]:
    """The passages' terms, most salient first (ties: the first met first), and each one's most used word."""
    found = [forms(passage) for passage in passages]
    documents = Counter(term for passage in found for term in {t for t, _ in passage})
    weight: dict[str, float] = defaultdict(float)
    spellings: dict[str, Counter[str]] = {}
    first_met: dict[str, int] = {}
    for rank, passage in enumerate(found):
        counts = Counter(term for term, _ in passage)
        for term, word in passage:
            spellings.setdefault(term, Counter())[word] += 1
            first_met.setdefault(term, len(first_met))
        for term, tf in counts.items():
            idf = math.log(1 + len(found) / documents[term])
            weight[term] += tf / len(passage) * idf / math.log2(rank + 2)
    if rarity:
        rarest = max(rarity.values())  # a term the collection has never seen is as rare as they come
        for term in weight:
            weight[term] *= rarity.get(term, rarest)
    ranked = sorted(weight, key=lambda term: (-weight[term], first_met[term]))
    spelled = {term: min(used, key=lambda word: (-used[word], word)) for term, used in spellings.items()}
    return ranked, spelled


def _meaning(query: str) -> frozenset[str]:
    return frozenset(terms(query))
