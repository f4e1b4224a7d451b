"""The refresh scheduler against moto: one run per due time however often it is invoked, missed runs
collapsed into one, and a start cut short finished on a later tick."""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

from researcher_pro.tasks.repository import TaskRepository
from researcher_pro.watches.models import WatchRequest, WatchUpdate
from researcher_pro.watches.scheduler import WatchScheduler
from researcher_pro.watches.service import WatchService

from infra.local.template import Stack
from tests.integration.conftest import TEST_CURSORS, invoke, load_function
from tests.integration.test_sample_events import body, event


def service() -> WatchService:
    from researcher_pro.core.config import get_settings
    from researcher_pro.watches.wiring import watch_service

    return watch_service(get_settings())


def scheduler() -> WatchScheduler:
    from researcher_pro.core.config import get_settings
    from researcher_pro.watches.wiring import watch_scheduler

    return watch_scheduler(get_settings())


def new_watch(watches: WatchService, tenant: str, schedule: str = "rate(1 hour)", **extra: Any) -> dict[str, Any]:
    request = WatchRequest.model_validate(
        {"query": f"What is new in solar? {uuid.uuid4().hex[:6]}", "sources": ["documents"], "schedule": schedule}
        | extra
    )
    return watches.create(tenant, request).model_dump()


def next_run(watches: WatchService, tenant: str, watch_id: str) -> float:
    from datetime import datetime

    value = watches.get(tenant, watch_id).next_run_at
    assert value is not None
    return datetime.fromisoformat(value).timestamp()


def triggers(watches: WatchService, tenant: str, watch_id: str) -> list[str]:
    return [run.trigger for run in watches.runs(tenant, watch_id, 100, None).items]


def all_at_once(count: int, work: Any) -> list[Any]:
    """Run `work` in `count` threads released together, as overlapping scheduler invocations would be."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def one(index: int) -> None:
        barrier.wait()
        results[index] = work()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_new_watch_runs_its_baseline_at_once_and_waits_for_its_schedule(stack: Stack) -> None:
    watches = service()
    tenant = f"t-{uuid.uuid4().hex[:6]}"
    watch = new_watch(watches, tenant)
    assert watch["webhook_secret"] is None and watch["runs"] == 1
    runs = watches.runs(tenant, watch["id"], 10, None).items
    assert [(r.trigger, r.status, r.diff) for r in runs] == [("baseline", "queued", None)]
    research = TaskRepository(stack.physical_name("DataTable"), "research", TEST_CURSORS).get(
        tenant, runs[0].research_id
    )
    assert research is not None and research["watch_id"] == watch["id"]
    assert 3590 <= next_run(watches, tenant, watch["id"]) - time.time() <= 3600
    # Not due yet: the scheduler leaves it alone.
    scheduler().run_due(time.time())
    assert triggers(watches, tenant, watch["id"]) == ["baseline"]


def test_two_schedulers_at_once_run_a_due_time_once(stack: Stack) -> None:
    watches = service()
    tenant = f"t-{uuid.uuid4().hex[:6]}"
    ids = [new_watch(watches, tenant)["id"] for _ in range(4)]
    due = max(next_run(watches, tenant, i) for i in ids) + 1
    all_at_once(2, lambda: scheduler().run_due(due))
    all_at_once(3, lambda: scheduler().run_due(due + 30))  # overlapping again, later, before the next due time
    for watch_id in ids:
        assert triggers(watches, tenant, watch_id) == ["schedule", "baseline"]
        assert next_run(watches, tenant, watch_id) > due
    # Each scheduled run has exactly one research, with the watch's id on it.
    repo = TaskRepository(stack.physical_name("DataTable"), "research", TEST_CURSORS)
    research_ids = [r.research_id for i in ids for r in watches.runs(tenant, i, 10, None).items]
    assert len(set(research_ids)) == 8
    assert {r["watch_id"] for r in repo.get_many(tenant, research_ids).values()} == set(ids)


def test_missed_runs_collapse_into_one(stack: Stack) -> None:
    watches = service()
    tenant = f"t-{uuid.uuid4().hex[:6]}"
    watch_id = new_watch(watches, tenant)["id"]
    first_due = next_run(watches, tenant, watch_id)
    # The scheduler was down for five hours and a half: one run, then the next fire time after now.
    now = first_due + 5.5 * 3600
    scheduler().run_due(now)
    scheduler().run_due(now + 1)
    assert triggers(watches, tenant, watch_id) == ["schedule", "baseline"]
    assert next_run(watches, tenant, watch_id) == first_due + 6 * 3600


def test_a_start_cut_short_is_finished_by_a_later_tick_exactly_once(stack: Stack) -> None:
    from researcher_pro.core.config import get_settings
    from researcher_pro.watches.wiring import watch_repository, watch_runs

    watches, repo, runner = service(), watch_repository(get_settings()), watch_runs(get_settings())
    research_repo = TaskRepository(stack.physical_name("DataTable"), "research", TEST_CURSORS)
    tenant = f"t-{uuid.uuid4().hex[:6]}"
    watch = repo.get(tenant, new_watch(watches, tenant)["id"])
    assert watch is not None
    # What the scheduler does before starting the research, and then it dies.
    now = time.time()
    run = {**runner.new_run(watch, "schedule", now), "due_at": int(watch["next_run_at"])}
    moved = repo.reschedule(
        tenant,
        watch["id"],
        expected_next_run=int(watch["next_run_at"]),
        next_run=None,
        run=run,
        resume_at=runner.resume_at(now),
    )
    assert moved
    runs = watches.runs(tenant, watch["id"], 10, None).items
    assert runs[0].status == "starting"
    assert research_repo.get(tenant, run["research_id"]) is None
    # Within the grace period nothing happens; after it, overlapping ticks start it once.
    scheduler().run_due(time.time())
    assert research_repo.get(tenant, run["research_id"]) is None
    later = time.time() + get_settings().watch_start_grace_seconds + 1
    all_at_once(3, lambda: scheduler().run_due(later))
    research = research_repo.get(tenant, run["research_id"])
    assert research is not None and research["watch_id"] == watch["id"] and research["status"] == "queued"
    assert watches.runs(tenant, watch["id"], 10, None).items[0].status == "queued"
    assert scheduler().run_due(later + 1)["resumed"] == 0


def test_disabled_and_deleted_watches_do_not_run(stack: Stack) -> None:
    watches = service()
    tenant = f"t-{uuid.uuid4().hex[:6]}"
    paused, gone = new_watch(watches, tenant)["id"], new_watch(watches, tenant)["id"]
    due = next_run(watches, tenant, paused) + 1
    updated = watches.update(tenant, paused, WatchUpdate(enabled=False))
    assert updated.enabled is False and updated.next_run_at is None
    watches.delete(tenant, gone)
    scheduler().run_due(due + 3600 * 3)
    assert triggers(watches, tenant, paused) == ["baseline"]
    # Enabled again: its next run is a full period from now, not a catch-up of the pause.
    before = time.time()
    watches.update(tenant, paused, WatchUpdate(enabled=True))
    assert before + 3600 - 1 <= next_run(watches, tenant, paused) <= time.time() + 3600


def test_a_new_schedule_moves_the_next_run(stack: Stack) -> None:
    watches = service()
    tenant = f"t-{uuid.uuid4().hex[:6]}"
    watch_id = new_watch(watches, tenant)["id"]
    updated = watches.update(tenant, watch_id, WatchUpdate(schedule="cron(0 6 1 * ? *)", depth="deep"))
    assert updated.schedule == "cron(0 6 1 * ? *)" and updated.depth == "deep"
    assert updated.next_run_at is not None and updated.next_run_at.endswith("T06:00:00.000Z")
    assert updated.next_run_at[8:10] == "01"


def signed(name: str, key: str) -> dict[str, Any]:
    """A sample event carrying `key` (the shared sample key stays unregistered for the other tests)."""
    sample = event(name)
    sample["headers"]["authorization"] = f"Bearer {key}"
    return sample


def test_sample_events_create_list_and_schedule(stack: Stack) -> None:
    from researcher_pro.access.api_key_repository import ApiKeyRepository
    from researcher_pro.access.api_keys import ApiKeyService
    from researcher_pro.core.config import get_settings

    key = f"rp_watch-sample-{uuid.uuid4().hex}"
    ApiKeyService(ApiKeyRepository(get_settings().data_table)).issue("sample-watches", key)
    api, scheduler = load_function("watches_api"), load_function("refresh_scheduler")
    created = invoke(api, signed("watches_api/create_watch.json", key))
    assert created["statusCode"] == 201, created
    watch = body(created)
    assert watch["schedule"] == "cron(0 9 ? * MON *)" and watch["runs"] == 1
    listed = body(invoke(api, signed("watches_api/list_watches.json", key)))
    assert watch["id"] in [w["id"] for w in listed["items"]]
    missing = invoke(api, signed("watches_api/get_missing_watch.json", key))
    assert missing["statusCode"] == 404
    assert set(invoke(scheduler, event("refresh_scheduler/scheduled.json"))) == {
        "started",
        "skipped",
        "resumed",
        "deferred",
        "errors",
    }
    assert json.loads(created["body"])["webhook_secret"] is None


def test_schedules_more_frequent_than_the_setting_are_refused(stack: Stack) -> None:
    from researcher_pro.watches.schedules import InvalidSchedule

    watches = service()
    tenant = f"t-{uuid.uuid4().hex[:6]}"
    for schedule, gap in (("rate(30 minutes)", 1800), ("cron(0,30 9 ? * MON-FRI *)", 1800)):
        try:
            new_watch(watches, tenant, schedule)
        except InvalidSchedule as refused:
            assert f"can fire {gap} seconds apart" in refused.detail and "every 3600 seconds" in refused.detail
        else:
            raise AssertionError(f"{schedule} was accepted")
    assert watches.list(tenant, 10, None).items == []


def test_a_schedule_that_has_fired_for_the_last_time_leaves_the_due_index(stack: Stack) -> None:
    from datetime import UTC, datetime

    watches = service()
    tenant = f"t-{uuid.uuid4().hex[:6]}"
    year = datetime.now(UTC).year + 1
    watch_id = new_watch(watches, tenant, f"cron(0 12 1 1 ? {year})")["id"]
    last = datetime(year, 1, 1, 12, tzinfo=UTC).timestamp()
    assert next_run(watches, tenant, watch_id) == last
    scheduler().run_due(last + 60)
    assert triggers(watches, tenant, watch_id) == ["schedule", "baseline"]
    assert watches.get(tenant, watch_id).next_run_at is None
    assert scheduler().run_due(last + 3600)["errors"] == 0
