"""Reports written by the (fake) OpenAI model on research found by the (fake) Perplexity search."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import uuid
from typing import Any

import pytest

from tests.e2e.reports_support import (
    MARKER,
    OUR_TAGS,
    fetch_download,
    json_citations,
    markdown_body,
    markdown_sources,
    parse_html,
    start_report,
    wait_report,
)
from tests.fakes.openai_server import NEVER_RETRIEVED, FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.harness import Cloud

pytestmark = pytest.mark.e2e
Fakes = tuple[FakeOpenAI, FakePerplexity]
DEFAULT_SECTIONS = ["Summary", "Key findings", "Discussion"]
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'


def finished_research(cloud: Cloud, depth: str = "standard") -> dict[str, Any]:
    started = cloud.start({"query": f"How do heat pumps cope with frost? #{uuid.uuid4().hex[:6]}", "depth": depth})
    research = cloud.wait(started["id"])
    assert research["status"] == "succeeded", research
    return research


def section_calls(openai: FakeOpenAI, title: str) -> int:
    return sum(
        1
        for call in openai.calls()
        if call["body"]["response_format"]["json_schema"]["name"] == "SectionDraft"
        and f"\nSection: {title}\n" in call["body"]["messages"][1]["content"]
    )


def test_reports_in_every_format_cite_only_listed_sources_and_download_as_shown(
    online_cloud: Cloud, fakes: Fakes
) -> None:
    openai, _ = fakes
    research = finished_research(online_cloud)
    numbers = {s["n"] for s in research["sources"]}
    # The research wrote its answer to an outline of a report's worth of sections: the report takes it.
    outline = re.findall(r"^## (.+)$", research["answer"], flags=re.MULTILINE)
    assert len(outline) >= 3 and outline != DEFAULT_SECTIONS
    reports: dict[str, dict[str, Any]] = {}
    for fmt in ("markdown", "html", "json"):
        started = start_report(online_cloud.http, {"research_id": research["id"], "format": fmt})
        reports[fmt] = started
        assert started["status"] == "queued" and started["format"] == fmt
        assert started["research_id"] == research["id"] and started["download_url"] is None
        report = wait_report(online_cloud.http, started["id"])
        assert report["status"] == "succeeded", report
        assert report["sections"] == outline
        if fmt == "markdown":
            # One model call per section.
            assert report["usage"]["model_calls"] == 3 and report["usage"]["cost_usd"] > 0
        else:
            # The same sections of the same research: answered from the cache, not paid for again.
            assert report["usage"]["model_calls"] == 0 and report["usage"]["cache_hits"] == 3
        # Each section cited a source it was never shown: dropped and counted.
        assert report["dropped_citations"] == 3
        content = report["content"]
        assert content and report["size_bytes"] == len(content.encode())
        assert f"[{NEVER_RETRIEVED}]" not in content

        download = fetch_download(report)
        assert download.text == content
        assert download.headers["content-type"] == report["content_type"]
        extension = {"markdown": "md", "html": "html", "json": "json"}[fmt]
        assert download.headers["content-disposition"] == f'attachment; filename="{report["id"]}.{extension}"'

        if fmt == "markdown":
            listed = markdown_sources(content)
            assert set(listed) == numbers
            cited = {int(n) for n in MARKER.findall(markdown_body(content))}
            for section in outline:
                assert f"\n## {section}\n" in content
        elif fmt == "html":
            page = parse_html(content)
            assert page.source_ids == numbers
            cited = page.cited
            assert set(page.tags) <= OUR_TAGS
            assert "script" not in page.tags and f"<strong>{outline[0]}</strong>" in content
        else:
            document = json.loads(content)
            cited, listed_numbers = json_citations(document)
            assert listed_numbers == numbers
            assert [s["title"] for s in document["sections"]] == outline
            assert all(set(s["citations"]) <= numbers for s in document["sections"])
            assert document["findings"] and all(
                [src["n"] for src in f["sources"]] == f["citations"] for f in document["findings"]
            )
            by_n = {s["n"]: s for s in research["sources"]}
            assert all(s["url"] == by_n[s["n"]]["url"] for s in document["sources"])
        assert cited and cited <= numbers, (fmt, cited, numbers)

    assert section_calls(openai, outline[0]) == 1
    events = online_cloud.http.get(f"/v1/reports/{reports['html']['id']}/events").json()["items"]
    assert [e["type"] for e in events] == ["report.progress", "report.progress", "report.ready"]
    assert [e["stage"] for e in events] == ["outline", "write", "render"]
    assert all(e["report_id"] == reports["html"]["id"] for e in events)

    listed = online_cloud.http.get("/v1/reports", params={"limit": 3}).json()
    assert [r["id"] for r in listed["items"]] == [reports[f]["id"] for f in ("json", "html", "markdown")]
    assert all(r["content"] is None and r["download_url"] is None for r in listed["items"])


def test_html_from_hostile_sources_shows_their_markup_as_text(online_cloud: Cloud, fakes: Fakes) -> None:
    _, perplexity = fakes
    perplexity.extra_results = [
        {
            "title": "](javascript:alert(1))\n\n# Not a heading",
            "url": "javascript:alert(1)",
            "snippet": "A link that must never be clickable.",
            "date": None,
            "last_updated": None,
        },
        # Listed last, so the (fake) model quotes its title in every section it writes.
        {
            "title": f"Pwned {SCRIPT}",
            "url": "https://evil.example/x",
            "snippet": f"Looks harmless {IMG} and {SCRIPT}",
            "date": "2026-09-30",
            "last_updated": None,
        },
    ]
    research = finished_research(online_cloud, depth="quick")
    numbers = {s["n"] for s in research["sources"]}
    hostile = next(s["n"] for s in research["sources"] if s["url"].startswith("https://evil.example"))

    html_report = wait_report(
        online_cloud.http, start_report(online_cloud.http, {"research_id": research["id"], "format": "html"})["id"]
    )
    page_text = html_report["content"]
    page = parse_html(page_text)
    assert set(page.tags) <= OUR_TAGS, set(page.tags) - OUR_TAGS
    assert "script" not in page.tags and "img" not in page.tags
    assert not [name for name, _ in page.attributes if name.lower().startswith("on")]
    assert not [value for _, value in page.attributes if value and "javascript:" in value.lower()]
    # The markup is there for the reader to see, as text, both in the source list and in the model's prose.
    shown = "".join(page.text)
    assert f"Pwned {SCRIPT}" in shown and IMG in shown
    assert page_text.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3
    assert hostile in page.source_ids and page.source_ids == numbers

    markdown = wait_report(
        online_cloud.http,
        start_report(online_cloud.http, {"research_id": research["id"], "format": "markdown"})["id"],
    )["content"]
    listed = markdown_sources(markdown)  # one line per source: no title broke the list
    assert set(listed) == numbers
    assert "<script>" not in markdown and "\n# Not a heading" not in markdown
    assert "](javascript:" not in markdown


def test_a_worker_killed_while_writing_resumes_without_rewriting_finished_sections(
    online_cloud: Cloud, fakes: Fakes
) -> None:
    openai, _ = fakes
    research = finished_research(online_cloud, depth="quick")
    openai.slow_when = ("\nSection: Discussion\n", 4.0)
    started = start_report(online_cloud.http, {"research_id": research["id"], "format": "markdown"})
    deadline = time.monotonic() + 20
    while not (section_calls(openai, "Summary") and section_calls(openai, "Key findings")):
        assert time.monotonic() < deadline, "the sections were never written"
        time.sleep(0.05)
    time.sleep(0.5)  # the two quick sections are checkpointed; Discussion is still waiting on the model
    for pid in online_cloud.worker_pids():
        os.kill(pid, signal.SIGKILL)
    openai.slow_when = None

    report = wait_report(online_cloud.http, started["id"], timeout=60)
    assert report["status"] == "succeeded", report
    assert section_calls(openai, "Summary") == section_calls(openai, "Key findings") == 1
    assert section_calls(openai, "Discussion") == 2
    assert report["usage"]["model_calls"] == 3  # the call that died with the worker was never billed
    assert "\n## Discussion\n" in report["content"]
