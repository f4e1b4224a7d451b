"""The conditional writes that keep two workers from both moving a task forward (moto server)."""

from __future__ import annotations

import time
import uuid

from researcher_pro.tasks.cache import ResponseCache
from researcher_pro.tasks.metering import CachedReply
from researcher_pro.tasks.repository import TaskRepository

from infra.local.template import Stack
from tests.integration.conftest import TEST_CURSORS


def new_research(repo: TaskRepository, tenant: str) -> str:
    research_id = f"res_{uuid.uuid4().hex}"
    repo.create(
        tenant,
        {
            "id": research_id,
            "query": "q",
            "depth": "quick",
            "sources_requested": ["web"],
            "status": "queued",
            "step": "plan",
            "created_at": "2026-11-26T10:00:00.000Z",
            "updated_at": "2026-11-26T10:00:00.000Z",
        },
        due_at=time.time() + 60,
    )
    return research_id


def test_only_one_worker_can_claim_a_step_until_its_lease_ends(stack: Stack) -> None:
    repo = TaskRepository(stack.physical_name("DataTable"), "research", TEST_CURSORS)
    research_id = new_research(repo, "t")
    now = time.time()
    assert repo.claim_step("t", research_id, "plan", "a", now + 30, now) is not None
    assert repo.claim_step("t", research_id, "plan", "b", now + 30, now) is None
    assert repo.claim_step("t", research_id, "search", "b", now + 30, now) is None
    later = now + 31
    reclaimed = repo.claim_step("t", research_id, "plan", "b", later + 30, later)
    assert reclaimed is not None and reclaimed["lease_owner"] == "b" and reclaimed["step_attempts"] == 2


def test_a_step_moves_on_with_its_event_in_one_transaction(stack: Stack) -> None:
    repo = TaskRepository(stack.physical_name("DataTable"), "research", TEST_CURSORS)
    research_id = new_research(repo, "t")
    now = time.time()
    claim = repo.claim_step("t", research_id, "plan", "a", now + 30, now)
    assert claim is not None
    event = {"type": "research.progress", "research_id": research_id, "progress": 0.2, "message": "m", "ts": "x"}
    common = {"changes": {"step": "search"}, "event": event, "event_ttl": 60, "checkpoint": ("plan", {"q": [1]})}
    assert not repo.transition("t", research_id, expected_seq=0, owner="intruder", **common)  # type: ignore[arg-type]
    assert repo.transition("t", research_id, expected_seq=0, owner="a", **common)  # type: ignore[arg-type]
    assert not repo.transition("t", research_id, expected_seq=0, owner="a", **common)  # type: ignore[arg-type]
    assert [e["seq"] for e in repo.events("t", research_id, 0, 10)] == [1]
    assert repo.checkpoints("t", research_id) == {"plan": {"q": [1]}}
    assert repo.get("t", research_id)["step"] == "search"  # type: ignore[index]
    assert repo.get("other-tenant", research_id) is None


def test_a_refused_move_leaves_no_event_checkpoint_or_change_behind(stack: Stack) -> None:
    repo = TaskRepository(stack.physical_name("DataTable"), "research", TEST_CURSORS)
    research_id = new_research(repo, "t")
    now = time.time()
    assert repo.claim_step("t", research_id, "plan", "a", now + 30, now) is not None
    event = {"type": "research.progress", "research_id": research_id, "progress": 0.2, "message": "m", "ts": "x"}
    # The record's condition fails (another worker holds the lease); the event and checkpoint come after it.
    assert not repo.transition(
        "t",
        research_id,
        expected_seq=0,
        owner="intruder",
        changes={"step": "search"},
        event=event,
        event_ttl=60,
        checkpoint=("plan", {"q": [1]}),
    )
    assert repo.events("t", research_id, 0, 10) == []
    assert repo.checkpoints("t", research_id) == {}
    record = repo.get("t", research_id)
    assert record is not None and record["step"] == "plan" and record["lease_owner"] == "a"


def test_usage_of_a_deleted_research_is_billed_to_the_tenant_without_bringing_it_back(stack: Stack) -> None:
    from researcher_pro.usage.repository import UsageRepository

    repo = TaskRepository(stack.physical_name("DataTable"), "research", TEST_CURSORS)
    tenant = f"t-{uuid.uuid4().hex[:6]}"
    research_id = new_research(repo, tenant)
    assert repo.record_usage(tenant, research_id, "2026-11-26", {"model_calls": 1})
    assert repo.delete(tenant, research_id)
    # The provider answered: the tenant owes it, though the research is gone.
    assert repo.record_usage(tenant, research_id, "2026-11-26", {"model_calls": 1, "cost_usd": 0.5})
    assert repo.get(tenant, research_id) is None
    (day,) = UsageRepository(stack.physical_name("DataTable")).days(tenant, "2026-11-26", "2026-11-26")
    assert day["usage_model_calls"] == 2 and day["usage_cost_usd"] == 0.5


def test_cache_entries_are_written_with_the_bill_and_belong_to_one_tenant(stack: Stack) -> None:
    repo = TaskRepository(stack.physical_name("DataTable"), "research", TEST_CURSORS)
    cache = ResponseCache(stack.physical_name("DataTable"), ttl_seconds=60)
    research_id = new_research(repo, "a")
    assert repo.record_usage("a", research_id, "2026-11-26", {"model_calls": 1}, also=[cache.entry("a", "k", {"v": 1})])
    assert cache.get("a", "k") == CachedReply({"v": 1})
    assert cache.get("b", "k") is None
    assert repo.get("a", research_id)["usage_model_calls"] == 1  # type: ignore[index]
    expired = ResponseCache(stack.physical_name("DataTable"), ttl_seconds=-1)
    assert repo.record_usage("a", research_id, "2026-11-26", {"model_calls": 1}, also=[expired.entry("a", "old", {})])
    assert expired.get("a", "old") is None
