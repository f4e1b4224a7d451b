"""What the report tests share: waiting for a report, and reading citations back out of each format."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.harness import wait_for

MARKER = re.compile(r"\[(\d+)\]")
# Every tag the HTML renderer writes itself; anything else came from data and was not escaped.
OUR_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "section",
    "ul", "ol", "li", "a", "span", "strong",
}  # fmt: skip


def start_report(http: httpx.Client, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = http.post("/v1/reports", json=body, headers=headers)
    assert response.status_code == 202, response.text
    return dict(response.json())


def wait_report(http: httpx.Client, report_id: str, timeout: float = 60) -> dict[str, Any]:
    return wait_for(http, f"/v1/reports/{report_id}", timeout)


def markdown_sources(text: str) -> dict[int, str]:
    """The numbered source list at the end of a Markdown report: one line per source."""
    tail = text.split("\n## Sources\n", 1)[1].strip().splitlines()
    listed = {}
    for line in tail:
        match = re.match(r"^(\d+)\. (.+)$", line)
        assert match, f"a source list line that is not a list item: {line!r}"
        listed[int(match.group(1))] = match.group(2)
    return listed


def markdown_body(text: str) -> str:
    return text.split("\n## Sources\n", 1)[0]


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.source_ids: set[int] = set()
        self.cited: set[int] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs
        found = dict(attrs)
        if tag == "li" and (found.get("id") or "").startswith("source-"):
            self.source_ids.add(int(str(found["id"]).removeprefix("source-")))
        if tag == "a" and (found.get("href") or "").startswith("#source-"):
            self.cited.add(int(str(found["href"]).removeprefix("#source-")))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> Tags:
    parser = Tags()
    parser.feed(text)
    parser.close()
    return parser


def json_citations(document: dict[str, Any]) -> tuple[set[int], set[int]]:
    """(every [n] in the sections' text, the numbers of the listed sources)."""
    cited = {
        int(n)
        for section in document["sections"]
        for text in section["paragraphs"] + section["bullets"]
        for n in MARKER.findall(text)
    }
    return cited, {s["n"] for s in document["sources"]}


def fetch_download(report: dict[str, Any]) -> httpx.Response:
    """The download URL, fetched as any client would: no API key, straight from storage."""
    response = httpx.get(report["download_url"], timeout=30)
    assert response.status_code == 200, response.text[:300]
    return response


def loads(report: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(report["content"]))
