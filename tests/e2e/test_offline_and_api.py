"""The offline stack (no keys), the API's edges: bad input, tenants, pagination, idempotency, gzip."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.harness import DEAD_LETTER_QUEUE, QUEUE, Cloud

pytestmark = pytest.mark.e2e

HEAT_PUMPS = (
    "Heat pumps move heat rather than generating it. A typical air-source heat pump delivers three units "
    "of heat per unit of electricity, a coefficient of performance of about 3.\n\n"
    "In cold climates, modern cold-climate heat pumps keep working down to minus 25 degrees Celsius, "
    "although their efficiency drops as the outdoor temperature falls.\n\n"
    "Installation costs remain higher than gas boilers, but running costs are often lower."
)
TRAINS = "Night trains connect Vienna with Hamburg, Brussels and Rome. Demand for sleeper services has grown."


def test_health_says_offline_without_keys(offline_cloud: Cloud) -> None:
    health = httpx.get(f"{offline_cloud.url}/v1/health").json()
    assert health["status"] == "ok" and health["mode"] == "offline"
    assert health["providers"] == {"search": "offline", "model": "offline"}


def test_offline_research_quotes_the_best_matching_document(offline_cloud: Cloud) -> None:
    http = offline_cloud.client(offline_cloud.create_key("offline-reader"))
    pumps = http.post("/v1/documents", json={"title": "Heat pump primer", "text": HEAT_PUMPS}).json()
    http.post(
        "/v1/documents", json={"title": "Night trains", "text": TRAINS, "source_url": "https://trains.example/night"}
    )
    started = offline_cloud.start({"query": "How do heat pumps cope with cold climates?", "depth": "quick"}, http=http)
    research = offline_cloud.wait(started["id"], http=http)
    assert research["status"] == "succeeded"
    assert [s["title"] for s in research["sources"]] == ["Heat pump primer"]
    assert research["sources"][0]["url"] == f"/v1/documents/{pumps['id']}"
    assert research["sources"][0]["origin"] == "documents"
    assert "minus 25 degrees Celsius" in research["answer"] and "[1]" in research["answer"]
    assert all(f["citations"] == [1] for f in research["findings"])
    assert research["usage"]["cost_usd"] == 0
    # The list shows the run without its answer, findings and sources: those come with the run itself.
    (listed,) = http.get("/v1/research").json()["items"]
    whole_run_only = {"answer", "findings", "sources", "output_schema", "structured", "structured_citations"}
    assert whole_run_only.isdisjoint(listed)
    assert listed == {k: v for k, v in research.items() if k not in whole_run_only}


def test_large_documents_round_trip_through_s3(offline_cloud: Cloud) -> None:
    text = ("Tidal power is predictable. " * 8000).strip()
    created = offline_cloud.http.post("/v1/documents", json={"title": "Tidal", "text": text})
    assert created.status_code == 201
    fetched = offline_cloud.http.get(f"/v1/documents/{created.json()['id']}").json()
    assert fetched["text"] == text and fetched["size_bytes"] == len(text)


SUMMARY_SCHEMA = {
    "type": "object",
    "properties": {"summary": {"type": "string"}},
    "required": ["summary"],
    "additionalProperties": False,
}
BAD_RESEARCH: list[tuple[str, Any, int, str]] = [
    ("empty body", b"", 422, "body"),
    ("bad JSON", b'{"query": ', 400, "body"),
    ("not an object", b"[1, 2]", 422, "body"),
    ("no query and no template", {"depth": "quick"}, 422, "body"),
    ("empty query", {"query": ""}, 422, "body.query"),
    ("blank query", {"query": "   "}, 422, "body.query"),
    ("query too long", {"query": "x" * 2001}, 422, "body.query"),
    ("query of the wrong type", {"query": 42}, 422, "body.query"),
    ("unknown field", {"query": "ok", "colour": "blue"}, 422, "body.colour"),
    ("unknown depth", {"query": "ok", "depth": "bottomless"}, 422, "body.depth"),
    ("unknown source", {"query": "ok", "sources": ["tv"]}, 422, "body.sources.0"),
    ("no sources", {"query": "ok", "sources": []}, 422, "body.sources"),
    ("unknown recency", {"query": "ok", "recency": "decade"}, 422, "body.recency"),
    ("too many domains", {"query": "ok", "domains": [f"d{i}.example" for i in range(21)]}, 422, "body.domains"),
    ("not a domain", {"query": "ok", "domains": ["not a domain"]}, 422, "body.domains.0"),
    ("zero budget", {"query": "ok", "max_cost_usd": 0}, 422, "body.max_cost_usd"),
    ("negative budget", {"query": "ok", "max_cost_usd": -1}, 422, "body.max_cost_usd"),
    ("budget as a string", {"query": "ok", "max_cost_usd": "0.5"}, 422, "body.max_cost_usd"),
    ("unknown template", {"template_id": "nope"}, 422, "body.template_id"),
    ("query and template", {"query": "ok", "template_id": "builtin-market-overview"}, 422, "body"),
    ("variables without template", {"query": "ok", "variables": {"a": "b"}}, 422, "body"),
    ("template id of the wrong shape", {"template_id": "../etc"}, 422, "body.template_id"),
    ("no rounds", {"query": "ok", "max_rounds": 0}, 422, "body.max_rounds"),
    ("too many rounds", {"query": "ok", "max_rounds": 9}, 422, "body.max_rounds"),
    ("too short a duration", {"query": "ok", "max_duration_s": 5}, 422, "body.max_duration_s"),
    ("output schema not a schema", {"query": "ok", "output_schema": {"type": "thing"}}, 422, "body.output_schema"),
    # A valid schema, but a structured answer needs a model, and this service runs offline.
    ("output schema offline", {"query": "ok", "output_schema": SUMMARY_SCHEMA}, 422, "body.output_schema"),
    ("oversized body", {"query": "x" * (3 * 1024 * 1024)}, 413, ""),
]


@pytest.mark.parametrize(("case", "body", "status", "field"), BAD_RESEARCH, ids=[c[0] for c in BAD_RESEARCH])
def test_bad_research_input_is_a_clear_4xx_and_stores_nothing(
    offline_cloud: Cloud, case: str, body: Any, status: int, field: str
) -> None:
    http = offline_cloud.client(offline_cloud.create_key(f"bad-{abs(hash(case)) % 10**8}"))
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = http.post("/v1/research", content=content, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    if field:
        assert field in {e["field"] for e in problem.get("errors", [])}, problem
    assert http.get("/v1/research").json()["items"] == []


BAD_DOCUMENTS: list[tuple[str, Any, int]] = [
    ("missing text", {"title": "t"}, 422),
    ("blank text", {"title": "t", "text": "  \n "}, 422),
    ("text over 1 MB", {"title": "t", "text": "é" * 500_001}, 422),
    ("bad url", {"title": "t", "text": "x", "source_url": "javascript:alert(1)"}, 422),
    ("title of the wrong type", {"title": ["t"], "text": "x"}, 422),
    ("JSON nested deeper than any parser goes", b"[" * 100_000, 400),
]


@pytest.mark.parametrize(("case", "body", "status"), BAD_DOCUMENTS, ids=[c[0] for c in BAD_DOCUMENTS])
def test_bad_documents_are_refused_and_not_stored(offline_cloud: Cloud, case: str, body: Any, status: int) -> None:
    http = offline_cloud.client(offline_cloud.create_key(f"doc-{abs(hash(case)) % 10**8}"))
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = http.post("/v1/documents", content=content, headers={"content-type": "application/json"})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert http.get("/v1/documents").json()["items"] == []


def test_requests_without_a_valid_key_are_401(offline_cloud: Cloud) -> None:
    for headers in ({}, {"Authorization": "Bearer rp_not-a-key"}, {"Authorization": "Basic Zm9vOmJhcg=="}):
        response = httpx.get(f"{offline_cloud.url}/v1/research", headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"] == "Bearer"


def test_another_tenants_research_and_documents_do_not_exist(offline_cloud: Cloud) -> None:
    alice = offline_cloud.client(offline_cloud.create_key("alice"))
    mallory = offline_cloud.client(offline_cloud.create_key("mallory"))
    research = offline_cloud.start({"query": "private question", "depth": "quick"}, http=alice)
    document = alice.post("/v1/documents", json={"title": "secret", "text": "the secret plan"}).json()

    for method, path in [
        ("GET", f"/v1/research/{research['id']}"),
        ("GET", f"/v1/research/{research['id']}/events"),
        ("POST", f"/v1/research/{research['id']}/cancel"),
        ("DELETE", f"/v1/research/{research['id']}"),
        ("GET", f"/v1/documents/{document['id']}"),
        ("DELETE", f"/v1/documents/{document['id']}"),
    ]:
        response = mallory.request(method, path)
        assert response.status_code == 404, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert mallory.get("/v1/research").json()["items"] == []
    assert mallory.get("/v1/documents").json()["items"] == []
    # Mallory's research over "documents" never sees Alice's.
    theirs = offline_cloud.start({"query": "secret plan", "depth": "quick", "sources": ["documents"]}, http=mallory)
    assert offline_cloud.wait(theirs["id"], http=mallory)["sources"] == []
    assert alice.get(f"/v1/research/{research['id']}").status_code == 200
    assert alice.get(f"/v1/documents/{document['id']}").status_code == 200


def test_pagination_walks_every_item_once(offline_cloud: Cloud) -> None:
    http = offline_cloud.client(offline_cloud.create_key("pager"))
    created = [
        http.post("/v1/documents", json={"title": f"doc {i}", "text": f"text {i}"}).json()["id"] for i in range(7)
    ]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = http.get("/v1/documents", params=params).json()
        seen += [d["id"] for d in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(created) and len(seen) == len(set(seen)) == 7
    assert seen == list(reversed(created))  # newest first
    assert pages == 3
    started = [offline_cloud.start({"query": f"question {i}", "depth": "quick"}, http=http)["id"] for i in range(5)]
    first = http.get("/v1/research", params={"limit": 2}).json()
    rest = http.get("/v1/research", params={"limit": 100, "cursor": first["next_cursor"]}).json()
    assert [r["id"] for r in first["items"] + rest["items"]] == list(reversed(started))


@pytest.mark.parametrize("cursor", ["garbage", "eyJwayI6IHsiUyI6ICJ4In19", "e30"])
def test_a_cursor_we_did_not_issue_is_422(offline_cloud: Cloud, cursor: str) -> None:
    for path in ("/v1/documents", "/v1/research"):
        response = offline_cloud.http.get(path, params={"cursor": cursor})
        assert response.status_code == 422, response.text


def test_limit_out_of_range_is_422(offline_cloud: Cloud) -> None:
    for limit in (0, 101, "many"):
        assert offline_cloud.http.get("/v1/research", params={"limit": limit}).status_code == 422


def test_idempotency_key_returns_the_first_response_and_starts_nothing_new(offline_cloud: Cloud) -> None:
    http = offline_cloud.client(offline_cloud.create_key("idem"))
    body = {"query": "idempotent question", "depth": "quick"}
    first = http.post("/v1/research", json=body, headers={"Idempotency-Key": "k-1"})
    again = http.post("/v1/research", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert len(http.get("/v1/research").json()["items"]) == 1
    other_body = http.post("/v1/research", json={**body, "depth": "deep"}, headers={"Idempotency-Key": "k-1"})
    assert other_body.status_code == 422
    assert len(http.get("/v1/research").json()["items"]) == 1


def test_delete_removes_the_research_and_its_log(offline_cloud: Cloud) -> None:
    started = offline_cloud.start({"query": "to be deleted", "depth": "quick"})
    offline_cloud.wait(started["id"], http=offline_cloud.http)
    assert offline_cloud.http.delete(f"/v1/research/{started['id']}").status_code == 204
    assert offline_cloud.http.get(f"/v1/research/{started['id']}").status_code == 404
    assert offline_cloud.http.get(f"/v1/research/{started['id']}/events").status_code == 404
    assert offline_cloud.http.delete(f"/v1/research/{started['id']}").status_code == 404


def test_large_responses_are_gzipped_for_clients_that_accept_it(offline_cloud: Cloud) -> None:
    http = offline_cloud.client(offline_cloud.create_key("gzip"))
    for i in range(6):
        http.post("/v1/documents", json={"title": f"A fairly long document title number {i} " * 3, "text": "x"})
    auth = http.headers["authorization"]
    raw = httpx.get(f"{offline_cloud.url}/v1/documents", headers={"Authorization": auth, "Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert int(raw.headers["content-length"]) < len(raw.content)  # compressed on the wire, decoded by httpx
    plain = httpx.get(
        f"{offline_cloud.url}/v1/documents", headers={"Authorization": auth, "Accept-Encoding": "identity"}
    )
    assert "content-encoding" not in plain.headers
    assert json.loads(plain.content) == json.loads(raw.content)


def test_openapi_document_describes_every_route(offline_cloud: Cloud) -> None:
    spec = httpx.get(f"{offline_cloud.url}/openapi.json").json()
    paths = set(spec["paths"])
    assert {
        "/v1/research",
        "/v1/research/{research_id}",
        "/v1/research/{research_id}/events",
        "/v1/research/{research_id}/cancel",
        "/v1/documents",
        "/v1/templates",
        "/v1/templates/{template_id}",
        "/v1/templates/{template_id}/versions",
        "/v1/templates/{template_id}/render",
        "/v1/usage",
        "/v1/health",
        "/v1/reports",
        "/v1/reports/{report_id}",
        "/v1/reports/{report_id}/events",
    } <= paths
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_usage_reports_cost_per_day(offline_cloud: Cloud) -> None:
    report = offline_cloud.http.get("/v1/usage").json()
    assert {"from_date", "to_date", "days", "totals"} <= set(report)
    assert offline_cloud.http.get("/v1/usage", params={"from": "2026-02-01", "to": "2026-01-01"}).status_code == 422
    assert offline_cloud.http.get("/v1/usage", params={"from": "yesterday"}).status_code == 422


def test_a_malformed_task_message_fails_alone_and_ends_in_the_dead_letter_queue(offline_cloud: Cloud) -> None:
    sqs = offline_cloud.aws("sqs")
    queue = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    dlq = sqs.get_queue_url(QueueName=DEAD_LETTER_QUEUE)["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="this is not a task")
    good = offline_cloud.start({"query": "still answered", "depth": "quick"})
    assert offline_cloud.wait(good["id"], http=offline_cloud.http)["status"] == "succeeded"
    # Other tests' tasks may be there too (a step that outlived its attempts on a busy machine): looked past.
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        found = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=60)
        if any(message["Body"] == "this is not a task" for message in found.get("Messages", [])):
            return
    raise AssertionError("the malformed message never reached the dead-letter queue")


MALFORMED_IDS = ["x" * 3000, "res_" + "a" * 2000, "a b", "RES_" + "0" * 32, "tpl_" + "é" * 32]


@pytest.mark.parametrize(
    ("method", "path", "noun"),
    [
        ("GET", "/v1/research/{}", "research"),
        ("GET", "/v1/research/{}/events", "research"),
        ("POST", "/v1/research/{}/cancel", "research"),
        ("DELETE", "/v1/research/{}", "research"),
        ("GET", "/v1/analyses/{}", "analysis"),
        ("GET", "/v1/analyses/{}/events", "analysis"),
        ("GET", "/v1/reports/{}", "report"),
        ("GET", "/v1/reports/{}/events", "report"),
        ("GET", "/v1/documents/{}", "document"),
        ("DELETE", "/v1/documents/{}", "document"),
        ("GET", "/v1/watches/{}", "watch"),
        ("DELETE", "/v1/watches/{}", "watch"),
        ("POST", "/v1/watches/{}/run", "watch"),
        ("GET", "/v1/watches/{}/runs", "watch"),
        ("GET", "/v1/templates/{}", "template"),
        ("GET", "/v1/templates/{}/versions", "template"),
        ("DELETE", "/v1/templates/{}", "template"),
    ],
)
def test_an_id_we_could_not_have_issued_is_404_like_a_missing_one(
    offline_cloud: Cloud, method: str, path: str, noun: str
) -> None:
    prefix = {"analysis": "ana", "report": "rep", "document": "doc", "watch": "wat", "template": "tpl"}.get(noun, "res")
    missing = offline_cloud.http.request(method, path.format(f"{prefix}_{'0' * 32}"))
    assert missing.status_code == 404, missing.text
    for bad in MALFORMED_IDS:
        response = offline_cloud.http.request(method, path.format(bad))
        assert response.status_code == 404, (bad[:20], response.text)
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert {k: body[k] for k in ("type", "title", "status")} == {
            k: missing.json()[k] for k in ("type", "title", "status")
        }


def test_a_cursor_of_another_list_or_tenant_is_422(offline_cloud: Cloud) -> None:
    alice = offline_cloud.client(offline_cloud.create_key("cursor-alice"))
    mallory = offline_cloud.client(offline_cloud.create_key("cursor-mallory"))
    for i in range(2):
        alice.post("/v1/documents", json={"title": f"doc {i}", "text": "x"})
    cursor = alice.get("/v1/documents", params={"limit": 1}).json()["next_cursor"]
    assert cursor and alice.get("/v1/documents", params={"cursor": cursor}).status_code == 200
    for http, path in [(mallory, "/v1/documents"), (alice, "/v1/research"), (alice, "/v1/watches")]:
        response = http.get(path, params={"cursor": cursor})
        assert response.status_code == 422, (path, response.text)
        assert response.json()["detail"] == "The cursor was not issued by this API for this list"


def test_after_is_bounded(offline_cloud: Cloud) -> None:
    started = offline_cloud.start({"query": "bounded after", "depth": "quick"})
    path = f"/v1/research/{started['id']}/events"
    assert offline_cloud.http.get(path, params={"after": 1_000_000_000}).status_code == 200
    for after in (1_000_000_001, 10**30, -1):
        assert offline_cloud.http.get(path, params={"after": after}).status_code == 422
