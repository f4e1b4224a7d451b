"""The research loop against moto and the stand-in web: the task worker as Lambda loads it, fed one step at a
time as the queue would feed it, with the faithful model and Perplexity's Search API served by our fakes."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from researcher_pro.core.config import get_settings

from infra.local.template import Stack
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.web import BIG_PAGE_BYTES, METADATA_URL, PRIVATE_URL, FakeWeb
from tests.fakes.web_corpus import QUESTION
from tests.integration.conftest import invoke, load_function

TERMINAL = {"succeeded", "failed", "cancelled"}


class Killed(BaseException):
    """The runtime ending an invocation: no except clause of the function gets to run."""


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def online(
    stack: Stack,
    monkeypatch: pytest.MonkeyPatch,
    fake_web: FakeWeb,
    faithful_openai: FakeOpenAI,
    fake_perplexity: FakePerplexity,
) -> Iterator[None]:
    """The worker's environment, online: the fakes' keys given directly (no secret), pages on loopback allowed."""
    for fake in (fake_web, faithful_openai, fake_perplexity):
        fake.reset()
    monkeypatch.setenv("RP_PROVIDER_KEYS_SECRET_ARN", "")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", f"{faithful_openai.url}/v1")
    monkeypatch.setenv("PERPLEXITY_API_KEY", "pplx-test")
    monkeypatch.setenv("PERPLEXITY_BASE_URL", fake_perplexity.url)
    monkeypatch.setenv("RP_FETCH_ALLOW_LOOPBACK", "true")
    monkeypatch.setenv("RP_FETCH_TIMEOUT_SECONDS", "2")
    yield
    get_settings.cache_clear()


def start(name: str, **request: Any) -> str:
    from researcher_pro.research.models import ResearchRequest
    from researcher_pro.research.wiring import research_records

    started = research_records(get_settings()).start(name, ResearchRequest.model_validate(request))
    return started.id


def record(name: str, research_id: str) -> dict[str, Any]:
    from researcher_pro.research.wiring import research_records

    found = research_records(get_settings()).record(name, research_id)
    assert found is not None
    return found


def deliver(worker: ModuleType, name: str, research_id: str, step: str, **context: Any) -> Any:
    message = {"task_id": research_id, "tenant": name, "kind": "research", "step": step, "attempt": 1}
    batch = {
        "Records": [
            {
                "messageId": str(uuid.uuid4()),
                "receiptHandle": "handle",
                "body": json.dumps(message),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
            }
        ]
    }
    return invoke(worker, batch, **context)


def run(worker: ModuleType, name: str, research_id: str, steps: int = 40) -> list[str]:
    """Deliver each step the record says comes next until the research ends; the steps delivered."""
    delivered = []
    for _ in range(steps):
        current = record(name, research_id)
        if current["status"] in TERMINAL:
            return delivered
        delivered.append(current["step"])
        assert deliver(worker, name, research_id, current["step"]) == {"batchItemFailures": []}
    raise AssertionError(f"still {record(name, research_id)['status']} after {steps} steps: {delivered}")


def research(name: str, research_id: str) -> dict[str, Any]:
    from researcher_pro.research.wiring import research_records

    return research_records(get_settings()).get(name, research_id).model_dump()


def page_gets(web: FakeWeb) -> list[str]:
    return [r.url for r in web.requests if r.method == "GET" and not r.path.endswith("/robots.txt")]


# --- the loop as a whole -------------------------------------------------------------------------------------
def test_a_deep_run_follows_leads_to_facts_only_a_follow_up_search_reaches(
    online: None, fake_web: FakeWeb, faithful_openai: FakeOpenAI
) -> None:
    from tests.fakes.web import recovered

    worker, name = load_function("task_worker"), tenant()
    research_id = start(name, query=QUESTION, depth="deep", max_cost_usd=1.0)
    steps = run(worker, name, research_id)
    done = research(name, research_id)
    assert done["status"] == "succeeded", done["error"]
    assert steps[:5] == ["plan", "search.1", "read.1", "analyze.1", "reflect.1"] and steps[-1] == "synthesize"
    assert 2 <= done["rounds"] <= 4 and done["stop_reason"] in ("complete", "rounds")
    facts = fake_web.facts()
    assert sorted(recovered(done["answer"] or "", facts)) == sorted(f.id for f in facts)
    # Pages were read, each once, and the sources say which.
    assert done["pages_read"] == sum(s["read"] for s in done["sources"]) >= 5
    gets = page_gets(fake_web)
    assert len(gets) == len(set(gets))
    # Every finding quotes the text of the first source it cites.
    texts = {s["n"]: s for s in done["sources"]}
    assert all(f["quote"] and f["citations"][0] in texts for f in done["findings"])
    # The model was given each passage to analyse once: the questions of a round share out their pages, and a later
    # round reads on into the pages rather than the passages analysed before.
    analysed = [
        block.split("\n", 1)[1]
        for call in faithful_openai.requests
        if str(call["body"]["messages"][0]["content"]).startswith("You extract findings")
        for block in str(call["body"]["messages"][-1]["content"]).split("\n\nSources:\n", 1)[1].split("\n\n[")
    ]
    assert len(analysed) > 40
    assert len(analysed) == len(set(analysed))


def test_a_repeated_identical_research_makes_no_provider_call(
    online: None, faithful_openai: FakeOpenAI, fake_perplexity: FakePerplexity, fake_web: FakeWeb
) -> None:
    worker, name = load_function("task_worker"), tenant()
    first = start(name, query="How noisy are heat pumps in cold weather?", depth="standard")
    run(worker, name, first)
    calls = len(faithful_openai.calls()) + len(fake_perplexity.calls())
    fetched = len(page_gets(fake_web))
    again = start(name, query="How noisy are heat pumps in cold weather?", depth="standard")
    run(worker, name, again)
    assert len(faithful_openai.calls()) + len(fake_perplexity.calls()) == calls
    assert len(page_gets(fake_web)) == fetched  # the pages came from the tenant's page cache
    assert research(name, again)["answer"] == research(name, first)["answer"]
    assert research(name, again)["usage"]["model_calls"] == 0


# --- durability ------------------------------------------------------------------------------------------------
def test_a_worker_killed_mid_read_resumes_without_fetching_again_what_it_stored(
    online: None, fake_web: FakeWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    from researcher_pro.research.pages import PageStore

    worker, name = load_function("task_worker"), tenant()
    research_id = start(name, query=QUESTION, depth="standard")
    for step in ("plan", "search.1"):
        deliver(worker, name, research_id, step)
    assert record(name, research_id)["step"] == "read.1"
    stored = PageStore.put
    puts: list[str] = []

    lock = threading.Lock()

    def put_then_die(self: PageStore, tenant: str, url: str, page: Any) -> None:
        with lock:
            if len(puts) >= 3:
                raise Killed  # the container dies with three pages stored and the others in flight
            stored(self, tenant, url, page)
            puts.append(url)

    monkeypatch.setattr(PageStore, "put", put_then_die)
    with pytest.raises(Killed):
        deliver(worker, name, research_id, "read.1", timeout_seconds=8.0)
    monkeypatch.setattr(PageStore, "put", stored)
    held = record(name, research_id)
    assert held["step"] == "read.1" and held["status"] == "running"  # not done: it runs again once its lease ends
    time.sleep(max(0.0, float(held["lease_until"]) - time.time()) + 0.1)
    before = page_gets(fake_web)
    assert deliver(load_function("task_worker"), name, research_id, "read.1") == {"batchItemFailures": []}
    again = page_gets(fake_web)[len(before) :]
    assert len(puts) == 3 and not set(puts) & set(again)
    assert record(name, research_id)["step"] == "analyze.1"
    assert record(name, research_id)["pages_read"] >= 3


def test_a_duplicate_delivery_of_a_round_makes_one_set_of_calls(
    online: None, faithful_openai: FakeOpenAI, fake_perplexity: FakePerplexity, fake_web: FakeWeb
) -> None:
    worker, name = load_function("task_worker"), tenant()
    research_id = start(name, query=QUESTION, depth="standard")
    delivered = []
    while record(name, research_id)["status"] not in TERMINAL:
        step = record(name, research_id)["step"]
        calls = (len(faithful_openai.calls()), len(fake_perplexity.calls()), len(page_gets(fake_web)))
        deliver(worker, name, research_id, step)
        after = (len(faithful_openai.calls()), len(fake_perplexity.calls()), len(page_gets(fake_web)))
        assert deliver(worker, name, research_id, step) == {"batchItemFailures": []}  # the same message again
        assert (len(faithful_openai.calls()), len(fake_perplexity.calls()), len(page_gets(fake_web))) == after
        delivered.append((step, tuple(a - b for a, b in zip(after, calls, strict=True))))
    done = research(name, research_id)
    assert done["status"] == "succeeded"
    events = [e["seq"] for e in record_events(name, research_id)]
    assert events == list(range(1, len(delivered) + 1))  # one event per step, none for the duplicates
    assert dict(delivered)["search.2"][1] == 1 and dict(delivered)["read.1"][2] >= 1


def record_events(name: str, research_id: str) -> list[dict[str, Any]]:
    from researcher_pro.research.wiring import research_records

    return [e.model_dump() for e in research_records(get_settings()).events(name, research_id, 0, 100).items]


# --- what is never fetched, and what cannot be read -----------------------------------------------------------
def test_without_the_loopback_setting_no_page_is_fetched(
    online: None, fake_web: FakeWeb, fake_perplexity: FakePerplexity, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RP_FETCH_ALLOW_LOOPBACK", "false")
    worker, name = load_function("task_worker"), tenant()
    research_id = start(name, query="cold-climate heat pump sizing calculator, fleet and instance data", depth="quick")
    run(worker, name, research_id)
    done = research(name, research_id)
    assert done["status"] == "succeeded"
    urls = {s["url"] for s in done["sources"]}
    # The stand-in web is all loopback, and the search also found a private address and the cloud's metadata
    # address: nothing was fetched, and every source kept its search text.
    assert {PRIVATE_URL, METADATA_URL} <= urls
    assert fake_web.requests == []
    assert done["pages_read"] == 0 and not any(s["read"] for s in done["sources"])
    (read,) = [e for e in record_events(name, research_id) if e["stage"] == "read"]
    assert set(read["data"]["unreadable"].values()) == {"address"}


def test_pages_too_big_too_slow_or_not_text_are_skipped_and_counted(
    online: None, fake_web: FakeWeb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RP_PAGES_PER_QUERY", "10")
    worker, name = load_function("task_worker"), tenant()
    research_id = start(
        name,
        query="cold-climate heat pump installers directory, test reports archive, raw COP measurements download",
        depth="quick",
    )
    started = time.monotonic()
    run(worker, name, research_id)
    done = research(name, research_id)
    assert done["status"] == "succeeded"
    (read,) = [e for e in record_events(name, research_id) if e["stage"] == "read"]
    unreadable = {
        done["sources"][int(n) - 1]["url"].split("/", 3)[3]: why for n, why in read["data"]["unreadable"].items()
    }
    assert unreadable["directory/installers"] == "timeout"  # answers nothing, ever
    assert unreadable["archive/test-reports"] == "too_large"  # 50 MB
    assert unreadable["downloads/cop-measurements.bin"] == "content_type"  # binary
    assert fake_web.bytes_sent(fake_web.url("tools/archive/test-reports")) < BIG_PAGE_BYTES / 4
    assert read["data"]["pages_read"] == done["pages_read"] > 0
    assert time.monotonic() - started < 30  # the stalled page cost its time limit, not the run's


# --- the budget -------------------------------------------------------------------------------------------------
def test_a_budget_reached_mid_loop_ends_succeeded_with_the_answer_so_far(online: None) -> None:
    worker, name = load_function("task_worker"), tenant()
    # Enough for a round and the answer, not for a second round and the answer.
    research_id = start(name, query=QUESTION, depth="deep", max_cost_usd=0.03)
    run(worker, name, research_id)
    done = research(name, research_id)
    assert done["status"] == "succeeded", done["error"]
    assert done["stop_reason"] == "budget" and 1 <= done["rounds"] < 4
    assert done["answer"] and done["findings"]
    assert done["usage"]["cost_usd"] <= 0.03


def test_a_budget_too_small_for_any_answer_fails_the_run(online: None) -> None:
    worker, name = load_function("task_worker"), tenant()
    research_id = start(name, query=QUESTION, depth="deep", max_cost_usd=0.001)
    run(worker, name, research_id)
    done = research(name, research_id)
    assert done["status"] == "failed" and done["error"]["code"] == "budget_exceeded"
    assert done["usage"]["cost_usd"] <= 0.001


# --- a structured answer -------------------------------------------------------------------------------------
OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "key_facts": {"type": "array", "items": {"type": "string"}, "maxItems": 5},
        "confident": {"type": "boolean"},
    },
    "required": ["summary", "key_facts", "confident"],
    "additionalProperties": False,
}


def test_an_output_schema_gets_an_object_valid_against_it_with_the_sources_of_each_field(
    online: None, faithful_openai: FakeOpenAI
) -> None:
    import jsonschema

    worker, name = load_function("task_worker"), tenant()
    research_id = start(name, query=QUESTION, depth="quick", output_schema=OUTPUT_SCHEMA)
    run(worker, name, research_id)
    done = research(name, research_id)
    assert done["status"] == "succeeded", done["error"]
    assert done["output_schema"] == OUTPUT_SCHEMA
    jsonschema.validate(done["structured"], OUTPUT_SCHEMA)
    assert done["structured"]["summary"] and done["structured"]["key_facts"]
    numbers = {s["n"] for s in done["sources"]}
    assert set(done["structured_citations"]) == set(OUTPUT_SCHEMA["properties"])
    assert all(set(cited) <= numbers for cited in done["structured_citations"].values())
    assert any(done["structured_citations"].values())
    # One more call than a run without a schema, paid for like the others.
    names = [c["body"]["response_format"]["json_schema"]["name"] for c in faithful_openai.calls()]
    assert names.count("ResearchOutput") == 1
    assert done["usage"]["model_calls"] == len(faithful_openai.calls()) + 1  # and one search request
