"""Rendering a report: what came from sources and models stays data in every format."""

from __future__ import annotations

import json
import re
from typing import Any

from researcher_pro.reports.render import ReportDocument, to_html, to_json, to_markdown
from researcher_pro.reports.writer import DEFAULT_SECTIONS, ExtractiveSectionWriter, SectionBrief

from tests.e2e.reports_support import OUR_TAGS, markdown_body, markdown_sources, parse_html

HOSTILE_TITLE = "Evil</title><script>alert(1)</script>\n\n# Heading\n3. item ](javascript:alert(1)) `code` *x*"
SOURCES: list[dict[str, Any]] = [
    {"n": 1, "title": "Plain", "url": "https://example.org/a?b=1&c=2", "published_at": "2026-10-01T00:00:00Z",
     "snippet": "Fine.", "origin": "web"},
    {"n": 2, "title": HOSTILE_TITLE, "url": "javascript:alert(1)", "published_at": None,
     "snippet": '"><img src=x onerror=alert(1)>', "origin": "web"},
    {"n": 3, "title": "Doc", "url": "/v1/documents/doc_1", "published_at": None, "snippet": "", "origin": "documents"},
]  # fmt: skip
FINDINGS = [{"text": "Heat pumps work at minus 25 degrees.", "citations": [1, 2]}]


def document(paragraph: str = "Plain prose [1].", bullet: str = "A point [3].") -> ReportDocument:
    return ReportDocument(
        report_id="rep_1",
        research_id="res_1",
        title="Research report: <b>heat</b>",
        query="heat",
        generated_at="2026-11-26T10:00:00.000Z",
        sections=[{"title": "Summary", "paragraphs": [paragraph], "bullets": [bullet]}],
        findings=FINDINGS,
        sources=SOURCES,
    )


def test_markdown_keeps_one_source_per_line_whatever_the_titles_say() -> None:
    text = to_markdown(document(paragraph="# Not a heading <script>x</script> [a](javascript:y) [2]"))
    listed = markdown_sources(text)
    assert sorted(listed) == [1, 2, 3]
    assert listed[1] == "Plain \u2014 <https://example.org/a?b=1&c=2> \u2014 2026-10-01"
    assert listed[3] == "Doc \u2014 /v1/documents/doc\\_1"
    hostile = listed[2]
    assert "\\<script\\>" in hostile and "\\]\\(javascript:" in hostile and "\\# Heading" in hostile
    assert "<javascript" not in hostile  # not a link
    body = markdown_body(text)
    assert "\n\\# Not a heading &lt;script&gt;" in body and "]\\(javascript:" in body
    assert "<script>" not in text and not re.search(r"^#+ Heading", text, flags=re.MULTILINE)


def test_html_escapes_everything_that_came_from_data() -> None:
    text = to_html(document(paragraph='**Bold** <script>alert(1)</script> "quoted" [1][2]'))
    page = parse_html(text)
    assert set(page.tags) <= OUR_TAGS
    assert not [name for name, _ in page.attributes if name.startswith("on")]
    assert "default-src 'none'" in text  # no scripts and nothing from elsewhere, even if escaping failed
    assert "<strong>Bold</strong>" in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<title>Research report: &lt;b&gt;heat&lt;/b&gt;</title>" in text
    # A javascript: URL is shown, never linked; an http URL is linked with its & escaped.
    assert 'href="https://example.org/a?b=1&amp;c=2"' in text
    assert not [v for _, v in page.attributes if v and "javascript" in v]
    assert page.cited == {1, 2, 3} and page.source_ids == {1, 2, 3}
    assert HOSTILE_TITLE.split("\n", maxsplit=1)[0] in "".join(page.text)


def test_json_carries_sections_findings_with_sources_and_the_source_list() -> None:
    text = to_json(document())
    assert "<" not in text and ">" not in text  # escaped as \u003c: inert if pasted into a page
    body = json.loads(text)
    assert body["sections"][0]["citations"] == [1, 3]
    assert body["findings"][0]["sources"] == [
        {"n": 1, "title": "Plain", "url": "https://example.org/a?b=1&c=2", "published_at": "2026-10-01T00:00:00Z"},
        {"n": 2, "title": HOSTILE_TITLE, "url": "javascript:alert(1)", "published_at": None},
    ]
    assert [s["n"] for s in body["sources"]] == [1, 2, 3] and body["sources"][1]["snippet"].startswith('">')


def test_the_offline_writer_cites_findings_inside_their_sentences() -> None:
    writer = ExtractiveSectionWriter()
    written = {
        s["title"]: writer.write(
            SectionBrief("heat", s["title"], s["instructions"], ("Summary",), FINDINGS, SOURCES),
            meter=None,  # type: ignore[arg-type]
        )
        for s in DEFAULT_SECTIONS
    }
    assert written["Summary"]["paragraphs"] == ["Heat pumps work at minus 25 degrees [1][2]."]
    assert written["Key findings"]["bullets"] == ["Heat pumps work at minus 25 degrees [1][2]."]
    assert written["Discussion"]["paragraphs"] == [
        "The research kept 1 cited finding from 2 of the 3 sources it found (the web). "
        "Every one of them is supported by more than one source."
    ]
    custom = writer.write(SectionBrief("heat", "Pricing", "Costs and prices", (), FINDINGS, SOURCES), None)  # type: ignore[arg-type]
    assert custom["paragraphs"][0].startswith("No finding speaks to \u201cPricing\u201d directly.")
