from __future__ import annotations

from researcher_pro.providers.offline.analyst import OfflineAnalyst
from researcher_pro.providers.offline.expansion import expand_queries
from researcher_pro.providers.offline.index import DocumentIndex
from researcher_pro.providers.offline.text import STOPWORDS, passages, terms, words

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
    assert len(analyst.plan("heat pumps in the cold", 3)) == 3


# --- stemming, passages and the README's own walk-through ----------------------------------------------------

README_QUESTION = "How do heat pumps cope with cold climates?"
PRIMER = {
    "id": "primer",
    "title": "Heat pump primer",
    "text": "Heat pumps move heat rather than generating it. A typical air-source heat pump delivers three units "
    "of heat per unit of electricity.\n\nModern cold-climate heat pumps keep working down to minus 25 degrees "
    "Celsius, although their efficiency drops as it gets colder.",
}
MINUS_25 = "Modern cold-climate heat pumps keep working down to minus 25 degrees Celsius"
# Other documents of the same tenant that talk about heat pumps, but not about the cold.
BROCHURES = [
    {
        "id": f"b{i}",
        "title": f"Brochure {i}",
        "text": f"Heat pumps are quiet and {word} machines. Heat pumps suit {place}.",
    }
    for i, (word, place) in enumerate(
        [
            ("efficient", "new homes"),
            ("compact", "flats"),
            ("reliable", "offices"),
            ("durable", "schools"),
            ("affordable", "shops"),
        ]
    )
]


def test_terms_are_stemmed_and_compounds_yield_their_parts() -> None:
    assert terms("cold climates") == ["cold", "climat"]
    assert terms("cold-climate") == ["cold-climat", "cold", "climat"]
    assert set(terms("cold climates")) <= set(terms("Modern cold-climate heat pumps"))
    assert terms("cold climates")[1] in terms("a climate")
    assert terms("the heat pump's studies") == ["heat", "pump", "studi"]
    # What people read stays as they wrote it.
    assert words("Modern cold-climate heat pumps") == ["modern", "cold-climate", "heat", "pumps"]
    assert OfflineAnalyst().plan(README_QUESTION, 2)[1] == "heat pumps cope cold climates: definitions and background"


def test_cold_climates_finds_cold_climate() -> None:
    index = DocumentIndex([{"id": "d1", "title": "Field notes", "text": "A cold-climate unit ran all winter."}])
    assert [r.title for r in index.search("cold climates", 5)] == ["Field notes"]
    assert [r.title for r in index.passages("climate", 5)] == ["Field notes"]


def test_the_readme_walk_through_quotes_the_minus_25_degrees_sentence_first() -> None:
    index = DocumentIndex([*BROCHURES, PRIMER])
    (best,) = index.passages(README_QUESTION, 1)
    assert best.title == "Heat pump primer" and MINUS_25 in best.content
    assert index.search(README_QUESTION, 8)[0].title == "Heat pump primer"

    analyst = OfflineAnalyst()
    sources = [{**r.__dict__, "n": n} for n, r in enumerate(index.search(README_QUESTION, 8), start=1)]
    findings = analyst.analyse(README_QUESTION, sources)
    assert findings[0]["text"].startswith(MINUS_25) and findings[0]["citations"] == [1]


LONG = {
    "id": "long",
    "title": "Long report",
    "text": "\n\n".join(
        [
            "Defrost cycles matter in humid cold. " + "The outdoor coil collects frost in damp air. " * 12,
            "Installers size the unit for the coldest week. " * 14,
            "Defrost cycles cost a few percent of the heat delivered over a winter. " * 9,
        ]
    ),
}
SHORT = {
    "id": "short",
    "title": "Short note",
    "text": "A defrost cycle melts frost on the coil.",
    "source_url": "https://n.example",
}


def test_passages_are_ranked_by_passage_with_a_cap_per_document() -> None:
    index = DocumentIndex([LONG, SHORT])
    assert len(passages(LONG["text"])) == 3
    found = index.passages("defrost cycles", 5, per_document=2)
    assert [r.title for r in found].count("Long report") == 2
    assert "Short note" in [r.title for r in found]
    assert all(r.content in passages(LONG["text"]) for r in found if r.title == "Long report")
    assert {r.url for r in found} == {"/v1/documents/long", "https://n.example"}
    assert [r.title for r in index.passages("defrost cycles", 5, per_document=1)].count("Long report") == 1
    assert len(index.passages("defrost cycles", 1)) == 1
    assert index.passages("nothing matches this", 5) == [] and DocumentIndex([]).passages("defrost", 5) == []


def test_search_gives_each_document_once_with_its_best_passages_in_order() -> None:
    results = DocumentIndex([LONG, SHORT]).search("defrost cycles", 5)
    assert sorted(r.title for r in results) == ["Long report", "Short note"]
    report = next(r for r in results if r.title == "Long report")
    first, _, last = passages(LONG["text"])
    assert report.content == f"{first}\n\n{last}"  # the two that mention defrost, in the document's order
    assert len(DocumentIndex([LONG, SHORT]).search("defrost cycles", 1)) == 1


# --- query expansion -------------------------------------------------------------------------------------------

FIELD_NOTES = [
    "In freezing fog the outdoor unit ices up and the heat pump runs a defrost cycle every hour.",
    "Defrost cycles cost efficiency; the Kallax Field Trial measured them over two winters.",
    "Owners in the far north report that defrost noise is the main complaint.",
]


def test_follow_up_queries_add_what_the_top_passages_make_salient() -> None:
    queries = expand_queries(README_QUESTION, FIELD_NOTES, [], count=3)
    assert len(queries) == 3
    assert queries[0] == "heat pumps cope cold climates defrost"  # in every passage, and in the best twice
    assert all(q.startswith("heat pumps cope cold climates ") for q in queries)
    added = [q.removeprefix("heat pumps cope cold climates ") for q in queries]
    assert all(" " not in word and word not in STOPWORDS for word in added)
    # Deterministic: the same passages give the same queries.
    assert expand_queries(README_QUESTION, FIELD_NOTES, [], count=3) == queries


def test_follow_up_queries_skip_what_was_asked_and_repeat_nothing() -> None:
    first = expand_queries(README_QUESTION, FIELD_NOTES, [], count=2)
    # Terms any earlier query used are not salient news, in whatever inflection it used them.
    later = expand_queries(README_QUESTION, FIELD_NOTES, ["defrosting cycle", *first], count=4)
    assert not {"defrost", "cycle", "cycles"} & {q.rsplit(" ", 1)[1] for q in later}
    assert not set(first) & set(later) and len(set(later)) == len(later)
    # A compound proposed covers its parts.
    compound = expand_queries("heat pumps", ["Cold-climate units, cold-climate homes and cold-climate grids."], [], 5)
    assert compound[0] == "heat pumps cold-climate"
    assert not {"heat pumps cold", "heat pumps climate"} & set(compound)
    assert expand_queries(README_QUESTION, [], [], 3) == []
    assert expand_queries(README_QUESTION, FIELD_NOTES, [], count=0) == []


def test_rarity_over_the_collection_ranks_down_what_every_document_says() -> None:
    manuals = [
        {"id": f"m{i}", "title": f"Manual {i}", "text": f"Check the outdoor unit in season {i}."} for i in range(6)
    ]
    notes = [{"id": f"n{i}", "title": f"Note {i}", "text": note} for i, note in enumerate(FIELD_NOTES)]
    index = DocumentIndex([*manuals, *notes])

    def place(queries: list[str], word: str) -> int:
        added = [q.rsplit(" ", 1)[1] for q in queries]
        return added.index(word) if word in added else len(added)

    plain = expand_queries(README_QUESTION, FIELD_NOTES, [], 8)
    rare = expand_queries(README_QUESTION, FIELD_NOTES, [], 8, rarity=index.rarity())
    assert place(plain, "outdoor") < 8 and place(rare, "outdoor") > place(plain, "outdoor")
