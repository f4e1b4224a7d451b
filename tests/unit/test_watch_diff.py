"""What a watch reports as changed between two runs: real changes, not rewording or renumbering."""

from __future__ import annotations

from typing import Any

from researcher_pro.watches.diff import diff_runs, normalise_claim


def research(sources: list[tuple[int, str]], findings: list[tuple[str, list[int]]]) -> dict[str, Any]:
    return {
        "sources": [{"n": n, "url": url, "title": f"Title {n}"} for n, url in sources],
        "findings": [{"text": text, "citations": cited} for text, cited in findings],
    }


BEFORE = research(
    [(1, "https://a.example/report"), (2, "https://b.example/news?id=7")],
    [("Heat pumps cut bills by 30% [1].", [1]), ("Subsidies end in 2027.", [2])],
)


def test_renumbered_sources_reworded_case_and_punctuation_are_not_a_change() -> None:
    after = research(
        # The same pages, found in the other order, one with tracking parameters and www.
        [(1, "https://www.b.example/news?id=7&utm_source=x"), (2, "https://a.example/report/")],
        [("heat pumps cut bills by 30 % [2]", [2]), ("Subsidies end in 2027!", [1])],
    )
    diff = diff_runs(BEFORE, after)
    assert diff.changed is False
    assert diff.new_sources == diff.dropped_sources == diff.new_findings == diff.unsupported_findings == []


def test_new_and_dropped_sources_and_findings_are_reported() -> None:
    after = research(
        [(1, "https://a.example/report"), (2, "https://c.example/analysis")],
        [("Heat pumps cut bills by 30%.", [1]), ("Subsidies were extended to 2029.", [2])],
    )
    diff = diff_runs(BEFORE, after)
    assert diff.changed is True
    assert [s.url for s in diff.new_sources] == ["https://c.example/analysis"]
    assert [s.url for s in diff.dropped_sources] == ["https://b.example/news?id=7"]
    assert [f.text for f in diff.new_findings] == ["Subsidies were extended to 2029."]
    assert [f.text for f in diff.unsupported_findings] == ["Subsidies end in 2027."]
    assert diff.unsupported_findings[0].sources == ["https://b.example/news?id=7"]


def test_the_same_claim_now_resting_on_another_source_is_a_change() -> None:
    after = research(
        [(1, "https://a.example/report"), (2, "https://b.example/news?id=7")],
        [("Heat pumps cut bills by 30% [1].", [1]), ("Subsidies end in 2027.", [1])],
    )
    diff = diff_runs(BEFORE, after)
    assert diff.changed and not diff.new_sources and not diff.dropped_sources
    assert [f.sources for f in diff.new_findings] == [["https://a.example/report"]]
    assert [f.sources for f in diff.unsupported_findings] == [["https://b.example/news?id=7"]]


def test_claims_normalise_markers_punctuation_and_spacing() -> None:
    assert normalise_claim("  Prices ROSE [1][2], sharply; [3, 4]  ") == "prices rose sharply"
    assert normalise_claim("Prices rose, sharply.") == normalise_claim("prices   rose sharply")
    assert normalise_claim("Prices rose") != normalise_claim("Prices fell")
