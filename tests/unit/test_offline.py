from __future__ import annotations

from researcher_pro.providers.offline.analyst import OfflineAnalyst
from researcher_pro.providers.offline.index import DocumentIndex
from researcher_pro.providers.offline.text import passages

DOCS = [
    {"id": "d1", "title": "Heat pumps", "text": "Heat pumps move heat.\n\nCold-climate heat pumps work at minus 25 C."},
    {"id": "d2", "title": "Trains", "text": "Night trains link Vienna and Rome.", "source_url": "https://t.example"},
]


def test_long_paragraphs_are_split_and_short_ones_merged() -> None:
    text = "Short one.\n\nShort two.\n\n" + " ".join(f"Sentence number {i} is here." for i in range(100))
    chunks = passages(text)
    assert chunks[0].startswith("Short one.\n\nShort two.")
    assert all(len(c) <= 1000 for c in chunks) and len(chunks) > 2


def test_the_index_finds_the_matching_document_only() -> None:
    results = DocumentIndex(DOCS).search("How do heat pumps cope with cold?", 5)
    assert [r.title for r in results] == ["Heat pumps"]
    assert results[0].url == "/v1/documents/d1" and results[0].origin == "documents"
    assert DocumentIndex(DOCS).search("night trains", 5)[0].url == "https://t.example"
    assert DocumentIndex([]).search("anything", 5) == []


def test_extractive_findings_cite_only_the_sources_given() -> None:
    analyst = OfflineAnalyst()
    sources = [
        {"n": 4, "content": "Cold-climate heat pumps keep working at minus 25 degrees Celsius outdoors."},
        {"n": 5, "content": "Trains are nice."},
    ]
    findings = analyst.analyse("heat pumps in the cold", sources)
    assert findings and all(f["citations"] == [4] for f in findings)
    answer = analyst.synthesise("heat pumps?", findings, [{**sources[0], "title": "HP", "snippet": "snip"}])
    assert "[4]" in answer and "snip" in answer
    assert len(analyst.plan("heat pumps in the cold", 3)) == 3
