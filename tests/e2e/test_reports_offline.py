"""Reports on the offline stack (no keys): extractive sections, and the API's edges for reports."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.reports_support import (
    MARKER,
    fetch_download,
    markdown_body,
    markdown_sources,
    start_report,
    wait_report,
)
from tests.harness import Cloud

pytestmark = pytest.mark.e2e

SOLAR = (
    "Solar panels convert sunlight into electricity. Rooftop solar panels in Germany produce about 950 "
    "kilowatt hours per installed kilowatt each year.\n\n"
    "Panel efficiency drops slightly in hot weather, and snow on the panels stops production until it melts."
)
BATTERIES = (
    "Home batteries store solar electricity for the evening. A typical home battery holds 10 kilowatt hours, "
    "enough to run a household through the evening peak."
)


def offline_research(cloud: Cloud, tenant: str) -> tuple[Any, dict[str, Any]]:
    http = cloud.client(cloud.create_key(tenant))
    http.post("/v1/documents", json={"title": "Solar primer", "text": SOLAR})
    http.post(
        "/v1/documents",
        json={"title": "Home batteries", "text": BATTERIES, "source_url": "https://batteries.example/home"},
    )
    started = cloud.start({"query": "How much electricity do solar panels produce?", "depth": "quick"}, http=http)
    research = cloud.wait(started["id"], http=http)
    assert research["status"] == "succeeded" and research["findings"], research
    return http, research


def test_an_offline_report_quotes_the_findings_with_citations_that_resolve(offline_cloud: Cloud) -> None:
    http, research = offline_research(offline_cloud, "offline-reporter")
    started = start_report(http, {"research_id": research["id"]})
    assert started["format"] == "markdown"
    report = wait_report(http, started["id"])

    assert report["status"] == "succeeded", report
    assert report["sections"] == ["Summary", "Key findings", "Discussion"]
    assert report["usage"]["cost_usd"] == 0 and report["usage"]["model_calls"] == 0
    content = report["content"]
    assert "950 kilowatt hours" in content
    listed = markdown_sources(content)
    assert set(listed) == {s["n"] for s in research["sources"]}
    assert "Solar primer" in listed[1]
    cited = {int(n) for n in MARKER.findall(markdown_body(content))}
    assert cited and cited <= set(listed)
    # Every finding of the research is in the report, with its markers.
    for finding in research["findings"]:
        markers = "".join(f"[{n}]" for n in finding["citations"])
        assert f"{finding['text'].rstrip('.')} {markers}" in content
    assert fetch_download(report).text == content


def test_an_offline_json_report_carries_findings_with_their_sources(offline_cloud: Cloud) -> None:
    http, research = offline_research(offline_cloud, "offline-json")
    report = wait_report(http, start_report(http, {"research_id": research["id"], "format": "json"})["id"])
    document = json.loads(report["content"])
    assert document["research_id"] == research["id"] and document["query"] == research["query"]
    assert [f["text"] for f in document["findings"]] == [f["text"] for f in research["findings"]]
    by_n = {s["n"]: s for s in research["sources"]}
    for finding in document["findings"]:
        assert [s["url"] for s in finding["sources"]] == [by_n[n]["url"] for n in finding["citations"]]
    assert fetch_download(report).json() == document


def test_a_report_needs_a_research_of_the_same_tenant_that_has_succeeded(offline_cloud: Cloud) -> None:
    alice = offline_cloud.client(offline_cloud.create_key("report-alice"))
    mallory = offline_cloud.client(offline_cloud.create_key("report-mallory"))
    research = offline_cloud.wait(
        offline_cloud.start({"query": "alice's question", "depth": "quick"}, http=alice)["id"], http=alice
    )
    report = start_report(alice, {"research_id": research["id"], "format": "html"})

    # Mallory can neither read Alice's report nor report on her research.
    for path in (f"/v1/reports/{report['id']}", f"/v1/reports/{report['id']}/events"):
        response = mallory.get(path)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"] == "application/problem+json"
    refused = mallory.post("/v1/reports", json={"research_id": research["id"]})
    assert refused.status_code == 404 and research["id"] in refused.json()["detail"]
    assert mallory.get("/v1/reports").json()["items"] == []
    assert wait_report(alice, report["id"])["status"] == "succeeded"

    # A research that has not succeeded cannot be reported on yet: 409, and nothing is stored.
    pending = offline_cloud.start({"query": "cancelled before it ran", "depth": "quick"}, http=mallory)
    mallory.post(f"/v1/research/{pending['id']}/cancel")
    cancelled = offline_cloud.wait(pending["id"], http=mallory)
    assert cancelled["status"] == "cancelled"
    conflict = mallory.post("/v1/reports", json={"research_id": pending["id"]})
    assert conflict.status_code == 409, conflict.text
    assert "cancelled" in conflict.json()["detail"] and pending["id"] in conflict.json()["detail"]
    assert mallory.get("/v1/reports").json()["items"] == []


BAD_REPORTS: list[tuple[str, Any, str]] = [
    ("no research", {"format": "html"}, "research_id"),
    ("bad format", {"research_id": "res_x", "format": "pdf"}, "format"),
    ("unknown field", {"research_id": "res_x", "colour": "red"}, "colour"),
    ("wrong type", {"research_id": 42}, "research_id"),
    ("empty id", {"research_id": ""}, "research_id"),
]


@pytest.mark.parametrize(("case", "body", "field"), BAD_REPORTS, ids=[c[0] for c in BAD_REPORTS])
def test_bad_report_requests_are_422_naming_the_field(offline_cloud: Cloud, case: str, body: Any, field: str) -> None:
    response = offline_cloud.http.post("/v1/reports", json=body)
    assert response.status_code == 422, response.text
    assert field in response.json()["detail"]


def test_an_unknown_template_is_422_naming_it_and_stores_nothing(offline_cloud: Cloud) -> None:
    http = offline_cloud.client(offline_cloud.create_key("report-templates"))
    started = offline_cloud.start({"query": "templated", "depth": "quick"}, http=http)
    research = offline_cloud.wait(started["id"], http=http)
    response = http.post("/v1/reports", json={"research_id": research["id"], "template_id": "tpl_nope"})
    assert response.status_code == 422, response.text
    assert "template_id" in response.json()["detail"] and "tpl_nope" in response.json()["detail"]
    assert http.get("/v1/reports").json()["items"] == []


def test_idempotency_key_starts_one_report(offline_cloud: Cloud) -> None:
    http = offline_cloud.client(offline_cloud.create_key("report-idem"))
    research = offline_cloud.wait(offline_cloud.start({"query": "once", "depth": "quick"}, http=http)["id"], http=http)
    body = {"research_id": research["id"], "format": "json"}
    first = start_report(http, body, **{"Idempotency-Key": "r-1"})
    again = start_report(http, body, **{"Idempotency-Key": "r-1"})
    assert again["id"] == first["id"]
    assert [r["id"] for r in http.get("/v1/reports").json()["items"]] == [first["id"]]
    other = http.post("/v1/reports", json={**body, "format": "html"}, headers={"Idempotency-Key": "r-1"})
    assert other.status_code == 422
