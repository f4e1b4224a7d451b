"""Every handler, invoked with its sample events from infra/events, against moto server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from infra.local.template import Stack
from tests.harness import ROOT
from tests.integration.conftest import invoke, load_function

EVENTS = Path(ROOT, "infra", "events")
SAMPLE_KEY = "rp_sample-key-for-sample-events-only-0000000000"


def event(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


def body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def register_sample_key(tenant: str) -> None:
    from researcher_pro.access.api_key_repository import ApiKeyRepository
    from researcher_pro.access.api_keys import ApiKeyService
    from researcher_pro.core.config import get_settings

    ApiKeyService(ApiKeyRepository(get_settings().data_table)).issue(tenant, SAMPLE_KEY)


def test_every_function_has_sample_events(stack: Stack) -> None:
    for function in stack.functions.values():
        folder = EVENTS / function.code_uri.name
        assert list(folder.glob("*.json")), f"no sample events for {function.logical_id}"


def test_health_and_openapi_events(stack: Stack) -> None:
    health = load_function("health_api")
    response = invoke(health, event("health_api/health.json"))
    assert response["statusCode"] == 200 and body(response)["mode"] == "offline"
    spec = body(invoke(health, event("health_api/openapi.json")))
    assert "/v1/research" in spec["paths"]


def test_api_events_without_a_registered_key_are_401(stack: Stack) -> None:
    # A key nobody issued: the sample key itself is registered by other tests that may run first.
    sample = event("usage_api/usage_report.json")
    sample["headers"]["authorization"] = "Bearer rp_never-issued-0000000000000000000000000000"
    response = invoke(load_function("usage_api"), sample)
    assert response["statusCode"] == 401
    assert response["headers"]["content-type"] == "application/problem+json"


def test_research_runs_from_the_api_event_through_worker_events(stack: Stack) -> None:
    register_sample_key("sample")
    documents, research_api, worker, sweeper, usage = (
        load_function(n) for n in ("documents_api", "research_api", "task_worker", "task_sweeper", "usage_api")
    )
    assert invoke(documents, event("documents_api/create_document.json"))["statusCode"] == 201
    assert len(body(invoke(documents, event("documents_api/list_documents.json")))["items"]) == 1
    started = invoke(research_api, event("research_api/start_research.json"))
    assert started["statusCode"] == 202
    research_id = body(started)["id"]
    listed = body(invoke(research_api, event("research_api/list_research.json")))
    assert [r["id"] for r in listed["items"]] == [research_id]
    assert invoke(research_api, event("research_api/get_missing_research.json"))["statusCode"] == 404

    # The worker's sample batch: a plan step (pointed at this research) and a malformed record.
    batch = event("task_worker/plan_step_and_malformed.json")
    plan = json.loads(batch["Records"][0]["body"])
    batch["Records"][0]["body"] = json.dumps({**plan, "task_id": research_id})
    result = invoke(worker, batch)
    assert result == {"batchItemFailures": [{"itemIdentifier": batch["Records"][1]["messageId"]}]}

    # Deliver the steps that follow, as the queue would, until the research is done.
    for step in ("search.1", "analyze.1", "synthesize"):  # documents need no reading; quick has one round
        single = {
            "Records": [{**batch["Records"][0], "body": json.dumps({**plan, "task_id": research_id, "step": step})}]
        }
        assert invoke(worker, single) == {"batchItemFailures": []}
    get = {**event("research_api/get_missing_research.json")}
    get["rawPath"] = get["requestContext"]["http"]["path"] = f"/v1/research/{research_id}"
    research = body(invoke(research_api, get))
    assert research["status"] == "succeeded"
    assert "minus 25 degrees Celsius" in research["answer"]
    # The sweeper's scheduled event: it counts what it did (other tests' tasks share this table), and leaves a
    # finished research as it was.
    swept = invoke(sweeper, event("task_sweeper/scheduled.json"))
    assert set(swept) == {"requeued", "resent", "failed", "postponed"}
    assert all(isinstance(n, int) for n in swept.values())
    assert body(invoke(research_api, get)) == research
    assert invoke(usage, event("usage_api/usage_report.json"))["statusCode"] == 200

    # A report on that research: the API event, the worker's three steps, then a download from S3.
    reports_api = load_function("reports_api")
    assert invoke(reports_api, event("reports_api/get_missing_report.json"))["statusCode"] == 404
    start = event("reports_api/start_report.json")
    start["body"] = json.dumps({**json.loads(start["body"]), "research_id": research_id})
    created = invoke(reports_api, start)
    assert created["statusCode"] == 202, created
    report_id = body(created)["id"]
    for step in ("outline", "write", "render"):
        message = {"task_id": report_id, "tenant": plan["tenant"], "kind": "report", "step": step, "attempt": 1}
        single = {"Records": [{**batch["Records"][0], "body": json.dumps(message)}]}
        assert invoke(worker, single) == {"batchItemFailures": []}
    get_report = event("reports_api/get_missing_report.json")
    get_report["rawPath"] = get_report["requestContext"]["http"]["path"] = f"/v1/reports/{report_id}"
    report = body(invoke(reports_api, get_report))
    assert report["status"] == "succeeded" and "minus 25 degrees Celsius" in report["content"]
    assert httpx.get(report["download_url"]).text == report["content"]


def test_templates_events_create_list_render_and_refuse_a_builtin_delete(stack: Stack) -> None:
    register_sample_key("sample-templates")
    templates = load_function("templates_api")
    created = invoke(templates, event("templates_api/create_template.json"))
    assert created["statusCode"] == 201, created
    assert body(created)["version"] == 1
    listed = body(invoke(templates, event("templates_api/list_templates.json")))
    ids = [t["id"] for t in listed["items"]]
    # Built-in templates come first, then the tenant's own.
    assert "builtin-market-overview" in ids and all(i.startswith("builtin-") for i in ids[:-1])
    assert ids[-1] == body(created)["id"]
    rendered = body(invoke(templates, event("templates_api/render_builtin.json")))
    assert "residential heat pumps" in rendered["prompt"] and "Germany" in rendered["prompt"]
    refused = invoke(templates, event("templates_api/delete_builtin_forbidden.json"))
    assert refused["statusCode"] == 403
    assert refused["headers"]["content-type"] == "application/problem+json"
