"""A deep run through the local cloud on the stand-in web: pages read round by round, the progress of every
round pushed over the WebSocket as it happens, and the facts only a follow-up search reaches in the answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import connect

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.web import FakeWeb, recovered
from tests.fakes.web_corpus import QUESTION
from tests.harness import Cloud

pytestmark = pytest.mark.e2e

ENDINGS = {"research.completed", "research.failed", "research.cancelled"}
RECEIVE_TIMEOUT = 60
ROUND_STAGES = ("search", "read", "analyze", "reflect")


@pytest.fixture(scope="module")
def reading_cloud(faithful_openai: FakeOpenAI, fake_perplexity: FakePerplexity) -> Iterator[Cloud]:
    """The local cloud with the faithful model, the Search API over the stand-in web, and pages on loopback
    allowed (the stand-in web serves on 127.0.0.x)."""
    cloud = Cloud(
        {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": f"{faithful_openai.url}/v1",
            "PERPLEXITY_API_KEY": "pplx-test",
            "PERPLEXITY_BASE_URL": fake_perplexity.url,
            "RP_FETCH_ALLOW_LOOPBACK": "true",
            "RP_FETCH_TIMEOUT_SECONDS": "2",
        }
    )
    yield cloud
    cloud.stop()


def test_a_deep_run_reads_round_by_round_with_each_rounds_progress_pushed_over_the_websocket(
    reading_cloud: Cloud, fake_web: FakeWeb, faithful_openai: FakeOpenAI, fake_perplexity: FakePerplexity
) -> None:
    for fake in (fake_web, faithful_openai, fake_perplexity):
        fake.reset()

    async def follow() -> tuple[str, list[dict[str, Any]]]:
        async with connect(f"{reading_cloud.ws_url}?token={reading_cloud.key}") as ws:
            research = reading_cloud.start({"query": QUESTION, "depth": "deep", "max_cost_usd": 1.0})
            await ws.send(json.dumps({"action": "subscribe", "research_id": research["id"], "after": 0}))
            pushed: list[dict[str, Any]] = []
            while not pushed or pushed[-1].get("type") not in ENDINGS:
                pushed.append(json.loads(await asyncio.wait_for(ws.recv(), RECEIVE_TIMEOUT)))
            return research["id"], pushed

    research_id, pushed = asyncio.run(follow())
    assert pushed[0] == {"type": "subscribed", "research_id": research_id, "after": 0}
    events = pushed[1:]
    done = reading_cloud.wait(research_id)
    assert done["status"] == "succeeded", done["error"]
    assert events[-1]["type"] == "research.completed"
    # What was pushed is the log, in order, once each.
    assert events == reading_cloud.events(research_id)

    # Progress per round: each of its steps names the round and the most rounds the run may have.
    rounds = done["rounds"]
    assert rounds >= 2 and done["stop_reason"] in ("complete", "rounds")
    assert all(e["of"] == 4 for e in events[:-1])
    steps = [(e["stage"], e.get("round")) for e in events]
    assert steps[0] == ("plan", None) and steps[-1] == ("synthesize", None)
    for number in range(1, rounds + 1):
        stages = [stage for stage, of_round in steps if of_round == number]
        assert stages[0] == "search" and "analyze" in stages, (number, stages)
        assert stages == [s for s in ROUND_STAGES if s in stages]  # in the loop's order
    searches = [e for e in events if e["stage"] == "search"]
    asked = [query for e in searches for query in e["data"]["queries"]]
    assert len(asked) == len(set(asked)) and len(searches) == rounds  # no query asked twice
    reads = [e for e in events if e["stage"] == "read"]
    assert sum(e["data"]["pages_read"] for e in reads) == done["pages_read"] >= 5

    # The sources say which pages were read, and the answer holds every planted fact, those only a
    # follow-up search reaches among them.
    assert done["pages_read"] == sum(s["read"] for s in done["sources"])
    facts = fake_web.facts()
    assert sorted(recovered(done["answer"], facts)) == sorted(f.id for f in facts)
    assert any(f.follow_up for f in facts)
