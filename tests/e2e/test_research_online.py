"""A research run end to end: local cloud, real HTTP, SQS-driven workers, fake OpenAI and Perplexity."""

from __future__ import annotations

import json
import os
import re
import signal
import time
import uuid
from typing import Any

import pytest

from tests.fakes.openai_server import NEVER_RETRIEVED, UNSUPPORTED_QUOTE, FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.web import FakeWeb
from tests.harness import QUEUE, Cloud

pytestmark = pytest.mark.e2e
Fakes = tuple[FakeOpenAI, FakePerplexity]


def unique(query: str) -> str:
    return f"{query} #{uuid.uuid4().hex[:6]}"


def schema_names(openai: FakeOpenAI) -> list[str]:
    return [c["body"]["response_format"]["json_schema"]["name"] for c in openai.calls()]


def grouped(results: list[Any]) -> list[list[dict[str, Any]]]:
    """The Search API's results as one list per query: a request of one query gets a flat list."""
    return results if results and isinstance(results[0], list) else [results]


def test_a_standard_run_answers_with_citations_and_quotes_that_all_resolve(
    online_cloud: Cloud, fakes: Fakes, fake_web: FakeWeb
) -> None:
    openai, perplexity = fakes
    fake_web.reset()
    started = online_cloud.start(
        {
            "query": unique("How do heat pumps perform in cold climates?"),
            "depth": "standard",
            "domains": ["-spam.example", "-ads.example"],
            "recency": "month",
        }
    )
    assert started["status"] == "queued"
    research = online_cloud.wait(started["id"])

    assert research["status"] == "succeeded", research
    assert research["progress"] == 1.0 and research["completed_at"]
    assert research["brief"] == ["aspect 1", "aspect 2", "aspect 3"]
    assert research["rounds"] == 2 and research["stop_reason"] == "rounds"
    # Round 1 asks the 3 sub-questions in one request, with the filters the research asked for; round 2 the
    # follow-ups its reflection proposed, never a query asked before.
    first, second = perplexity.calls("/search")
    rounds = perplexity.searches()
    assert len(rounds[0]) == 3 and rounds[1] and not set(rounds[0]) & set(rounds[1])
    for search in (first, second):
        assert search["body"]["search_domain_filter"] == ["-spam.example", "-ads.example"]
        assert search["body"]["search_recency_filter"] == "month"
        assert search["body"]["max_results"] == 8
    # The queries found many of the same pages, across rounds too: each became one source, numbered once.
    found = [
        page["url"]
        for search in (first, second)
        for pages in grouped(perplexity.index.search(search["body"])["results"])
        for page in pages
    ]
    assert len(set(found)) < len(found)
    urls = [s["url"] for s in research["sources"]]
    assert sorted(urls) == sorted(set(found))
    assert [s["n"] for s in research["sources"]] == list(range(1, len(urls) + 1))
    # Every page is on loopback, which this cloud may not fetch: none was, each source kept its search text.
    assert fake_web.requests == []
    assert research["pages_read"] == 0 and not any(s["read"] for s in research["sources"])

    numbers = {s["n"] for s in research["sources"]}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", research["answer"])}
    assert markers and markers <= numbers
    assert f"[{NEVER_RETRIEVED}]" not in research["answer"]
    assert research["findings"] and all(set(f["citations"]) <= numbers and f["quote"] for f in research["findings"])
    assert UNSUPPORTED_QUOTE not in {f["quote"] for f in research["findings"]}
    # The model cited a source it was never shown once per analysis and once per section, and misquoted
    # its first source once per analysis: all dropped, and counted.
    names = schema_names(openai)
    analyses, sections = names.count("FindingsReport"), names.count("SectionText")
    assert research["dropped_citations"] == analyses + sections
    # Each round's misquote reads the same: one finding dropped per round that analysed anything, each counted once.
    # (A round whose searches found only passages analysed before makes no analysis call.)
    analysed = [
        e for e in online_cloud.events(started["id"]) if e.get("stage") == "analyze" and e["data"]["evidence_chars"]
    ]
    assert analysed and research["unverified_findings"] == len(analysed)
    assert sections >= 1 and names.count("AnswerOutline") == 1 and names.count("ReflectionReport") == 1
    usage = research["usage"]
    assert usage["model_calls"] == len(openai.calls()) + len(perplexity.calls())
    assert usage["input_tokens"] > 0 and usage["cost_usd"] > 0 and usage["cache_hits"] == 0

    events = online_cloud.events(started["id"])
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["type"] for e in events] == ["research.progress"] * (len(events) - 1) + ["research.completed"]
    # A round reads only the pages it found new; the follow-up may find none.
    second = ("search", "read", "analyze") if events[5]["data"]["new_sources"] else ("search", "analyze")
    assert [(e["stage"], e.get("round")) for e in events] == [
        ("plan", None),
        *[(stage, 1) for stage in ("search", "read", "analyze", "reflect")],
        *[(stage, 2) for stage in second],
        ("synthesize", None),
    ]
    assert all(e["of"] == 2 for e in events[:-1])
    progress = [e["progress"] for e in events]
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert events[1]["data"]["queries"] == rounds[0] and events[5]["data"]["queries"] == rounds[1]
    assert set(events[2]["data"]["unreadable"].values()) == {"address"}
    assert sum(e["data"]["unverified"] for e in events if e["stage"] == "analyze") == research["unverified_findings"]
    assert all(e["data"]["elapsed_ms"] >= 0 for e in events)
    assert online_cloud.events(started["id"], after=2) == events[2:]


def test_an_identical_research_is_answered_from_the_cache(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, perplexity = fakes
    body = {"query": unique("What is the market share of solar in Spain?"), "depth": "quick"}
    first = online_cloud.wait(online_cloud.start(body)["id"])
    calls = len(openai.calls()) + len(perplexity.calls())
    second = online_cloud.wait(online_cloud.start(body)["id"])

    assert first["status"] == second["status"] == "succeeded"
    assert len(openai.calls()) + len(perplexity.calls()) == calls
    assert second["usage"]["cache_hits"] == first["usage"]["model_calls"] == calls
    assert second["usage"]["model_calls"] == 0 and second["usage"]["cost_usd"] == 0
    assert second["answer"] == first["answer"]


def test_the_cache_never_serves_another_tenant(online_cloud: Cloud, fakes: Fakes) -> None:
    body = {"query": unique("Who makes the most efficient electrolysers?"), "depth": "quick"}
    first = online_cloud.wait(online_cloud.start(body)["id"])
    other = online_cloud.client(online_cloud.create_key("cache-other"))
    research = online_cloud.wait(online_cloud.start(body, http=other)["id"], http=other)
    assert research["usage"]["cache_hits"] == 0
    assert research["usage"]["model_calls"] == first["usage"]["model_calls"] > 0


def test_rate_limited_then_successful_provider_calls_are_retried(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, perplexity = fakes
    perplexity.fail_next(429, 429, retry_after="0")
    openai.fail_next(500)
    research = online_cloud.wait(
        online_cloud.start({"query": unique("Battery recycling rates"), "depth": "quick"})["id"]
    )
    assert research["status"] == "succeeded", research
    assert len(perplexity.calls()) == 3
    # The refused attempts (two 429s, one 500) are not billed; every answered one is.
    assert research["usage"]["model_calls"] == len(openai.calls()) + len(perplexity.calls()) - 3


def test_a_provider_that_stays_down_fails_the_run_with_a_reason(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, _ = fakes
    openai.script.down = True
    started = time.monotonic()
    research = online_cloud.wait(online_cloud.start({"query": unique("Grid storage"), "depth": "quick"})["id"])
    assert research["status"] == "failed"
    assert research["error"]["code"] == "provider_unavailable"
    assert "OpenAI" in research["error"]["message"]
    assert time.monotonic() - started < 60
    assert online_cloud.events(research["id"])[-1]["type"] == "research.failed"


def test_malformed_answers_are_retried_and_then_used(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, perplexity = fakes
    openai.malformed_next(2)
    perplexity.malformed_next(1)
    research = online_cloud.wait(
        online_cloud.start({"query": unique("Heat pump noise limits"), "depth": "quick"})["id"]
    )
    assert research["status"] == "succeeded", research
    # Every request the providers answered is billed, the malformed answers too (the provider bills them).
    assert len(perplexity.calls()) == 2
    assert research["usage"]["model_calls"] == len(openai.calls()) + len(perplexity.calls())
    assert schema_names(openai).count("ResearchPlan") == 3  # the plan was asked again after two malformed


def test_a_provider_that_rejects_the_request_fails_at_once(online_cloud: Cloud, fakes: Fakes) -> None:
    _, perplexity = fakes
    perplexity.fail_next(400)  # as Perplexity refuses a request it will never accept
    research = online_cloud.wait(online_cloud.start({"query": unique("Rejected"), "depth": "quick"})["id"])
    assert research["status"] == "failed"
    assert research["error"]["code"] == "provider_rejected"
    assert len(perplexity.calls()) == 1


def test_max_cost_stops_a_run_that_would_go_over(online_cloud: Cloud, fakes: Fakes) -> None:
    research = online_cloud.wait(
        online_cloud.start({"query": unique("Expensive question"), "depth": "deep", "max_cost_usd": 0.004})["id"]
    )
    assert research["status"] == "failed"
    assert research["error"]["code"] == "budget_exceeded"
    assert research["usage"]["cost_usd"] <= 0.004


def test_cancel_stops_the_run_at_the_next_step_boundary(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, perplexity = fakes
    perplexity.script.delay = 1.5
    started = online_cloud.start({"query": unique("Cancel me"), "depth": "quick"})
    online_cloud.wait(started["id"], statuses={"running"}, timeout=20)
    response = online_cloud.http.post(f"/v1/research/{started['id']}/cancel")
    assert response.status_code == 202
    research = online_cloud.wait(started["id"])
    assert research["status"] == "cancelled"
    assert online_cloud.events(started["id"])[-1]["type"] == "research.cancelled"
    assert "SectionText" not in schema_names(openai)
    again = online_cloud.http.post(f"/v1/research/{started['id']}/cancel")
    assert again.status_code == 409


def test_duplicate_deliveries_make_one_set_of_provider_calls(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, perplexity = fakes
    perplexity.script.delay = 0.5
    started = online_cloud.start({"query": unique("Heat pumps: a duplicate delivery"), "depth": "quick"})
    sqs = online_cloud.aws("sqs")
    queue = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    for step in ("plan", "plan", "search.1", "read.1", "analyze.1", "synthesize"):
        sqs.send_message(
            QueueUrl=queue,
            MessageBody=(f'{{"task_id": "{started["id"]}", "tenant": "dev", "kind": "research", "step": "{step}"}}'),
        )
    research = online_cloud.wait(started["id"])
    time.sleep(1.5)  # let any stray duplicate run
    assert research["status"] == "succeeded"
    # One plan, one search, one analysis, one outline and one call per section: nothing twice.
    names = schema_names(openai)
    assert len(perplexity.calls()) == 1
    assert [names.count(n) for n in ("ResearchPlan", "FindingsReport", "AnswerOutline")] == [1, 1, 1]
    assert names.count("SectionText") == len(names) - 3
    final = online_cloud.http.get(f"/v1/research/{started['id']}").json()
    assert final["usage"]["model_calls"] == len(names) + 1 and final["usage"]["cache_hits"] == 0
    events = online_cloud.events(started["id"])
    assert [e["stage"] for e in events] == ["plan", "search", "read", "analyze", "synthesize"]
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]


def test_a_worker_killed_mid_step_resumes_and_finishes(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, perplexity = fakes
    openai.script.delay = 2.0
    started = online_cloud.start({"query": unique("Heat pumps: resume after a crash"), "depth": "quick"})
    deadline = time.monotonic() + 20
    while not openai.calls() and time.monotonic() < deadline:
        time.sleep(0.05)
    # The worker is inside a step, waiting on the model: kill every worker container.
    pids = online_cloud.worker_pids()
    assert pids
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    openai.script.delay = 0
    research = online_cloud.wait(started["id"], timeout=60)
    assert research["status"] == "succeeded", research
    assert len(perplexity.calls()) == 1  # the finished search step was not repeated
    assert [e["seq"] for e in online_cloud.events(started["id"])] == [1, 2, 3, 4, 5]


def test_provider_keys_reach_only_the_worker_and_only_from_the_secret(online_cloud: Cloud, fakes: Fakes) -> None:
    openai, perplexity = fakes
    health = online_cloud.http.get("/v1/health").json()
    assert health["mode"] == "online" and health["providers"] == {"search": "perplexity", "model": "openai"}
    stored = online_cloud.aws("secretsmanager").get_secret_value(SecretId="researcher-pro-local-ProviderKeysSecret")
    assert json.loads(stored["SecretString"]) == {"openai_api_key": "sk-test", "perplexity_api_key": "pplx-test"}
    containers = online_cloud.containers()
    assert {"task_worker", "research_api", "health_api"} <= {function for function, _ in containers.values()}
    for function, environ in containers.values():
        assert b"sk-test" not in environ and b"pplx-test" not in environ, function
        assert (b"RP_PROVIDER_KEYS_SECRET_ARN=" in environ) == (function == "task_worker"), function
    # The worker read the keys from the secret: the providers were called with them.
    research = online_cloud.wait(online_cloud.start({"query": unique("Keys from the secret"), "depth": "quick"})["id"])
    assert research["status"] == "succeeded", research
    assert {authorization(c) for c in openai.calls()} == {"Bearer sk-test"}
    assert {authorization(c) for c in perplexity.calls()} == {"Bearer pplx-test"}


def authorization(call: dict[str, Any]) -> str | None:
    return {name.lower(): value for name, value in call["headers"].items()}.get("authorization")
