from __future__ import annotations

from researcher_pro.core.citations import keep_retrieved_citations, keep_retrieved_markers, normalise_url
from researcher_pro.providers.base import Retrieved
from researcher_pro.research.sources import SourceRegistry


def test_the_same_page_normalises_to_one_key() -> None:
    same = [
        "https://www.Example.com/a/b/",
        "http://example.com/a/b",
        "https://example.com:443/a//b#part",
        "https://example.com/a/b?utm_source=news&fbclid=1",
    ]
    assert len({normalise_url(u) for u in same}) == 1
    assert normalise_url("https://example.com/a?b=2&a=1") == normalise_url("https://example.com/a?a=1&b=2")
    assert normalise_url("https://example.com/a?id=1") != normalise_url("https://example.com/a?id=2")
    assert normalise_url("https://example.com:8443/a") != normalise_url("https://example.com/a")


def test_sources_are_numbered_in_order_and_deduplicated() -> None:
    registry = SourceRegistry()
    first = registry.add(Retrieved(url="https://a.example/x", title="A", snippet=""))
    second = registry.add(Retrieved(url="https://b.example/", title="B", snippet=""))
    again = registry.add(Retrieved(url="http://www.a.example/x/", title="A again", snippet=""))
    assert (first, second, again) == (1, 2, 1)
    assert [s["title"] for s in registry.sources] == ["A", "B"]


def test_citations_of_sources_never_retrieved_are_dropped_and_counted() -> None:
    findings = [
        {"text": "Supported.", "citations": [1, 7]},
        {"text": "Invented.", "citations": [9]},
        {"text": "supported.", "citations": [2]},  # the same claim again
        {"text": "", "citations": [1]},
    ]
    kept, dropped, unsupported = keep_retrieved_citations(findings, {1, 2})
    assert kept == [{"text": "Supported.", "citations": [1]}]
    assert (dropped, unsupported) == (2, 2)


def test_answer_markers_pointing_nowhere_are_removed() -> None:
    answer, dropped = keep_retrieved_markers("Heat pumps work [1]. Magic exists [42]. Both [1, 42].", {1})
    assert answer == "Heat pumps work [1]. Magic exists. Both [1]."
    assert dropped == 2
