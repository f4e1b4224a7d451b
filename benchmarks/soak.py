"""Soak: 200 research runs of mixed depths through the local cloud with every fault on (DynamoDB conflicts and
throttling, duplicate SQS deliveries, worker containers killed mid-step), fake providers answering in
100 ms. What it checks is the money and task safety promise, not speed:

- no run lost (never ended) and none stuck (still live after the others ended);
- no run failed for a reason other than a provider outage (none is injected here, so none at all);
- the ledger: every request the fake providers answered is billed, except those answered to a worker killed
  before it could bill them: counted, and never more than the requests the killed workers had in flight
  (a step makes at most IN_FLIGHT_PER_STEP at once: one kill can cut off that many);
- no run over its `max_cost_usd`.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.search_index import SearchIndex
from tests.fakes.web import FakeWeb
from tests.harness import TERMINAL, Cloud

RUNS = 200
CALL_DELAY_S = 0.1
DEPTHS = ("quick", "standard", "deep")
WAIT_S = 900
IN_FLIGHT_PER_STEP = 8  # RP_SUBQUESTION_CONCURRENCY: the most provider requests one step has in flight
FAULTS = {
    "RP_LOCAL_FAULT_DYNAMODB_CONFLICTS": "0.1",
    "RP_LOCAL_FAULT_DYNAMODB_THROTTLES": "0.05",
    "RP_LOCAL_FAULT_SQS_DUPLICATES": "0.1",
    "RP_LOCAL_FAULT_WORKER_KILLS": "0.03",
    "RP_LOCAL_FAULT_SEED": "2026",
}
# Small enough that a killed step is retried soon, large enough for a step at 100 ms a call.
OVERRIDES = (
    "WorkerTimeoutSeconds=20 TaskVisibilityTimeoutSeconds=24 ProviderRetrySeconds=10 StuckAfterSeconds=60 "
    "MaxStepAttempts=3 TenantStartsPerMinute=0"
)


def request(index: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "query": f"soak {index} {secrets.token_hex(3)}: what limits heat pumps in cold climates?",
        "depth": DEPTHS[index % len(DEPTHS)],
    }
    if index % 4 == 0:
        body["max_cost_usd"] = 0.02  # some runs capped, so the cap is tested under faults too
    return body


def measure(runs: int = RUNS) -> dict[str, Any]:
    web = FakeWeb()  # what the fake Search API searches (its pages are never read)
    openai, perplexity = FakeOpenAI(), FakePerplexity(SearchIndex(web.search_documents()))
    openai.script.delay = perplexity.script.delay = CALL_DELAY_S
    env = {
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": f"{openai.url}/v1",
        "PERPLEXITY_API_KEY": "pplx-test",
        "PERPLEXITY_BASE_URL": perplexity.url,
        "RP_LOCAL_PARAMETER_OVERRIDES": OVERRIDES,
        **FAULTS,
    }
    cloud = Cloud(env)
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            bodies = [request(i) for i in range(runs)]
            ids = [r["id"] for r in pool.map(lambda body: cloud.start(body, http=cloud.client(cloud.key)), bodies)]
        finals = wait_all(cloud, ids)
        elapsed = time.perf_counter() - started
        output = "".join(cloud.output)
    finally:
        cloud.stop()
        openai.close()
        perplexity.close()
        web.close()
    statuses = [f.get("status") for f in finals.values()]
    failures: dict[str, int] = {}
    for final in finals.values():
        if final.get("status") == "failed":
            code = (final.get("error") or {}).get("code", "unknown")
            failures[code] = failures.get(code, 0) + 1
    caps = {rid: b.get("max_cost_usd") for rid, b in zip(ids, bodies, strict=True)}
    over_cap = [rid for rid, f in finals.items() if caps[rid] is not None and f["usage"]["cost_usd"] > caps[rid] + 1e-9]
    answered = openai.answered + perplexity.answered
    billed = sum(int(f.get("usage", {}).get("model_calls", 0)) for f in finals.values())
    kills = output.count("container killed")
    lost = sum(1 for s in statuses if s is None)
    stuck = sum(1 for s in statuses if s in ("queued", "running"))
    # Budget exhaustion is the cap doing its job, not a failure of the system.
    other_failures = {code: n for code, n in failures.items() if code != "budget_exceeded"}
    unbilled = answered - billed
    return {
        "runs": runs,
        "depths": list(DEPTHS),
        "call_delay_s": CALL_DELAY_S,
        "faults": {name.removeprefix("RP_LOCAL_FAULT_").lower(): value for name, value in FAULTS.items()},
        "faults_injected": {
            "dynamodb_transaction_cancelled": output.count("fault injected: dynamodb TransactionCanceledException"),
            "dynamodb_transaction_conflict": output.count("fault injected: dynamodb TransactionConflictException"),
            "dynamodb_throttled": output.count("fault injected: dynamodb ProvisionedThroughputExceededException"),
            "sqs_duplicate_deliveries": output.count("fault injected: sqs duplicate delivery"),
            "worker_kills": kills,
        },
        "elapsed_s": round(elapsed, 1),
        "succeeded": statuses.count("succeeded"),
        "failed_by_code": failures,
        "runs_lost": lost,
        "runs_stuck": stuck,
        "runs_failed_otherwise": sum(other_failures.values()),
        "runs_over_max_cost": len(over_cap),
        "ledger": {
            "answered": answered,
            "billed": billed,
            "unbilled": unbilled,
            "description": "requests the fake providers answered 200 (malformed or not) against the model_calls "
            "billed to the runs; a request answered to a killed worker may go unbilled",
        },
        "target": {
            "description": "0 lost, 0 stuck, 0 failed for a reason other than a provider outage or its own budget, "
            "0 over max_cost_usd; billed equals answered but for requests in flight in killed workers (at most "
            f"{IN_FLIGHT_PER_STEP} a kill)",
            "met": lost == 0
            and stuck == 0
            and not other_failures
            and not over_cap
            and 0 <= unbilled <= kills * IN_FLIGHT_PER_STEP,
        },
    }


def wait_all(cloud: Cloud, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each run as it ended, or as it was when the soak gave up on it."""
    deadline = time.monotonic() + WAIT_S
    finals: dict[str, dict[str, Any]] = {}
    while len(finals) < len(ids) and time.monotonic() < deadline:
        for research_id in ids:
            if research_id in finals:
                continue
            resource = dict(cloud.http.get(f"/v1/research/{research_id}").json())
            if resource.get("status") in TERMINAL:
                finals[research_id] = resource
        time.sleep(1)
    for research_id in ids:
        finals.setdefault(research_id, dict(cloud.http.get(f"/v1/research/{research_id}").json()))
    return finals
