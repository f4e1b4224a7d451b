"""The analysis function and the worker, invoked with the sample events against moto (offline)."""

from __future__ import annotations

import json

from infra.local.template import Stack
from tests.integration.conftest import invoke, load_function
from tests.integration.test_sample_events import body, event, register_sample_key


def test_an_analysis_runs_from_the_api_event_through_worker_events(stack: Stack) -> None:
    register_sample_key("sample-analyses")
    api, worker = load_function("analysis_api"), load_function("task_worker")
    started = invoke(api, event("analysis_api/start_analysis.json"))
    assert started["statusCode"] == 202
    analysis_id = body(started)["id"]
    assert [a["id"] for a in body(invoke(api, event("analysis_api/list_analyses.json")))["items"]] == [analysis_id]
    assert invoke(api, event("analysis_api/get_missing_analysis.json"))["statusCode"] == 404

    record = event("task_worker/plan_step_and_malformed.json")["Records"][0]
    for step in ("map", "reduce"):
        message = {"task_id": analysis_id, "tenant": "sample-analyses", "kind": "analysis", "step": step}
        assert invoke(worker, {"Records": [{**record, "body": json.dumps(message)}]}) == {"batchItemFailures": []}
    get = event("analysis_api/get_missing_analysis.json")
    get["rawPath"] = get["requestContext"]["http"]["path"] = f"/v1/analyses/{analysis_id}"
    analysis = body(invoke(api, get))
    assert analysis["status"] == "succeeded" and analysis["method"] == "offline"
    assert set(analysis["result"]) == {"summary", "key_points", "sentiment", "entities", "topics"}
    assert "Norway" in {e["name"] for e in analysis["result"]["entities"]}
