"""Soak: 200 research runs of mixed depths through the local cloud with every fault on (DynamoDB conflicts and
throttling, duplicate SQS deliveries, worker containers killed mid-step), fake providers answering in
100 ms. What it checks is the money and task safety promise, not speed:

- no run lost (its record gone) and none stuck (still live when the soak gives up: when no run has moved on for
  QUIET_S, five times the sweeper's StuckAfterSeconds, or WAIT_S after the starts);
- no run failed for a reason other than a provider outage (none is injected here) or its own budget;
- no run over its `max_cost_usd`;
- the ledger, run by run. Every request the fake providers answered is told to its run by the run's own words,
  which every request carries (the query, or a sub-question or follow-up made from it); each run's bill is the
  `model_calls` of its usage. A run none of whose steps was cut by a kill must be billed exactly what was
  answered for it. A run whose worker was killed mid-step may be billed less, by at most the requests that
  worker had in flight: those the providers answered for the run from when the killed invocation started until
  its lease on the step ran out (WorkerTimeoutSeconds later: no other worker can take the run's step before; the
  local cloud prints when each invocation it killed started, and which step it held). The tenant's day must be
  billed the sum of its runs.

Capacity, on 2 cores: about 1 500 steps, each a few AWS calls per provider call, all served by moto in the
local cloud's one process, which is the bottleneck (a core at most, by the GIL). So the soak is run as gently
on that process as it can be: four worker containers (the local cloud's default), the runs started four at a
time with an Idempotency-Key (a start that times out on a busy machine is sent again and starts nothing new,
so no run goes untracked), the scheduled functions every 5 s instead of the tests' 2 s, and the runs watched
through the list every POLL_S (moto reads a list page, projection and all, at a cost that polling often made
the biggest load of all). On an otherwise idle 2-core machine it
takes about 10 minutes; it takes longer when the machine is shared (see the soak's load_average in results.json).
"""

from __future__ import annotations

import json
import re
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.perplexity_server import FakePerplexity
from tests.fakes.search_index import SearchIndex
from tests.fakes.web import FakeWeb
from tests.harness import TERMINAL, Cloud

RUNS = 200
CALL_DELAY_S = 0.1
DEPTHS = ("quick", "standard", "deep")
CAP_USD = 0.02  # every fourth run's max_cost_usd: less than a deep run costs here
STARTERS = 4  # starts in flight at once
REQUEST_TIMEOUT_S = 120.0  # one API request, on a machine that may be very busy
POLL_S = 30.0
WAIT_S = 1800.0
FAULTS = {
    "RP_LOCAL_FAULT_DYNAMODB_CONFLICTS": "0.1",
    "RP_LOCAL_FAULT_DYNAMODB_THROTTLES": "0.05",
    "RP_LOCAL_FAULT_SQS_DUPLICATES": "0.1",
    "RP_LOCAL_FAULT_WORKER_KILLS": "0.03",
    "RP_LOCAL_FAULT_SEED": "2026",
}
WORKER_TIMEOUT_S = 20
STUCK_AFTER_S = 180
# A killed step retried soon, but a step at 100 ms a call given time; the sweeper's StuckAfterSeconds above
# what a step waits in the queue behind the other runs (about 100 s, longer on a busy machine), or it would send
# most steps a second time.
OVERRIDES = (
    f"WorkerTimeoutSeconds={WORKER_TIMEOUT_S} TaskVisibilityTimeoutSeconds={WORKER_TIMEOUT_S + 4} "
    f"ProviderRetrySeconds=10 StuckAfterSeconds={STUCK_AFTER_S} MaxStepAttempts=3 TenantStartsPerMinute=0"
)
# By then the sweeper has sent a stalled step again, or ended its task, several times over.
QUIET_S = 5.0 * STUCK_AFTER_S
# Each run's query starts with its own mark, which every request made for the run repeats.
MARK = re.compile(r"soak (\d+) ([0-9a-f]{6}):")
KILLED = "fault injected: TaskWorkerFunction container killed "


def request(index: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "query": f"soak {index} {secrets.token_hex(3)}: what limits heat pumps in cold climates?",
        "depth": DEPTHS[index % len(DEPTHS)],
    }
    if index % 4 == 0:
        body["max_cost_usd"] = CAP_USD  # some runs capped, so the cap is tested under faults too
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
        "RP_LOCAL_TICK_SECONDS": "5",
        **FAULTS,
    }
    cloud = Cloud(env)
    http = cloud.client(cloud.key)
    http.timeout = httpx.Timeout(REQUEST_TIMEOUT_S)
    try:
        started = time.time()
        bodies = [request(i) for i in range(runs)]
        with ThreadPoolExecutor(max_workers=STARTERS) as pool:
            ids = list(pool.map(lambda body: start(http, body), bodies))
        finals = wait_all(http, ids)
        # From the first start to the last end, as the runs' own records say (the polls are far apart).
        ends = [datetime.fromisoformat(f["completed_at"]).timestamp() for f in finals.values() if f.get("completed_at")]
        elapsed = (max(ends) if len(ends) == len(finals) else time.time()) - started
        tenant_billed = int(http.get("/v1/usage").raise_for_status().json()["totals"]["model_calls"])
        output = "".join(cloud.output)
    finally:
        http.close()
        cloud.stop()
        openai.close()
        perplexity.close()
        web.close()
    by_run = dict(zip(ids, bodies, strict=True))
    statuses = [f.get("status") for f in finals.values()]
    failures: dict[str, int] = {}
    for final in finals.values():
        if final.get("status") == "failed":
            code = (final.get("error") or {}).get("code", "unknown")
            failures[code] = failures.get(code, 0) + 1
    over_cap = [
        rid
        for rid, f in finals.items()
        if by_run[rid].get("max_cost_usd") is not None
        and float(f.get("usage", {}).get("cost_usd", 0)) > by_run[rid]["max_cost_usd"] + 1e-9
    ]
    capped = [f for rid, f in finals.items() if by_run[rid].get("max_cost_usd") is not None]
    lost = sum(1 for s in statuses if s is None)
    stuck = sum(1 for s in statuses if s in ("queued", "running"))
    # Budget exhaustion is the cap doing its job, not a failure of the system.
    other_failures = {code: n for code, n in failures.items() if code != "budget_exceeded"}
    books = ledger(ids, bodies, finals, [*openai.requests, *perplexity.requests], killed_invocations(output))
    kills = output.count("container killed")
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
        "stop_reasons": dict(Counter(str(f.get("stop_reason")) for f in finals.values())),
        "capped_runs": {
            "runs": len(capped),
            "max_cost_usd": CAP_USD,
            "stopped_by_their_budget": sum(1 for f in capped if f.get("stop_reason") == "budget"),
            "failed_budget_exceeded": sum(1 for f in capped if (f.get("error") or {}).get("code") == "budget_exceeded"),
            "highest_cost_usd": max((float(f.get("usage", {}).get("cost_usd", 0)) for f in capped), default=0.0),
        },
        "ledger": {**books.figures(), "tenant_billed": tenant_billed},
        "target": {
            "description": "0 lost, 0 stuck, 0 failed for a reason other than a provider outage or its own budget, "
            "0 over max_cost_usd; every run billed exactly what the providers answered for it, but for a run whose "
            "worker was killed mid-step, which may be billed less by at most what that worker had in flight; "
            "the tenant billed the sum of its runs",
            "met": lost == 0
            and stuck == 0
            and not other_failures
            and not over_cap
            and books.exact()
            and tenant_billed == books.billed,
        },
    }


def start(http: httpx.Client, body: dict[str, Any]) -> str:
    """Start one run; a start that times out, or is still being handled, is sent again with its key."""
    key = uuid.uuid4().hex
    for _ in range(10):
        try:
            response = http.post("/v1/research", json=body, headers={"Idempotency-Key": key})
        except httpx.TimeoutException:
            continue
        if response.status_code == 409:  # the first attempt is still being handled
            time.sleep(1)
            continue
        if response.status_code != 202:
            raise AssertionError(f"POST /v1/research answered {response.status_code}: {response.text[:300]}")
        return str(response.json()["id"])
    raise AssertionError(f"POST /v1/research did not answer {body['query']!r} in 10 attempts")


def wait_all(http: httpx.Client, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Each run as it ended, or as it was when the soak gave up on it (see the module's docstring)."""
    wanted = set(ids)
    deadline = time.monotonic() + WAIT_S
    moved_at, seen = time.monotonic(), ""
    while True:
        runs = {rid: run for rid, run in listed(http).items() if rid in wanted}
        if all(run.get("status") in TERMINAL for run in runs.values()) and len(runs) == len(ids):
            break
        # Any run that moved on (a step done, an end) is progress.
        now = json.dumps(sorted((rid, run.get("status"), run.get("updated_at")) for rid, run in runs.items()))
        if now != seen:
            moved_at, seen = time.monotonic(), now
        if time.monotonic() > min(deadline, moved_at + QUIET_S):
            break
        time.sleep(POLL_S)
    for research_id in ids:
        if research_id not in runs:  # not listed: read it alone (a 404 leaves it without a status: lost)
            runs[research_id] = dict(http.get(f"/v1/research/{research_id}").json())
    return runs


def listed(http: httpx.Client) -> dict[str, dict[str, Any]]:
    """Every run of the tenant as the list shows it (with its status, usage and error)."""
    runs: dict[str, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = http.get("/v1/research", params=params).raise_for_status().json()
        runs.update((item["id"], item) for item in page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return runs


@dataclass(frozen=True)
class KilledInvocation:
    task_id: str
    invoked_at: float  # epoch seconds


def killed_invocations(output: str) -> list[KilledInvocation]:
    """The task worker invocations the local cloud killed, from its `fault injected` lines. The containers share
    the cloud's output, and a long line of theirs may be written in parts: a line of the cloud's (one write) can
    land inside one, and another's part follow it on the same line; so each is read wherever it starts, up to
    the end of its JSON."""
    cut = []
    decoder = json.JSONDecoder()
    for found in re.finditer(re.escape(KILLED), output):
        details, _ = decoder.raw_decode(output, found.end())
        for body in details["messages"]:
            task_id = json.loads(body).get("task_id") if body else None
            if task_id:
                cut.append(KilledInvocation(task_id, float(details["invoked_at"])))
    return cut


@dataclass
class Ledger:
    answered: dict[str, int]  # run id -> requests the providers answered 200 for it (malformed or not)
    billed: int
    unbilled_by_run: dict[str, int]
    answered_to_killed: dict[str, int]  # run id -> its requests answered while a killed invocation held its step
    unattributed: int  # answered requests that name no run, or several

    def exact(self) -> bool:
        """Billed equals answered run by run, but for what killed workers had in flight (never more)."""
        return self.unattributed == 0 and all(
            0 <= unbilled <= self.answered_to_killed.get(rid, 0) for rid, unbilled in self.unbilled_by_run.items()
        )

    def figures(self) -> dict[str, Any]:
        unbilled = sum(self.unbilled_by_run.values())
        return {
            "answered": sum(self.answered.values()) + self.unattributed,
            "billed": self.billed,
            "unbilled": unbilled,
            "unattributed": self.unattributed,
            "runs_with_killed_steps": len(self.answered_to_killed),
            "answered_to_killed_workers": sum(self.answered_to_killed.values()),
            "runs_unbilled": sum(1 for n in self.unbilled_by_run.values() if n),
            "runs_unbilled_without_a_kill": sum(
                1 for rid, n in self.unbilled_by_run.items() if n and rid not in self.answered_to_killed
            ),
            "runs_overbilled": sum(1 for n in self.unbilled_by_run.values() if n < 0),
            "description": "requests the fake providers answered 200 (malformed or not), told to their run by its "
            "words, against the model_calls billed to each run; answered_to_killed_workers: the requests answered "
            "for a run while a worker killed mid-step held its step, the most that run may go unbilled",
        }


def ledger(
    ids: list[str],
    bodies: list[dict[str, Any]],
    finals: Mapping[str, Mapping[str, Any]],
    requests: Iterable[Mapping[str, Any]],
    killed: list[KilledInvocation],
) -> Ledger:
    marks = {MARK.match(body["query"]).group(0): rid for rid, body in zip(ids, bodies, strict=True)}  # type: ignore[union-attr]
    answered = dict.fromkeys(ids, 0)
    answered_at: dict[str, list[float]] = {rid: [] for rid in ids}  # when each was received
    unattributed = 0
    for entry in requests:
        runs = {marks.get(m.group(0)) for m in MARK.finditer(json.dumps(entry["body"]))} - {None}
        if len(runs) != 1:
            unattributed += entry["status"] == 200
            continue
        (rid,) = runs
        assert rid is not None
        if entry["status"] == 200:
            answered[rid] += 1
            answered_at[rid].append(float(entry["received_at"]))
    to_killed: dict[str, int] = {}
    for cut in killed:
        if cut.task_id in answered_at:
            lease_ends = cut.invoked_at + WORKER_TIMEOUT_S
            during = sum(1 for t in answered_at[cut.task_id] if cut.invoked_at <= t <= lease_ends)
            to_killed[cut.task_id] = to_killed.get(cut.task_id, 0) + during
    billed = {rid: int(finals[rid].get("usage", {}).get("model_calls", 0)) for rid in ids}
    return Ledger(
        answered=answered,
        billed=sum(billed.values()),
        unbilled_by_run={rid: answered[rid] - billed[rid] for rid in ids},
        answered_to_killed=to_killed,
        unattributed=unattributed,
    )
