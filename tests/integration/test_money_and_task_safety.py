"""Money and task safety against moto: a start whose queue is down, an interrupted start's idempotency key,
the sweeper and a backlog, steps out of time, daily budgets, per-tenant caps, the document index cache."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict
from typing import Any, ClassVar

import pytest
from researcher_pro.core.config import get_settings
from researcher_pro.core.errors import BudgetExceeded, Conflict, OutOfTime, RateLimited

from infra.local.template import Stack
from tests.integration.conftest import TEST_CURSORS, Context, invoke, load_function
from tests.integration.test_sample_events import body, event


def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def issue_key(name: str) -> str:
    from researcher_pro.access.api_key_repository import ApiKeyRepository
    from researcher_pro.access.api_keys import ApiKeyService

    key, _ = ApiKeyService(ApiKeyRepository(get_settings().data_table)).issue(name)
    return key


def start_research(api: Any, key: str, idempotency_key: str | None = None, **context: Any) -> dict[str, Any]:
    request = event("research_api/start_research.json")
    request["headers"]["authorization"] = f"Bearer {key}"
    if idempotency_key:
        request["headers"]["idempotency-key"] = idempotency_key
    return dict(invoke(api, request, **context))


def research_repository() -> Any:
    from researcher_pro.tasks.wiring import task_repository

    return task_repository(get_settings(), "research")


def queue_messages(stack: Stack) -> list[dict[str, Any]]:
    from researcher_pro.core.aws import client

    url = get_settings().tasks_queue_url
    found = client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
    return [json.loads(m["Body"]) for m in found.get("Messages") or []]


def drained(stack: Stack) -> list[dict[str, Any]]:
    """Every message the tasks queue holds now (taken out of sight for its visibility timeout)."""
    found: list[dict[str, Any]] = []
    while batch := queue_messages(stack):
        found.extend(batch)
    return found


# --- idempotency holes ---------------------------------------------------------------------------
def test_a_start_whose_queue_is_down_is_accepted_and_the_sweeper_queues_it(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:

    name = tenant()
    key = issue_key(name)
    real_queue = get_settings().tasks_queue_url
    monkeypatch.setenv("RP_TASKS_QUEUE_URL", real_queue.rsplit("/", 1)[0] + "/no-such-queue")
    api = load_function("research_api")
    first = start_research(api, key, idempotency_key="down-1")
    assert first["statusCode"] == 202, first
    again = start_research(api, key, idempotency_key="down-1")  # the client retries: one run, not two
    assert again["statusCode"] == 202 and body(again)["id"] == body(first)["id"]
    research_id = body(first)["id"]
    research = research_repository().list_page(name, 10, None, None)[0]
    assert [r["id"] for r in research] == [research_id] and research[0]["status"] == "queued"
    # The queue is back: the sweeper finds the task due now and sends its first step.
    monkeypatch.setenv("RP_TASKS_QUEUE_URL", real_queue)
    get_settings.cache_clear()
    queue_messages(stack)  # drain what other tests left, so there is no backlog to wait behind
    swept = invoke(load_function("task_sweeper"), event("task_sweeper/scheduled.json"))
    assert swept["requeued"] >= 1
    assert {"task_id": research_id, "tenant": name} in [
        {"task_id": m["task_id"], "tenant": m["tenant"]} for m in queue_messages(stack)
    ]
    research_repository().delete(name, research_id)  # other tests sweep this table too


class Killed(BaseException):
    """The runtime ending an invocation (a timeout): no except clause of the function gets to run."""


def test_an_interrupted_start_stops_blocking_its_key_when_its_invocation_would_have_timed_out(stack: Stack) -> None:
    from researcher_pro.access.wiring import idempotent_starts

    starts = idempotent_starts(get_settings())
    starts.register(Context(timeout_seconds=1.0))
    name = tenant()

    def interrupted() -> dict[str, Any]:
        raise Killed

    with pytest.raises(Killed):
        starts.run(name, "k-1", "research.start", {"query": "q"}, interrupted)
    with pytest.raises(Conflict):  # still in progress, as far as anyone can tell
        starts.run(name, "k-1", "research.start", {"query": "q"}, lambda: {"id": "res_second"})
    time.sleep(1.2)
    starts.register(Context(timeout_seconds=10.0))
    assert starts.run(name, "k-1", "research.start", {"query": "q"}, lambda: {"id": "res_third"}) == {"id": "res_third"}


# --- the sweeper -----------------------------------------------------------------------------------
def new_task(repo: Any, name: str, due_at: float) -> str:
    now = "2026-11-30T00:00:00.000Z"
    task_id = f"res_{uuid.uuid4().hex}"
    record = {"id": task_id, "query": "q", "status": "queued", "step": "plan", "created_at": now, "updated_at": now}
    repo.create(name, {**record, "depth": "quick", "sources_requested": ["web"]}, due_at=due_at)
    return task_id


def test_a_task_behind_a_backlog_is_sent_again_once_and_never_failed(stack: Stack) -> None:
    from researcher_pro.tasks.messages import TaskMessage
    from researcher_pro.tasks.wiring import task_queue, task_sweeper

    settings = get_settings()
    repo, queue = research_repository(), task_queue(settings)
    queue_messages(stack)
    name = tenant()
    # Due, with no message in the queue: its worker died between committing the last step and sending this one.
    waiting = new_task(repo, name, due_at=time.time() - 1)
    for _ in range(3):
        queue.send(TaskMessage(task_id="res_other", tenant="elsewhere", kind="research", step="plan"))
    sweeper = task_sweeper(settings, ())
    for _ in range(settings.max_sweeps + 2):  # more sweeps than a stalled task may have
        assert sweeper.sweep()["failed"] == 0
        repo.set_due(name, waiting, time.time() - 1)
    record = repo.get(name, waiting)
    assert record is not None and record["status"] == "queued" and record["sweeps"] == 0
    # Its step was sent again once, though the backlog never drained: a lost message does not wait for it.
    assert [m for m in drained(stack) if m["task_id"] == waiting] == [
        {"task_id": waiting, "tenant": name, "kind": "research", "step": "plan", "attempt": 1}
    ]
    # The backlog drained and that message did not get it going either: now it has stalled, and is counted.
    result = sweeper.sweep()
    assert result["requeued"] >= 1 and repo.get(name, waiting)["sweeps"] == 1  # type: ignore[index]
    repo.delete(name, waiting)  # other tests sweep this table too


def test_sweeps_are_counted_per_step(stack: Stack) -> None:
    from researcher_pro.tasks.messages import TaskMessage

    repo = research_repository()
    name = tenant()
    task_id = new_task(repo, name, due_at=time.time() - 1)
    assert repo.note_sweep(name, task_id, time.time()) == 1
    assert repo.note_sweep(name, task_id, time.time()) == 2
    # The step runs at last and moves on: the next step's sweeps start afresh.
    message = TaskMessage(task_id=task_id, tenant=name, kind="research", step="plan")
    assert _engine_for(repo).run_step(message, remaining_seconds=30, owner="w1", receive_count=1) == "done"
    record = repo.get(name, task_id)
    assert record is not None and record["step"] == "search" and record["sweeps"] == 0
    repo.delete(name, task_id)  # other tests sweep this table too


class _Steps:
    steps: ClassVar[tuple[str, ...]] = ("plan", "search")
    progress: ClassVar[dict[str, float]] = {"plan": 0.5, "search": 1.0}


def _engine_for(repo: Any, run: Any = None) -> Any:
    """A two-step task on the real step engine, whose `run` is the test's."""
    from researcher_pro.tasks.kinds import RESEARCH
    from researcher_pro.tasks.lifecycle import TaskLifecycle
    from researcher_pro.tasks.steps import StepResult, StepTask
    from researcher_pro.tasks.wiring import response_cache, task_policy, task_queue

    class TwoSteps(StepTask):
        steps = _Steps.steps
        progress = _Steps.progress

        def run(self, step: str, record: dict[str, Any], checkpoints: dict[str, Any], meter: Any) -> StepResult:
            return run(step) if run else StepResult({}, step, {})

    settings = get_settings()
    return TwoSteps(
        TaskLifecycle(repo, RESEARCH, 3600), task_queue(settings), response_cache(settings), task_policy(settings)
    )


def test_a_message_whose_step_another_worker_holds_is_sent_again_for_when_its_lease_runs_out(stack: Stack) -> None:
    from researcher_pro.tasks.messages import TaskMessage

    repo = research_repository()
    name = tenant()
    task_id = new_task(repo, name, due_at=time.time() + 600)
    engine = _engine_for(repo)
    message = TaskMessage(task_id=task_id, tenant=name, kind="research", step="plan")
    now = time.time()
    # One delivery's worker takes the step, and dies holding it (its lease runs out in two seconds).
    assert repo.claim_step(name, task_id, "plan", "w1", now + 2, now) is not None
    # A duplicate delivery meanwhile is not dropped as if the step were done: it is the one left to run it.
    assert engine.run_step(message, remaining_seconds=30, owner="w2", receive_count=1).startswith("deferred")
    assert [m for m in drained(stack) if m["task_id"] == task_id] == []  # not before the lease runs out
    resent: list[dict[str, Any]] = []
    while not resent and time.time() < now + 15:
        time.sleep(0.5)
        resent = [m for m in drained(stack) if m["task_id"] == task_id]
    assert resent == [asdict(message)] and time.time() > now + 2  # once the lease has run out
    assert engine.run_step(message, remaining_seconds=30, owner="w2", receive_count=1) == "done"
    assert engine.run_step(message, remaining_seconds=30, owner="w3", receive_count=2).startswith("skipped")
    record = repo.get(name, task_id)
    assert record is not None and record["step"] == "search"
    repo.delete(name, task_id)  # other tests sweep this table too


def test_a_step_out_of_time_is_not_counted_as_an_attempt(stack: Stack) -> None:
    from researcher_pro.tasks.messages import TaskMessage

    repo = research_repository()
    name = tenant()
    task_id = new_task(repo, name, due_at=time.time() + 600)

    def slow(step: str) -> Any:
        raise OutOfTime("no time left for another call")

    engine = _engine_for(repo, slow)
    message = TaskMessage(task_id=task_id, tenant=name, kind="research", step="plan")
    for attempt in range(5):  # more than MaxStepAttempts: none of them counts
        with pytest.raises(OutOfTime):
            engine.run_step(message, remaining_seconds=30, owner=f"w{attempt}", receive_count=attempt + 1)
    record = repo.get(name, task_id)
    assert record is not None and record["status"] == "running" and int(record["step_attempts"]) == 0
    assert "lease_owner" not in record  # given back: the next delivery claims it at once
    repo.delete(name, task_id)  # other tests sweep this table too


# --- budgets and caps ------------------------------------------------------------------------------
def test_a_daily_budget_refuses_starts_when_spent_and_requests_that_would_pass_it(stack: Stack) -> None:
    from researcher_pro.access.budget_repository import BudgetRepository
    from researcher_pro.access.budgets import DailyBudgets, utc_day

    repo = BudgetRepository(get_settings().data_table)
    name = tenant()
    budgets = DailyBudgets(repo, default_usd=0)
    budgets.admit(name)  # no budget: nothing refused
    repo.set_daily_limit(name, 0.01)
    budgets = DailyBudgets(repo, default_usd=0)
    day = utc_day(time.time())
    assert budgets.reserve(name, day, 0.008)
    assert not budgets.reserve(name, day, 0.005)  # would pass the cap: nothing reserved
    budgets.settle(name, day, reserved=0.008, spent=0.006)
    assert budgets.reserve(name, day, 0.004)
    budgets.settle(name, day, reserved=0.004, spent=0.004)
    with pytest.raises(RateLimited) as refused:
        budgets.admit(name)
    assert 0 < refused.value.retry_after <= 86_400
    # Through the API: 429 problem+json with Retry-After, and nothing started.
    key = issue_key(name)
    response = start_research(load_function("research_api"), key)
    assert response["statusCode"] == 429 and int(response["headers"]["retry-after"]) <= 86_400
    assert response["headers"]["content-type"] == "application/problem+json"
    usage = event("usage_api/usage_report.json")
    usage["headers"]["authorization"] = f"Bearer {key}"
    report = body(invoke(load_function("usage_api"), usage))
    assert report["budget"]["daily_usd"] == 0.01 and report["budget"]["left_usd"] == 0.0


def test_a_running_task_is_held_to_the_daily_budget_request_by_request(stack: Stack) -> None:
    from researcher_pro.access.budget_repository import BudgetRepository
    from researcher_pro.access.budgets import DailyBudgets, utc_day
    from researcher_pro.core.config import ModelPrice
    from researcher_pro.tasks.cache import ResponseCache
    from researcher_pro.tasks.metering import Meter

    settings = get_settings()
    name = tenant()
    BudgetRepository(settings.data_table).set_daily_limit(name, 0.01)
    repo = research_repository()
    task_id = new_task(repo, name, due_at=time.time() + 600)
    meter = Meter(
        tenant=name,
        task_id=task_id,
        day=utc_day(time.time()),
        cache=ResponseCache(settings.data_table, 60),
        usage=repo,
        prices={"m": ModelPrice(per_request=0.004)},
        deadline=time.monotonic() + 60,
        day_budget=DailyBudgets(BudgetRepository(settings.data_table), default_usd=0),
    )
    from tests.unit.test_metering import Search

    search = Search()
    search.model = "m"
    from researcher_pro.providers.base import SearchQuery

    meter.search(search, SearchQuery(("one",)))  # type: ignore[arg-type]
    meter.search(search, SearchQuery(("two",)))  # type: ignore[arg-type]
    with pytest.raises(BudgetExceeded, match="daily budget"):
        meter.search(search, SearchQuery(("three",)))  # type: ignore[arg-type]
    assert search.requests == 2
    assert BudgetRepository(settings.data_table).committed(name, utc_day(time.time())) <= 0.01
    repo.delete(name, task_id)


def test_watches_per_tenant_are_capped(stack: Stack) -> None:
    from researcher_pro.watches.models import WatchRequest
    from researcher_pro.watches.service import WatchService
    from researcher_pro.watches.wiring import run_history, watch_repository, watch_runs
    from researcher_pro.webhooks.wiring import webhook_service

    settings = get_settings()
    watches = WatchService(
        watch_repository(settings), watch_runs(settings), run_history(settings), webhook_service(settings), 3600, 2
    )
    name = tenant()

    def create() -> str:
        request = WatchRequest.model_validate({"query": "q", "sources": ["documents"], "schedule": "rate(1 day)"})
        return watches.create(name, request).id

    first, _ = create(), create()
    with pytest.raises(Conflict, match="2 watches"):
        create()
    assert len(watches.list(name, 10, None).items) == 2
    watches.delete(name, first)
    create()


def test_template_versions_are_capped(stack: Stack) -> None:
    from researcher_pro.templates.models import TemplateInput
    from researcher_pro.templates.repository import TemplateRepository
    from researcher_pro.templates.service import BuiltinCatalog, TemplateService

    repository = TemplateRepository(get_settings().data_table, TEST_CURSORS)
    templates = TemplateService(repository, BuiltinCatalog(), TEST_CURSORS, max_versions=2)
    name = tenant()
    body_ = TemplateInput.model_validate(
        {"name": "t", "prompt": "About {{ topic }}", "variables": {"topic": {"type": "string", "required": True}}}
    )
    created = templates.create(name, body_)
    templates.update(name, created.id, body_)
    with pytest.raises(Conflict, match="2 versions"):
        templates.update(name, created.id, body_)


def test_scheduled_runs_count_against_the_tenants_start_rate(stack: Stack) -> None:
    from researcher_pro.access.rate_limits import StartLimiter
    from researcher_pro.access.start_counter import StartCounter
    from researcher_pro.watches.models import WatchRequest
    from researcher_pro.watches.scheduler import WatchScheduler
    from researcher_pro.watches.wiring import watch_repository, watch_runs, watch_service

    settings = get_settings()
    name = tenant()
    service = watch_service(settings)
    request = WatchRequest.model_validate({"query": "q", "sources": ["documents"], "schedule": "rate(1 hour)"})
    ids = [service.create(name, request).id for _ in range(2)]
    limiter = StartLimiter(StartCounter(settings.data_table), per_minute=1)
    scheduler = WatchScheduler(watch_repository(settings), watch_runs(settings), limiter.admit)
    due = max(float(watch_repository(settings).get(name, i)["next_run_at"]) for i in ids) + 1  # type: ignore[index]
    counts = scheduler.run_due(due)
    assert counts["started"] >= 1 and counts["deferred"] >= 1
    triggers = [[r.trigger for r in service.runs(name, i, 10, None).items] for i in ids]
    assert sorted(len(t) for t in triggers) == [1, 2]  # one watch ran, the other waits for its next tick


def test_the_document_index_is_rebuilt_only_when_the_documents_change(stack: Stack) -> None:
    from researcher_pro.documents.models import DocumentCreate
    from researcher_pro.documents.wiring import document_service

    documents = document_service(get_settings())
    name = tenant()
    first = documents.create(name, DocumentCreate(title="Pumps", text="Heat pumps move heat."))
    index = documents.index(name)
    assert documents.index(name) is index
    documents.create(name, DocumentCreate(title="Trains", text="Night trains run to Rome."))
    grown = documents.index(name)
    assert grown is not index and grown.search("night trains", 5)
    documents.delete(name, first.id)
    assert documents.index(name) is not grown and not documents.index(name).search("heat pumps", 5)
