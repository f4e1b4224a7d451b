"""Worker throughput: a research run with its sub-questions handled one at a time vs concurrently.

The model and search APIs are the fake servers from tests/fakes, every call taking CALL_DELAY_S.
Only the analyze step fans out over sub-questions; the search step asks all of them in one Search API
request, and plan and synthesize are one call each. The target is judged on the analyze step as the worker
runs it (`elapsed_ms` in its progress event: claim to commit). Also reported: the fan-out from the event
timestamps (search and analyze including the queue hop before each) and each run's wall time.
"""

from __future__ import annotations

import math
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from benchmarks.common import median, rounded
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.search_index import SearchIndex
from tests.fakes.web import FakeWeb
from tests.harness import Cloud

CALL_DELAY_S = 0.2
DEPTH = "standard"
SUB_QUESTIONS = 3  # what depth "standard" plans
RUNS = 3
POLL_S = 0.05
MIN_SPEEDUP = 2.5
CONCURRENCY = {"sequential": 1, "concurrent": 8}


@dataclass(frozen=True)
class RunTiming:
    wall_s: float
    search_s: float  # "plan" event to "search" event: the search step and the queue hop before it
    analyze_s: float  # "search" event to "analyze" event: the analyze step and the queue hop before it
    search_work_s: float  # the search step alone, as the worker timed it
    analyze_work_s: float

    @property
    def fanout_s(self) -> float:
        return self.search_s + self.analyze_s


def step_ends(events: list[dict[str, Any]]) -> dict[str, tuple[datetime, float]]:
    """When each step finished (its progress event's timestamp), and how long its own work took."""
    ends: dict[str, tuple[datetime, float]] = {}
    for event in events:
        if event.get("type") == "research.progress" and event.get("stage"):
            work = float(event["data"]["elapsed_ms"]) / 1000
            ends.setdefault(event["stage"], (datetime.fromisoformat(event["ts"]), work))
    missing = {"plan", "search", "analyze"} - set(ends)
    if missing:
        raise RuntimeError(f"the event log has no progress event for {sorted(missing)}: {events}")
    return ends


def one_run(cloud: Cloud, label: str) -> RunTiming:
    """One research run with a query never asked before (so no cached reply helps), polled until done."""
    query = f"benchmark {label} {secrets.token_hex(4)}: how do heat pumps perform in cold climates?"
    start = time.perf_counter()
    research = cloud.start({"query": query, "depth": DEPTH})
    done = cloud.wait(research["id"], timeout=120, poll_seconds=POLL_S)
    wall = time.perf_counter() - start
    if done["status"] != "succeeded":
        raise RuntimeError(f"research ended {done['status']}: {done.get('error')}")
    ends = step_ends(cloud.events(research["id"]))
    return RunTiming(
        wall_s=wall,
        search_s=(ends["search"][0] - ends["plan"][0]).total_seconds(),
        analyze_s=(ends["analyze"][0] - ends["search"][0]).total_seconds(),
        search_work_s=ends["search"][1],
        analyze_work_s=ends["analyze"][1],
    )


def measure_mode(openai: FakeOpenAI, perplexity: FakePerplexity, concurrency: int, runs: int) -> dict[str, Any]:
    env = {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": f"{openai.url}/v1",
        "PERPLEXITY_API_KEY": "pplx-test",
        "PERPLEXITY_BASE_URL": perplexity.url,
        "RP_SUBQUESTION_CONCURRENCY": str(concurrency),
        "RP_LOCAL_TICK_SECONDS": "60",  # keeps the sweeper out of the measurements
    }
    with Cloud(env) as cloud:
        # Not counted: the first run after start-up meets cold worker containers (lazy provider imports,
        # a second container started when the next step's message arrives before the first is free).
        warmup = one_run(cloud, f"concurrency {concurrency} warm-up")
        timings = [one_run(cloud, f"concurrency {concurrency} run {i}") for i in range(runs)]
    # Search and analyze each wait for ceil(questions / concurrency) rounds of calls.
    waiting = 2 * math.ceil(SUB_QUESTIONS / concurrency) * CALL_DELAY_S
    fanout = median(t.fanout_s for t in timings)
    return {
        "subquestion_concurrency": concurrency,
        "warmup_run_s": rounded(warmup.wall_s, 3),
        "runs_s": [rounded(t.wall_s, 3) for t in timings],
        "median_run_s": rounded(median(t.wall_s for t in timings), 3),
        "fanout_s": [rounded(t.fanout_s, 3) for t in timings],
        "median_fanout_s": rounded(fanout, 3),
        "median_search_step_s": rounded(median(t.search_s for t in timings), 3),
        "median_analyze_step_s": rounded(median(t.analyze_s for t in timings), 3),
        "median_search_work_s": rounded(median(t.search_work_s for t in timings), 3),
        "median_analyze_work_s": rounded(median(t.analyze_work_s for t in timings), 3),
        "fanout_waiting_on_calls_s": rounded(waiting, 3),
        "fanout_overhead_s": rounded(fanout - waiting, 3),
    }


def measure(runs: int = RUNS) -> dict[str, Any]:
    web = FakeWeb()  # what the fake Search API searches (its pages are never read)
    openai, perplexity = FakeOpenAI(), FakePerplexity(SearchIndex(web.search_documents()))
    try:
        openai.script.delay = perplexity.script.delay = CALL_DELAY_S
        modes = {name: measure_mode(openai, perplexity, level, runs) for name, level in CONCURRENCY.items()}
        calls = {"openai": len(openai.calls()), "perplexity": len(perplexity.calls())}
    finally:
        openai.close()
        perplexity.close()
        web.close()
    sequential, concurrent = modes["sequential"], modes["concurrent"]
    speedup = sequential["median_run_s"] / concurrent["median_run_s"]
    fanout_speedup = sequential["median_fanout_s"] / concurrent["median_fanout_s"]
    search_speedup = sequential["median_search_work_s"] / concurrent["median_search_work_s"]
    analyze_speedup = sequential["median_analyze_work_s"] / concurrent["median_analyze_work_s"]
    return {
        "fake_call_delay_s": CALL_DELAY_S,
        "depth": DEPTH,
        "sub_questions": SUB_QUESTIONS,
        "runs_per_mode": runs,
        "poll_interval_s": POLL_S,
        "fake_calls": calls,
        **modes,
        "speedup_whole_run": rounded(speedup, 2),
        "speedup_fanout": rounded(fanout_speedup, 2),
        "speedup_search_step": rounded(search_speedup, 2),
        "speedup_analyze_step": rounded(analyze_speedup, 2),
        "target": {
            "description": f"the analyze step at least {MIN_SPEEDUP}x faster with sub-question concurrency "
            f"{CONCURRENCY['concurrent']} than with 1, for a standard-depth run (fan-out with queue hops and "
            "whole-run speedups are reported, not judged)",
            "min_speedup": MIN_SPEEDUP,
            "met": analyze_speedup >= MIN_SPEEDUP,
        },
    }
