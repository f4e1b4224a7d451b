"""Analyses end to end: the local cloud, real HTTP, the SQS-driven worker, the fake OpenAI server (online)
and the offline libraries (no keys)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jsonschema
import pytest

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.harness import Cloud, wait_for

pytestmark = pytest.mark.e2e
Fakes = tuple[FakeOpenAI, FakePerplexity]
ALL_STANDARD = ["summary", "key_points", "sentiment", "entities", "topics"]
REVIEW = (
    "Acme Corp opened its new heat pump factory in Oslo this spring. The installers report excellent results "
    "in the coldest weeks.\n\n"
    "Buyers in Bergen praised the quiet operation, and Acme Corp plans a second line for export to Sweden."
)
CUSTOM_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "company": {"type": "string", "minLength": 2},
        "country": {"type": "string"},
        "founded": {"type": "integer", "minimum": 1800},
        "outlook": {"enum": ["growing", "stable", "shrinking"]},
        "sites": {"type": "array", "items": {"$ref": "#/$defs/site"}, "uniqueItems": True},
    },
    "required": ["company", "outlook", "sites"],
    "$defs": {
        "site": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "opened": {"type": "string", "format": "date"}},
            "required": ["city"],
        }
    },
}


def unique(text: str) -> str:
    return f"{text}\n\nReference {uuid.uuid4().hex[:8]}."


def start(http: httpx.Client, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = http.post("/v1/analyses", json=body, headers=headers)
    assert response.status_code == 202, response.text
    started = dict(response.json())
    assert started["status"] == "queued"
    return started


def wait(http: httpx.Client, analysis_id: str, timeout: float = 60) -> dict[str, Any]:
    return wait_for(http, f"/v1/analyses/{analysis_id}", timeout)


def events(http: httpx.Client, analysis_id: str) -> list[dict[str, Any]]:
    response = http.get(f"/v1/analyses/{analysis_id}/events")
    response.raise_for_status()
    return list(response.json()["items"])


def calls_named(openai: FakeOpenAI, name: str) -> list[dict[str, Any]]:
    return [c for c in openai.calls() if c["body"]["response_format"]["json_schema"]["name"] == name]


def user_message(call: dict[str, Any]) -> str:
    return str(next(m["content"] for m in call["body"]["messages"] if m["role"] == "user"))


# --- online ---------------------------------------------------------------------------------------------
def test_every_standard_kind_comes_back_typed_and_metered(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, _ = fakes
    http = online_cloud.client(online_cloud.create_key("analyses-kinds"))
    started = start(http, {"text": unique(REVIEW), "kinds": ALL_STANDARD, "instructions": "Focus on the company."})
    analysis = wait(http, started["id"])

    assert analysis["status"] == "succeeded", analysis
    assert analysis["kinds"] == ALL_STANDARD and analysis["method"] == "model" and analysis["chunks"] == 1
    result = analysis["result"]
    assert result["summary"].startswith("Acme Corp opened its new heat pump factory in Oslo")
    assert result["key_points"] and all(isinstance(p, str) for p in result["key_points"])
    assert result["sentiment"] == {"label": "positive", "score": 0.8}
    assert {"name": "Acme Corp", "type": "organization"} in result["entities"]
    assert {"name": "Oslo", "type": "location"} in result["entities"]
    assert result["topics"] and "custom" not in result
    # One part, one structured call carrying exactly the requested kinds, in strict mode.
    [call] = calls_named(openai, "TextAnalysis")
    response_format = call["body"]["response_format"]["json_schema"]
    assert response_format["strict"] is True
    assert sorted(response_format["schema"]["properties"]) == sorted(ALL_STANDARD)
    assert "Caller's instructions: Focus on the company." in user_message(call)
    # Metered on the analysis and on the tenant's day.
    assert analysis["usage"]["model_calls"] == 1 and analysis["usage"]["cost_usd"] > 0
    assert analysis["usage"]["input_tokens"] > 0
    assert http.get("/v1/usage").json()["totals"]["model_calls"] == 1

    log = events(http, started["id"])
    assert [(e["seq"], e["type"], e["stage"]) for e in log] == [
        (1, "analysis.progress", "map"),
        (2, "analysis.completed", "reduce"),
    ]
    assert log[0]["analysis_id"] == started["id"] and log[0]["data"]["parts"] == 1
    listed = http.get("/v1/analyses", params={"status": "succeeded"}).json()
    assert [a["id"] for a in listed["items"]] == [started["id"]]


def test_the_same_analysis_again_is_answered_from_the_cache(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, _ = fakes
    body = {"text": unique(REVIEW), "kinds": ["summary", "topics"]}
    first = wait(online_cloud.http, start(online_cloud.http, body)["id"])
    second = wait(online_cloud.http, start(online_cloud.http, body)["id"])
    assert first["result"] == second["result"]
    assert len(calls_named(openai, "TextAnalysis")) == 1
    assert second["usage"]["cache_hits"] == 1 and second["usage"]["model_calls"] == 0


def test_custom_extraction_is_asked_in_strict_form_and_checked(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, _ = fakes
    started = start(online_cloud.http, {"text": unique(REVIEW), "schema": CUSTOM_SCHEMA})
    assert started["kinds"] == ["custom"]
    analysis = wait(online_cloud.http, started["id"])

    assert analysis["status"] == "succeeded", analysis
    custom = analysis["result"]["custom"]
    jsonschema.validate(custom, CUSTOM_SCHEMA)
    assert custom["company"] == "Acme Corp" and custom["outlook"] == "growing"
    # The model was asked in strict form: every object closed, every property required, optional ones
    # nullable; keywords strict mode does not take were left out but are still enforced afterwards.
    [call] = calls_named(openai, "CustomExtraction")
    sent = call["body"]["response_format"]["json_schema"]
    assert sent["strict"] is True
    strict = sent["schema"]
    assert strict["additionalProperties"] is False
    assert strict["required"] == ["company", "country", "founded", "outlook", "sites"]
    assert strict["properties"]["founded"]["type"] == ["integer", "null"]
    assert "minLength" not in strict["properties"]["company"] and "$schema" not in strict
    site = strict["$defs"]["site"]
    assert site["additionalProperties"] is False and site["required"] == ["city", "opened"]


def test_model_output_that_breaks_the_schema_is_retried_then_fails(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, _ = fakes
    openai.off_schema_next(10)
    started = start(online_cloud.http, {"text": unique(REVIEW), "kinds": ["summary"], "schema": CUSTOM_SCHEMA})
    assert started["kinds"] == ["summary", "custom"]
    analysis = wait(online_cloud.http, started["id"], timeout=120)

    assert analysis["status"] == "failed"
    assert analysis["error"]["code"] == "provider_bad_output"
    assert "does not match the schema" in analysis["error"]["message"] and "$.company" in analysis["error"]["message"]
    assert analysis["result"] is None
    # One extraction per step attempt: at least MaxStepAttempts=3 (the sweeper may requeue a released
    # step before the queue redelivers it). The summary was paid once, then served from the cache; every
    # off-schema extraction was answered, so each is billed, though none was usable.
    attempts = len(calls_named(openai, "CustomExtraction"))
    assert attempts >= 3
    assert len(calls_named(openai, "TextAnalysis")) == 1
    assert analysis["usage"]["model_calls"] == 1 + attempts and analysis["usage"]["cache_hits"] == attempts - 1
    assert events(online_cloud.http, started["id"])[-1]["type"] == "analysis.failed"


def test_a_100k_character_text_is_mapped_in_parts_and_reduced(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, _ = fakes
    paragraph = (
        "Section {n} notes that Acme Corp keeps expanding in Oslo. Engineers describe the heat pump programme "
        "as excellent, and the regional utilities agree that the investment makes sense for customers. "
    ) * 4
    paragraphs: list[str] = []
    room = 100_000
    while room > 0:
        numbered = paragraph.replace("{n}", str(len(paragraphs) + 1)).strip()[:room]
        paragraphs.append(numbered)
        room -= len(numbered) + 2
    text = "\n\n".join(paragraphs)
    assert len(text) == 100_000
    analysis = wait(
        online_cloud.http,
        start(online_cloud.http, {"text": text, "kinds": [*ALL_STANDARD, "custom"], "schema": CUSTOM_SCHEMA})["id"],
        timeout=120,
    )

    assert analysis["status"] == "succeeded", analysis
    assert analysis["text_chars"] == 100_000
    parts = analysis["chunks"]
    assert parts >= 8  # 12 000 characters per part at most
    part_calls = calls_named(openai, "TextAnalysis")
    assert len(part_calls) == parts
    bodies = [user_message(c).split("<text>\n", 1)[1].rsplit("\n</text>", 1)[0] for c in part_calls]
    assert all(len(b) <= 12_000 for b in bodies)
    # Split on paragraph boundaries: every part starts a paragraph, and nothing was lost.
    assert all(b.startswith("Section ") for b in bodies)
    assert sum(len(b.split("\n\n")) for b in bodies) == len(paragraphs)
    [merge] = calls_named(openai, "MergedAnalysis")
    assert f"Analyses of {parts} parts" in user_message(merge)
    assert len(calls_named(openai, "CustomExtraction")) == parts + 1  # one per part, one merge

    result = analysis["result"]
    assert result["summary"].startswith(f"Merged from {parts} parts: Section 1 notes")
    # Entities and sentiment are merged without a model: one entry per name, the length-weighted tone.
    assert [e["name"] for e in result["entities"]].count("Acme Corp") == 1
    assert result["sentiment"] == {"label": "positive", "score": 0.8}
    jsonschema.validate(result["custom"], CUSTOM_SCHEMA)
    assert analysis["usage"]["model_calls"] == 2 * parts + 2


def test_a_finished_research_can_be_analysed(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, perplexity = fakes
    research = online_cloud.wait(
        online_cloud.start({"query": f"Heat pump sales {uuid.uuid4().hex[:6]}", "depth": "quick"})["id"]
    )
    assert research["status"] == "succeeded"
    analysis = wait(
        online_cloud.http, start(online_cloud.http, {"research_id": research["id"], "kinds": ["summary"]})["id"]
    )

    assert analysis["status"] == "succeeded", analysis
    assert analysis["research_id"] == research["id"]
    assert analysis["text_chars"] == len(research["answer"].strip())
    [call] = calls_named(openai, "TextAnalysis")
    assert research["answer"] in user_message(call)

    # A research that has not finished yet cannot be analysed.
    perplexity.script.delay = 1.5
    running = online_cloud.start({"query": f"Still running {uuid.uuid4().hex[:6]}", "depth": "quick"})
    refused = online_cloud.http.post("/v1/analyses", json={"research_id": running["id"]})
    assert refused.status_code == 409
    assert running["id"] in refused.json()["detail"] and "research_id" in refused.json()["detail"]
    perplexity.script.delay = 0
    online_cloud.wait(running["id"])


def test_another_tenants_analysis_and_research_are_not_found(online_cloud: Cloud, fakes: Fakes) -> None:
    research = online_cloud.wait(
        online_cloud.start({"query": f"Tenant check {uuid.uuid4().hex[:6]}", "depth": "quick"})["id"]
    )
    mine = start(online_cloud.http, {"text": unique(REVIEW)})
    other = online_cloud.client(online_cloud.create_key("analyses-other"))

    assert other.get(f"/v1/analyses/{mine['id']}").status_code == 404
    assert other.get(f"/v1/analyses/{mine['id']}/events").status_code == 404
    assert other.get("/v1/analyses").json()["items"] == []
    refused = other.post("/v1/analyses", json={"research_id": research["id"]})
    assert refused.status_code == 404
    assert research["id"] in refused.json()["detail"] and "research_id" in refused.json()["detail"]
    assert other.post("/v1/analyses", json={"research_id": "res_nope"}).status_code == 404
    assert other.get("/v1/analyses").json()["items"] == []
    wait(online_cloud.http, mine["id"])


def nested(levels: int) -> dict[str, Any]:
    """An object schema with `levels` objects inside each other."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}}
    return schema


BAD_SCHEMAS: list[tuple[str, Any, str]] = [
    ("not a JSON Schema", {"type": "object", "properties": {"a": {"type": "strin"}}}, "not a valid JSON Schema"),
    ("free-form object", {"type": "object"}, "must list its properties"),
    ("top level not an object", {"type": "array", "items": {"type": "string"}}, "top level must be an object"),
    (
        "open object",
        {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True},
        "additionalProperties",
    ),
    ("allOf", {"type": "object", "properties": {"a": {"allOf": [{"type": "string"}]}}}, "allOf"),
    ("dangling $ref", {"type": "object", "properties": {"a": {"$ref": "#/$defs/b"}}}, "points at nothing"),
    (
        "remote $ref",
        {"type": "object", "properties": {"a": {"$ref": "https://example.org/s.json"}}},
        "local references",
    ),
    ("untyped value", {"type": "object", "properties": {"a": {}}}, "need a type"),
    (
        "unknown draft",
        {"$schema": "https://example.org/draft", "type": "object", "properties": {"a": {"type": "string"}}},
        "draft",
    ),
    (
        "too large",
        {"type": "object", "properties": {f"p{i}": {"type": "string", "description": "x" * 100} for i in range(200)}},
        "bytes",
    ),
    ("too deep", None, "nest deeper"),
]


@pytest.fixture(scope="module")
def online_rejects(online_cloud: Cloud) -> httpx.Client:
    """A tenant whose requests are all refused, so it must never have an analysis."""
    return online_cloud.client(online_cloud.create_key("analyses-refused-online"))


@pytest.fixture(scope="module")
def offline_rejects(offline_cloud: Cloud) -> httpx.Client:
    return offline_cloud.client(offline_cloud.create_key("analyses-refused-offline"))


@pytest.mark.parametrize(("case", "schema", "reason"), BAD_SCHEMAS, ids=[c[0] for c in BAD_SCHEMAS])
def test_an_unusable_schema_is_422_naming_it_and_stores_nothing(
    online_rejects: httpx.Client, case: str, schema: Any, reason: str
) -> None:
    http = online_rejects
    response = http.post("/v1/analyses", json={"text": REVIEW, "schema": schema or nested(11)})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "body.schema" and reason in error["message"]
    assert http.get("/v1/analyses").json()["items"] == []


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("neither input", {"kinds": ["summary"]}, "exactly one of 'text' or 'research_id'"),
    ("both inputs", {"text": "Some text.", "research_id": "res_1"}, "exactly one of 'text' or 'research_id'"),
    ("empty text", {"text": ""}, "body.text"),
    ("blank text", {"text": "  \n "}, "body.text"),
    ("text too long", {"text": "x" * 100_001}, "body.text"),
    ("unknown kind", {"text": "Some text.", "kinds": ["haiku"]}, "body.kinds"),
    ("no kinds", {"text": "Some text.", "kinds": []}, "body.kinds"),
    ("custom without schema", {"text": "Some text.", "kinds": ["custom"]}, "needs a 'schema'"),
    ("schema not an object", {"text": "Some text.", "schema": "{}"}, "body.schema"),
    ("unknown field", {"text": "Some text.", "language": "en"}, "body.language"),
    ("instructions too long", {"text": "Some text.", "instructions": "x" * 2001}, "body.instructions"),
    ("negative budget", {"text": "Some text.", "max_cost_usd": -1}, "body.max_cost_usd"),
]


@pytest.mark.parametrize(("case", "body", "named"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
def test_bad_requests_are_422_naming_the_field(
    offline_rejects: httpx.Client, case: str, body: dict[str, Any], named: str
) -> None:
    http = offline_rejects
    response = http.post("/v1/analyses", json=body)
    assert response.status_code == 422, response.text
    assert named in response.text
    assert http.get("/v1/analyses").json()["items"] == []


def test_an_idempotency_key_starts_one_analysis(offline_cloud: Cloud) -> None:
    http = offline_cloud.client(offline_cloud.create_key("analyses-idempotent"))
    body = {"text": REVIEW, "kinds": ["topics"]}
    first = start(http, body, **{"Idempotency-Key": "analysis-1"})
    again = start(http, body, **{"Idempotency-Key": "analysis-1"})
    assert again["id"] == first["id"]
    assert (
        http.post(
            "/v1/analyses", json={**body, "kinds": ["summary"]}, headers={"Idempotency-Key": "analysis-1"}
        ).status_code
        == 422
    )
    assert [a["id"] for a in http.get("/v1/analyses").json()["items"]] == [first["id"]]


# --- offline --------------------------------------------------------------------------------------------
OFFLINE_TEXT = (
    "The Norwegian Energy Agency published its annual heat pump survey on Monday. Households in Bergen and "
    "Tromso reported excellent comfort, and many said the switch was the best decision they had made.\n\n"
    "Installers praised the new cold-climate models. The survey found that heat pumps cut heating bills by a "
    "third for most families, and that the pumps kept working in deep frost.\n\n"
    "Some owners complained about noisy outdoor units and slow repairs. Sadly, a few installations were "
    "delayed for weeks. Still, the Norwegian Energy Agency expects heat pump sales to keep growing."
)


def test_offline_analysis_is_extractive_and_free(offline_cloud: Cloud) -> None:
    http = offline_cloud.client(offline_cloud.create_key("analyses-offline"))
    analysis = wait(http, start(http, {"text": OFFLINE_TEXT, "kinds": ALL_STANDARD})["id"])

    assert analysis["status"] == "succeeded", analysis
    assert analysis["method"] == "offline" and analysis["chunks"] == 1
    result = analysis["result"]
    flat = " ".join(OFFLINE_TEXT.split())
    # Extractive: the summary and the key points are sentences of the text itself.
    assert result["summary"] and all(s in flat for s in result["summary"].split(". "))
    assert 1 <= len(result["key_points"]) <= 6 and all(p in flat for p in result["key_points"])
    assert any("heat pump" in t.lower() for t in result["topics"])
    assert result["sentiment"]["label"] in {"positive", "mixed"} and result["sentiment"]["score"] > 0
    names = {e["name"] for e in result["entities"]}
    assert {"Norwegian Energy Agency", "Bergen", "Tromso"} <= names
    assert {e["type"] for e in result["entities"]} == {"unclassified"}
    assert analysis["usage"]["model_calls"] == 0 and analysis["usage"]["cost_usd"] == 0


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("The service was terrible. The staff were rude and the food was awful. I hated every minute.", "negative"),
        ("The hotel was wonderful. The staff were friendly and the breakfast was delicious. We loved it.", "positive"),
        ("The train leaves at nine. It stops in Linz and Salzburg. The journey takes four hours.", "neutral"),
    ],
)
def test_offline_sentiment_follows_the_text(offline_cloud: Cloud, text: str, label: str) -> None:
    analysis = wait(offline_cloud.http, start(offline_cloud.http, {"text": text, "kinds": ["sentiment"]})["id"])
    assert analysis["status"] == "succeeded", analysis
    assert analysis["result"] == {"sentiment": analysis["result"]["sentiment"]}
    assert analysis["result"]["sentiment"]["label"] == label


def test_offline_custom_extraction_is_refused_up_front(offline_rejects: httpx.Client) -> None:
    http = offline_rejects
    response = http.post("/v1/analyses", json={"text": OFFLINE_TEXT, "schema": CUSTOM_SCHEMA})
    assert response.status_code == 422
    assert "kinds" in response.json()["detail"] and "offline" in response.json()["detail"]
    assert http.get("/v1/analyses").json()["items"] == []


def test_offline_analysis_of_a_large_text_reads_it_back_from_storage(offline_cloud: Cloud) -> None:
    text = "\n\n".join([OFFLINE_TEXT] * 40)  # far above what is kept inline in the record
    analysis = wait(offline_cloud.http, start(offline_cloud.http, {"text": text, "kinds": ["summary", "topics"]})["id"])
    assert analysis["status"] == "succeeded", analysis
    assert analysis["text_chars"] == len(text)
    assert analysis["result"]["summary"] and analysis["result"]["topics"]
